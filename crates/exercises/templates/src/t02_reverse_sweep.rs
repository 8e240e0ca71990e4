//! # Task 2: the reverse sweep of a tape
//!
//! A tape records a computation as a list of nodes, each naming only nodes
//! recorded before it (see [`ScalarTape`]). Reverse mode walks it once,
//! backwards, keeping one *adjoint* per node, `∂output/∂node`:
//!
//! 1. the output's adjoint is 1;
//! 2. when the walk reaches a node, every node that reads it lies later on
//!    the tape and was visited already, so its adjoint `g` is complete; its
//!    op turns `g` into one contribution per operand, `g · ∂node/∂operand`;
//! 3. each contribution is *added* to its operand's adjoint: a node read
//!    twice (fan-out: `x · x`, or `x` read by two nodes) gets the sum of both.
//!
//! The local derivatives of the ops, for `c = op(a, b)`:
//!
//! ```text
//! add  c = a + b    ∂c/∂a = 1      ∂c/∂b = 1
//! sub  c = a - b    ∂c/∂a = 1      ∂c/∂b = -1
//! mul  c = a · b    ∂c/∂a = b      ∂c/∂b = a
//! div  c = a / b    ∂c/∂a = 1/b    ∂c/∂b = -a/b²
//! exp  c = exp(a)   ∂c/∂a = exp(a) = c
//! sin  c = sin(a)   ∂c/∂a = cos(a)
//! ```
//!
//! Taught in chapter 2, "The tape" (`docs/02-the-tape.md`): "The backward
//! sweep" and "Fan-out: contributions add up"; `examples/tiny_tape.rs` is
//! the same loop on matrices.
//!
//! Graded: on fixed and random tapes with fan-out, every adjoint against
//! central differences of the tape recomputed with that node's value moved.

use exercises::{ScalarOp, ScalarTape};

/// `∂output/∂node` for every node of `tape`, in tape order (0 for a node the
/// output does not depend on, and for every node after the output).
pub fn backward(tape: &ScalarTape, output: usize) -> Vec<f64> {
    // solution
    let nodes = tape.nodes();
    let value = |k: usize| nodes[k].value;
    let mut adjoint = vec![0.0; nodes.len()];
    adjoint[output] = 1.0;
    for id in (0..=output).rev() {
        let g = adjoint[id];
        match nodes[id].op {
            ScalarOp::Input => {}
            ScalarOp::Add(a, b) => {
                adjoint[a] += g;
                adjoint[b] += g;
            }
            ScalarOp::Sub(a, b) => {
                adjoint[a] += g;
                adjoint[b] -= g;
            }
            ScalarOp::Mul(a, b) => {
                adjoint[a] += g * value(b);
                adjoint[b] += g * value(a);
            }
            ScalarOp::Div(a, b) => {
                adjoint[a] += g / value(b);
                adjoint[b] -= g * value(a) / (value(b) * value(b));
            }
            ScalarOp::Exp(a) => adjoint[a] += g * value(id),
            ScalarOp::Sin(a) => adjoint[a] += g * value(a).cos(),
        }
    }
    adjoint
    // end of solution
}
