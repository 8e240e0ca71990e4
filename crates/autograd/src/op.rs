//! The operations a node can record, each with its vector-Jacobian product,
//! and one table of what every op says about itself.
//!
//! Notation, used in every formula of the engine and its docs: the op's
//! operands are `A`, `B` (`Z` for logits), its output `C` (`s` when it is a
//! 1 x 1 scalar, `Y` for log-probabilities); `G` is the adjoint of the
//! output (∂loss/∂C, the same shape as `C`) and `g` that of a scalar
//! output; `dA` is what the op sends back to operand `A`, `Gᵀ ∂C/∂A`. `⊙`
//! multiplies element by element and `1` is a column of ones. In forward
//! mode a dot marks a tangent: `Ȧ` is how fast operand `A` moves along a
//! chosen direction, `Ċ` how fast the output does (each op's JVP computes it).
//!
//! **Broadcasting.** `+ - * /`, `maximum` and `minimum` follow NumPy's rule
//! on two dimensions: each dimension of the two operands is equal, or one
//! of them is 1 and that operand is repeated along it. So an m x n matrix
//! combines with a 1 x n row (repeated down the rows), an m x 1 column
//! (repeated across the columns) or a 1 x 1 number, on either side. An
//! operand repeated k times was used k times, and fan-out adds: its adjoint
//! is the rule's contribution *summed over the axes along which it was
//! repeated*, which brings it back to the operand's shape. Forgetting that
//! sum is the classic broadcasting bug (see the zoo).
//!
//! Where an op lives:
//!
//! - here: its variant of [`Op`] (the formulas in its doc comment), its arm
//!   in [`Op::parts`] (kind, operands, the number it carries), its
//!   [`OpKind`] and its row of [`SPECS`] (name, operand letters, VJP as one
//!   line, kinks, cost);
//! - `var.rs`: the method on [`Var`](crate::Var) that checks shapes and records it;
//! - `forward.rs`: its forward computation, one arm of one `match`;
//! - `backward.rs`: its backward rule, one arm of the one `match` that holds them all;
//! - `forward_mode.rs`: its JVP, one arm of the one `match` of forward mode;
//! - `grad.rs`: its VJP once more, written with `Var` ops so that it is
//!   recorded on the tape (and can be differentiated again);
//! - `check/cases.rs`: the random cases the checkers and property tests draw.
//!
//! Every one of these is a `match` the compiler holds exhaustive, or a table
//! a compile-time assertion holds complete: a new variant does not build
//! until each step is done.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use ndarray::Axis;

use crate::check::Kinks;
use crate::custom::CustomOp;
use crate::inspect::CostRule;
use crate::inspect::counts::{ON_G, PASS_G, PerEntry, READS_ONE};
use crate::tape::NodeId;

