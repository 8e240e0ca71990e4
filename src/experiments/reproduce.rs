//! The lab report, reproduced: each of its experiments run twice, once with
//! the report's exact set-up and once with the set-up adlab recommends, over
//! several seeds, and written up as `REPORT.md` next to the figures.
//!
//! Nothing here trains or draws by itself. Each figure comes from the
//! experiment module's own `run` (the code behind the `factorise`,
//! `complete` and `mlp` bins), written into a sub-directory named after the
//! run; the spreads over seeds call the same library functions
//! (`factor::train`, `factor::complete`) without writing files. The same
//! settings give the same `REPORT.md`, byte for byte: it holds no timings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use factor::{Config, Diagnosis, LabExample, diagnose, truncated_svd};
use ndarray::Array2;
use serde::Serialize;

use super::complete::{CompleteSettings, DEFAULT_HOLDOUT, DEFAULT_L2, hide_and_scale};
use super::factorise::FactoriseSettings;
use super::mlp::{Evaluation, MlpSettings};
use super::{complete, factorise, gradcheck, mlp};
use crate::args::DataArgs;
use crate::cli::Failure;
use crate::output::OutputDir;

/// The residual `||A - U Vᵀ||_F` the lab report got by gradient descent.
pub const REPORT_RESIDUAL: f64 = 7.1619;

/// The truncated-SVD residual the lab report quoted.
pub const REPORT_SVD_RESIDUAL: f64 = 3.9024;

/// The validation accuracy the lab report got from one shuffle.
pub const REPORT_VALIDATION_ACCURACY: f64 = 0.92;

/// The rank of every factorisation in the report.
pub const RANK: usize = 2;

/// The report's set-up run for ten times its epochs: long enough to leave
/// the saddle.
pub const LONGER_EPOCHS: usize = 10_000;

/// The folds of the recommended MLP's cross-validation.
pub const FOLDS: usize = 5;

/// How many seeds a spread runs over unless told otherwise (the report's
/// MLP runs over twice as many, as in the issue that checks it).
pub const DEFAULT_SEEDS: usize = 10;

/// What a reproduction needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ReproduceSettings {
    /// The iris file.
    pub data: PathBuf,
    /// The first seed of every spread; the runs with figures use it.
    pub seed: u64,
    /// Seeds per spread (`seed`, `seed + 1`, ...); the report's MLP runs
    /// over twice as many.
    pub seeds: usize,
    /// Where `REPORT.md` and the figures go.
    pub out: PathBuf,
}

impl Default for ReproduceSettings {
    /// `datasets/iris.data`, seed 0, [`DEFAULT_SEEDS`] seeds, into `out/`.
    fn default() -> Self {
        ReproduceSettings {
            data: PathBuf::from("datasets/iris.data"),
            seed: 0,
            seeds: DEFAULT_SEEDS,
            out: PathBuf::from("out"),
        }
    }
}

impl ReproduceSettings {
    /// The seeds of a spread after the first: `seed + 1`, `seed + 2`, ...
    fn later_seeds(&self) -> Vec<u64> {
        (1..self.seeds as u64).map(|k| self.seed.wrapping_add(k)).collect()
    }

    /// `0–9` for the seeds of a spread of `count`.
    fn seed_span(&self, count: usize) -> String {
        let last = self.seed.wrapping_add(count as u64 - 1);
        if count == 1 {
            format!("{}", self.seed)
        } else {
            format!("{}–{last}", self.seed)
        }
    }

    fn data_args(&self) -> DataArgs {
        DataArgs {
            data: self.data.clone(),
            ..DataArgs::default()
        }
    }
}

/// A number measured over several runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// The first run's (the first seed's).
    pub first: f64,
    /// The mean over the runs.
    pub mean: f64,
    /// The lowest.
    pub min: f64,
    /// The highest.
    pub max: f64,
    /// How many runs.
    pub runs: usize,
}

impl Spread {
    /// The spread of `values`, the first one first.
    ///
    /// # Panics
    /// If `values` is empty.
    pub fn of(values: &[f64]) -> Spread {
        assert!(!values.is_empty(), "a spread of no values");
        Spread {
            first: values[0],
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            runs: values.len(),
        }
    }

