//! Gradient factorisation `A ≈ U Vᵀ`: where U and V start, what one training
//! step records, and the training loop.

use std::fmt;
use std::time::Instant;

use autograd::{Gradients, Tape, Var, all_finite};
use ndarray::{ArcArray2, Array2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::config::Config;
use crate::error::{Divergence, FactorError, NonFinite};
use crate::loss::record_loss;
use crate::validate::{validate_mask, validate_matrix};

/// The outcome of a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// The left factor, m x r.
    pub u: Array2<f64>,
    /// The right factor, n x r.
    pub v: Array2<f64>,
    /// The loss after `k` updates, for `k = 0..=epochs`: the first entry is
    /// the loss at the initial draw, the last at the returned factors.
    pub losses: Vec<f64>,
    /// Wall-clock seconds of the training loop alone.
    pub seconds: f64,
}

impl Trained {
    /// The loss at the returned factors.
    pub fn final_loss(&self) -> f64 {
        *self.losses.last().expect("a run records at least the initial loss")
    }

    /// The reconstruction `U Vᵀ`.
    pub fn reconstruction(&self) -> Array2<f64> {
        self.u.dot(&self.v.t())
    }

    /// `||A - U Vᵀ||_F` over every entry of `target`.
    pub fn residual(&self, target: &Array2<f64>) -> f64 {
        frobenius_distance(target, &self.reconstruction())
    }

    /// Whether the loss had stopped falling by the end of the run: see
    /// [`Convergence`].
    pub fn convergence(&self) -> Convergence {
        Convergence::of(&self.losses)
    }
}

/// How much a run's loss still fell over its last epochs: the relative
/// change `(min(L[0..=E - w]) - L[E]) / L[E]` from the lowest loss before the
/// last `w` epochs (a tenth of the `E` epochs, at least one) to the last.
/// The run has converged when that fall is at most [`Convergence::TOLERANCE`]
/// of the loss. Measured from the lowest loss, not from `L[E - w]`, so that
/// a spike of a fixed step size (Adam's, with lr 0.1, after thousands of
/// epochs) at the start of the window is not taken for descent; a loss that
/// ends above that lowest one has stopped descending too.
///
/// Measured with `complete`'s defaults (Adam, lr 0.1, 1000 epochs): on
/// centred iris the loss ends 0.003% to 0.045% above its earlier lowest for
/// seeds 0 to 9 (converged, with the jitter of a fixed step). On the
/// breast-cancer-like matrix of `tests/complete_cli.rs` (columns from 0.003
/// to 570 in standard deviation) with λ = 0.5, the loss still falls 1.8%
/// over the last 100 epochs, and the held-out RMSE of that run, 106.2 (1.32
/// times below the column means'), becomes 203.6 once the loss settles
/// (1.45 times above).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Convergence {
    /// The last epochs, over which the fall is measured.
    pub window: usize,
    /// `(min(L[0..=E - window]) - L[E]) / L[E]`: how much the loss fell
    /// over the window, relative to where it ended (negative if it ended
    /// above its earlier lowest; 0 for a loss that ended at 0, which has
    /// nothing left to fall).
    pub relative_change: f64,
    /// Whether `relative_change` is at most [`Convergence::TOLERANCE`].
    pub converged: bool,
}

impl Convergence {
    /// The largest relative fall of the loss over the window of a converged run.
    pub const TOLERANCE: f64 = 1e-3;

    /// The convergence of a run whose losses, epoch 0 to the last, are `losses`.
    ///
    /// # Panics
    /// If `losses` is empty.
    pub fn of(losses: &[f64]) -> Convergence {
        let last = *losses.last().expect("a run records at least the initial loss");
        let epochs = losses.len() - 1;
        let window = (epochs / 10).clamp(1.min(epochs), epochs);
        let lowest_before = losses[..=epochs - window].iter().copied().fold(f64::INFINITY, f64::min);
        let relative_change = if last == 0.0 {
            0.0
        } else {
            (lowest_before - last) / last.abs()
        };
        Convergence {
            window,
            relative_change,
            converged: relative_change <= Self::TOLERANCE,
        }
    }
}

impl fmt::Display for Convergence {
    /// `converged: the loss fell 0.029% over the last 100 epochs`, `...
    /// fell no further ...`, or `not converged: the loss fell 24.2% over the
    /// last 100 epochs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.converged { "converged" } else { "not converged" };
        let window = self.window;
        let epochs = if window == 1 { "epoch" } else { "epochs" };
        if self.relative_change > 0.0 {
            let percent = 100.0 * self.relative_change;
            write!(
                f,
                "{verdict}: the loss fell {percent:.3}% over the last {window} {epochs}"
            )
        } else {
            write!(f, "{verdict}: the loss fell no further over the last {window} {epochs}")
        }
    }
}

/// `||A - B||_F`.
pub fn frobenius_distance(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

/// U (m x r) then V (n x r) for a `rows` x `cols` target: every entry an
/// independent U(0, 1) draw from `StdRng::seed_from_u64(config.seed)`, all
/// of U's (row by row) before V's, as in the lab report. [`train`] starts
/// from these factors.
///
/// ```
/// use factor::{Config, initial_factors};
///
/// let (u, v) = initial_factors(150, 4, &Config::lab_report(2));
/// assert_eq!((u.dim(), v.dim()), ((150, 2), (4, 2)));
/// assert!(u.iter().chain(&v).all(|x| (0.0..1.0).contains(x)));
/// ```
pub fn initial_factors(rows: usize, cols: usize, config: &Config) -> (Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let u = Array2::from_shape_fn((rows, config.rank), |_| rng.random::<f64>());
    let v = Array2::from_shape_fn((cols, config.rank), |_| rng.random::<f64>());
    (u, v)
}

/// The nodes of a recorded training step that its caller reads.
#[derive(Clone, Copy)]
pub struct RecordedStep<'t> {
    /// The loss, 1 x 1.
    pub loss: Var<'t>,
    /// The parameter U.
    pub u: Var<'t>,
    /// The parameter V.
    pub v: Var<'t>,
}

