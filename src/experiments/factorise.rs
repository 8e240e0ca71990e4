//! Experiments 1 and 2 of the lab report: factorise a data matrix `A ≈ U Vᵀ`
//! by gradient descent through the engine, and judge the result against the
//! truncated SVD (the Eckart-Young bound) and the residual levels of lower
//! ranks, where a stalled run sits on a saddle point.
//!
//! Also what `complete` and `mlp` share: the data flags, loading, the
//! training flags, writing a loss curve that survives a diverging run, the
//! hint after a divergence, and the first training step seen from inside
//! (`--trace`).

use std::fmt;
use std::path::{Path, PathBuf};

use autograd::optim::OptimizerKind;
use autograd::{Tape, Var, inspect};
use clap::Args;
use data::{FeatureMatrix, Scale, Standardiser};
use factor::{Config, FactorError, Loss, diagnose, record_loss, truncated_svd};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::cli::{Failure, positive_f64, positive_usize};
use crate::output::OutputDir;
use crate::plot::Chart;

/// Which columns of the CSV file form the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnChoice {
    /// Every column except a detected label column.
    Features,
    /// Every column.
    All,
    /// These 0-based columns, in this order.
    Indices(Vec<usize>),
}

impl ColumnChoice {
    fn to_data(&self) -> data::Columns {
        match self {
            ColumnChoice::Features => data::Columns::Features,
            ColumnChoice::All => data::Columns::All,
            ColumnChoice::Indices(indices) => data::Columns::Indices(indices.clone()),
        }
    }
}

/// Parses `--columns`: `features`, `all`, or 0-based indices and inclusive
/// ranges separated by commas (`1-13`, `0,2,3`, `0-1,3`).
pub fn parse_columns(text: &str) -> Result<ColumnChoice, String> {
    match text {
        "features" => return Ok(ColumnChoice::Features),
        "all" => return Ok(ColumnChoice::All),
        _ => {}
    }
    let index = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{part}' is not a column index (expected features, all, or e.g. 1-13 or 0,2,3)"))
    };
    let mut indices = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (index(first)?, index(last)?);
                if first > last {
                    return Err(format!("the range {first}-{last} runs backwards"));
                }
                indices.extend(first..=last);
            }
            None => indices.push(index(part)?),
        }
    }
    Ok(ColumnChoice::Indices(indices))
}

/// The data flags: which file, which columns, how they are scaled.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct DataArgs {
    /// Numeric CSV file without a header (a label column is detected and left out).
    #[arg(long, default_value = "datasets/iris.data")]
    pub data: PathBuf,

    /// Columns to use: `features` (all but a detected label column), `all`, or
    /// 0-based indices and ranges such as `1-13` or `0,2,3`.
    #[arg(long, default_value = "features", value_parser = parse_columns)]
    pub columns: ColumnChoice,

    /// Standardise each column to mean 0 and standard deviation 1 instead of
    /// only centring it (for columns on different scales, e.g. wine).
    #[arg(long)]
    pub standardise: bool,
}

impl Default for DataArgs {
    /// Iris's four measurements, centred.
    fn default() -> Self {
        DataArgs {
            data: PathBuf::from("datasets/iris.data"),
            columns: ColumnChoice::Features,
            standardise: false,
        }
    }
}

