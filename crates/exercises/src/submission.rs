//! What a learner's project hands the grader: every function and op the
//! tasks ask for, gathered by the project's `src/submission.rs`.

use std::rc::Rc;

use autograd::{CustomOp, Tape, Var};
use ndarray::Array2;

use crate::given::{AdamSettings, AdamState, Jvp};
use crate::scalar_tape::ScalarTape;

/// A one-variable function, as the finite-difference task takes it.
pub type Function<'f> = &'f dyn Fn(f64) -> f64;

/// The learner's work, task by task (the task number in brackets).
///
/// An op is handed over as an `Rc<dyn CustomOp>` so that the grader can
/// record it as often as it likes; ops that carry a number are handed over
/// as a constructor.
pub struct Submission {
    /// (1) `(f(x + h) - f(x - h)) / 2h`.
    pub central_difference: fn(Function<'_>, f64, f64) -> f64,
    /// (1) The step of a list with the smallest error against the exact derivative.
    pub best_step: fn(Function<'_>, f64, f64, &[f64]) -> f64,
    /// (2) The reverse sweep of a scalar tape: `∂output/∂node` for every node.
    pub backward: fn(&ScalarTape, usize) -> Vec<f64>,
    /// (3) `C = A + B`.
    pub add: Rc<dyn CustomOp>,
    /// (3) `C = A - B`.
    pub sub: Rc<dyn CustomOp>,
    /// (3) `C = A ⊙ B`.
    pub mul: Rc<dyn CustomOp>,
    /// (4) `C = A B`.
    pub matmul: Rc<dyn CustomOp>,
    /// (5) `C = Aᵀ`.
    pub transpose: Rc<dyn CustomOp>,
    /// (6) `C = A + 1 b`, a 1 x n row added to every row.
    pub add_bias: Rc<dyn CustomOp>,
    /// (6) `C = A + b 1ᵀ`, an m x 1 column added to every column.
    pub add_column: Rc<dyn CustomOp>,
    /// (7) `C = max(A, 0)`.
    pub relu: Rc<dyn CustomOp>,
    /// (7) `C = max(A, t)` for a number `t`.
    pub floor: fn(f64) -> Rc<dyn CustomOp>,
    /// (8) `s = ‖A‖_F`.
    pub frobenius_norm: Rc<dyn CustomOp>,
    /// (9) `s = Σ A²`.
    pub sum_squares: Rc<dyn CustomOp>,
    /// (10) `Y = log softmax(A)`, row by row.
    pub log_softmax: Rc<dyn CustomOp>,
    /// (11) The mean cross-entropy of logits against these labels.
    pub cross_entropy: fn(&[usize]) -> Rc<dyn CustomOp>,
    /// (12) `C = exp(A)`.
    pub exp: Rc<dyn CustomOp>,
    /// (12) `C = log(A)`.
    pub log: Rc<dyn CustomOp>,
    /// (12) `C = tanh(A)`.
    pub tanh: Rc<dyn CustomOp>,
    /// (12) `C = σ(A)`.
    pub sigmoid: Rc<dyn CustomOp>,
    /// (13) The JVP of `C = A B`.
    pub matmul_jvp: JvpRule,
    /// (13) The JVP of `C = tanh(A)`.
    pub tanh_jvp: JvpRule,
    /// (13) The two sides of the adjoint test, `⟨U, J V⟩` and `⟨Jᵀ U, V⟩`.
    pub adjoint_test: AdjointTest,
    /// (14) One step of gradient descent, in place.
    pub sgd_step: fn(&mut Array2<f64>, &Array2<f64>, f64),
    /// (15) One Adam step, in place.
    pub adam_step: fn(&mut Array2<f64>, &Array2<f64>, &mut AdamState, &AdamSettings),
    /// (16) `‖A - U Vᵀ‖²_F` recorded with the learner's ops.
    pub factorisation_loss: for<'t> fn(&'t Tape, Var<'t>, Var<'t>, Var<'t>) -> Var<'t>,
    /// (16) The MLP's mean cross-entropy recorded with the learner's ops.
    pub mlp_loss: for<'t> fn(&'t Tape, Var<'t>, &[Var<'t>], &[usize]) -> Var<'t>,
}

/// A JVP as a function: the operands and their tangents to the output's tangent.
pub type JvpRule = fn(&[Array2<f64>], &[Array2<f64>]) -> Array2<f64>;

/// The adjoint test's signature: the op (for its VJP), its JVP, the
/// operands, one tangent per operand, and the cotangent.
pub type AdjointTest = fn(&dyn CustomOp, &Jvp<'_>, &[Array2<f64>], &[Array2<f64>], &Array2<f64>) -> (f64, f64);
