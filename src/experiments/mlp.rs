//! Experiment 4 of the lab report: a multi-layer perceptron on iris (and on
//! any labelled CSV file), trained through the engine.
//!
//! One run shuffles and splits the rows (seeded), standardises the columns
//! with means and scales fitted on the training rows only, trains, and
//! measures the accuracy on both parts. Repeating over seeds (`seeds`) or
//! over the folds of a k-fold split (`folds`) shows how much one split's
//! accuracy owes to luck: the lab report's 0.92 came from a single draw.

use std::path::PathBuf;

use autograd::optim::OptimizerKind;
use data::{Labelled, Layout, Scale, Split, SplitSize, Standardiser};
use mlp::{ConfusionMatrix, Examples, FirstStep, History, MlpError, TrainConfig, Trained};
use serde::Serialize;

use super::curves::{CurveFiles, divergence_hint, file_name};
use super::trace::TrainingStep;
use crate::args::{LayoutSummary, ReadArgs, read_failure};
use crate::cli::Failure;
use crate::output::OutputDir;
use crate::plot::{Chart, stacked_svg};

/// The data set used when none is given.
pub const DEFAULT_DATA: &str = "datasets/iris.data";

/// The validation share used when none is given: one third, which for
/// iris's 150 rows is the report's 50.
pub const DEFAULT_VALIDATION: SplitSize = SplitSize::Fraction(1.0 / 3.0);

/// How the rows are divided between training and validation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Evaluation {
    /// One seeded train/validation split per seed.
    Holdout(SplitSize),
    /// k-fold cross-validation: k runs per seed, each validating on one fold.
    Folds(usize),
}

/// Everything an MLP experiment needs.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpSettings {
    /// The labelled CSV file.
    pub data: PathBuf,
    /// How it is read, and where the labels are (detected unless given).
    pub read: ReadArgs,
    /// What the columns are divided by after centring.
    pub scale: Scale,
    /// The network and its training; `train.seed` is the first seed.
    pub train: TrainConfig,
    /// Hold-out split or k folds.
    pub evaluation: Evaluation,
    /// How many seeds to run: `train.seed`, `train.seed + 1`, ...
    pub seeds: usize,
    /// Where the CSV and SVG files go.
    pub out: PathBuf,
}

impl MlpSettings {
    /// This project's recommended set-up, measured on iris, wine and digits:
    /// one hidden layer of 32 units, Adam with learning rate 0.01, minibatches
    /// of 16, 100 epochs, columns standardised by their standard deviation,
    /// one third of the rows held out.
    pub fn recommended() -> Self {
        MlpSettings {
            data: PathBuf::from(DEFAULT_DATA),
            read: ReadArgs::default(),
            scale: Scale::StdDev,
            train: TrainConfig {
                hidden: vec![32],
                epochs: 100,
                batch_size: 16,
                learning_rate: 0.01,
                optimizer: OptimizerKind::Adam,
                seed: 0,
            },
            evaluation: Evaluation::Holdout(DEFAULT_VALIDATION),
            seeds: 1,
            out: PathBuf::from("out"),
        }
    }

    /// The lab report's set-up: 4-12-3 with ReLU, plain SGD with learning
    /// rate 0.01, minibatches of 16, 100 epochs, columns divided by their
    /// variance (as its code did), 50 rows held out.
    pub fn report() -> Self {
        MlpSettings {
            scale: Scale::Variance,
            train: TrainConfig::report(),
            evaluation: Evaluation::Holdout(SplitSize::Count(50)),
            ..Self::recommended()
        }
    }
}

impl Default for MlpSettings {
    /// [`MlpSettings::recommended`].
    fn default() -> Self {
        Self::recommended()
    }
}

