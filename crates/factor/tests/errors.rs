//! Every invalid input is refused before training, with a one-line message
//! that names the value; a diverging run is stopped and explained.

use autograd::optim::OptimizerKind;
use factor::{Config, FactorError, Loss, NonFinite, complete, holdout_mask, train, truncated_svd};
use ndarray::{Array2, array};

fn small() -> Array2<f64> {
    array![[1.0, 2.0, 0.5], [0.0, 1.0, 3.0]]
}

fn message(error: FactorError) -> String {
    let text = error.to_string();
    assert!(!text.contains('\n'), "{text}");
    text
}

#[test]
fn the_matrix_must_be_non_empty_and_finite() {
    let empty = Array2::<f64>::zeros((0, 4));
    assert_eq!(
        message(train(&empty, None, &Config::new(1)).unwrap_err()),
        "the matrix is empty (0 x 4): there is nothing to factorise"
    );
    let mut bad = small();
    bad[[1, 2]] = f64::NAN;
    assert_eq!(
        message(train(&bad, None, &Config::new(1)).unwrap_err()),
        "the matrix has a non-finite entry NaN at row 1, column 2 (0-based)"
    );
    bad[[0, 1]] = f64::NEG_INFINITY;
    assert_eq!(
        message(truncated_svd(&bad, 1).unwrap_err()),
        "the matrix has a non-finite entry -inf at row 0, column 1 (0-based)"
    );
}

#[test]
fn the_rank_must_fit_the_matrix() {
    assert_eq!(
        message(train(&small(), None, &Config::new(0)).unwrap_err()),
        "rank must be at least 1, got 0"
    );
    assert_eq!(
        message(train(&small(), None, &Config::new(3)).unwrap_err()),
        "rank 3 is larger than min(2, 3) = 2"
    );
    assert_eq!(
        message(truncated_svd(&small(), 9).unwrap_err()),
        "rank 9 is larger than min(2, 3) = 2"
    );
}

#[test]
fn the_learning_rate_epochs_and_penalty_must_make_sense() {
    for (lr, shown) in [(0.0, "0"), (-0.1, "-0.1"), (f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        let config = Config { lr, ..Config::new(1) };
        assert_eq!(
            message(train(&small(), None, &config).unwrap_err()),
            format!("learning rate must be a finite number greater than 0, got {shown}")
        );
    }
    let config = Config {
        epochs: 0,
        ..Config::new(1)
    };
    assert_eq!(
        message(train(&small(), None, &config).unwrap_err()),
        "epochs must be at least 1, got 0"
    );
    let config = Config {
        l2: -1.0,
        ..Config::new(1)
    };
    assert_eq!(
        message(train(&small(), None, &config).unwrap_err()),
        "the L2 penalty must be a finite number of at least 0, got -1"
    );
}

#[test]
fn the_mask_must_fit_be_binary_and_observe_something() {
    let config = Config::new(1);
    assert_eq!(
        message(complete(&small(), &Array2::ones((3, 2)), &config).unwrap_err()),
        "the mask is 3 x 2 but the matrix is 2 x 3"
    );
    let mut mask = Array2::ones((2, 3));
    mask[[1, 0]] = 0.5;
    assert_eq!(
        message(train(&small(), Some(&mask), &config).unwrap_err()),
        "mask entries must be 0 or 1, got 0.5 at row 1, column 0 (0-based)"
    );
    assert_eq!(
        message(complete(&small(), &Array2::zeros((2, 3)), &config).unwrap_err()),
        "the mask observes no entry: at least one must be 1"
    );
}

#[test]
fn the_holdout_fraction_must_leave_two_parts() {
    assert_eq!(
        message(holdout_mask(2, 3, 1.0, 0).unwrap_err()),
        "the hold-out fraction must be strictly between 0 and 1, got 1"
    );
    assert_eq!(
        message(holdout_mask(2, 3, f64::NAN, 0).unwrap_err()),
        "the hold-out fraction must be strictly between 0 and 1, got NaN"
    );
    assert_eq!(
        message(holdout_mask(2, 3, 0.05, 0).unwrap_err()),
        "holding out 0.05 of 6 entries leaves 0 held out: both parts must be non-empty"
    );
}

#[test]
fn a_diverging_run_stops_with_the_epoch_the_losses_and_the_culprit() {
    // Plain gradient descent on the squared loss with lr 10: every step
    // multiplies the factors by roughly 20 ||V||², so within a few dozen
    // epochs the loss overflows to infinity.
    let config = Config {
        loss: Loss::Squared,
        optimizer: OptimizerKind::Sgd,
        lr: 10.0,
        ..Config::new(1)
    };
    let FactorError::Diverged(divergence) = train(&small(), None, &config).unwrap_err() else {
        panic!("expected a divergence");
    };
    assert_eq!(divergence.what, NonFinite::Loss);
    assert_eq!(divergence.losses.len(), divergence.epoch);
    assert!(divergence.epoch > 0 && divergence.epoch < 100, "{}", divergence.epoch);
    assert!(divergence.losses.iter().all(|l| l.is_finite()));
    let anomaly = divergence
        .anomaly
        .as_ref()
        .expect("the engine names the first non-finite value");
    assert!(anomaly.location.file().ends_with("loss.rs"), "{anomaly}");
    let text = FactorError::Diverged(divergence.clone()).to_string();
    assert!(
        text.starts_with(&format!(
            "training diverged at epoch {}: the loss is not finite (last finite loss",
            divergence.epoch
        )),
        "{text}"
    );
    assert!(text.contains("first non-finite value from"), "{text}");
}