/// Records one training step on `tape`, as [`train`] records every epoch:
/// U and V as parameters (`#0` and `#1`, copied in), the mask and the target
/// as constants (shared, not copied), then [`record_loss`] with the
/// config's loss and L2 penalty.
///
/// With the factors of [`initial_factors`] this is `train`'s first step:
/// its loss is `train`'s first loss to the last bit, and its gradients are
/// the ones of the first update. The `--trace` of the bins and the `tape`
/// bin record through this function, so what they show cannot drift from
/// what is trained.
///
/// ```
/// use autograd::Tape;
/// use factor::{Config, initial_factors, record_step, train};
/// use ndarray::array;
///
/// let a = array![[3.0, 1.0], [1.0, 3.0], [0.0, 2.0]];
/// let config = Config::new(1);
/// let (u, v) = initial_factors(3, 2, &config);
/// let tape = Tape::new();
/// let step = record_step(&tape, &a.to_shared(), None, &u, &v, &config);
/// assert_eq!(step.loss.item(), train(&a, None, &config).unwrap().losses[0]);
/// ```
///
/// # Panics
/// If the shapes do not fit together (the engine names the op and shapes).
pub fn record_step<'t>(
    tape: &'t Tape,
    target: &ArcArray2<f64>,
    mask: Option<&ArcArray2<f64>>,
    u: &Array2<f64>,
    v: &Array2<f64>,
    config: &Config,
) -> RecordedStep<'t> {
    let u = tape.parameter(u);
    let v = tape.parameter(v);
    let mask = mask.map(|mask| tape.constant(mask));
    let target = tape.constant(target);
    let loss = record_loss(target, u, v, config.loss, mask, config.l2);
    RecordedStep { loss, u, v }
}

/// Factorises `target ≈ U Vᵀ` by minimising [`record_loss`] with the
/// configured optimiser, over the entries where `mask` is 1 (every entry
/// when `mask` is `None`).
///
/// U and V start from [`initial_factors`]; each epoch is one
/// [`record_step`], one backward sweep and one update. One tape serves every
/// epoch (cleared, not reallocated), and the target and mask are shared
/// with it, not copied.
///
/// # Errors
/// Invalid inputs ([`FactorError`]'s first variants) before any training;
/// [`FactorError::Diverged`] if the loss or a gradient stops being finite.
pub fn train(target: &Array2<f64>, mask: Option<&Array2<f64>>, config: &Config) -> Result<Trained, FactorError> {
    let (u, v) = initial_factors(target.nrows(), target.ncols(), config);
    train_from(target, mask, config, u, v)
}

/// [`train`] from given factors instead of [`initial_factors`]: to continue
/// a run, or to start from a point of one's choosing (a step off a saddle,
/// see [`escape`](crate::escape)).
///
/// # Errors
/// As [`train`]; also if `u` and `v` do not have the shapes m x r and n x r.
pub fn train_from(
    target: &Array2<f64>,
    mask: Option<&Array2<f64>>,
    config: &Config,
    mut u: Array2<f64>,
    mut v: Array2<f64>,
) -> Result<Trained, FactorError> {
    validate_matrix(target)?;
    let (rows, cols) = target.dim();
    config.validate(rows, cols)?;
    if let Some(mask) = mask {
        validate_mask(mask, target)?;
    }
    if u.dim() != (rows, config.rank) || v.dim() != (cols, config.rank) {
        return Err(FactorError::FactorShapes {
            u: u.dim(),
            v: v.dim(),
            target: (rows, cols),
            rank: config.rank,
        });
    }

    let target: ArcArray2<f64> = target.to_shared();
    let mask: Option<ArcArray2<f64>> = mask.map(Array2::to_shared);

    let mut optimizer = config.optimizer.build(config.lr);
    let mut tape = Tape::new();
    let mut grads = Gradients::new();
    let mut losses = Vec::with_capacity(config.epochs + 1);
    let start = Instant::now();
    for epoch in 0..=config.epochs {
        tape.clear();
        let step = record_step(&tape, &target, mask.as_ref(), &u, &v, config);
        let value = step.loss.item();
        if !value.is_finite() {
            let anomaly = tape.first_non_finite_value();
            return Err(diverged(epoch, NonFinite::Loss, losses, anomaly, config.lr));
        }
        losses.push(value);
        if epoch == config.epochs {
            break;
        }
        tape.backward_into(step.loss, &mut grads);
        let (grad_u, grad_v) = (&grads[step.u], &grads[step.v]);
        if !(all_finite(grad_u.view()) && all_finite(grad_v.view())) {
            let anomaly = tape.first_non_finite_gradient(step.loss);
            return Err(diverged(epoch, NonFinite::Gradient, losses, anomaly, config.lr));
        }
        optimizer.step(&mut [&mut u, &mut v], &[grad_u, grad_v]);
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(Trained { u, v, losses, seconds })
}

fn diverged(
    epoch: usize,
    what: NonFinite,
    losses: Vec<f64>,
    anomaly: Option<autograd::Anomaly>,
    lr: f64,
) -> FactorError {
    FactorError::Diverged(Box::new(Divergence {
        epoch,
        what,
        losses,
        anomaly,
        lr,
    }))
}
