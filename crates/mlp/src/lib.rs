//! A multi-layer perceptron (MLP) trained through `autograd`.
//!
//! [`Mlp`] holds the weights and biases of a fully connected network with a
//! ReLU between layers; [`Mlp::record_loss`] records its softmax
//! cross-entropy on a tape, and every gradient comes from
//! [`autograd::Tape::backward`]: this crate contains no hand-written
//! derivative. [`train`] runs minibatch training with any optimiser of
//! [`autograd::optim`] and records a [`History`]; [`FirstStep`] is its
//! first step, ready to record and inspect; [`metrics`] turns
//! predictions into accuracies and confusion matrices.
//!
//! The crate knows nothing of files: it takes feature matrices (one row per
//! example) and class labels `0..classes`.
//!
//! ```
//! use mlp::{Examples, TrainConfig, train};
//! use ndarray::array;
//!
//! // Two clusters on a line: class 0 left of the origin, class 1 right.
//! let features = array![[-2.0], [-1.5], [-1.0], [1.0], [1.5], [2.0]];
//! let labels = [0, 0, 0, 1, 1, 1];
//! let config = TrainConfig { hidden: vec![4], epochs: 200, learning_rate: 0.1, ..TrainConfig::default() };
//! let trained = train(&config, Examples::new(&features, &labels), None, 2).unwrap();
//! assert_eq!(trained.model.predict(&features), labels);
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod history;
pub mod metrics;
mod model;
mod train;

pub use error::{Divergence, MlpError, NonFinite};
pub use history::{EpochRecord, History};
pub use metrics::{ConfusionMatrix, accuracy};
pub use model::{Layer, Mlp, parameter_name};
pub use train::{Examples, FirstStep, Minibatch, TrainConfig, Trained, train};
