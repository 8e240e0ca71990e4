//! # Task 7: relu, its kink, and a relu with its corner moved
//!
//! `C = max(A, 0)` element-wise has slope 1 where `A > 0` and 0 where
//! `A < 0`, so `dA = G ⊙ [A > 0]` (`[·]` is 1 where true, else 0). At
//! `A = 0` relu has no derivative; adlab, like PyTorch, uses the subgradient
//! 0 there: `relu'(0) = 0`.
//!
//! `C = max(A, t)` moves the corner from `(0, 0)` to `(t, t)`: slope 1 where
//! `A > t`, 0 where `A < t`, and 0 at `A = t` as for relu:
//!
//! ```text
//! C = max(A, 0)    dA = G ⊙ [A > 0]
//! C = max(A, t)    dA = G ⊙ [A > t]
//! ```
//!
//! Take the mask from the *input*. For relu `C > 0` exactly when `A > 0`, so
//! masking by the output gives the same numbers; for `max(A, t)` with
//! `t < 0` it does not, and the rule copied from relu is wrong.
//!
//! `kink` (given) tells the gradient check where the op is not
//! differentiable, so that it skips those entries instead of failing them.
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`): "ReLU";
//! kinks in chapter 4, "Kinks: where finite differences lie".
//!
//! Graded: against central differences away from the kinks, and at the
//! kinks against the subgradient 0.

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2, Zip};

/// `C = max(A, 0)`.
pub struct Relu;

impl CustomOp for Relu {
    fn name(&self) -> &str {
        "relu"
    }

    fn formula(&self) -> &str {
        "relu: dA = G⊙[A > 0]"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| if a > 0.0 { a } else { 0.0 })
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![
            Zip::from(&grad)
                .and(&inputs[0])
                .map_collect(|&g, &a| if a > 0.0 { g } else { 0.0 }),
        ]
        // end of solution
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        let a = inputs[operand][element];
        (a.abs() <= step).then(|| format!("relu is not differentiable at 0, and A = {a:e} is within h of it"))
    }
}

/// `C = max(A, t)`.
pub struct Floor {
    /// The corner `t`.
    pub t: f64,
}

impl CustomOp for Floor {
    fn name(&self) -> &str {
        "floor"
    }

    fn formula(&self) -> &str {
        "floor: C = max(A, t); dA = G⊙[A > t]"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| if a > self.t { a } else { self.t })
    }

    /// `[dA]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![
            Zip::from(&grad)
                .and(&inputs[0])
                .map_collect(|&g, &a| if a > self.t { g } else { 0.0 }),
        ]
        // end of solution
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        let a = inputs[operand][element];
        ((a - self.t).abs() <= step).then(|| {
            format!(
                "max(A, {}) is not differentiable at A = {}, and A = {a:e} is within h of it",
                self.t, self.t
            )
        })
    }
}
