//! The operations a node can record, each with its vector-Jacobian product.
//!
//! Notation: `G` is the adjoint of the node's output (∂loss/∂output, the
//! same shape as the output), `dA` the adjoint sent to operand `A`; `g` is
//! the 1 x 1 adjoint of a scalar output; `⊙` multiplies element by element;
//! `1` is a column of ones. The formulas are implemented, in the same order,
//! by the single `match` in `backward.rs`.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::custom::CustomOp;
use crate::tape::NodeId;

/// How a node's value was produced.
#[derive(Clone)]
pub enum Op {
    /// A leaf that receives a gradient.
    Parameter,
    /// A leaf that receives no gradient.
    Constant,
    /// `C = A B`; `dA = G Bᵀ`, `dB = Aᵀ G`.
    MatMul(NodeId, NodeId),
    /// `C = Aᵀ`; `dA = Gᵀ`.
    Transpose(NodeId),
    /// `C = A + B`; `dA = G`, `dB = G`.
    Add(NodeId, NodeId),
    /// `C = A - B`; `dA = G`, `dB = -G`.
    Sub(NodeId, NodeId),
    /// `C = -A`; `dA = -G`.
    Neg(NodeId),
    /// `C = A ⊙ B`; `dA = G ⊙ B`, `dB = G ⊙ A`. Multiplying by a constant
    /// 0/1 mask is this op with a constant `B`.
    Mul(NodeId, NodeId),
    /// `C = c A` for a number `c`; `dA = c G`.
    Scale(NodeId, f64),
    /// `C = A + c` for a number `c`; `dA = G`.
    AddScalar(NodeId, f64),
    /// `C = A + 1 b`: the 1 x n row `b` added to every row of the m x n `A`;
    /// `dA = G`, `db = 1ᵀ G` (the column sums of `G`: `b` was used in every row).
    AddBias(NodeId, NodeId),
    /// `C = max(A, 0)` element-wise; `dA = G ⊙ [A > 0]`. At the kink `A = 0`
    /// the subgradient 0 is used: relu'(0) = 0.
    Relu(NodeId),
    /// `C = A ⊙ A`; `dA = 2 A ⊙ G`.
    Square(NodeId),
    /// `s = Σᵢⱼ Aᵢⱼ`; `dA = g` in every entry.
    Sum(NodeId),
    /// `s = Σᵢⱼ Aᵢⱼ / (m n)`; `dA = g / (m n)` in every entry.
    Mean(NodeId),
    /// `s = ||A||_F = sqrt(Σᵢⱼ Aᵢⱼ²)`; `dA = g A / s`. At `A = 0` the norm is
    /// not differentiable and the subgradient `dA = 0` is used.
    FrobeniusNorm(NodeId),
    /// `s = Σᵢⱼ Aᵢⱼ²`; `dA = 2 g A`.
    SumSquares(NodeId),
    /// `Y = A - log(Σⱼ exp(A)) 1ᵀ` row by row, computed stably by subtracting
    /// each row's maximum first; `dA = G - softmax(A) ⊙ (G 1) 1ᵀ` with
    /// `softmax(A) = exp(Y)`: each row of `G` minus its sum times the row's
    /// probabilities.
    LogSoftmax(NodeId),
    /// `s = -(1/m) Σᵢ log softmax(Z)ᵢ,yᵢ` for logits `Z` (m x k) and integer
    /// class labels `y`; `dZ = g (softmax(Z) - onehot(y)) / m`. The forward
    /// pass saves `softmax(Z)`, which it computes anyway, for the backward rule.
    CrossEntropy {
        /// The m x k logits.
        logits: NodeId,
        /// One class index in `0..k` per row.
        labels: Rc<[usize]>,
    },
    /// An operation defined outside the engine; its forward and VJP are the
    /// [`CustomOp`]'s own.
    Custom {
        /// The operation.
        op: Rc<dyn CustomOp>,
        /// Its operands, in the order the op expects them.
        inputs: Rc<[NodeId]>,
    },
}

