//! The truncated-SVD reference: known singular values, the Eckart-Young
//! residual, the residual levels and the diagnosis built on them.

use approx::assert_abs_diff_eq;
use factor::{Diagnosis, diagnose, frobenius_distance, residual_levels, singular_values, truncated_svd};
use ndarray::{Array2, array};
use proptest::prelude::*;
use proptest::test_runner::Config;

#[test]
fn a_diagonal_matrix_has_its_diagonal_as_singular_values() {
    // diag(1, -4, 2) padded with a zero row: singular values |d| sorted, 4, 2, 1.
    let a = array![[1.0, 0.0, 0.0], [0.0, -4.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]];
    let svd = truncated_svd(&a, 1).unwrap();
    assert_abs_diff_eq!(
        svd.singular_values.as_slice(),
        [4.0, 2.0, 1.0].as_slice(),
        epsilon = 1e-12
    );
    // Keeping σ₁ = 4 leaves sqrt(2² + 1²) = sqrt(5); the approximation is -4 at (1, 1).
    assert_abs_diff_eq!(svd.residual, 5f64.sqrt(), epsilon = 1e-12);
    let mut best = Array2::zeros((4, 3));
    best[[1, 1]] = -4.0;
    assert_abs_diff_eq!(svd.approximation, best, epsilon = 1e-12);
    assert_eq!(svd.levels().len(), 4);
}

#[test]
fn levels_sum_the_discarded_squares() {
    // σ = 3, 2, 2: levels sqrt(9 + 4 + 4), sqrt(4 + 4), 2, 0.
    let levels = residual_levels(&[3.0, 2.0, 2.0]);
    assert_eq!(levels, vec![17f64.sqrt(), 8f64.sqrt(), 2.0, 0.0]);
}

fn matrix() -> impl Strategy<Value = Array2<f64>> {
    (1usize..=7, 1usize..=7).prop_flat_map(|(m, n)| {
        proptest::collection::vec(-3.0..3.0f64, m * n).prop_map(move |x| Array2::from_shape_vec((m, n), x).unwrap())
    })
}

proptest! {
    #![proptest_config(Config { cases: 64, failure_persistence: None, ..Config::default() })]

    #[test]
    fn levels_fall_from_the_norm_to_zero(a in matrix()) {
        let sigma = singular_values(&a).unwrap();
        let levels = residual_levels(&sigma);
        prop_assert_eq!(levels.len(), a.nrows().min(a.ncols()) + 1);
        prop_assert!((levels[0] - a.iter().map(|x| x * x).sum::<f64>().sqrt()).abs() < 1e-10);
        prop_assert!(levels.windows(2).all(|w| w[0] >= w[1]), "{:?}", levels);
        prop_assert_eq!(*levels.last().unwrap(), 0.0);
    }

    #[test]
    fn the_approximation_leaves_the_predicted_residual(a in matrix(), rank in 1usize..=7) {
        let rank = rank.min(a.nrows().min(a.ncols()));
        let svd = truncated_svd(&a, rank).unwrap();
        prop_assert!((frobenius_distance(&a, &svd.approximation) - svd.residual).abs() < 1e-9);
    }
}

#[test]
fn diagnosis_names_the_bound_the_saddle_and_the_rest() {
    // Centred iris's levels, rounded (see datasets/README.md).
    let levels = [26.0, 7.164, 3.9024, 1.8785, 0.0];
    assert!(diagnose(3.9030, 2, &levels).reached_bound());
    let saddle = diagnose(7.1545, 2, &levels);
    assert_eq!(
        saddle,
        Diagnosis::Saddle {
            residual: 7.1545,
            rank: 2,
            plateau_rank: 1,
            plateau: 7.164,
            bound: 3.9024
        }
    );
    assert!(
        saddle
            .to_string()
            .starts_with("plateau at 7.164 = best rank-1 residual: a saddle point, not a local minimum"),
        "{saddle}"
    );
    assert!(
        diagnose(3.9024, 2, &levels)
            .to_string()
            .starts_with("reached the rank-2 bound (Eckart-Young)")
    );
    let descending = diagnose(5.0, 2, &levels);
    assert!(matches!(descending, Diagnosis::Unconverged { .. }));
    assert!(descending.to_string().starts_with("not converged"), "{descending}");
    // Still on the rank-0 level, ||A||_F: U Vᵀ ≈ 0 is a saddle too.
    assert!(matches!(
        diagnose(25.9, 2, &levels),
        Diagnosis::Saddle { plateau_rank: 0, .. }
    ));
}

#[test]
fn a_bound_of_zero_is_reached_by_a_residual_at_rounding_level() {
    // Rank 4 = min(150, 4) fits iris exactly: the bound is 0, and a trained
    // residual of 6.5e-15 (what rounding leaves) has reached it, while one
    // of 1e-3 has not. Neither is "some per cent above 0".
    let levels = [26.0, 7.164, 3.9024, 1.8785, 0.0];
    let exact = diagnose(6.5e-15, 4, &levels);
    assert!(exact.reached_bound(), "{exact}");
    assert_eq!(
        exact.to_string(),
        "reached the rank-4 bound 0 (Eckart-Young: rank 4 fits the matrix exactly): residual 6.500e-15"
    );
    let short = diagnose(1e-3, 4, &levels);
    assert!(matches!(short, Diagnosis::Unconverged { .. }), "{short}");
    assert!(!short.to_string().contains('%'), "{short}");

    // An A of rank 1: the SVD's rank-1 level is rounding, 2e-15, not 0.
    let rank_one = [26.0, 2e-15, 0.0];
    let fitted = diagnose(4e-15, 1, &rank_one);
    assert_eq!(
        fitted,
        Diagnosis::AtBound {
            residual: 4e-15,
            rank: 1,
            bound: 0.0
        }
    );
    assert!(fitted.to_string().starts_with("reached the rank-1 bound 0"), "{fitted}");
}
