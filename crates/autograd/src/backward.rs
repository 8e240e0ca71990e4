//! The backward sweep, and every op's vector-Jacobian product in one `match`.
//!
//! Reverse mode in one paragraph: the loss's adjoint is 1. Walking the tape
//! from the loss back to the start, each node holds the complete adjoint `G`
//! of its output (every node that used it came later on the tape, so all of
//! them have already sent their share), and turns `G` into one contribution
//! per operand, the vector-Jacobian product `Gᵀ ∂output/∂operand`. An
//! operand used by several nodes (fan-out) receives the sum of their
//! contributions. What reaches a parameter is its gradient.
//!
//! The notation of the rules is `op.rs`'s. The arithmetic is in
//! `kernels.rs`: a rule calls `sweep.matmul(..)`, `sweep.map(..)` and so on,
//! which write into spare buffers of the tape.

use std::ops::Deref;

use ndarray::Array2;

use crate::gradients::Gradients;
use crate::kernels::{Kernels, minus_softmax_times_row_sums, negated, update_with};
use crate::op::Op;
use crate::tape::{Node, NodeId, Tape};
use crate::var::Var;

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
        let kernels = self.kernels();
        let last = loss.id().index();
        // Last call's gradients are done with: their buffers serve this one.
        grads.adjoints.drain(..).flatten().for_each(|old| kernels.recycle(old));
        grads.adjoints.resize(last + 1, None);
        grads.recording = Some(self.recording());
        let mut sweep = Sweep {
            nodes: &nodes,
            adjoints: grads.adjoints.as_mut_slice(),
            observer,
            current: loss.id(),
            kernels,
        };
        sweep.adjoints[last] = Some(kernels.scalar(1.0));

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
                (Op::Parameter, false) => *adjoint = Some(kernels.filled(node.value.dim(), 0.0)),
                (Op::Parameter, true) | (_, false) => {}
                // Only the seed can be left here: a loss that is a constant.
                (_, true) => kernels.recycle(adjoint.take().expect("checked")),
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
        kernels: tape.kernels(),
    };
    propagate(&nodes[node.index()], adjoint, &mut sweep);
    let sent = adjoints.into_iter().enumerate();
    sent.filter_map(|(index, sum)| Some((NodeId(index), sum?))).collect()
}

/// The state of one backward sweep, and the context every rule works in:
/// the kernels (`sweep.matmul(..)`) and where contributions go (`sweep.send(..)`).
struct Sweep<'a, 'o> {
    nodes: &'a [Node],
    adjoints: &'a mut [Option<Array2<f64>>],
    observer: Option<&'o mut dyn SweepObserver>,
    /// The node whose adjoint is being propagated.
    current: NodeId,
    /// The arithmetic, writing into the tape's spare buffers.
    kernels: Kernels<'a>,
}

impl<'a> Deref for Sweep<'a, '_> {
    type Target = Kernels<'a>;

    /// The rules call the kernels on the sweep itself: `sweep.matmul(g, b.t())`.
    fn deref(&self) -> &Kernels<'a> {
        &self.kernels
    }
}

impl Sweep<'_, '_> {
    /// Whether `id` needs an adjoint (a parameter lies upstream of it).
    fn wants(&self, id: NodeId) -> bool {
        self.nodes[id.0].requires_grad
    }

    /// Adds `contribution` to the adjoint of `to` (fan-out accumulates).
    fn send(&mut self, to: NodeId, contribution: Array2<f64>) {
        if !self.wants(to) {
            self.recycle(contribution);
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
                self.kernels.recycle(contribution);
            }
            None => *slot = Some(contribution),
        }
    }

    /// Sends `grad` to `a` and `to_b(grad)` to `b`, copying `grad` only when
    /// both operands want an adjoint.
    fn send_pair(&mut self, a: NodeId, b: NodeId, grad: Array2<f64>, to_b: impl FnOnce(Array2<f64>) -> Array2<f64>) {
        match (self.wants(a), self.wants(b)) {
            (true, true) => {
                self.send(b, to_b(self.copy(grad.view())));
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
                sweep.send(*a, sweep.matmul(grad.view(), value(b).t()));
            }
            if sweep.wants(*b) {
                sweep.send(*b, sweep.matmul(value(a).t(), grad.view()));
            }
            sweep.recycle(grad);
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
                sweep.send(*b, sweep.zip_map(grad.view(), value(a), |g, a| g * a));
            }
            if sweep.wants(*a) {
                update_with(&mut grad, value(b), |g, b| *g *= b);
                sweep.send(*a, grad);
            } else {
                sweep.recycle(grad);
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
                sweep.send(*b, sweep.column_sums(grad.view()));
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
        Op::Sum(a) => {
            // dA = g everywhere
            let g = sweep.take_scalar(grad);
            sweep.send(*a, sweep.filled(value(a).dim(), g));
        }
        Op::Mean(a) => {
            // dA = g / (m n) everywhere
            let share = sweep.take_scalar(grad) / value(a).len() as f64;
            sweep.send(*a, sweep.filled(value(a).dim(), share));
        }
        Op::FrobeniusNorm(a) => {
            // dA = g A / ||A||; the subgradient 0 at A = 0
            let g = sweep.take_scalar(grad);
            let norm = node.value.view()[[0, 0]];
            let contribution = if norm == 0.0 {
                sweep.filled(value(a).dim(), 0.0)
            } else {
                // x / norm first: exact when g = 1, as for a loss.
                sweep.map(value(a), |x| x / norm * g)
            };
            sweep.send(*a, contribution);
        }
        Op::SumSquares(a) => {
            // dA = 2 g A
            let factor = 2.0 * sweep.take_scalar(grad);
            sweep.send(*a, sweep.map(value(a), |x| factor * x));
        }
        // dA = G - softmax(A) ⊙ rowsum(G), with softmax(A) = exp(Y)
        Op::LogSoftmax(a) => sweep.send(*a, minus_softmax_times_row_sums(grad, node.value.view())),
        Op::CrossEntropy { logits, labels } => {
            // dZ = g (P - onehot(y)) / m, with P the probabilities saved forward
            let probabilities = node.saved.as_ref().expect("cross_entropy saves its probabilities");
            let scale = sweep.take_scalar(grad) / labels.len() as f64;
            let mut dz = sweep.map(probabilities.view(), |p| scale * p);
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
            sweep.recycle(grad);
        }
    }
}
