//! The eps sweep: how the error of a central difference depends on its step.
//!
//! Taylor's theorem gives `(f(x + h) - f(x - h)) / 2h = f'(x) + h² f'''(ξ) / 6`:
//! the *truncation* error falls as `h²`. But `f` is computed in floating
//! point, each value off by about `ε |f|` (`ε = 2⁻⁵² ≈ 2.2e-16`, the machine
//! epsilon), and the difference of two such values is divided by `2h`: the
//! *round-off* error grows as `ε |f| / h`. Their sum `c h² + r / h` is least
//! at `h* = cbrt(r / 2c)`, which for a function whose derivatives are all of
//! order one is near `cbrt(ε) ≈ 6e-6`. On log-log axes the error against
//! `h` is a V: slope -1 on the left (round-off), slope 2 on the right
//! (truncation).

use ndarray::Array2;

use crate::gradcheck::{GradCheck, GradCheckError};
use crate::tape::Tape;
use crate::var::Var;

/// `cbrt(ε)` for `f64`, the step where truncation and round-off balance
/// for a well-scaled function.
pub const CBRT_EPSILON: f64 = 6.055_454_452_393_343e-6;

/// The steps `10⁻ᵏᐟⁿ` for `n = per_decade` and `k` from `n · largest` to
/// `n · smallest`: `decade_steps(1, 12, 2)` gives 1e-1, 3.2e-2, 1e-2, ...,
/// 1e-12.
pub fn decade_steps(largest: u32, smallest: u32, per_decade: u32) -> Vec<f64> {
    (per_decade * largest..=per_decade * smallest)
        .map(|k| 10f64.powf(-f64::from(k) / f64::from(per_decade)))
        .collect()
}

/// The finite-difference error at one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// The step `h`.
    pub step: f64,
    /// `max |numeric - analytic|` over every element of every input.
    pub max_abs_error: f64,
    /// `max |numeric - analytic| / max |analytic|`: the error relative to
    /// the gradient's scale.
    pub rel_error: f64,
}

/// The error of central differences over a range of steps, and the two
/// lines the theory predicts.
#[derive(Clone, Debug, PartialEq)]
pub struct EpsSweep {
    /// One point per step, in the order the steps were given.
    pub points: Vec<SweepPoint>,
    /// `|f(x)|`, which sets the round-off.
    pub value: f64,
    /// `max |∂f/∂x|` (from the backward sweep), the scale of the gradient.
    pub gradient_scale: f64,
    /// `c` in the truncation line `c h²`, fitted (geometric mean of
    /// `error / h²`) to the steps from 1e-3 to 1e-1, where truncation
    /// dominates; 0 if the function has no truncation error there (a
    /// quadratic).
    pub truncation_coefficient: f64,
}

impl EpsSweep {
    /// The point with the smallest relative error.
    ///
    /// # Panics
    /// If the sweep has no points.
    pub fn best(&self) -> SweepPoint {
        *self
            .points
            .iter()
            .min_by(|a, b| a.rel_error.total_cmp(&b.rel_error))
            .expect("an eps sweep over no steps")
    }

    /// The truncation line `c h²` (relative error).
    pub fn truncation(&self, step: f64) -> f64 {
        self.truncation_coefficient * step * step
    }

    /// The round-off line `ε |f| / (h · max |∂f/∂x|)` (relative error): not
    /// fitted, the machine epsilon alone.
    pub fn round_off(&self, step: f64) -> f64 {
        f64::EPSILON * self.value / (step * self.gradient_scale)
    }

    /// The step where the two lines' sum is least: `cbrt(r / 2c)` for
    /// truncation `c h²` and round-off `r / h` (infinite when there is no
    /// truncation error).
    pub fn predicted_best_step(&self) -> f64 {
        (self.round_off(1.0) / (2.0 * self.truncation_coefficient)).cbrt()
    }

    /// Whether the curve is a V: the errors at both ends at least `depth`
    /// times the smallest, which lies strictly inside.
    pub fn is_v_shaped(&self, depth: f64) -> bool {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return false;
        };
        let best = self.best();
        best.step != first.step
            && best.step != last.step
            && first.rel_error >= depth * best.rel_error
            && last.rel_error >= depth * best.rel_error
    }
}

/// Compares the gradient of `f` at `inputs` with central differences at
/// each of `steps` (see [`decade_steps`]).
///
/// ```
/// use autograd::check::{decade_steps, eps_sweep};
/// use ndarray::array;
///
/// // f(x) = ||x||_F, smooth away from 0.
/// let sweep = eps_sweep(|_, x| x[0].frobenius_norm(), &[array![[0.3, -1.2], [0.8, 0.5]]],
///                       &decade_steps(1, 12, 1)).unwrap();
/// let best = sweep.best().step;
/// assert!((1e-8..=1e-4).contains(&best), "best step {best:e}");
/// assert!(sweep.is_v_shaped(100.0));
/// ```
pub fn eps_sweep<F>(f: F, inputs: &[Array2<f64>], steps: &[f64]) -> Result<EpsSweep, GradCheckError>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let value = {
        let tape = Tape::new();
        let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
        let output = f(&tape, &params);
        match output.shape() {
            (1, 1) => output.item().abs(),
            shape => return Err(GradCheckError::NotScalar(shape)),
        }
    };
    let mut points = Vec::with_capacity(steps.len());
    let mut gradient_scale = 0.0;
    for &step in steps {
        let check = GradCheck {
            step,
            ..GradCheck::default()
        };
        let elements = check.compare_unweighted(&f, inputs)?;
        gradient_scale = elements.iter().map(|e| e.analytic.abs()).fold(0.0, f64::max);
        let max_abs_error = elements.iter().map(|e| e.abs_error()).fold(0.0, f64::max);
        let rel_error = if gradient_scale > 0.0 {
            max_abs_error / gradient_scale
        } else {
            max_abs_error
        };
        points.push(SweepPoint {
            step,
            max_abs_error,
            rel_error,
        });
    }
    let truncation_ratios: Vec<f64> = points
        .iter()
        .filter(|p| (1e-3..=1e-1).contains(&p.step) && p.rel_error > 0.0)
        .map(|p| (p.rel_error / (p.step * p.step)).ln())
        .collect();
    let truncation_coefficient = match truncation_ratios.len() {
        0 => 0.0,
        n => (truncation_ratios.iter().sum::<f64>() / n as f64).exp(),
    };
    Ok(EpsSweep {
        points,
        value,
        gradient_scale,
        truncation_coefficient,
    })
}
