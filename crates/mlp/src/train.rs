//! Minibatch training: one recorded forward pass and one backward sweep per step.

use std::time::{Duration, Instant};

use autograd::optim::OptimizerKind;
use autograd::{Gradients, Tape, Var, all_finite, is_direct_product};
use ndarray::{ArcArray2, Array2, ArrayViewMut2, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{Divergence, MlpError, NonFinite};
use crate::history::{EpochRecord, History};
use crate::metrics::accuracy;
use crate::model::{Mlp, parameter_name};

/// The settings of a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Sizes of the hidden layers, input side first (empty: softmax regression).
    pub hidden: Vec<usize>,
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per minibatch; the last batch of an epoch keeps the remainder.
    pub batch_size: usize,
    /// The optimiser's learning rate.
    pub learning_rate: f64,
    /// Which optimiser updates the parameters.
    pub optimizer: OptimizerKind,
    /// Seeds the initial weights and then each epoch's shuffle.
    pub seed: u64,
}

impl TrainConfig {
    /// The lab report's set-up: one hidden layer of 12 units, 100 epochs,
    /// minibatches of 16, plain SGD with learning rate 0.01.
    pub fn report() -> Self {
        TrainConfig {
            hidden: vec![12],
            epochs: 100,
            batch_size: 16,
            learning_rate: 0.01,
            optimizer: OptimizerKind::Sgd,
            seed: 0,
        }
    }

    /// Checks every setting, naming the first bad one.
    pub fn validate(&self) -> Result<(), MlpError> {
        if let Some(position) = self.hidden.iter().position(|&n| n == 0) {
            return Err(MlpError::EmptyHiddenLayer {
                layer: position + 1,
                hidden: self.hidden.clone(),
            });
        }
        if self.epochs == 0 {
            return Err(MlpError::ZeroEpochs);
        }
        if self.batch_size == 0 {
            return Err(MlpError::ZeroBatchSize);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(MlpError::LearningRate(self.learning_rate));
        }
        Ok(())
    }

    /// The layer sizes of the network for `inputs` features and `classes` classes.
    pub fn sizes(&self, inputs: usize, classes: usize) -> Vec<usize> {
        let mut sizes = vec![inputs];
        sizes.extend(&self.hidden);
        sizes.push(classes);
        sizes
    }
}

impl Default for TrainConfig {
    /// The report's set-up ([`TrainConfig::report`]).
    fn default() -> Self {
        Self::report()
    }
}

/// A set of examples: one feature row and one class label per example.
#[derive(Clone, Copy, Debug)]
pub struct Examples<'a> {
    /// n x d.
    pub features: &'a Array2<f64>,
    /// n labels in `0..classes`.
    pub labels: &'a [usize],
}

impl<'a> Examples<'a> {
    /// Pairs features with labels (checked when training starts).
    pub fn new(features: &'a Array2<f64>, labels: &'a [usize]) -> Self {
        Examples { features, labels }
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Checks that the set is non-empty, has one label per row, `inputs`
    /// feature columns, and labels below `classes`.
    fn check(&self, set: &'static str, inputs: usize, classes: usize) -> Result<(), MlpError> {
        let rows = self.features.nrows();
        if rows != self.labels.len() {
            return Err(MlpError::LabelCount {
                set,
                rows,
                labels: self.labels.len(),
            });
        }
        if rows == 0 {
            return Err(MlpError::EmptySet(set));
        }
        if self.features.ncols() != inputs {
            return Err(MlpError::FeatureCount {
                set,
                found: self.features.ncols(),
                expected: inputs,
            });
        }
        match self.labels.iter().enumerate().find(|(_, label)| **label >= classes) {
            Some((row, &label)) => Err(MlpError::LabelOutOfRange {
                set,
                row,
                label,
                classes,
            }),
            None => Ok(()),
        }
    }
}

/// A trained network, its history and where the time went.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The network after the last epoch.
    pub model: Mlp,
    /// The per-epoch record.
    pub history: History,
    /// Wall-clock seconds of the optimisation steps (shuffling, recording
    /// the loss, the backward sweep, the update), over all epochs.
    pub step_seconds: f64,
    /// Wall-clock seconds spent measuring the accuracies after each epoch.
    pub evaluation_seconds: f64,
}