/// How a node's value was produced, naming its operands by id.
#[derive(Clone)]
pub enum Op {
    /// A leaf that receives a gradient.
    Parameter,
    /// A leaf that receives no gradient.
    Constant,
    /// `C = A B`; `dA = G Bᵀ`, `dB = Aᵀ G`.
    /// Forward mode: `Ċ = Ȧ·B + A·Ḃ`.
    MatMul(NodeId, NodeId),
    /// `C = Aᵀ`; `dA = Gᵀ`.
    /// Forward mode: `Ċ = Ȧᵀ`.
    Transpose(NodeId),
    /// `C = A + B`, broadcasting; `dA = G`, `dB = G`, each summed over the
    /// operand's broadcast axes. `add_bias` (a 1 x n row added to every row)
    /// is this op.
    /// Forward mode: `Ċ = Ȧ + Ḃ`.
    Add(NodeId, NodeId),
    /// `C = A - B`, broadcasting; `dA = G`, `dB = -G`, each summed over the
    /// operand's broadcast axes.
    /// Forward mode: `Ċ = Ȧ - Ḃ`.
    Sub(NodeId, NodeId),
    /// `C = -A`; `dA = -G`.
    /// Forward mode: `Ċ = -Ȧ`.
    Neg(NodeId),
    /// `C = A ⊙ B`, broadcasting; `dA = G ⊙ B`, `dB = G ⊙ A`, each summed
    /// over the operand's broadcast axes. Multiplying by a constant 0/1 mask
    /// is this op with a constant `B`.
    /// Forward mode: `Ċ = Ȧ⊙B + A⊙Ḃ`.
    Mul(NodeId, NodeId),
    /// `C = A / B` element-wise, broadcasting; `dA = G / B`,
    /// `dB = -G ⊙ A / B² = -G ⊙ C / B`, each summed over the operand's
    /// broadcast axes. Where `B = 0` the quotient is ±inf or NaN, as in IEEE
    /// arithmetic.
    /// Forward mode: `Ċ = (Ȧ - C⊙Ḃ)/B`.
    Div(NodeId, NodeId),
    /// `C = max(A, B)` element-wise, broadcasting; `dA = G ⊙ ([A > B] + ½[A = B])`,
    /// `dB = G ⊙ ([B > A] + ½[A = B])`: at a tie each operand gets half (as
    /// `torch.maximum`).
    /// Forward mode: `Ċ = Ȧ⊙([A > B] + ½[A = B]) + Ḃ⊙([B > A] + ½[A = B])`.
    Maximum(NodeId, NodeId),
    /// `C = min(A, B)` element-wise, broadcasting; `dA = G ⊙ ([A < B] + ½[A = B])`,
    /// `dB = G ⊙ ([B < A] + ½[A = B])`: at a tie each operand gets half.
    /// Forward mode: `Ċ = Ȧ⊙([A < B] + ½[A = B]) + Ḃ⊙([B < A] + ½[A = B])`.
    Minimum(NodeId, NodeId),
    /// `C = c A` for a number `c`; `dA = c G`.
    /// Forward mode: `Ċ = c·Ȧ`.
    Scale(NodeId, f64),
    /// `C = A + c` for a number `c`; `dA = G`.
    /// Forward mode: `Ċ = Ȧ`.
    AddScalar(NodeId, f64),
    /// `C = max(A, 0)` element-wise; `dA = G ⊙ [A > 0]`. At the kink `A = 0`
    /// the subgradient 0 is used: relu'(0) = 0.
    /// Forward mode: `Ċ = Ȧ⊙[A > 0]`.
    Relu(NodeId),
    /// `C = A ⊙ A`; `dA = 2 A ⊙ G`.
    /// Forward mode: `Ċ = 2·A⊙Ȧ`.
    Square(NodeId),
    /// `C = exp(A)` element-wise; `dA = G ⊙ C` (the output is its own derivative).
    /// Forward mode: `Ċ = C⊙Ȧ`.
    Exp(NodeId),
    /// `C = log(A)` element-wise (natural); `dA = G / A`. At `A = 0` the
    /// value is -inf, and below it NaN.
    /// Forward mode: `Ċ = Ȧ/A`.
    Log(NodeId),
    /// `C = sqrt(A)` element-wise; `dA = G / (2 C)`. At `A = 0` the value is
    /// 0 and the derivative +inf (as PyTorch's); below 0, NaN.
    /// Forward mode: `Ċ = Ȧ/(2·C)`.
    Sqrt(NodeId),
    /// `C = |A|` element-wise; `dA = G ⊙ sign(A)`, with the subgradient
    /// `abs'(0) = 0` at the kink (as PyTorch's).
    /// Forward mode: `Ċ = sign(A)⊙Ȧ`.
    Abs(NodeId),
    /// `C = tanh(A)` element-wise; `dA = G ⊙ (1 - C²)`.
    /// Forward mode: `Ċ = (1 - C²)⊙Ȧ`.
    Tanh(NodeId),
    /// `C = σ(A) = 1 / (1 + exp(-A))` element-wise, computed without
    /// overflow; `dA = G ⊙ C ⊙ (1 - C)`.
    /// Forward mode: `Ċ = C⊙(1 - C)⊙Ȧ`.
    Sigmoid(NodeId),
    /// `C = A^p` element-wise for a number `p`; `dA = G ⊙ p A^(p-1)`, and
    /// `dA = 0` for `p = 0` (as PyTorch's). At `A = 0` with `p < 1` the
    /// derivative is inf; a negative `A` with a fractional `p` gives NaN.
    /// Forward mode: `Ċ = p·A^(p-1)⊙Ȧ`.
    Powf(NodeId, f64),
    /// `s = Σᵢⱼ Aᵢⱼ`; `dA = g` in every entry.
    /// Forward mode: `ṡ = Σ Ȧ`.
    Sum(NodeId),
    /// `s = Σᵢⱼ Aᵢⱼ / (m n)`; `dA = g / (m n)` in every entry.
    /// Forward mode: `ṡ = Σ Ȧ/(m·n)`.
    Mean(NodeId),
    /// The sums along one axis, keeping two dimensions: `Axis(0)` sums the
    /// rows into a 1 x n row (`C = 1ᵀ A`), `Axis(1)` the columns into an
    /// m x 1 column (`C = A 1`); `dA = G` broadcast back along that axis.
    /// Forward mode: `Ċ = Ȧ summed along the axis`.
    SumAxis(NodeId, Axis),
    /// The means along one axis (as [`Op::SumAxis`], divided by the count
    /// `k` of entries summed); `dA = G / k` broadcast back along that axis.
    /// Forward mode: `Ċ = Ȧ averaged along the axis`.
    MeanAxis(NodeId, Axis),
    /// The maxima along one axis (as [`Op::SumAxis`]); `dA = G` at each
    /// line's maximum and 0 elsewhere, split evenly among tied maxima (as
    /// `torch.amax`): `dA = G ⊙ [A = C] / (number of ties)`, broadcast back.
    /// Forward mode: `Ċ = (Ȧ⊙[A = C]/(ties)) summed along the axis`.
    MaxAxis(NodeId, Axis),
    /// `s = ‖A‖_F = sqrt(Σᵢⱼ Aᵢⱼ²)`; `dA = g A / s`. At `A = 0` the norm is
    /// not differentiable and the subgradient `dA = 0` is used.
    /// Forward mode: `ṡ = ⟨A, Ȧ⟩/||A||_F (0 at A = 0)`.
    FrobeniusNorm(NodeId),
    /// `s = Σᵢⱼ Aᵢⱼ²`; `dA = 2 g A`.
    /// Forward mode: `ṡ = 2·⟨A, Ȧ⟩`.
    SumSquares(NodeId),
    /// `C = softmax(A)` row by row, `Cᵢⱼ = exp(Aᵢⱼ) / Σₖ exp(Aᵢₖ)`, computed
    /// stably by subtracting each row's maximum first; `dA = C ⊙ (G - (G ⊙ C) 1 1ᵀ)`:
    /// each row of `G` minus its `C`-weighted mean, times `C`.
    /// Forward mode: `Ċ = C⊙(Ȧ - rowsum(C⊙Ȧ))`.
    Softmax(NodeId),
    /// `Y = A - log(Σⱼ exp(A)) 1ᵀ` row by row, computed stably by subtracting
    /// each row's maximum first; `dA = G - softmax(A) ⊙ (G 1) 1ᵀ` with
    /// `softmax(A) = exp(Y)`: each row of `G` minus its sum times the row's
    /// probabilities.
    /// Forward mode: `Ẏ = Ȧ - rowsum(softmax(A)⊙Ȧ)`.
    LogSoftmax(NodeId),
    /// `s = -(1/m) Σᵢ log softmax(Z)ᵢ,yᵢ` for logits `Z` (m x k) and integer
    /// class labels `y`; `dZ = g (softmax(Z) - onehot(y)) / m`. The forward
    /// pass saves `softmax(Z)`, which it computes anyway, for the backward rule.
    /// Forward mode: `ṡ = ⟨softmax(Z) - onehot(y), Ż⟩/m`.
    CrossEntropy {
        /// The m x k logits.
        logits: NodeId,
        /// One class index in `0..k` per row.
        labels: Rc<[usize]>,
    },
    /// Binary cross-entropy of logits `Z` against targets `T` (0/1, or
    /// probabilities), averaged over the N entries:
    /// `s = (1/N) Σ [max(Z, 0) - Z ⊙ T + log(1 + exp(-|Z|))]`, which is
    /// `-(1/N) Σ [T log σ(Z) + (1 - T) log(1 - σ(Z))]` computed without the
    /// overflow of `log σ`; `dZ = g (σ(Z) - T) / N`, `dT = -g Z / N`.
    /// Forward mode: `ṡ = (⟨σ(Z) - T, Ż⟩ - ⟨Z, Ṫ⟩)/N`.
    BceWithLogits(NodeId, NodeId),
    /// An operation defined outside the engine; its forward and VJP are the
    /// [`CustomOp`]'s own.
    Custom {
        /// The operation.
        op: Rc<dyn CustomOp>,
        /// Its operands, in the order the op expects them.
        inputs: Rc<[NodeId]>,
    },
}

