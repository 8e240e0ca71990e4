//! # Task 8: the VJP of the Frobenius norm
//!
//! `s = ‖A‖_F = sqrt(Σᵢⱼ Aᵢⱼ²)`, a 1 x 1 output, so `G` is 1 x 1 too: call
//! its one entry `g` (`grad[[0, 0]]`). By the chain rule,
//! `∂s/∂Aᵢⱼ = 2 Aᵢⱼ / (2 sqrt(Σ A²)) = Aᵢⱼ / s`:
//!
//! ```text
//! dA = g · A / ‖A‖_F       and 0 at A = 0
//! ```
//!
//! At `A = 0` the norm is the tip of a cone and has no gradient; use the
//! subgradient 0 there (`A / ‖A‖` would be 0 / 0 = NaN). `output` holds `s`.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): "Frobenius norm".
//!
//! Graded: against central differences of the forward, on matrices of
//! norms far from 1 (where a missing division shows), and at `A = 0`.

use autograd::CustomOp;
use autograd::check::near_norm_tip;
use ndarray::{Array2, ArrayView2};

/// `s = ‖A‖_F`.
pub struct FrobeniusNorm;

impl CustomOp for FrobeniusNorm {
    fn name(&self) -> &str {
        "frobenius_norm"
    }

    fn formula(&self) -> &str {
        "frobenius_norm: dA = g·A/‖A‖_F"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        Array2::from_elem((1, 1), inputs[0].iter().map(|a| a * a).sum::<f64>().sqrt())
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        let norm = output[[0, 0]];
        if norm == 0.0 {
            return vec![Array2::zeros(inputs[0].dim())];
        }
        let g = grad[[0, 0]];
        vec![inputs[0].mapv(|a| g * a / norm)]
        // end of solution
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        near_norm_tip(inputs[operand], step)
    }
}
