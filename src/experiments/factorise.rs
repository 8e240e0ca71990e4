//! Experiments 1 and 2 of the lab report: factorise a data matrix `A ≈ U Vᵀ`
//! by gradient descent through the engine, and judge the result against the
//! truncated SVD (the Eckart-Young bound) and the residual levels of lower
//! ranks, where a stalled run sits on a saddle point.

use std::path::{Path, PathBuf};

use data::{FeatureMatrix, Loaded};
use factor::{Config, Escape, Verdict, certify, diagnose, escape, truncated_svd};
use ndarray::Array2;
use serde::Serialize;

use super::curves::{CurveFiles, file_name, points, round_number, train_and_write};
use super::trace::TrainingStep;
use crate::args::{DataArgs, LayoutSummary, label_column_note};
use crate::cli::Failure;
use crate::output::OutputDir;
use crate::plot::Chart;

/// Everything one factorisation run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct FactoriseSettings {
    /// The matrix.
    pub data: DataArgs,
    /// Rank, loss, optimiser, learning rate, epochs, seed.
    pub config: Config,
    /// Where the CSV and SVG go.
    pub out: PathBuf,
    /// What to find out about the end point's curvature, if anything.
    pub curvature: Option<CurvatureSettings>,
}

/// The curvature certificate after training, and an escape from a saddle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvatureSettings {
    /// If set, at a saddle take a step along the direction of negative
    /// curvature and train on with this config (its optimiser, learning
    /// rate and epochs), beside the same training without the step.
    pub escape: Option<Config>,
}

impl Default for FactoriseSettings {
    /// Centred iris, [`Config::default`], into `out/`.
    fn default() -> Self {
        FactoriseSettings {
            data: DataArgs::default(),
            config: Config::default(),
            out: PathBuf::from("out"),
            curvature: None,
        }
    }
}

/// What a factorisation run found; the bin's `--json` line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactoriseSummary {
    /// The data file.
    pub data: String,
    /// How the file was read: its delimiter, header and index column.
    pub layout: LayoutSummary,
    /// Rows of the matrix.
    pub rows: usize,
    /// Columns of the matrix.
    pub cols: usize,
    /// The file's column left out as class labels (0-based), if any.
    pub label_column: Option<usize>,
    /// `centred` or `standardised`.
    pub scaling: &'static str,
    /// The rank r.
    pub rank: usize,
    /// `norm` or `squared`.
    pub loss: &'static str,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: &'static str,
    /// Learning rate.
    pub lr: f64,
    /// Number of updates.
    pub epochs: usize,
    /// Seed of the initial U and V.
    pub seed: u64,
    /// The loss at the final U and V.
    pub final_loss: f64,
    /// `||A - U Vᵀ||_F` at the final U and V.
    pub residual: f64,
    /// The Eckart-Young bound: the residual of the truncated SVD at rank r.
    pub svd_residual: f64,
    /// How far above the bound the residual is, in percent, 0 where
    /// rounding puts it below. (`None` when the bound is 0: rank
    /// `min(m, n)`, or an `A` of lower rank.)
    pub gap_percent: Option<f64>,
    /// Every singular value of A, largest first.
    pub singular_values: Vec<f64>,
    /// The residual of the best rank-k approximation, k = 0..=min(m, n).
    pub levels: Vec<f64>,
    /// Where the run ended, in words.
    pub diagnosis: String,
    /// Whether it reached the bound (within 1%).
    pub reached_bound: bool,
    /// The lower rank whose level it stalled on, if it did.
    pub plateau_rank: Option<usize>,
    /// Seconds spent in the training loop alone.
    pub seconds: f64,
    /// The per-epoch losses.
    pub csv: PathBuf,
    /// The loss curve.
    pub svg: PathBuf,
    /// The Hessian's extreme eigenvalues at the end point (`--curvature`).
    pub curvature: Option<CurvatureSummary>,
    /// The step off a saddle and the training after it (`--escape`).
    pub escape: Option<EscapeSummary>,
}

/// The curvature certificate of the end point: the smallest and largest
/// eigenvalues of the training loss's Hessian with respect to U and V, by
/// Lanczos on Hessian-vector products.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvatureSummary {
    /// The smallest eigenvalue.
    pub min_eigenvalue: f64,
    /// The largest.
    pub max_eigenvalue: f64,
    /// `‖H y - θ y‖` of the smallest pair: the true eigenvalue is within it.
    pub residual: f64,
    /// `‖∇loss‖` at the end point.
    pub gradient_norm: f64,
    /// Hessian-vector products Lanczos took.
    pub products: usize,
    /// `saddle`, `minimum` or `undecided`.
    pub verdict: &'static str,
}

