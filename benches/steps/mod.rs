//! The steps the benchmarks time: each experiment's step through the
//! engine, and its hand-derived twin doing the same maths with the same
//! ndarray calls (the physical limit of the tape approach). Shared by
//! `benches/engine.rs` (criterion timings) and `examples/step_count.rs`
//! (instruction counts under callgrind).
#![allow(dead_code)]

use std::path::Path;

use adlab::args::DataArgs;
use autograd::optim::{Optimizer, Sgd};
use autograd::{Gradients, Tape};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArcArray2, Array2, Zip};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

pub fn normal(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.sample::<f64, _>(StandardNormal))
}

/// Iris's measurements, centred, as `factorise` loads them.
pub fn centred_iris() -> Array2<f64> {
    let iris = DataArgs {
        data: Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/iris.data"),
        ..DataArgs::default()
    };
    iris.load().expect("datasets/iris.data loads").data.matrix
}

/// `Σ x²` with eight running sums, as the engine computes it.
pub fn sum_of_squares(values: &[f64]) -> f64 {
    let mut lanes = [0.0; 8];
    let chunks = values.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|x| x * x).sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(lane, x)| *lane += x * x);
    }
    lanes.iter().sum::<f64>() + tail
}

/// The hand-derived epoch: R = A - U Vᵀ, loss = ||R||, G = -R / ||R||,
/// dU = G V, dV = Gᵀ U, then the SGD step.
pub fn factorise_by_hand(a: &Array2<f64>, u: &mut Array2<f64>, v: &mut Array2<f64>, lr: f64) -> f64 {
    let residual = a - &u.dot(&v.t());
    let norm = sum_of_squares(residual.as_slice().unwrap()).sqrt();
    let g = residual.mapv(|x| -x / norm);
    let du = g.dot(&*v);
    let dv = g.t().dot(&*u);
    u.scaled_add(-lr, &du);
    v.scaled_add(-lr, &dv);
    norm
}

/// What the engine keeps between steps: the tape and the gradient store
/// (both reused, keeping their allocations) and the optimiser.
pub struct Engine {
    pub tape: Tape,
    pub grads: Gradients,
    pub sgd: Sgd,
}

impl Engine {
    pub fn new(lr: f64) -> Self {
        Engine {
            tape: Tape::new(),
            grads: Gradients::new(),
            sgd: Sgd::new(lr),
        }
    }
}

pub fn factorise_by_engine(engine: &mut Engine, a: &ArcArray2<f64>, u: &mut Array2<f64>, v: &mut Array2<f64>) -> f64 {
    let Engine { tape, grads, sgd } = engine;
    tape.clear();
    let (u_var, v_var) = (tape.parameter(&*u), tape.parameter(&*v));
    let loss = (tape.constant(a) - u_var.matmul(v_var.t())).frobenius_norm();
    tape.backward_into(loss, grads);
    sgd.step(&mut [u, v], &[&grads[u_var], &grads[v_var]]);
    loss.item()
}

#[derive(Clone)]
pub struct Net {
    pub w1: Array2<f64>,
    pub b1: Array2<f64>,
    pub w2: Array2<f64>,
    pub b2: Array2<f64>,
}

/// `a + 1 b`: the 1 x n row `b` added to every row of `a`.
pub fn add_row(a: Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let mut out = a;
    let bias = b.as_slice().unwrap();
    for row in out.as_slice_mut().unwrap().chunks_exact_mut(bias.len()) {
        row.iter_mut().zip(bias).for_each(|(x, b)| *x += b);
    }
    out
}

/// `1ᵀ G`: the column sums of `g` as a 1 x n row.
pub fn column_sums(g: &Array2<f64>) -> Array2<f64> {
    let mut sums = Array2::zeros((1, g.ncols()));
    let out = sums.as_slice_mut().unwrap();
    for row in g.as_slice().unwrap().chunks_exact(out.len()) {
        out.iter_mut().zip(row).for_each(|(s, x)| *s += x);
    }
    sums
}

/// The hand-derived MLP step:
/// Z₁ = X W₁ + b₁, H = relu(Z₁), Z₂ = H W₂ + b₂, loss = CE(Z₂, y);
/// dZ₂ = (softmax(Z₂) - onehot(y)) / m, dW₂ = Hᵀ dZ₂, db₂ = 1ᵀ dZ₂,
/// dH = dZ₂ W₂ᵀ, dZ₁ = dH ⊙ [Z₁ > 0], dW₁ = Xᵀ dZ₁, db₁ = 1ᵀ dZ₁.
/// Unlike the engine, it computes each exponential once, for both the loss
/// and its gradient.
pub fn mlp_by_hand(net: &mut Net, x: &Array2<f64>, labels: &[usize], lr: f64) -> f64 {
    let z1 = add_row(x.dot(&net.w1), &net.b1);
    let h = z1.mapv(|z| if z > 0.0 { z } else { 0.0 });
    let z2 = add_row(h.dot(&net.w2), &net.b2);
    let m = labels.len() as f64;
    let classes = z2.ncols();
    let mut dz2 = Array2::zeros(z2.dim());
    let mut loss = 0.0;
    let rows = z2.as_slice().unwrap().chunks_exact(classes);
    for ((z, d), &label) in rows
        .zip(dz2.as_slice_mut().unwrap().chunks_exact_mut(classes))
        .zip(labels)
    {
        let max = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        d.iter_mut().zip(z).for_each(|(d, z)| *d = (z - max).exp());
        let total: f64 = d.iter().sum();
        loss += max + total.ln() - z[label];
        d.iter_mut().for_each(|d| *d /= total * m);
        d[label] -= 1.0 / m;
    }
    let dw2 = h.t().dot(&dz2);
    let db2 = column_sums(&dz2);
    let mut dz1 = dz2.dot(&net.w2.t());
    dz1.zip_mut_with(&z1, |d, &z| {
        if z <= 0.0 {
            *d = 0.0
        }
    });
    let dw1 = x.t().dot(&dz1);
    let db1 = column_sums(&dz1);
    net.w1.scaled_add(-lr, &dw1);
    net.b1.scaled_add(-lr, &db1);
    net.w2.scaled_add(-lr, &dw2);
    net.b2.scaled_add(-lr, &db2);
    loss / m
}

