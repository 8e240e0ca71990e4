//! Kinks: the points where an op is not differentiable.
//!
//! A central difference `(f(x + h) - f(x - h)) / 2h` assumes that `f` is
//! smooth on `[x - h, x + h]`. Across a kink it measures the average of two
//! slopes: relu at 0 gives `(h - 0) / 2h = 1/2`, which is neither of the
//! subgradients 0 and 1, so comparing it with the backward rule would report
//! a false failure (or, with loose tolerances, a false pass). The localised
//! check asks [`kink`] about every element before it perturbs it, and
//! reports the elements whose segment meets a kink as skipped, with the
//! reason.

use ndarray::ArrayView2;

use crate::op::Op;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// An element whose segment `x ± h` meets a kink of the op that reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Kink {
    /// The operand the element belongs to.
    pub operand: NodeId,
    /// Row of the element.
    pub row: usize,
    /// Column of the element.
    pub col: usize,
    /// Which non-differentiable point, and how close the element is.
    pub reason: String,
}

/// Every element, of every operand of every node up to `loss`, that lies
/// within `radius` of a kink of the node's op, with that node.
///
/// Random test cases use it to redraw points that sit too close to a kink
/// for the whole-function check, which perturbs every node at once and
/// knows nothing of kinks.
pub fn kinks_on_tape(tape: &Tape, loss: Var<'_>, radius: f64) -> Vec<(NodeId, Kink)> {
    let nodes = tape.nodes();
    let mut found = Vec::new();
    for (index, node) in nodes[..=loss.id().index()].iter().enumerate() {
        let operands = node.op.operands();
        let values: Vec<ArrayView2<f64>> = operands.iter().map(|id| nodes[id.0].value.view()).collect();
        for (position, &operand) in operands.iter().enumerate() {
            for (row, col) in values[position].indexed_iter().map(|(at, _)| at) {
                if let Some(reason) = kink(&node.op, &values, position, (row, col), radius) {
                    found.push((
                        NodeId(index),
                        Kink {
                            operand,
                            row,
                            col,
                            reason,
                        },
                    ));
                }
            }
        }
    }
    found
}

/// Why `op` is not differentiable somewhere on the segment along which
/// element `element` of its operand number `position` moves by `±step`, or
/// `None` where `op` is smooth there.
///
/// `operands` are the values of the op's operands, in the op's order. Every
/// built-in op has its arm (adding an op to [`Op`] does not compile until it
/// says whether it has kinks); a custom op answers through
/// [`CustomOp::kink`](crate::CustomOp::kink).
pub fn kink(
    op: &Op,
    operands: &[ArrayView2<f64>],
    position: usize,
    element: (usize, usize),
    step: f64,
) -> Option<String> {
    match op {
        // relu(x) = max(x, 0) bends at 0: the segment x ± h meets it when |x| <= h.
        Op::Relu(_) => {
            let x = operands[position][element];
            (x.abs() <= step)
                .then(|| format!("relu is not differentiable at 0, and x = {x:e} is within h = {step:e} of it"))
        }
        // ||A||_F is a cone with its tip at A = 0: moving one entry by ±h
        // passes through the tip only if every other entry is 0 and the
        // entry itself is within h of 0.
        Op::FrobeniusNorm(_) => {
            let a = operands[position];
            let x = a[element];
            let others_zero = a.indexed_iter().all(|(at, &y)| at == element || y == 0.0);
            (others_zero && x.abs() <= step).then(|| {
                format!("frobenius_norm is not differentiable at A = 0, and A ± h·e{element:?} passes through it")
            })
        }
        // Smooth everywhere (log_softmax and cross_entropy subtract a row
        // maximum for stability, but the function they compute is smooth).
        Op::Parameter
        | Op::Constant
        | Op::MatMul(..)
        | Op::Transpose(_)
        | Op::Add(..)
        | Op::Sub(..)
        | Op::Neg(_)
        | Op::Mul(..)
        | Op::Scale(..)
        | Op::AddScalar(..)
        | Op::AddBias(..)
        | Op::Square(_)
        | Op::Sum(_)
        | Op::Mean(_)
        | Op::SumSquares(_)
        | Op::LogSoftmax(_)
        | Op::CrossEntropy { .. } => None,
        Op::Custom { op, .. } => op.kink(operands, position, element, step),
    }
}
