//! Every op's forward computation, in one `match`.
//!
//! [`evaluate`] takes the values of an op's operands through a lookup
//! function rather than from the tape, so that the same code serves the
//! recording ([`Tape`](crate::Tape)) and the localised gradient check, which
//! re-evaluates a single node on perturbed inputs. The arithmetic is in
//! `kernels.rs`.

use ndarray::{Array2, ArrayView2};

use crate::kernels::{Kernels, frobenius_norm, maximum, minimum, reduced_shape, relu, sigmoid, sum_of_squares};
use crate::op::Op;
use crate::tape::NodeId;
use crate::value::Value;

/// What a forward computation produces.
pub(crate) struct Forward {
    /// The op's value.
    pub(crate) value: Value,
    /// What its backward rule needs kept (see `Node::saved`).
    pub(crate) saved: Option<Box<Array2<f64>>>,
}

/// Computes the value of `op` from the values of its operands.
///
/// # Panics
/// On a leaf, which has no forward computation.
pub(crate) fn evaluate<'a>(op: &Op, value: impl Fn(NodeId) -> &'a Value, kernels: Kernels<'_>) -> Forward {
    let view = |id: &NodeId| value(*id).view();
    let computed = match op {
        Op::Parameter | Op::Constant => unreachable!("a leaf is not computed"),
        Op::MatMul(a, b) => kernels.matmul(view(a), view(b)),
        // The axes swapped: a transpose of a shared value costs no copy.
        Op::Transpose(a) => {
            return Forward {
                value: value(*a).transposed(),
                saved: None,
            };
        }
        Op::Add(a, b) => kernels.add(view(a), view(b)),
        Op::Sub(a, b) => kernels.zip_map(view(a), view(b), |x, y| x - y),
        Op::Neg(a) => kernels.map(view(a), |x| -x),
        Op::Mul(a, b) => kernels.zip_map(view(a), view(b), |x, y| x * y),
        Op::Div(a, b) => kernels.zip_map(view(a), view(b), |x, y| x / y),
        Op::Maximum(a, b) => kernels.zip_map(view(a), view(b), maximum),
        Op::Minimum(a, b) => kernels.zip_map(view(a), view(b), minimum),
        Op::Scale(a, c) => kernels.map(view(a), |x| c * x),
        Op::AddScalar(a, c) => kernels.map(view(a), |x| x + c),
        Op::Relu(a) => kernels.map(view(a), relu),
        Op::Square(a) => kernels.map(view(a), |x| x * x),
        Op::Exp(a) => kernels.map(view(a), f64::exp),
        Op::Log(a) => kernels.map(view(a), f64::ln),
        Op::Sqrt(a) => kernels.map(view(a), f64::sqrt),
        Op::Abs(a) => kernels.map(view(a), f64::abs),
        Op::Tanh(a) => kernels.map(view(a), f64::tanh),
        Op::Sigmoid(a) => kernels.map(view(a), sigmoid),
        Op::Powf(a, p) => kernels.map(view(a), |x| x.powf(*p)),
        Op::Sum(a) => kernels.scalar(view(a).sum()),
        Op::Mean(a) => {
            let a = view(a);
            kernels.scalar(a.sum() / a.len() as f64)
        }
        Op::SumAxis(a, axis) => kernels.sum_to(view(a), reduced_shape(view(a).dim(), *axis)),
        Op::MeanAxis(a, axis) => {
            let a = view(a);
            let count = a.len_of(*axis) as f64;
            let mut sums = kernels.sum_to(a, reduced_shape(a.dim(), *axis));
            sums.mapv_inplace(|sum| sum / count);
            sums
        }
        Op::MaxAxis(a, axis) => kernels.max_along(view(a), *axis),
        Op::FrobeniusNorm(a) => kernels.scalar(frobenius_norm(view(a))),
        Op::SumSquares(a) => kernels.scalar(sum_of_squares(view(a))),
        Op::Softmax(a) => kernels.softmax(view(a)),
        Op::LogSoftmax(a) => kernels.log_softmax(view(a)),
        Op::CrossEntropy { logits, labels } => {
            // Saves the softmax probabilities: the backward rule is P - Y.
            let (loss, probabilities) = kernels.cross_entropy(view(logits), labels);
            return Forward {
                value: Value::Owned(kernels.scalar(loss)),
                saved: Some(Box::new(probabilities)),
            };
        }
        Op::BceWithLogits(z, t) => kernels.scalar(kernels.bce_with_logits(view(z), view(t))),
        Op::Custom { op, inputs } => {
            let views: Vec<ArrayView2<f64>> = inputs.iter().map(view).collect();
            op.forward(&views)
        }
    };
    Forward {
        value: Value::Owned(computed),
        saved: None,
    }
}
