//! What kind of point training stopped at, proved with second derivatives:
//! the Hessian of the training loss at the end point, its extreme
//! eigenvalues by Lanczos, and, at a saddle, the step along the direction
//! of negative curvature that gets gradient descent moving again.
//!
//! A residual equal to an SVD level says that training *may* sit on a
//! saddle; a Hessian eigenvalue below zero (by more than its Lanczos
//! residual) says that it does: along that eigenvector the loss curves
//! down, so the point is not a minimum of any kind.

use std::fmt;

use autograd::Tape;
use autograd::curvature::{Lanczos, hessian_extremes};
use ndarray::{ArcArray2, Array2};

use crate::config::Config;
use crate::error::FactorError;
use crate::loss::record_loss;
use crate::train::{Trained, frobenius_distance, record_step, train_from};

/// How far below zero, relative to the largest eigenvalue, the smallest
/// eigenvalue must be certified to call the point a saddle, and how far
/// above it to call it a minimum. The symmetry `U → U R, V → V R⁻ᵀ` of
/// `U Vᵀ` gives a minimum `r²` zero eigenvalues, which Lanczos finds to
/// rounding (about 1e-14 of the largest).
pub const CURVATURE_TOLERANCE: f64 = 1e-8;

/// The kind of point, by the sign of the Hessian's smallest eigenvalue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A direction of negative curvature, certified: the smallest Ritz value
    /// plus its residual is below zero.
    Saddle,
    /// No negative curvature beyond rounding, and Lanczos converged.
    Minimum,
    /// Neither could be certified (Lanczos did not converge far enough).
    Undecided,
}

