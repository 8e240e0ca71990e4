//! The gradient `backward` computes for the factorisation loss, checked
//! against central differences: plain and masked, norm and squared, with and
//! without the L2 penalty, on proptest-drawn shapes and values.

use autograd::gradcheck;
use factor::{Loss, record_loss};
use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::Config;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A drawn problem: A (m x n, entries in [-2, 2)), U (m x r) and V (n x r)
/// (entries in [0, 1), as the training starts) and a 0/1 mask observing
/// about 70% of the entries and always (0, 0).
struct Problem {
    target: Array2<f64>,
    u: Array2<f64>,
    v: Array2<f64>,
    mask: Array2<f64>,
}

fn problem(rows: usize, cols: usize, rank: usize, seed: u64) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let target = Array2::from_shape_fn((rows, cols), |_| rng.random_range(-2.0..2.0));
    let u = Array2::from_shape_fn((rows, rank), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((cols, rank), |_| rng.random::<f64>());
    let mut mask = Array2::from_shape_fn((rows, cols), |_| f64::from(u8::from(rng.random::<f64>() < 0.7)));
    mask[[0, 0]] = 1.0;
    Problem { target, u, v, mask }
}

/// Checks `record_loss` for one loss, masked or not, with penalty `l2`.
fn check(p: &Problem, loss: Loss, masked: bool, l2: f64) -> Result<(), TestCaseError> {
    let report = gradcheck(
        |tape, x| {
            let mask = masked.then(|| tape.constant(&p.mask));
            record_loss(tape.constant(&p.target), x[0], x[1], loss, mask, l2)
        },
        &[p.u.clone(), p.v.clone()],
    );
    prop_assert!(
        report.is_ok(),
        "{loss}, masked {masked}, l2 {l2}: {}",
        report.unwrap_err()
    );
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 48, failure_persistence: None, ..Config::default() })]

    #[test]
    fn every_loss_matches_finite_differences(
        rows in 1usize..=6,
        cols in 1usize..=6,
        rank in 1usize..=3,
        seed in any::<u64>(),
        l2 in prop_oneof![Just(0.0), 0.01..2.0f64],
    ) {
        let p = problem(rows, cols, rank, seed);
        for loss in Loss::ALL {
            for masked in [false, true] {
                check(&p, loss, masked, l2)?;
            }
        }
    }
}

#[test]
fn the_penalty_adds_lambda_times_the_squared_norms() {
    // U = [[1], [2]], V = [[3]], A = [[3], [6]] = U Vᵀ: the fit term is 0 and
    // the loss is λ (1 + 4 + 9) = 14 λ.
    let tape = autograd::Tape::new();
    let u = tape.parameter(ndarray::array![[1.0], [2.0]]);
    let v = tape.parameter(ndarray::array![[3.0]]);
    let a = tape.constant(ndarray::array![[3.0], [6.0]]);
    let loss = record_loss(a, u, v, Loss::Squared, None, 0.5);
    assert_eq!(loss.item(), 7.0);
}

#[test]
fn the_mask_drops_hidden_entries_from_the_loss() {
    // A - U Vᵀ = [[1, 2], [3, 4]] - [[1, 1], [1, 1]] = [[0, 1], [2, 3]]; hiding
    // (1, 1) leaves 0 + 1 + 4 = 5, whose norm is sqrt(5).
    let tape = autograd::Tape::new();
    let u = tape.parameter(ndarray::array![[1.0], [1.0]]);
    let v = tape.parameter(ndarray::array![[1.0], [1.0]]);
    let a = tape.constant(ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    let mask = tape.constant(ndarray::array![[1.0, 1.0], [1.0, 0.0]]);
    assert_eq!(record_loss(a, u, v, Loss::Squared, Some(mask), 0.0).item(), 5.0);
    assert_eq!(record_loss(a, u, v, Loss::Norm, Some(mask), 0.0).item(), 5f64.sqrt());
}
