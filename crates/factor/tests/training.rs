//! Training runs on small matrices: reproducible, recording what they say,
//! reaching the Eckart-Young bound; and the pieces of matrix completion.

use approx::assert_abs_diff_eq;
use autograd::Tape;
use autograd::optim::{Optimizer, OptimizerKind, Sgd};
use factor::{
    Config, Convergence, LabExample, Loss, column_mean_baseline, complete, holdout_mask, initial_factors, record_step,
    rmse, train, truncated_svd,
};
use ndarray::{Array2, array};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn random_matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

#[test]
fn the_same_seed_gives_bitwise_the_same_losses() {
    let a = random_matrix(9, 5, 1);
    let config = Config {
        epochs: 200,
        ..Config::new(2)
    };
    let first = train(&a, None, &config).unwrap();
    let second = train(&a, None, &config).unwrap();
    assert_eq!(first.losses, second.losses);
    assert_eq!(first.u, second.u);
    let other = train(&a, None, &Config { seed: 1, ..config }).unwrap();
    assert_ne!(first.losses, other.losses);
}

#[test]
fn losses_run_from_the_initial_draw_to_the_returned_factors() {
    let a = random_matrix(6, 4, 2);
    let config = Config {
        loss: Loss::Norm,
        epochs: 50,
        seed: 7,
        ..Config::new(2)
    };
    let trained = train(&a, None, &config).unwrap();
    assert_eq!(trained.losses.len(), 51);
    let (u0, v0) = initial_factors(6, 4, &config);
    let initial = (&a - &u0.dot(&v0.t())).iter().map(|x| x * x).sum::<f64>().sqrt();
    assert_abs_diff_eq!(trained.losses[0], initial, epsilon = 1e-12);
    assert_abs_diff_eq!(trained.final_loss(), trained.residual(&a), epsilon = 1e-12);
    assert!(trained.seconds >= 0.0);
}