    /// `mean 0.889 (0.820–0.940)` with `digits` decimals.
    fn mean_and_range(&self, digits: usize) -> String {
        format!(
            "mean {:.digits$} ({:.digits$}–{:.digits$})",
            self.mean, self.min, self.max
        )
    }
}

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
    fn words(&self) -> String {
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
}

/// One set-up of a completion problem, over several seeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompletionRuns {
    /// The settings, in words.
    pub set_up: String,
    /// The `complete` command that draws the first seed's run.
    pub command: String,
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

/// One line of the report's table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// What was measured.
    pub experiment: String,
    /// The lab report's number.
    pub the_report: String,
    /// adlab with the report's set-up.
    pub report_set_up: String,
    /// adlab with its recommended set-up.
    pub recommended: String,
    /// Why they differ, in a sentence or two.
    pub difference: String,
}

/// A figure and what it shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The SVG file, relative to the output directory.
    pub path: PathBuf,
    /// What it shows.
    pub caption: String,
}

/// Everything a reproduction measured and wrote; the bin's `--json` line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reproduction {
    /// The iris file.
    pub data: PathBuf,
    /// The first seed.
    pub seed: u64,
    /// Seeds per spread.
    pub seeds: usize,
    /// Experiment 1.
    pub factorisation: Factorisation,
    /// Experiment 2.
    pub completion: Completion,
    /// Experiment 3.
    pub mlp: Classification,
    /// The table of `REPORT.md`.
    pub rows: Vec<Row>,
    /// Every figure written.
    pub figures: Vec<Figure>,
    /// `REPORT.md`.
    pub report: PathBuf,
    /// Wall-clock seconds of the whole reproduction.
    pub seconds: f64,
}

/// Runs every experiment with both set-ups and writes `REPORT.md` and the
/// figures into `settings.out`.
///
/// # Errors
/// A bad `settings.seeds` (0), an unreadable data file, an unwritable
/// output directory, or a diverging run (whose curves are still written).
pub fn run(settings: &ReproduceSettings) -> Result<Reproduction, Failure> {
    if settings.seeds == 0 {
        return Err(Failure::new("the number of seeds must be at least 1"));
    }
    let start = Instant::now();
    let out = OutputDir::create(&settings.out)?;
    let factorisation = factorisation(settings)?;
    let completion = completion(settings)?;
    let mlp = classification(settings)?;
    let sweep_figure = eps_sweep(settings)?;

    let mut reproduction = Reproduction {
        data: settings.data.clone(),
        seed: settings.seed,
        seeds: settings.seeds,
        factorisation,
        completion,
        mlp,
        rows: Vec::new(),
        figures: Vec::new(),
        report: PathBuf::new(),
        seconds: 0.0,
    };
    reproduction.rows = rows(&reproduction, settings);
    reproduction.figures = figures(&reproduction, sweep_figure, &settings.out);
    reproduction.report = out.write("REPORT.md", markdown(&reproduction, settings).as_bytes())?;
    reproduction.seconds = start.elapsed().as_secs_f64();
    Ok(reproduction)
}