impl DataArgs {
    /// `"centred"` or `"standardised"`.
    pub fn scaling(&self) -> &'static str {
        if self.standardise { "standardised" } else { "centred" }
    }

    /// How [`DataArgs::load`] and [`DataArgs::load_for`] scale the columns.
    pub fn scale(&self) -> Scale {
        if self.standardise {
            Scale::StdDev
        } else {
            Scale::CentreOnly
        }
    }

    /// Reads the chosen columns and centres (or standardises) them.
    pub fn load(&self) -> Result<Array2<f64>, Failure> {
        let mut features = self.read()?;
        self.scale_columns(&mut features.matrix);
        Ok(features.matrix)
    }

    /// Reads the matrix as [`DataArgs::load`] does and checks the training
    /// settings against it; an error names the file
    /// (`datasets/iris.data: rank 5 is larger than min(150, 4) = 4`).
    pub fn load_for(&self, config: &Config) -> Result<FeatureMatrix, Failure> {
        let mut features = self.read_for(config)?;
        self.scale_columns(&mut features.matrix);
        Ok(features)
    }

    /// The chosen columns as the file has them, checked against the
    /// training settings as in [`DataArgs::load_for`], not yet scaled.
    pub fn read_for(&self, config: &Config) -> Result<FeatureMatrix, Failure> {
        let features = self.read()?;
        let (rows, cols) = features.matrix.dim();
        factor::validate_matrix(&features.matrix)
            .and_then(|()| config.validate(rows, cols))
            .map_err(|error| Failure::new(format!("{}: {error}", self.data.display())))?;
        Ok(features)
    }

    fn read(&self) -> Result<FeatureMatrix, Failure> {
        Ok(data::read_features(&self.data, &self.columns.to_data())?)
    }

    fn scale_columns(&self, matrix: &mut Array2<f64>) {
        Standardiser::fit(matrix, self.scale()).apply(matrix);
    }
}

/// `", label column 4 left out"` when `--columns features` took a column
/// for class labels, else nothing: the header of `factorise` and `complete`
/// shows it, since a column of few distinct integers is taken for labels.
pub fn label_column_note(label_column: Option<usize>) -> String {
    label_column.map_or_else(String::new, |column| format!(", label column {column} left out"))
}

/// The training flags; the defaults are [`Config::default`].
#[derive(Args, Clone, Debug, PartialEq)]
pub struct TrainArgs {
    /// Rank r: U is m x r, V is n x r.
    #[arg(long, default_value_t = Config::default().rank, value_parser = positive_usize, allow_negative_numbers = true)]
    pub rank: usize,

    /// Loss: `norm` (||A - U Vᵀ||_F, as in the lab report) or `squared` (its square).
    #[arg(long, default_value_t = Config::default().loss)]
    pub loss: Loss,

    /// Optimiser: `sgd`, `momentum` (μ = 0.9) or `adam`.
    #[arg(long, default_value_t = Config::default().optimizer)]
    pub optimizer: OptimizerKind,

    /// Learning rate.
    #[arg(long, default_value_t = Config::default().lr, value_parser = positive_f64, allow_negative_numbers = true)]
    pub lr: f64,

    /// Number of updates.
    #[arg(long, default_value_t = Config::default().epochs, value_parser = positive_usize, allow_negative_numbers = true)]
    pub epochs: usize,
}

impl TrainArgs {
    /// The training configuration these flags give, with this seed and penalty.
    pub fn config(&self, seed: u64, l2: f64) -> Config {
        Config {
            rank: self.rank,
            loss: self.loss,
            optimizer: self.optimizer,
            lr: self.lr,
            epochs: self.epochs,
            l2,
            seed,
        }
    }
}

/// Everything one factorisation run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct FactoriseSettings {
    /// The matrix.
    pub data: DataArgs,
    /// Rank, loss, optimiser, learning rate, epochs, seed.
    pub config: Config,
    /// Where the CSV and SVG go.
    pub out: PathBuf,
}

impl Default for FactoriseSettings {
    /// Centred iris, [`Config::default`], into `out/`.
    fn default() -> Self {
        FactoriseSettings {
            data: DataArgs::default(),
            config: Config::default(),
            out: PathBuf::from("out"),
        }
    }
}

/// What a factorisation run found; the bin's `--json` line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactoriseSummary {
    /// The data file.
    pub data: String,
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
    /// How far above the bound the residual is, in percent.
    /// (`None` when the bound is 0: rank `min(m, n)`, or an `A` of lower rank.)
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
}

