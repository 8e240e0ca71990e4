//! Optimisers: turn gradients into in-place parameter updates.
//!
//! Each takes the parameters and their gradients as two parallel slices, in
//! the same order at every step; per-parameter state (velocities, moment
//! estimates) is kept by position.
//!
//! ```
//! use autograd::optim::{Optimizer, Sgd};
//! use autograd::Tape;
//! use ndarray::array;
//!
//! // Minimise (x - 3)²: the gradient is 2(x - 3).
//! let mut x = array![[0.0]];
//! let mut sgd = Sgd::new(0.1);
//! let mut tape = Tape::new();
//! for _ in 0..100 {
//!     tape.clear();
//!     let var = tape.parameter(&x);
//!     let grads = tape.backward(var.add_scalar(-3.0).square().sum());
//!     sgd.step(&mut [&mut x], &[&grads[var]]);
//! }
//! assert!((x[[0, 0]] - 3.0).abs() < 1e-9);
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, Zip};

use crate::kernels::update_with;

/// Updates parameters from their gradients.
pub trait Optimizer {
    /// Updates every `params[k]` in place from `grads[k]`.
    ///
    /// # Panics
    /// If the slices differ in length, a gradient's shape differs from its
    /// parameter's, or the parameters change in number or shape between steps.
    fn step(&mut self, params: &mut [&mut Array2<f64>], grads: &[&Array2<f64>]);

    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Changes the learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: f64);
}

/// Plain (stochastic) gradient descent: `p ← p - lr · g`.
#[derive(Clone, Debug)]
pub struct Sgd {
    lr: f64,
}

impl Sgd {
    /// # Panics
    /// Unless `lr` is finite and positive.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        check_learning_rate(lr);
        Sgd { lr }
    }
}

impl Optimizer for Sgd {
    #[track_caller]
    fn step(&mut self, params: &mut [&mut Array2<f64>], grads: &[&Array2<f64>]) {
        check_pairs(params, grads);
        let lr = self.lr;
        for (param, grad) in params.iter_mut().zip(grads) {
            update_with(param, grad.view(), |p, g| *p -= lr * g);
        }
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        check_learning_rate(lr);
        self.lr = lr;
    }
}

/// Gradient descent with (heavy-ball) momentum, as PyTorch defines it:
/// `v ← μ v + g`, `p ← p - lr · v`.
#[derive(Clone, Debug)]
pub struct Momentum {
    lr: f64,
    momentum: f64,
    velocity: Vec<Array2<f64>>,
}

impl Momentum {
    /// The usual momentum, μ = 0.9.
    pub const DEFAULT_MOMENTUM: f64 = 0.9;

    /// Momentum μ = 0.9.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Self::with_momentum(lr, Self::DEFAULT_MOMENTUM)
    }

    /// # Panics
    /// Unless `lr` is finite and positive and `0 <= momentum < 1`.
    #[track_caller]
    pub fn with_momentum(lr: f64, momentum: f64) -> Self {
        check_learning_rate(lr);
        assert!(
            (0.0..1.0).contains(&momentum),
            "momentum must be in [0, 1), got {momentum}"
        );
        Momentum {
            lr,
            momentum,
            velocity: Vec::new(),
        }
    }
}

impl Optimizer for Momentum {
    #[track_caller]
    fn step(&mut self, params: &mut [&mut Array2<f64>], grads: &[&Array2<f64>]) {
        check_pairs(params, grads);
        init_state(&mut self.velocity, params);
        let (lr, mu) = (self.lr, self.momentum);
        for ((param, grad), velocity) in params.iter_mut().zip(grads).zip(&mut self.velocity) {
            Zip::from(&mut **param).and(velocity).and(*grad).for_each(|p, v, &g| {
                *v = mu * *v + g;
                *p -= lr * *v;
            });
        }
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        check_learning_rate(lr);
        self.lr = lr;
    }
}

/// Adam (Kingma and Ba, 2015): per-element steps scaled by running moment
/// estimates, with bias correction.
///
/// `m ← β₁ m + (1 - β₁) g`, `v ← β₂ v + (1 - β₂) g²`,
/// `p ← p - lr · m̂ / (sqrt(v̂) + ε)` with `m̂ = m / (1 - β₁ᵗ)`, `v̂ = v / (1 - β₂ᵗ)`.
#[derive(Clone, Debug)]
pub struct Adam {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: i32,
    first_moment: Vec<Array2<f64>>,
    second_moment: Vec<Array2<f64>>,
}

