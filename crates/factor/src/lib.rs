//! Low-rank matrix factorisation by gradient descent through `autograd`.
//!
//! Given an m x n matrix A and a rank r, find U (m x r) and V (n x r) with
//! `U Vᵀ` close to A. [`train`] starts from [`initial_factors`], records
//! each step with [`record_step`] (which calls [`record_loss`]), lets
//! `backward` differentiate it and steps an optimiser; no gradient in this
//! crate is written by hand. [`truncated_svd`] gives the exact answer to
//! compare with (the Eckart-Young bound), [`residual_levels`] and
//! [`diagnose`] name the saddle point a stalled run sits on, and
//! [`complete`] fits only the observed entries of a masked matrix.
//!
//! ```
//! use factor::{Config, diagnose, train, truncated_svd};
//! use ndarray::array;
//!
//! let a = array![[3.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0], [1.0, 0.0, 1.0]];
//! let svd = truncated_svd(&a, 2).unwrap();
//! let trained = train(&a, None, &Config::new(2)).unwrap();
//! let residual = trained.residual(&a);
//! assert!(residual <= svd.residual * 1.001);
//! assert!(diagnose(residual, 2, &svd.levels()).reached_bound());
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod completion;
mod config;
mod curvature;
mod error;
mod loss;
mod svd;
mod train;
mod validate;

pub use completion::{Completion, LabExample, column_mean_baseline, complete, holdout_mask, rmse};
pub use config::Config;
pub use curvature::{CURVATURE_TOLERANCE, Certificate, Escape, Verdict, certify, escape};
pub use error::{Divergence, FactorError, NonFinite};
pub use loss::{Loss, record_loss};
pub use svd::{
    Diagnosis, LEVEL_TOLERANCE, SvdReference, ZERO_TOLERANCE, diagnose, residual_levels, singular_values, truncated_svd,
};
pub use train::{
    Convergence, RecordedStep, Trained, frobenius_distance, initial_factors, record_step, train, train_from,
};
pub use validate::{validate_mask, validate_matrix, validate_rank};
