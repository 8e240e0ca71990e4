//! The backward sweep recorded on the tape (`Tape::grad`, which second
//! derivatives differentiate) gives the numbers of the numeric sweep
//! (`Tape::backward`, which training uses) on the experiments' own loss
//! functions, `factor::record_loss` and `mlp::Mlp::record_cross_entropy`:
//! if either experiment's loss changes, this still compares the two sweeps
//! on what it has become.

use autograd::{Tape, Var};
use factor::{Loss, record_loss};
use mlp::Mlp;
use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The largest `|recorded - numeric|` over the largest entry of either.
fn relative_difference(recorded: ArrayView2<f64>, numeric: ArrayView2<f64>) -> f64 {
    let scale = recorded
        .iter()
        .chain(numeric.iter())
        .fold(0.0_f64, |m, x| m.max(x.abs()));
    let difference = (&recorded - &numeric).iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    if difference == 0.0 { 0.0 } else { difference / scale }
}

/// Records `loss` on a fresh tape over `parameters` and compares the two
/// sweeps' gradients for each parameter.
fn assert_sweeps_agree<F>(name: &str, parameters: &[Array2<f64>], loss: F)
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let vars: Vec<Var<'_>> = parameters.iter().map(|p| tape.parameter(p)).collect();
    let loss = loss(&tape, &vars);
    let numeric = tape.backward(loss);
    let recorded = tape.grad(loss, &vars);
    for (k, (var, recorded)) in vars.iter().zip(&recorded).enumerate() {
        let difference = relative_difference(recorded.value().view(), numeric[*var].view());
        assert!(
            difference <= 1e-14,
            "{name}, parameter {k}: the sweeps differ by {difference:e}"
        );
    }
}

fn uniform(rng: &mut StdRng, shape: (usize, usize)) -> Array2<f64> {
    Array2::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

#[test]
fn on_every_form_of_the_factorisation_loss() {
    let mut rng = StdRng::seed_from_u64(11);
    let target = uniform(&mut rng, (15, 4));
    let mask = Array2::from_shape_simple_fn((15, 4), || f64::from(u8::from(rng.random_range(0.0..1.0) < 0.8)));
    let factors = [uniform(&mut rng, (15, 2)), uniform(&mut rng, (4, 2))];
    for loss in [Loss::Norm, Loss::Squared] {
        for masked in [false, true] {
            for l2 in [0.0, 0.3] {
                let name = format!("{loss:?}, masked {masked}, l2 {l2}");
                assert_sweeps_agree(&name, &factors, |tape, x| {
                    let mask = masked.then(|| tape.constant(&mask));
                    record_loss(tape.constant(&target), x[0], x[1], loss, mask, l2)
                });
            }
        }
    }
}

#[test]
fn on_the_mlp_loss() {
    let mut rng = StdRng::seed_from_u64(12);
    let features = uniform(&mut rng, (16, 4));
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    for sizes in [&[4, 12, 3][..], &[4, 8, 6, 3]] {
        let net = Mlp::new(sizes, 5).expect("a valid network");
        let parameters: Vec<Array2<f64>> = net.parameters().into_iter().cloned().collect();
        assert_sweeps_agree(&format!("mlp {sizes:?}"), &parameters, |tape, w| {
            Mlp::record_cross_entropy(w, tape.constant(&features), &labels)
        });
    }
}