/// A step along the direction of negative curvature, then more training.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EscapeSummary {
    /// The step taken along the unit eigenvector (its sign included).
    pub step: f64,
    /// `‖A - U Vᵀ‖_F` where training stopped.
    pub residual_before: f64,
    /// Right after the step.
    pub residual_after_step: f64,
    /// After the further training from the stepped point.
    pub residual_end: f64,
    /// After the same further training without the step.
    pub residual_end_without_step: f64,
    /// The further training's optimiser.
    pub optimizer: &'static str,
    /// Its learning rate.
    pub lr: f64,
    /// Its epochs.
    pub epochs: usize,
    /// Both continuations' residuals, epoch by epoch.
    pub csv: PathBuf,
    /// Both continuations' curves.
    pub svg: PathBuf,
}

/// Loads the matrix, trains, compares with the SVD and writes
/// `factorise_loss.csv` and `factorise_loss.svg` into the output directory
/// (also when the run diverges, up to the last finite loss).
pub fn run(settings: &FactoriseSettings) -> Result<FactoriseSummary, Failure> {
    let config = &settings.config;
    let Loaded {
        data: FeatureMatrix {
            matrix: a,
            label_column,
        },
        layout,
    } = settings.data.load_for(config)?;
    let svd = truncated_svd(&a, config.rank)?;
    let levels = svd.levels();
    let out = OutputDir::create(&settings.out)?;
    let write = |losses: &[f64]| write_factorise_curve(&out, &settings.data.data, config, losses, &levels);
    let result = factor::train(&a, None, config);
    let (trained, files) = train_and_write(result, config.optimizer, |t| &t.losses, write)?;

    let residual = trained.residual(&a);
    let (curvature, escape) = match settings.curvature {
        Some(wanted) => look_at_curvature(&a, &trained, config, wanted, &out, &levels)?,
        None => (None, None),
    };
    let diagnosis = diagnose(residual, config.rank, &levels);
    let plateau_rank = match diagnosis {
        factor::Diagnosis::Saddle { plateau_rank, .. } => Some(plateau_rank),
        _ => None,
    };
    Ok(FactoriseSummary {
        data: settings.data.data.display().to_string(),
        layout: LayoutSummary::from(&layout),
        rows: a.nrows(),
        cols: a.ncols(),
        label_column,
        scaling: settings.data.scaling(),
        rank: config.rank,
        loss: config.loss.name(),
        optimizer: config.optimizer.name(),
        lr: config.lr,
        epochs: config.epochs,
        seed: config.seed,
        final_loss: trained.final_loss(),
        residual,
        svd_residual: svd.residual,
        gap_percent: diagnosis.percent_above_bound(),
        singular_values: svd.singular_values,
        levels,
        diagnosis: diagnosis.to_string(),
        reached_bound: diagnosis.reached_bound(),
        plateau_rank,
        seconds: trained.seconds,
        csv: files.csv,
        svg: files.svg,
        curvature,
        escape,
    })
}

/// The curvature certificate at the end of `trained`, and, when asked for
/// and the point is a saddle, the escape from it, its curves written into `out`.
fn look_at_curvature(
    a: &Array2<f64>,
    trained: &factor::Trained,
    config: &Config,
    wanted: CurvatureSettings,
    out: &OutputDir,
    levels: &[f64],
) -> Result<(Option<CurvatureSummary>, Option<EscapeSummary>), Failure> {
    let certificate = certify(a, None, &trained.u, &trained.v, config)?;
    let summary = CurvatureSummary {
        min_eigenvalue: certificate.min_eigenvalue,
        max_eigenvalue: certificate.max_eigenvalue,
        residual: certificate.residual,
        gradient_norm: certificate.gradient_norm,
        products: certificate.products,
        verdict: certificate.verdict.name(),
    };
    let escape = match wanted.escape {
        Some(continuation) if certificate.verdict == Verdict::Saddle => {
            let escaped = escape(a, None, &trained.u, &trained.v, &certificate, &continuation)?;
            Some(write_escape(out, &escaped, a, &continuation, levels)?)
        }
        _ => None,
    };
    Ok((Some(summary), escape))
}

