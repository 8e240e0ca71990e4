//! Forward mode: every op's Jacobian-vector product in one `match`, and
//! [`jvp`], the directional derivative of a recorded function.
//!
//! Reverse mode pulls one adjoint back from the loss to every input: one
//! sweep gives the whole gradient of one output. Forward mode pushes one
//! *tangent* forward from the inputs: each node's tangent `Ċ` is how fast
//! its value moves when the inputs move along a chosen direction `v`, and
//! each op's rule (its JVP, in `op.rs` beside its VJP) computes `Ċ` from its
//! operands' tangents. One forward sweep gives the derivative of every
//! output along one direction, `J v`; the whole gradient of a loss of n
//! parameters would take n of them, where reverse mode takes one sweep.
//!
//! Tangents are sparse in the simplest way: a node none of whose operands
//! moves (a constant, and everything computed from constants only) has no
//! tangent (`None`, read as zero), and its rule is not run.

use std::fmt;

use ndarray::{Array2, ArrayView2, Axis, Zip};
use thiserror::Error;

use crate::kernels::{larger_share, power_slope, sign};
use crate::op::Op;
use crate::tape::{Node, NodeId, Tape};
use crate::var::Var;

/// Why forward mode could not run.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ForwardModeError {
    /// A custom op on the path has no JVP rule ([`CustomOp::jvp`](crate::CustomOp::jvp)
    /// returned `None`).
    #[error("forward mode through node {node}: the custom op {op} has no JVP rule (implement CustomOp::jvp)")]
    NoJvpRule {
        /// The node.
        node: NodeId,
        /// The custom op's name.
        op: String,
    },
    /// A tangent does not have its input's shape, or there is not one per input.
    #[error("{0}")]
    Tangents(String),
}

/// The directional derivative of `f` at `inputs` along `tangents` (one per
/// input, of its shape): `f`'s value and `J v`, both of `f`'s output shape.
/// `f` records its function as for [`gradcheck`](crate::gradcheck()).
///
/// ```
/// use autograd::jvp;
/// use ndarray::array;
///
/// // f(x) = x ⊙ x, along v: J v = 2 x ⊙ v.
/// let (value, derivative) = jvp(|_, x| x[0] * x[0], &[array![[3.0, -1.0]]], &[array![[1.0, 0.5]]]);
/// assert_eq!(value, array![[9.0, 1.0]]);
/// assert_eq!(derivative, array![[6.0, -1.0]]);
/// ```
///
/// # Panics
/// If a tangent's shape differs from its input's, or a custom op on the way
/// has no JVP rule (see [`try_jvp`] for these as errors).
#[track_caller]
pub fn jvp<F>(f: F, inputs: &[Array2<f64>], tangents: &[Array2<f64>]) -> (Array2<f64>, Array2<f64>)
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    try_jvp(f, inputs, tangents).unwrap_or_else(|error| panic!("jvp: {error}"))
}

/// [`jvp`], with a custom op without a JVP rule or a misshapen tangent as an error.
pub fn try_jvp<F>(
    f: F,
    inputs: &[Array2<f64>],
    tangents: &[Array2<f64>],
) -> Result<(Array2<f64>, Array2<f64>), ForwardModeError>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    if inputs.len() != tangents.len() {
        return Err(ForwardModeError::Tangents(format!(
            "{} tangents for {} inputs",
            tangents.len(),
            inputs.len()
        )));
    }
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let output = f(&tape, &params);
    let seeds: Vec<(Var<'_>, Array2<f64>)> = params.iter().copied().zip(tangents.iter().cloned()).collect();
    let mut all = tape.tangents(&seeds)?;
    let derivative = all[output.id().index()]
        .take()
        .unwrap_or_else(|| Array2::zeros(output.shape()));
    Ok((output.value().to_owned(), derivative))
}

