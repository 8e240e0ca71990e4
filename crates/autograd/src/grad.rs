//! Gradients that are themselves on the tape: the backward sweep recorded
//! as ops, so that it can be differentiated again.
//!
//! [`Tape::backward`] computes gradients as numbers. [`Tape::grad`] walks
//! the same sweep but *records* every vector-Jacobian product with `Var`
//! ops (PyTorch's `create_graph=True`): the gradients it returns are nodes
//! of the tape, functions of the parameters like any other, and
//! `tape.backward` from a scalar made of them gives second derivatives.
//! A Hessian-vector product is one of those: `H v = ∇⟨∇f, v⟩`.
//!
//! So every op's rule is written twice, here in `Var` ops and in
//! `backward.rs` in fast kernels. A test holds the two sweeps equal to
//! 1e-14 on every op and every experiment's loss, so they cannot drift
//! apart. Where a rule needs something that is not itself differentiable
//! (relu's mask, the shares of a tie, the positions of a maximum) it enters
//! as a constant: its derivative is zero almost everywhere.

use ndarray::{Array2, Axis};

use crate::kernels::{larger_share, sign};
use crate::op::Op;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

impl Tape {
    /// The gradients of the 1 x 1 `loss` with respect to each of `wrt`,
    /// recorded on this tape (how, and why, is the module doc of `grad.rs`): the
    /// same numbers as [`Tape::backward`], as differentiable nodes. A node
    /// of `wrt` that the loss does not depend on gets a constant zero.
    ///
    /// ```
    /// use autograd::Tape;
    /// use ndarray::array;
    ///
    /// // f(x) = Σ x³: ∇f = 3x², and the gradient of Σ ∇f is 6x.
    /// let tape = Tape::new();
    /// let x = tape.parameter(array![[1.0, -2.0]]);
    /// let f = x.powf(3.0).sum();
    /// let gradient = tape.grad(f, &[x])[0];
    /// assert_eq!(gradient.value(), array![[3.0, 12.0]]);
    /// let second = tape.backward(gradient.sum());
    /// assert_eq!(second[x], array![[6.0, -12.0]]);
    /// ```
    ///
    /// # Panics
    /// If `loss` is not 1 x 1, a `Var` lives on another tape, or the sweep
    /// meets a custom op (whose rule is numbers, not `Var` ops).
    #[track_caller]
    pub fn grad<'t>(&'t self, loss: Var<'t>, wrt: &[Var<'t>]) -> Vec<Var<'t>> {
        loss.assert_same_tape(self, "grad");
        for var in wrt {
            var.assert_same_tape(self, "grad");
        }
        let shape = loss.shape();
        assert!(shape == (1, 1), "grad: the loss must be 1 x 1, got shape {shape:?}");
        let last = loss.id().index();
        let mut adjoints: Vec<Option<Var<'t>>> = vec![None; last + 1];
        adjoints[last] = Some(self.constant(ndarray::array![[1.0]]));
        for index in (0..=last).rev() {
            let Some(g) = adjoints[index] else {
                continue;
            };
            let (op, wanted) = {
                let node = &self.nodes()[index];
                (node.op.clone(), node.requires_grad)
            };
            if op.is_leaf() || !wanted {
                continue;
            }
            let mut sweep = RecordedSweep {
                tape: self,
                adjoints: &mut adjoints,
            };
            sweep.propagate(&op, Var::new(self, NodeId(index)), g);
        }
        wrt.iter()
            .map(|var| {
                let slot = adjoints.get(var.id().index()).copied().flatten();
                slot.unwrap_or_else(|| self.constant(Array2::zeros(var.shape())))
            })
            .collect()
    }
}

/// The recorded sweep: where contributions go, as nodes.
struct RecordedSweep<'a, 't> {
    tape: &'t Tape,
    adjoints: &'a mut [Option<Var<'t>>],
}

