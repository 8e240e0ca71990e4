//! [`Var`], the handle to a node, and the methods and operators that record ops.
//!
//! Each method checks its operands' shapes, panicking at the caller's line
//! (`#[track_caller]`) with the op and the shapes in the message, and then
//! appends one node to the tape. The arithmetic itself is in `forward.rs`.

use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};
use std::rc::Rc;

use ndarray::ArcArray2;

use crate::op::Op;
use crate::tape::{NodeId, Tape};

/// A handle to a node on a [`Tape`]: cheap to copy, used like a value.
///
/// `a + b`, `a - b`, `-a`, `a * b` (element-wise), `a * 2.0` and `2.0 * a`
/// record ops, as do the methods below.
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

    /// Adds the 1 x n row `bias` to every row of this m x n matrix.
    #[track_caller]
    pub fn add_bias(self, bias: Var<'t>) -> Var<'t> {
        let (a, b) = self.shapes_with(bias, "add_bias");
        if b != (1, a.1) {
            panic!("add_bias: the bias must be 1 x {}, got shapes {a:?} and {b:?}", a.1);
        }
        self.tape.record(Op::AddBias(self.id, bias.id))
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

    /// Log-softmax of each row, computed stably.
    #[track_caller]
    pub fn log_softmax(self) -> Var<'t> {
        self.tape.record(Op::LogSoftmax(self.id))
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
        (self.shape(), other.shape())
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

    /// Element-wise sum.
    #[track_caller]
    fn add(self, other: Var<'t>) -> Var<'t> {
        self.same_shape(other, "add");
        self.tape.record(Op::Add(self.id, other.id))
    }
}

impl<'t> Sub for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise difference.
    #[track_caller]
    fn sub(self, other: Var<'t>) -> Var<'t> {
        self.same_shape(other, "sub");
        self.tape.record(Op::Sub(self.id, other.id))
    }
}

impl<'t> Mul for Var<'t> {
    type Output = Var<'t>;

    /// Element-wise product; `other` may be a constant 0/1 mask.
    #[track_caller]
    fn mul(self, other: Var<'t>) -> Var<'t> {
        self.same_shape(other, "mul");
        self.tape.record(Op::Mul(self.id, other.id))
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
