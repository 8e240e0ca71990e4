//! # Task 5: the VJP of the transpose
//!
//! `C = Aᵀ`, so `Cᵢⱼ = Aⱼᵢ`: entry `Aⱼᵢ` feeds only `Cᵢⱼ`, with slope 1, and
//! `∂L/∂Aⱼᵢ = Gᵢⱼ`:
//!
//! ```text
//! dA = Gᵀ      (G has Aᵀ's shape, so Gᵀ has A's)
//! ```
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): "Transpose".
//!
//! Graded: against central differences of the forward, on a square `A`
//! (where forgetting the transpose still fits) and a rectangular one.

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2};

/// `C = Aᵀ`.
pub struct Transpose;

impl CustomOp for Transpose {
    fn name(&self) -> &str {
        "transpose"
    }

    fn formula(&self) -> &str {
        "transpose: dA = Gᵀ"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].t().to_owned()
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.t().to_owned()]
        // end of solution
    }
}
