//! Experiment 3 of the lab report: matrix completion. Hide a seeded share of
//! the entries, fit `U Vᵀ` to the rest (loss over observed entries only,
//! plus an L2 penalty), and judge the guesses for the hidden entries against
//! predicting each column's observed mean.

use std::path::PathBuf;

use data::{FeatureMatrix, Layout, Loaded, Scale, Standardiser};
use factor::{Config, Convergence, FactorError, LabExample, Loss, complete, holdout_mask};
use ndarray::Array2;
use serde::Serialize;

use super::curves::{CurveFiles, file_name, points, round_number, train_and_write};
use super::trace::TrainingStep;
use crate::args::{DataArgs, LayoutSummary, label_column_note, nothing_to_fit};
use crate::cli::Failure;
use crate::output::OutputDir;
use crate::plot::Chart;

/// The default L2 penalty λ of the squared loss, as a share of
/// `||M ⊙ A||_F`, the norm of the observed entries (after centring).
///
/// λ must be in the data's units: with `A` c times larger, the fit's `U`
/// and `V` are √c times larger, the squared misfit c² times and the
/// penalty `||U||² + ||V||²` c times, so only a λ c times larger keeps the
/// fit's shape. (With every entry observed, the penalty shrinks each
/// singular value of the fit by λ.) The share was measured on iris, rank 2,
/// 20% held out, the default optimiser (squared loss, Adam, lr 0.1, 1000
/// epochs), seeds 0..9 (mean held-out RMSE; the column-mean baseline is
/// 1.024): λ = 0 gives 2.47 (a row with two or fewer observed entries is
/// fit exactly by its two coordinates and extrapolates wildly), 0.1 gives
/// 0.558, 0.3 gives 0.429, 0.5 gives 0.425, 0.7 gives 0.425, 1 gives 0.431,
/// 3 gives 0.523, 10 gives 0.786; 2% of `||M ⊙ A||_F` is 0.47 there.
///
/// Scaled, it carries over to other units, where a fixed λ does not. Iris
/// in units 100 times smaller (each measurement times 100), seeds 0..4,
/// 10 000 epochs (converged): held-out RMSE 2.34 times below the baseline's
/// with the scaled λ, as for iris itself, and 1.67 times with λ = 0.5, 100
/// times weaker there. The breast-cancer-like matrix of
/// `tests/complete_cli.rs` (300 x 30, columns with standard deviations from
/// 0.003 to 570), seed 0, converged (30 000 epochs): 107.6 with the scaled
/// λ (200), against 140.6 for column means and 203.6 with λ = 0.5.
pub const DEFAULT_L2_SHARE: f64 = 0.02;

/// The default L2 penalty λ of the norm loss, a pure number: the norm's
/// gradient is the squared loss's divided by `2 ||M ⊙ (A - U Vᵀ)||_F`, which
/// is `2 ||M ⊙ A||_F` at the start, so the squared loss's default becomes
/// [`DEFAULT_L2_SHARE`] / 2. (λ = 0.5 with the norm pulls every guess on
/// iris onto the column means: held-out RMSE 1.0612, the baseline's, for
/// seed 0; 0.01 gives 0.4027.)
pub const DEFAULT_NORM_L2: f64 = DEFAULT_L2_SHARE / 2.0;

/// The L2 penalty λ on U and V of a completion run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty {
    /// The default, in the data's units: [`DEFAULT_L2_SHARE`] of the norm of
    /// the observed entries with the squared loss, [`DEFAULT_NORM_L2`] with the norm.
    Scaled,
    /// This λ, whatever the data.
    Fixed(f64),
}

impl Penalty {
    /// λ for fitting the observed entries (`observed` = 1) of `a` with `loss`.
    pub fn lambda(self, loss: Loss, a: &Array2<f64>, observed: &Array2<f64>) -> f64 {
        match (self, loss) {
            (Penalty::Fixed(lambda), _) => lambda,
            (Penalty::Scaled, Loss::Squared) => DEFAULT_L2_SHARE * (a * observed).mapv(|x| x * x).sum().sqrt(),
            (Penalty::Scaled, Loss::Norm) => DEFAULT_NORM_L2,
        }
    }

