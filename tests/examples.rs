//! The examples of a learner's own models on the engine (issue 15), run
//! through their own code with a few seeds: each reaches the outcome its
//! header promises, and the same seed gives the same numbers.

// Each example brings its own copy of `examples/common`, as it does when run.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/logistic_regression.rs"]
mod logistic_regression;

#[allow(dead_code)]
#[path = "../examples/xor_tanh.rs"]
mod xor_tanh;

#[allow(dead_code)]
#[path = "../examples/attention.rs"]
mod attention;

/// The first and the last of a loss curve.
fn ends(losses: &[f64]) -> (f64, f64) {
    (losses[0], losses[losses.len() - 1])
}

#[test]
fn logistic_regression_tells_every_setosa_from_the_rest() {
    for seed in 0..3 {
        let outcome = logistic_regression::run(seed).unwrap();
        assert!(
            outcome.train_accuracy >= 0.99,
            "seed {seed}: {}",
            outcome.train_accuracy
        );
        assert!(
            outcome.validation_accuracy >= 0.99,
            "seed {seed}: {}",
            outcome.validation_accuracy
        );
        // From about ln 2 (weights near 0: every probability near 1/2) to a
        // tenth of it at most.
        let (first, last) = ends(&outcome.losses);
        assert!(
            (first - 2f64.ln()).abs() < 0.1 && last < 0.07,
            "seed {seed}: {first} → {last}"
        );
    }
    let once = logistic_regression::run(5).unwrap().losses;
    assert_eq!(
        once,
        logistic_regression::run(5).unwrap().losses,
        "same seed, same numbers"
    );
    assert_ne!(once, logistic_regression::run(6).unwrap().losses);
}

#[test]
fn the_tanh_network_solves_xor() {
    for seed in 0..5 {
        let outcome = xor_tanh::run(seed);
        assert!(outcome.solved(), "seed {seed}: {:?}", outcome.outputs);
        let (first, last) = ends(&outcome.losses);
        assert!(last < 0.01 && last < first / 50.0, "seed {seed}: {first} → {last}");
    }
    let once = xor_tanh::run(5).outputs;
    assert_eq!(once, xor_tanh::run(5).outputs, "same seed, same numbers");
    assert_ne!(once, xor_tanh::run(6).outputs);
}

#[test]
fn the_attention_head_learns_to_look_at_the_right_key() {
    for seed in 0..3 {
        let outcome = attention::run(seed);
        let (first, last) = ends(&outcome.losses);
        // It starts as bad as always answering the mean value (every row of
        // the weights nearly uniform) and ends below 0.01.
        assert!(
            (first - outcome.mean_answer_loss).abs() < 0.05 * first,
            "seed {seed}: {first} against {}",
            outcome.mean_answer_loss
        );
        assert!(last < 0.01, "seed {seed}: {first} → {last}");
        assert!(outcome.new_hits >= 0.95, "seed {seed}: {}", outcome.new_hits);
    }
    let once = attention::run(5).losses;
    assert_eq!(once, attention::run(5).losses, "same seed, same numbers");
    assert_ne!(once, attention::run(6).losses);
}
