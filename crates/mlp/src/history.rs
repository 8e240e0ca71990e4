//! What a training run records: one entry per epoch.

/// The measurements taken at the end of one epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochRecord {
    /// Counted from 1.
    pub epoch: usize,
    /// The mean cross-entropy over the epoch's minibatches, each example
    /// counted once: `Σ_b m_b L_b / n` (the loss that was optimised, not a
    /// re-evaluation at the epoch's end).
    pub train_loss: f64,
    /// Accuracy on the whole training set at the end of the epoch.
    pub train_accuracy: f64,
    /// Accuracy on the validation set at the end of the epoch, when one was given.
    pub validation_accuracy: Option<f64>,
}

/// What a run recorded: one entry per completed epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The completed epochs, in order.
    pub epochs: Vec<EpochRecord>,
    /// Optimiser steps taken (minibatches seen), over all epochs.
    pub steps: usize,
}

impl History {
    /// The last completed epoch, if any.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }
}
