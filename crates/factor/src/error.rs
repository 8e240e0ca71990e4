//! What can go wrong: invalid inputs (checked before training starts) and
//! divergence (found while training).

use std::fmt;

use autograd::Anomaly;
use thiserror::Error;

/// Why a factorisation could not run or did not finish.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum FactorError {
    /// The matrix has no rows or no columns.
    #[error("the matrix is empty ({rows} x {cols}): there is nothing to factorise")]
    EmptyMatrix {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// The matrix holds a NaN or an infinity.
    #[error("the matrix has a non-finite entry {value} at row {row}, column {col} (0-based)")]
    NonFiniteEntry {
        /// Row of the first such entry.
        row: usize,
        /// Column of the first such entry.
        col: usize,
        /// The entry.
        value: f64,
    },
    /// Rank 0 asks for no factors at all.
    #[error("rank must be at least 1, got 0")]
    ZeroRank,
    /// A rank above `min(m, n)` cannot be a rank of an m x n matrix.
    #[error("rank {rank} is larger than min({rows}, {cols}) = {}", .rows.min(.cols))]
    RankTooLarge {
        /// The requested rank.
        rank: usize,
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
    },
    /// The mask's shape differs from the matrix's.
    #[error("the mask is {mask_rows} x {mask_cols} but the matrix is {rows} x {cols}")]
    MaskShape {
        /// Rows of the mask.
        mask_rows: usize,
        /// Columns of the mask.
        mask_cols: usize,
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
    },
    /// A mask entry is neither 0 (hidden) nor 1 (observed).
    #[error("mask entries must be 0 or 1, got {value} at row {row}, column {col} (0-based)")]
    MaskNotBinary {
        /// Row of the first such entry.
        row: usize,
        /// Column of the first such entry.
        col: usize,
        /// The entry.
        value: f64,
    },
    /// Every entry is hidden, so there is nothing to fit.
    #[error("the mask observes no entry: at least one must be 1")]
    NothingObserved,
    /// The learning rate is not a finite number above 0.
    #[error("learning rate must be a finite number greater than 0, got {0}")]
    LearningRate(f64),
    /// Zero epochs would train nothing.
    #[error("epochs must be at least 1, got 0")]
    ZeroEpochs,
    /// The L2 penalty is negative or not finite.
    #[error("the L2 penalty must be a finite number of at least 0, got {0}")]
    Penalty(f64),
    /// Starting factors whose shapes do not fit the matrix and the rank.
    #[error("starting factors of shapes {u:?} and {v:?} do not fit a {target:?} matrix at rank {rank}")]
    FactorShapes {
        /// U's shape.
        u: (usize, usize),
        /// V's shape.
        v: (usize, usize),
        /// The matrix's shape.
        target: (usize, usize),
        /// The rank.
        rank: usize,
    },
    /// The hold-out fraction is not strictly between 0 and 1.
    #[error("the hold-out fraction must be strictly between 0 and 1, got {0}")]
    HoldoutFraction(f64),
    /// The hold-out fraction rounds to no held-out entry, or to all of them.
    #[error("holding out {fraction} of {entries} entries leaves {held_out} held out: both parts must be non-empty")]
    HoldoutSize {
        /// The requested fraction.
        fraction: f64,
        /// Entries of the matrix.
        entries: usize,
        /// How many entries it would hold out.
        held_out: usize,
    },
    /// The loss or a gradient became NaN or infinite during training.
    #[error("{0}")]
    Diverged(Box<Divergence>),
}

/// A training run whose loss or gradient stopped being finite.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The epoch (number of updates made so far) at which it happened.
    pub epoch: usize,
    /// Whether the loss (forward) or a gradient (backward) went bad.
    pub what: NonFinite,
    /// The finite losses recorded before it, one per epoch from epoch 0.
    pub losses: Vec<f64>,
    /// The op that produced the first non-finite number, as the engine's
    /// anomaly detection names it.
    pub anomaly: Option<Anomaly>,
    /// The learning rate of the run.
    pub lr: f64,
}

/// Which quantity stopped being finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonFinite {
    /// The loss itself.
    Loss,
    /// A gradient, while the loss was still finite.
    Gradient,
}

impl Divergence {
    /// The last finite loss, if any was recorded.
    pub fn last_finite_loss(&self) -> Option<f64> {
        self.losses.last().copied()
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.what {
            NonFinite::Loss => "the loss",
            NonFinite::Gradient => "a gradient",
        };
        write!(f, "training diverged at epoch {}: {what} is not finite", self.epoch)?;
        match self.last_finite_loss() {
            Some(loss) => write!(f, " (last finite loss {loss:.6e})")?,
            None => write!(f, " (no finite loss was recorded)")?,
        }
        if let Some(anomaly) = &self.anomaly {
            write!(f, "; {anomaly}")?;
        }
        Ok(())
    }
}
