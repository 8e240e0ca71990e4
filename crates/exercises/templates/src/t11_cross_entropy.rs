//! # Task 11: the VJP of the cross-entropy
//!
//! The loss of m x k logits `Z` against one label `yᵢ` per row, the mean
//! over the rows of minus the log-probability of the right class:
//! `s = -(1/m) Σᵢ log softmax(Z)ᵢ,yᵢ`, 1 x 1, with adjoint `g = grad[[0, 0]]`.
//! It is log-softmax followed by picking one entry per row, so its rule
//! follows from task 10's with `Gᵢⱼ = -(g/m) [j = yᵢ]`, whose row sums are
//! `-g/m`:
//!
//! ```text
//! dZ = g · (softmax(Z) - onehot(y)) / m
//! ```
//!
//! the famous "prediction minus target", scaled by `g/m`.
//! `exercises::softmax_rows(z)` gives the probabilities.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): "Cross-entropy".
//!
//! Graded: against central differences of the forward, on several rows
//! (where a missing `1/m` shows) and on one.

use autograd::CustomOp;
use exercises::{log_softmax_rows, softmax_rows};
use ndarray::{Array2, ArrayView2};

/// `s = -(1/m) Σᵢ log softmax(Z)ᵢ,yᵢ` for the labels `y`.
pub struct CrossEntropy {
    /// One class index per row of the logits.
    pub labels: Vec<usize>,
}

impl CustomOp for CrossEntropy {
    fn name(&self) -> &str {
        "cross_entropy"
    }

    fn formula(&self) -> &str {
        "cross_entropy: dZ = g·(softmax(Z) - onehot(y))/m"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        let log_p = log_softmax_rows(inputs[0]);
        let picked: f64 = self
            .labels
            .iter()
            .enumerate()
            .map(|(row, &label)| log_p[[row, label]])
            .sum();
        Array2::from_elem((1, 1), -picked / self.labels.len() as f64)
    }

    /// `[dZ]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        let scale = grad[[0, 0]] / self.labels.len() as f64;
        let mut dz = softmax_rows(inputs[0]);
        for (row, &label) in self.labels.iter().enumerate() {
            dz[[row, label]] -= 1.0;
        }
        dz.mapv_inplace(|d| d * scale);
        vec![dz]
        // end of solution
    }
}
