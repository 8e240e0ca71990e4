//! # Task 16: the lab's experiments, trained with your rules
//!
//! Your ops plug into the real engine: record a loss with
//! `tape.custom(YourOp, &[operands])` and `tape.backward` differentiates it
//! with your VJPs. Here you record the two losses the lab trains, with your
//! ops only (no built-in op: the grader checks every node), and the grader
//! trains them with your Adam step (task 15):
//!
//! - the factorisation of centred iris at rank 2,
//!   `‖A - U Vᵀ‖²_F` (A 150 x 4, U 150 x 2, V 4 x 2), with Adam at
//!   lr 0.1 for 1000 epochs from the lab's initial draw, must reach the
//!   truncated-SVD bound `‖A - U Vᵀ‖_F = 3.9024` to four decimals;
//! - the MLP `relu(X W₁ + 1 b₁) W₂ + 1 b₂` (4-32-3) with the mean
//!   cross-entropy, Adam at lr 0.01, minibatches of 16, 100 epochs, must
//!   reach a mean validation accuracy of at least 0.95 over seeds 0 to 9.
//!
//! Taught in chapter 5 (`docs/05-factorisation.md`: "What reaches the
//! bound") and chapter 7 (`docs/07-mlp-on-iris.md`: "The network"); the
//! engine's versions are `factor::record_loss` and `mlp::Mlp::record_logits`.
//!
//! Graded: first the recorded losses against the engine's at the starting
//! point, then both trainings.

use autograd::{Tape, Var};

use crate::t03_add_sub_mul::Sub;
use crate::t04_matmul::MatMul;
use crate::t05_transpose::Transpose;
use crate::t06_add_bias::AddBias;
use crate::t07_relu::Relu;
use crate::t09_sum_squares::SumSquares;
use crate::t11_cross_entropy::CrossEntropy;

/// `‖A - U Vᵀ‖²_F` recorded with your ops: transpose, matmul, sub, sum_squares.
pub fn factorisation_loss<'t>(tape: &'t Tape, a: Var<'t>, u: Var<'t>, v: Var<'t>) -> Var<'t> {
    // solution
    let v_t = tape.custom(Transpose, &[v]);
    let product = tape.custom(MatMul, &[u, v_t]);
    let residual = tape.custom(Sub, &[a, product]);
    tape.custom(SumSquares, &[residual])
    // end of solution
}

/// The MLP's mean cross-entropy on `features` (m x 4) against `labels`,
/// recorded with your ops: `parameters` is `[W₁, b₁, W₂, b₂, ...]`, layer
/// by layer; every layer but the last is followed by a relu.
pub fn mlp_loss<'t>(tape: &'t Tape, features: Var<'t>, parameters: &[Var<'t>], labels: &[usize]) -> Var<'t> {
    // solution
    let last = parameters.len() / 2 - 1;
    let mut activations = features;
    for (layer, pair) in parameters.chunks_exact(2).enumerate() {
        let product = tape.custom(MatMul, &[activations, pair[0]]);
        let pre_activation = tape.custom(AddBias, &[product, pair[1]]);
        activations = if layer < last {
            tape.custom(Relu, &[pre_activation])
        } else {
            pre_activation
        };
    }
    let labels = labels.to_vec();
    tape.custom(CrossEntropy { labels }, &[activations])
    // end of solution
}
