//! Every op's forward computation, in one `match`.
//!
//! [`evaluate`] takes the values of an op's operands through a lookup
//! function rather than from the tape, so that the same code serves the
//! recording ([`Tape`](crate::Tape)) and the localised gradient check, which
//! re-evaluates a single node on perturbed inputs.

use ndarray::{ArcArray2, Array2, ArrayView1, ArrayView2, Axis};

use crate::op::Op;
use crate::tape::NodeId;

/// Computes the value of `op` from the values of its operands.
///
/// # Panics
/// On a leaf, which has no forward computation.
pub(crate) fn evaluate<'a>(op: &Op, value: impl Fn(NodeId) -> &'a ArcArray2<f64>) -> ArcArray2<f64> {
    let owned = match op {
        Op::Parameter | Op::Constant => unreachable!("a leaf is not computed"),
        Op::MatMul(a, b) => value(*a).dot(value(*b)),
        // Reversing the axes shares the buffer: a transpose costs no copy.
        Op::Transpose(a) => return value(*a).clone().reversed_axes(),
        Op::Add(a, b) => value(*a) + value(*b),
        Op::Sub(a, b) => value(*a) - value(*b),
        Op::Neg(a) => -value(*a),
        Op::Mul(a, b) => value(*a) * value(*b),
        Op::Scale(a, c) => value(*a) * *c,
        Op::AddScalar(a, c) => value(*a) + *c,
        // ndarray broadcasts the 1 x n row over the m rows.
        Op::AddBias(a, b) => value(*a) + value(*b),
        Op::Relu(a) => value(*a).mapv(relu),
        Op::Square(a) => value(*a).mapv(|x| x * x),
        Op::Sum(a) => scalar(value(*a).sum()),
        Op::Mean(a) => {
            let a = value(*a);
            scalar(a.sum() / a.len() as f64)
        }
        Op::FrobeniusNorm(a) => scalar(sum_of_squares(value(*a).view()).sqrt()),
        Op::SumSquares(a) => scalar(sum_of_squares(value(*a).view())),
        Op::LogSoftmax(a) => log_softmax(value(*a).view()),
        Op::CrossEntropy { logits, labels } => scalar(cross_entropy(value(*logits).view(), labels)),
        Op::Custom { op, inputs } => {
            let views: Vec<ArrayView2<f64>> = inputs.iter().map(|id| value(*id).view()).collect();
            op.forward(&views)
        }
    };
    owned.into_shared()
}

/// `max(x, 0)`, except that NaN stays NaN (`f64::max(x, 0.0)` would return 0
/// and hide it).
pub(crate) fn relu(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

/// A 1 x 1 matrix.
pub(crate) fn scalar(x: f64) -> Array2<f64> {
    Array2::from_elem((1, 1), x)
}

/// `Σᵢⱼ aᵢⱼ²`, with eight running sums over contiguous memory so the
/// compiler can vectorise it (and the rounding error grows more slowly).
pub(crate) fn sum_of_squares(a: ArrayView2<f64>) -> f64 {
    match a.as_slice_memory_order() {
        Some(slice) => {
            let mut lanes = [0.0; 8];
            let chunks = slice.chunks_exact(8);
            let tail: f64 = chunks.remainder().iter().map(|x| x * x).sum();
            for chunk in chunks {
                for (lane, x) in lanes.iter_mut().zip(chunk) {
                    *lane += x * x;
                }
            }
            lanes.iter().sum::<f64>() + tail
        }
        None => a.iter().map(|x| x * x).sum(),
    }
}

/// Log-softmax of each row: `yⱼ = aⱼ - m - log Σₖ exp(aₖ - m)` with `m` the
/// row's maximum, so that no `exp` overflows; logits of size 1e5 stay exact.
pub(crate) fn log_softmax(a: ArrayView2<f64>) -> Array2<f64> {
    let mut out = a.to_owned();
    for mut row in out.axis_iter_mut(Axis(0)) {
        let shift = log_sum_exp(row.view());
        row.mapv_inplace(|x| x - shift);
    }
    out
}

/// `log Σₖ exp(aₖ)` of one row, computed as `m + log Σₖ exp(aₖ - m)`.
/// A NaN anywhere in the row makes the result NaN.
pub(crate) fn log_sum_exp(row: ArrayView1<f64>) -> f64 {
    let max = row.fold(f64::NEG_INFINITY, |m, &x| m.max(x));
    max + row.fold(0.0, |sum, &x| sum + (x - max).exp()).ln()
}

/// Mean over rows of `-log softmax(z)ᵢ,yᵢ = log Σₖ exp(zᵢₖ) - zᵢ,yᵢ`.
pub(crate) fn cross_entropy(logits: ArrayView2<f64>, labels: &[usize]) -> f64 {
    let total: f64 = logits
        .rows()
        .into_iter()
        .zip(labels)
        .map(|(row, &label)| log_sum_exp(row) - row[label])
        .sum();
    total / labels.len() as f64
}