/// The feature rows and labels of one minibatch, in the order of its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Minibatch {
    /// m x d.
    pub features: Array2<f64>,
    /// m labels.
    pub labels: Vec<usize>,
}

impl Minibatch {
    /// The examples at the indices `rows`, in that order.
    ///
    /// # Panics
    /// If an index is not below `examples.len()`.
    pub fn gather(examples: Examples<'_>, rows: &[usize]) -> Self {
        Minibatch {
            features: gather_rows(examples.features, rows),
            labels: rows.iter().map(|&row| examples.labels[row]).collect(),
        }
    }

    /// Records a training step on `tape`, as [`train`] records each one:
    /// the features as a constant (`#0`, not copied), then the
    /// model's parameters and its loss ([`Mlp::record_loss`]). Returns the
    /// 1 x 1 loss and the parameter vars in the order of [`Mlp::parameters`].
    ///
    /// # Panics
    /// As [`Mlp::record_loss`].
    pub fn record<'t>(self, tape: &'t Tape, model: &Mlp) -> (Var<'t>, Vec<Var<'t>>) {
        let features = tape.constant(self.features);
        model.record_loss(tape, features, &self.labels)
    }
}

/// The first minibatch step of [`train`] with the same config, training set
/// and classes: the network `train` draws, and the first minibatch of its
/// first shuffle.
///
/// [`FirstStep::record`] records it as `train` records every step, so its
/// loss and gradients are those of training's first step, to the last bit:
/// the bins' `--trace` and the `tape` bin show it, and cannot drift from
/// what is trained.
///
/// ```
/// use autograd::Tape;
/// use mlp::{Examples, FirstStep, TrainConfig, train};
/// use ndarray::array;
///
/// let features = array![[-2.0], [-1.0], [1.0], [2.0]];
/// let labels = [0, 0, 1, 1];
/// let config = TrainConfig { hidden: vec![3], epochs: 1, batch_size: 4, ..TrainConfig::default() };
/// let first = FirstStep::new(&config, Examples::new(&features, &labels), 2).unwrap();
/// let tape = Tape::new();
/// let (loss, _) = first.record(&tape);
/// // One batch of all four rows: epoch 1's loss is the first step's.
/// let trained = train(&config, Examples::new(&features, &labels), None, 2).unwrap();
/// assert_eq!(trained.history.epochs[0].train_loss, loss.item());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FirstStep {
    /// The network before any update.
    pub model: Mlp,
    /// The training rows of the first minibatch, in the shuffled order.
    pub rows: Vec<usize>,
    /// Their features and labels.
    pub batch: Minibatch,
}

impl FirstStep {
    /// Checks the settings and the training set as [`train`] does, draws
    /// the network, shuffles the rows for epoch 1 and takes its first
    /// minibatch.
    ///
    /// # Errors
    /// A bad setting or training set, as [`train`] reports it.
    pub fn new(config: &TrainConfig, training: Examples<'_>, classes: usize) -> Result<Self, MlpError> {
        let Start { model, mut rng } = Start::new(config, training, classes)?;
        let mut order = all_rows(training);
        order.shuffle(&mut rng);
        let rows = minibatches(&order, config)
            .next()
            .expect("a checked training set has a row")
            .to_vec();
        let batch = Minibatch::gather(training, &rows);
        Ok(FirstStep { model, rows, batch })
    }

    /// Records the step on `tape` ([`Minibatch::record`]): returns the loss
    /// and the parameter vars in the order of [`Mlp::parameters`].
    pub fn record<'t>(&self, tape: &'t Tape) -> (Var<'t>, Vec<Var<'t>>) {
        self.batch.clone().record(tape, &self.model)
    }
}

/// What training starts from: the network, and the generator that drew its
/// weights and goes on to shuffle the rows of every epoch.
struct Start {
    model: Mlp,
    rng: StdRng,
}

