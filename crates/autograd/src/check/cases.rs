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
    OpKind::ALL.iter().copied().flat_map(cases_of).collect()
}

/// The cases of one op: shapes from 1 x 1 to 6 x 6, entries uniform in
/// `[-2, 2)`, kept away from the op's kinks and poles (the whole-function
/// check knows nothing of them). Binary element-wise ops have a case of
/// the same shapes and one that broadcasts (one of eight patterns per
/// draw: a row, a column or a number on either side, or a column with a
/// row). The one `match` that holds a case for every built-in op; leaves
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
        OpKind::Add => vec![
            case("add", two_alike, |x, _, _| x[0] + x[1]),
            case("add (broadcast)", broadcast_pair, |x, _, _| x[0] + x[1]),
            case("add_bias", bias_operands, |x, _, _| x[0].add_bias(x[1])),
        ],
        OpKind::Sub => vec![
            case("sub", two_alike, |x, _, _| x[0] - x[1]),
            case("sub (broadcast)", broadcast_pair, |x, _, _| x[0] - x[1]),
            case("0.5 - x", one, |x, _, _| 0.5 - x[0]),
        ],
        OpKind::Neg => vec![case("neg", one, |x, _, _| -x[0])],
        OpKind::Mul => vec![
            case("mul", two_alike, |x, _, _| x[0] * x[1]),
            case("mul (mask)", masked, |x, c, _| x[0] * c[0]),
            case("mul (broadcast)", broadcast_pair, |x, _, _| x[0] * x[1]),
        ],
        OpKind::Div => vec![
            case("div", denominator_apart, |x, _, _| x[0] / x[1]),
            case("div (broadcast)", broadcast_denominator_apart, |x, _, _| x[0] / x[1]),
            case("x / 3", one, |x, _, _| x[0] / 3.0),
            case("2 / x", away_from_pole, |x, _, _| 2.0 / x[0]),
        ],
        OpKind::Maximum => vec![
            case("maximum", two_apart, |x, _, _| x[0].maximum(x[1])),
            case("maximum (broadcast)", broadcast_apart, |x, _, _| x[0].maximum(x[1])),
        ],
        OpKind::Minimum => vec![
            case("minimum", two_apart, |x, _, _| x[0].minimum(x[1])),
            case("minimum (broadcast)", broadcast_apart, |x, _, _| x[0].minimum(x[1])),
        ],
        OpKind::Scale => vec![case("scale", one, |x, _, _| x[0].scale(-1.7))],
        OpKind::AddScalar => vec![
            case("add_scalar", one, |x, _, _| x[0].add_scalar(0.3)),
            case("x - 0.5", one, |x, _, _| x[0] - 0.5),
        ],
        OpKind::Relu => vec![case("relu", away_from_kink, |x, _, _| x[0].relu())],
        OpKind::Square => vec![case("square", one, |x, _, _| x[0].square())],
        OpKind::Exp => vec![case("exp", one, |x, _, _| x[0].exp())],
        OpKind::Log => vec![case("log", positive, |x, _, _| x[0].log())],
        OpKind::Sqrt => vec![case("sqrt", positive, |x, _, _| x[0].sqrt())],
        OpKind::Abs => vec![case("abs", away_from_kink, |x, _, _| x[0].abs())],
        OpKind::Tanh => vec![case("tanh", one, |x, _, _| x[0].tanh())],
        OpKind::Sigmoid => vec![case("sigmoid", one, |x, _, _| x[0].sigmoid())],
        OpKind::Powf => vec![
            case("powf[2.5]", positive, |x, _, _| x[0].powf(2.5)),
            case("powf[3]", one, |x, _, _| x[0].powf(3.0)),
            case("powf[-1.5]", positive, |x, _, _| x[0].powf(-1.5)),
        ],
        OpKind::Sum => vec![case("sum", one, |x, _, _| x[0].sum())],
        OpKind::Mean => vec![case("mean", one, |x, _, _| x[0].mean())],
        OpKind::SumAxis => vec![
            case("sum_axis[0]", one, |x, _, _| x[0].sum_axis(Axis(0))),
            case("sum_axis[1]", one, |x, _, _| x[0].sum_axis(Axis(1))),
        ],
        OpKind::MeanAxis => vec![
            case("mean_axis[0]", one, |x, _, _| x[0].mean_axis(Axis(0))),
            case("mean_axis[1]", one, |x, _, _| x[0].mean_axis(Axis(1))),
        ],
        OpKind::MaxAxis => vec![
            case("max_axis[0]", distinct, |x, _, _| x[0].max_axis(Axis(0))),
            case("max_axis[1]", distinct, |x, _, _| x[0].max_axis(Axis(1))),
        ],
        OpKind::FrobeniusNorm => vec![case("frobenius_norm", one, |x, _, _| x[0].frobenius_norm())],
        OpKind::SumSquares => vec![case("sum_squares", one, |x, _, _| x[0].sum_squares())],
        OpKind::Softmax => vec![case("softmax", one, |x, _, _| x[0].softmax())],
        OpKind::LogSoftmax => vec![case("log_softmax", one, |x, _, _| x[0].log_softmax())],
        OpKind::CrossEntropy => vec![case("cross_entropy", logits_and_labels, |x, _, labels| {
            x[0].cross_entropy(labels)
        })],
        OpKind::BceWithLogits => vec![
            case("bce_with_logits", logits_and_targets, |x, c, _| {
                x[0].bce_with_logits(c[0])
            }),
            case("bce_with_logits (soft targets)", logits_and_soft_targets, |x, _, _| {
                x[0].bce_with_logits(x[1])
            }),
        ],
    }
}

