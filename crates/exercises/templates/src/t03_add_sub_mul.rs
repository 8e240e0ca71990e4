//! # Task 3: the VJPs of add, sub and mul
//!
//! From here on every task writes the backward rule, `vjp`, of an op that
//! plugs into adlab's real engine as a [`CustomOp`]: the forward pass is
//! given, and the grader records your op on a tape between the engine's own
//! ops. Given the adjoint `G = ∂L/∂C` of the output (the output's shape),
//! `vjp` returns one contribution per operand, each of that operand's shape:
//! `dA = Gᵀ ∂C/∂A`, never the Jacobian itself.
//!
//! For element-wise ops on operands of one shape, entry `Cᵢⱼ` depends on
//! entry `(i, j)` of each operand only, so each contribution is `G` times
//! the local derivative, entry by entry:
//!
//! ```text
//! C = A + B     dA = G        dB = G
//! C = A - B     dA = G        dB = -G
//! C = A ⊙ B     dA = G ⊙ B    dB = G ⊙ A
//! ```
//!
//! Fan-out is the engine's job, not the rule's: for `X ⊙ X` the engine adds
//! `dA` and `dB` into `X`'s adjoint. The grader checks that too.
//!
//! Taught in chapter 3, "Vector-Jacobian products"
//! (`docs/03-vector-jacobian-products.md`): the table "The rest, in one
//! table"; fan-out in chapter 2.
//!
//! Graded: each rule against central differences of its forward (the
//! localised check of chapter 4), on two operands and on one operand used
//! twice.

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2};

/// `C = A + B`, both of one shape.
pub struct Add;

impl CustomOp for Add {
    fn name(&self) -> &str {
        "add"
    }

    fn formula(&self) -> &str {
        "add: dA = G, dB = G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] + &inputs[1]
    }

    /// `[dA, dB]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.to_owned(), grad.to_owned()]
        // end of solution
    }
}

/// `C = A - B`, both of one shape.
pub struct Sub;

impl CustomOp for Sub {
    fn name(&self) -> &str {
        "sub"
    }

    fn formula(&self) -> &str {
        "sub: dA = G, dB = -G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] - &inputs[1]
    }

    /// `[dA, dB]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.to_owned(), -&grad]
        // end of solution
    }
}

/// `C = A ⊙ B` (element by element), both of one shape.
pub struct Mul;

impl CustomOp for Mul {
    fn name(&self) -> &str {
        "mul"
    }

    fn formula(&self) -> &str {
        "mul: dA = G⊙B, dB = G⊙A"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] * &inputs[1]
    }

    /// `[dA, dB]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![&grad * &inputs[1], &grad * &inputs[0]]
        // end of solution
    }
}
