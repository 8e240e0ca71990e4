//! Experiment 1: factorising centred iris at rank 2, with the report's
//! set-up (which stalls on the rank-1 saddle), for ten times its epochs, and
//! with adlab's, each over the seeds.

use std::path::PathBuf;

use factor::{Config, Diagnosis, diagnose, truncated_svd};
use ndarray::Array2;
use serde::Serialize;

use super::commands::{command, factorise_flags};
use super::{LONGER_EPOCHS, RANK, ReproduceSettings, Spread};
use crate::cli::Failure;
use crate::experiments::factorise::{self, CurvatureSettings, CurvatureSummary, EscapeSummary, FactoriseSettings};

/// One set-up of the factorisation, over several seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactorisationRuns {
    /// The settings, in words.
    pub set_up: String,
    /// The `factorise` command that draws the first seed's run.
    pub command: String,
    /// `||A - U Vᵀ||_F` after the last epoch.
    pub residual: Spread,
    /// How many runs end at the Eckart-Young bound, on a saddle, or elsewhere.
    pub verdicts: Verdicts,
    /// The first seed's diagnosis, in words.
    pub diagnosis: String,
    /// Its loss curve, with the SVD bound and the lower-rank levels.
    pub figure: PathBuf,
}

/// Where a set of factorisation runs ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdicts {
    /// Runs within 1% of the rank-r bound.
    pub at_bound: usize,
    /// Runs on the best rank-(r-1) level: the saddle the report sat on.
    pub on_rank_one_saddle: usize,
    /// Runs on no level (still descending) or on a lower one.
    pub elsewhere: usize,
}

impl Verdicts {
    fn count(&mut self, diagnosis: &Diagnosis) {
        match diagnosis {
            Diagnosis::AtBound { .. } => self.at_bound += 1,
            Diagnosis::Saddle { plateau_rank, .. } if *plateau_rank + 1 == RANK => self.on_rank_one_saddle += 1,
            _ => self.elsewhere += 1,
        }
    }

    /// `9 on the rank-1 saddle, 1 still descending` (the non-zero counts).
    pub(super) fn words(&self) -> String {
        let parts = [
            (self.at_bound, "at the SVD bound"),
            (self.on_rank_one_saddle, "on the rank-1 saddle"),
            (self.elsewhere, "between levels, still descending"),
        ];
        let words: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        words.join(", ")
    }
}

/// Experiment 1: factorising centred iris at rank 2.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factorisation {
    /// The Eckart-Young bound: the truncated SVD's residual at rank 2.
    pub svd_residual: f64,
    /// The best residual at each rank 0, 1, ...: the saddle levels.
    pub levels: Vec<f64>,
    /// The report's set-up.
    pub report: FactorisationRuns,
    /// The report's set-up with [`LONGER_EPOCHS`] epochs.
    pub longer: FactorisationRuns,
    /// adlab's recommended set-up.
    pub recommended: FactorisationRuns,
    /// The report's end point (first seed), certified a saddle, and the
    /// training on from a step along its negative curvature.
    pub saddle: Saddle,
}

/// The report's end point as a saddle: its curvature, and the escape from
/// it at the report's learning rate and at ten times it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Saddle {
    /// The residual where the report's run stopped (first seed).
    pub residual: f64,
    /// The Hessian's extreme eigenvalues there.
    pub curvature: CurvatureSummary,
    /// The escape, training on at lr 0.01 and at lr 0.1 for 1000 epochs.
    pub escapes: Vec<EscapeRun>,
}

/// One escape: the command that redraws it, and what it found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EscapeRun {
    /// The `factorise` command.
    pub command: String,
    /// The step and the residuals before, after it and at the end.
    pub escape: EscapeSummary,
}

/// The learning rates the report's end point is escaped at: its own and ten
/// times it.
pub const ESCAPE_LEARNING_RATES: [f64; 2] = [0.01, 0.1];