    /// How λ was chosen, for the first line: `2% of ||M ⊙ A||_F` or nothing.
    fn rule(self, loss: Loss) -> Option<String> {
        match (self, loss) {
            (Penalty::Fixed(_), _) => None,
            (Penalty::Scaled, Loss::Squared) => Some(format!("{}% of ||M ⊙ A||_F", 100.0 * DEFAULT_L2_SHARE)),
            (Penalty::Scaled, Loss::Norm) => Some("the norm loss's default".to_owned()),
        }
    }
}

/// The default share of entries held out.
pub const DEFAULT_HOLDOUT: f64 = 0.2;

/// Everything one completion run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CompleteSettings {
    /// The matrix (ignored with `example`).
    pub data: DataArgs,
    /// Rank, loss, optimiser, learning rate, epochs, seed (which also draws
    /// the held-out entries); its `l2` is replaced by the `penalty`'s λ.
    pub config: Config,
    /// The L2 penalty.
    pub penalty: Penalty,
    /// The share of entries held out (ignored with `example`).
    pub holdout: f64,
    /// Run the lab report's 3 x 3 example instead of a data file.
    pub example: bool,
    /// Where the CSV and SVG go.
    pub out: PathBuf,
}

impl Default for CompleteSettings {
    /// Centred iris, 20% held out, [`Config::default`] with the scaled penalty.
    fn default() -> Self {
        CompleteSettings {
            data: DataArgs::default(),
            config: Config::default(),
            penalty: Penalty::Scaled,
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
    /// How the file was read (`None` for the example).
    pub layout: Option<LayoutSummary>,
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
    /// How λ was chosen: `2% of ||M ⊙ A||_F` by default (see
    /// [`DEFAULT_L2_SHARE`]), `None` when given.
    pub l2_rule: Option<String>,
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
    /// Whether the loss had stopped falling: the held-out error of a run
    /// that had not may move far before it does.
    pub convergence: ConvergenceSummary,
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

/// [`Convergence`] as the `--json` line gives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConvergenceSummary {
    /// The last epochs, over which the loss's fall is measured.
    pub window: usize,
    /// How much the loss fell over them, relative to where it ended.
    pub relative_change: f64,
    /// Whether it fell by at most [`Convergence::TOLERANCE`].
    pub converged: bool,
    /// The verdict in words, as printed.
    pub verdict: String,
}

impl From<Convergence> for ConvergenceSummary {
    fn from(convergence: Convergence) -> Self {
        ConvergenceSummary {
            window: convergence.window,
            relative_change: convergence.relative_change,
            converged: convergence.converged,
            verdict: convergence.to_string(),
        }
    }
}

/// Loads the matrix (or the lab's example), hides entries, fits the rest,
/// measures both parts and writes `complete_loss.csv` and `complete_loss.svg`
/// (also when the run diverges, up to the last finite loss).
pub fn run(settings: &CompleteSettings) -> Result<CompleteSummary, Failure> {
    let problem = Problem::new(settings)?;
    let config = &problem.config;
    let Problem {
        matrix: a,
        observed,
        name,
        layout,
        scaling,
        label_column,
        ..
    } = &problem;
    let out = OutputDir::create(&settings.out)?;
    let write = |losses: &[f64]| write_complete_curve(&out, name, config, losses);
    let result = complete(a, observed, config);
    let (result, files) = train_and_write(result, config.optimizer, |r| &r.trained.losses, write)?;

    let guesses = if settings.example {
        guesses(a, observed, &result.trained.reconstruction())
    } else {
        Vec::new()
    };
    let improvement = result.baseline_rmse.zip(result.heldout_rmse).map(|(b, h)| b / h);
    let convergence = result.trained.convergence();
    let observed_count = observed.iter().filter(|&&m| m == 1.0).count();
    Ok(CompleteSummary {
        data: if settings.example {
            name.clone()
        } else {
            settings.data.data.display().to_string()
        },
        layout: layout.as_ref().map(LayoutSummary::from),
        rows: a.nrows(),
        cols: a.ncols(),
        label_column: *label_column,
        scaling,
        observed: observed_count,
        held_out: a.len() - observed_count,
        rank: config.rank,
        loss: config.loss.name(),
        optimizer: config.optimizer.name(),
        lr: config.lr,
        l2: config.l2,
        l2_rule: settings.penalty.rule(config.loss),
        epochs: config.epochs,
        seed: config.seed,
        final_loss: result.trained.final_loss(),
        observed_rmse: result.observed_rmse,
        heldout_rmse: result.heldout_rmse,
        baseline_rmse: result.baseline_rmse,
        improvement,
        convergence: convergence.into(),
        guesses,
        diagnosis: diagnosis(improvement, convergence),
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
    let problem = Problem::new(settings)?;
    let config = &problem.config;
    let (rows, cols) = problem.matrix.dim();
    let hidden = problem.observed.iter().filter(|&&m| m == 0.0).count();
    let layout = problem
        .layout
        .as_ref()
        .map_or_else(String::new, |layout| format!("{layout}, "));
    let description = format!(
        "{} ({layout}{rows} x {cols}{}, columns {}, {hidden} entries hidden), rank {}, {} loss on observed entries \
         + {} (||U||² + ||V||²), U and V from U(0, 1) with seed {}",
        problem.name,
        label_column_note(problem.label_column),
        problem.scaling,
        config.rank,
        config.loss,
        round_number(config.l2),
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

/// What the run reports after the two errors: how the held-out error
/// compares with the column means' (the same, within the 0.5% a 2-decimal
/// ratio shows, is said so) and, for a run that had not converged, that the
/// comparison may not last.
fn diagnosis(improvement: Option<f64>, convergence: Convergence) -> String {
    let comparison = match improvement {
        Some(ratio) if format!("{ratio:.2}") == "1.00" => {
            "held-out error the same as predicting column means (to 0.5%)".to_owned()
        }
        Some(ratio) if ratio > 1.0 => format!("held-out error {ratio:.2}x lower than predicting column means"),
        Some(ratio) => format!(
            "held-out error {:.2}x higher than predicting column means: try a larger --l2 or a lower --rank",
            1.0 / ratio
        ),
        None => return "nothing held out".to_owned(),
    };
    if convergence.converged {
        comparison
    } else {
        format!(
            "{comparison}; warning: from a run that had not converged, so this may change with more --epochs \
             (or with --standardise, if the columns' scales differ)"
        )
    }
}

/// The matrix to complete, which of its entries are observed, and the
/// training settings with the penalty's λ.
struct Problem {
    matrix: Array2<f64>,
    /// 1 = observed, 0 = held out.
    observed: Array2<f64>,
    /// The settings' config, its `l2` the penalty's λ.
    config: Config,
    /// The file's name, or `lab example`.
    name: String,
    /// How the file was read (`None` for the example).
    layout: Option<Layout>,
    scaling: &'static str,
    /// The file's column left out as class labels, if any.
    label_column: Option<usize>,
}

impl Problem {
    /// Loads the matrix (or the lab's example), checks the settings against
    /// it, hides the seeded share of its entries and sets λ.
    fn new(settings: &CompleteSettings) -> Result<Problem, Failure> {
        let config = &settings.config;
        let with_lambda = |matrix: &Array2<f64>, observed: &Array2<f64>| Config {
            l2: settings.penalty.lambda(config.loss, matrix, observed),
            ..*config
        };
        if settings.example {
            let example = LabExample::new();
            let (rows, cols) = example.matrix.dim();
            config
                .validate(rows, cols)
                .map_err(|error| Failure::new(format!("lab example: {error}")))?;
            return Ok(Problem {
                config: with_lambda(&example.matrix, &example.observed),
                matrix: example.matrix,
                observed: example.observed,
                name: "lab example".to_owned(),
                layout: None,
                scaling: "none",
                label_column: None,
            });
        }
        let Loaded {
            data: FeatureMatrix {
                matrix: raw,
                label_column,
            },
            layout,
        } = settings.data.read_for(config)?;
        let path = &settings.data.data;
        let (matrix, observed) = hide_and_scale(&raw, settings.holdout, config.seed, settings.data.scale())
            .map_err(|error| Failure::new(format!("{}: {error}", path.display())))?;
        if (&matrix * &observed).iter().all(|&x| x == 0.0) {
            return Err(nothing_to_fit(path, matrix.nrows(), true));
        }
        Ok(Problem {
            config: with_lambda(&matrix, &observed),
            matrix,
            observed,
            name: file_name(path),
            layout: Some(layout),
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
    let rows: Vec<[f64; 2]> = points(losses).into_iter().map(|(x, y)| [x, y]).collect();
    let csv = out.write_csv("complete_loss.csv", &["epoch", "loss"], &rows)?;
    let title = format!(
        "{name}, rank {}: {} loss on observed entries + {} (||U||² + ||V||²)",
        config.rank,
        config.loss,
        round_number(config.l2)
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
        let raw = DataArgs::default().read_for(&Config::default()).unwrap().data.matrix;
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
