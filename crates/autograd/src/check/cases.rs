//! Seeded random cases for every built-in op, so that a test or a bin can
//! check them all with one loop.
//!
//! Each case contracts the op's output with a random constant weight `W`
//! (`loss = Σ W ⊙ op(x)`), so that the backward rule meets an arbitrary
//! adjoint `G = W` rather than a matrix of ones.

use ndarray::{Array2, Axis, Slice};

use crate::check::random::SplitMix64;
use crate::op::OpKind;
use crate::tape::Tape;
use crate::var::Var;

/// The largest side of a drawn matrix.
pub const MAX_SIDE: usize = 6;

/// A drawn case: the parameters (checked), the constants, the class labels
/// (for `cross_entropy`), and the weight `W` of the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Differentiated inputs, entries uniform in `[-2, 2)`.
    pub parameters: Vec<Array2<f64>>,
    /// Inputs that receive no gradient (a 0/1 mask).
    pub constants: Vec<Array2<f64>>,
    /// One class index per row, for `cross_entropy`.
    pub labels: Vec<usize>,
    /// `MAX_SIDE x MAX_SIDE`, entries uniform in `[-1, 1)`; its top-left
    /// corner weights the op's output.
    pub weight: Array2<f64>,
}

type Draw = fn(&mut SplitMix64) -> Case;
type Record = for<'t> fn(&[Var<'t>], &[Var<'t>], &[usize]) -> Var<'t>;

/// A built-in op and how to draw and record a case of it.
#[derive(Clone, Copy)]
pub struct OpCase {
    /// The op the case records.
    pub kind: OpKind,
    /// The op's name, as [`Op::name`](crate::Op::name) prints it, with a
    /// qualifier where one op has two cases (`"mul (mask)"`).
    pub name: &'static str,
    draw: Draw,
    record: Record,
}

impl std::fmt::Debug for OpCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpCase({})", self.name)
    }
}

impl OpCase {
    /// The case drawn from `seed`; the same seed gives the same case.
    pub fn draw(&self, seed: u64) -> Case {
        let mut rng = SplitMix64::new(seed);
        let mut case = (self.draw)(&mut rng);
        case.weight = rng.matrix(MAX_SIDE, MAX_SIDE, -1.0, 1.0);
        case
    }

