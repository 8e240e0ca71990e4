//! The operations a node can record, each with its vector-Jacobian product,
//! and one table of what every op says about itself.
//!
//! Notation, used in every formula of the engine and its docs: the op's
//! operands are `A`, `B` (`Z` for logits), its output `C` (`s` when it is a
//! 1 x 1 scalar, `Y` for log-probabilities); `G` is the adjoint of the
//! output (∂loss/∂C, the same shape as `C`) and `g` that of a scalar
//! output; `dA` is what the op sends back to operand `A`, `Gᵀ ∂C/∂A`. `⊙`
//! multiplies element by element and `1` is a column of ones.
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
//! - `check/cases.rs`: the random cases the checkers and property tests draw.
//!
//! Every one of these is a `match` the compiler holds exhaustive, or a table
//! a compile-time assertion holds complete: a new variant does not build
//! until each step is done.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

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
    /// `s = ‖A‖_F = sqrt(Σᵢⱼ Aᵢⱼ²)`; `dA = g A / s`. At `A = 0` the norm is
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
    /// [`Op::Scale`].
    Scale,
    /// [`Op::AddScalar`].
    AddScalar,
    /// [`Op::AddBias`].
    AddBias,
    /// [`Op::Relu`].
    Relu,
    /// [`Op::Square`].
    Square,
    /// [`Op::Sum`].
    Sum,
    /// [`Op::Mean`].
    Mean,
    /// [`Op::FrobeniusNorm`].
    FrobeniusNorm,
    /// [`Op::SumSquares`].
    SumSquares,
    /// [`Op::LogSoftmax`].
    LogSoftmax,
    /// [`Op::CrossEntropy`].
    CrossEntropy,
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
    /// Where the op is not differentiable (see [`Kinks`]).
    pub kinks: Kinks,
    /// How its forward and backward work are counted (see [`CostRule`]).
    pub cost: CostRule,
}

/// Every op's row, in the order of [`OpKind`] (a compile-time assertion
/// below holds the table complete and in order). Each row: the kind, its
/// name, its operands' letters, its kinks and its cost rule; below, its VJP.
#[rustfmt::skip]
pub const SPECS: [OpSpec; OpKind::Custom as usize + 1] = [
    row(OpKind::Parameter,     "parameter",      &[],         Kinks::None,    CostRule::Free,
        "leaf: receives its gradient"),
    row(OpKind::Constant,      "constant",       &[],         Kinks::None,    CostRule::Free,
        "leaf: no gradient"),
    row(OpKind::MatMul,        "matmul",         &["A", "B"], Kinks::None,    CostRule::MatMul,
        "dA = G·Bᵀ, dB = Aᵀ·G"),
    row(OpKind::Transpose,     "transpose",      &["A"],      Kinks::None,    CostRule::Free,
        "dA = Gᵀ"),
    row(OpKind::Add,           "add",            &["A", "B"], Kinks::None,    CostRule::zip(1, [PASS_G, PASS_G]),
        "dA = G, dB = G"),
    row(OpKind::Sub,           "sub",            &["A", "B"], Kinks::None,    CostRule::zip(1, [PASS_G, ON_G]),
        "dA = G, dB = -G"),
    row(OpKind::Neg,           "neg",            &["A"],      Kinks::None,    CostRule::map(1, ON_G),
        "dA = -G"),
    row(OpKind::Mul,           "mul",            &["A", "B"], Kinks::None,    CostRule::zip(1, [READS_ONE, READS_ONE]),
        "dA = G⊙B, dB = G⊙A"),
    row(OpKind::Scale,         "scale",          &["A"],      Kinks::None,    CostRule::map(1, ON_G),
        "dA = c·G"),
    row(OpKind::AddScalar,     "add_scalar",     &["A"],      Kinks::None,    CostRule::map(1, PASS_G),
        "dA = G"),
    row(OpKind::AddBias,       "add_bias",       &["A", "b"], Kinks::None,    CostRule::zip(1, [PASS_G, PASS_G]),
        "dA = G, db = 1ᵀ·G (sum over rows)"),
    row(OpKind::Relu,          "relu",           &["A"],      Kinks::AtZero,  CostRule::map(1, READS_ONE),
        "dA = G⊙[A > 0]"),
    row(OpKind::Square,        "square",         &["A"],      Kinks::None,    CostRule::map(1, PerEntry::new(2, 1)),
        "dA = 2·A⊙G"),
    row(OpKind::Sum,           "sum",            &["A"],      Kinks::None,    CostRule::reduce((1, 0), (0, 0), false),
        "dA = g·1"),
    row(OpKind::Mean,          "mean",           &["A"],      Kinks::None,    CostRule::reduce((1, 1), (0, 1), false),
        "dA = g/(m·n)·1"),
    row(OpKind::FrobeniusNorm, "frobenius_norm", &["A"],      Kinks::NormTip, CostRule::reduce((2, 1), (2, 0), true),
        "dA = g·A/||A||_F (0 at A = 0)"),
    row(OpKind::SumSquares,    "sum_squares",    &["A"],      Kinks::None,    CostRule::reduce((2, 0), (1, 1), true),
        "dA = 2·g·A"),
    row(OpKind::LogSoftmax,    "log_softmax",    &["A"],      Kinks::None,    CostRule::rows((5, 2), 4),
        "dA = G - softmax(A)⊙rowsum(G)"),
    row(OpKind::CrossEntropy,  "cross_entropy",  &["Z"],      Kinks::None,    CostRule::CrossEntropy,
        "dZ = g·(softmax(Z) - onehot(y))/m"),
    row(OpKind::Custom,        "custom",         &[],         Kinks::Custom,  CostRule::NotCounted,
        "the custom op's own"),
];

