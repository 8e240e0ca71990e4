//! The tape: an append-only list of nodes, in the order they were computed.
//!
//! A node is a value (an `f64` matrix; a scalar is 1 x 1) and the [`Op`] that
//! produced it. An operation can only name nodes that already exist, so the
//! recording order is a topological order of the computation graph: backward
//! is one loop over the tape in reverse, with no graph search.
//!
//! [`Tape`]'s methods live beside what they do: recording leaves and ops
//! here; one method per op in `var.rs` (on [`Var`]); [`Tape::backward`] in
//! `backward.rs`; [`Tape::tangents`] (forward mode) in `forward_mode.rs`;
//! [`Tape::grad`] (the backward sweep recorded on the tape) in `grad.rs`;
//! [`Tape::custom`] in `custom.rs`; the anomaly checks
//! ([`Tape::first_non_finite_value`]) in `anomaly.rs`.

use std::cell::{Ref, RefCell};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{ArcArray2, Array2};

use crate::forward;
use crate::kernels::Kernels;
use crate::op::Op;
use crate::pool::Pool;
use crate::value::{IntoValue, Leaf, Value};
use crate::var::Var;

/// The position of a node on its tape.
///
/// Ids count up in recording order, so every operand of a node has a smaller
/// id than the node itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The node's position on the tape, starting at 0.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One entry of the tape.
#[derive(Debug)]
pub(crate) struct Node {
    /// The value computed by the forward pass.
    pub(crate) value: Value,
    /// What the op saved on the way forward because its backward rule needs
    /// it (cross-entropy: the softmax probabilities), or `None`. Boxed: few
    /// ops save anything, and a small node is cheaper to push.
    pub(crate) saved: Option<Box<Array2<f64>>>,
    /// How the value was made, naming its operands by id.
    pub(crate) op: Op,
    /// Whether any parameter lies upstream, i.e. whether backward must
    /// compute an adjoint for this node at all.
    pub(crate) requires_grad: bool,
    /// Where in the user's code the node was recorded.
    pub(crate) location: &'static Location<'static>,
}

/// A Wengert list: the record of one forward computation.
///
/// Leaves enter with [`Tape::parameter`] (differentiated) and
/// [`Tape::constant`] (not); operations on the returned [`Var`] handles
/// append new nodes. [`Tape::backward`] then sweeps the list in reverse.
///
/// A tape is meant to be reused: [`Tape::clear`] empties it but keeps its
/// allocation, so a training loop records every step into the same memory.
/// Clearing needs `&mut self`, so the borrow checker guarantees that no
/// [`Var`] from the previous step is still alive.
pub struct Tape {
    nodes: RefCell<Vec<Node>>,
    /// Buffers of cleared steps, for the next step's values and gradients.
    pool: Pool,
    /// Which recording this is (see [`next_recording`]): [`Gradients`]
    /// remember it, so that they refuse a [`Var`] of another tape, or of a
    /// later recording on this one.
    ///
    /// [`Gradients`]: crate::Gradients
    recording: u64,
}

/// A number no other recording has had: every new tape and every
/// [`Tape::clear`] takes one.
fn next_recording() -> u64 {
    static RECORDINGS: AtomicU64 = AtomicU64::new(0);
    RECORDINGS.fetch_add(1, Ordering::Relaxed)
}

impl Default for Tape {
    fn default() -> Self {
        Tape::with_capacity(0)
    }
}

impl Tape {
    /// An empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tape with room for `nodes` nodes before it reallocates.
    pub fn with_capacity(nodes: usize) -> Self {
        Tape {
            nodes: RefCell::new(Vec::with_capacity(nodes)),
            pool: Pool::default(),
            recording: next_recording(),
        }
    }

