//! # Task 15: a step of Adam
//!
//! Adam (Kingma and Ba, 2015) keeps, for every entry of a parameter, running
//! means of its gradient (`m`) and of its squared gradient (`v`), and steps
//! by their ratio: each entry gets a step of about `lr`, however small or
//! large its gradient. Both means start at 0, so early on they are too
//! small; dividing by `1 - βᵗ` corrects that. At step `t` (counting from 1):
//!
//! ```text
//! t ← t + 1
//! m ← β₁ m + (1 - β₁) g
//! v ← β₂ v + (1 - β₂) g²
//! m̂ = m / (1 - β₁ᵗ),   v̂ = v / (1 - β₂ᵗ)
//! p ← p - lr · m̂ / (sqrt(v̂) + ε)
//! ```
//!
//! element by element (`ndarray::Zip` walks several arrays at once).
//!
//! Taught in chapter 5 (`docs/05-factorisation.md`): "What reaches the
//! bound" (Adam leaves the saddle in tens of epochs); the engine's `Adam`
//! is in `crates/autograd/src/optim.rs`. Task 16 trains with your step.
//!
//! Graded: five steps against the engine's `Adam`, comparing `m`, `v`, `t`
//! and the parameter after each.

use exercises::{AdamSettings, AdamState};
use ndarray::{Array2, Zip};

/// One Adam step on `param` with gradient `grad`, updating `state`.
pub fn adam_step(param: &mut Array2<f64>, grad: &Array2<f64>, state: &mut AdamState, settings: &AdamSettings) {
    // solution
    let AdamSettings { lr, beta1, beta2, eps } = *settings;
    state.t += 1;
    let correction1 = 1.0 - beta1.powi(state.t);
    let correction2 = 1.0 - beta2.powi(state.t);
    Zip::from(param)
        .and(&mut state.m)
        .and(&mut state.v)
        .and(grad)
        .for_each(|p, m, v, &g| {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *p -= lr * (*m / correction1) / ((*v / correction2).sqrt() + eps);
        });
    // end of solution
}