    /// Records `Σ W ⊙ op(parameters, constants)` on `tape`, with
    /// `parameters` already recorded (as [`gradcheck`](crate::gradcheck())
    /// passes them) and the case's constants recorded here.
    pub fn record<'t>(&self, tape: &'t Tape, case: &Case, parameters: &[Var<'t>]) -> Var<'t> {
        let constants: Vec<Var<'t>> = case.constants.iter().map(|c| tape.constant(c)).collect();
        let output = (self.record)(parameters, &constants, &case.labels);
        let (rows, cols) = output.shape();
        let weight = case
            .weight
            .slice_axis(Axis(0), Slice::from(..rows))
            .slice_axis_move(Axis(1), Slice::from(..cols));
        (output * tape.constant(weight)).sum()
    }
}

/// Every case of every built-in op, in the order of [`OpKind`]: what the
/// `gradcheck` bin, the property tests and the localised check's tests
/// loop over.
pub fn builtin_ops() -> Vec<OpCase> {
    OpKind::ALL.into_iter().flat_map(cases_of).collect()
}

/// The cases of one op: shapes from 1 x 1 to 6 x 6, entries uniform in
/// `[-2, 2)` (two cases for `mul`: by a parameter and by a constant 0/1
/// mask). The one `match` that holds a case for every built-in op; leaves
/// and custom ops have none.
pub fn cases_of(kind: OpKind) -> Vec<OpCase> {
    let case = |name: &'static str, draw: Draw, record: Record| OpCase {
        kind,
        name,
        draw,
        record,
    };
    match kind {
        OpKind::Parameter | OpKind::Constant | OpKind::Custom => vec![],
        OpKind::MatMul => vec![case("matmul", matmul_operands, |x, _, _| x[0].matmul(x[1]))],
        OpKind::Transpose => vec![case("transpose", one, |x, _, _| x[0].t())],
        OpKind::Add => vec![case("add", two_alike, |x, _, _| x[0] + x[1])],
        OpKind::Sub => vec![case("sub", two_alike, |x, _, _| x[0] - x[1])],
        OpKind::Neg => vec![case("neg", one, |x, _, _| -x[0])],
        OpKind::Mul => vec![
            case("mul", two_alike, |x, _, _| x[0] * x[1]),
            case("mul (mask)", masked, |x, c, _| x[0] * c[0]),
        ],
        OpKind::Scale => vec![case("scale", one, |x, _, _| x[0].scale(-1.7))],
        OpKind::AddScalar => vec![case("add_scalar", one, |x, _, _| x[0].add_scalar(0.3))],
        OpKind::AddBias => vec![case("add_bias", bias_operands, |x, _, _| x[0].add_bias(x[1]))],
        OpKind::Relu => vec![case("relu", away_from_kink, |x, _, _| x[0].relu())],
        OpKind::Square => vec![case("square", one, |x, _, _| x[0].square())],
        OpKind::Sum => vec![case("sum", one, |x, _, _| x[0].sum())],
        OpKind::Mean => vec![case("mean", one, |x, _, _| x[0].mean())],
        OpKind::FrobeniusNorm => vec![case("frobenius_norm", one, |x, _, _| x[0].frobenius_norm())],
        OpKind::SumSquares => vec![case("sum_squares", one, |x, _, _| x[0].sum_squares())],
        OpKind::LogSoftmax => vec![case("log_softmax", one, |x, _, _| x[0].log_softmax())],
        OpKind::CrossEntropy => vec![case("cross_entropy", logits_and_labels, |x, _, labels| {
            x[0].cross_entropy(labels)
        })],
    }
}

fn side(rng: &mut SplitMix64) -> usize {
    rng.between(1, MAX_SIDE)
}

fn entries(rng: &mut SplitMix64, rows: usize, cols: usize) -> Array2<f64> {
    rng.matrix(rows, cols, -2.0, 2.0)
}

fn parameters(parameters: Vec<Array2<f64>>) -> Case {
    Case {
        parameters,
        constants: Vec::new(),
        labels: Vec::new(),
        weight: Array2::zeros((0, 0)),
    }
}

fn one(rng: &mut SplitMix64) -> Case {
    let (m, n) = (side(rng), side(rng));
    parameters(vec![entries(rng, m, n)])
}

fn two_alike(rng: &mut SplitMix64) -> Case {
    let (m, n) = (side(rng), side(rng));
    parameters(vec![entries(rng, m, n), entries(rng, m, n)])
}

fn matmul_operands(rng: &mut SplitMix64) -> Case {
    let (m, k, n) = (side(rng), side(rng), side(rng));
    parameters(vec![entries(rng, m, k), entries(rng, k, n)])
}

fn bias_operands(rng: &mut SplitMix64) -> Case {
    let (m, n) = (side(rng), side(rng));
    parameters(vec![entries(rng, m, n), entries(rng, 1, n)])
}

fn masked(rng: &mut SplitMix64) -> Case {
    let mut case = one(rng);
    let (m, n) = case.parameters[0].dim();
    let mask = Array2::from_shape_simple_fn((m, n), || f64::from(u8::from(rng.next_u64() & 1 == 1)));
    case.constants.push(mask);
    case
}

/// Entries at least 0.05 from relu's kink at 0, so that the whole-function
/// check (which knows nothing of kinks) compares only smooth points.
fn away_from_kink(rng: &mut SplitMix64) -> Case {
    let mut case = one(rng);
    case.parameters[0].mapv_inplace(|x| x.signum() * (0.05 + x.abs()));
    case
}

fn logits_and_labels(rng: &mut SplitMix64) -> Case {
    let (m, k) = (side(rng), rng.between(2, MAX_SIDE));
    let mut case = parameters(vec![entries(rng, m, k)]);
    case.labels = (0..m).map(|_| rng.between(0, k - 1)).collect();
    case
}