/// Loads the matrix, trains, compares with the SVD and writes
/// `factorise_loss.csv` and `factorise_loss.svg` into the output directory
/// (also when the run diverges, up to the last finite loss).
pub fn run(settings: &FactoriseSettings) -> Result<FactoriseSummary, Failure> {
    let config = &settings.config;
    let FeatureMatrix {
        matrix: a,
        label_column,
    } = settings.data.load_for(config)?;
    let svd = truncated_svd(&a, config.rank)?;
    let levels = svd.levels();
    let out = OutputDir::create(&settings.out)?;
    let write = |losses: &[f64]| write_factorise_curve(&out, &settings.data.data, config, losses, &levels);
    let result = factor::train(&a, None, config);
    let (trained, files) = train_and_write(result, config.optimizer, |t| &t.losses, write)?;

    let residual = trained.residual(&a);
    let diagnosis = diagnose(residual, config.rank, &levels);
    let plateau_rank = match diagnosis {
        factor::Diagnosis::Saddle { plateau_rank, .. } => Some(plateau_rank),
        _ => None,
    };
    Ok(FactoriseSummary {
        data: settings.data.data.display().to_string(),
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
        gap_percent: Some(diagnosis.bound())
            .filter(|&bound| bound > 0.0)
            .map(|bound| 100.0 * (residual - bound) / bound),
        singular_values: svd.singular_values,
        levels,
        diagnosis: diagnosis.to_string(),
        reached_bound: diagnosis.reached_bound(),
        plateau_rank,
        seconds: trained.seconds,
        csv: files.csv,
        svg: files.svg,
    })
}

/// The first step of [`run`], recorded again on a fresh tape exactly as the
/// training loop records it (same data, same initial U and V, same loss),
/// for `--trace`. Fails as [`run`] fails on bad data or settings.
pub fn first_step(settings: &FactoriseSettings) -> Result<FirstStep, Failure> {
    let config = &settings.config;
    let FeatureMatrix {
        matrix: a,
        label_column,
    } = settings.data.load_for(config)?;
    let description = format!(
        "{} ({} x {}{}, columns {}), rank {}, {} loss, U and V from U(0, 1) with seed {}",
        settings.data.data.display(),
        a.nrows(),
        a.ncols(),
        label_column_note(label_column),
        settings.data.scaling(),
        config.rank,
        config.loss,
        config.seed
    );
    Ok(factorisation_first_step(&a, None, config, description))
}

/// The first step of `factor::train(target, mask, config)`: its tape and
/// backward sweep.
pub fn factorisation_first_step(
    target: &Array2<f64>,
    mask: Option<&Array2<f64>>,
    config: &Config,
    description: String,
) -> FirstStep {
    let (u, v) = initial_factors(target.nrows(), target.ncols(), config);
    let tape = Tape::new();
    // The loop's recording order: U, V, the mask, then A.
    let u = tape.parameter(&u);
    let v = tape.parameter(&v);
    let mask = mask.map(|mask| tape.constant(mask));
    let loss = record_loss(tape.constant(target), u, v, config.loss, mask, config.l2);
    FirstStep::inspect(description, &tape, loss)
}

/// U (m x r) then V (n x r) from U(0, 1), drawn as `factor::train` draws them.
fn initial_factors(rows: usize, cols: usize, config: &Config) -> (Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let u = Array2::from_shape_fn((rows, config.rank), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((cols, config.rank), |_| rng.random::<f64>());
    (u, v)
}

/// A training run's first step seen from inside, as `--trace` prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstStep {
    /// What was recorded, in one line.
    pub description: String,
    /// The loss of the first step: the first value the run records.
    pub loss: f64,
    /// The tape as a Wengert list ([`inspect::dump`]).
    pub dump: String,
    /// The backward sweep as it happens ([`inspect::backward_with_trace`]).
    pub trace: String,
}

impl FirstStep {
    /// Dumps `tape` and sweeps backward from `loss`, writing the sweep down.
    pub fn inspect(description: String, tape: &Tape, loss: Var<'_>) -> Self {
        let dump = inspect::dump(tape);
        let (_, trace) = inspect::backward_with_trace(tape, loss);
        FirstStep {
            description,
            loss: loss.item(),
            dump,
            trace,
        }
    }
}