pub fn mlp_by_engine(engine: &mut Engine, net: &mut Net, x: &ArcArray2<f64>, labels: &[usize]) -> f64 {
    let Engine { tape, grads, sgd } = engine;
    tape.clear();
    let params = [
        tape.parameter(&net.w1),
        tape.parameter(&net.b1),
        tape.parameter(&net.w2),
        tape.parameter(&net.b2),
    ];
    let hidden = tape.constant(x).matmul(params[0]).add_bias(params[1]).relu();
    let loss = hidden.matmul(params[2]).add_bias(params[3]).cross_entropy(labels);
    tape.backward_into(loss, grads);
    sgd.step(
        &mut [&mut net.w1, &mut net.b1, &mut net.w2, &mut net.b2],
        &[
            &grads[params[0]],
            &grads[params[1]],
            &grads[params[2]],
            &grads[params[3]],
        ],
    );
    loss.item()
}

pub struct Workspace {
    pub product: Array2<f64>,
    pub residual: Array2<f64>,
    pub adjoint: Array2<f64>,
    pub du: Array2<f64>,
    pub dvt: Array2<f64>,
}

impl Workspace {
    pub fn new(a: &Array2<f64>, u: &Array2<f64>) -> Self {
        let ((m, n), r) = (a.dim(), u.ncols());
        Workspace {
            product: Array2::zeros((m, n)),
            residual: Array2::zeros((m, n)),
            adjoint: Array2::zeros((m, n)),
            du: Array2::zeros((m, r)),
            dvt: Array2::zeros((r, n)),
        }
    }
}

/// Squared loss, by hand, with the engine's passes over memory:
/// P = U Vᵀ, R = A - P, loss = Σ R²; dR = 2R, dP = -dR; dU = dP V,
/// dVᵀ = Uᵀ dP; then the SGD step.
pub fn large_by_hand(w: &mut Workspace, a: &Array2<f64>, u: &mut Array2<f64>, v: &mut Array2<f64>, lr: f64) -> f64 {
    general_mat_mul(1.0, &*u, &v.t(), 0.0, &mut w.product);
    Zip::from(&mut w.residual)
        .and(a)
        .and(&w.product)
        .for_each(|r, &a, &p| *r = a - p);
    let loss = sum_of_squares(w.residual.as_slice().unwrap());
    Zip::from(&mut w.adjoint)
        .and(&w.residual)
        .for_each(|g, &r| *g = 2.0 * r);
    w.adjoint.mapv_inplace(|g| -g);
    general_mat_mul(1.0, &w.adjoint, &*v, 0.0, &mut w.du);
    general_mat_mul(1.0, &u.t(), &w.adjoint, 0.0, &mut w.dvt);
    u.scaled_add(-lr, &w.du);
    v.scaled_add(-lr, &w.dvt.t());
    loss
}

pub fn large_by_engine(engine: &mut Engine, a: &ArcArray2<f64>, u: &mut Array2<f64>, v: &mut Array2<f64>) -> f64 {
    let Engine { tape, grads, sgd } = engine;
    tape.clear();
    let (u_var, v_var) = (tape.parameter(&*u), tape.parameter(&*v));
    let loss = (tape.constant(a) - u_var.matmul(v_var.t())).sum_squares();
    tape.backward_into(loss, grads);
    sgd.step(&mut [u, v], &[&grads[u_var], &grads[v_var]]);
    loss.item()
}

pub fn large_problem() -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(0);
    let a = normal(2000, 20, &mut rng).dot(&normal(20, 1000, &mut rng)) + normal(2000, 1000, &mut rng) * 0.1;
    (a, normal(2000, 20, &mut rng) * 0.1, normal(1000, 20, &mut rng) * 0.1)
}

/// The report's factorisation: centred iris, and the U, V that
/// `factor::train` starts from with the report's settings (seed 0).
pub fn iris_problem() -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    let a = centred_iris();
    let (u0, v0) = factor::initial_factors(a.nrows(), a.ncols(), &factor::Config::lab_report(2));
    (a, u0, v0)
}

/// The report's MLP step: a 16 x 4 minibatch, labels, and a 4-12-3 network
/// with weights N(0, 1)/sqrt(fan_in) and zero biases.
pub fn mlp_problem() -> (Net, Array2<f64>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(0);
    let x = normal(16, 4, &mut rng);
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let mut rng = StdRng::seed_from_u64(1);
    let net = Net {
        w1: normal(4, 12, &mut rng) / 2.0,
        b1: Array2::zeros((1, 12)),
        w2: normal(12, 3, &mut rng) / 12f64.sqrt(),
        b2: Array2::zeros((1, 3)),
    };
    (net, x, labels)
}