/// Experiment 1 with the report's set-up, for ten times its epochs, and
/// with adlab's.
pub(super) fn run(settings: &ReproduceSettings) -> Result<Factorisation, Failure> {
    let a = settings.data_args().load()?.data.matrix;
    let levels = truncated_svd(&a, RANK)?.levels();
    let report = Config::lab_report(RANK);
    let longer = Config {
        epochs: LONGER_EPOCHS,
        ..report
    };
    let runs = |config, name, set_up: &str| factorisation_runs(settings, &a, &levels, config, name, set_up);
    Ok(Factorisation {
        svd_residual: levels[RANK],
        report: runs(
            report,
            "factorise-report",
            "the report's: ||A - U Vᵀ||_F, plain gradient descent, lr 0.01, 1000 epochs, U and V from U(0, 1)",
        )?,
        longer: runs(
            longer,
            "factorise-report-10000-epochs",
            "the report's, for 10,000 epochs",
        )?,
        recommended: runs(
            Config::new(RANK),
            "factorise-recommended",
            "adlab's: ||A - U Vᵀ||²_F, Adam, lr 0.1, 1000 epochs, U and V from U(0, 1)",
        )?,
        saddle: saddle(settings, report)?,
        levels,
    })
}

/// The report's run (first seed) with `--escape`, training on at each of
/// [`ESCAPE_LEARNING_RATES`].
fn saddle(settings: &ReproduceSettings, report: Config) -> Result<Saddle, Failure> {
    let config = Config {
        seed: settings.seed,
        ..report
    };
    let mut found = None;
    let mut escapes = Vec::new();
    for lr in ESCAPE_LEARNING_RATES {
        let name = format!("factorise-report-escape-lr-{lr}");
        let run_settings = FactoriseSettings {
            data: settings.data_args(),
            config,
            out: settings.out.join(&name),
            curvature: Some(CurvatureSettings {
                escape: Some(Config { lr, ..config }),
            }),
        };
        let run = factorise::run(&run_settings)?;
        let escape = run.escape.clone().ok_or_else(|| {
            Failure::new(format!(
                "the report's end point is not a certified saddle here (verdict {}): nothing to escape",
                run.curvature.as_ref().map_or("none", |c| c.verdict)
            ))
        })?;
        let mut flags = factorise_flags(&run_settings);
        flags.push_str(" --escape");
        if lr != config.lr {
            flags.push_str(&format!(" --escape-lr {lr}"));
        }
        escapes.push(EscapeRun {
            command: command("factorise", &flags, settings, &name),
            escape,
        });
        found.get_or_insert((run.residual, run.curvature.expect("asked for")));
    }
    let (residual, curvature) = found.expect("at least one learning rate");
    Ok(Saddle {
        residual,
        curvature,
        escapes,
    })
}

/// The first seed through the `factorise` experiment (with its figure),
/// the other seeds through `factor::train`.
fn factorisation_runs(
    settings: &ReproduceSettings,
    a: &Array2<f64>,
    levels: &[f64],
    config: Config,
    name: &str,
    set_up: &str,
) -> Result<FactorisationRuns, Failure> {
    let first_settings = FactoriseSettings {
        data: settings.data_args(),
        config: Config {
            seed: settings.seed,
            ..config
        },
        out: settings.out.join(name),
        curvature: None,
    };
    let first = factorise::run(&first_settings)?;
    let mut residuals = vec![first.residual];
    for seed in settings.later_seeds() {
        let trained = factor::train(a, None, &Config { seed, ..config })?;
        residuals.push(trained.residual(a));
    }
    let mut verdicts = Verdicts::default();
    for &residual in &residuals {
        verdicts.count(&diagnose(residual, RANK, levels));
    }
    Ok(FactorisationRuns {
        set_up: set_up.to_owned(),
        command: command("factorise", &factorise_flags(&first_settings), settings, name),
        residual: Spread::of(&residuals),
        verdicts,
        diagnosis: first.diagnosis,
        figure: first.svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_name_the_saddle_and_leave_out_empty_counts() {
        // Centred iris at rank 2: levels 26.0926 (rank 0), 7.1640 (rank 1), 3.9024 (rank 2).
        let levels = [26.0926, 7.1640, 3.9024, 1.8785, 0.0];
        let mut verdicts = Verdicts::default();
        for residual in [7.1545, 7.1619, 3.9025, 19.8] {
            verdicts.count(&diagnose(residual, RANK, &levels));
        }
        assert_eq!(
            verdicts,
            Verdicts {
                at_bound: 1,
                on_rank_one_saddle: 2,
                elsewhere: 1
            }
        );
        assert_eq!(
            verdicts.words(),
            "1 at the SVD bound, 2 on the rank-1 saddle, 1 between levels, still descending"
        );
        let only_bound = Verdicts {
            at_bound: 10,
            ..Verdicts::default()
        };
        assert_eq!(only_bound.words(), "10 at the SVD bound");
    }
}