/// An [`Op`] without its operands: what [`SPECS`] is indexed by.
///
/// The variants are in the order of [`Op`]'s, `Custom` last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    /// [`Op::Parameter`].
    Parameter,
    /// [`Op::Constant`].
    Constant,
    /// [`Op::MatMul`].
    MatMul,
    /// [`Op::Transpose`].
    Transpose,
    /// [`Op::Add`].
    Add,
    /// [`Op::Sub`].
    Sub,
    /// [`Op::Neg`].
    Neg,
    /// [`Op::Mul`].
    Mul,
    /// [`Op::Div`].
    Div,
    /// [`Op::Maximum`].
    Maximum,
    /// [`Op::Minimum`].
    Minimum,
    /// [`Op::Scale`].
    Scale,
    /// [`Op::AddScalar`].
    AddScalar,
    /// [`Op::Relu`].
    Relu,
    /// [`Op::Square`].
    Square,
    /// [`Op::Exp`].
    Exp,
    /// [`Op::Log`].
    Log,
    /// [`Op::Sqrt`].
    Sqrt,
    /// [`Op::Abs`].
    Abs,
    /// [`Op::Tanh`].
    Tanh,
    /// [`Op::Sigmoid`].
    Sigmoid,
    /// [`Op::Powf`].
    Powf,
    /// [`Op::Sum`].
    Sum,
    /// [`Op::Mean`].
    Mean,
    /// [`Op::SumAxis`].
    SumAxis,
    /// [`Op::MeanAxis`].
    MeanAxis,
    /// [`Op::MaxAxis`].
    MaxAxis,
    /// [`Op::FrobeniusNorm`].
    FrobeniusNorm,
    /// [`Op::SumSquares`].
    SumSquares,
    /// [`Op::Softmax`].
    Softmax,
    /// [`Op::LogSoftmax`].
    LogSoftmax,
    /// [`Op::CrossEntropy`].
    CrossEntropy,
    /// [`Op::BceWithLogits`].
    BceWithLogits,
    /// [`Op::Custom`]; stays last (the completeness check of [`SPECS`] relies on it).
    Custom,
}