impl Tape {
    /// The tangent of every node when the given parameters move along the
    /// given directions (every other leaf stays still): one forward sweep
    /// in tape order, each node's JVP rule applied to its operands'
    /// tangents. `None` for a node that does not move.
    pub fn tangents(&self, seeds: &[(Var<'_>, Array2<f64>)]) -> Result<Vec<Option<Array2<f64>>>, ForwardModeError> {
        let nodes = self.nodes();
        let mut tangents: Vec<Option<Array2<f64>>> = vec![None; nodes.len()];
        for (param, tangent) in seeds {
            param.assert_same_tape(self, "tangents");
            let shape = nodes[param.id().index()].value.dim();
            if tangent.dim() != shape {
                return Err(ForwardModeError::Tangents(format!(
                    "the tangent of node {} has shape {:?}, its value {shape:?}",
                    param.id(),
                    tangent.dim()
                )));
            }
            tangents[param.id().index()] = Some(tangent.clone());
        }
        for (index, node) in nodes.iter().enumerate() {
            if node.op.is_leaf() || node.op.operands().iter().all(|id| tangents[id.index()].is_none()) {
                continue;
            }
            tangents[index] =
                Some(
                    push_forward(&nodes, node, &tangents).ok_or_else(|| ForwardModeError::NoJvpRule {
                        node: NodeId(index),
                        op: node.op.name().to_owned(),
                    })?,
                );
        }
        Ok(tangents)
    }
}

/// The tangent of `node`'s output from its operands' tangents (`None` read
/// as zero): the JVPs documented on [`Op`], in one `match`. `None` only for
/// a custom op without a JVP rule.
pub(crate) fn push_forward(nodes: &[Node], node: &Node, tangents: &[Option<Array2<f64>>]) -> Option<Array2<f64>> {
    let value = |id: &NodeId| nodes[id.index()].value.view();
    let tangent = |id: &NodeId| -> Tangent<'_> {
        match &tangents[id.index()] {
            Some(t) => Tangent::Moving(t.view()),
            None => Tangent::Still(value(id).dim()),
        }
    };
    let c = node.value.view();
    let moved = match &node.op {
        Op::Parameter | Op::Constant => unreachable!("leaves have their tangents given"),
        // Ċ = Ȧ·B + A·Ḃ
        Op::MatMul(a, b) => tangent(a).matmul(value(b)) + value(a).dot(&tangent(b).dense()),
        // Ċ = Ȧᵀ
        Op::Transpose(a) => tangent(a).dense().t().to_owned(),
        // Ċ = Ȧ + Ḃ, Ȧ - Ḃ (broadcasting)
        Op::Add(a, b) => &tangent(a).dense() + &tangent(b).dense(),
        Op::Sub(a, b) => &tangent(a).dense() - &tangent(b).dense(),
        // Ċ = -Ȧ
        Op::Neg(a) => -tangent(a).dense(),
        // Ċ = Ȧ⊙B + A⊙Ḃ
        Op::Mul(a, b) => &tangent(a).dense() * &value(b) + &value(a) * &tangent(b).dense(),
        // Ċ = (Ȧ - C⊙Ḃ)/B
        Op::Div(a, b) => (&tangent(a).dense() - &(&c * &tangent(b).dense())) / value(b),
        // Ċ = Ȧ⊙share(A, B) + Ḃ⊙share(B, A)
        Op::Maximum(a, b) => shared(value(a), value(b), tangent(a), tangent(b), larger_share),
        Op::Minimum(a, b) => shared(value(a), value(b), tangent(a), tangent(b), |x, y| larger_share(y, x)),
        // Ċ = c·Ȧ, Ȧ
        Op::Scale(a, factor) => tangent(a).dense() * *factor,
        Op::AddScalar(a, _) => tangent(a).dense(),
        // Ċ = f'(A)⊙Ȧ for the element-wise functions
        Op::Relu(a) => times(tangent(a), value(a).mapv(|x| if x > 0.0 { 1.0 } else { 0.0 })),
        Op::Square(a) => times(tangent(a), value(a).mapv(|x| 2.0 * x)),
        Op::Exp(a) => times(tangent(a), c.to_owned()),
        Op::Log(a) => times(tangent(a), value(a).mapv(f64::recip)),
        Op::Sqrt(a) => times(tangent(a), c.mapv(|c| 1.0 / (2.0 * c))),
        Op::Abs(a) => times(tangent(a), value(a).mapv(sign)),
        Op::Tanh(a) => times(tangent(a), c.mapv(|c| 1.0 - c * c)),
        Op::Sigmoid(a) => times(tangent(a), c.mapv(|c| c * (1.0 - c))),
        Op::Powf(a, p) => times(tangent(a), value(a).mapv(|x| power_slope(x, *p))),
        // ṡ = Σ Ȧ, Σ Ȧ/(m·n)
        Op::Sum(a) => scalar(tangent(a).dense().sum()),
        Op::Mean(a) => scalar(tangent(a).dense().sum() / value(a).len() as f64),
        // Ċ = Ȧ summed (or averaged) along the axis
        Op::SumAxis(a, axis) => keep(tangent(a).dense().sum_axis(*axis), *axis),
        Op::MeanAxis(a, axis) => {
            let count = value(a).len_of(*axis) as f64;
            keep(tangent(a).dense().sum_axis(*axis) / count, *axis)
        }
        // Ċ = (Ȧ⊙[A = C]/ties) summed along the axis
        Op::MaxAxis(a, axis) => {
            let a_value = value(a);
            let at_max = Zip::from(&a_value)
                .and_broadcast(&c)
                .map_collect(|&x, &max| f64::from(u8::from(x == max)));
            let ties = keep(at_max.sum_axis(*axis), *axis);
            let picked = keep((&at_max * &tangent(a).dense()).sum_axis(*axis), *axis);
            picked / ties
        }
        // ṡ = ⟨A, Ȧ⟩/‖A‖ (0 at A = 0), 2⟨A, Ȧ⟩
        Op::FrobeniusNorm(a) => {
            let norm = c[[0, 0]];
            scalar(if norm == 0.0 {
                0.0
            } else {
                inner(value(a), tangent(a)) / norm
            })
        }
        Op::SumSquares(a) => scalar(2.0 * inner(value(a), tangent(a))),
        // Ċ = C⊙(Ȧ - rowsum(C⊙Ȧ))
        Op::Softmax(a) => {
            let moved = tangent(a).dense();
            let weighted = (&c * &moved).sum_axis(Axis(1)).insert_axis(Axis(1));
            &c * &(&moved - &weighted)
        }
        // Ẏ = Ȧ - rowsum(softmax(A)⊙Ȧ), with softmax(A) = exp(Y)
        Op::LogSoftmax(a) => {
            let moved = tangent(a).dense();
            let weighted = (&c.mapv(f64::exp) * &moved).sum_axis(Axis(1)).insert_axis(Axis(1));
            &moved - &weighted
        }
        // ṡ = ⟨softmax(Z) - onehot(y), Ż⟩/m, with softmax(Z) saved forward
        Op::CrossEntropy { logits, labels } => {
            let mut residual = *node.saved.clone().expect("cross_entropy saves its probabilities");
            for (row, &label) in labels.iter().enumerate() {
                residual[[row, label]] -= 1.0;
            }
            scalar(inner(residual.view(), tangent(logits)) / labels.len() as f64)
        }
        // ṡ = (⟨σ(Z) - T, Ż⟩ - ⟨Z, Ṫ⟩)/N
        Op::BceWithLogits(z, t) => {
            let residual = Zip::from(&value(z))
                .and(&value(t))
                .map_collect(|&z, &t| crate::kernels::sigmoid(z) - t);
            let count = value(z).len() as f64;
            scalar((inner(residual.view(), tangent(z)) - inner(value(z), tangent(t))) / count)
        }
        Op::Custom { op, inputs } => {
            let views: Vec<ArrayView2<f64>> = inputs.iter().map(value).collect();
            let dense: Vec<Array2<f64>> = inputs.iter().map(|id| tangent(id).dense()).collect();
            let moved: Vec<ArrayView2<f64>> = dense.iter().map(|t| t.view()).collect();
            let tangent = op.jvp(&views, c, &moved)?;
            assert!(
                tangent.dim() == c.dim(),
                "{}: jvp returned shape {:?} for an output of shape {:?}",
                op.name(),
                tangent.dim(),
                c.dim()
            );
            tangent
        }
    };
    Some(moved)
}

/// An operand's tangent: moving, or still (zero, of this shape).
#[derive(Clone, Copy)]
enum Tangent<'a> {
    Moving(ArrayView2<'a, f64>),
    Still((usize, usize)),
}

impl Tangent<'_> {
    /// The tangent as a matrix (zeros when still).
    fn dense(self) -> Array2<f64> {
        match self {
            Tangent::Moving(t) => t.to_owned(),
            Tangent::Still(shape) => Array2::zeros(shape),
        }
    }