impl Adam {
    /// β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Self::with_betas(lr, 0.9, 0.999, 1e-8)
    }

    /// # Panics
    /// Unless `lr` and `eps` are finite and positive and both betas are in [0, 1).
    #[track_caller]
    pub fn with_betas(lr: f64, beta1: f64, beta2: f64, eps: f64) -> Self {
        check_learning_rate(lr);
        assert!((0.0..1.0).contains(&beta1), "beta1 must be in [0, 1), got {beta1}");
        assert!((0.0..1.0).contains(&beta2), "beta2 must be in [0, 1), got {beta2}");
        assert!(eps > 0.0 && eps.is_finite(), "eps must be positive, got {eps}");
        Adam {
            lr,
            beta1,
            beta2,
            eps,
            steps: 0,
            first_moment: Vec::new(),
            second_moment: Vec::new(),
        }
    }
}

impl Optimizer for Adam {
    #[track_caller]
    fn step(&mut self, params: &mut [&mut Array2<f64>], grads: &[&Array2<f64>]) {
        check_pairs(params, grads);
        init_state(&mut self.first_moment, params);
        init_state(&mut self.second_moment, params);
        self.steps += 1;
        let (beta1, beta2, eps) = (self.beta1, self.beta2, self.eps);
        let correction1 = 1.0 - beta1.powi(self.steps);
        let correction2 = 1.0 - beta2.powi(self.steps);
        let lr = self.lr;
        let moments = self.first_moment.iter_mut().zip(&mut self.second_moment);
        for ((param, grad), (m, v)) in params.iter_mut().zip(grads).zip(moments) {
            Zip::from(&mut **param)
                .and(m)
                .and(v)
                .and(*grad)
                .for_each(|p, m, v, &g| {
                    *m = beta1 * *m + (1.0 - beta1) * g;
                    *v = beta2 * *v + (1.0 - beta2) * g * g;
                    let m_hat = *m / correction1;
                    let v_hat = *v / correction2;
                    *p -= lr * m_hat / (v_hat.sqrt() + eps);
                });
        }
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        check_learning_rate(lr);
        self.lr = lr;
    }
}

/// The optimisers by name, for command-line flags (`sgd`, `momentum`, `adam`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// [`Sgd`].
    Sgd,
    /// [`Momentum`] with μ = 0.9.
    Momentum,
    /// [`Adam`] with its default betas.
    Adam,
}

impl OptimizerKind {
    /// Every kind, in the order of their names.
    pub const ALL: [OptimizerKind; 3] = [OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam];

    /// A new optimiser of this kind.
    ///
    /// # Panics
    /// Unless `lr` is finite and positive.
    #[track_caller]
    pub fn build(self, lr: f64) -> Box<dyn Optimizer> {
        match self {
            OptimizerKind::Sgd => Box::new(Sgd::new(lr)),
            OptimizerKind::Momentum => Box::new(Momentum::new(lr)),
            OptimizerKind::Adam => Box::new(Adam::new(lr)),
        }
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adam => "adam",
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        OptimizerKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| format!("unknown optimizer '{name}' (expected sgd, momentum or adam)"))
    }
}

#[track_caller]
fn check_learning_rate(lr: f64) {
    assert!(
        lr > 0.0 && lr.is_finite(),
        "the learning rate must be finite and positive, got {lr}"
    );
}

#[track_caller]
fn check_pairs(params: &[&mut Array2<f64>], grads: &[&Array2<f64>]) {
    assert!(
        params.len() == grads.len(),
        "optimizer step: {} parameters but {} gradients",
        params.len(),
        grads.len()
    );
    for (k, (param, grad)) in params.iter().zip(grads).enumerate() {
        assert!(
            param.dim() == grad.dim(),
            "optimizer step: parameter {k} has shape {:?} but its gradient {:?}",
            param.dim(),
            grad.dim()
        );
    }
}

/// Creates zeroed state on the first step; afterwards checks that the
/// parameters still match it.
#[track_caller]
fn init_state(state: &mut Vec<Array2<f64>>, params: &[&mut Array2<f64>]) {
    if state.is_empty() {
        state.extend(params.iter().map(|p| Array2::zeros(p.dim())));
    }
    let same = state.len() == params.len() && state.iter().zip(params).all(|(s, p)| s.dim() == p.dim());
    assert!(
        same,
        "optimizer step: the parameters changed in number or shape since the first step"
    );
}
