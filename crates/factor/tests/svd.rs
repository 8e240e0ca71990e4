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

#[test]
fn a_zero_matrix_is_fitted_exactly_by_zero_and_never_not_converged() {
    // A centred matrix of one row, or of identical rows, is all zeros: every
    // level is 0, U Vᵀ = 0 fits it, and with no ||A||_F to scale a tolerance
    // by, a residual is neither at the bound nor "not converged".
    let a = Array2::<f64>::zeros((1, 4));
    let levels = truncated_svd(&a, 1).unwrap().levels();
    assert_eq!(levels, [0.0, 0.0]);
    for residual in [0.0, 1e-3] {
        let diagnosis = diagnose(residual, 1, &levels);
        assert_eq!(diagnosis, Diagnosis::ZeroMatrix { residual, rank: 1 });
        assert!(
            diagnosis
                .to_string()
                .starts_with("the matrix is all zeros: U Vᵀ = 0 fits it exactly")
        );
        assert!(!diagnosis.to_string().contains("not converged"), "{diagnosis}");
        assert_eq!(diagnosis.percent_above_bound(), None);
    }
}

#[test]
fn the_gap_to_the_bound_is_a_percentage_of_it_and_never_negative() {
    let levels = [26.0, 7.164, 3.9024, 1.8785, 0.0];
    // 3.9024 * 1.005 is 0.5% above.
    let above = diagnose(3.9024 * 1.005, 2, &levels).percent_above_bound().unwrap();
    assert!((above - 0.5).abs() < 1e-9, "{above}");
    // Rounding below the bound is no gap at all (-5.7e-14 % was reported).
    assert_eq!(diagnose(3.9024 - 1e-15, 2, &levels).percent_above_bound(), Some(0.0));
    // A bound of 0 has no percentages.
    assert_eq!(diagnose(1e-3, 4, &levels).percent_above_bound(), None);
}
