//! The backward sweep, and every op's vector-Jacobian product in one `match`.
//!
//! Reverse mode in one paragraph: the loss's adjoint is 1. Walking the tape
//! from the loss back to the start, each node holds the complete adjoint `G`
//! of its output (every node that used it came later on the tape, so all of
//! them have already sent their share), and turns `G` into one contribution
//! per operand, the vector-Jacobian product `Gᵀ ∂output/∂operand`. An
//! operand used by several nodes (fan-out) receives the sum of their
//! contributions. What reaches a parameter is its gradient.

use std::ops::Index;

use ndarray::Array2;

use crate::forward::{column_sums, map, matmul, row_major, rows, rows_mut, scalar, update_with, zip_map};
use crate::op::Op;
use crate::pool::Pool;
use crate::tape::{Node, NodeId, Tape};
use crate::var::Var;

/// The gradients of one loss: one matrix per parameter, the parameter's shape.
///
/// Query with `grads[param]` or [`Gradients::get`]. Every parameter recorded
/// before the loss has a gradient, zero if the loss does not depend on it;
/// constants have none. A gradient has its parameter's shape, but not
/// always its memory order: a parameter used only through `.t()` gets a
/// column-major gradient (index it, or call `as_standard_layout()` for a
/// slice).
#[derive(Clone, Debug, Default)]
pub struct Gradients {
    /// Indexed by node id; after the sweep only parameters hold `Some`.
    adjoints: Vec<Option<Array2<f64>>>,
    /// The recording the sweep ran on (`None` before any sweep): node ids
    /// mean nothing on another tape, or after a [`Tape::clear`].
    recording: Option<u64>,
}

impl Gradients {
    /// An empty store, to be filled by [`Tape::backward_into`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The gradient of the loss with respect to `param`, if it has one.
    ///
    /// # Panics
    /// If `param` belongs to another tape, or was recorded after the tape
    /// was cleared: its id would name some other node's gradient.
    #[track_caller]
    pub fn get(&self, param: Var<'_>) -> Option<&Array2<f64>> {
        if !self.computed_on(param.tape()) {
            panic!(
                "no gradient for node {}: it belongs to another tape, or to a recording made after \
                 these gradients were computed",
                param.id()
            );
        }
        self.by_id(param.id())
    }

    /// The gradient stored for the node with this id, if any. Unlike
    /// [`Gradients::get`] it cannot tell which tape `id` came from: it must
    /// be an id of the recording these gradients were computed on.
    pub fn by_id(&self, id: NodeId) -> Option<&Array2<f64>> {
        self.adjoints.get(id.index()).and_then(Option::as_ref)
    }

    /// Panics unless these gradients were computed on `tape`'s current
    /// recording (or on none yet).
    #[track_caller]
    pub(crate) fn assert_computed_on(&self, tape: &Tape, what: &str) {
        if !self.computed_on(tape) {
            panic!("{what}: these gradients were computed on another tape, or before it was cleared");
        }
    }

    /// Whether these gradients belong to `tape`'s current recording (an
    /// empty store, never swept, belongs to any).
    fn computed_on(&self, tape: &Tape) -> bool {
        self.recording.is_none_or(|recording| recording == tape.recording())
    }

    /// How many node slots the store holds without reallocating (reused by
    /// [`Tape::backward_into`]).
    pub fn capacity(&self) -> usize {
        self.adjoints.capacity()
    }
}

impl Index<Var<'_>> for Gradients {
    type Output = Array2<f64>;

    /// # Panics
    /// If `param` has no gradient: it is a constant or an intermediate node,
    /// or it was recorded after the loss (or on another tape, see
    /// [`Gradients::get`]).
    #[track_caller]
    fn index(&self, param: Var<'_>) -> &Array2<f64> {
        self.get(param).unwrap_or_else(|| {
            panic!(
                "no gradient for node {}: gradients are kept for parameters recorded before the loss",
                param.id()
            )
        })
    }
}

/// Watches a backward sweep as it happens (the tape inspector's trace uses it).
///
/// Both methods default to doing nothing.
pub trait SweepObserver {
    /// The sweep has reached `node`, whose adjoint is now complete.
    fn visit(&mut self, node: NodeId, adjoint: &Array2<f64>) {
        let _ = (node, adjoint);
    }

