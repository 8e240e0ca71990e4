//! What can go wrong: a bad configuration or data shape, or a diverging run.

use std::fmt;

use autograd::Anomaly;
use thiserror::Error;

use crate::history::History;

/// Every error of this crate; `Display` is one line.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum MlpError {
    /// Fewer than two layer sizes.
    #[error("a network needs at least an input and an output layer, got sizes {0:?}")]
    TooFewLayers(Vec<usize>),
    /// A layer of size 0.
    #[error("layer {layer} of {sizes:?} has size 0; every layer needs at least one unit")]
    EmptyLayer {
        /// Its position in `sizes` (0 = the inputs).
        layer: usize,
        /// All layer sizes.
        sizes: Vec<usize>,
    },
    /// A hidden layer of size 0 in a training configuration.
    #[error("hidden layer {layer} of {hidden:?} has size 0; every layer needs at least one unit")]
    EmptyHiddenLayer {
        /// The hidden layer, counted from 1.
        layer: usize,
        /// All hidden sizes.
        hidden: Vec<usize>,
    },
    /// Layers whose shapes do not chain.
    #[error(
        "layer {layer} has weight {weight:?} and bias {bias:?}; \
         expected a weight with {expected_fan_in} rows and a 1 x {} bias", .weight.1
    )]
    LayerShapes {
        /// The layer, counted from 1.
        layer: usize,
        /// The weight's shape.
        weight: (usize, usize),
        /// The bias's shape.
        bias: (usize, usize),
        /// The previous layer's fan-out.
        expected_fan_in: usize,
    },
    /// A batch size of 0.
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
    /// Zero epochs.
    #[error("the number of epochs must be at least 1")]
    ZeroEpochs,
    /// A learning rate that is not a finite positive number.
    #[error("the learning rate must be finite and greater than 0, got {0}")]
    LearningRate(f64),
    /// A set with no examples.
    #[error("the {0} set is empty")]
    EmptySet(&'static str),
    /// Features and labels of different lengths.
    #[error("the {set} set has {rows} rows of features but {labels} labels")]
    LabelCount {
        /// `"training"` or `"validation"`.
        set: &'static str,
        /// Rows of the feature matrix.
        rows: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A feature matrix whose width does not match the network's inputs.
    #[error("the {set} set has {found} feature columns but the network takes {expected}")]
    FeatureCount {
        /// `"training"` or `"validation"`.
        set: &'static str,
        /// Columns found.
        found: usize,
        /// Columns expected.
        expected: usize,
    },
    /// A label outside `0..classes`.
    #[error("the {set} set has label {label} at row {row}, out of range for {classes} classes")]
    LabelOutOfRange {
        /// `"training"` or `"validation"`.
        set: &'static str,
        /// The row, counted from 0.
        row: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// The loss or a gradient stopped being finite.
    #[error("{0}")]
    Diverged(Box<Divergence>),
}

/// What stopped being finite.
#[derive(Clone, Debug, PartialEq)]
pub enum NonFinite {
    /// The minibatch loss, with its value (NaN or ±inf).
    Loss(f64),
    /// The gradient of the parameter of this name (`W1`, `b1`, `W2`, ...;
    /// see [`crate::parameter_name`]).
    Gradient(String),
}

/// A training run that diverged, with what it had done until then.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The epoch it happened in, counted from 1.
    pub epoch: usize,
    /// The minibatch step within that epoch, counted from 1.
    pub step: usize,
    /// The loss or the gradient that was not finite.
    pub what: NonFinite,
    /// The last finite minibatch loss, if any step got that far.
    pub last_finite_loss: Option<f64>,
    /// The epochs completed before the divergence.
    pub history: History,
    /// The op that produced the first non-finite value (forward) or
    /// gradient (backward), from the engine's anomaly detection.
    pub anomaly: Option<Anomaly>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "training diverged in epoch {}, step {}: ", self.epoch, self.step)?;
        match &self.what {
            NonFinite::Loss(value) => write!(f, "the loss is {value}")?,
            NonFinite::Gradient(name) => write!(f, "the gradient of {name} is not finite")?,
        }
        match self.last_finite_loss {
            Some(loss) => write!(f, " (last finite loss {loss:.6e})")?,
            None => write!(f, " (no finite loss before it)")?,
        }
        if let Some(anomaly) = &self.anomaly {
            write!(f, "; {anomaly}")?;
        }
        Ok(())
    }
}
