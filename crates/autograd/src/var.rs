//! [`Var`], the handle to a node, and the methods and operators that record ops.
//!
//! Each method checks its operands' shapes, panicking at the caller's line
//! (`#[track_caller]`) with the op and the shapes in the message, and then
//! appends one node to the tape. The arithmetic itself is in `forward.rs`.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::rc::Rc;

use ndarray::{ArcArray2, Axis};

use crate::kernels::broadcasts;
use crate::op::Op;
use crate::tape::{NodeId, Tape};

/// A handle to a node on a [`Tape`]: cheap to copy, used like a value.
///
/// `a + b`, `a - b`, `a * b`, `a / b` (element-wise, broadcasting), `-a`,
/// and the same with a number on either side (`a - 0.5`, `2.0 / a`) record
/// ops, as do the methods below.
#[derive(Clone, Copy)]
pub struct Var<'t> {
    tape: &'t Tape,
    id: NodeId,
}

impl<'t> Var<'t> {
    pub(crate) fn new(tape: &'t Tape, id: NodeId) -> Self {
        Var { tape, id }
    }

    /// The node's id on its tape.
    pub fn id(self) -> NodeId {
        self.id
    }

    /// The tape this variable lives on.
    pub fn tape(self) -> &'t Tape {
        self.tape
    }

    /// The node's value (see [`Tape::value`]).
    pub fn value(self) -> ArcArray2<f64> {
        self.tape.value(self.id)
    }

    /// `(rows, columns)` of the value.
    pub fn shape(self) -> (usize, usize) {
        self.tape.nodes()[self.id.0].value.dim()
    }

    /// The value of a 1 x 1 node as a number.
    ///
    /// # Panics
    /// If the value is not 1 x 1.
    #[track_caller]
    pub fn item(self) -> f64 {
        let shape = self.shape();
        assert!(shape == (1, 1), "item: expected a 1 x 1 value, got shape {shape:?}");
        self.tape.nodes()[self.id.0].value.view()[[0, 0]]
    }

    /// Matrix product `self · other` (m x k times k x n).
    #[track_caller]
    pub fn matmul(self, other: Var<'t>) -> Var<'t> {
        let (a, b) = self.shapes_with(other, "matmul");
        if a.1 != b.0 {
            panic!("matmul: shapes {a:?} and {b:?} do not align");
        }
        self.tape.record(Op::MatMul(self.id, other.id))
    }

    /// Transpose. Shares the buffer: no data is copied.
    #[track_caller]
    pub fn t(self) -> Var<'t> {
        self.tape.record(Op::Transpose(self.id))
    }

    /// Multiplies every entry by the number `c`.
    #[track_caller]
    pub fn scale(self, c: f64) -> Var<'t> {
        self.tape.record(Op::Scale(self.id, c))
    }

    /// Adds the number `c` to every entry.
    #[track_caller]
    pub fn add_scalar(self, c: f64) -> Var<'t> {
        self.tape.record(Op::AddScalar(self.id, c))
    }

    /// Adds the 1 x n row `bias` to every row of this m x n matrix: `self +
    /// bias`, broadcasting (an [`Op::Add`]), with the shapes checked to be
    /// those of a bias.
    #[track_caller]
    pub fn add_bias(self, bias: Var<'t>) -> Var<'t> {
        let (a, b) = self.shapes_with(bias, "add_bias");
        if b != (1, a.1) {
            panic!("add_bias: the bias must be 1 x {}, got shapes {a:?} and {b:?}", a.1);
        }
        self.tape.record(Op::Add(self.id, bias.id))
    }

    /// `max(self, other)` element-wise, broadcasting; NaN if either is.
    #[track_caller]
    pub fn maximum(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "maximum");
        self.tape.record(Op::Maximum(self.id, other.id))
    }

    /// `min(self, other)` element-wise, broadcasting; NaN if either is.
    #[track_caller]
    pub fn minimum(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "minimum");
        self.tape.record(Op::Minimum(self.id, other.id))
    }

    /// `max(x, 0)` element-wise; NaN stays NaN.
    #[track_caller]
    pub fn relu(self) -> Var<'t> {
        self.tape.record(Op::Relu(self.id))
    }

    /// `x²` element-wise.
    #[track_caller]
    pub fn square(self) -> Var<'t> {
        self.tape.record(Op::Square(self.id))
    }

    /// `exp(x)` element-wise.
    #[track_caller]
    pub fn exp(self) -> Var<'t> {
        self.tape.record(Op::Exp(self.id))
    }

    /// The natural logarithm element-wise: -inf at 0, NaN below.
    #[track_caller]
    pub fn log(self) -> Var<'t> {
        self.tape.record(Op::Log(self.id))
    }

    /// The square root element-wise: NaN below 0, and an infinite
    /// derivative at 0.
    #[track_caller]
    pub fn sqrt(self) -> Var<'t> {
        self.tape.record(Op::Sqrt(self.id))
    }

    /// `|x|` element-wise (derivative 0 at 0).
    #[track_caller]
    pub fn abs(self) -> Var<'t> {
        self.tape.record(Op::Abs(self.id))
    }

    /// `tanh(x)` element-wise.
    #[track_caller]
    pub fn tanh(self) -> Var<'t> {
        self.tape.record(Op::Tanh(self.id))
    }

    /// The logistic sigmoid `1 / (1 + exp(-x))` element-wise, computed
    /// without overflow.
    #[track_caller]
    pub fn sigmoid(self) -> Var<'t> {
        self.tape.record(Op::Sigmoid(self.id))
    }

    /// `x^p` element-wise for a number `p`.
    #[track_caller]
    pub fn powf(self, p: f64) -> Var<'t> {
        self.tape.record(Op::Powf(self.id, p))
    }

    /// The sum of all entries, as a 1 x 1 value.
    #[track_caller]
    pub fn sum(self) -> Var<'t> {
        self.tape.record(Op::Sum(self.id))
    }

    /// The mean of all entries, as a 1 x 1 value.
    ///
    /// # Panics
    /// If the value has no entries (their mean would be 0 / 0).
    #[track_caller]
    pub fn mean(self) -> Var<'t> {
        let shape = self.shape();
        assert!(shape.0 * shape.1 > 0, "mean: no entries to average in shape {shape:?}");
        self.tape.record(Op::Mean(self.id))
    }

    /// The sums along `axis`, keeping two dimensions: `Axis(0)` sums over the
    /// rows (m x n to 1 x n), `Axis(1)` over the columns (m x n to m x 1).
    ///
    /// # Panics
    /// If `axis` is not 0 or 1.
    #[track_caller]
    pub fn sum_axis(self, axis: Axis) -> Var<'t> {
        self.check_axis(axis, "sum_axis");
        self.tape.record(Op::SumAxis(self.id, axis))
    }

    /// The means along `axis`, keeping two dimensions (as [`Var::sum_axis`]).
    ///
    /// # Panics
    /// If `axis` is not 0 or 1, or there is nothing to average along it.
    #[track_caller]
    pub fn mean_axis(self, axis: Axis) -> Var<'t> {
        self.check_axis(axis, "mean_axis");
        let shape = self.shape();
        assert!(
            self.value_len_of(axis) > 0,
            "mean_axis: no entries to average along axis {} in shape {shape:?}",
            axis.index()
        );
        self.tape.record(Op::MeanAxis(self.id, axis))
    }

    /// The maxima along `axis`, keeping two dimensions (as [`Var::sum_axis`]);
    /// the gradient is split evenly among tied maxima.
    ///
    /// # Panics
    /// If `axis` is not 0 or 1, or there is nothing to take the maximum of.
    #[track_caller]
    pub fn max_axis(self, axis: Axis) -> Var<'t> {
        self.check_axis(axis, "max_axis");
        let shape = self.shape();
        assert!(
            self.value_len_of(axis) > 0,
            "max_axis: no entries along axis {} in shape {shape:?}",
            axis.index()
        );
        self.tape.record(Op::MaxAxis(self.id, axis))
    }

    /// The Frobenius norm `sqrt(Σ x²)`, as a 1 x 1 value.
    #[track_caller]
    pub fn frobenius_norm(self) -> Var<'t> {
        self.tape.record(Op::FrobeniusNorm(self.id))
    }

    /// The sum of squares `Σ x²` (the squared Frobenius norm), as a 1 x 1
    /// value; one node instead of `square` then `sum`.
    #[track_caller]
    pub fn sum_squares(self) -> Var<'t> {
        self.tape.record(Op::SumSquares(self.id))
    }

    /// Softmax of each row (each row's entries made positive and summing
    /// to 1), computed stably.
    #[track_caller]
    pub fn softmax(self) -> Var<'t> {
        self.tape.record(Op::Softmax(self.id))
    }

    /// Log-softmax of each row, computed stably.
    #[track_caller]
    pub fn log_softmax(self) -> Var<'t> {
        self.tape.record(Op::LogSoftmax(self.id))
    }

    /// Binary cross-entropy of these logits against `targets` of the same
    /// shape (0/1 labels, or probabilities), averaged over the entries, as a
    /// 1 x 1 value: `mean(-t log σ(z) - (1 - t) log(1 - σ(z)))`, computed
    /// without overflow. Targets recorded as a constant get no gradient.
    ///
    /// # Panics
    /// If the shapes differ, or there are no entries.
    #[track_caller]
    pub fn bce_with_logits(self, targets: Var<'t>) -> Var<'t> {
        self.same_shape(targets, "bce_with_logits");
        let shape = self.shape();
        assert!(
            shape.0 * shape.1 > 0,
            "bce_with_logits: no entries to average in shape {shape:?}"
        );
        self.tape.record(Op::BceWithLogits(self.id, targets.id))
    }

    /// Cross-entropy of these m x k logits against `labels` (one class index
    /// in `0..k` per row), averaged over the m rows, as a 1 x 1 value.
    ///
    /// # Panics
    /// If there is not one label per row, a label is not below k, or there
    /// are no rows (the average over none would be 0 / 0).
    #[track_caller]
    pub fn cross_entropy(self, labels: &[usize]) -> Var<'t> {
        let (rows, classes) = self.shape();
        assert!(
            rows > 0,
            "cross_entropy: no rows to average over in logits of shape {:?}",
            (rows, classes)
        );
        if labels.len() != rows {
            panic!(
                "cross_entropy: {} labels for logits of shape {:?}",
                labels.len(),
                (rows, classes)
            );
        }
        if let Some((row, label)) = labels.iter().enumerate().find(|(_, l)| **l >= classes) {
            panic!("cross_entropy: label {label} at row {row} is out of range for {classes} classes");
        }
        self.tape.record(Op::CrossEntropy {
            logits: self.id,
            labels: Rc::from(labels),
        })
    }

    /// Panics unless `self` lives on `tape`.
    #[track_caller]
    pub(crate) fn assert_same_tape(self, tape: &Tape, op: &str) {
        if !std::ptr::eq(self.tape, tape) {
            panic!("{op}: operands belong to different tapes");
        }
    }

    #[track_caller]
    fn shapes_with(self, other: Var<'t>, op: &str) -> ((usize, usize), (usize, usize)) {
        other.assert_same_tape(self.tape, op);
        let nodes = self.tape.nodes();
        (nodes[self.id.0].value.dim(), nodes[other.id.0].value.dim())
    }

    /// Panics unless `self` and `other` broadcast together (see `op.rs`).
    #[track_caller]
    fn broadcast_with(self, other: Var<'t>, op: &str) {
        let (a, b) = self.shapes_with(other, op);
        if !broadcasts(a, b) {
            panic!("{op}: shapes {a:?} and {b:?} do not broadcast (each dimension must be equal, or 1 in one of them)");
        }
    }

    #[track_caller]
    fn check_axis(self, axis: Axis, op: &str) {
        let shape = self.shape();
        if axis.index() > 1 {
            panic!(
                "{op}: axis {} does not exist in a matrix of shape {shape:?} (0 or 1)",
                axis.index()
            );
        }
    }

    /// How many entries lie along `axis` (rows for 0, columns for 1).
    fn value_len_of(self, axis: Axis) -> usize {
        let (rows, cols) = self.shape();
        if axis.index() == 0 { rows } else { cols }
    }

    /// A 1 x 1 constant holding `c`, to combine with `self` by broadcasting.
    #[track_caller]
    fn number(self, c: f64) -> Var<'t> {
        self.tape.constant(ndarray::array![[c]])
    }

    #[track_caller]
    fn same_shape(self, other: Var<'t>, op: &str) {
        let (a, b) = self.shapes_with(other, op);
        if a != b {
            panic!("{op}: shapes {a:?} and {b:?} differ");
        }
    }
}

