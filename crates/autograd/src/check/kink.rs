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
    /// A pole or the end of the domain at 0 of operand number `.0` (`log`,
    /// `sqrt`, the denominator of `div`), where the function bends ever more
    /// sharply: skipped within [`POLE_RADIUS_IN_STEPS`] steps of 0.
    Pole(usize),
    /// `powf`: smooth for a whole exponent `p ≥ 0`; otherwise as [`Kinks::Pole`].
    Power,
    /// Where the operands tie (`maximum`, `minimum`): the segment `x ± h`
    /// meets the tie when the other operand is within `h`.
    Tie,
    /// A tie for a line's maximum (`max_axis`): an entry within `2h` of
    /// another entry that is its line's maximum, or within `2h` of it.
    MaxTie,
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
        Kinks::Pole(pole) if pole == position => near_pole(op.name(), x, step),
        Kinks::Pole(_) => None,
        Kinks::Power => match op {
            Op::Powf(_, p) if p.fract() == 0.0 && *p >= 0.0 => None,
            _ => near_pole(op.name(), x, step),
        },
        Kinks::Tie => {
            let other = operands[1 - position];
            // The entries of the other operand that meet this one (all of a
            // row, column or matrix when this one is broadcast).
            let (rows, cols) = broadcast_shape(operands[0].dim(), operands[1].dim());
            let meets = (0..rows)
                .flat_map(|i| (0..cols).map(move |j| (i, j)))
                .filter(|&(i, j)| broadcast_index((i, j), operands[position].dim()) == element)
                .map(|at| other[broadcast_index(at, other.dim())])
                .find(|y| (x - y).abs() <= step);
            meets.map(|y| {
                format!(
                    "{} is not differentiable where its operands tie, and {x:e} is within h = {step:e} of {y:e}",
                    op.name()
                )
            })
        }
        Kinks::MaxTie => {
            let Op::MaxAxis(_, axis) = op else {
                unreachable!("only max_axis has line maxima")
            };
            let a = operands[position];
            // Axis(0) reduces each column, Axis(1) each row.
            let line = if axis.index() == 0 {
                a.column(element.1)
            } else {
                a.row(element.0)
            };
            let max = line.fold(f64::NEG_INFINITY, |m, &y| m.max(y));
            let close = line.iter().filter(|&&y| y >= max - 2.0 * step).count();
            (x >= max - 2.0 * step && close > 1).then(|| {
                format!(
                    "max_axis is not differentiable where a line's maximum ties, and {x:e} is within 2h = {:e} \
                     of the line's maximum {max:e} with {close} entries that close",
                    2.0 * step
                )
            })
        }
        Kinks::Custom => match op {
            Op::Custom { op, .. } => op.kink(operands, position, element, step),
            _ => unreachable!("only custom ops defer to their own kinks"),
        },
    }
}

/// How many steps `h` from a pole at 0 (of `log`, `sqrt`, `1/x`, `x^p`)
/// an operand must be for a central difference to be trusted there.
///
/// Near a pole the relative error of the central difference is
/// `h² |f‴ / 6f'|`, which for `log`, `sqrt` and `1/x` is `h²/3x²`, `h²/8x²`
/// and `h²/x²`, and for `x^p` `|(p-1)(p-2)| h²/6x²`: at `x = 4000 h` at most
/// 6e-8 for `|p| ≤ 5`, below the default relative tolerance of 1e-6.
pub const POLE_RADIUS_IN_STEPS: f64 = 4e3;

/// Why a central difference with step `step` of `op` at `x` is not to be
/// trusted, when `x` is within [`POLE_RADIUS_IN_STEPS`] steps of a pole at 0.
fn near_pole(op: &str, x: f64, step: f64) -> Option<String> {
    let radius = POLE_RADIUS_IN_STEPS * step;
    (x.abs() <= radius).then(|| {
        format!("{op} has a pole or the end of its domain at 0, and x = {x:e} is within {POLE_RADIUS_IN_STEPS:e} h = {radius:e} of it")
    })
}

/// The shape two operands broadcast to (checked where the op was recorded).
fn broadcast_shape(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0.max(b.0), a.1.max(b.1))
}

/// The entry of an operand of shape `shape` that output entry `(i, j)` reads.
fn broadcast_index((i, j): (usize, usize), shape: (usize, usize)) -> (usize, usize) {
    (if shape.0 == 1 { 0 } else { i }, if shape.1 == 1 { 0 } else { j })
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
