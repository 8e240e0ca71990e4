//! # Task 12: the VJPs of exp, log, tanh and sigmoid
//!
//! For an element-wise `C = f(A)`, entry `Cᵢⱼ` depends on `Aᵢⱼ` alone, so
//! `dA = G ⊙ f'(A)`. Three of these derivatives are cheapest written with
//! the output `C`, which `vjp` receives as `output`:
//!
//! ```text
//! C = exp(A)                 dA = G ⊙ C              exp' = exp
//! C = log(A)                 dA = G / A              log'(a) = 1/a
//! C = tanh(A)                dA = G ⊙ (1 - C²)       tanh' = 1 - tanh²
//! C = σ(A) = 1/(1 + e^-A)    dA = G ⊙ C ⊙ (1 - C)    σ' = σ (1 - σ)
//! ```
//!
//! Mind which of `A` and `C` each rule reads: `1 - A²` is not `tanh'`.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`), and each
//! op's formulas in `crates/autograd/src/op.rs` (`Op::Exp`, `Op::Log`,
//! `Op::Tanh`, `Op::Sigmoid`).
//!
//! Graded: against central differences of the forward (log on positive
//! entries), in the order exp, log, tanh, sigmoid.

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2};

/// `C = exp(A)`.
pub struct Exp;

impl CustomOp for Exp {
    fn name(&self) -> &str {
        "exp"
    }

    fn formula(&self) -> &str {
        "exp: dA = G⊙C"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::exp)
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![&grad * &output]
        // end of solution
    }
}

/// `C = log(A)` (natural), for positive `A`.
pub struct Log;

impl CustomOp for Log {
    fn name(&self) -> &str {
        "log"
    }

    fn formula(&self) -> &str {
        "log: dA = G/A"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::ln)
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![&grad / &inputs[0]]
        // end of solution
    }
}

/// `C = tanh(A)`.
pub struct Tanh;

impl CustomOp for Tanh {
    fn name(&self) -> &str {
        "tanh"
    }

    fn formula(&self) -> &str {
        "tanh: dA = G⊙(1 - C²)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::tanh)
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![&grad * &output.mapv(|c| 1.0 - c * c)]
        // end of solution
    }
}

/// `C = σ(A) = 1 / (1 + exp(-A))`.
pub struct Sigmoid;

impl CustomOp for Sigmoid {
    fn name(&self) -> &str {
        "sigmoid"
    }

    fn formula(&self) -> &str {
        "sigmoid: dA = G⊙C⊙(1 - C)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        // exp(-a) overflows for a very negative a; exp(a) / (1 + exp(a)) does not.
        inputs[0].mapv(|a| {
            if a >= 0.0 {
                1.0 / (1.0 + (-a).exp())
            } else {
                a.exp() / (1.0 + a.exp())
            }
        })
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![&grad * &output.mapv(|c| c * (1.0 - c))]
        // end of solution
    }
}