fn factorisation(settings: &ReproduceSettings) -> Result<Factorisation, Failure> {
    let a = settings.data_args().load()?;
    let levels = truncated_svd(&a, RANK)?.levels();
    let report = Config::lab_report(RANK);
    let report_command = "--loss norm --optimizer sgd --lr 0.01 --epochs 1000";
    let longer = Config {
        epochs: LONGER_EPOCHS,
        ..report
    };
    let runs = |config, name, set_up: &str, flags: &str| {
        factorisation_runs(settings, &a, &levels, config, name, set_up, flags)
    };
    Ok(Factorisation {
        svd_residual: levels[RANK],
        report: runs(
            report,
            "factorise-report",
            "the report's: ||A - U Vᵀ||_F, plain gradient descent, lr 0.01, 1000 epochs, U and V from U(0, 1)",
            report_command,
        )?,
        longer: runs(
            longer,
            "factorise-report-10000-epochs",
            "the report's, for 10,000 epochs",
            "--loss norm --optimizer sgd --lr 0.01 --epochs 10000",
        )?,
        recommended: runs(
            Config::new(RANK),
            "factorise-recommended",
            "adlab's: ||A - U Vᵀ||²_F, Adam, lr 0.1, 1000 epochs, U and V from U(0, 1)",
            "",
        )?,
        levels,
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
    flags: &str,
) -> Result<FactorisationRuns, Failure> {
    let first = factorise::run(&FactoriseSettings {
        data: settings.data_args(),
        config: Config {
            seed: settings.seed,
            ..config
        },
        out: settings.out.join(name),
    })?;
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
        command: command("factorise", flags, settings, name),
        residual: Spread::of(&residuals),
        verdicts,
        diagnosis: first.diagnosis,
        figure: first.svg,
    })
}

/// `cargo run --release --bin NAME -- FLAGS --seed S --out OUT/SUBDIR`.
fn command(bin: &str, flags: &str, settings: &ReproduceSettings, name: &str) -> String {
    let mut text = format!("cargo run --release --bin {bin} --");
    for part in [
        flags.to_owned(),
        data_flag(settings),
        format!("--seed {}", settings.seed),
    ] {
        if !part.is_empty() {
            text.push(' ');
            text.push_str(&part);
        }
    }
    let _ = write!(text, " --out {}", settings.out.join(name).display());
    text
}

