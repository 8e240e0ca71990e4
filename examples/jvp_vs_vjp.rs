//! Forward mode against reverse mode for a whole gradient, on the report's
//! MLP (4-12-3, one 16-row batch, cross-entropy: 99 parameters).
//!
//! Forward mode gives `J v`, the derivative along one direction: for the
//! gradient of one loss it takes one sweep per parameter, each along a
//! unit direction. Reverse mode gives `Jᵀ u`: the whole gradient in one
//! sweep. Both give the same 99 numbers; this example checks that and
//! times them:
//!
//! `cargo run --release --example jvp_vs_vjp`
//!
//! (the times are medians of 51 runs; their ratio, a few tens here, is
//! what to look at on a noisy machine).

use std::time::Instant;

use autograd::{Tape, Var};
use mlp::Mlp;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A seeded batch of 16 rows of 4 features and their labels (3 classes).
pub fn batch(seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_simple_fn((16, 4), || rng.random_range(-2.0..2.0));
    let labels = (0..16).map(|_| rng.random_range(0..3)).collect();
    (x, labels)
}

/// The MLP's training loss, for its parameters as recorded vars.
fn loss<'t>(tape: &'t Tape, parameters: &[Var<'t>], x: &Array2<f64>, labels: &[usize]) -> Var<'t> {
    Mlp::record_cross_entropy(parameters, tape.constant(x), labels)
}

/// The gradient by one backward sweep, flattened in parameter order.
pub fn by_reverse_mode(net: &Mlp, x: &Array2<f64>, labels: &[usize]) -> Vec<f64> {
    let tape = Tape::new();
    let parameters = net.record_parameters(&tape);
    let grads = tape.backward(loss(&tape, &parameters, x, labels));
    parameters
        .iter()
        .flat_map(|p| grads[*p].iter().copied().collect::<Vec<_>>())
        .collect()
}

/// The gradient by one forward-mode sweep per parameter, each along a unit
/// direction: entry k is the loss's derivative along e_k.
pub fn by_forward_mode(net: &Mlp, x: &Array2<f64>, labels: &[usize]) -> Vec<f64> {
    let tape = Tape::new();
    let parameters = net.record_parameters(&tape);
    let out = loss(&tape, &parameters, x, labels);
    let mut gradient = Vec::with_capacity(net.parameter_count());
    for (which, p) in parameters.iter().enumerate() {
        for entry in 0..p.shape().0 * p.shape().1 {
            let seeds: Vec<(Var<'_>, Array2<f64>)> = parameters
                .iter()
                .enumerate()
                .map(|(other, q)| {
                    let mut direction = Array2::zeros(q.shape());
                    if other == which {
                        direction.as_slice_mut().expect("row-major")[entry] = 1.0;
                    }
                    (*q, direction)
                })
                .collect();
            let tangents = tape.tangents(&seeds).expect("built-in ops have JVP rules");
            gradient.push(tangents[out.id().index()].as_ref().map_or(0.0, |t| t[[0, 0]]));
        }
    }
    gradient
}

/// The median of `runs` timings of `f`, in seconds.
fn median_seconds(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

#[allow(dead_code)] // a test includes this file for the two gradients
fn main() {
    let net = Mlp::new(&[4, 12, 3], 0).expect("a valid architecture");
    let (x, labels) = batch(0);
    let (forward, reverse) = (by_forward_mode(&net, &x, &labels), by_reverse_mode(&net, &x, &labels));
    let largest = forward
        .iter()
        .zip(&reverse)
        .fold(0.0_f64, |m, (f, r)| m.max((f - r).abs()));
    println!(
        "MLP 4-12-3 on 16 rows, {} parameters; the two gradients differ by at most {largest:.1e}",
        net.parameter_count()
    );
    let forward_time = median_seconds(51, || drop(by_forward_mode(&net, &x, &labels)));
    let reverse_time = median_seconds(51, || drop(by_reverse_mode(&net, &x, &labels)));
    println!(
        "the gradient by {} forward-mode sweeps: {:.1} µs; by one reverse sweep: {:.1} µs",
        net.parameter_count(),
        forward_time * 1e6,
        reverse_time * 1e6,
    );
}
