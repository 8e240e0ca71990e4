//! Every op of the engine's case catalogue, and the compositions the
//! experiments use, checked against central differences on 256
//! proptest-drawn cases each: shapes from 1 to 6 per side, entries in
//! [-2, 2] (kept away from kinks; see `check/cases.rs`).
//!
//! The output of an op is contracted with a random constant weight `W`
//! (`loss = Σ W ⊙ op(x)`), so the check exercises the VJP with an arbitrary
//! adjoint `G = W`, not just a matrix of ones.
//!
//! Each test prints the largest relative error it saw:
//! `cargo test -p autograd --release --test ops_gradcheck -- --nocapture --test-threads 1`.
//! The runner's seed is fixed, so the numbers are the same on every run.

use std::cell::Cell;

use autograd::check::builtin_ops;
use autograd::{GradCheckError, GradCheckReport, Tape, Var, gradcheck};
use ndarray::{Array2, s};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

const CASES: u32 = 256;

/// A drawn case: the parameters (checked) and the constants (data, masks,
/// labels as a column of class indices).
type Case = (Vec<Array2<f64>>, Vec<Array2<f64>>);

fn matrix(rows: usize, cols: usize) -> impl Strategy<Value = Array2<f64>> {
    proptest::collection::vec(-2.0..2.0f64, rows * cols)
        .prop_map(move |data| Array2::from_shape_vec((rows, cols), data).unwrap())
}

fn side() -> impl Strategy<Value = usize> {
    1usize..=6
}

fn mask(rows: usize, cols: usize) -> impl Strategy<Value = Array2<f64>> {
    proptest::collection::vec(any::<bool>(), rows * cols)
        .prop_map(move |bits| Array2::from_shape_fn((rows, cols), |(i, j)| f64::from(u8::from(bits[i * cols + j]))))
}

fn labels(rows: usize, classes: usize) -> impl Strategy<Value = Array2<f64>> {
    proptest::collection::vec(0..classes, rows)
        .prop_map(move |labels| Array2::from_shape_fn((rows, 1), |(i, _)| labels[i] as f64))
}

fn as_labels(column: Var<'_>) -> Vec<usize> {
    column.value().iter().map(|&label| label as usize).collect()
}

/// Checks `loss = Σ W ⊙ build(params, constants)` on every case and prints
/// the largest relative error.
fn check_op<S>(name: &str, cases: S, build: impl for<'t> Fn(&[Var<'t>], &[Var<'t>]) -> Var<'t>)
where
    S: Strategy<Value = Case>,
{
    check(name, (cases, matrix(6, 6)), |((params, constants), weight)| {
        gradcheck(
            |tape: &Tape, x| {
                let constants: Vec<Var<'_>> = constants.iter().map(|c| tape.constant(c)).collect();
                let out = build(x, &constants);
                let (rows, cols) = out.shape();
                let w = tape.constant(weight.slice(s![..rows, ..cols]));
                (out * w).sum()
            },
            &params,
        )
    });
}

/// Runs `gradcheck_case` on `CASES` values drawn from `strategy` (the
/// runner's seed is fixed) and prints the largest errors it saw.
fn check<S: Strategy>(
    name: &str,
    strategy: S,
    gradcheck_case: impl Fn(S::Value) -> Result<GradCheckReport, GradCheckError>,
) {
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let worst = Cell::new(0.0f64);
    let worst_abs = Cell::new(0.0f64);
    let result = runner.run(&strategy, |value| {
        let report = gradcheck_case(value).map_err(|error| TestCaseError::fail(error.to_string()))?;
        worst.set(worst.get().max(report.max_rel_error));
        worst_abs.set(worst_abs.get().max(report.max_abs_error));
        Ok(())
    });
    if let Err(error) = result {
        panic!("{name}: {error}");
    }
    println!(
        "{name:<16} worst relative error {:.2e}, worst absolute error {:.2e} over {CASES} cases",
        worst.get(),
        worst_abs.get()
    );
}

/// Every case of every built-in op in the engine's catalogue
/// ([`builtin_ops`]), each on 256 drawn seeds: an op is property-tested here
/// as soon as it has a case in `check/cases.rs`, with no edit to this file.
#[test]
fn every_builtin_op() {
    let cases = builtin_ops();
    assert!(!cases.is_empty());
    for case in cases {
        check(case.name, any::<u64>(), |seed| {
            let drawn = case.draw(seed);
            gradcheck(|tape, x| case.record(tape, &drawn, x), &drawn.parameters)
        });
    }
}

/// U (m x r), V (n x r) as parameters; A (m x n) and a 0/1 mask as constants.
fn factorisation() -> impl Strategy<Value = Case> {
    (side(), side(), 1usize..=3).prop_flat_map(|(m, n, r)| {
        (matrix(m, r), matrix(n, r), matrix(m, n), mask(m, n)).prop_map(|(u, v, a, mask)| (vec![u, v], vec![a, mask]))
    })
}

#[test]
fn factorisation_norm_loss() {
    check_op("||A - UVᵀ||_F", factorisation(), |x, c| {
        (c[0] - x[0].matmul(x[1].t())).frobenius_norm()
    });
}

#[test]
fn factorisation_squared_loss() {
    check_op("sum((A - UVᵀ)²)", factorisation(), |x, c| {
        (c[0] - x[0].matmul(x[1].t())).square().sum()
    });
}

#[test]
fn masked_factorisation_norm_loss() {
    check_op("masked norm", factorisation(), |x, c| {
        ((c[0] - x[0].matmul(x[1].t())) * c[1]).frobenius_norm()
    });
}

#[test]
fn masked_factorisation_squared_loss() {
    check_op("masked squared", factorisation(), |x, c| {
        ((c[0] - x[0].matmul(x[1].t())) * c[1]).sum_squares()
    });
}

#[test]
fn two_layer_relu_network_with_cross_entropy() {
    // logits = relu(X W1 + b1) W2 + b2; loss = cross_entropy(logits, y).
    // Parameters W1, b1, W2, b2; constants X and y. Cases whose hidden
    // pre-activations come within 1e-3 of relu's kink are redrawn.
    let cases = (side(), side(), side(), 2usize..=4)
        .prop_flat_map(|(batch, features, hidden, classes)| {
            (
                matrix(features, hidden),
                matrix(1, hidden),
                matrix(hidden, classes),
                matrix(1, classes),
                matrix(batch, features),
                labels(batch, classes),
            )
                .prop_map(|(w1, b1, w2, b2, x, y)| (vec![w1, b1, w2, b2], vec![x, y]))
        })
        .prop_filter("pre-activation at relu's kink", |(params, constants)| {
            let pre_activation = constants[0].dot(&params[0]) + &params[1];
            pre_activation.iter().all(|h| h.abs() >= 1e-3)
        });
    check_op("2-layer MLP", cases, |x, c| {
        let logits = c[0].matmul(x[0]).add_bias(x[1]).relu().matmul(x[2]).add_bias(x[3]);
        logits.cross_entropy(&as_labels(c[1]))
    });
}