impl Start {
    /// Checks the settings and the training set, then draws the network.
    fn new(config: &TrainConfig, training: Examples<'_>, classes: usize) -> Result<Start, MlpError> {
        config.validate()?;
        let inputs = training.features.ncols();
        training.check("training", inputs, classes)?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let model = Mlp::with_rng(&config.sizes(inputs, classes), &mut rng)?;
        Ok(Start { model, rng })
    }
}

/// The indices of every training row, in file order (each epoch shuffles them).
fn all_rows(training: Examples<'_>) -> Vec<usize> {
    (0..training.len()).collect()
}

/// An epoch's minibatches: its order of rows in chunks of the batch size
/// (the last one keeps the remainder).
fn minibatches<'o>(order: &'o [usize], config: &TrainConfig) -> std::slice::Chunks<'o, usize> {
    order.chunks(config.batch_size)
}

/// Trains a network with `config.hidden` hidden layers to put `training`
/// into `classes` classes, measuring `validation` (if given) after each epoch.
///
/// Each epoch shuffles the training rows (seeded) and walks them in
/// minibatches. Each step clears one reused tape, records the loss of the
/// current parameters as [`Minibatch::record`] does (with the minibatch in
/// buffers reused from step to step), sweeps backward, and lets the
/// optimiser update the parameters from those gradients. [`FirstStep`] is
/// its first step. After each epoch the accuracies on the training and
/// validation rows are measured from rows copied once before the first
/// epoch, in one forward pass over both when their products stay small
/// (see `EvaluationRows`).
///
/// A non-finite loss or gradient stops the run with [`MlpError::Diverged`],
/// which carries the history so far and the engine's anomaly report.
pub fn train(
    config: &TrainConfig,
    training: Examples<'_>,
    validation: Option<Examples<'_>>,
    classes: usize,
) -> Result<Trained, MlpError> {
    train_observed(config, training, validation, classes, |_, _| {})
}

/// [`train`], handing each step's loss and gradients (in the order of
/// [`Mlp::parameters`]) to `observe` before the update.
fn train_observed(
    config: &TrainConfig,
    training: Examples<'_>,
    validation: Option<Examples<'_>>,
    classes: usize,
    mut observe: impl FnMut(f64, &[&Array2<f64>]),
) -> Result<Trained, MlpError> {
    let Start { mut model, mut rng } = Start::new(config, training, classes)?;
    if let Some(validation) = validation {
        validation.check("validation", model.inputs(), classes)?;
    }
    let mut optimizer = config.optimizer.build(config.learning_rate);
    let mut history = History::default();
    let mut last_finite_loss = None;
    let mut order = all_rows(training);
    let mut tape = Tape::new();
    let mut grads = Gradients::new();
    let mut batch = BatchBuffers::new(config.batch_size.min(training.len()), model.inputs());
    let evaluation = EvaluationRows::new(&model, training, validation);
    let mut evaluation_tape = Tape::new();

    let (mut step_time, mut evaluation_time) = (Duration::ZERO, Duration::ZERO);
    for epoch in 1..=config.epochs {
        let steps_started = Instant::now();
        order.shuffle(&mut rng);
        let mut weighted_loss = 0.0;
        for (step, rows) in minibatches(&order, config).enumerate() {
            tape.clear();
            let (features, labels) = batch.gather(training, rows);
            let (loss, parameters) = model.record_loss(&tape, tape.constant(features), labels);
            let value = loss.item();
            let diverged = |what, anomaly, history: &History| {
                MlpError::Diverged(Box::new(Divergence {
                    epoch,
                    step: step + 1,
                    what,
                    last_finite_loss,
                    history: history.clone(),
                    anomaly,
                }))
            };
            if !value.is_finite() {
                return Err(diverged(
                    NonFinite::Loss(value),
                    tape.first_non_finite_value(),
                    &history,
                ));
            }
            tape.backward_into(loss, &mut grads);
            let gradients: Vec<&Array2<f64>> = parameters.iter().map(|&p| &grads[p]).collect();
            if let Some(k) = gradients.iter().position(|g| !all_finite(g.view())) {
                let anomaly = tape.first_non_finite_gradient(loss);
                return Err(diverged(NonFinite::Gradient(parameter_name(k)), anomaly, &history));
            }
            observe(value, &gradients);
            optimizer.step(&mut model.parameters_mut(), &gradients);
            weighted_loss += value * rows.len() as f64;
            last_finite_loss = Some(value);
            history.steps += 1;
        }
        step_time += steps_started.elapsed();
        let evaluation_started = Instant::now();
        let (train_accuracy, validation_accuracy) = evaluation.accuracies(&model, &mut evaluation_tape);
        history.epochs.push(EpochRecord {
            epoch,
            train_loss: weighted_loss / training.len() as f64,
            train_accuracy,
            validation_accuracy,
        });
        evaluation_time += evaluation_started.elapsed();
    }
    Ok(Trained {
        model,
        history,
        step_seconds: step_time.as_secs_f64(),
        evaluation_seconds: evaluation_time.as_secs_f64(),
    })
}