#[test]
fn the_initial_factors_are_seeded_uniform_draws_u_first() {
    // U (6 x 2), then V (4 x 2), row by row, each entry U(0, 1), from one
    // generator seeded with the config's seed; the rank is the config's.
    let config = Config {
        seed: 7,
        ..Config::new(2)
    };
    let mut rng = StdRng::seed_from_u64(7);
    let u = Array2::from_shape_fn((6, 2), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((4, 2), |_| rng.random::<f64>());
    assert_eq!(initial_factors(6, 4, &config), (u, v));
    let (other_u, _) = initial_factors(6, 4, &Config { seed: 8, ..config });
    assert_ne!(other_u, initial_factors(6, 4, &config).0);
    let (u3, v3) = initial_factors(6, 4, &Config::new(3));
    assert_eq!((u3.dim(), v3.dim()), ((6, 3), (4, 3)));
}

#[test]
fn the_recorded_first_step_is_the_first_step_training_takes() {
    // One epoch of plain gradient descent records the first step, steps once
    // and records the loss at the result: the recorded first step must give
    // the first loss and, through the same update, the returned factors, to
    // the last bit, whatever the loss, mask and penalty.
    let a = random_matrix(5, 4, 4);
    let mut mask = Array2::ones((5, 4));
    mask[[1, 2]] = 0.0;
    mask[[4, 0]] = 0.0;
    for (loss, mask, l2) in [
        (Loss::Norm, None, 0.0),
        (Loss::Squared, None, 0.0),
        (Loss::Squared, Some(&mask), 0.5),
        (Loss::Norm, Some(&mask), 0.0),
    ] {
        let config = Config {
            loss,
            l2,
            optimizer: OptimizerKind::Sgd,
            lr: 0.05,
            epochs: 1,
            seed: 9,
            ..Config::new(2)
        };
        let trained = train(&a, mask, &config).unwrap();

        let (mut u, mut v) = initial_factors(5, 4, &config);
        let tape = Tape::new();
        let mask = mask.map(Array2::to_shared);
        let step = record_step(&tape, &a.to_shared(), mask.as_ref(), &u, &v, &config);
        assert_eq!((step.u.id().index(), step.v.id().index()), (0, 1), "U and V come first");
        assert_eq!(
            step.loss.item().to_bits(),
            trained.losses[0].to_bits(),
            "{loss}, l2 {l2}"
        );
        let grads = tape.backward(step.loss);
        Sgd::new(config.lr).step(&mut [&mut u, &mut v], &[&grads[step.u], &grads[step.v]]);
        assert_eq!((u, v), (trained.u, trained.v), "{loss}, l2 {l2}");
    }
}

#[test]
fn the_defaults_reach_the_eckart_young_bound() {
    let a = random_matrix(12, 6, 3);
    for rank in [1, 2, 3] {
        let bound = truncated_svd(&a, rank).unwrap().residual;
        let trained = train(&a, None, &Config::new(rank)).unwrap();
        let residual = trained.residual(&a);
        assert!(residual <= bound * 1.001, "rank {rank}: {residual} vs bound {bound}");
        // The squared loss is the squared residual.
        assert_abs_diff_eq!(trained.final_loss(), residual * residual, epsilon = 1e-9);
    }
}

#[test]
fn holdout_masks_hide_the_rounded_share_reproducibly() {
    let mask = holdout_mask(10, 4, 0.2, 5).unwrap();
    assert_eq!(mask.iter().filter(|&&m| m == 0.0).count(), 8);
    assert!(mask.iter().all(|&m| m == 0.0 || m == 1.0));
    assert_eq!(mask, holdout_mask(10, 4, 0.2, 5).unwrap());
    assert_ne!(mask, holdout_mask(10, 4, 0.2, 6).unwrap());
}

#[test]
#[should_panic(expected = "column_mean_baseline: no entry is observed")]
fn the_column_mean_baseline_needs_an_observed_entry() {
    // Without the check every guess would be 0 / 0 = NaN.
    let _ = column_mean_baseline(&array![[1.0, 2.0]], &Array2::zeros((1, 2)));
}

#[test]
fn rmse_and_the_column_mean_baseline_by_hand() {
    let a = array![[1.0, 10.0], [3.0, 20.0], [8.0, 60.0]];
    let observed = array![[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]];
    // Observed column means: (1 + 3) / 2 = 2 and (10 + 20) / 2 = 15.
    let baseline = column_mean_baseline(&a, &observed);
    assert_eq!(baseline.row(2).to_vec(), vec![2.0, 15.0]);
    // Held out: row 2, errors 8 - 2 = 6 and 60 - 15 = 45: sqrt((36 + 2025) / 2).
    let held_out = observed.mapv(|m| 1.0 - m);
    assert_abs_diff_eq!(rmse(&a, &baseline, &held_out).unwrap(), (2061.0f64 / 2.0).sqrt());
    assert_eq!(rmse(&a, &baseline, &Array2::zeros((3, 2))), None);
    // A column with no observed entry falls back to the mean of all observed
    // entries: here only (0, 0) and (0, 1) are observed, (1 + 10) / 2 = 5.5.
    let first_row = array![[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]];
    assert_eq!(column_mean_baseline(&a, &first_row).row(1).to_vec(), vec![1.0, 10.0]);
    let first_column = array![[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
    // Column 0 observed (1 + 3) / 2 = 2; column 1 unobserved gets the same 2.
    assert_eq!(column_mean_baseline(&a, &first_column).row(0).to_vec(), vec![2.0, 2.0]);
}

#[test]
fn the_lab_example_completes() {
    let example = LabExample::new();
    assert_eq!(example.observed.sum(), 7.0);
    assert_eq!(example.hidden, vec![(1, 0), (2, 1)]);
    let result = complete(&example.matrix, &example.observed, &Config::new(1)).unwrap();
    assert!(result.observed_rmse < 0.5, "{}", result.observed_rmse);
    assert!(result.heldout_rmse.unwrap().is_finite());
    assert!(result.baseline_rmse.unwrap().is_finite());
}

#[test]
fn convergence_is_the_fall_of_the_loss_over_the_last_tenth_of_the_epochs() {
    // 20 epochs: the window is the last 2, from the lowest loss of epochs
    // 0..=18 to epoch 20's.
    let mut losses: Vec<f64> = (0..=20).map(|epoch| 100.0 / (1.0 + epoch as f64)).collect();
    let falling = Convergence::of(&losses);
    // min(L[0..=18]) = 100/19, L[20] = 100/21: a fall of (21 - 19) / 19.
    assert_eq!(falling.window, 2);
    assert!((falling.relative_change - 2.0 / 19.0).abs() < 1e-12, "{falling:?}");
    assert!(!falling.converged);
    assert_eq!(
        falling.to_string(),
        "not converged: the loss fell 10.526% over the last 2 epochs"
    );

    // Flat at the end, within 0.1%: converged.
    let last = losses[18];
    losses[19] = last * (1.0 - 2e-4);
    losses[20] = last * (1.0 - 5e-4);
    let settled = Convergence::of(&losses);
    assert!(settled.converged, "{settled:?}");
    assert_eq!(
        settled.to_string(),
        "converged: the loss fell 0.050% over the last 2 epochs"
    );

    // A spike at the start of the window is not descent; nor is a rise.
    let mut flat = vec![1.0; 21];
    flat[18] = 1e6;
    assert!(Convergence::of(&flat).converged);
    flat[20] = 2.0;
    let rose = Convergence::of(&flat);
    assert!(rose.converged && rose.relative_change < 0.0, "{rose:?}");
    assert_eq!(
        rose.to_string(),
        "converged: the loss fell no further over the last 2 epochs"
    );

    // One epoch, and a loss that reached 0.
    assert_eq!(Convergence::of(&[4.0, 1.0]).window, 1);
    assert!(Convergence::of(&[4.0, 0.0]).converged);
}

#[test]
fn training_to_the_bound_converges() {
    let a = random_matrix(9, 5, 1);
    let trained = train(&a, None, &Config::new(2)).unwrap();
    let convergence = trained.convergence();
    assert_eq!(convergence.window, 100);
    assert!(convergence.converged, "{convergence:?}");
    let short = train(
        &a,
        None,
        &Config {
            epochs: 10,
            ..Config::new(2)
        },
    )
    .unwrap();
    assert!(!short.convergence().converged);
}
