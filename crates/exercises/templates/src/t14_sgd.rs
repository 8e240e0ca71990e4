//! # Task 14: a step of gradient descent
//!
//! Training walks downhill on the loss: every parameter moves against its
//! gradient, by the learning rate `lr` times it:
//!
//! ```text
//! p ← p - lr · g
//! ```
//!
//! Taught in chapter 2 (`docs/02-the-tape.md`: "Reusing the tape between
//! steps" trains with `Sgd`) and chapter 5 (`docs/05-factorisation.md`);
//! the engine's `Sgd` is in `crates/autograd/src/optim.rs`.
//!
//! Graded: against the engine's `Sgd` on the same parameters and gradients.

use ndarray::Array2;

/// Moves `param` by `-lr · grad`, in place.
pub fn sgd_step(param: &mut Array2<f64>, grad: &Array2<f64>, lr: f64) {
    // solution
    param.scaled_add(-lr, grad);
    // end of solution
}
