//! Reverse-mode automatic differentiation in about 150 lines: the way in
//! before the full engine.
//!
//! A tape is a `Vec` of nodes in the order they were computed; each node
//! holds its value and the op that made it, naming its operands by their
//! position on the tape. Backward is one loop over the tape in reverse:
//! each node's adjoint is complete when the loop reaches it (everything
//! that used it came later), and its op turns it into one contribution per
//! operand, added (`+=`) to what the operand already has. That is all of
//! reverse mode; `crates/autograd` adds many ops, shape checks, buffer reuse,
//! checkers and inspectors around exactly this loop.
//!
//! Run it: `cargo run --release --example tiny_tape`. It differentiates the
//! lab's loss `‖A − U Vᵀ‖_F` on a 3 x 3 example with this tape and with the
//! real engine, and prints both gradients; a test (`tests/tiny_tape.rs`)
//! holds them equal on centred iris too.

use ndarray::{Array2, array};

/// What a node computes, naming its operands by their index on the tape.
#[derive(Clone, Copy, Debug)]
pub enum TinyOp {
    /// An input: a parameter or a constant (the tape does not care which).
    Leaf,
    /// `C = A B`; `dA = G Bᵀ`, `dB = Aᵀ G`.
    MatMul(usize, usize),
    /// `C = Aᵀ`; `dA = Gᵀ`.
    Transpose(usize),
    /// `C = A - B`; `dA = G`, `dB = -G`.
    Sub(usize, usize),
    /// `C = A ⊙ B`; `dA = G ⊙ B`, `dB = G ⊙ A`.
    Mul(usize, usize),
    /// `s = Σ A`; `dA = g` everywhere.
    Sum(usize),
    /// `s = ‖A‖_F`; `dA = g A / s` (and 0 at `A = 0`).
    Norm(usize),
}

/// One entry of the tape.
struct Node {
    value: Array2<f64>,
    op: TinyOp,
}

/// A Wengert list of matrix operations.
#[derive(Default)]
pub struct TinyTape {
    nodes: Vec<Node>,
}

impl TinyTape {
    /// Appends a node and returns its index.
    fn push(&mut self, op: TinyOp, value: Array2<f64>) -> usize {
        self.nodes.push(Node { value, op });
        self.nodes.len() - 1
    }

    /// The value of node `id`.
    pub fn value(&self, id: usize) -> &Array2<f64> {
        &self.nodes[id].value
    }

    /// Records an input.
    pub fn leaf(&mut self, value: Array2<f64>) -> usize {
        self.push(TinyOp::Leaf, value)
    }

    /// Records `a · b`.
    pub fn matmul(&mut self, a: usize, b: usize) -> usize {
        let value = self.value(a).dot(self.value(b));
        self.push(TinyOp::MatMul(a, b), value)
    }

    /// Records `aᵀ`.
    pub fn t(&mut self, a: usize) -> usize {
        let value = self.value(a).t().to_owned();
        self.push(TinyOp::Transpose(a), value)
    }

    /// Records `a - b`.
    pub fn sub(&mut self, a: usize, b: usize) -> usize {
        let value = self.value(a) - self.value(b);
        self.push(TinyOp::Sub(a, b), value)
    }

    /// Records `a ⊙ b`.
    pub fn mul(&mut self, a: usize, b: usize) -> usize {
        let value = self.value(a) * self.value(b);
        self.push(TinyOp::Mul(a, b), value)
    }

    /// Records `Σ a`, as a 1 x 1 matrix.
    pub fn sum(&mut self, a: usize) -> usize {
        let value = array![[self.value(a).sum()]];
        self.push(TinyOp::Sum(a), value)
    }

    /// Records `‖a‖_F`, as a 1 x 1 matrix.
    pub fn norm(&mut self, a: usize) -> usize {
        let value = array![[self.value(a).iter().map(|x| x * x).sum::<f64>().sqrt()]];
        self.push(TinyOp::Norm(a), value)
    }

    /// The gradient of the 1 x 1 node `loss` with respect to every node on
    /// the tape (zero for nodes the loss does not depend on).
    pub fn backward(&self, loss: usize) -> Vec<Array2<f64>> {
        let mut grads: Vec<Array2<f64>> = self.nodes.iter().map(|node| Array2::zeros(node.value.dim())).collect();
        grads[loss].fill(1.0); // dloss/dloss = 1
        for id in (0..=loss).rev() {
            let g = grads[id].clone(); // complete: every user of `id` came later
            match self.nodes[id].op {
                TinyOp::Leaf => {}
                TinyOp::MatMul(a, b) => {
                    grads[a] += &g.dot(&self.value(b).t());
                    grads[b] += &self.value(a).t().dot(&g);
                }
                TinyOp::Transpose(a) => grads[a] += &g.t(),
                TinyOp::Sub(a, b) => {
                    grads[a] += &g;
                    grads[b] -= &g;
                }
                TinyOp::Mul(a, b) => {
                    grads[a] += &(&g * self.value(b));
                    grads[b] += &(&g * self.value(a));
                }
                TinyOp::Sum(a) => grads[a] += g[[0, 0]],
                TinyOp::Norm(a) => {
                    let norm = self.value(id)[[0, 0]];
                    if norm > 0.0 {
                        grads[a].scaled_add(g[[0, 0]] / norm, self.value(a));
                    }
                }
            }
        }
        grads
    }
}

/// `‖A − U Vᵀ‖_F` on the tiny tape: the loss and the gradients for U and V.
pub fn lab_loss(a: &Array2<f64>, u: &Array2<f64>, v: &Array2<f64>) -> (f64, Array2<f64>, Array2<f64>) {
    let mut tape = TinyTape::default();
    let (a, u, v) = (tape.leaf(a.clone()), tape.leaf(u.clone()), tape.leaf(v.clone()));
    let vt = tape.t(v);
    let product = tape.matmul(u, vt);
    let residual = tape.sub(a, product);
    let loss = tape.norm(residual);
    let mut grads = tape.backward(loss);
    let loss_value = tape.value(loss)[[0, 0]];
    (loss_value, std::mem::take(&mut grads[u]), std::mem::take(&mut grads[v]))
}

#[allow(dead_code)] // a test includes this file for `lab_loss` and the tape
fn main() {
    let a = array![[1.0, 2.0, 0.5], [3.0, 4.0, -1.0], [0.0, -2.0, 2.5]];
    let u = array![[0.5, 0.1], [0.2, -0.3], [0.9, 0.4]];
    let v = array![[0.3, 0.7], [0.9, -0.2], [-0.5, 0.6]];
    let (loss, du, dv) = lab_loss(&a, &u, &v);

    let tape = autograd::Tape::new();
    let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
    let engine_loss = (tape.constant(&a) - u_var.matmul(v_var.t())).frobenius_norm();
    let grads = tape.backward(engine_loss);

    println!(
        "‖A − U Vᵀ‖_F: tiny tape {loss:.15}, autograd {:.15}",
        engine_loss.item()
    );
    println!("dU, tiny tape:\n{du:.6}\ndU, autograd:\n{:.6}", grads[u_var]);
    println!("dV, tiny tape:\n{dv:.6}\ndV, autograd:\n{:.6}", grads[v_var]);
    let largest = (&du - &grads[u_var])
        .iter()
        .chain((&dv - &grads[v_var]).iter())
        .fold(0.0_f64, |m, x| m.max(x.abs()));
    println!("largest difference between the two engines' gradients: {largest:.1e}");
}