/// `--data PATH` when the data file is not the default one.
fn data_flag(settings: &ReproduceSettings) -> String {
    if settings.data == ReproduceSettings::default().data {
        String::new()
    } else {
        format!("--data {}", settings.data.display())
    }
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

fn completion(settings: &ReproduceSettings) -> Result<Completion, Failure> {
    let report = Config::lab_report(RANK);
    let iris = settings.data_args().read_for(&report)?.matrix;
    let report_set_up = "the report's loss and optimiser over the observed entries: \
                         ||M ⊙ (A - U Vᵀ)||_F, plain gradient descent, lr 0.01, 1000 epochs, rank 2, no penalty";
    let report_flags = "--loss norm --optimizer sgd --lr 0.01 --epochs 1000 --l2 0";
    let example_recommended = Config::new(1);
    let iris_recommended = Config {
        l2: DEFAULT_L2,
        ..Config::new(RANK)
    };
    let runs = |problem, config, name, set_up: &str, flags: &str| {
        completion_runs(settings, problem, config, name, set_up, flags)
    };
    Ok(Completion {
        example_report: runs(
            Problem::Example,
            report,
            "complete-example-report",
            report_set_up,
            &format!("--example {report_flags}"),
        )?,
        example_recommended: runs(
            Problem::Example,
            example_recommended,
            "complete-example-recommended",
            "rank 1 (6 numbers for 7 observed entries), ||M ⊙ (A - U Vᵀ)||²_F, Adam, lr 0.1, 1000 epochs, no penalty",
            "--example --rank 1 --l2 0",
        )?,
        iris_report: runs(
            Problem::Iris(&iris),
            report,
            "complete-iris-report",
            report_set_up,
            report_flags,
        )?,
        iris_recommended: runs(
            Problem::Iris(&iris),
            iris_recommended,
            "complete-iris-recommended",
            "adlab's: ||M ⊙ (A - U Vᵀ)||²_F + 0.5 (||U||²_F + ||V||²_F), Adam, lr 0.1, 1000 epochs, rank 2",
            "",
        )?,
    })
}

/// The first seed through the `complete` experiment (with its figure), the
/// other seeds through `factor::complete`.
fn completion_runs(
    settings: &ReproduceSettings,
    problem: Problem<'_>,
    config: Config,
    name: &str,
    set_up: &str,
    flags: &str,
) -> Result<CompletionRuns, Failure> {
    let first = complete::run(&CompleteSettings {
        data: settings.data_args(),
        config: Config {
            seed: settings.seed,
            ..config
        },
        example: matches!(problem, Problem::Example),
        out: settings.out.join(name),
        ..CompleteSettings::default()
    })?;
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
        let result = factor::complete(&a, &mask, &Config { seed, ..config })?;
        heldout.push(held_out(result.heldout_rmse)?);
        observed.push(result.observed_rmse);
        baseline.push(held_out(result.baseline_rmse)?);
    }
    Ok(CompletionRuns {
        set_up: set_up.to_owned(),
        command: command("complete", flags, settings, name),
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

fn classification(settings: &ReproduceSettings) -> Result<Classification, Failure> {
    let report_seeds = 2 * settings.seeds;
    Ok(Classification {
        report: mlp_runs(
            settings,
            MlpSettings::report(),
            report_seeds,
            "mlp-report",
            "the report's: 4-12-3, plain SGD, lr 0.01, batches of 16, 100 epochs, \
             columns divided by their variance, 50 rows validated",
            "--report-config",
        )?,
        recommended: mlp_runs(
            settings,
            MlpSettings::recommended(),
            settings.seeds,
            "mlp-recommended",
            "adlab's: 4-32-3, Adam, lr 0.01, batches of 16, 100 epochs, \
             columns divided by their standard deviation, 50 rows validated",
            "",
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
            "--folds 5",
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
    flags: &str,
) -> Result<MlpRuns, Failure> {
    let mut train = base.train.clone();
    train.seed = settings.seed;
    let outcome = mlp::run(&MlpSettings {
        data: settings.data.clone(),
        train,
        seeds,
        out: settings.out.join(name),
        ..base
    })?;
    let accuracies: Vec<f64> = outcome.runs.iter().map(|r| r.validation_accuracy).collect();
    let flags = match seeds {
        1 => flags.to_owned(),
        n => format!("{flags} --seeds {n}").trim_start().to_owned(),
    };
    Ok(MlpRuns {
        set_up: set_up.to_owned(),
        command: command("mlp", &flags, settings, name),
        validation_accuracy: Spread::of(&accuracies),
        figure: outcome.files.svg,
    })
}

/// The eps sweep of chapter 1, through the `gradcheck` experiment.
fn eps_sweep(settings: &ReproduceSettings) -> Result<PathBuf, Failure> {
    let mut summary = gradcheck::sweep(settings.seed)?;
    gradcheck::write_sweep(&mut summary, &OutputDir::create(settings.out.join("gradcheck-sweep"))?)?;
    Ok(summary.svg.unwrap_or_default())
}

/// `1.06x better` or `1.02x worse` than a baseline error.
fn against(error: f64, baseline: f64) -> String {
    if error <= baseline {
        format!("{:.2}x better", baseline / error)
    } else {
        format!("{:.2}x worse", error / baseline)
    }
}

/// `6 of 10`.
fn of(count: usize, total: usize) -> String {
    format!("{count} of {total}")
}

fn rows(r: &Reproduction, settings: &ReproduceSettings) -> Vec<Row> {
    let f = &r.factorisation;
    let seeds = settings.seed_span(settings.seeds);
    let n = settings.seeds;
    let factorisation = Row {
        experiment: "1. Factorisation of centred iris (150 x 4), rank 2: ||A - U Vᵀ||_F".to_owned(),
        the_report: format!("{REPORT_RESIDUAL:.4} (SVD: {REPORT_SVD_RESIDUAL:.4})"),
        report_set_up: format!(
            "{:.4} (SVD: {:.4}); seeds {seeds}: {}",
            f.report.residual.first,
            f.svd_residual,
            f.report.verdicts.words()
        ),
        recommended: format!(
            "{:.4}; seeds {seeds}: {}",
            f.recommended.residual.first,
            f.recommended.verdicts.words()
        ),
        difference: format!(
            "The report's \"local optimum\" is the rank-1 saddle: the best rank-1 residual is {:.4}, and \
             {} seeds sit on it after 1000 epochs (the last digits depend on the initial draw). It is no \
             minimum: the same gradient descent run for 10,000 epochs leaves it and ends at the bound in {} \
             seeds; Adam on the squared norm gets there in 1000 epochs in {}.",
            f.levels[RANK - 1],
            of(f.report.verdicts.on_rank_one_saddle, n),
            of(f.longer.verdicts.at_bound, n),
            of(f.recommended.verdicts.at_bound, n),
        ),
    };
    let svd = Row {
        experiment: "1. The truncated SVD's residual (the Eckart-Young bound)".to_owned(),
        the_report: format!("{REPORT_SVD_RESIDUAL:.4}"),
        report_set_up: format!("{:.4}", f.svd_residual),
        recommended: format!("{:.4}", f.svd_residual),
        difference: "None: the same matrix and the same theorem; gradient descent is judged against it.".to_owned(),
    };

    let c = &r.completion;
    let (er, ec) = (&c.example_report, &c.example_recommended);
    let example = Row {
        experiment: "2. Completion of the report's 3 x 3 example, entries (1, 0) and (2, 1) hidden: held-out RMSE"
            .to_owned(),
        the_report: "not reported".to_owned(),
        report_set_up: format!(
            "{:.4} (column means: {:.4}); seeds {seeds}: {}",
            er.heldout_rmse.first,
            er.baseline_rmse.first,
            er.heldout_rmse.mean_and_range(4)
        ),
        recommended: format!(
            "{:.4}; seeds {seeds}: {}",
            ec.heldout_rmse.first,
            ec.heldout_rmse.mean_and_range(4)
        ),
        difference: format!(
            "At rank 2, U Vᵀ has 8 degrees of freedom for 7 observed entries: it fits them closely \
             (observed RMSE {:.4}) and guesses the hidden ones {} than column means, as the start \
             dictates. Rank 1 has 5, fewer than the data, and guesses {} (means over the seeds).",
            er.observed_rmse.mean,
            against(er.heldout_rmse.mean, er.baseline_rmse.mean),
            against(ec.heldout_rmse.mean, ec.baseline_rmse.mean),
        ),
    };
    let (ir, ic) = (&c.iris_report, &c.iris_recommended);
    let iris = Row {
        experiment: "2. Completion of iris with 20% of its entries held out (columns centred on the observed entries): held-out RMSE".to_owned(),
        the_report: "not reported".to_owned(),
        report_set_up: format!(
            "{:.4} (column means: {:.4}); seeds {seeds}: {}",
            ir.heldout_rmse.first,
            ir.baseline_rmse.first,
            ir.heldout_rmse.mean_and_range(4)
        ),
        recommended: format!(
            "{:.4}; seeds {seeds}: {}",
            ic.heldout_rmse.first,
            ic.heldout_rmse.mean_and_range(4)
        ),
        difference: format!(
            "Without a penalty, only stopping after 1000 slow epochs keeps the report's set-up from fitting \
             the observed entries too closely; adlab's L2 penalty (λ = {DEFAULT_L2}) regularises on purpose \
             and Adam runs to convergence. Over the seeds, the report's set-up guesses {} than column means, \
             adlab's {}.",
            against(ir.heldout_rmse.mean, ir.baseline_rmse.mean),
            against(ic.heldout_rmse.mean, ic.baseline_rmse.mean),
        ),
    };

    let m = &r.mlp;
    let (report, recommended, folds) = (
        &m.report.validation_accuracy,
        &m.recommended.validation_accuracy,
        &m.recommended_folds.validation_accuracy,
    );
    let inside = if (report.min..=report.max).contains(&REPORT_VALIDATION_ACCURACY) {
        "inside"
    } else {
        "outside"
    };
    let mlp = Row {
        experiment: "3. MLP on iris: validation accuracy".to_owned(),
        the_report: format!("{REPORT_VALIDATION_ACCURACY:.2} (one shuffle)"),
        report_set_up: format!(
            "{:.2}; seeds {}: {}",
            report.first,
            settings.seed_span(report.runs),
            report.mean_and_range(3)
        ),
        recommended: format!(
            "{:.2}; seeds {seeds}: {}; {FOLDS}-fold, seeds {seeds}: mean {:.3}",
            recommended.first,
            recommended.mean_and_range(3),
            folds.mean
        ),
        difference: format!(
            "{REPORT_VALIDATION_ACCURACY:.2} was one draw of 50 validation rows, where one flower is 0.02: \
             the same set-up over {} shuffles spans {:.2}–{:.2}, {inside} which it lies. A wider hidden \
             layer, Adam and columns divided by their standard deviation (not their variance) add {:+.3} \
             to the mean, mostly through Adam: the report's 700 small SGD steps under-train \
             (docs/07-mlp-on-iris.md). Cross-validation, which validates every row, agrees ({:.3}).",
            report.runs,
            report.min,
            report.max,
            recommended.mean - report.mean,
            folds.mean,
        ),
    };
    vec![factorisation, svd, example, iris, mlp]
}

fn figures(r: &Reproduction, sweep: PathBuf, out: &Path) -> Vec<Figure> {
    let f = &r.factorisation;
    let c = &r.completion;
    let m = &r.mlp;
    let figure = |path: &Path, caption: &str| Figure {
        path: path.strip_prefix(out).unwrap_or(path).to_path_buf(),
        caption: caption.to_owned(),
    };
    vec![
        figure(
            &f.report.figure,
            "1. The report's factorisation: the residual falls to the rank-1 level and stays there.",
        ),
        figure(
            &f.longer.figure,
            "1. The same for 10,000 epochs: after the plateau, it leaves the saddle for the SVD bound.",
        ),
        figure(
            &f.recommended.figure,
            "1. adlab's factorisation: Adam on the squared norm reaches the bound.",
        ),
        figure(
            &c.example_report.figure,
            "2. The 3 x 3 example, the report's set-up: loss on the 7 observed entries.",
        ),
        figure(
            &c.example_recommended.figure,
            "2. The 3 x 3 example at rank 1: loss on the 7 observed entries.",
        ),
        figure(
            &c.iris_report.figure,
            "2. Iris with 20% held out, the report's set-up: loss on the observed entries.",
        ),
        figure(
            &c.iris_recommended.figure,
            "2. Iris with 20% held out, adlab's set-up: loss (with the L2 penalty) on the observed entries.",
        ),
        figure(
            &m.report.figure,
            "3. The report's MLP, first seed: training loss, then training and validation accuracy.",
        ),
        figure(
            &m.recommended.figure,
            "3. adlab's MLP, first seed: training loss, then training and validation accuracy.",
        ),
        figure(
            &m.recommended_folds.figure,
            "3. adlab's MLP, first seed, first of 5 folds.",
        ),
        figure(
            &sweep,
            "The central-difference error against its step (chapter 1): why every gradient here can be \
             checked to about 1e-10.",
        ),
    ]
}

/// `|` would end a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn markdown(r: &Reproduction, settings: &ReproduceSettings) -> String {
    let mut text = String::new();
    let mut flags = vec![data_flag(settings), format!("--seed {}", settings.seed)];
    if settings.seeds != DEFAULT_SEEDS {
        flags.push(format!("--seeds {}", settings.seeds));
    }
    flags.push(format!("--out {}", settings.out.display()));
    flags.retain(|flag| !flag.is_empty());
    let _ = writeln!(text, "# The lab report, reproduced by adlab\n");
    let _ = writeln!(
        text,
        "Written by `cargo run --release --bin reproduce -- {}`; the same command writes the same file. \
         Every experiment of the lab report ran twice: with the report's exact set-up, and with the set-up \
         adlab recommends. Each number is the run with seed {} first, then its spread over seeds {} ({} for \
         the report's MLP). Data: `{}`.\n",
        flags.join(" "),
        settings.seed,
        settings.seed_span(settings.seeds),
        settings.seed_span(2 * settings.seeds),
        settings.data.display(),
    );
    let _ = writeln!(
        text,
        "| experiment | the report | adlab, the report's set-up | adlab, recommended | the difference |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|");
    for row in &r.rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} |",
            cell(&row.experiment),
            cell(&row.the_report),
            cell(&row.report_set_up),
            cell(&row.recommended),
            cell(&row.difference)
        );
    }

    let f = &r.factorisation;
    let _ = writeln!(text, "\n## 1. Factorisation: why the report's run stopped at 7.16\n");
    let levels: Vec<String> = f.levels.iter().map(|l| format!("{l:.4}")).collect();
    let _ = writeln!(
        text,
        "The best residual at rank 0, 1, 2, 3, 4 (from the singular values): {}. A run that stalls on a \
         lower rank's level sits on a saddle point: matrix factorisation has no spurious local minima. \
         `docs/05-factorisation.md` explains why plain gradient descent from U(0, 1) lingers there.\n",
        levels.join(", ")
    );
    for runs in [&f.report, &f.longer, &f.recommended] {
        let _ = writeln!(
            text,
            "- **{}.** Seed {}: {}. Over the seeds: {}, residual {}.  \n  `{}`",
            runs.set_up,
            settings.seed,
            runs.diagnosis,
            runs.verdicts.words(),
            runs.residual.mean_and_range(4),
            runs.command
        );
    }

    let c = &r.completion;
    let _ = writeln!(text, "\n## 2. Masked factorisation (matrix completion)\n");
    let _ = writeln!(
        text,
        "The loss counts the observed entries only (a 0/1 mask M on the tape); the error is measured on \
         the hidden ones, against predicting each column's observed mean. The report gave no number for \
         this experiment.\n"
    );
    for (problem, runs) in [
        ("3 x 3 example", &c.example_report),
        ("3 x 3 example", &c.example_recommended),
        ("iris, 20% held out", &c.iris_report),
        ("iris, 20% held out", &c.iris_recommended),
    ] {
        let _ = writeln!(
            text,
            "- **{problem}, {}.** Held-out RMSE: {}. Observed: {}. Column-mean baseline: {}.  \n  `{}`",
            runs.set_up,
            runs.heldout_rmse.mean_and_range(4),
            runs.observed_rmse.mean_and_range(4),
            runs.baseline_rmse.mean_and_range(4),
            runs.command
        );
    }

    let m = &r.mlp;
    let _ = writeln!(text, "\n## 3. The MLP on iris: how much one split lies\n");
    for runs in [&m.report, &m.recommended, &m.recommended_folds] {
        let _ = writeln!(
            text,
            "- **{}.** Validation accuracy over {} runs: {}.  \n  `{}`",
            runs.set_up,
            runs.validation_accuracy.runs,
            runs.validation_accuracy.mean_and_range(3),
            runs.command
        );
    }

    let _ = writeln!(text, "\n## Figures\n");
    for figure in &r.figures {
        let path = figure.path.display().to_string().replace('\\', "/");
        let _ = writeln!(text, "- [{path}]({path}): {}", figure.caption);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_keeps_the_first_value_and_the_extremes() {
        // mean of 3, 1, 2 is 2.
        let spread = Spread::of(&[3.0, 1.0, 2.0]);
        assert_eq!(
            spread,
            Spread {
                first: 3.0,
                mean: 2.0,
                min: 1.0,
                max: 3.0,
                runs: 3
            }
        );
        assert_eq!(spread.mean_and_range(2), "mean 2.00 (1.00–3.00)");
    }

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

    #[test]
    fn comparisons_with_a_baseline_say_which_way() {
        assert_eq!(against(0.5, 1.0), "2.00x better");
        assert_eq!(against(1.1, 1.0), "1.10x worse");
    }

    #[test]
    fn commands_name_the_bin_the_seed_and_the_directory() {
        let settings = ReproduceSettings {
            seed: 3,
            out: PathBuf::from("docs/figures"),
            ..ReproduceSettings::default()
        };
        assert_eq!(
            command("factorise", "--loss norm", &settings, "factorise-report"),
            "cargo run --release --bin factorise -- --loss norm --seed 3 --out docs/figures/factorise-report"
        );
        assert_eq!(
            command("mlp", "", &settings, "mlp-recommended"),
            "cargo run --release --bin mlp -- --seed 3 --out docs/figures/mlp-recommended"
        );
        assert_eq!(settings.seed_span(10), "3–12");
    }
}
