//! Operations defined outside the engine.
//!
//! The built-in ops live in one `Op` enum so that all their backward rules
//! sit in one `match`. A learner writing a first op, or a test planting a
//! wrong rule on purpose (see [`zoo`](crate::zoo)), implements [`CustomOp`]
//! instead and records it with [`Tape::custom`]; the tape treats it like any
//! other node.
//!
//! Writing an op takes four steps:
//!
//! 1. **forward**: the output from the operands' values;
//! 2. **vjp**: given the output's adjoint `G` (∂loss/∂output), one
//!    contribution per operand, `Gᵀ ∂output/∂operand`, of that operand's
//!    shape. For an element-wise `C = f(A)` it is `G ⊙ f'(A)`;
//! 3. **formula**: that rule as one line of text, which checks and tape
//!    dumps print;
//! 4. **kink** (only if the op has non-differentiable points): which
//!    elements the gradient check must skip.
//!
//! Then check it: [`LocalCheck`](crate::LocalCheck) compares the op's VJP
//! with central differences of its forward alone, at the inputs it was
//! recorded with, and names it if the rule is wrong.
//!
//! ```
//! use autograd::{CustomOp, LocalCheck, Tape};
//! use ndarray::{array, Array2, ArrayView2, Zip};
//!
//! /// `C = |A|` element-wise; `dA = G ⊙ sign(A)`, and 0 at the kink A = 0.
//! struct Abs;
//!
//! impl CustomOp for Abs {
//!     fn name(&self) -> &str {
//!         "abs"
//!     }
//!
//!     fn formula(&self) -> &str {
//!         "abs: dA = G⊙sign(A)"
//!     }
//!
//!     fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
//!         inputs[0].mapv(f64::abs)
//!     }
//!
//!     fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>,
//!            grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
//!         let sign = |a: f64| if a == 0.0 { 0.0 } else { a.signum() };
//!         vec![Zip::from(&grad).and(&inputs[0]).map_collect(|&g, &a| g * sign(a))]
//!     }
//!
//!     fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize,
//!             element: (usize, usize), step: f64) -> Option<String> {
//!         let a = inputs[operand][element];
//!         (a.abs() <= step).then(|| format!("abs is not differentiable at 0, and A = {a:e} is within h of it"))
//!     }
//! }
//!
//! let tape = Tape::new();
//! let x = tape.parameter(array![[1.5, -2.0, 0.0]]);
//! let loss = tape.custom(Abs, &[x]).sum_squares();
//!
//! // d Σ|x|² / dx = 2x (the 0 entry by the subgradient).
//! assert_eq!(tape.backward(loss)[x], array![[3.0, -4.0, 0.0]]);
//!
//! // Each node on its own: abs and sum_squares pass, and the 0 entry is
//! // skipped, not failed: (|0 + h| - |0 - h|) / 2h = 0 only by symmetry.
//! let report = LocalCheck::default().run(&tape, loss);
//! assert!(report.passed(), "{report}");
//! let (node, kink) = report.kinks().next().unwrap();
//! assert_eq!((node.op.as_str(), kink.col), ("abs", 2));
//! ```

use std::rc::Rc;

use ndarray::{Array2, ArrayView2};

use crate::op::Op;
use crate::tape::Tape;
use crate::var::Var;

/// A user-defined operation: a forward function and its vector-Jacobian
/// product (see the [module documentation](self) for a worked example).
pub trait CustomOp {
    /// A short name for messages and tape dumps.
    fn name(&self) -> &str;

    /// The vector-Jacobian product as one line of text.
    fn formula(&self) -> &str {
        "custom op: no formula given"
    }

    /// Computes the output from the operands' values.
    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64>;

    /// Given the operands, the output and the output's adjoint `grad`,
    /// returns one adjoint contribution per operand, each of its operand's
    /// shape.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>>;

    /// The Jacobian-vector product (forward mode): given the operands, the
    /// output and one tangent per operand (each of its operand's shape), the
    /// tangent of the output, `Σₚ (∂C/∂Xₚ) Ẋₚ`. The default, `None`, says the
    /// op has no forward-mode rule: forward mode through it is an error
    /// ([`ForwardModeError::NoJvpRule`](crate::forward_mode::ForwardModeError)),
    /// and the adjoint test skips it.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        let _ = (inputs, output, tangents);
        None
    }

    /// Why the op is not differentiable somewhere on the segment along which
    /// element `element` of operand number `operand` moves by `±step`, or
    /// `None` where it is smooth there (the default: smooth everywhere).
    ///
    /// Answer for ops with kinks (`|a|` at 0, `max(a, b)` at a tie `a = b`):
    /// the localised check then reports such elements as skipped, with
    /// this reason, rather than as failures.
    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        let _ = (inputs, operand, element, step);
        None
    }
}

impl Tape {
    /// Records a [`CustomOp`] applied to `inputs`.
    #[track_caller]
    pub fn custom<'t>(&'t self, op: impl CustomOp + 'static, inputs: &[Var<'t>]) -> Var<'t> {
        for input in inputs {
            input.assert_same_tape(self, op.name());
        }
        let inputs: Rc<[_]> = inputs.iter().map(|input| input.id()).collect();
        self.record(Op::Custom {
            op: Rc::new(op),
            inputs,
        })
    }
}
