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

use crate::kernels::frobenius_norm;
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

/// Every element, of every operand of every node up to `loss`, for which
/// [`kink`] with step `radius` answers, with that node: relu inputs within
/// `radius` of 0, norms within [`NORM_TIP_RADIUS_IN_STEPS`] `· radius` of
/// their tip.
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

/// Where an op is not differentiable: the column of [`SPECS`](crate::op::SPECS)
/// that [`kink`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kinks {
    /// Smooth everywhere (log_softmax and cross_entropy subtract a row
    /// maximum for stability, but the function they compute is smooth).
    None,
    /// Bends at 0 (relu): the segment `x ± h` meets the bend when `|x| <= h`.
    AtZero,
    /// The tip of the cone `‖A‖_F` at `A = 0` (see [`NORM_TIP_RADIUS_IN_STEPS`]).
    NormTip,
    /// Whatever the custom op's [`CustomOp::kink`](crate::CustomOp::kink) says.
    Custom,
}

/// Why `op` is not differentiable somewhere on the segment along which
/// element `element` of its operand number `position` moves by `±step`, or
/// `None` where `op` is smooth there.
///
/// `operands` are the values of the op's operands, in the op's order. The
/// answer follows the op's [`Kinks`] in [`SPECS`](crate::op::SPECS); a
/// custom op answers through [`CustomOp::kink`](crate::CustomOp::kink).
pub fn kink(
    op: &Op,
    operands: &[ArrayView2<f64>],
    position: usize,
    element: (usize, usize),
    step: f64,
) -> Option<String> {
    let x = operands[position][element];
    match op.spec().kinks {
        Kinks::None => None,
        Kinks::AtZero => (x.abs() <= step).then(|| {
            format!(
                "{} is not differentiable at 0, and x = {x:e} is within h = {step:e} of it",
                op.name()
            )
        }),
        Kinks::NormTip => near_norm_tip(operands[position], step),
        Kinks::Custom => match op {
            Op::Custom { op, .. } => op.kink(operands, position, element, step),
            _ => unreachable!("only custom ops defer to their own kinks"),
        },
    }
}

/// How many steps `h` from its tip at `A = 0` the cone `‖A‖_F` must be for a
/// central difference to be trusted there.
///
/// The cone is not differentiable at its tip, and it bends ever more sharply
/// near it. Along one entry `x`, with `c` the norm of the other entries,
/// `f(x) = sqrt(x² + c²)`, and the central difference errs by `h² f‴(x) / 6`,
/// which relative to the slope `x / f` is `h² c² / 2f⁴ ≤ (h / ‖A‖)² / 2`:
/// 1.25e-7 at `‖A‖ = 2000 h`, eight times below the default relative
/// tolerance, but 3.5e-6 (a false failure) at `‖A‖ = 380 h`. The radius is
/// kept that small because a skipped element is not checked at all.
pub const NORM_TIP_RADIUS_IN_STEPS: f64 = 2e3;

/// Why a central difference with step `step` is not to be trusted for the
/// Frobenius norm of `a`, or `None` when `a` is far enough from the tip (see
/// [`NORM_TIP_RADIUS_IN_STEPS`]). Every element of `a` gets the same answer.
pub fn near_norm_tip(a: ArrayView2<f64>, step: f64) -> Option<String> {
    let norm = frobenius_norm(a);
    let radius = NORM_TIP_RADIUS_IN_STEPS * step;
    (norm <= radius).then(|| {
        format!(
            "frobenius_norm is not differentiable at A = 0 and bends sharply near it: \
             ||A|| = {norm:e} is within {NORM_TIP_RADIUS_IN_STEPS:e} h = {radius:e} of it"
        )
    })
}
