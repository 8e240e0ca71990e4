//! # Task 10: the VJP of log-softmax
//!
//! Row by row, `Yᵢⱼ = Aᵢⱼ - log Σₖ exp(Aᵢₖ)`. Rows are independent; within
//! a row, with `p = softmax(A)` (`pᵢⱼ = exp(Aᵢⱼ) / Σₖ exp(Aᵢₖ) = exp(Yᵢⱼ)`),
//! `∂Yᵢⱼ/∂Aᵢₗ = δⱼₗ - pᵢₗ`, so
//!
//! ```text
//! ∂L/∂Aᵢₗ = Σⱼ Gᵢⱼ (δⱼₗ - pᵢₗ) = Gᵢₗ - pᵢₗ Σⱼ Gᵢⱼ
//! dA = G - softmax(A) ⊙ rowsum(G)
//! ```
//!
//! each row of `G` minus its own sum times the row's probabilities. The
//! probabilities come free from the output: `p = exp(Y)` (or call
//! `exercises::softmax_rows`). Forgetting the softmax term (`dA = G`)
//! treats log-softmax as the identity.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`):
//! "Log-softmax, row by row".
//!
//! Graded: against central differences of the forward, with several rows
//! and classes.

use autograd::CustomOp;
use exercises::log_softmax_rows;
use ndarray::{Array2, ArrayView2};

/// `Y = log softmax(A)`, row by row.
pub struct LogSoftmax;

impl CustomOp for LogSoftmax {
    fn name(&self) -> &str {
        "log_softmax"
    }

    fn formula(&self) -> &str {
        "log_softmax: dA = G - softmax(A)⊙rowsum(G)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        log_softmax_rows(inputs[0])
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        let mut da = grad.to_owned();
        for (mut row, y) in da.rows_mut().into_iter().zip(output.rows()) {
            let row_sum = row.sum();
            row.zip_mut_with(&y, |g, &y| *g -= y.exp() * row_sum);
        }
        vec![da]
        // end of solution
    }
}