    /// `from` sends `contribution` to its operand `to`. `accumulated` is true
    /// when `to` already held a contribution from another node (fan-out), so
    /// the two are summed.
    fn contribution(&mut self, from: NodeId, to: NodeId, contribution: &Array2<f64>, accumulated: bool) {
        let _ = (from, to, contribution, accumulated);
    }
}

impl Tape {
    /// Differentiates the 1 x 1 `loss` with respect to every parameter.
    ///
    /// # Panics
    /// If `loss` is not 1 x 1 or lives on another tape.
    #[track_caller]
    pub fn backward(&self, loss: Var<'_>) -> Gradients {
        let mut grads = Gradients::new();
        self.backward_into(loss, &mut grads);
        grads
    }

    /// Like [`Tape::backward`], reusing `grads`'s allocation.
    #[track_caller]
    pub fn backward_into(&self, loss: Var<'_>, grads: &mut Gradients) {
        self.sweep(loss, grads, None);
    }

    /// Like [`Tape::backward`], reporting each step to `observer`.
    #[track_caller]
    pub fn backward_observed(&self, loss: Var<'_>, observer: &mut dyn SweepObserver) -> Gradients {
        let mut grads = Gradients::new();
        self.sweep(loss, &mut grads, Some(observer));
        grads
    }

    #[track_caller]
    fn sweep(&self, loss: Var<'_>, grads: &mut Gradients, observer: Option<&mut dyn SweepObserver>) {
        loss.assert_same_tape(self, "backward");
        let shape = loss.shape();
        assert!(shape == (1, 1), "backward: the loss must be 1 x 1, got shape {shape:?}");

        let nodes = self.nodes();
        let pool = self.pool();
        let last = loss.id().index();
        // Last call's gradients are done with: their buffers serve this one.
        grads.adjoints.drain(..).flatten().for_each(|old| pool.put(old));
        grads.adjoints.resize(last + 1, None);
        grads.recording = Some(self.recording());
        let mut sweep = Sweep {
            nodes: &nodes,
            adjoints: grads.adjoints.as_mut_slice(),
            observer,
            current: loss.id(),
            pool,
        };
        sweep.adjoints[last] = Some(scalar(pool, 1.0));

        for index in (0..=last).rev() {
            let node = &nodes[index];
            if node.op.is_leaf() {
                continue; // a parameter keeps its adjoint: it is the gradient
            }
            let Some(grad) = sweep.adjoints[index].take() else {
                continue; // no parameter upstream, or not on a path to the loss
            };
            sweep.current = NodeId(index);
            if let Some(observer) = sweep.observer.as_deref_mut() {
                observer.visit(NodeId(index), &grad);
            }
            propagate(node, grad, &mut sweep);
        }

        for (node, adjoint) in nodes.iter().zip(grads.adjoints.iter_mut()) {
            match (&node.op, adjoint.is_some()) {
                (Op::Parameter, false) => *adjoint = Some(filled(pool, node.value.dim(), 0.0)),
                (Op::Parameter, true) | (_, false) => {}
                // Only the seed can be left here: a loss that is a constant.
                (_, true) => pool.put(adjoint.take().expect("checked")),
            }
        }
    }
}

/// Applies the VJP of the single node `node` to the given `adjoint` and
/// returns what it sends to each operand that wants an adjoint, summed over
/// the positions where an operand appears twice (as in `x * x`). The
/// localised gradient check compares these with finite differences.
pub(crate) fn node_vjp(tape: &Tape, node: NodeId, adjoint: Array2<f64>) -> Vec<(NodeId, Array2<f64>)> {
    let nodes = tape.nodes();
    let mut adjoints = vec![None; node.index()];
    let mut sweep = Sweep {
        nodes: &nodes,
        adjoints: &mut adjoints,
        observer: None,
        current: node,
        pool: tape.pool(),
    };
    propagate(&nodes[node.index()], adjoint, &mut sweep);
    let sent = adjoints.into_iter().enumerate();
    sent.filter_map(|(index, sum)| Some((NodeId(index), sum?))).collect()
}

/// `-a`, in place (over a plain slice when `a` is contiguous, so that it
/// vectorises).
fn negated(mut a: Array2<f64>) -> Array2<f64> {
    match a.as_slice_memory_order_mut() {
        Some(slice) => slice.iter_mut().for_each(|x| *x = -*x),
        None => a.map_inplace(|x| *x = -*x),
    }
    a
}