impl<'t> RecordedSweep<'_, 't> {
    /// The node `id` as a `Var`.
    fn var(&self, id: NodeId) -> Var<'t> {
        Var::new(self.tape, id)
    }

    /// A constant.
    fn constant(&self, value: Array2<f64>) -> Var<'t> {
        self.tape.constant(value)
    }

    /// Adds `contribution` to the adjoint of `to` (fan-out accumulates, as
    /// in `backward.rs`), if `to` wants one.
    fn send(&mut self, to: NodeId, contribution: Var<'t>) {
        if !self.tape.requires_grad(to) {
            return;
        }
        let slot = &mut self.adjoints[to.index()];
        *slot = Some(match *slot {
            Some(sum) => sum + contribution,
            None => contribution,
        });
    }

    /// Sends `contribution` to `to`, summed over the axes along which `to`
    /// was broadcast: the sums recorded as `sum_axis` or `sum` nodes.
    fn send_reduced(&mut self, to: NodeId, contribution: Var<'t>) {
        if !self.tape.requires_grad(to) {
            return;
        }
        let (shape, out) = (self.var(to).shape(), contribution.shape());
        let reduced = match (shape.0 == out.0, shape.1 == out.1) {
            (true, true) => contribution,
            (false, true) => contribution.sum_axis(Axis(0)),
            (true, false) => contribution.sum_axis(Axis(1)),
            (false, false) => contribution.sum(),
        };
        self.send(to, reduced);
    }

    /// `g` repeated to the shape of `to` (a 1 x 1, a row or a column, times a
    /// constant matrix of ones).
    fn spread(&self, g: Var<'t>, to: NodeId) -> Var<'t> {
        self.constant(Array2::ones(self.var(to).shape())) * g
    }

    /// The shares a tie-aware `maximum` or `minimum` sends to `x` against
    /// `y`, broadcast, as a constant.
    fn shares(&self, x: NodeId, y: NodeId, share: impl Fn(f64, f64) -> f64) -> Var<'t> {
        let (x, y) = (self.var(x).value(), self.var(y).value());
        self.constant(self.tape.kernels().zip_map(x.view(), y.view(), share))
    }

    /// The VJPs of `backward.rs`, as `Var` ops: `c` is the node, `g` its
    /// adjoint. One arm per op, in the same order.
    fn propagate(&mut self, op: &Op, c: Var<'t>, g: Var<'t>) {
        let v = |id: &NodeId| Var::new(self.tape, *id);
        match op {
            Op::Parameter | Op::Constant => unreachable!("leaves have no operands"),
            Op::MatMul(a, b) => {
                // dA = G Bᵀ, dB = Aᵀ G
                self.send(*a, g.matmul(v(b).t()));
                self.send(*b, v(a).t().matmul(g));
            }
            // dA = Gᵀ
            Op::Transpose(a) => self.send(*a, g.t()),
            Op::Add(a, b) => {
                // dA = G, dB = G, each summed over its broadcast axes
                self.send_reduced(*a, g);
                self.send_reduced(*b, g);
            }
            Op::Sub(a, b) => {
                // dA = G, dB = -G
                self.send_reduced(*a, g);
                self.send_reduced(*b, -g);
            }
            // dA = -G
            Op::Neg(a) => self.send(*a, -g),
            Op::Mul(a, b) => {
                // dA = G ⊙ B, dB = G ⊙ A
                self.send_reduced(*b, g * v(a));
                self.send_reduced(*a, g * v(b));
            }
            Op::Div(a, b) => {
                // dA = G / B, dB = -G ⊙ C / B
                self.send_reduced(*b, -(g * c) / v(b));
                self.send_reduced(*a, g / v(b));
            }
            Op::Maximum(a, b) => {
                // dA = G ⊙ ([A > B] + ½[A = B]), dB = G ⊙ ([B > A] + ½[A = B])
                self.send_reduced(*a, g * self.shares(*a, *b, larger_share));
                self.send_reduced(*b, g * self.shares(*b, *a, larger_share));
            }
            Op::Minimum(a, b) => {
                // dA = G ⊙ ([A < B] + ½[A = B]), dB = G ⊙ ([B < A] + ½[A = B])
                self.send_reduced(*a, g * self.shares(*a, *b, |x, y| larger_share(y, x)));
                self.send_reduced(*b, g * self.shares(*b, *a, |x, y| larger_share(y, x)));
            }
            // dA = c G
            Op::Scale(a, factor) => self.send(*a, g.scale(*factor)),
            // dA = G
            Op::AddScalar(a, _) => self.send(*a, g),
            Op::Relu(a) => {
                // dA = G ⊙ [A > 0], the mask a constant
                let mask = v(a).value().mapv(|x| if x <= 0.0 { 0.0 } else { 1.0 });
                self.send(*a, g * self.constant(mask));
            }
            // dA = 2 A ⊙ G
            Op::Square(a) => self.send(*a, (g * v(a)).scale(2.0)),
            // dA = G ⊙ C
            Op::Exp(a) => self.send(*a, g * c),
            // dA = G / A
            Op::Log(a) => self.send(*a, g / v(a)),
            // dA = G / (2 C)
            Op::Sqrt(a) => self.send(*a, g / c.scale(2.0)),
            Op::Abs(a) => {
                // dA = G ⊙ sign(A), the sign a constant
                let signs = v(a).value().mapv(sign);
                self.send(*a, g * self.constant(signs));
            }
            // dA = G ⊙ (1 - C²)
            Op::Tanh(a) => self.send(*a, g * (1.0 - c.square())),
            // dA = G ⊙ C ⊙ (1 - C)
            Op::Sigmoid(a) => self.send(*a, g * (c * (1.0 - c))),
            Op::Powf(a, p) => {
                // dA = G ⊙ p A^(p-1), and 0 for p = 0
                let slope = if *p == 0.0 {
                    v(a).scale(0.0)
                } else {
                    v(a).powf(p - 1.0).scale(*p)
                };
                self.send(*a, g * slope);
            }
            // dA = g everywhere
            Op::Sum(a) => self.send(*a, self.spread(g, *a)),
            Op::Mean(a) => {
                // dA = g / (m n) everywhere
                let count = v(a).value().len() as f64;
                self.send(*a, self.spread(g, *a) / count);
            }
            // dA = G broadcast back along the axis
            Op::SumAxis(a, _) => self.send(*a, self.spread(g, *a)),
            Op::MeanAxis(a, axis) => {
                // dA = G / k broadcast back along the axis
                let count = v(a).value().len_of(*axis) as f64;
                self.send(*a, self.spread(g, *a).scale(1.0 / count));
            }
            Op::MaxAxis(a, axis) => {
                // dA = G ⊙ [A = C] / (ties), the weights a constant
                let (value, maxima) = (v(a).value(), c.value());
                let weights = self.tape.kernels().tie_weights(value.view(), maxima.view(), *axis);
                self.send(*a, self.constant(weights) * g);
            }
            Op::FrobeniusNorm(a) => {
                // dA = g A / ‖A‖; the subgradient 0 at A = 0
                let contribution = if c.item() == 0.0 {
                    self.constant(Array2::zeros(v(a).shape()))
                } else {
                    (v(a) / c) * g
                };
                self.send(*a, contribution);
            }
            // dA = 2 g A
            Op::SumSquares(a) => self.send(*a, (v(a) * g).scale(2.0)),
            // dA = C ⊙ (G - rowsum(G ⊙ C))
            Op::Softmax(a) => self.send(*a, c * (g - (g * c).sum_axis(Axis(1)))),
            // dA = G - softmax(A) ⊙ rowsum(G), with softmax(A) = exp(Y)
            Op::LogSoftmax(a) => self.send(*a, g - c.exp() * g.sum_axis(Axis(1))),
            Op::CrossEntropy { logits, labels } => {
                // dZ = g (softmax(Z) - onehot(y)) / m, softmax recorded through its own op
                let z = v(logits);
                let one_hot = Array2::from_shape_fn(z.shape(), |(row, k)| f64::from(u8::from(labels[row] == k)));
                let m = labels.len() as f64;
                self.send(*logits, ((z.softmax() - self.constant(one_hot)) * g).scale(1.0 / m));
            }
            Op::BceWithLogits(z, t) => {
                // dZ = g (σ(Z) - T) / N, dT = -g Z / N
                let n = v(z).shape().0 * v(z).shape().1;
                let share = 1.0 / n as f64;
                self.send(*t, (-(v(z) * g)).scale(share));
                self.send(*z, ((v(z).sigmoid() - v(t)) * g).scale(share));
            }
            Op::Custom { op, .. } => panic!(
                "grad: node {} is the custom op {}, whose VJP is numbers, not Var ops: \
                 Tape::grad (and second derivatives) need built-in ops on the way",
                c.id(),
                op.name()
            ),
        }
    }
}
