//! # Task 1: central differences, and the step that is best
//!
//! A computer cannot take the limit that defines a derivative; it picks a
//! small step `h` instead. The central difference
//!
//! ```text
//! f'(x) ≈ (f(x + h) - f(x - h)) / 2h
//! ```
//!
//! errs by about `h² |f'''| / 6` (truncation: the `h²` terms of the two
//! Taylor series cancel) plus about `ε |f| / h` (round-off: two nearly equal
//! values subtracted, then divided by a small number; `ε ≈ 2.2e-16`). So a
//! smaller step is not always better: the sum is smallest near
//! `h = cbrt(ε) ≈ 6e-6` for a function whose value and derivatives are of
//! order one, and a sweep of steps shows the V.
//!
//! Taught in chapter 1, "Derivatives and finite differences"
//! (`docs/01-derivatives.md`): "The idea, and its two errors".
//!
//! Graded: `central_difference` on `x³` at 1 (where it is exactly
//! `3 + h²`) and on `sin`; `best_step` on the sweep `h = 1e-1 .. 1e-12` of
//! `x³` at 1, whose best step lies between 1e-7 and 1e-4.

/// The central difference of `f` at `x` with step `h`:
/// `(f(x + h) - f(x - h)) / 2h`.
pub fn central_difference(f: &dyn Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    // solution
    (f(x + h) - f(x - h)) / (2.0 * h)
    // end of solution
}

/// Of `steps`, the one whose central difference of `f` at `x` is closest to
/// the exact derivative `exact` (the first of them, if several tie).
///
/// Hint: each step's error is `|central_difference(f, x, h) - exact|`; keep
/// the step with the smallest.
pub fn best_step(f: &dyn Fn(f64) -> f64, x: f64, exact: f64, steps: &[f64]) -> f64 {
    // solution
    let error = |h: f64| (central_difference(f, x, h) - exact).abs();
    let mut best = steps[0];
    for &h in &steps[1..] {
        if error(h) < error(best) {
            best = h;
        }
    }
    best
    // end of solution
}
