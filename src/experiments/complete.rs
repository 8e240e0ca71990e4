//! Experiment 3 of the lab report: matrix completion. Hide a seeded share of
//! the entries, fit `U Vᵀ` to the rest (loss over observed entries only,
//! plus an L2 penalty), and judge the guesses for the hidden entries against
//! predicting each column's observed mean.

use std::path::PathBuf;

use data::{FeatureMatrix, Scale, Standardiser};
use factor::{Config, FactorError, LabExample, complete, holdout_mask};
use ndarray::Array2;
use serde::Serialize;

use super::curves::{CurveFiles, file_name, points, train_and_write};
use super::trace::TrainingStep;
use crate::args::{DataArgs, label_column_note};
use crate::cli::Failure;
use crate::output::OutputDir;
use crate::plot::Chart;

/// The default L2 penalty λ, chosen by measurement on iris (columns centred
/// on their observed entries), rank 2, 20% held out, the default optimiser
/// (squared loss, Adam, lr 0.1, 1000 epochs), seeds 0..9 (mean held-out
/// RMSE; the column-mean baseline is 1.024): λ = 0 gives 2.47 (a row with
/// two or fewer observed entries is fit exactly by its two coordinates and
/// extrapolates wildly), 0.1 gives 0.558, 0.3 gives 0.429, 0.5 gives 0.425
/// (the best, 2.41x below the baseline), 0.7 gives 0.425, 1 gives 0.431,
/// 3 gives 0.523, 10 gives 0.786.
pub const DEFAULT_L2: f64 = 0.5;

/// The default share of entries held out.
pub const DEFAULT_HOLDOUT: f64 = 0.2;

/// Everything one completion run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CompleteSettings {
    /// The matrix (ignored with `example`).
    pub data: DataArgs,
    /// Rank, loss, optimiser, learning rate, epochs, L2 penalty, seed (which
    /// also draws the held-out entries).
    pub config: Config,
    /// The share of entries held out (ignored with `example`).
    pub holdout: f64,
    /// Run the lab report's 3 x 3 example instead of a data file.
    pub example: bool,
    /// Where the CSV and SVG go.
    pub out: PathBuf,
}

impl Default for CompleteSettings {
    /// Centred iris, 20% held out, [`Config::default`] with λ = [`DEFAULT_L2`].
    fn default() -> Self {
        CompleteSettings {
            data: DataArgs::default(),
            config: Config {
                l2: DEFAULT_L2,
                ..Config::default()
            },
            holdout: DEFAULT_HOLDOUT,
            example: false,
            out: PathBuf::from("out"),
        }
    }
}

/// A hidden entry and its guess.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Guess {
    /// Row, 0-based.
    pub row: usize,
    /// Column, 0-based.
    pub col: usize,
    /// The true (hidden) value.
    pub truth: f64,
    /// `(U Vᵀ)` at the entry.
    pub prediction: f64,
    /// The column-mean baseline at the entry.
    pub baseline: f64,
}

/// What a completion run found; the bin's `--json` line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompleteSummary {
    /// The data file, or `lab example`.
    pub data: String,
    /// Rows of the matrix.
    pub rows: usize,
    /// Columns of the matrix.
    pub cols: usize,
    /// The file's column left out as class labels (0-based), if any.
    pub label_column: Option<usize>,
    /// `centred`, `standardised`, or `none` for the example.
    pub scaling: &'static str,
    /// Entries fitted.
    pub observed: usize,
    /// Entries held out.
    pub held_out: usize,
    /// The rank r.
    pub rank: usize,
    /// `norm` or `squared`.
    pub loss: &'static str,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: &'static str,
    /// Learning rate.
    pub lr: f64,
    /// The L2 penalty λ.
    pub l2: f64,
    /// Number of updates.
    pub epochs: usize,
    /// Seed of the held-out entries and of the initial U and V.
    pub seed: u64,
    /// The loss at the final U and V.
    pub final_loss: f64,
    /// RMSE of `U Vᵀ` on the observed entries.
    pub observed_rmse: f64,
    /// RMSE of `U Vᵀ` on the held-out entries.
    pub heldout_rmse: Option<f64>,
    /// RMSE of the column means of the observed entries on the held-out entries.
    pub baseline_rmse: Option<f64>,
    /// `baseline_rmse / heldout_rmse`: how many times better than the baseline.
    pub improvement: Option<f64>,
    /// Every hidden entry with its guess (the example only).
    pub guesses: Vec<Guess>,
    /// Where the run ended, in words.
    pub diagnosis: String,
    /// Seconds spent in the training loop alone.
    pub seconds: f64,
    /// The per-epoch losses.
    pub csv: PathBuf,
    /// The loss curve.
    pub svg: PathBuf,
}