/// The outcome of one training run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// The seed of its split (or folds), initial weights and shuffles.
    pub seed: u64,
    /// The fold validated on, counted from 1 (k-fold runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fold: Option<usize>,
    /// Training rows.
    pub train_rows: usize,
    /// Validation rows.
    pub validation_rows: usize,
    /// Accuracy on the training rows after the last epoch.
    pub train_accuracy: f64,
    /// Accuracy on the validation rows after the last epoch.
    pub validation_accuracy: f64,
    /// The last epoch's mean training loss.
    pub final_loss: f64,
    /// Seconds in the training steps (shuffle, forward, backward, update),
    /// the figure to compare with another framework's time per step.
    pub seconds: f64,
    /// Seconds spent measuring the accuracies after each epoch.
    pub evaluation_seconds: f64,
}

impl RunSummary {
    /// `seed 3` or `seed 3, fold 2`.
    pub fn name(&self) -> String {
        run_name(self.seed, self.fold)
    }
}

/// What an MLP experiment found.
#[derive(Clone, Debug)]
pub struct MlpOutcome {
    /// The settings it ran with.
    pub settings: MlpSettings,
    /// How the file was read.
    pub layout: Layout,
    /// `first` or `last`: the column the labels came from.
    pub label_column: &'static str,
    /// The class names, in label order.
    pub classes: Vec<String>,
    /// Rows in the data set.
    pub rows: usize,
    /// Features per row.
    pub features: usize,
    /// Every run, in order (seed by seed, fold by fold).
    pub runs: Vec<RunSummary>,
    /// The first run's per-epoch record (the one written and drawn).
    pub history: History,
    /// Validation confusion matrix, summed over the runs.
    pub confusion: ConfusionMatrix,
    /// The first run's curve files.
    pub files: CurveFiles,
    /// The table of runs, when there was more than one.
    pub runs_csv: Option<PathBuf>,
}

/// The `--json` line of the `mlp` bin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MlpSummary {
    /// The data file.
    pub data: String,
    /// How the file was read: its delimiter, header and index column.
    pub layout: LayoutSummary,
    /// `first` or `last`: the column the labels came from.
    pub label_column: &'static str,
    /// Rows in the data set.
    pub rows: usize,
    /// Features per row.
    pub features: usize,
    /// Class names.
    pub classes: Vec<String>,
    /// Layer sizes, inputs to classes.
    pub layers: Vec<usize>,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: &'static str,
    /// Learning rate.
    pub lr: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Epochs per run.
    pub epochs: usize,
    /// `stddev` or `variance`.
    pub scale: &'static str,
    /// The number of seeds.
    pub seeds: usize,
    /// The number of folds, for k-fold cross-validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// The first run, the one written and drawn: its seed (the first seed),
    /// rows, accuracies, final loss and seconds, as top-level fields.
    #[serde(flatten)]
    pub first_run: RunSummary,
    /// Seconds in the training loops of all the runs.
    pub total_seconds: f64,
    /// The mean validation accuracy over the runs (several runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_validation_accuracy: Option<f64>,
    /// The lowest (several runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_validation_accuracy: Option<f64>,
    /// The highest (several runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_validation_accuracy: Option<f64>,
    /// Every run (several runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<RunSummary>>,
    /// The per-epoch table of the first run.
    pub csv: PathBuf,
    /// Its figure.
    pub svg: PathBuf,
}

/// Mean, lowest and highest of some accuracies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The lowest.
    pub min: f64,
    /// The highest.
    pub max: f64,
}