impl fmt::Debug for Var<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.tape.nodes();
        let node = &nodes[self.id.0];
        write!(f, "Var({} = {:?}, shape {:?})", self.id, node.op, node.value.dim())
    }
}

impl<'t> Add for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise sum, broadcasting.
    #[track_caller]
    fn add(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "add");
        self.tape.record(Op::Add(self.id, other.id))
    }
}

impl<'t> Sub for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise difference, broadcasting.
    #[track_caller]
    fn sub(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "sub");
        self.tape.record(Op::Sub(self.id, other.id))
    }
}

impl<'t> Mul for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise product, broadcasting; `other` may be a constant 0/1 mask.
    #[track_caller]
    fn mul(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "mul");
        self.tape.record(Op::Mul(self.id, other.id))
    }
}

impl<'t> Div for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise quotient, broadcasting.
    #[track_caller]
    fn div(self, other: Var<'t>) -> Var<'t> {
        self.broadcast_with(other, "div");
        self.tape.record(Op::Div(self.id, other.id))
    }
}

impl<'t> Neg for Var<'t> {
    type Output = Var<'t>;

    #[track_caller]
    fn neg(self) -> Var<'t> {
        self.tape.record(Op::Neg(self.id))
    }
}

impl<'t> Mul<f64> for Var<'t> {
    type Output = Var<'t>;