impl Op {
    /// The short name used in messages and tape dumps (`"matmul"`).
    pub fn name(&self) -> &str {
        match self {
            Op::Parameter => "parameter",
            Op::Constant => "constant",
            Op::MatMul(..) => "matmul",
            Op::Transpose(..) => "transpose",
            Op::Add(..) => "add",
            Op::Sub(..) => "sub",
            Op::Neg(..) => "neg",
            Op::Mul(..) => "mul",
            Op::Scale(..) => "scale",
            Op::AddScalar(..) => "add_scalar",
            Op::AddBias(..) => "add_bias",
            Op::Relu(..) => "relu",
            Op::Square(..) => "square",
            Op::Sum(..) => "sum",
            Op::Mean(..) => "mean",
            Op::FrobeniusNorm(..) => "frobenius_norm",
            Op::SumSquares(..) => "sum_squares",
            Op::LogSoftmax(..) => "log_softmax",
            Op::CrossEntropy { .. } => "cross_entropy",
            Op::Custom { op, .. } => op.name(),
        }
    }

    /// The vector-Jacobian product as one line of text, as in the docs above.
    pub fn formula(&self) -> &str {
        match self {
            Op::Parameter => "leaf: receives its gradient",
            Op::Constant => "leaf: no gradient",
            Op::MatMul(..) => "matmul: dA = G·Bᵀ, dB = Aᵀ·G",
            Op::Transpose(..) => "transpose: dA = Gᵀ",
            Op::Add(..) => "add: dA = G, dB = G",
            Op::Sub(..) => "sub: dA = G, dB = -G",
            Op::Neg(..) => "neg: dA = -G",
            Op::Mul(..) => "mul: dA = G⊙B, dB = G⊙A",
            Op::Scale(..) => "scale: dA = c·G",
            Op::AddScalar(..) => "add_scalar: dA = G",
            Op::AddBias(..) => "add_bias: dA = G, db = 1ᵀ·G (sum over rows)",
            Op::Relu(..) => "relu: dA = G⊙[A > 0]",
            Op::Square(..) => "square: dA = 2·A⊙G",
            Op::Sum(..) => "sum: dA = g·1",
            Op::Mean(..) => "mean: dA = g/(m·n)·1",
            Op::FrobeniusNorm(..) => "frobenius_norm: dA = g·A/||A||_F (0 at A = 0)",
            Op::SumSquares(..) => "sum_squares: dA = 2·g·A",
            Op::LogSoftmax(..) => "log_softmax: dA = G - softmax(A)⊙rowsum(G)",
            Op::CrossEntropy { .. } => "cross_entropy: dZ = g·(softmax(Z) - onehot(y))/m",
            Op::Custom { op, .. } => op.formula(),
        }
    }

    /// The ids of the nodes this op reads, in order.
    pub fn operands(&self) -> Operands<'_> {
        match self {
            Op::Parameter | Op::Constant => Operands::None,
            Op::Transpose(a)
            | Op::Neg(a)
            | Op::Scale(a, _)
            | Op::AddScalar(a, _)
            | Op::Relu(a)
            | Op::Square(a)
            | Op::Sum(a)
            | Op::Mean(a)
            | Op::FrobeniusNorm(a)
            | Op::SumSquares(a)
            | Op::LogSoftmax(a)
            | Op::CrossEntropy { logits: a, .. } => Operands::One([*a]),
            Op::MatMul(a, b) | Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::AddBias(a, b) => {
                Operands::Two([*a, *b])
            }
            Op::Custom { inputs, .. } => Operands::Many(inputs),
        }
    }

    /// Whether this node is a leaf (a parameter or a constant).
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Parameter | Op::Constant)
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Op::Scale(_, c) | Op::AddScalar(_, c) => write!(f, "[{c}]")?,
            Op::CrossEntropy { labels, .. } => write!(f, "[{} labels]", labels.len())?,
            _ => {}
        }
        let operands = self.operands();
        if !operands.is_empty() {
            let ids: Vec<String> = operands.iter().map(ToString::to_string).collect();
            write!(f, "({})", ids.join(", "))?;
        }
        Ok(())
    }
}

/// The operand ids of an [`Op`], as a slice without allocating.
#[derive(Debug)]
pub enum Operands<'a> {
    /// A leaf.
    None,
    /// A unary op.
    One([NodeId; 1]),
    /// A binary op.
    Two([NodeId; 2]),
    /// A custom op with any number of operands.
    Many(&'a [NodeId]),
}

impl Deref for Operands<'_> {
    type Target = [NodeId];

    fn deref(&self) -> &[NodeId] {
        match self {
            Operands::None => &[],
            Operands::One(ids) => ids,
            Operands::Two(ids) => ids,
            Operands::Many(ids) => ids,
        }
    }
}
