//! What the examples of a learner's own models share: the `--seed` flag
//! and the summary of a loss curve.

use clap::Parser;

/// A model trained on adlab's engine (the header of the example's source
/// says what it shows).
#[derive(Parser)]
struct Args {
    /// Seed of every random draw: the same seed gives the same numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// The seed given with `--seed` (0 without it).
pub fn seed_from_args() -> u64 {
    Args::parse().seed
}

/// The first, middle and last losses of a curve, with their steps:
/// `loss: 0.6612 at step 1, 0.0370 at step 51, 0.0212 at step 100`.
pub fn loss_curve(losses: &[f64]) -> String {
    let middle = losses.len() / 2;
    format!(
        "loss: {:.4} at step 1, {:.4} at step {}, {:.4} at step {}",
        losses[0],
        losses[middle],
        middle + 1,
        losses[losses.len() - 1],
        losses.len()
    )
}