    /// Scaling by a number (see [`Var::scale`]).
    #[track_caller]
    fn mul(self, c: f64) -> Var<'t> {
        self.scale(c)
    }
}

impl<'t> Mul<Var<'t>> for f64 {
    type Output = Var<'t>;

    /// Scaling by a number (see [`Var::scale`]).
    #[track_caller]
    fn mul(self, var: Var<'t>) -> Var<'t> {
        var.scale(self)
    }
}

impl<'t> Add<f64> for Var<'t> {
    type Output = Var<'t>;

    /// Adding a number to every entry (see [`Var::add_scalar`]).
    #[track_caller]
    fn add(self, c: f64) -> Var<'t> {
        self.add_scalar(c)
    }
}

impl<'t> Add<Var<'t>> for f64 {
    type Output = Var<'t>;

    /// Adding a number to every entry (see [`Var::add_scalar`]).
    #[track_caller]
    fn add(self, var: Var<'t>) -> Var<'t> {
        var.add_scalar(self)
    }
}

impl<'t> Sub<f64> for Var<'t> {
    type Output = Var<'t>;

    /// Subtracting a number from every entry: `add_scalar(-c)`, exact.
    #[track_caller]
    fn sub(self, c: f64) -> Var<'t> {
        self.add_scalar(-c)
    }
}

impl<'t> Sub<Var<'t>> for f64 {
    type Output = Var<'t>;

    /// A number minus every entry: the number as a 1 x 1 constant, and a
    /// broadcasting [`Op::Sub`].
    #[track_caller]
    fn sub(self, var: Var<'t>) -> Var<'t> {
        var.number(self) - var
    }
}

impl<'t> Div<f64> for Var<'t> {
    type Output = Var<'t>;

    /// Every entry divided by a number: the number as a 1 x 1 constant and
    /// a broadcasting [`Op::Div`] (exact division, where `scale(1.0 / c)`
    /// would round `1 / c` first).
    #[track_caller]
    fn div(self, c: f64) -> Var<'t> {
        self / self.number(c)
    }
}

impl<'t> Div<Var<'t>> for f64 {
    type Output = Var<'t>;

    /// A number divided by every entry, broadcasting (see `Div<f64>`).
    #[track_caller]
    fn div(self, var: Var<'t>) -> Var<'t> {
        var.number(self) / var
    }
}
