//! Experiment 3: the MLP on iris, with the report's set-up and with adlab's,
//! over the seeds, and in k-fold cross-validation.

use std::path::PathBuf;

use serde::Serialize;

use super::commands::{command, mlp_flags};
use super::{FOLDS, ReproduceSettings, Spread};
use crate::cli::Failure;
use crate::experiments::mlp::{self, Evaluation, MlpSettings};

/// One set-up of the MLP, over several seeds (or folds).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MlpRuns {
    /// The settings, in words.
    pub set_up: String,
    /// The `mlp` command that gives these runs.
    pub command: String,
    /// Validation accuracy.
    pub validation_accuracy: Spread,
    /// The first run's training loss and accuracies per epoch.
    pub figure: PathBuf,
}

/// Experiment 3: the MLP on iris.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    /// The report's set-up, one split per seed.
    pub report: MlpRuns,
    /// The recommended set-up, one split per seed.
    pub recommended: MlpRuns,
    /// The recommended set-up, k-fold cross-validation for each seed.
    pub recommended_folds: MlpRuns,
}

/// Experiment 3 with the report's set-up (over twice the seeds) and with
/// adlab's, on one split per seed and in k-fold cross-validation.
pub(super) fn run(settings: &ReproduceSettings) -> Result<Classification, Failure> {
    let report_seeds = 2 * settings.seeds;
    Ok(Classification {
        report: mlp_runs(
            settings,
            MlpSettings::report(),
            report_seeds,
            "mlp-report",
            "the report's: 4-12-3, plain SGD, lr 0.01, batches of 16, 100 epochs, \
             columns divided by their variance, 50 rows validated",
        )?,
        recommended: mlp_runs(
            settings,
            MlpSettings::recommended(),
            settings.seeds,
            "mlp-recommended",
            "adlab's: 4-32-3, Adam, lr 0.01, batches of 16, 100 epochs, \
             columns divided by their standard deviation, 50 rows validated",
        )?,
        recommended_folds: mlp_runs(
            settings,
            MlpSettings {
                evaluation: Evaluation::Folds(FOLDS),
                ..MlpSettings::recommended()
            },
            settings.seeds,
            "mlp-recommended-5-fold",
            "adlab's, in 5-fold cross-validation: every row validated once per seed",
        )?,
    })
}

/// Every seed through the `mlp` experiment, which draws the first run.
fn mlp_runs(
    settings: &ReproduceSettings,
    base: MlpSettings,
    seeds: usize,
    name: &str,
    set_up: &str,
) -> Result<MlpRuns, Failure> {
    let mut train = base.train.clone();
    train.seed = settings.seed;
    let run_settings = MlpSettings {
        data: settings.data.clone(),
        read: settings.read.clone(),
        train,
        seeds,
        out: settings.out.join(name),
        ..base
    };
    let outcome = mlp::run(&run_settings)?;
    let accuracies: Vec<f64> = outcome.runs.iter().map(|r| r.validation_accuracy).collect();
    Ok(MlpRuns {
        set_up: set_up.to_owned(),
        command: command("mlp", &mlp_flags(&run_settings), settings, name),
        validation_accuracy: Spread::of(&accuracies),
        figure: outcome.files.svg,
    })
}