/// Loads the matrix (or the lab's example), hides entries, fits the rest,
/// measures both parts and writes `complete_loss.csv` and `complete_loss.svg`
/// (also when the run diverges, up to the last finite loss).
pub fn run(settings: &CompleteSettings) -> Result<CompleteSummary, Failure> {
    let config = &settings.config;
    let Problem {
        matrix: a,
        observed,
        name,
        scaling,
        label_column,
    } = Problem::new(settings)?;
    let out = OutputDir::create(&settings.out)?;
    let write = |losses: &[f64]| write_complete_curve(&out, &name, config, losses);
    let result = complete(&a, &observed, config);
    let (result, files) = train_and_write(result, config.optimizer, |r| &r.trained.losses, write)?;

    let guesses = if settings.example {
        guesses(&a, &observed, &result.trained.reconstruction())
    } else {
        Vec::new()
    };
    let improvement = result.baseline_rmse.zip(result.heldout_rmse).map(|(b, h)| b / h);
    let diagnosis = match improvement {
        Some(ratio) if ratio >= 1.0 => format!("held-out error {ratio:.2}x lower than predicting column means"),
        Some(ratio) => format!(
            "held-out error {:.2}x higher than predicting column means: try a larger --l2 or a lower --rank",
            1.0 / ratio
        ),
        None => "nothing held out".to_owned(),
    };
    let observed_count = observed.iter().filter(|&&m| m == 1.0).count();
    Ok(CompleteSummary {
        data: if settings.example {
            name
        } else {
            settings.data.data.display().to_string()
        },
        rows: a.nrows(),
        cols: a.ncols(),
        label_column,
        scaling,
        observed: observed_count,
        held_out: a.len() - observed_count,
        rank: config.rank,
        loss: config.loss.name(),
        optimizer: config.optimizer.name(),
        lr: config.lr,
        l2: config.l2,
        epochs: config.epochs,
        seed: config.seed,
        final_loss: result.trained.final_loss(),
        observed_rmse: result.observed_rmse,
        heldout_rmse: result.heldout_rmse,
        baseline_rmse: result.baseline_rmse,
        improvement,
        guesses,
        diagnosis,
        seconds: result.trained.seconds,
        csv: files.csv,
        svg: files.svg,
    })
}

/// The first step of [`run`] for `--trace` and `--html`: the same entries
/// hidden and the same initial U and V, recorded by the function that
/// records every epoch ([`TrainingStep::factorisation`]). Fails as [`run`]
/// fails on bad data or settings.
pub fn first_step(settings: &CompleteSettings) -> Result<TrainingStep, Failure> {
    let config = &settings.config;
    let problem = Problem::new(settings)?;
    let (rows, cols) = problem.matrix.dim();
    let hidden = problem.observed.iter().filter(|&&m| m == 0.0).count();
    let description = format!(
        "{} ({rows} x {cols}{}, columns {}, {hidden} entries hidden), rank {}, {} loss on observed entries \
         + {} (||U||² + ||V||²), U and V from U(0, 1) with seed {}",
        problem.name,
        label_column_note(problem.label_column),
        problem.scaling,
        config.rank,
        config.loss,
        config.l2,
        config.seed
    );
    let title = "complete: the first training step".to_owned();
    Ok(TrainingStep::factorisation(
        title,
        description,
        problem.matrix,
        Some(problem.observed),
        *config,
    ))
}

/// The matrix to complete and which of its entries are observed.
struct Problem {
    matrix: Array2<f64>,
    /// 1 = observed, 0 = held out.
    observed: Array2<f64>,
    /// The file's name, or `lab example`.
    name: String,
    scaling: &'static str,
    /// The file's column left out as class labels, if any.
    label_column: Option<usize>,
}

impl Problem {
    /// Loads the matrix (or the lab's example), checks the settings against
    /// it and hides the seeded share of its entries.
    fn new(settings: &CompleteSettings) -> Result<Problem, Failure> {
        let config = &settings.config;
        if settings.example {
            let example = LabExample::new();
            let (rows, cols) = example.matrix.dim();
            config
                .validate(rows, cols)
                .map_err(|error| Failure::new(format!("lab example: {error}")))?;
            return Ok(Problem {
                matrix: example.matrix,
                observed: example.observed,
                name: "lab example".to_owned(),
                scaling: "none",
                label_column: None,
            });
        }
        let FeatureMatrix {
            matrix: raw,
            label_column,
        } = settings.data.read_for(config)?;
        let (matrix, observed) = hide_and_scale(&raw, settings.holdout, config.seed, settings.data.scale())
            .map_err(|error| Failure::new(format!("{}: {error}", settings.data.data.display())))?;
        Ok(Problem {
            matrix,
            observed,
            name: file_name(&settings.data.data),
            scaling: settings.data.scaling(),
            label_column,
        })
    }
}