impl Verdict {
    /// The lower-case name (`saddle`, `minimum`, `undecided`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Saddle => "saddle",
            Verdict::Minimum => "minimum",
            Verdict::Undecided => "undecided",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The curvature of the training loss at a point `(U, V)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificate {
    /// The smallest eigenvalue of the Hessian (a Ritz value).
    pub min_eigenvalue: f64,
    /// The largest.
    pub max_eigenvalue: f64,
    /// `‖H y - θ y‖` for the smallest pair: the true eigenvalue is within it.
    pub residual: f64,
    /// The eigenvector of the smallest eigenvalue, as `(dU, dV)`, of unit length.
    pub direction: (Array2<f64>, Array2<f64>),
    /// `‖∇loss‖` at the point (a critical point has 0).
    pub gradient_norm: f64,
    /// How many Hessian-vector products Lanczos took.
    pub products: usize,
    /// What the eigenvalues say.
    pub verdict: Verdict,
}

/// The Hessian's extreme eigenvalues of `config`'s training loss at `(u, v)`
/// on `target` (and `mask`), by Lanczos on Hessian-vector products, and
/// what they say about the point.
///
/// ```
/// use factor::{Config, Verdict, certify};
/// use ndarray::{array, Array2};
///
/// // At U = V = 0 the loss ||A - U Vᵀ||² has Hessian eigenvalues ±2σᵢ(A):
/// // a saddle, whose steepest way down has curvature -2σ₁.
/// let a = array![[3.0, 0.0], [0.0, 1.0]];
/// let zero = (Array2::zeros((2, 1)), Array2::zeros((2, 1)));
/// let certificate = certify(&a, None, &zero.0, &zero.1, &Config::new(1)).unwrap();
/// assert_eq!(certificate.verdict, Verdict::Saddle);
/// assert!((certificate.min_eigenvalue + 6.0).abs() < 1e-10);
/// ```
///
/// # Errors
/// If the shapes do not fit (as [`train`](crate::train) checks them).
pub fn certify(
    target: &Array2<f64>,
    mask: Option<&Array2<f64>>,
    u: &Array2<f64>,
    v: &Array2<f64>,
    config: &Config,
) -> Result<Certificate, FactorError> {
    crate::validate::validate_matrix(target)?;
    if let Some(mask) = mask {
        crate::validate::validate_mask(mask, target)?;
    }
    let target = target.to_shared();
    let mask: Option<ArcArray2<f64>> = mask.map(Array2::to_shared);
    let (min, max) = hessian_extremes(
        |tape, x| {
            let mask = mask.as_ref().map(|m| tape.constant(m));
            record_loss(tape.constant(&target), x[0], x[1], config.loss, mask, config.l2)
        },
        &[u.clone(), v.clone()],
        &Lanczos::default(),
    );
    let gradient_norm = {
        let tape = Tape::new();
        let step = record_step(&tape, &target, mask.as_ref(), u, v, config);
        let grads = tape.backward(step.loss);
        (grads[step.u]
            .iter()
            .chain(grads[step.v].iter())
            .map(|g| g * g)
            .sum::<f64>())
        .sqrt()
    };
    let scale = max.value.abs().max(min.value.abs()).max(f64::MIN_POSITIVE);
    let tolerance = CURVATURE_TOLERANCE * scale;
    let verdict = if min.value + min.residual < -tolerance {
        Verdict::Saddle
    } else if min.value >= -tolerance && min.residual <= tolerance.max(1e-6 * scale) {
        Verdict::Minimum
    } else {
        Verdict::Undecided
    };
    let mut direction = min.direction.into_iter();
    let (du, dv) = (
        direction.next().expect("a direction for U"),
        direction.next().expect("a direction for V"),
    );
    Ok(Certificate {
        min_eigenvalue: min.value,
        max_eigenvalue: max.value,
        residual: min.residual,
        direction: (du, dv),
        gradient_norm,
        products: min.iterations,
        verdict,
    })
}

/// A step off a saddle along its direction of negative curvature, then
/// more training from there, beside the same training without the step.
#[derive(Clone, Debug, PartialEq)]
pub struct Escape {
    /// The step taken: `(U, V) + step · direction` (its sign chosen too).
    pub step: f64,
    /// `‖A - U Vᵀ‖_F` where training stopped.
    pub residual_before: f64,
    /// Right after the step.
    pub residual_after_step: f64,
    /// After the further training from the stepped point.
    pub residual_end: f64,
    /// The further training from the stepped point.
    pub with_step: Trained,
    /// The same further training from where training stopped, without the step.
    pub without_step: Trained,
}

/// The step sizes the line search tries, in both directions: `2^k` for
/// `k = -6..=6` (the direction has unit length, and the factors' entries
/// are of order 1).
fn candidate_steps() -> impl Iterator<Item = f64> {
    (-6..=6).flat_map(|k: i32| {
        let size = 2f64.powi(k);
        [size, -size]
    })
}

/// Steps from `(u, v)` along `certificate`'s direction of negative
/// curvature, by the size (a power of 2 from 1/64 to 64) and sign that
/// lowers the training loss most, then trains `continuation.epochs` more epochs with
/// `continuation`'s optimiser and learning rate, and also trains as much
/// from `(u, v)` without the step, for comparison.
///
/// # Errors
/// As [`train`](crate::train).
pub fn escape(
    target: &Array2<f64>,
    mask: Option<&Array2<f64>>,
    u: &Array2<f64>,
    v: &Array2<f64>,
    certificate: &Certificate,
    continuation: &Config,
) -> Result<Escape, FactorError> {
    let shared = target.to_shared();
    let shared_mask = mask.map(Array2::to_shared);
    let loss_at = |u: &Array2<f64>, v: &Array2<f64>| {
        let tape = Tape::new();
        record_step(&tape, &shared, shared_mask.as_ref(), u, v, continuation)
            .loss
            .item()
    };
    let (du, dv) = &certificate.direction;
    let moved = |step: f64| (u + &(du * step), v + &(dv * step));
    let step = candidate_steps()
        .map(|step| {
            let (u, v) = moved(step);
            (step, loss_at(&u, &v))
        })
        .filter(|(_, loss)| loss.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0.0, |(step, _)| step);
    let (stepped_u, stepped_v) = moved(step);
    let with_step = train_from(target, mask, continuation, stepped_u.clone(), stepped_v.clone())?;
    let without_step = train_from(target, mask, continuation, u.clone(), v.clone())?;
    Ok(Escape {
        step,
        residual_before: frobenius_distance(target, &u.dot(&v.t())),
        residual_after_step: frobenius_distance(target, &stepped_u.dot(&stepped_v.t())),
        residual_end: with_step.residual(target),
        with_step,
        without_step,
    })
}
