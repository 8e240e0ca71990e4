//! The lab report's numbers on the real data: centred iris (150 x 4) at rank 2.
//! Known values are from datasets/README.md, measured on the same file.

mod common;

use approx::assert_abs_diff_eq;
use common::centred_iris;
use factor::{Config, Diagnosis, diagnose, train, truncated_svd};

#[test]
fn the_svd_bound_is_the_reports_3_9024() {
    let a = centred_iris();
    let svd = truncated_svd(&a, 2).unwrap();
    assert_eq!(format!("{:.4}", svd.residual), "3.9024");
    let sigma: Vec<String> = svd.singular_values.iter().map(|s| format!("{s:.4}")).collect();
    assert_eq!(sigma, ["25.0899", "6.0079", "3.4205", "1.8785"]);
    // The rank-1 level sqrt(6.0079² + 3.4205² + 1.8785²) is where the report's run stalled.
    assert_eq!(format!("{:.4}", svd.levels()[1]), "7.1640");
}

#[test]
fn the_reports_run_stalls_on_the_rank_1_saddle() {
    let a = centred_iris();
    let levels = truncated_svd(&a, 2).unwrap().levels();
    let trained = train(&a, None, &Config::lab_report(2)).unwrap();
    let residual = trained.residual(&a);
    assert!((7.0..7.2).contains(&residual), "{residual}");
    assert!(matches!(
        diagnose(residual, 2, &levels),
        Diagnosis::Saddle { plateau_rank: 1, .. }
    ));
}

#[test]
fn the_defaults_reach_the_bound() {
    let a = centred_iris();
    let bound = truncated_svd(&a, 2).unwrap().residual;
    for seed in [0, 9] {
        let trained = train(
            &a,
            None,
            &Config {
                seed,
                ..Config::default()
            },
        )
        .unwrap();
        assert_abs_diff_eq!(trained.residual(&a), bound, epsilon = 1e-3 * bound);
    }
}