    /// `tangent · b`.
    fn matmul(self, b: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Tangent::Moving(t) => t.dot(&b),
            Tangent::Still((rows, _)) => Array2::zeros((rows, b.ncols())),
        }
    }
}

impl fmt::Debug for Tangent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tangent::Moving(t) => write!(f, "Moving{:?}", t.dim()),
            Tangent::Still(shape) => write!(f, "Still{shape:?}"),
        }
    }
}

/// `Ȧ ⊙ slope`, element by element.
fn times(tangent: Tangent<'_>, mut slope: Array2<f64>) -> Array2<f64> {
    match tangent {
        Tangent::Moving(t) => {
            slope *= &t;
            slope
        }
        Tangent::Still(shape) => Array2::zeros(shape),
    }
}

/// `Ȧ⊙share(A, B) + Ḃ⊙share(B, A)`, broadcasting (`maximum`, `minimum`).
fn shared(
    a: ArrayView2<f64>,
    b: ArrayView2<f64>,
    a_moves: Tangent<'_>,
    b_moves: Tangent<'_>,
    share: impl Fn(f64, f64) -> f64,
) -> Array2<f64> {
    let (a_dot, b_dot) = (a_moves.dense(), b_moves.dense());
    let shape = (a.nrows().max(b.nrows()), a.ncols().max(b.ncols()));
    let mut out = Array2::zeros(shape);
    Zip::from(&mut out)
        .and_broadcast(&a)
        .and_broadcast(&b)
        .and_broadcast(&a_dot)
        .and_broadcast(&b_dot)
        .for_each(|out, &x, &y, &dx, &dy| *out = dx * share(x, y) + dy * share(y, x));
    out
}

/// `⟨A, Ȧ⟩ = Σ A ⊙ Ȧ`.
fn inner(a: ArrayView2<f64>, tangent: Tangent<'_>) -> f64 {
    match tangent {
        Tangent::Moving(t) => Zip::from(&a).and(&t).fold(0.0, |sum, x, dx| sum + x * dx),
        Tangent::Still(_) => 0.0,
    }
}

/// A 1 x 1 matrix.
fn scalar(x: f64) -> Array2<f64> {
    ndarray::array![[x]]
}

/// A reduction along `axis` as a matrix: a 1 x n row for `Axis(0)`, an
/// m x 1 column for `Axis(1)`.
fn keep(reduced: ndarray::Array1<f64>, axis: Axis) -> Array2<f64> {
    reduced.insert_axis(axis)
}
