//! The first demonstration: differentiate `||A - U Vᵀ||_F` once and put each
//! gradient entry next to its finite-difference estimate.

use autograd::{GradCheck, GradCheckError, Tape, Var};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// One gradient entry, analytic and numeric.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// `"U"` or `"V"`.
    pub parameter: &'static str,
    /// Row.
    pub row: usize,
    /// Column.
    pub col: usize,
    /// From the backward sweep.
    pub analytic: f64,
    /// From central differences with step 1e-6.
    pub numeric: f64,
}

/// The loss and every gradient entry.
#[derive(Clone, Debug, Serialize)]
pub struct Demo {
    /// `||A - U Vᵀ||_F` at the drawn point.
    pub loss: f64,
    /// Every entry of dU, then of dV.
    pub entries: Vec<Entry>,
    /// The largest `|analytic - numeric|`.
    pub max_abs_error: f64,
}

/// Draws A (4 x 3, entries in [-1, 1)), U (4 x 2) and V (3 x 2) (entries in
/// [0, 1), as the lab report initialised them) from `seed`, and compares the
/// gradient of `||A - U Vᵀ||_F` with central differences.
pub fn factorisation_gradients(seed: u64) -> Result<Demo, GradCheckError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((4, 3), |_| rng.random_range(-1.0..1.0));
    let u = Array2::from_shape_fn((4, 2), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((3, 2), |_| rng.random::<f64>());
    let loss = {
        let tape = Tape::new();
        residual_norm(&tape, &a, tape.parameter(&u), tape.parameter(&v)).item()
    };
    let elements = GradCheck::default().compare(|tape, x| residual_norm(tape, &a, x[0], x[1]), &[u, v])?;
    let entries: Vec<Entry> = elements
        .iter()
        .map(|e| Entry {
            parameter: if e.input == 0 { "U" } else { "V" },
            row: e.row,
            col: e.col,
            analytic: e.analytic,
            numeric: e.numeric,
        })
        .collect();
    let max_abs_error = elements.iter().map(|e| e.abs_error()).fold(0.0, f64::max);
    Ok(Demo {
        loss,
        entries,
        max_abs_error,
    })
}

/// Records `||A - U Vᵀ||_F`.
fn residual_norm<'t>(tape: &'t Tape, a: &Array2<f64>, u: Var<'t>, v: Var<'t>) -> Var<'t> {
    (tape.constant(a) - u.matmul(v.t())).frobenius_norm()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let demo = factorisation_gradients(7).unwrap();
        assert_eq!(demo.entries.len(), 4 * 2 + 3 * 2);
        assert!(demo.loss > 0.0);
        assert!(demo.max_abs_error < 1e-8, "{}", demo.max_abs_error);
        let again = factorisation_gradients(7).unwrap();
        assert_eq!(demo.loss, again.loss, "same seed, same numbers");
    }
}
