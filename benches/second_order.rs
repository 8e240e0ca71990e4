//! What a Hessian-vector product costs against one gradient, on the lab
//! report's factorisation (centred iris 150 x 4, rank 2, `‖A - U Vᵀ‖_F`,
//! 308 parameters): `cargo bench --bench second_order`.
//!
//! - `gradient`: record the loss, one backward sweep.
//! - `hvp`: record the loss, record its gradient (`Tape::grad`), contract it
//!   with a direction, one backward sweep through both: `H v`.
//! - `jvp`: record the loss, one forward-mode sweep: `J v`.
//!
//! The cheap gradient principle bounds the gradient at a few times the loss;
//! the recorded gradient is itself such a function, so `H v` costs a few
//! times the gradient again (docs/09 quotes the measured ratio).

use std::hint::black_box;

use autograd::{Tape, Var};
use criterion::{Criterion, criterion_group, criterion_main};
use factor::{Config, Loss, initial_factors, record_loss};
use ndarray::{ArcArray2, Array2};

fn centred_iris() -> Array2<f64> {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/iris.data"));
    let mut a = data::read_features_with(path, data::ReadOptions::default(), &data::Columns::Features)
        .expect("iris ships in datasets/")
        .data
        .matrix;
    data::centre_columns(&mut a);
    a
}

fn loss<'t>(tape: &'t Tape, a: &ArcArray2<f64>, u: Var<'t>, v: Var<'t>) -> Var<'t> {
    record_loss(tape.constant(a), u, v, Loss::Norm, None, 0.0)
}

fn second_order(c: &mut Criterion) {
    let a = centred_iris().to_shared();
    let (u, v) = initial_factors(150, 4, &Config::lab_report(2));
    let (du, dv) = (Array2::from_elem((150, 2), 0.1), Array2::from_elem((4, 2), -0.2));
    let mut group = c.benchmark_group("iris_factorisation");
    group.bench_function("gradient", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let (pu, pv) = (tape.parameter(&u), tape.parameter(&v));
            let grads = tape.backward(loss(&tape, &a, pu, pv));
            black_box(grads[pu][[0, 0]] + grads[pv][[0, 0]])
        })
    });
    group.bench_function("hvp", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let (pu, pv) = (tape.parameter(&u), tape.parameter(&v));
            let g = tape.grad(loss(&tape, &a, pu, pv), &[pu, pv]);
            let along = (g[0] * tape.constant(&du)).sum() + (g[1] * tape.constant(&dv)).sum();
            let hv = tape.backward(along);
            black_box(hv[pu][[0, 0]] + hv[pv][[0, 0]])
        })
    });
    group.bench_function("jvp", |b| {
        b.iter(|| {
            let tape = Tape::new();
            let (pu, pv) = (tape.parameter(&u), tape.parameter(&v));
            let out = loss(&tape, &a, pu, pv);
            let tangents = tape
                .tangents(&[(pu, du.clone()), (pv, dv.clone())])
                .expect("built-in ops");
            black_box(tangents[out.id().index()].as_ref().map(|t| t[[0, 0]]))
        })
    });
    group.finish();
}

criterion_group!(benches, second_order);
criterion_main!(benches);