    /// Records a parameter: a leaf whose gradient [`Tape::backward`] returns.
    ///
    /// The tape holds its own reference to the value: passing an `Array2` or
    /// `&Array2` copies it in, so the caller may later update its own array
    /// in place (as the optimisers do).
    #[track_caller]
    pub fn parameter<'a>(&self, value: impl IntoValue<'a>) -> Var<'_> {
        let value = self.leaf_value(value.into_leaf());
        self.push(value, None, Op::Parameter, true, Location::caller())
    }

    /// Records a constant: a leaf that receives no gradient (data, targets,
    /// masks). Passing an [`ArcArray2`] shares its buffer instead of copying.
    #[track_caller]
    pub fn constant<'a>(&self, value: impl IntoValue<'a>) -> Var<'_> {
        let value = self.leaf_value(value.into_leaf());
        self.push(value, None, Op::Constant, false, Location::caller())
    }

    /// A leaf's value: moved in, shared, or copied into a spare buffer.
    fn leaf_value(&self, leaf: Leaf<'_>) -> Value {
        match leaf {
            Leaf::Owned(array) => Value::Owned(array),
            Leaf::Shared(array) => Value::Shared(array),
            Leaf::Borrowed(view) => Value::Owned(self.kernels().copy(view)),
        }
    }

    /// The number of nodes recorded so far.
    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    /// The ids of every node recorded so far, in tape order.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + use<> {
        (0..self.len()).map(NodeId)
    }

    /// Every parameter recorded so far, in tape order (what `backward`
    /// gives a gradient to).
    pub fn parameters(&self) -> Vec<Var<'_>> {
        let nodes = self.nodes.borrow();
        let ids = nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| matches!(node.op, Op::Parameter));
        ids.map(|(index, _)| Var::new(self, NodeId(index))).collect()
    }

    /// Whether nothing has been recorded yet.
    pub fn is_empty(&self) -> bool {
        self.nodes.borrow().is_empty()
    }

    /// How many nodes the tape can hold before it must reallocate.
    pub fn capacity(&self) -> usize {
        self.nodes.borrow().capacity()
    }

    /// How many buffers from cleared steps wait to be reused (see `pool.rs`).
    pub fn spare_buffers(&self) -> usize {
        self.pool.len()
    }

    /// Forgets every node but keeps the allocation, ready for the next step.
    ///
    /// The cleared values' buffers are kept for the next step (see `pool.rs`).
    pub fn clear(&mut self) {
        let nodes = self.nodes.get_mut();
        let count = nodes.len();
        for node in nodes.drain(..) {
            self.pool.put_value(node.value);
            if let Some(saved) = node.saved {
                self.pool.put(*saved);
            }
        }
        // A step needs at most about three buffers of one length per node
        // (its value, its adjoint and a contribution); more are let go.
        self.pool.keep_at_most(3 * count);
        self.recording = next_recording();
    }

    /// Evaluates `op` on the values of its operands and appends the result.
    ///
    /// Callers (the methods of [`Var`]) have already checked the operands' shapes.
    ///
    /// One side effect on an earlier node: recording a transpose moves its
    /// operand's matrix into a shared buffer (`Value::share`), so that the
    /// transpose views the same memory instead of copying it. The operand's
    /// numbers do not change, only who owns them.
    #[track_caller]
    pub(crate) fn record(&self, op: Op) -> Var<'_> {
        if let Op::Transpose(operand) = op {
            self.nodes.borrow_mut()[operand.0].value.share();
        }
        let (forward, requires_grad) = {
            let nodes = self.nodes.borrow();
            let forward = forward::evaluate(&op, |id| &nodes[id.0].value, self.kernels());
            let requires_grad = op.operands().iter().any(|id| nodes[id.0].requires_grad);
            (forward, requires_grad)
        };
        self.push(forward.value, forward.saved, op, requires_grad, Location::caller())
    }

    fn push(
        &self,
        value: Value,
        saved: Option<Box<Array2<f64>>>,
        op: Op,
        requires_grad: bool,
        location: &'static Location<'static>,
    ) -> Var<'_> {
        let mut nodes = self.nodes.borrow_mut();
        let id = NodeId(nodes.len());
        nodes.push(Node {
            value,
            saved,
            op,
            requires_grad,
            location,
        });
        Var::new(self, id)
    }

    /// The op that produced node `id`.
    pub fn op(&self, id: NodeId) -> Op {
        self.nodes.borrow()[id.0].op.clone()
    }

    /// The value of node `id`: the node's own buffer when it is shared (a
    /// constant passed in as an [`ArcArray2`], a transposed node, or a
    /// transpose itself), else a copy.
    pub fn value(&self, id: NodeId) -> ArcArray2<f64> {
        self.nodes.borrow()[id.0].value.to_shared()
    }

    /// Where in the caller's code node `id` was recorded.
    pub fn location(&self, id: NodeId) -> &'static Location<'static> {
        self.nodes.borrow()[id.0].location
    }

    /// Whether a parameter lies upstream of node `id`, so that backward
    /// computes an adjoint for it.
    pub fn requires_grad(&self, id: NodeId) -> bool {
        self.nodes.borrow()[id.0].requires_grad
    }

    /// Read access to the nodes, for the backward sweep and the inspectors.
    pub(crate) fn nodes(&self) -> Ref<'_, Vec<Node>> {
        self.nodes.borrow()
    }

    /// The kernels, writing into this tape's spare buffers.
    pub(crate) fn kernels(&self) -> Kernels<'_> {
        Kernels::new(&self.pool)
    }

    /// Which recording the tape holds now (see [`next_recording`]).
    pub(crate) fn recording(&self) -> u64 {
        self.recording
    }
}

impl fmt::Debug for Tape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = self.nodes.borrow();
        let mut list = f.debug_list();
        for (index, node) in nodes.iter().enumerate() {
            list.entry(&format_args!("#{index} = {:?} {:?}", node.op, node.value.dim()));
        }
        list.finish()
    }
}