/// How far apart two values must be for a case to keep them away from a
/// kink (a tie, relu's corner, a pole).
const APART: f64 = 0.05;

/// Two operands of one of the eight broadcasting patterns, chosen by the draw.
fn broadcast_pair(rng: &mut SplitMix64) -> Case {
    let (m, n) = (rng.between(2, MAX_SIDE), rng.between(2, MAX_SIDE));
    let (full, row, column, number) = ((m, n), (1, n), (m, 1), (1, 1));
    let patterns = [
        (full, row),
        (full, column),
        (full, number),
        (row, full),
        (column, full),
        (number, full),
        (column, row),
        (row, column),
    ];
    let (a, b) = patterns[rng.between(0, patterns.len() - 1)];
    parameters(vec![entries(rng, a.0, a.1), entries(rng, b.0, b.1)])
}

/// As [`broadcast_pair`], with no pair of entries that meet within [`APART`].
fn broadcast_apart(rng: &mut SplitMix64) -> Case {
    loop {
        let case = broadcast_pair(rng);
        if min_gap(&case.parameters[0], &case.parameters[1]) >= APART {
            return case;
        }
    }
}

/// As [`broadcast_pair`], with the second operand (a denominator) away from 0.
fn broadcast_denominator_apart(rng: &mut SplitMix64) -> Case {
    let mut case = broadcast_pair(rng);
    case.parameters[1].mapv_inplace(away_from_zero);
    case
}

/// Two m x n operands with no pair of entries within [`APART`] of each other.
fn two_apart(rng: &mut SplitMix64) -> Case {
    loop {
        let case = two_alike(rng);
        if min_gap(&case.parameters[0], &case.parameters[1]) >= APART {
            return case;
        }
    }
}

/// The smallest `|a - b|` over the entries that meet when `a` and `b` broadcast.
fn min_gap(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let shape = (a.nrows().max(b.nrows()), a.ncols().max(b.ncols()));
    let (a, b) = (
        a.broadcast(shape).expect("broadcasts"),
        b.broadcast(shape).expect("broadcasts"),
    );
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(f64::INFINITY, f64::min)
}

/// Two m x n operands, the second (a denominator) at least 0.5 from 0.
fn denominator_apart(rng: &mut SplitMix64) -> Case {
    let mut case = two_alike(rng);
    case.parameters[1].mapv_inplace(away_from_zero);
    case
}

/// Entries at least 0.5 from 0 in magnitude: `1/x`'s pole kept at a distance.
fn away_from_pole(rng: &mut SplitMix64) -> Case {
    let mut case = one(rng);
    case.parameters[0].mapv_inplace(away_from_zero);
    case
}

/// `x` moved to at least 0.5 from 0, keeping its sign.
fn away_from_zero(x: f64) -> f64 {
    x.signum() * (0.5 + x.abs() / 2.0)
}

/// Entries uniform in `[0.5, 2.5)`: inside the domain of `log`, `sqrt` and
/// fractional powers, away from 0.
fn positive(rng: &mut SplitMix64) -> Case {
    let (m, n) = (side(rng), side(rng));
    parameters(vec![rng.matrix(m, n, 0.5, 2.5)])
}

/// An m x n matrix whose every row and column has its largest entry at
/// least [`APART`] above the next (no tie for `max_axis`).
fn distinct(rng: &mut SplitMix64) -> Case {
    loop {
        let case = one(rng);
        let a = &case.parameters[0];
        let gap = |line: ndarray::ArrayView1<f64>| {
            let mut sorted: Vec<f64> = line.to_vec();
            sorted.sort_by(|x, y| y.total_cmp(x));
            sorted.get(1).map_or(f64::INFINITY, |second| sorted[0] - second)
        };
        let rows_apart = a.rows().into_iter().all(|row| gap(row) >= APART);
        let columns_apart = a.columns().into_iter().all(|column| gap(column) >= APART);
        if rows_apart && columns_apart {
            return case;
        }
    }
}

/// Logits and 0/1 targets (a constant).
fn logits_and_targets(rng: &mut SplitMix64) -> Case {
    let mut case = one(rng);
    let (m, n) = case.parameters[0].dim();
    let targets = Array2::from_shape_simple_fn((m, n), || f64::from(u8::from(rng.next_u64() & 1 == 1)));
    case.constants.push(targets);
    case
}

/// Logits and soft targets in `[0, 1)`, both differentiated.
fn logits_and_soft_targets(rng: &mut SplitMix64) -> Case {
    let mut case = one(rng);
    let (m, n) = case.parameters[0].dim();
    case.parameters.push(rng.matrix(m, n, 0.0, 1.0));
    case
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