impl fmt::Display for FirstStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== --trace: the first training step ==")?;
        writeln!(f, "{}", self.description)?;
        writeln!(f, "loss = {}\n", self.loss)?;
        writeln!(f, "== the tape ==\n{}", self.dump)?;
        write!(f, "== the backward sweep ==\n{}", self.trace)
    }
}

/// The two files a run writes.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveFiles {
    /// The per-epoch table.
    pub csv: PathBuf,
    /// The figure.
    pub svg: PathBuf,
}

/// Passes a finished run through after `write` has saved its losses; for a
/// diverged run, saves the losses so far and returns the divergence as a
/// failure with a hint ([`divergence_hint`], for a run with `optimizer`).
pub fn train_and_write<T>(
    result: Result<T, FactorError>,
    optimizer: OptimizerKind,
    losses: impl Fn(&T) -> &[f64],
    write: impl Fn(&[f64]) -> Result<CurveFiles, Failure>,
) -> Result<(T, CurveFiles), Failure> {
    match result {
        Ok(run) => {
            let files = write(losses(&run))?;
            Ok((run, files))
        }
        Err(FactorError::Diverged(divergence)) => {
            let files = write(&divergence.losses)?;
            let saved = match divergence.losses.len() {
                0 => format!("no loss was finite, so {} holds only its header", files.csv.display()),
                n => format!("the losses of epochs 0 to {} are in {}", n - 1, files.csv.display()),
            };
            Err(Failure::new(&divergence).with_hint(divergence_hint(divergence.lr, optimizer, &saved)))
        }
        Err(other) => Err(other.into()),
    }
}

/// The hint after a diverged run: a learning rate ten times smaller, Adam
/// unless the run already used it, and where the curve so far was `saved`.
pub fn divergence_hint(lr: f64, optimizer: OptimizerKind, saved: &str) -> String {
    let adam = match optimizer {
        OptimizerKind::Adam => "",
        _ => " or use --optimizer adam, whose steps the learning rate bounds",
    };
    format!("lower --lr (try {}){adam}; {saved}", round_number(lr / 10.0))
}

/// `x` to three significant digits, as a person would write it: `0.03`,
/// `1`, `1e299`.
pub fn round_number(x: f64) -> String {
    let rounded: f64 = format!("{x:.2e}").parse().unwrap_or(x);
    if rounded == 0.0 || (1e-4..1e6).contains(&rounded.abs()) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
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
    let rows: Vec<Vec<f64>> = (0..losses.len())
        .map(|epoch| vec![epoch as f64, losses[epoch], residuals[epoch]])
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

/// `(epoch, value)` points.
pub fn points(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(epoch, &y)| (epoch as f64, y)).collect()
}

/// The file's name without its directories, for titles.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_parse_as_names_lists_and_ranges() {
        assert_eq!(parse_columns("features"), Ok(ColumnChoice::Features));
        assert_eq!(parse_columns("all"), Ok(ColumnChoice::All));
        assert_eq!(parse_columns("1-3"), Ok(ColumnChoice::Indices(vec![1, 2, 3])));
        assert_eq!(parse_columns("0,2, 5"), Ok(ColumnChoice::Indices(vec![0, 2, 5])));
        assert_eq!(parse_columns("0-1,4"), Ok(ColumnChoice::Indices(vec![0, 1, 4])));
        assert_eq!(parse_columns("3-1"), Err("the range 3-1 runs backwards".to_owned()));
        assert!(parse_columns("x").unwrap_err().contains("'x' is not a column index"));
        assert!(parse_columns("1,").is_err());
    }

    #[test]
    fn suggested_numbers_are_short() {
        // 0.7 / 10 is 0.06999999999999999 in binary floating point.
        assert_eq!(round_number(0.7 / 10.0), "0.07");
        assert_eq!(round_number(1.0), "1");
        assert_eq!(round_number(1e300 / 10.0), "1e299");
        assert_eq!(round_number(1.2345e-7), "1.23e-7");
        assert_eq!(round_number(123456.0), "123000");
    }
}