/// What an op says about itself: one row of [`SPECS`].
#[derive(Clone, Copy, Debug)]
pub struct OpSpec {
    /// The op this row describes.
    pub kind: OpKind,
    /// The short name used in messages, dumps and checks (`"matmul"`).
    pub name: &'static str,
    /// The letter of each operand in the rules, in order (`["A", "B"]`).
    pub operands: &'static [&'static str],
    /// The vector-Jacobian product as one line, in the notation of this module.
    pub vjp: &'static str,
    /// The Jacobian-vector product (forward mode) as one line: `Ȧ` is the
    /// tangent of operand `A`, `Ċ` that of the output.
    pub jvp: &'static str,
    /// Where the op is not differentiable (see [`Kinks`]).
    pub kinks: Kinks,
    /// How its forward and backward work are counted (see [`CostRule`]).
    pub cost: CostRule,
}

impl OpSpec {
    /// Whether the op broadcasts its operands: the element-wise ops of two
    /// operands (those counted as [`CostRule::Zip`]).
    pub fn broadcasts(&self) -> bool {
        matches!(self.cost, CostRule::Zip { .. })
    }
}

/// Every op's row, in the order of [`OpKind`] (a compile-time assertion
/// below holds the table complete and in order). Each row: the kind, its
/// name, its operands' letters, its kinks and its cost rule; below, its VJP
/// and its JVP.
#[rustfmt::skip]
pub const SPECS: [OpSpec; OpKind::Custom as usize + 1] = [
    row(OpKind::Parameter,     "parameter",      &[],         Kinks::None,    CostRule::Free,
        "leaf: receives its gradient",
        "leaf: its tangent is given"),
    row(OpKind::Constant,      "constant",       &[],         Kinks::None,    CostRule::Free,
        "leaf: no gradient",
        "leaf: tangent 0"),
    row(OpKind::MatMul,        "matmul",         &["A", "B"], Kinks::None,    CostRule::MatMul,
        "dA = G·Bᵀ, dB = Aᵀ·G",
        "Ċ = Ȧ·B + A·Ḃ"),
    row(OpKind::Transpose,     "transpose",      &["A"],      Kinks::None,    CostRule::Free,
        "dA = Gᵀ",
        "Ċ = Ȧᵀ"),
    row(OpKind::Add,           "add",            &["A", "B"], Kinks::None,    CostRule::zip(1, [PASS_G, PASS_G]),
        "dA = G, dB = G",
        "Ċ = Ȧ + Ḃ"),
    row(OpKind::Sub,           "sub",            &["A", "B"], Kinks::None,    CostRule::zip(1, [PASS_G, ON_G]),
        "dA = G, dB = -G",
        "Ċ = Ȧ - Ḃ"),
    row(OpKind::Neg,           "neg",            &["A"],      Kinks::None,    CostRule::map(1, ON_G),
        "dA = -G",
        "Ċ = -Ȧ"),
    row(OpKind::Mul,           "mul",            &["A", "B"], Kinks::None,    CostRule::zip(1, [READS_ONE, READS_ONE]),
        "dA = G⊙B, dB = G⊙A",
        "Ċ = Ȧ⊙B + A⊙Ḃ"),
    row(OpKind::Div,           "div",            &["A", "B"], Kinks::Pole(1), CostRule::zip(1, [READS_ONE, PerEntry::new(3, 2)]),
        "dA = G/B, dB = -G⊙C/B",
        "Ċ = (Ȧ - C⊙Ḃ)/B"),
    row(OpKind::Maximum,       "maximum",        &["A", "B"], Kinks::Tie,     CostRule::zip(1, [PerEntry::new(2, 2), PerEntry::new(2, 2)]),
        "dA = G⊙([A > B] + ½[A = B]), dB = G⊙([B > A] + ½[A = B])",
        "Ċ = Ȧ⊙([A > B] + ½[A = B]) + Ḃ⊙([B > A] + ½[A = B])"),
    row(OpKind::Minimum,       "minimum",        &["A", "B"], Kinks::Tie,     CostRule::zip(1, [PerEntry::new(2, 2), PerEntry::new(2, 2)]),
        "dA = G⊙([A < B] + ½[A = B]), dB = G⊙([B < A] + ½[A = B])",
        "Ċ = Ȧ⊙([A < B] + ½[A = B]) + Ḃ⊙([B < A] + ½[A = B])"),
    row(OpKind::Scale,         "scale",          &["A"],      Kinks::None,    CostRule::map(1, ON_G),
        "dA = c·G",
        "Ċ = c·Ȧ"),
    row(OpKind::AddScalar,     "add_scalar",     &["A"],      Kinks::None,    CostRule::map(1, PASS_G),
        "dA = G",
        "Ċ = Ȧ"),
    row(OpKind::Relu,          "relu",           &["A"],      Kinks::AtZero,  CostRule::map(1, READS_ONE),
        "dA = G⊙[A > 0]",
        "Ċ = Ȧ⊙[A > 0]"),
    row(OpKind::Square,        "square",         &["A"],      Kinks::None,    CostRule::map(1, PerEntry::new(2, 1)),
        "dA = 2·A⊙G",
        "Ċ = 2·A⊙Ȧ"),
    row(OpKind::Exp,           "exp",            &["A"],      Kinks::None,    CostRule::map(1, READS_ONE),
        "dA = G⊙C",
        "Ċ = C⊙Ȧ"),
    row(OpKind::Log,           "log",            &["A"],      Kinks::Pole(0), CostRule::map(1, READS_ONE),
        "dA = G/A",
        "Ċ = Ȧ/A"),
    row(OpKind::Sqrt,          "sqrt",           &["A"],      Kinks::Pole(0), CostRule::map(1, PerEntry::new(2, 1)),
        "dA = G/(2·C)",
        "Ċ = Ȧ/(2·C)"),
    row(OpKind::Abs,           "abs",            &["A"],      Kinks::AtZero,  CostRule::map(1, PerEntry::new(2, 1)),
        "dA = G⊙sign(A) (0 at A = 0)",
        "Ċ = sign(A)⊙Ȧ"),
    row(OpKind::Tanh,          "tanh",           &["A"],      Kinks::None,    CostRule::map(1, PerEntry::new(3, 1)),
        "dA = G⊙(1 - C²)",
        "Ċ = (1 - C²)⊙Ȧ"),
    row(OpKind::Sigmoid,       "sigmoid",        &["A"],      Kinks::None,    CostRule::map(3, PerEntry::new(3, 1)),
        "dA = G⊙C⊙(1 - C)",
        "Ċ = C⊙(1 - C)⊙Ȧ"),
    row(OpKind::Powf,          "powf",           &["A"],      Kinks::Power,   CostRule::map(1, PerEntry::new(3, 1)),
        "dA = G⊙p·A^(p-1)",
        "Ċ = p·A^(p-1)⊙Ȧ"),
    row(OpKind::Sum,           "sum",            &["A"],      Kinks::None,    CostRule::reduce((1, 0), (0, 0), false),
        "dA = g·1",
        "ṡ = Σ Ȧ"),
    row(OpKind::Mean,          "mean",           &["A"],      Kinks::None,    CostRule::reduce((1, 1), (0, 1), false),
        "dA = g/(m·n)·1",
        "ṡ = Σ Ȧ/(m·n)"),
    row(OpKind::SumAxis,       "sum_axis",       &["A"],      Kinks::None,    CostRule::axis((1, 0), 0, false),
        "dA = G broadcast back along the axis",
        "Ċ = Ȧ summed along the axis"),
    row(OpKind::MeanAxis,      "mean_axis",      &["A"],      Kinks::None,    CostRule::axis((1, 1), 1, false),
        "dA = G/k broadcast back along the axis",
        "Ċ = Ȧ averaged along the axis"),
    row(OpKind::MaxAxis,       "max_axis",       &["A"],      Kinks::MaxTie,  CostRule::axis((1, 0), 3, true),
        "dA = G⊙[A = C]/(ties) broadcast back along the axis",
        "Ċ = (Ȧ⊙[A = C]/(ties)) summed along the axis"),
    row(OpKind::FrobeniusNorm, "frobenius_norm", &["A"],      Kinks::NormTip, CostRule::reduce((2, 1), (2, 0), true),
        "dA = g·A/||A||_F (0 at A = 0)",
        "ṡ = ⟨A, Ȧ⟩/||A||_F (0 at A = 0)"),
    row(OpKind::SumSquares,    "sum_squares",    &["A"],      Kinks::None,    CostRule::reduce((2, 0), (1, 1), true),
        "dA = 2·g·A",
        "ṡ = 2·⟨A, Ȧ⟩"),
    row(OpKind::Softmax,       "softmax",        &["A"],      Kinks::None,    CostRule::rows((5, 0), 4),
        "dA = C⊙(G - rowsum(G⊙C))",
        "Ċ = C⊙(Ȧ - rowsum(C⊙Ȧ))"),
    row(OpKind::LogSoftmax,    "log_softmax",    &["A"],      Kinks::None,    CostRule::rows((5, 2), 4),
        "dA = G - softmax(A)⊙rowsum(G)",
        "Ẏ = Ȧ - rowsum(softmax(A)⊙Ȧ)"),
    row(OpKind::CrossEntropy,  "cross_entropy",  &["Z"],      Kinks::None,    CostRule::CrossEntropy,
        "dZ = g·(softmax(Z) - onehot(y))/m",
        "ṡ = ⟨softmax(Z) - onehot(y), Ż⟩/m"),
    row(OpKind::BceWithLogits, "bce_with_logits", &["Z", "T"], Kinks::None,   CostRule::BceWithLogits,
        "dZ = g·(σ(Z) - T)/N, dT = -g·Z/N",
        "ṡ = (⟨σ(Z) - T, Ż⟩ - ⟨Z, Ṫ⟩)/N"),
    row(OpKind::Custom,        "custom",         &[],         Kinks::Custom,  CostRule::NotCounted,
        "the custom op's own",
        "the custom op's own, if it has one"),
];

