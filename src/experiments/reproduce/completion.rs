//! Experiment 2: masked factorisation, on the report's 3 x 3 example and on
//! iris with a share of its entries held out, with the report's set-up and
//! with adlab's, each over the seeds.

use std::path::PathBuf;

use factor::{Config, LabExample};
use ndarray::Array2;
use serde::Serialize;

use super::commands::{command, complete_flags};
use super::{RANK, ReproduceSettings, Spread};
use crate::cli::Failure;
use crate::experiments::complete::{self, CompleteSettings, DEFAULT_HOLDOUT, Penalty, hide_and_scale};

/// One set-up of a completion problem, over several seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompletionRuns {
    /// The settings, in words.
    pub set_up: String,
    /// The `complete` command that draws the first seed's run.
    pub command: String,
    /// The first seed's L2 penalty λ.
    pub l2: f64,
    /// RMSE of `U Vᵀ` on the held-out entries.
    pub heldout_rmse: Spread,
    /// RMSE of `U Vᵀ` on the observed entries.
    pub observed_rmse: Spread,
    /// RMSE of the observed column means on the held-out entries.
    pub baseline_rmse: Spread,
    /// The first seed's loss curve.
    pub figure: PathBuf,
}

/// Experiment 2: masked factorisation, on the report's 3 x 3 example and on
/// iris with entries held out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Completion {
    /// The 3 x 3 example, the report's set-up.
    pub example_report: CompletionRuns,
    /// The 3 x 3 example, recommended (rank 1).
    pub example_recommended: CompletionRuns,
    /// Iris with 20% held out, the report's set-up.
    pub iris_report: CompletionRuns,
    /// Iris with 20% held out, recommended (Adam, L2 penalty).
    pub iris_recommended: CompletionRuns,
}

/// Which matrix a completion runs on.
#[derive(Clone, Copy)]
enum Problem<'a> {
    /// The lab's 3 x 3 example.
    Example,
    /// Iris with [`DEFAULT_HOLDOUT`] of its entries held out (drawn per
    /// seed), centred on the observed entries.
    Iris(&'a Array2<f64>),
}

/// Experiment 2 on the 3 x 3 example and on iris, each with the report's
/// set-up and with adlab's.
pub(super) fn run(settings: &ReproduceSettings) -> Result<Completion, Failure> {
    let report = Config::lab_report(RANK);
    let iris = settings.data_args().read_for(&report)?.data.matrix;
    let report_set_up = "the report's loss and optimiser over the observed entries: \
                         ||M ⊙ (A - U Vᵀ)||_F, plain gradient descent, lr 0.01, 1000 epochs, rank 2, no penalty";
    let none = Penalty::Fixed(0.0);
    let runs = |problem, config, penalty, name, set_up: &str| {
        completion_runs(settings, problem, config, penalty, name, set_up)
    };
    Ok(Completion {
        example_report: runs(Problem::Example, report, none, "complete-example-report", report_set_up)?,
        example_recommended: runs(
            Problem::Example,
            Config::new(1),
            none,
            "complete-example-recommended",
            "rank 1 (6 numbers for 7 observed entries), ||M ⊙ (A - U Vᵀ)||²_F, Adam, lr 0.1, 1000 epochs, no penalty",
        )?,
        iris_report: runs(
            Problem::Iris(&iris),
            report,
            none,
            "complete-iris-report",
            report_set_up,
        )?,
        iris_recommended: runs(
            Problem::Iris(&iris),
            Config::new(RANK),
            Penalty::Scaled,
            "complete-iris-recommended",
            "adlab's: ||M ⊙ (A - U Vᵀ)||²_F + λ (||U||²_F + ||V||²_F), λ = 2% of ||M ⊙ A||_F, Adam, lr 0.1, \
             1000 epochs, rank 2",
        )?,
    })
}

/// The first seed through the `complete` experiment (with its figure), the
/// other seeds through `factor::complete`.
fn completion_runs(
    settings: &ReproduceSettings,
    problem: Problem<'_>,
    config: Config,
    penalty: Penalty,
    name: &str,
    set_up: &str,
) -> Result<CompletionRuns, Failure> {
    let first_settings = CompleteSettings {
        data: settings.data_args(),
        config: Config {
            seed: settings.seed,
            ..config
        },
        penalty,
        example: matches!(problem, Problem::Example),
        out: settings.out.join(name),
        ..CompleteSettings::default()
    };
    let first = complete::run(&first_settings)?;
    let mut heldout = vec![held_out(first.heldout_rmse)?];
    let mut observed = vec![first.observed_rmse];
    let mut baseline = vec![held_out(first.baseline_rmse)?];
    for seed in settings.later_seeds() {
        let (a, mask) = match problem {
            Problem::Example => {
                let example = LabExample::new();
                (example.matrix, example.observed)
            }
            Problem::Iris(raw) => hide_and_scale(raw, DEFAULT_HOLDOUT, seed, settings.data_args().scale())?,
        };
        let l2 = penalty.lambda(config.loss, &a, &mask);
        let result = factor::complete(&a, &mask, &Config { seed, l2, ..config })?;
        heldout.push(held_out(result.heldout_rmse)?);
        observed.push(result.observed_rmse);
        baseline.push(held_out(result.baseline_rmse)?);
    }
    Ok(CompletionRuns {
        set_up: set_up.to_owned(),
        command: command("complete", &complete_flags(&first_settings), settings, name),
        l2: first.l2,
        heldout_rmse: Spread::of(&heldout),
        observed_rmse: Spread::of(&observed),
        baseline_rmse: Spread::of(&baseline),
        figure: first.svg,
    })
}

/// A held-out error, which exists whenever the mask holds something out.
fn held_out(rmse: Option<f64>) -> Result<f64, Failure> {
    rmse.ok_or_else(|| Failure::new("no entry was held out, so there is no held-out error"))
}