/// `a` itself when it is row-major, else a row-major copy.
fn into_row_major(a: Array2<f64>) -> Array2<f64> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

/// The state of one backward sweep.
struct Sweep<'a, 'o> {
    nodes: &'a [Node],
    adjoints: &'a mut [Option<Array2<f64>>],
    observer: Option<&'o mut dyn SweepObserver>,
    /// The node whose adjoint is being propagated.
    current: NodeId,
    /// Where contributions take their buffers and return spent ones.
    pool: &'a Pool,
}

impl Sweep<'_, '_> {
    /// Whether `id` needs an adjoint (a parameter lies upstream of it).
    fn wants(&self, id: NodeId) -> bool {
        self.nodes[id.0].requires_grad
    }

    /// Adds `contribution` to the adjoint of `to` (fan-out accumulates).
    fn send(&mut self, to: NodeId, contribution: Array2<f64>) {
        if !self.wants(to) {
            self.pool.put(contribution);
            return;
        }
        debug_assert_eq!(contribution.dim(), self.nodes[to.0].value.dim());
        let slot = &mut self.adjoints[to.0];
        if let Some(observer) = self.observer.as_deref_mut() {
            observer.contribution(self.current, to, &contribution, slot.is_some());
        }
        match slot {
            Some(sum) => {
                *sum += &contribution;
                self.pool.put(contribution);
            }
            None => *slot = Some(contribution),
        }
    }

    /// The number in a 1 x 1 adjoint; its buffer goes back to the pool.
    fn take_scalar(&self, grad: Array2<f64>) -> f64 {
        let g = grad[[0, 0]];
        self.pool.put(grad);
        g
    }

    /// A copy of `grad` in a spare buffer.
    fn copy(&self, grad: &Array2<f64>) -> Array2<f64> {
        let mut copy = self.pool.take(grad.dim());
        copy.assign(grad);
        copy
    }

    /// Sends `grad` to `a` and `to_b(grad)` to `b`, copying `grad` only when
    /// both operands want an adjoint.
    fn send_pair(&mut self, a: NodeId, b: NodeId, grad: Array2<f64>, to_b: impl FnOnce(Array2<f64>) -> Array2<f64>) {
        match (self.wants(a), self.wants(b)) {
            (true, true) => {
                self.send(b, to_b(self.copy(&grad)));
                self.send(a, grad);
            }
            (true, false) => self.send(a, grad),
            (false, true) => self.send(b, to_b(grad)),
            (false, false) => {}
        }
    }
}