/// The rows whose accuracy is measured after every epoch, shared with the
/// evaluation tape (row-major copies made once, not one per epoch). The
/// training and validation rows are stacked into one matrix, so that one
/// forward pass measures both, when every product of that pass stays
/// small enough for the engine's direct product
/// ([`is_direct_product`](autograd::is_direct_product)), as it is for each
/// set alone: a row's logits are then the same bits whichever rows are
/// beside it. Otherwise each set is its own pass, as the larger products
/// may take `matrixmultiply`, whose sums can round differently.
struct EvaluationRows<'a> {
    /// One matrix per forward pass: the stacked rows, or the training
    /// rows then the validation rows.
    passes: Vec<ArcArray2<f64>>,
    training: Examples<'a>,
    validation: Option<Examples<'a>>,
}

impl<'a> EvaluationRows<'a> {
    fn new(model: &Mlp, training: Examples<'a>, validation: Option<Examples<'a>>) -> Self {
        let row_major = |features: &Array2<f64>| features.as_standard_layout().into_owned();
        let rows = training.len() + validation.map_or(0, |v| v.len());
        let stays_direct = model
            .layers()
            .iter()
            .all(|layer| is_direct_product(rows, layer.fan_in(), layer.fan_out()));
        let passes = match validation {
            Some(v) if stays_direct => {
                // Appended below a row-major copy, which stays row-major:
                // one copy of each row.
                let mut stacked = row_major(training.features);
                stacked
                    .append(Axis(0), v.features.view())
                    .expect("checked sets have the same columns");
                vec![stacked]
            }
            Some(v) => vec![row_major(training.features), row_major(v.features)],
            None => vec![row_major(training.features)],
        };
        let passes = passes.into_iter().map(Array2::into_shared).collect();
        EvaluationRows {
            passes,
            training,
            validation,
        }
    }

    /// The model's accuracy on the training rows and on the validation rows.
    fn accuracies(&self, model: &Mlp, tape: &mut Tape) -> (f64, Option<f64>) {
        let mut predictions = Vec::with_capacity(self.passes.iter().map(|rows| rows.nrows()).sum());
        for features in &self.passes {
            predictions.extend(model.predict_on(tape, features));
        }
        let (on_training, on_validation) = predictions.split_at(self.training.len());
        let validation = self.validation.map(|v| accuracy(v.labels, on_validation));
        (accuracy(self.training.labels, on_training), validation)
    }
}

/// The rows of `features` at the indices `rows`, in that order (what
/// ndarray's `select` does, several times faster for a small batch).
fn gather_rows(features: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    let mut batch = Array2::zeros((rows.len(), features.ncols()));
    gather_rows_into(features, rows, batch.view_mut());
    batch
}

/// Writes the rows of `features` at the indices `rows` into `batch`'s rows.
fn gather_rows_into(features: &Array2<f64>, rows: &[usize], mut batch: ArrayViewMut2<'_, f64>) {
    let cols = features.ncols();
    match (features.as_slice(), batch.as_slice_mut()) {
        // Row-major features: each row is a slice to copy.
        (Some(all), Some(out)) if cols > 0 => {
            for (out, &row) in out.chunks_exact_mut(cols).zip(rows) {
                out.copy_from_slice(&all[row * cols..(row + 1) * cols]);
            }
        }
        _ => {
            for (mut out, &row) in batch.rows_mut().into_iter().zip(rows) {
                out.assign(&features.row(row));
            }
        }
    }
}