/// One row of [`SPECS`].
const fn row(
    kind: OpKind,
    name: &'static str,
    operands: &'static [&'static str],
    kinks: Kinks,
    cost: CostRule,
    vjp: &'static str,
) -> OpSpec {
    OpSpec {
        kind,
        name,
        operands,
        vjp,
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
    /// A number (`scale`, `add_scalar`).
    Number(f64),
    /// How many class labels (`cross_entropy`).
    Labels(usize),
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::Number(c) => write!(f, "{c}"),
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
        let (kind, operands, attribute) = match self {
            Op::Parameter => (OpKind::Parameter, Operands::None, None),
            Op::Constant => (OpKind::Constant, Operands::None, None),
            Op::MatMul(a, b) => (OpKind::MatMul, Two([*a, *b]), None),
            Op::Transpose(a) => (OpKind::Transpose, One([*a]), None),
            Op::Add(a, b) => (OpKind::Add, Two([*a, *b]), None),
            Op::Sub(a, b) => (OpKind::Sub, Two([*a, *b]), None),
            Op::Neg(a) => (OpKind::Neg, One([*a]), None),
            Op::Mul(a, b) => (OpKind::Mul, Two([*a, *b]), None),
            Op::Scale(a, c) => (OpKind::Scale, One([*a]), Some(Attribute::Number(*c))),
            Op::AddScalar(a, c) => (OpKind::AddScalar, One([*a]), Some(Attribute::Number(*c))),
            Op::AddBias(a, b) => (OpKind::AddBias, Two([*a, *b]), None),
            Op::Relu(a) => (OpKind::Relu, One([*a]), None),
            Op::Square(a) => (OpKind::Square, One([*a]), None),
            Op::Sum(a) => (OpKind::Sum, One([*a]), None),
            Op::Mean(a) => (OpKind::Mean, One([*a]), None),
            Op::FrobeniusNorm(a) => (OpKind::FrobeniusNorm, One([*a]), None),
            Op::SumSquares(a) => (OpKind::SumSquares, One([*a]), None),
            Op::LogSoftmax(a) => (OpKind::LogSoftmax, One([*a]), None),
            Op::CrossEntropy { logits, labels } => (
                OpKind::CrossEntropy,
                One([*logits]),
                Some(Attribute::Labels(labels.len())),
            ),
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
        self.kind().is_leaf()
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
        assert_eq!(&*Op::AddBias(a, b).operands(), &[a, b]);
        assert_eq!(Op::Scale(a, 0.5).label(), "scale[0.5]");
        assert_eq!(Op::AddBias(a, b).operand_name(1), "b");
        assert_eq!(Op::MatMul(a, b).formula(), "matmul: dA = G·Bᵀ, dB = Aᵀ·G");
    }
}