/// Turns the complete adjoint `grad` (`G`, or `g` for a 1 x 1 output) of
/// `node` into contributions to its operands: the vector-Jacobian products
/// documented on [`Op`]. `grad` is owned, so rules that can reuse its buffer do.
fn propagate(node: &Node, mut grad: Array2<f64>, sweep: &mut Sweep<'_, '_>) {
    let nodes = sweep.nodes;
    let value = |id: &NodeId| nodes[id.0].value.view();
    match &node.op {
        Op::Parameter | Op::Constant => unreachable!("leaves have no operands"),
        Op::MatMul(a, b) => {
            // dA = G Bᵀ, dB = Aᵀ G
            if sweep.wants(*a) {
                sweep.send(*a, matmul(sweep.pool, grad.view(), value(b).t()));
            }
            if sweep.wants(*b) {
                sweep.send(*b, matmul(sweep.pool, value(a).t(), grad.view()));
            }
            sweep.pool.put(grad);
        }
        // dA = Gᵀ (a view of the same buffer)
        Op::Transpose(a) => sweep.send(*a, grad.reversed_axes()),
        // dA = G, dB = G
        Op::Add(a, b) => sweep.send_pair(*a, *b, grad, |g| g),
        // dA = G, dB = -G
        Op::Sub(a, b) => sweep.send_pair(*a, *b, grad, negated),
        // dA = -G
        Op::Neg(a) => sweep.send(*a, negated(grad)),
        Op::Mul(a, b) => {
            // dA = G ⊙ B, dB = G ⊙ A
            if sweep.wants(*b) {
                sweep.send(*b, zip_map(sweep.pool, grad.view(), value(a), |g, a| g * a));
            }
            if sweep.wants(*a) {
                update_with(&mut grad, value(b), |g, b| *g *= b);
                sweep.send(*a, grad);
            } else {
                sweep.pool.put(grad);
            }
        }
        // dA = c G
        Op::Scale(a, c) => sweep.send(*a, grad * *c),
        // dA = G
        Op::AddScalar(a, _) => sweep.send(*a, grad),
        Op::AddBias(a, b) => {
            // db = 1ᵀ G: the bias was added to every row, so its adjoint
            // collects every row's. dA = G.
            if sweep.wants(*b) {
                sweep.send(*b, column_sums(sweep.pool, grad.view()));
            }
            sweep.send(*a, grad);
        }
        Op::Relu(a) => {
            // dA = G ⊙ [A > 0]; relu'(0) = 0. At a NaN input G passes
            // unchanged: the forward value is NaN already, and the loss shows it.
            update_with(&mut grad, value(a), |g, x| {
                if x <= 0.0 {
                    *g = 0.0;
                }
            });
            sweep.send(*a, grad);
        }
        Op::Square(a) => {
            // dA = 2 A ⊙ G
            update_with(&mut grad, value(a), |g, x| *g *= 2.0 * x);
            sweep.send(*a, grad);
        }
        // dA = g everywhere
        Op::Sum(a) => {
            let g = sweep.take_scalar(grad);
            sweep.send(*a, filled(sweep.pool, value(a).dim(), g));
        }
        Op::Mean(a) => {
            // dA = g / (m n) everywhere
            let share = sweep.take_scalar(grad) / value(a).len() as f64;
            sweep.send(*a, filled(sweep.pool, value(a).dim(), share));
        }
        Op::FrobeniusNorm(a) => {
            // dA = g A / ||A||; the subgradient 0 at A = 0
            let g = sweep.take_scalar(grad);
            let norm = node.value.view()[[0, 0]];
            let contribution = if norm == 0.0 {
                filled(sweep.pool, value(a).dim(), 0.0)
            } else {
                // x / norm first: exact when g = 1, as for a loss.
                map(sweep.pool, value(a), |x| x / norm * g)
            };
            sweep.send(*a, contribution);
        }
        Op::SumSquares(a) => {
            // dA = 2 g A
            let factor = 2.0 * sweep.take_scalar(grad);
            sweep.send(*a, map(sweep.pool, value(a), |x| factor * x));
        }
        Op::LogSoftmax(a) => {
            // dA = G - softmax(A) ⊙ rowsum(G), with softmax(A) = exp(Y)
            let mut grad = into_row_major(grad);
            let cols = grad.ncols();
            let y = row_major(node.value.view());
            let y_rows = rows(y.as_slice().expect("row-major"), cols);
            for (g_row, y_row) in rows_mut(grad.as_slice_mut().expect("row-major"), cols).zip(y_rows) {
                let row_sum: f64 = g_row.iter().sum();
                g_row.iter_mut().zip(y_row).for_each(|(g, y)| *g -= y.exp() * row_sum);
            }
            sweep.send(*a, grad);
        }
        Op::CrossEntropy { logits, labels } => {
            // dZ = g (P - onehot(y)) / m, with P the probabilities saved forward
            let probabilities = node.saved.as_ref().expect("cross_entropy saves its probabilities");
            let scale = sweep.take_scalar(grad) / labels.len() as f64;
            let mut dz = map(sweep.pool, probabilities.view(), |p| scale * p);
            for (row, &label) in labels.iter().enumerate() {
                dz[[row, label]] -= scale;
            }
            sweep.send(*logits, dz);
        }
        Op::Custom { op, inputs } => {
            // The op's own rule; its output is checked, not trusted.
            let views: Vec<_> = inputs.iter().map(value).collect();
            let contributions = op.vjp(&views, node.value.view(), grad.view());
            assert!(
                contributions.len() == inputs.len(),
                "{}: vjp returned {} adjoints for {} operands",
                op.name(),
                contributions.len(),
                inputs.len()
            );
            for (position, (id, contribution)) in inputs.iter().zip(contributions).enumerate() {
                let expected = value(id).dim();
                assert!(
                    contribution.dim() == expected,
                    "{}: vjp returned shape {:?} for operand {position} of shape {expected:?}",
                    op.name(),
                    contribution.dim()
                );
                sweep.send(*id, contribution);
            }
            sweep.pool.put(grad);
        }
    }
}

/// An m x n matrix with every entry `x`, in a spare buffer.
fn filled(pool: &Pool, shape: (usize, usize), x: f64) -> Array2<f64> {
    let mut out = pool.take(shape);
    out.fill(x);
    out
}