/// The features and labels of the step's minibatch, in buffers that every
/// step reuses: the tape shares the features (an [`ArcArray2`]) rather
/// than taking them, so once the tape is cleared they are the loop's alone
/// again, and the next batch is written over them without allocating.
/// Two feature buffers: one for full batches, one for an epoch's shorter
/// last batch.
struct BatchBuffers {
    full: ArcArray2<f64>,
    last: ArcArray2<f64>,
    labels: Vec<usize>,
}

impl BatchBuffers {
    fn new(batch_size: usize, inputs: usize) -> Self {
        BatchBuffers {
            full: Array2::zeros((batch_size, inputs)).into_shared(),
            last: Array2::zeros((0, inputs)).into_shared(),
            labels: Vec::with_capacity(batch_size),
        }
    }

    /// Gathers the examples at `rows` ([`Minibatch::gather`] without the
    /// allocations); returns the features and labels.
    fn gather(&mut self, examples: Examples<'_>, rows: &[usize]) -> (&ArcArray2<f64>, &[usize]) {
        let features = if rows.len() == self.full.nrows() {
            &mut self.full
        } else {
            if rows.len() != self.last.nrows() {
                self.last = Array2::zeros((rows.len(), self.last.ncols())).into_shared();
            }
            &mut self.last
        };
        // The caller cleared the tape, so nobody else holds the buffer and
        // `view_mut` copies nothing (were it still shared, it would copy,
        // and the tape would keep the old rows, never see the new ones).
        debug_assert!(features.is_unique(), "the tape still holds the last batch");
        gather_rows_into(examples.features, rows, features.view_mut());
        self.labels.clear();
        self.labels.extend(rows.iter().map(|&row| examples.labels[row]));
        (features, &self.labels)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    /// Three well-separated clusters in the plane, `per_class` points each.
    fn clusters(per_class: usize) -> (Array2<f64>, Vec<usize>) {
        let centres = [(-3.0, 0.0), (3.0, 0.0), (0.0, 4.0)];
        let mut features = Array2::zeros((3 * per_class, 2));
        let mut labels = Vec::new();
        for (class, (x, y)) in centres.iter().enumerate() {
            for k in 0..per_class {
                // A small deterministic spread around the centre.
                let angle = k as f64 * 2.4;
                let row = class * per_class + k;
                features[[row, 0]] = x + 0.5 * angle.cos();
                features[[row, 1]] = y + 0.5 * angle.sin();
                labels.push(class);
            }
        }
        (features, labels)
    }

    fn quick_config() -> TrainConfig {
        TrainConfig {
            hidden: vec![5],
            epochs: 30,
            batch_size: 4,
            learning_rate: 0.05,
            optimizer: OptimizerKind::Adam,
            seed: 3,
        }
    }

    #[test]
    fn learns_separable_clusters() {
        let (features, labels) = clusters(10);
        let data = Examples::new(&features, &labels);
        let trained = train(&quick_config(), data, Some(data), 3).unwrap();
        let history = &trained.history;
        assert_eq!(history.epochs.len(), 30);
        assert!(history.epochs[29].train_loss < history.epochs[0].train_loss / 4.0);
        assert_eq!(history.last().unwrap().train_accuracy, 1.0);
        assert_eq!(history.last().unwrap().validation_accuracy, Some(1.0));
        assert_eq!(trained.model.predict(&features), labels);
    }

    #[test]
    fn validation_is_measured_on_the_validation_rows() {
        // The same points labelled one class further round (c -> c + 1 mod
        // 3): where the network is right on a training row it is wrong on
        // its validation twin, so after every epoch the two accuracies sum
        // to at most 1, and the validation accuracy is the trained model's
        // on the validation rows, 0 once training fits every row.
        let (features, labels) = clusters(10);
        let shifted: Vec<usize> = labels.iter().map(|&label| (label + 1) % 3).collect();
        let training = Examples::new(&features, &labels);
        let validation = Examples::new(&features, &shifted);
        let trained = train(&quick_config(), training, Some(validation), 3).unwrap();
        for record in &trained.history.epochs {
            let validation_accuracy = record.validation_accuracy.unwrap();
            assert!(record.train_accuracy + validation_accuracy <= 1.0, "{record:?}");
        }
        let last = trained.history.last().unwrap();
        assert_eq!(last.train_accuracy, 1.0);
        assert_eq!(
            last.validation_accuracy,
            Some(trained.model.accuracy(&features, &shifted))
        );
        assert_eq!(last.validation_accuracy, Some(0.0));
    }

    #[test]
    fn the_same_seed_gives_bitwise_the_same_run() {
        let (features, labels) = clusters(7);
        let data = Examples::new(&features, &labels);
        for optimizer in OptimizerKind::ALL {
            let config = TrainConfig {
                optimizer,
                ..quick_config()
            };
            let first = train(&config, data, Some(data), 3).unwrap();
            let second = train(&config, data, Some(data), 3).unwrap();
            // PartialEq on f64 is bitwise equality here: no NaN is involved.
            assert_eq!(
                (&first.model, &first.history),
                (&second.model, &second.history),
                "{optimizer}"
            );
            let other_seed = TrainConfig { seed: 4, ..config };
            assert_ne!(first.history, train(&other_seed, data, None, 3).unwrap().history);
        }
    }

    #[test]
    fn the_last_short_batch_is_kept() {
        // 21 examples in batches of 4: 5 full batches and one of 1, so 6
        // steps per epoch and 18 over 3 epochs.
        let (features, labels) = clusters(7);
        let config = TrainConfig {
            epochs: 3,
            ..quick_config()
        };
        let trained = train(&config, Examples::new(&features, &labels), None, 3).unwrap();
        assert_eq!(trained.history.steps, 18);
        // One batch of all 21: one step per epoch.
        let whole = TrainConfig {
            batch_size: 64,
            ..config
        };
        assert_eq!(
            train(&whole, Examples::new(&features, &labels), None, 3)
                .unwrap()
                .history
                .steps,
            3
        );
    }

    #[test]
    fn the_first_step_is_the_first_step_training_takes() {
        // 21 rows in batches of 4: the first step sees 4 shuffled rows. What
        // FirstStep records must be what train differentiates first: the
        // same loss and the same gradients, to the last bit.
        let (features, labels) = clusters(7);
        let data = Examples::new(&features, &labels);
        for optimizer in OptimizerKind::ALL {
            for seed in 0..3 {
                let config = TrainConfig {
                    optimizer,
                    seed,
                    epochs: 1,
                    ..quick_config()
                };
                let mut trained_first: Option<(f64, Vec<Array2<f64>>)> = None;
                train_observed(&config, data, None, 3, |loss, gradients| {
                    trained_first.get_or_insert_with(|| (loss, gradients.iter().map(|&g| g.clone()).collect()));
                })
                .unwrap();
                let (trained_loss, trained_gradients) = trained_first.unwrap();

                let first = FirstStep::new(&config, data, 3).unwrap();
                assert_eq!(first.rows.len(), 4);
                let tape = Tape::new();
                let (loss, parameters) = first.record(&tape);
                let grads = tape.backward(loss);
                assert_eq!(
                    loss.item().to_bits(),
                    trained_loss.to_bits(),
                    "{optimizer}, seed {seed}"
                );
                let traced: Vec<Array2<f64>> = parameters.iter().map(|&p| grads[p].clone()).collect();
                // PartialEq on f64 is bitwise equality here: no NaN is involved.
                assert_eq!(traced, trained_gradients, "{optimizer}, seed {seed}");
            }
        }
    }

    #[test]
    fn every_step_is_what_minibatch_record_records() {
        // train writes its minibatches into reused buffers; replaying the
        // same shuffles through Minibatch::gather and Minibatch::record,
        // one fresh tape per step, must give every step's loss and
        // gradients to the last bit: 21 rows in batches of 4 (five full
        // batches and a short one of 1) over three epochs, so both buffers
        // are reused across epochs.
        let (features, labels) = clusters(7);
        let data = Examples::new(&features, &labels);
        let config = TrainConfig {
            epochs: 3,
            optimizer: OptimizerKind::Sgd,
            ..quick_config()
        };
        let mut trained = Vec::new();
        train_observed(&config, data, None, 3, |loss, gradients| {
            trained.push((loss, gradients.iter().map(|&g| g.clone()).collect::<Vec<_>>()));
        })
        .unwrap();

        let Start { mut model, mut rng } = Start::new(&config, data, 3).unwrap();
        let mut optimizer = config.optimizer.build(config.learning_rate);
        let mut order = all_rows(data);
        let mut replayed = Vec::new();
        for _ in 0..config.epochs {
            order.shuffle(&mut rng);
            for rows in minibatches(&order, &config) {
                let tape = Tape::new();
                let (loss, parameters) = Minibatch::gather(data, rows).record(&tape, &model);
                let grads = tape.backward(loss);
                let gradients: Vec<Array2<f64>> = parameters.iter().map(|&p| grads[p].clone()).collect();
                optimizer.step(&mut model.parameters_mut(), &gradients.iter().collect::<Vec<_>>());
                replayed.push((loss.item(), gradients));
            }
        }
        assert_eq!(trained.len(), 3 * 6);
        for (step, (trained, replayed)) in trained.iter().zip(&replayed).enumerate() {
            assert_eq!(trained.0.to_bits(), replayed.0.to_bits(), "step {step}");
            // PartialEq on f64 is bitwise equality here: no NaN is involved.
            assert_eq!(trained.1, replayed.1, "step {step}");
        }
    }

    #[test]
    fn stacked_and_separate_evaluations_agree() {
        // The report's sizes stack (one pass); 300 inputs do not (the first
        // product of 30 stacked rows would pass DIRECT_PRODUCT_LIMIT). Either
        // way, the accuracies are those of Mlp::accuracy on each set.
        for inputs in [4, 300] {
            let rows_of = |rows: std::ops::Range<usize>| {
                Array2::from_shape_fn((rows.len(), inputs), |(i, j)| {
                    ((rows.start + i) * 7 + j * 3) as f64 % 11.0 - 5.0
                })
            };
            let labels: Vec<usize> = (0..30).map(|i| i % 2).collect();
            // The training rows column-major: the passes must be row-major
            // copies all the same.
            let training = rows_of(0..20)
                .reversed_axes()
                .as_standard_layout()
                .into_owned()
                .reversed_axes();
            let validation = rows_of(20..30);
            let model = Mlp::new(&[inputs, 2], 0).unwrap();
            let rows = EvaluationRows::new(
                &model,
                Examples::new(&training, &labels[..20]),
                Some(Examples::new(&validation, &labels[20..])),
            );
            assert_eq!(rows.passes.len(), if inputs == 4 { 1 } else { 2 }, "{inputs} inputs");
            assert!(rows.passes.iter().all(|p| p.is_standard_layout()), "{inputs} inputs");
            assert!(!training.is_standard_layout());
            let (on_training, on_validation) = rows.accuracies(&model, &mut Tape::new());
            assert_eq!(on_training, model.accuracy(&training, &labels[..20]), "{inputs} inputs");
            assert_eq!(
                on_validation,
                Some(model.accuracy(&validation, &labels[20..])),
                "{inputs} inputs"
            );
        }
    }

    #[test]
    fn one_full_batch_sgd_step_follows_the_tape_gradient() {
        // With one batch holding every example, epoch 1's loss is the first
        // step's, and the trained network is the initial one moved by -lr
        // times the tape's gradient.
        let (features, labels) = clusters(2);
        let config = TrainConfig {
            epochs: 1,
            batch_size: 6,
            optimizer: OptimizerKind::Sgd,
            learning_rate: 0.5,
            ..quick_config()
        };
        let data = Examples::new(&features, &labels);
        let trained = train(&config, data, None, 3).unwrap();

        let first = FirstStep::new(&config, data, 3).unwrap();
        let mut rows = first.rows.clone();
        rows.sort_unstable();
        assert_eq!(rows, (0..6).collect::<Vec<_>>(), "the whole set, shuffled");
        let tape = Tape::new();
        let (loss, parameters) = first.record(&tape);
        assert_eq!(trained.history.epochs[0].train_loss, loss.item());
        let grads = tape.backward(loss);
        let mut initial = first.model.clone();
        for (param, var) in initial.parameters_mut().into_iter().zip(&parameters) {
            param.scaled_add(-0.5, &grads[*var]);
        }
        assert_eq!(trained.model, initial);
    }

    #[test]
    fn invalid_configs_and_data_are_errors() {
        let (features, labels) = clusters(2);
        let data = Examples::new(&features, &labels);
        let run = |config: TrainConfig| train(&config, data, None, 3).unwrap_err().to_string();
        let base = quick_config;
        assert_eq!(
            run(TrainConfig {
                hidden: vec![8, 0],
                ..base()
            }),
            "hidden layer 2 of [8, 0] has size 0; every layer needs at least one unit"
        );
        assert_eq!(
            run(TrainConfig { epochs: 0, ..base() }),
            "the number of epochs must be at least 1"
        );
        assert_eq!(
            run(TrainConfig {
                batch_size: 0,
                ..base()
            }),
            "the batch size must be at least 1"
        );
        for lr in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let message = run(TrainConfig {
                learning_rate: lr,
                ..base()
            });
            assert!(
                message.starts_with("the learning rate must be finite and greater than 0"),
                "{message}"
            );
        }
        let error = |training: Examples<'_>, validation, classes| {
            train(&base(), training, validation, classes).unwrap_err().to_string()
        };
        assert_eq!(
            error(data, None, 2),
            "the training set has label 2 at row 4, out of range for 2 classes"
        );
        assert_eq!(
            error(Examples::new(&features, &labels[1..]), None, 3),
            "the training set has 6 rows of features but 5 labels"
        );
        let empty = Array2::zeros((0, 2));
        assert_eq!(error(Examples::new(&empty, &[]), None, 3), "the training set is empty");
        let narrow = array![[1.0], [2.0]];
        assert_eq!(
            error(data, Some(Examples::new(&narrow, &[0, 1])), 3),
            "the validation set has 1 feature columns but the network takes 2"
        );
    }

    #[test]
    fn divergence_stops_with_the_history_and_the_anomaly() {
        // A learning rate of 1e300 moves the weights to about 1e299 in the
        // first step (still finite); in the second step the output layer's
        // matmul multiplies hidden units of that size by weights of that size
        // and overflows. Its node is #8: x, W1, b1, W2, b2 (#0..#4), then
        // matmul, add_bias, relu (#5..#7).
        let (features, labels) = clusters(4);
        let config = TrainConfig {
            optimizer: OptimizerKind::Sgd,
            learning_rate: 1e300,
            batch_size: 6,
            ..quick_config()
        };
        let data = Examples::new(&features, &labels);
        let MlpError::Diverged(divergence) = train(&config, data, Some(data), 3).unwrap_err() else {
            panic!("expected a divergence");
        };
        assert_eq!((divergence.epoch, divergence.step), (1, 2));
        assert!(divergence.last_finite_loss.unwrap().is_finite());
        assert!(divergence.history.epochs.is_empty());
        assert_eq!(divergence.history.steps, 1);
        let anomaly = divergence.anomaly.as_ref().unwrap();
        assert_eq!((anomaly.op.as_str(), anomaly.node.index()), ("matmul", 8), "{anomaly}");
        let message = divergence.to_string();
        assert!(
            message.starts_with("training diverged in epoch 1, step 2: the loss is"),
            "{message}"
        );
        assert!(
            message.contains("first non-finite value from matmul (node #8"),
            "{message}"
        );

        // Infinite data: the anomaly names the constant the features came in.
        let mut bad = features.clone();
        bad[[3, 1]] = f64::INFINITY;
        let error = train(&quick_config(), Examples::new(&bad, &labels), None, 3).unwrap_err();
        let MlpError::Diverged(divergence) = error else {
            panic!()
        };
        assert_eq!(divergence.anomaly.unwrap().op, "constant");
    }
}
