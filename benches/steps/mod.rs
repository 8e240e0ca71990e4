//! The steps the benchmarks time: each experiment's step through the
//! engine, and its hand-derived twin doing the same maths with the same
//! kernels (the engine's matrix product, `autograd::matmul_into`, and the
//! same ndarray calls otherwise): the physical limit of the tape approach. Shared by
//! `benches/engine.rs` (criterion timings) and `examples/step_count.rs`
//! (instruction counts under callgrind).
#![allow(dead_code)]

use std::path::Path;

use adlab::args::DataArgs;
use autograd::matmul_into;
use autograd::optim::{Optimizer, Sgd};
use autograd::{Gradients, Tape};
use ndarray::{ArcArray2, Array2, ArrayView2, Zip};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

pub fn normal(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.sample::<f64, _>(StandardNormal))
}

/// `a · b` by the engine's product (a direct loop for small matrices).
pub fn product(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((a.nrows(), b.ncols()));
    matmul_into(a, b, &mut out);
    out
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
    let residual = a - &product(u.view(), v.t());
    let norm = sum_of_squares(residual.as_slice().unwrap()).sqrt();
    let g = residual.mapv(|x| -x / norm);
    let du = product(g.view(), v.view());
    let dv = product(g.t(), u.view());
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
    let z1 = add_row(product(x.view(), net.w1.view()), &net.b1);
    let h = z1.mapv(|z| if z > 0.0 { z } else { 0.0 });
    let z2 = add_row(product(h.view(), net.w2.view()), &net.b2);
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
    let dw2 = product(h.t(), dz2.view());
    let db2 = column_sums(&dz2);
    let mut dz1 = product(dz2.view(), net.w2.t());
    dz1.zip_mut_with(&z1, |d, &z| {
        if z <= 0.0 {
            *d = 0.0
        }
    });
    let dw1 = product(x.t(), dz1.view());
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
    matmul_into(u.view(), v.t(), &mut w.product);
    Zip::from(&mut w.residual)
        .and(a)
        .and(&w.product)
        .for_each(|r, &a, &p| *r = a - p);
    let loss = sum_of_squares(w.residual.as_slice().unwrap());
    Zip::from(&mut w.adjoint)
        .and(&w.residual)
        .for_each(|g, &r| *g = 2.0 * r);
    w.adjoint.mapv_inplace(|g| -g);
    matmul_into(w.adjoint.view(), v.view(), &mut w.du);
    matmul_into(u.t(), w.adjoint.view(), &mut w.dvt);
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

/// A micrograd-style problem: a 2-8-1 tanh network and 16 points of the
/// plane with targets, the network's weights drawn N(0, 1)/sqrt(fan_in).
pub struct ScalarNet {
    pub x: Array2<f64>,
    pub targets: Array2<f64>,
    pub w1: Array2<f64>,
    pub b1: Array2<f64>,
    pub w2: Array2<f64>,
    pub b2: Array2<f64>,
}

pub fn scalar_problem() -> ScalarNet {
    let mut rng = StdRng::seed_from_u64(2);
    let x = normal(16, 2, &mut rng);
    let targets = x
        .map_axis(ndarray::Axis(1), |row| (row[0] * row[1]).signum())
        .insert_axis(ndarray::Axis(1));
    ScalarNet {
        x,
        targets,
        w1: normal(2, 8, &mut rng) / 2f64.sqrt(),
        b1: Array2::zeros((1, 8)),
        w2: normal(8, 1, &mut rng) / 8f64.sqrt(),
        b2: Array2::zeros((1, 1)),
    }
}

/// The mean squared error of the network and its gradient, every weight a
/// 1 x 1 parameter and every operation a scalar one, as micrograd records
/// it: about 1,000 nodes for 16 points. Returns the loss.
pub fn scalar_net_by_scalars(tape: &mut Tape, net: &ScalarNet) -> f64 {
    tape.clear();
    let scalar = |a: &Array2<f64>, i: usize, j: usize| Array2::from_elem((1, 1), a[[i, j]]);
    let w1: Vec<Vec<_>> = (0..2)
        .map(|i| (0..8).map(|j| tape.parameter(scalar(&net.w1, i, j))).collect())
        .collect();
    let b1: Vec<_> = (0..8).map(|j| tape.parameter(scalar(&net.b1, 0, j))).collect();
    let w2: Vec<_> = (0..8).map(|j| tape.parameter(scalar(&net.w2, j, 0))).collect();
    let b2 = tape.parameter(scalar(&net.b2, 0, 0));
    let mut total = None;
    for row in 0..net.x.nrows() {
        let x: Vec<_> = (0..2).map(|i| tape.constant(scalar(&net.x, row, i))).collect();
        let mut out = b2;
        for j in 0..8 {
            let hidden = (x[0] * w1[0][j] + x[1] * w1[1][j] + b1[j]).tanh();
            out = out + hidden * w2[j];
        }
        let error = (out - tape.constant(scalar(&net.targets, row, 0))).square();
        total = Some(total.map_or(error, |sum| sum + error));
    }
    let loss = total.expect("some points").scale(1.0 / net.x.nrows() as f64);
    black_box_gradients(tape, loss)
}

/// The same loss and gradient in the engine's matrix form: seven nodes.
pub fn scalar_net_by_matrices(tape: &mut Tape, net: &ScalarNet) -> f64 {
    tape.clear();
    let (w1, b1) = (tape.parameter(&net.w1), tape.parameter(&net.b1));
    let (w2, b2) = (tape.parameter(&net.w2), tape.parameter(&net.b2));
    let hidden = tape.constant(&net.x).matmul(w1).add_bias(b1).tanh();
    let out = hidden.matmul(w2).add_bias(b2);
    let loss = (out - tape.constant(&net.targets))
        .sum_squares()
        .scale(1.0 / net.x.nrows() as f64);
    black_box_gradients(tape, loss)
}

fn black_box_gradients(tape: &Tape, loss: autograd::Var<'_>) -> f64 {
    std::hint::black_box(tape.backward(loss));
    loss.item()
}

/// A chain of 1000 1 x 1 adds, `y = x + c + c + ...`, forward and backward:
/// what an op costs when its arithmetic is nothing. Returns x's gradient.
pub fn add_chain(tape: &mut Tape, one: &ArcArray2<f64>) -> f64 {
    tape.clear();
    let x = tape.parameter(one);
    let c = tape.constant(one);
    let mut y = x;
    for _ in 0..1000 {
        y = y + c;
    }
    tape.backward(y)[x][[0, 0]]
}
