//! # Task 9: the VJP of the sum of squares
//!
//! `s = Σᵢⱼ Aᵢⱼ²`, 1 x 1, with adjoint `g = grad[[0, 0]]`. Each entry
//! contributes `Aᵢⱼ²`, whose derivative is `2 Aᵢⱼ`:
//!
//! ```text
//! dA = 2 g A
//! ```
//!
//! The squared loss of the factorisation is this op on the residual
//! `A - U Vᵀ` (task 16 trains with it).
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): the table
//! "The rest, in one table".
//!
//! Graded: against central differences of the forward.

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2};

/// `s = Σ A²`.
pub struct SumSquares;

impl CustomOp for SumSquares {
    fn name(&self) -> &str {
        "sum_squares"
    }

    fn formula(&self) -> &str {
        "sum_squares: dA = 2g·A"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        Array2::from_elem((1, 1), inputs[0].iter().map(|a| a * a).sum())
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        let g = grad[[0, 0]];
        vec![inputs[0].mapv(|a| 2.0 * g * a)]
        // end of solution
    }
}