/// Hides the seeded share `holdout` of the entries of `raw` and scales its
/// columns with means (and spreads) of the observed entries only: the
/// hidden entries must not shape the matrix the model trains on. Returns
/// the scaled matrix, hidden entries included (to judge the guesses), and
/// the mask (1 = observed).
///
/// # Errors
/// As [`holdout_mask`].
pub fn hide_and_scale(
    raw: &Array2<f64>,
    holdout: f64,
    seed: u64,
    scale: Scale,
) -> Result<(Array2<f64>, Array2<f64>), FactorError> {
    let observed = holdout_mask(raw.nrows(), raw.ncols(), holdout, seed)?;
    let scaled = Standardiser::fit_observed(raw, &observed, scale).transform(raw);
    Ok((scaled, observed))
}

/// Every hidden entry with the prediction and the baseline's guess.
fn guesses(a: &Array2<f64>, observed: &Array2<f64>, prediction: &Array2<f64>) -> Vec<Guess> {
    let baseline = factor::column_mean_baseline(a, observed);
    observed
        .indexed_iter()
        .filter(|(_, m)| **m == 0.0)
        .map(|((row, col), _)| Guess {
            row,
            col,
            truth: a[[row, col]],
            prediction: prediction[[row, col]],
            baseline: baseline[[row, col]],
        })
        .collect()
}

/// Writes the losses as `epoch,loss` and draws them on a log scale.
fn write_complete_curve(out: &OutputDir, name: &str, config: &Config, losses: &[f64]) -> Result<CurveFiles, Failure> {
    let rows: Vec<Vec<f64>> = points(losses).into_iter().map(|(x, y)| vec![x, y]).collect();
    let csv = out.write_csv("complete_loss.csv", &["epoch", "loss"], &rows)?;
    let title = format!(
        "{name}, rank {}: {} loss on observed entries + {} (||U||² + ||V||²)",
        config.rank, config.loss, config.l2
    );
    let chart = Chart::new(title, "epoch", "loss (log scale)")
        .series(format!("{}, lr {}", config.optimizer, config.lr), points(losses))
        .log_y();
    let svg = out.write("complete_loss.svg", chart.to_svg()?.as_bytes())?;
    Ok(CurveFiles { csv, svg })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hidden_entries_do_not_shape_the_training_matrix() {
        // Whatever the hidden entries hold, the observed entries the model
        // trains on come out the same: the columns are centred (or
        // standardised) on observed entries only.
        let raw = DataArgs::default().read_for(&Config::default()).unwrap().matrix;
        for scale in [Scale::CentreOnly, Scale::StdDev] {
            let (scaled, observed) = hide_and_scale(&raw, DEFAULT_HOLDOUT, 4, scale).unwrap();
            let moved = Array2::from_shape_fn(
                raw.dim(),
                |at| {
                    if observed[at] == 1.0 { raw[at] } else { raw[at] + 50.0 }
                },
            );
            let (scaled_moved, observed_moved) = hide_and_scale(&moved, DEFAULT_HOLDOUT, 4, scale).unwrap();
            assert_eq!(observed_moved, observed);
            assert_eq!(&scaled_moved * &observed, &scaled * &observed);
            // The observed entries of each column have mean 0.
            for (values, seen) in scaled.columns().into_iter().zip(observed.columns()) {
                assert!(values.dot(&seen).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn the_lab_example_guesses_its_two_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        let settings = CompleteSettings {
            example: true,
            out: dir.path().to_path_buf(),
            ..CompleteSettings::default()
        };
        let summary = run(&settings).unwrap();
        assert_eq!((summary.rows, summary.cols, summary.held_out), (3, 3, 2));
        let cells: Vec<(usize, usize, f64)> = summary.guesses.iter().map(|g| (g.row, g.col, g.truth)).collect();
        assert_eq!(cells, vec![(1, 0, 3.3359), (2, 1, 0.5301)]);
        assert!(summary.guesses.iter().all(|g| g.prediction.is_finite()));
        assert!(summary.csv.exists() && summary.svg.exists());
    }
}
