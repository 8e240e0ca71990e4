//! # Task 4: the VJP of the matrix product
//!
//! `C = A B` with `A` m x n and `B` n x k, so `Cᵢₖ = Σⱼ Aᵢⱼ Bⱼₖ`: entry
//! `Aᵢⱼ` touches the whole row `i` of `C` (with slopes `Bⱼₖ`), and `Bⱼₖ`
//! the whole column `k` (with slopes `Aᵢⱼ`). Summing `G` against those
//! slopes:
//!
//! ```text
//! ∂L/∂Aᵢⱼ = Σₖ Gᵢₖ Bⱼₖ = (G Bᵀ)ᵢⱼ     dA = G Bᵀ    (m x k)(k x n) = m x n, A's shape
//! ∂L/∂Bⱼₖ = Σᵢ Aᵢⱼ Gᵢₖ = (Aᵀ G)ⱼₖ     dB = Aᵀ G    (n x m)(m x k) = n x k, B's shape
//! ```
//!
//! A way to remember it: the only products of `G` with the other operand
//! that have the right shape. But with a square `B`, `G B` has the right
//! shape too, and is wrong: the grader tries a square `B` first.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): "Matrix
//! product".
//!
//! Graded: against central differences of the forward, with a square and a
//! rectangular `B`, and on `X X` (fan-out).

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2};

/// `C = A B`.
pub struct MatMul;

impl CustomOp for MatMul {
    fn name(&self) -> &str {
        "matmul"
    }

    fn formula(&self) -> &str {
        "matmul: dA = G·Bᵀ, dB = Aᵀ·G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].dot(&inputs[1])
    }

    /// `[dA, dB]`. (`a.dot(&b)` is the matrix product, `a.t()` a transposed view.)
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.dot(&inputs[1].t()), inputs[0].t().dot(&grad)]
        // end of solution
    }
}
