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
use crate::kernels::{
    Kernels, larger_share, minus_softmax_times_row_sums, negated, power_slope, sigmoid, sign, update_with,
};
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
            if adjoint.is_none() && !matches!(node.op, Op::Parameter) {
                continue; // most nodes: their adjoint was used up on the way
            }
            *adjoint = match (&node.op, adjoint.take()) {
                (Op::Parameter, None) => Some(kernels.filled(node.value.dim(), 0.0)),
                // Row-major whatever path reached it (a transpose sends a
                // transposed view), so that `as_slice()` works.
                (Op::Parameter, Some(gradient)) if !gradient.is_standard_layout() => {
                    let row_major = kernels.copy(gradient.view());
                    kernels.recycle(gradient);
                    Some(row_major)
                }
                (Op::Parameter, gradient) => gradient,
                (_, None) => None,
                // Only the seed can be left here: a loss that is a constant.
                (_, Some(seed)) => {
                    kernels.recycle(seed);
                    None
                }
            };
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

    /// The shape of node `id`'s value.
    fn shape(&self, id: NodeId) -> (usize, usize) {
        self.nodes[id.0].value.dim()
    }

    /// Sends `contribution`, of the node's output shape, to `to`, summed over
    /// the axes along which `to` was broadcast (see `op.rs`).
    fn send_reduced(&mut self, to: NodeId, contribution: Array2<f64>) {
        let shape = self.shape(to);
        if contribution.dim() == shape || !self.wants(to) {
            self.send(to, contribution);
        } else {
            let reduced = self.sum_to(contribution.view(), shape);
            self.recycle(contribution);
            self.send(to, reduced);
        }
    }

    /// Sends `G ⊙ share(A, B)` to `a` and `G ⊙ share(B, A)` to `b`, each
    /// summed over its broadcast axes (`maximum` and `minimum`).
    fn send_shares(&mut self, a: NodeId, b: NodeId, grad: Array2<f64>, share: impl Fn(f64, f64) -> f64) {
        let (value_a, value_b) = (self.nodes[a.0].value.view(), self.nodes[b.0].value.view());
        for (to, x, y) in [(a, value_a, value_b), (b, value_b, value_a)] {
            if self.wants(to) {
                let mut contribution = self.zip_map(x, y, &share);
                update_with(&mut contribution, grad.view(), |c, g| *c *= g);
                self.send_reduced(to, contribution);
            }
        }
        self.recycle(grad);
    }

    /// Sends `grad` to `a` and `to_b(grad)` to `b`, each summed over the
    /// operand's broadcast axes. `grad` itself goes to an operand of its
    /// shape; it is copied only when both operands need it as it is.
    fn send_pair(&mut self, a: NodeId, b: NodeId, grad: Array2<f64>, to_b: impl FnOnce(Array2<f64>) -> Array2<f64>) {
        let as_is = |id: NodeId| self.wants(id) && self.shape(id) == grad.dim();
        let (a_as_is, b_as_is) = (as_is(a), as_is(b));
        let mut to_b = Some(to_b);
        if self.wants(a) && !a_as_is {
            let summed = self.sum_to(grad.view(), self.shape(a));
            self.send(a, summed);
        }
        if self.wants(b) && !b_as_is {
            let summed = self.sum_to(grad.view(), self.shape(b));
            let to_b = to_b.take().expect("used once");
            self.send(b, to_b(summed));
        }
        match (a_as_is, b_as_is, to_b) {
            (true, true, Some(to_b)) => {
                self.send(b, to_b(self.copy(grad.view())));
                self.send(a, grad);
            }
            (true, _, _) => self.send(a, grad),
            (false, true, Some(to_b)) => self.send(b, to_b(grad)),
            _ => self.recycle(grad),
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
        // dA = G, dB = G, each summed over its broadcast axes (a bias added
        // to every row collects every row's adjoint: db = 1ᵀ G)
        Op::Add(a, b) => sweep.send_pair(*a, *b, grad, |g| g),
        // dA = G, dB = -G, each summed over its broadcast axes
        Op::Sub(a, b) => sweep.send_pair(*a, *b, grad, negated),
        // dA = -G
        Op::Neg(a) => sweep.send(*a, negated(grad)),
        Op::Mul(a, b) => {
            // dA = G ⊙ B, dB = G ⊙ A, each summed over its broadcast axes
            if sweep.wants(*b) {
                let contribution = sweep.zip_map(grad.view(), value(a), |g, a| g * a);
                sweep.send_reduced(*b, contribution);
            }
            if sweep.wants(*a) {
                update_with(&mut grad, value(b), |g, b| *g *= b);
                sweep.send_reduced(*a, grad);
            } else {
                sweep.recycle(grad);
            }
        }
        Op::Div(a, b) => {
            // dA = G / B, dB = -G ⊙ C / B, each summed over its broadcast axes
            if sweep.wants(*b) {
                let mut contribution = sweep.zip_map(grad.view(), node.value.view(), |g, c| -g * c);
                update_with(&mut contribution, value(b), |x, b| *x /= b);
                sweep.send_reduced(*b, contribution);
            }
            if sweep.wants(*a) {
                update_with(&mut grad, value(b), |g, b| *g /= b);
                sweep.send_reduced(*a, grad);
            } else {
                sweep.recycle(grad);
            }
        }
        // dA = G ⊙ ([A > B] + ½[A = B]), dB = G ⊙ ([B > A] + ½[A = B])
        Op::Maximum(a, b) => sweep.send_shares(*a, *b, grad, larger_share),
        // dA = G ⊙ ([A < B] + ½[A = B]), dB = G ⊙ ([B < A] + ½[A = B])
        Op::Minimum(a, b) => sweep.send_shares(*a, *b, grad, |x, y| larger_share(y, x)),
        // dA = c G
        Op::Scale(a, c) => sweep.send(*a, grad * *c),
        // dA = G
        Op::AddScalar(a, _) => sweep.send(*a, grad),
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
        Op::Exp(a) => {
            // dA = G ⊙ C
            update_with(&mut grad, node.value.view(), |g, c| *g *= c);
            sweep.send(*a, grad);
        }
        Op::Log(a) => {
            // dA = G / A
            update_with(&mut grad, value(a), |g, x| *g /= x);
            sweep.send(*a, grad);
        }
        Op::Sqrt(a) => {
            // dA = G / (2 C)
            update_with(&mut grad, node.value.view(), |g, c| *g /= 2.0 * c);
            sweep.send(*a, grad);
        }
        Op::Abs(a) => {
            // dA = G ⊙ sign(A), with abs'(0) = 0
            update_with(&mut grad, value(a), |g, x| *g *= sign(x));
            sweep.send(*a, grad);
        }
        Op::Tanh(a) => {
            // dA = G ⊙ (1 - C²)
            update_with(&mut grad, node.value.view(), |g, c| *g *= 1.0 - c * c);
            sweep.send(*a, grad);
        }
        Op::Sigmoid(a) => {
            // dA = G ⊙ C ⊙ (1 - C)
            update_with(&mut grad, node.value.view(), |g, c| *g *= c * (1.0 - c));
            sweep.send(*a, grad);
        }
        Op::Powf(a, p) => {
            // dA = G ⊙ p A^(p-1) (0 for p = 0)
            update_with(&mut grad, value(a), |g, x| *g *= power_slope(x, *p));
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
        Op::SumAxis(a, _) => {
            // dA = G broadcast back along the axis
            let contribution = sweep.broadcast_to(grad.view(), value(a).dim());
            sweep.recycle(grad);
            sweep.send(*a, contribution);
        }
        Op::MeanAxis(a, axis) => {
            // dA = G / k broadcast back along the axis
            let share = 1.0 / value(a).len_of(*axis) as f64;
            let mut contribution = sweep.broadcast_to(grad.view(), value(a).dim());
            sweep.recycle(grad);
            contribution.mapv_inplace(|x| x * share);
            sweep.send(*a, contribution);
        }
        Op::MaxAxis(a, axis) => {
            // dA = G ⊙ [A = C] / (ties), broadcast back along the axis
            let contribution = sweep.to_maxima(grad.view(), value(a), node.value.view(), *axis);
            sweep.recycle(grad);
            sweep.send(*a, contribution);
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
        Op::Softmax(a) => {
            // dA = C ⊙ (G - rowsum(G ⊙ C))
            let contribution = sweep.softmax_vjp(grad.view(), node.value.view());
            sweep.recycle(grad);
            sweep.send(*a, contribution);
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
        Op::BceWithLogits(z, t) => {
            // dZ = g (σ(Z) - T) / N, dT = -g Z / N
            let scale = sweep.take_scalar(grad) / value(z).len() as f64;
            if sweep.wants(*t) {
                sweep.send(*t, sweep.map(value(z), |z| -scale * z));
            }
            if sweep.wants(*z) {
                sweep.send(*z, sweep.zip_map(value(z), value(t), |z, t| scale * (sigmoid(z) - t)));
            }
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