/// One row of [`SPECS`].
const fn row(
    kind: OpKind,
    name: &'static str,
    operands: &'static [&'static str],
    kinks: Kinks,
    cost: CostRule,
    vjp: &'static str,
    jvp: &'static str,
) -> OpSpec {
    OpSpec {
        kind,
        name,
        operands,
        vjp,
        jvp,
        kinks,
        cost,
    }
}

// `SPECS` has a row for every kind (its length is `Custom`'s position + 1,
// so a new kind before `Custom` fails to build until it gets one), and
// row i describes kind i.
const _: () = {
    let mut index = 0;
    while index < SPECS.len() {
        assert!(
            SPECS[index].kind as usize == index,
            "SPECS must list the kinds in OpKind's order"
        );
        index += 1;
    }
};

impl OpKind {
    /// Every kind, in order.
    pub const ALL: [OpKind; SPECS.len()] = {
        let mut all = [OpKind::Parameter; SPECS.len()];
        let mut index = 0;
        while index < SPECS.len() {
            all[index] = SPECS[index].kind;
            index += 1;
        }
        all
    };

    /// This kind's row of [`SPECS`].
    pub fn spec(self) -> &'static OpSpec {
        &SPECS[self as usize]
    }

    /// The op's name (`"custom"` for every custom op; [`Op::name`] gives
    /// a custom op's own).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Whether this is a leaf kind (a parameter or a constant).
    pub fn is_leaf(self) -> bool {
        matches!(self, OpKind::Parameter | OpKind::Constant)
    }
}