impl MlpOutcome {
    /// The validation accuracies' mean, lowest and highest over the runs.
    pub fn spread(&self) -> Spread {
        let accuracies = self.runs.iter().map(|r| r.validation_accuracy);
        Spread {
            mean: accuracies.clone().sum::<f64>() / self.runs.len() as f64,
            min: accuracies.clone().fold(f64::INFINITY, f64::min),
            max: accuracies.fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Whether there was more than one run.
    pub fn repeated(&self) -> bool {
        self.runs.len() > 1
    }

    /// The `--json` line.
    pub fn summary(&self) -> MlpSummary {
        let settings = &self.settings;
        let config = &settings.train;
        let spread = self.repeated().then(|| self.spread());
        MlpSummary {
            data: settings.data.display().to_string(),
            layout: LayoutSummary::from(&self.layout),
            label_column: self.label_column,
            rows: self.rows,
            features: self.features,
            classes: self.classes.clone(),
            layers: config.sizes(self.features, self.classes.len()),
            optimizer: config.optimizer.name(),
            lr: config.learning_rate,
            batch: config.batch_size,
            epochs: config.epochs,
            scale: scale_name(settings.scale),
            seeds: settings.seeds,
            folds: match settings.evaluation {
                Evaluation::Folds(k) => Some(k),
                Evaluation::Holdout(_) => None,
            },
            first_run: self.runs[0].clone(),
            total_seconds: self.runs.iter().map(|r| r.seconds).sum(),
            mean_validation_accuracy: spread.map(|s| s.mean),
            min_validation_accuracy: spread.map(|s| s.min),
            max_validation_accuracy: spread.map(|s| s.max),
            runs: self.repeated().then(|| self.runs.clone()),
            csv: self.files.csv.clone(),
            svg: self.files.svg.clone(),
        }
    }
}

/// `stddev`, `variance` or `none`.
pub fn scale_name(scale: Scale) -> &'static str {
    match scale {
        Scale::StdDev => "stddev",
        Scale::Variance => "variance",
        Scale::CentreOnly => "none",
    }
}

/// Loads the data, runs every seed (and fold), and writes into the output
/// directory `mlp_loss.csv` and `mlp_loss.svg` for the first run and, with
/// several runs, `mlp_runs.csv`.
///
/// A diverging run stops the experiment: its curves up to the divergence are
/// written instead, and the failure names the run, the epoch, the last
/// finite loss and the op the engine blames.
pub fn run(settings: &MlpSettings) -> Result<MlpOutcome, Failure> {
    if settings.seeds == 0 {
        return Err(Failure::new("the number of seeds must be at least 1"));
    }
    let (data, layout) = read(settings)?;
    // An impossible split fails before the output directory is touched.
    splits(settings, &data, settings.train.seed)?;
    let out = OutputDir::create(&settings.out)?;
    let several = settings.seeds > 1 || matches!(settings.evaluation, Evaluation::Folds(_));
    let mut runs = Vec::new();
    let mut confusion = ConfusionMatrix::new(data.num_classes());
    let mut first: Option<(History, CurveFiles)> = None;

    for seed in (0..settings.seeds as u64).map(|k| settings.train.seed.wrapping_add(k)) {
        for (fold, split) in splits(settings, &data, seed)? {
            let run = match train_one(settings, &data, &split, seed, fold) {
                Ok(run) => run,
                Err(MlpError::Diverged(divergence)) => {
                    let files = write_curves(&out, settings, &data, seed, &divergence.history)?;
                    let prefix = if several {
                        format!("{}: ", run_name(seed, fold))
                    } else {
                        String::new()
                    };
                    let csv = files.csv.display();
                    let saved = match divergence.history.epochs.len() {
                        0 => format!("no epoch finished, so {csv} holds only its header"),
                        1 => format!("the finished epoch 1 is in {csv}"),
                        n => format!("the finished epochs 1 to {n} are in {csv}"),
                    };
                    let config = &settings.train;
                    let hint = divergence_hint(config.learning_rate, config.optimizer, &saved);
                    return Err(Failure::new(format!("{prefix}{divergence}")).with_hint(hint));
                }
                Err(other) => return Err(other.into()),
            };
            confusion.add(&run.validation_labels, &run.validation_predictions);
            if first.is_none() {
                let files = write_curves(&out, settings, &data, seed, &run.trained.history)?;
                first = Some((run.trained.history, files));
            }
            runs.push(run.summary);
        }
    }

    let runs_csv = if runs.len() > 1 {
        Some(write_runs(&out, &runs)?)
    } else {
        None
    };
    let (history, files) = first.expect("settings.seeds >= 1, so at least one run");
    Ok(MlpOutcome {
        settings: settings.clone(),
        layout,
        label_column: data.label_column.name(),
        classes: data.classes.clone(),
        rows: data.len(),
        features: data.num_features(),
        runs,
        history,
        confusion,
        files,
        runs_csv,
    })
}

/// Reads the labelled data set as the settings say, and how the file was laid out.
fn read(settings: &MlpSettings) -> Result<(Labelled, Layout), Failure> {
    let loaded = data::read_labelled_with(&settings.data, settings.read.options(), settings.read.label_column)
        .map_err(read_failure)?;
    Ok((loaded.data, loaded.layout))
}

/// The splits one seed gives: one hold-out split, or k folds (numbered from
/// 1); an impossible split names the file.
fn splits(settings: &MlpSettings, data: &Labelled, seed: u64) -> Result<Vec<(Option<usize>, Split)>, Failure> {
    let splits = match settings.evaluation {
        Evaluation::Holdout(size) => {
            data::train_validation_split(data.len(), size, seed).map(|split| vec![(None, split)])
        }
        Evaluation::Folds(k) => data::k_folds(data.len(), k, seed).map(|folds| (1..).map(Some).zip(folds).collect()),
    };
    splits.map_err(|error| Failure::new(format!("{}: {error}", settings.data.display())))
}

/// The first minibatch step of the first run, and what it is.
pub struct FirstMinibatch {
    /// The step, as `mlp::train` takes it.
    pub step: FirstStep,
    /// One line saying what it is.
    pub description: String,
    /// How the data file was read.
    pub layout: Layout,
}

/// The first minibatch step of the first run, as `mlp::train` takes it
/// (same split and scaling, same initial weights, same shuffled first
/// batch). Fails as [`run`] fails on bad data or settings.
pub fn first_minibatch(settings: &MlpSettings) -> Result<FirstMinibatch, Failure> {
    let config = &settings.train;
    let (data, layout) = read(settings)?;
    let (fold, split) = splits(settings, &data, config.seed)?.swap_remove(0);
    let (training, _) = standardised(settings, &data, &split);
    let examples = Examples::new(&training.features, &training.labels);
    let first = FirstStep::new(config, examples, data.num_classes())?;
    let layers: Vec<String> = first.model.sizes().iter().map(usize::to_string).collect();
    let scaling = match settings.scale {
        Scale::StdDev => "standardised",
        Scale::Variance => "columns divided by their variance",
        Scale::CentreOnly => "columns centred",
    };
    let description = format!(
        "{} ({layout}), {}: epoch 1, step 1 of the {} MLP, a minibatch of {} of the {} training rows ({scaling}), \
         softmax cross-entropy",
        settings.data.display(),
        run_name(config.seed, fold),
        layers.join("-"),
        first.rows.len(),
        training.len()
    );
    Ok(FirstMinibatch {
        step: first,
        description,
        layout,
    })
}

/// The first minibatch step of the first run ([`first_minibatch`]), for
/// `--trace` and `--html`.
pub fn first_step(settings: &MlpSettings) -> Result<TrainingStep, Failure> {
    let FirstMinibatch { step, description, .. } = first_minibatch(settings)?;
    let title = "mlp: the first training step".to_owned();
    Ok(TrainingStep::network(title, description, step))
}

/// `seed 3` or `seed 3, fold 2`.
pub fn run_name(seed: u64, fold: Option<usize>) -> String {
    match fold {
        Some(fold) => format!("seed {seed}, fold {fold}"),
        None => format!("seed {seed}"),
    }
}

/// One trained run and its validation predictions.
struct OneRun {
    trained: Trained,
    summary: RunSummary,
    validation_labels: Vec<usize>,
    validation_predictions: Vec<usize>,
}

/// Standardises with the training rows' means and scales (the validation
/// rows never shape them), trains with this seed and measures both parts.
fn train_one(
    settings: &MlpSettings,
    data: &Labelled,
    split: &Split,
    seed: u64,
    fold: Option<usize>,
) -> Result<OneRun, MlpError> {
    let (training, validation) = standardised(settings, data, split);
    let config = TrainConfig {
        seed,
        ..settings.train.clone()
    };
    let trained = mlp::train(
        &config,
        Examples::new(&training.features, &training.labels),
        Some(Examples::new(&validation.features, &validation.labels)),
        data.num_classes(),
    )?;

    let last = *trained.history.last().expect("epochs >= 1, checked by train");
    let validation_predictions = trained.model.predict(&validation.features);
    let summary = RunSummary {
        seed,
        fold,
        train_rows: training.len(),
        validation_rows: validation.len(),
        train_accuracy: last.train_accuracy,
        validation_accuracy: mlp::accuracy(&validation.labels, &validation_predictions),
        final_loss: last.train_loss,
        seconds: trained.step_seconds,
        evaluation_seconds: trained.evaluation_seconds,
    };
    Ok(OneRun {
        trained,
        summary,
        validation_labels: validation.labels,
        validation_predictions,
    })
}

/// The training and validation rows of `split`, standardised with the
/// training rows' means and scales (the validation rows never shape them).
fn standardised(settings: &MlpSettings, data: &Labelled, split: &Split) -> (Labelled, Labelled) {
    let (mut training, mut validation) = (data.select(&split.train), data.select(&split.validation));
    let standardiser = Standardiser::fit(&training.features, settings.scale);
    standardiser.apply(&mut training.features);
    standardiser.apply(&mut validation.features);
    (training, validation)
}

/// Writes `mlp_loss.csv` (epoch, train_loss, train_accuracy,
/// validation_accuracy) and `mlp_loss.svg` (training loss above, accuracies
/// below) for the history of the run with this seed.
fn write_curves(
    out: &OutputDir,
    settings: &MlpSettings,
    data: &Labelled,
    seed: u64,
    history: &History,
) -> Result<CurveFiles, Failure> {
    let records = &history.epochs;
    let rows: Vec<[f64; 4]> = records
        .iter()
        .map(|r| {
            let validation = r.validation_accuracy.unwrap_or(f64::NAN);
            [r.epoch as f64, r.train_loss, r.train_accuracy, validation]
        })
        .collect();
    let header = ["epoch", "train_loss", "train_accuracy", "validation_accuracy"];
    let csv = out.write_csv("mlp_loss.csv", &header, &rows)?;

    let config = &settings.train;
    let layers: Vec<String> = config
        .sizes(data.num_features(), data.num_classes())
        .iter()
        .map(usize::to_string)
        .collect();
    let title = format!(
        "{}, seed {}: {} MLP, {} lr {}, batch {}",
        file_name(&settings.data),
        seed,
        layers.join("-"),
        config.optimizer,
        config.learning_rate,
        config.batch_size
    );
    let points = |value: fn(&mlp::EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
        records
            .iter()
            .filter_map(|r| Some((r.epoch as f64, value(r)?)))
            .collect()
    };
    let loss = Chart::new(
        format!("{title}: training loss"),
        "epoch",
        "mean cross-entropy (log scale)",
    )
    .series("training loss", points(|r| Some(r.train_loss)))
    .log_y();
    let accuracy = Chart::new("accuracy after each epoch", "epoch", "accuracy")
        .series("validation", points(|r| r.validation_accuracy))
        .series("training", points(|r| Some(r.train_accuracy)));
    let svg = out.write("mlp_loss.svg", stacked_svg(&[loss, accuracy])?.as_bytes())?;
    Ok(CurveFiles { csv, svg })
}

/// Writes `mlp_runs.csv`: one line per run (fold 0 for a hold-out split).
fn write_runs(out: &OutputDir, runs: &[RunSummary]) -> Result<PathBuf, Failure> {
    let header = [
        "seed",
        "fold",
        "train_rows",
        "validation_rows",
        "train_accuracy",
        "validation_accuracy",
        "final_loss",
        "seconds",
        "evaluation_seconds",
    ];
    let rows: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            vec![
                r.seed as f64,
                r.fold.map_or(0.0, |f| f as f64),
                r.train_rows as f64,
                r.validation_rows as f64,
                r.train_accuracy,
                r.validation_accuracy,
                r.final_loss,
                r.seconds,
                r.evaluation_seconds,
            ]
        })
        .collect();
    Ok(out.write_csv("mlp_runs.csv", &header, &rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_preset_is_the_lab_reports_set_up() {
        let report = MlpSettings::report();
        assert_eq!(report.train.hidden, vec![12]);
        assert_eq!((report.train.epochs, report.train.batch_size), (100, 16));
        assert_eq!(
            (report.train.learning_rate, report.train.optimizer),
            (0.01, OptimizerKind::Sgd)
        );
        assert_eq!(report.scale, Scale::Variance);
        assert_eq!(report.evaluation, Evaluation::Holdout(SplitSize::Count(50)));
        assert_eq!(report.data, PathBuf::from(DEFAULT_DATA));
    }

    #[test]
    fn validation_rows_never_shape_the_scaling_of_the_training_rows() {
        // Two files alike but for an outlier in one validation row of seed
        // 0's split: everything training sees (the training rows, scaled
        // with their own means and deviations) is bit for bit the same, so
        // is every epoch's training loss and accuracy. Were the scaling
        // fitted on all rows, the outlier would shift every training row.
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<[f64; 2]> = (0..24).map(|k| [k as f64 * 0.3 + 0.1, (k % 5) as f64 * 0.7]).collect();
        let label = |k: usize| ["a", "b", "c"][k % 3];
        let split = data::train_validation_split(rows.len(), SplitSize::Count(6), 0).unwrap();
        let write = |name: &str, outlier: Option<usize>| {
            let text: String = rows
                .iter()
                .enumerate()
                .map(|(k, row)| {
                    let first = if outlier == Some(k) { 1e6 } else { row[0] };
                    format!("{first},{},{}\n", row[1], label(k))
                })
                .collect();
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let run_on = |data: PathBuf| {
            let settings = MlpSettings {
                data,
                train: TrainConfig {
                    epochs: 5,
                    ..MlpSettings::recommended().train
                },
                evaluation: Evaluation::Holdout(SplitSize::Count(6)),
                out: dir.path().join("out"),
                ..MlpSettings::recommended()
            };
            run(&settings).unwrap()
        };
        let honest = run_on(write("honest.csv", None));
        let tampered = run_on(write("tampered.csv", Some(split.validation[0])));
        let training = |outcome: &MlpOutcome| -> Vec<(u64, u64)> {
            let epochs = &outcome.history.epochs;
            epochs
                .iter()
                .map(|e| (e.train_loss.to_bits(), e.train_accuracy.to_bits()))
                .collect()
        };
        assert_eq!(training(&tampered), training(&honest));
        assert_eq!(
            tampered.runs[0].final_loss.to_bits(),
            honest.runs[0].final_loss.to_bits()
        );
    }

    #[test]
    fn k_folds_validate_every_row_once_and_runs_are_seeded() {
        // 12 rows of two classes, one feature: 4 folds of 3 per seed.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("line.csv");
        let rows: String = (0..12).map(|k| format!("{}.5,{}\n", k, usize::from(k >= 6))).collect();
        std::fs::write(&data, rows).unwrap();
        let settings = MlpSettings {
            data,
            train: TrainConfig {
                epochs: 3,
                ..MlpSettings::recommended().train
            },
            evaluation: Evaluation::Folds(4),
            seeds: 2,
            out: dir.path().join("out"),
            ..MlpSettings::recommended()
        };
        let outcome = run(&settings).unwrap();
        assert_eq!(outcome.runs.len(), 8);
        assert_eq!(outcome.confusion.total(), 2 * 12);
        assert!(outcome.runs.iter().all(|r| (r.train_rows, r.validation_rows) == (9, 3)));
        assert_eq!(outcome.history.epochs.len(), 3);
        let summary = outcome.summary();
        assert_eq!((summary.folds, summary.runs.as_ref().map(Vec::len)), (Some(4), Some(8)));
        let again = run(&settings).unwrap();
        let accuracies = |o: &MlpOutcome| o.runs.iter().map(|r| r.validation_accuracy).collect::<Vec<_>>();
        assert_eq!(accuracies(&outcome), accuracies(&again));
        assert_eq!(outcome.history, again.history);
    }
}
