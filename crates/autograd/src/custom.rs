//! Operations defined outside the engine.
//!
//! The built-in ops live in one `Op` enum so that all their backward rules
//! sit in one `match`. A learner writing a first op, or a test planting a
//! wrong rule on purpose, implements [`CustomOp`] instead and records it with
//! [`Tape::custom`]; the tape treats it like any other node.

use std::rc::Rc;

use ndarray::{Array2, ArrayView2};

use crate::op::Op;
use crate::tape::Tape;
use crate::var::Var;

/// A user-defined operation: a forward function and its vector-Jacobian
/// product.
///
/// ```
/// use autograd::{CustomOp, Tape};
/// use ndarray::{array, Array2, ArrayView2};
///
/// /// `C = 3 A`, so `dA = 3 G`.
/// struct Triple;
///
/// impl CustomOp for Triple {
///     fn name(&self) -> &str { "triple" }
///     fn formula(&self) -> &str { "triple: dA = 3·G" }
///     fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
///         inputs[0].mapv(|x| 3.0 * x)
///     }
///     fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>,
///            grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
///         vec![grad.mapv(|g| 3.0 * g)]
///     }
/// }
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[1.0, 2.0]]);
/// let loss = tape.custom(Triple, &[x]).sum();
/// let grads = tape.backward(loss);
/// assert_eq!(grads[x], array![[3.0, 3.0]]);
/// ```
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