/// Writes `factorise_escape.csv` and `.svg`: the residual epoch by epoch of
/// the training after the step and of the same training without it.
fn write_escape(
    out: &OutputDir,
    escaped: &Escape,
    a: &Array2<f64>,
    continuation: &Config,
    levels: &[f64],
) -> Result<EscapeSummary, Failure> {
    let residuals = |losses: &[f64]| -> Vec<f64> { losses.iter().map(|&l| continuation.loss.misfit_norm(l)).collect() };
    let (with, without) = (
        residuals(&escaped.with_step.losses),
        residuals(&escaped.without_step.losses),
    );
    let rows: Vec<Vec<f64>> = (0..with.len())
        .map(|epoch| vec![epoch as f64, with[epoch], without[epoch]])
        .collect();
    let csv = out.write_csv(
        "factorise_escape.csv",
        &["epoch", "residual_with_step", "residual_without_step"],
        &rows,
    )?;
    let title = format!(
        "after the step along the negative curvature: {} at lr {}",
        continuation.optimizer, continuation.lr
    );
    let rank = continuation.rank;
    let mut chart = Chart::new(title, "epoch after the step", "||A - U Vᵀ||_F (log scale)")
        .series(
            format!("with the step of {}", round_number(escaped.step)),
            points(&with),
        )
        .series("without it", points(&without))
        .level(format!("SVD bound (rank {rank}) {:.4}", levels[rank]), levels[rank])
        .log_y();
    for (k, &level) in levels.iter().enumerate().take(rank).rev() {
        chart = chart.level(format!("rank-{k} level {level:.4} (saddle)"), level);
    }
    let svg = out.write("factorise_escape.svg", chart.to_svg()?.as_bytes())?;
    Ok(EscapeSummary {
        step: escaped.step,
        residual_before: escaped.residual_before,
        residual_after_step: escaped.residual_after_step,
        residual_end: escaped.residual_end,
        residual_end_without_step: escaped.without_step.residual(a),
        optimizer: continuation.optimizer.name(),
        lr: continuation.lr,
        epochs: continuation.epochs,
        csv,
        svg,
    })
}

/// The first step of [`run`] for `--trace` and `--html`: the same matrix
/// and initial U and V, recorded by the function that records every epoch
/// ([`TrainingStep::factorisation`]). Fails as [`run`] fails on bad data or
/// settings.
pub fn first_step(settings: &FactoriseSettings) -> Result<TrainingStep, Failure> {
    let config = &settings.config;
    let Loaded {
        data: FeatureMatrix {
            matrix: a,
            label_column,
        },
        layout,
    } = settings.data.load_for(config)?;
    let description = format!(
        "{} ({layout}, {} x {}{}, columns {}), rank {}, {} loss, U and V from U(0, 1) with seed {}",
        settings.data.data.display(),
        a.nrows(),
        a.ncols(),
        label_column_note(label_column),
        settings.data.scaling(),
        config.rank,
        config.loss,
        config.seed
    );
    let title = "factorise: the first training step".to_owned();
    Ok(TrainingStep::factorisation(title, description, a, None, *config))
}

/// Writes the losses as `epoch,loss,residual` and draws the residual with
/// the SVD bound and the lower-rank levels as horizontal lines.
fn write_factorise_curve(
    out: &OutputDir,
    data: &Path,
    config: &Config,
    losses: &[f64],
    levels: &[f64],
) -> Result<CurveFiles, Failure> {
    let residuals: Vec<f64> = losses.iter().map(|&loss| config.loss.misfit_norm(loss)).collect();
    let rows: Vec<[f64; 3]> = (0..losses.len())
        .map(|epoch| [epoch as f64, losses[epoch], residuals[epoch]])
        .collect();
    let csv = out.write_csv("factorise_loss.csv", &["epoch", "loss", "residual"], &rows)?;
    let title = format!(
        "{}, rank {}: {} loss, {}, lr {}",
        file_name(data),
        config.rank,
        config.loss,
        config.optimizer,
        config.lr
    );
    let mut chart = Chart::new(title, "epoch", "||A - U Vᵀ||_F (log scale)")
        .series("gradient descent", points(&residuals))
        .level(
            format!("SVD bound (rank {}) {:.4}", config.rank, levels[config.rank]),
            levels[config.rank],
        )
        .log_y();
    for (k, &level) in levels.iter().enumerate().take(config.rank).rev() {
        chart = chart.level(format!("rank-{k} level {level:.4} (saddle)"), level);
    }
    let svg = out.write("factorise_loss.svg", chart.to_svg()?.as_bytes())?;
    Ok(CurveFiles { csv, svg })
}
