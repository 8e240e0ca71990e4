//! The engine against hand-derived gradients doing the same maths with the
//! same ndarray calls: the physical limit of the tape approach.
//!
//! `cargo bench --bench engine`, then
//! `cargo run --release --example bench_table` prints the ratios.
//!
//! 1. `factorise_iris`: one epoch of the report's factorisation (iris 150 x 4
//!    centred, rank 2, Frobenius-norm loss, SGD step).
//! 2. `mlp_step`: one minibatch step of the report's MLP (16 x 4 -> 12 -> 3,
//!    cross-entropy, SGD step).
//! 3. `factorise_large`: one step of a 2000 x 1000 factorisation at rank 20,
//!    squared loss (the hand-derived side reuses preallocated buffers).
//! 4. `forward_vs_backward`: forward only against forward + backward for 3.
//! 5. `op_overhead`: a chain of 1000 1 x 1 adds, forward + backward.
//! 6. `scalar_net`: a micrograd-style 2-8-1 tanh network on 16 points,
//!    forward + backward, every weight and operation a scalar (about 1,000
//!    nodes) against the same network in matrix form (seven nodes).
//!
//! The steps themselves are in `steps/mod.rs`.

mod steps;

use std::hint::black_box;

use autograd::{Gradients, Tape};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;

use steps::*;

fn factorise_iris(c: &mut Criterion) {
    let (a, u0, v0) = iris_problem();
    let shared = a.to_shared();
    let mut group = c.benchmark_group("factorise_iris");
    group.bench_function("hand", |b| {
        let (mut u, mut v) = (u0.clone(), v0.clone());
        b.iter(|| black_box(factorise_by_hand(&a, &mut u, &mut v, 0.01)))
    });
    group.bench_function("engine", |b| {
        let (mut u, mut v) = (u0.clone(), v0.clone());
        let mut engine = Engine::new(0.01);
        b.iter(|| black_box(factorise_by_engine(&mut engine, &shared, &mut u, &mut v)))
    });
    group.finish();
}

fn mlp_step(c: &mut Criterion) {
    let (net, x, labels) = mlp_problem();
    let mut group = c.benchmark_group("mlp_step");
    group.bench_function("hand", |b| {
        let mut net = net.clone();
        b.iter(|| black_box(mlp_by_hand(&mut net, &x, &labels, 0.01)))
    });
    group.bench_function("engine", |b| {
        let mut net = net.clone();
        let shared = x.to_shared();
        let mut engine = Engine::new(0.01);
        b.iter(|| black_box(mlp_by_engine(&mut engine, &mut net, &shared, &labels)))
    });
    group.finish();
}

fn factorise_large(c: &mut Criterion) {
    let (a, u0, v0) = large_problem();
    let shared = a.to_shared();
    let lr = 1e-5;
    let mut group = c.benchmark_group("factorise_large");
    group.sample_size(20);
    group.bench_function("hand", |b| {
        let (mut u, mut v) = (u0.clone(), v0.clone());
        let mut workspace = Workspace::new(&a, &u);
        b.iter(|| black_box(large_by_hand(&mut workspace, &a, &mut u, &mut v, lr)))
    });
    group.bench_function("engine", |b| {
        let (mut u, mut v) = (u0.clone(), v0.clone());
        let mut engine = Engine::new(lr);
        b.iter(|| black_box(large_by_engine(&mut engine, &shared, &mut u, &mut v)))
    });
    group.finish();
}

fn forward_vs_backward(c: &mut Criterion) {
    let (a, u, v) = large_problem();
    let shared = a.to_shared();
    let mut group = c.benchmark_group("forward_vs_backward");
    group.sample_size(20);
    group.bench_function("forward", |b| {
        let mut tape = Tape::new();
        b.iter(|| {
            tape.clear();
            let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
            black_box((tape.constant(&shared) - u_var.matmul(v_var.t())).sum_squares().item())
        })
    });
    group.bench_function("forward_backward", |b| {
        let (mut tape, mut grads) = (Tape::new(), Gradients::new());
        b.iter(|| {
            tape.clear();
            let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
            let loss = (tape.constant(&shared) - u_var.matmul(v_var.t())).sum_squares();
            tape.backward_into(loss, &mut grads);
            black_box(grads.get(u_var).is_some())
        })
    });
    group.finish();
}

fn op_overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("op_overhead");
    group.bench_function("chain_1000_adds", |b| {
        let mut tape = Tape::new();
        let one = Array2::from_elem((1, 1), 1.0).into_shared();
        b.iter(|| black_box(add_chain(&mut tape, &one)))
    });
    group.finish();
}

fn scalar_net(c: &mut Criterion) {
    let net = scalar_problem();
    let mut group = c.benchmark_group("scalar_net");
    group.bench_function("matrices", |b| {
        let mut tape = Tape::new();
        b.iter(|| black_box(scalar_net_by_matrices(&mut tape, &net)))
    });
    group.bench_function("scalars", |b| {
        let mut tape = Tape::new();
        b.iter(|| black_box(scalar_net_by_scalars(&mut tape, &net)))
    });
    group.finish();
}

criterion_group!(
    benches,
    factorise_iris,
    mlp_step,
    factorise_large,
    forward_vs_backward,
    op_overhead,
    scalar_net
);
criterion_main!(benches);