/// An op taken apart: its kind, its operands, and the number or labels it
/// carries (see [`Op::parts`]).
#[derive(Debug)]
pub struct Parts<'a> {
    /// Which op.
    pub kind: OpKind,
    /// The ids of the nodes it reads, in order.
    pub operands: Operands<'a>,
    /// What it carries besides its operands, for display (`0.5` for `scale[0.5]`).
    pub attribute: Option<Attribute>,
}

/// What an op carries besides its operands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attribute {
    /// A number (`scale`, `add_scalar`, `powf`).
    Number(f64),
    /// The axis of a reduction (`sum_axis[0]`).
    Axis(usize),
    /// How many class labels (`cross_entropy`).
    Labels(usize),
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Number(c) => write!(f, "{c}"),
            Attribute::Axis(axis) => write!(f, "{axis}"),
            Attribute::Labels(count) => write!(f, "{count} labels"),
        }
    }
}

impl Op {
    /// The op's kind, operands and attribute: the one `match` on the shape
    /// of [`Op`]'s variants, from which everything else about an op is
    /// looked up in [`SPECS`].
    pub fn parts(&self) -> Parts<'_> {
        use Operands::{Many, One, Two};
        let number = |c: &f64| Some(Attribute::Number(*c));
        let axis = |axis: &Axis| Some(Attribute::Axis(axis.index()));
        let (kind, operands, attribute) = match self {
            Op::Parameter => (OpKind::Parameter, Operands::None, None),
            Op::Constant => (OpKind::Constant, Operands::None, None),
            Op::MatMul(a, b) => (OpKind::MatMul, Two([*a, *b]), None),
            Op::Transpose(a) => (OpKind::Transpose, One([*a]), None),
            Op::Add(a, b) => (OpKind::Add, Two([*a, *b]), None),
            Op::Sub(a, b) => (OpKind::Sub, Two([*a, *b]), None),
            Op::Neg(a) => (OpKind::Neg, One([*a]), None),
            Op::Mul(a, b) => (OpKind::Mul, Two([*a, *b]), None),
            Op::Div(a, b) => (OpKind::Div, Two([*a, *b]), None),
            Op::Maximum(a, b) => (OpKind::Maximum, Two([*a, *b]), None),
            Op::Minimum(a, b) => (OpKind::Minimum, Two([*a, *b]), None),
            Op::Scale(a, c) => (OpKind::Scale, One([*a]), number(c)),
            Op::AddScalar(a, c) => (OpKind::AddScalar, One([*a]), number(c)),
            Op::Relu(a) => (OpKind::Relu, One([*a]), None),
            Op::Square(a) => (OpKind::Square, One([*a]), None),
            Op::Exp(a) => (OpKind::Exp, One([*a]), None),
            Op::Log(a) => (OpKind::Log, One([*a]), None),
            Op::Sqrt(a) => (OpKind::Sqrt, One([*a]), None),
            Op::Abs(a) => (OpKind::Abs, One([*a]), None),
            Op::Tanh(a) => (OpKind::Tanh, One([*a]), None),
            Op::Sigmoid(a) => (OpKind::Sigmoid, One([*a]), None),
            Op::Powf(a, p) => (OpKind::Powf, One([*a]), number(p)),
            Op::Sum(a) => (OpKind::Sum, One([*a]), None),
            Op::Mean(a) => (OpKind::Mean, One([*a]), None),
            Op::SumAxis(a, along) => (OpKind::SumAxis, One([*a]), axis(along)),
            Op::MeanAxis(a, along) => (OpKind::MeanAxis, One([*a]), axis(along)),
            Op::MaxAxis(a, along) => (OpKind::MaxAxis, One([*a]), axis(along)),
            Op::FrobeniusNorm(a) => (OpKind::FrobeniusNorm, One([*a]), None),
            Op::SumSquares(a) => (OpKind::SumSquares, One([*a]), None),
            Op::Softmax(a) => (OpKind::Softmax, One([*a]), None),
            Op::LogSoftmax(a) => (OpKind::LogSoftmax, One([*a]), None),
            Op::CrossEntropy { logits, labels } => (
                OpKind::CrossEntropy,
                One([*logits]),
                Some(Attribute::Labels(labels.len())),
            ),
            Op::BceWithLogits(z, t) => (OpKind::BceWithLogits, Two([*z, *t]), None),
            Op::Custom { inputs, .. } => (OpKind::Custom, Many(inputs), None),
        };
        Parts {
            kind,
            operands,
            attribute,
        }
    }

    /// Which op this is.
    pub fn kind(&self) -> OpKind {
        self.parts().kind
    }

    /// The ids of the nodes this op reads, in order.
    pub fn operands(&self) -> Operands<'_> {
        self.parts().operands
    }

    /// The op's row of [`SPECS`].
    pub fn spec(&self) -> &'static OpSpec {
        self.kind().spec()
    }

    /// The short name used in messages and tape dumps (`"matmul"`; a custom
    /// op's own name).
    pub fn name(&self) -> &str {
        match self {
            Op::Custom { op, .. } => op.name(),
            _ => self.spec().name,
        }
    }

    /// The vector-Jacobian product as one line (`"dA = G·Bᵀ, dB = Aᵀ·G"`).
    pub fn rule(&self) -> &str {
        match self {
            Op::Custom { op, .. } => {
                let formula = op.formula();
                formula
                    .strip_prefix(op.name())
                    .and_then(|rest| rest.strip_prefix(": "))
                    .unwrap_or(formula)
            }
            _ => self.spec().vjp,
        }
    }

    /// The Jacobian-vector product (forward mode) as one line
    /// (`"Ċ = Ȧ·B + A·Ḃ"`).
    pub fn jvp_rule(&self) -> &str {
        self.spec().jvp
    }

    /// The name and the rule: `"matmul: dA = G·Bᵀ, dB = Aᵀ·G"`.
    pub fn formula(&self) -> String {
        format!("{}: {}", self.name(), self.rule())
    }

    /// The letter of operand number `position` in the op's rule: `A`, `B`
    /// for most ops, `b` for a bias, `Z` for logits; `A`, `B`, `C`, ... for
    /// a custom op.
    pub fn operand_name(&self, position: usize) -> String {
        match self.spec().operands.get(position) {
            Some(letter) => (*letter).to_owned(),
            None => match u8::try_from(position) {
                Ok(offset) if offset < 26 => char::from(b'A' + offset).to_string(),
                _ => format!("X{position}"),
            },
        }
    }

    /// The name with the number or labels the op carries: `scale[0.5]`,
    /// `cross_entropy[16 labels]`, `matmul`.
    pub fn label(&self) -> String {
        match self.parts().attribute {
            Some(attribute) => format!("{}[{attribute}]", self.name()),
            None => self.name().to_owned(),
        }
    }

    /// Whether this node is a leaf (a parameter or a constant).
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Parameter | Op::Constant)
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_row_and_name() {
        let mut names: Vec<&str> = OpKind::ALL.iter().map(|kind| kind.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SPECS.len(), "op names must be distinct");
        for (index, kind) in OpKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, index);
            assert_eq!(kind.spec().kind, kind);
        }
    }

    #[test]
    fn parts_name_the_kind_the_variant_is() {
        let (a, b) = (NodeId(0), NodeId(1));
        assert_eq!(Op::MatMul(a, b).kind(), OpKind::MatMul);
        assert_eq!(&*Op::Add(a, b).operands(), &[a, b]);
        assert_eq!(Op::Scale(a, 0.5).label(), "scale[0.5]");
        assert_eq!(Op::SumAxis(a, Axis(1)).label(), "sum_axis[1]");
        assert_eq!(Op::BceWithLogits(a, b).operand_name(1), "T");
        assert_eq!(Op::MatMul(a, b).formula(), "matmul: dA = G·Bᵀ, dB = Aᵀ·G");
    }
}
