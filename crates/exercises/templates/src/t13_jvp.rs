//! # Task 13: forward mode (a JVP) and the adjoint test
//!
//! Reverse mode pulls an adjoint `U` back through an op: the VJP, `Jᵀ U`.
//! Forward mode pushes a *tangent* `V` (a direction in which the operands
//! move, one matrix per operand) forward: the JVP, `J V`, the rate at which
//! the output moves, `d/dε f(X + ε V)` at `ε = 0`. For the matrix product
//! the product rule gives it, and for an element-wise op the local
//! derivative times the tangent:
//!
//! ```text
//! C = A B        Ċ = Ȧ B + A Ḃ
//! C = tanh(A)    Ċ = (1 - C²) ⊙ Ȧ
//! ```
//!
//! (`Ȧ`, `Ḃ` the tangents of `A`, `B`; `Ċ` the output's.) The two rules of
//! an op are each other's transposes, which gives a check that needs no
//! finite difference: for any `U` (output-shaped) and `V`,
//!
//! ```text
//! ⟨U, J V⟩ = ⟨Jᵀ U, V⟩     ⟨X, Y⟩ = Σᵢⱼ Xᵢⱼ Yᵢⱼ, and ⟨Jᵀ U, V⟩ = Σₚ ⟨(Jᵀ U)ₚ, Vₚ⟩ over the operands p
//! ```
//!
//! the adjoint (or dot-product) test: it catches a VJP that disagrees with
//! its JVP, such as the zoo's matmul missing a transpose.
//!
//! Taught in chapter 9 (`docs/09-forward-mode-and-second-derivatives.md`:
//! "Forward mode on the tape", and "The adjoint test: a VJP checked with no
//! step size"), after chapter 4 (`docs/04-checking-gradients.md`: checks,
//! and the bug zoo).
//!
//! Graded: each JVP against the central difference
//! `(f(X + hV) - f(X - hV)) / 2h` along random tangents; your adjoint test
//! against the grader's sums, on the engine's matmul (where both sides
//! agree) and on the zoo's wrong one (where they do not); and your matmul
//! JVP against the engine's VJP through your adjoint test.

use autograd::CustomOp;
use exercises::Jvp;
use ndarray::{Array2, ArrayView2};

/// `Ċ = Ȧ B + A Ḃ` for `C = A B`: `inputs` is `[A, B]`, `tangents` is `[Ȧ, Ḃ]`.
pub fn matmul_jvp(inputs: &[Array2<f64>], tangents: &[Array2<f64>]) -> Array2<f64> {
    // solution
    tangents[0].dot(&inputs[1]) + inputs[0].dot(&tangents[1])
    // end of solution
}

/// `Ċ = (1 - C²) ⊙ Ȧ` for `C = tanh(A)`: `inputs` is `[A]`, `tangents` is `[Ȧ]`.
pub fn tanh_jvp(inputs: &[Array2<f64>], tangents: &[Array2<f64>]) -> Array2<f64> {
    // solution
    let slope = inputs[0].mapv(|a| 1.0 - a.tanh() * a.tanh());
    slope * &tangents[0]
    // end of solution
}

/// The two sides of the adjoint test of `op` (whose `vjp` gives `Jᵀ U`) and
/// its forward-mode rule `jvp` (a function like `matmul_jvp`, which gives
/// `J V`: call it as `jvp(inputs, tangents)`), at the operands `inputs`,
/// with one tangent per operand (`tangents`, the `V`) and the cotangent `U`
/// (`cotangent`, the output's shape): `(⟨U, J V⟩, ⟨Jᵀ U, V⟩)`.
///
/// Hint: `op.forward` gives the output `vjp` needs; `ndarray` turns an
/// `Array2` into the `ArrayView2` the op takes with `.view()`; `⟨X, Y⟩` is
/// `(x * y).sum()`.
pub fn adjoint_test(
    op: &dyn CustomOp,
    jvp: &Jvp<'_>,
    inputs: &[Array2<f64>],
    tangents: &[Array2<f64>],
    cotangent: &Array2<f64>,
) -> (f64, f64) {
    // solution
    let views: Vec<ArrayView2<f64>> = inputs.iter().map(|x| x.view()).collect();
    let output = op.forward(&views);
    let forward_side = (cotangent * &jvp(inputs, tangents)).sum();
    let pulled_back = op.vjp(&views, output.view(), cotangent.view());
    let reverse_side = pulled_back.iter().zip(tangents).map(|(u, v)| (u * v).sum()).sum();
    (forward_side, reverse_side)
    // end of solution
}
