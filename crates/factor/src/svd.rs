//! The reference answer: truncated SVD, the Eckart-Young bound, and the
//! residual levels that name the saddle points gradient descent stalls on.
//!
//! With singular values `σ₁ ≥ σ₂ ≥ … ≥ σₚ` (`p = min(m, n)`), the best rank-k
//! approximation of A keeps the first k singular triplets (Eckart-Young),
//! and its Frobenius residual is `sqrt(σ²ₖ₊₁ + … + σ²ₚ)`. No rank-r factors
//! `U Vᵀ` can do better than the rank-r level; every other critical point of
//! `||A - U Vᵀ||_F` keeps a different set of triplets and is a saddle (the
//! loss has no spurious local minima), and those keeping only the top k < r
//! sit exactly at the rank-k level.

use std::fmt;

use nalgebra::DMatrix;
use ndarray::Array2;

use crate::error::FactorError;
use crate::validate::{validate_matrix, validate_rank};

/// The truncated SVD of a matrix at one rank.
#[derive(Clone, Debug, PartialEq)]
pub struct SvdReference {
    /// Every singular value, largest first (`min(m, n)` of them).
    pub singular_values: Vec<f64>,
    /// The rank `r` of the approximation.
    pub rank: usize,
    /// The best rank-r approximation `Σₖ₌₁..ᵣ σₖ uₖ vₖᵀ`.
    pub approximation: Array2<f64>,
    /// Its residual `||A - Aᵣ||_F = sqrt(Σₖ₌ᵣ₊₁..ₚ σₖ²)`: the Eckart-Young bound.
    pub residual: f64,
}

impl SvdReference {
    /// [`residual_levels`] of these singular values.
    pub fn levels(&self) -> Vec<f64> {
        residual_levels(&self.singular_values)
    }
}

/// The truncated SVD of `matrix` at `rank`.
///
/// # Errors
/// An empty or non-finite matrix, rank 0 or rank above `min(m, n)`.
pub fn truncated_svd(matrix: &Array2<f64>, rank: usize) -> Result<SvdReference, FactorError> {
    validate_matrix(matrix)?;
    let (rows, cols) = matrix.dim();
    validate_rank(rank, rows, cols)?;
    let svd = nalgebra::SVD::new(to_nalgebra(matrix), true, true);
    let (left, right_t) = match (&svd.u, &svd.v_t) {
        (Some(left), Some(right_t)) => (left, right_t),
        _ => unreachable!("both singular vector sets were requested"),
    };
    let singular_values: Vec<f64> = svd.singular_values.iter().copied().collect();
    let approximation = Array2::from_shape_fn((rows, cols), |(i, j)| {
        (0..rank)
            .map(|k| left[(i, k)] * singular_values[k] * right_t[(k, j)])
            .sum()
    });
    let residual = residual_levels(&singular_values)[rank];
    Ok(SvdReference {
        singular_values,
        rank,
        approximation,
        residual,
    })
}

/// The singular values of `matrix`, largest first.
///
/// # Errors
/// An empty or non-finite matrix.
pub fn singular_values(matrix: &Array2<f64>) -> Result<Vec<f64>, FactorError> {
    validate_matrix(matrix)?;
    Ok(to_nalgebra(matrix).singular_values().iter().copied().collect())
}

/// The residuals of the best rank-k approximations for `k = 0..=p`, from
/// singular values sorted largest first: `level[k] = sqrt(Σᵢ₌ₖ₊₁..ₚ σᵢ²)`.
/// `level[0] = ||A||_F`, `level[p] = 0`, and the levels never increase.
///
/// The sums run from the smallest singular value up, so a small level is not
/// the difference of two large numbers.
pub fn residual_levels(singular_values: &[f64]) -> Vec<f64> {
    let mut levels = vec![0.0; singular_values.len() + 1];
    let mut tail = 0.0;
    for k in (0..singular_values.len()).rev() {
        tail += singular_values[k] * singular_values[k];
        levels[k] = tail.sqrt();
    }
    levels
}

fn to_nalgebra(matrix: &Array2<f64>) -> DMatrix<f64> {
    let (rows, cols) = matrix.dim();
    DMatrix::from_fn(rows, cols, |i, j| matrix[[i, j]])
}

/// How close a residual must be to a level, relative to the level, to be
/// said to sit on it.
pub const LEVEL_TOLERANCE: f64 = 0.01;

/// A residual or a level below this share of `||A||_F` counts as 0: the
/// SVD's level for rank `min(m, n)`, or for the rank of an `A` of lower
/// rank, comes out of rounding as 1e-15 rather than 0, and so does a
/// trained residual that reaches it.
pub const ZERO_TOLERANCE: f64 = 1e-9;

/// Where a trained rank-r factorisation ended, judged against the residual
/// levels of the truncated SVD.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Diagnosis {
    /// Within [`LEVEL_TOLERANCE`] of the rank-r level: the global minimum.
    AtBound {
        /// The final residual.
        residual: f64,
        /// The rank of the factors.
        rank: usize,
        /// The rank-r level (Eckart-Young bound).
        bound: f64,
    },
    /// Within [`LEVEL_TOLERANCE`] of a lower rank-k level: the factors use
    /// only k directions, a saddle point, not a local minimum.
    Saddle {
        /// The final residual.
        residual: f64,
        /// The rank of the factors.
        rank: usize,
        /// The rank k whose best residual the run sits at.
        plateau_rank: usize,
        /// That level.
        plateau: f64,
        /// The rank-r level.
        bound: f64,
    },
    /// Near no level: still descending (more epochs or a better optimiser).
    Unconverged {
        /// The final residual.
        residual: f64,
        /// The rank of the factors.
        rank: usize,
        /// The rank-r level.
        bound: f64,
    },
    /// The matrix is all zeros (`||A||_F = 0`, as a centred matrix of one
    /// row): `U Vᵀ = 0` fits it exactly, every level is 0, and there is no
    /// scale to judge a residual by, so a run is neither converged nor not.
    ZeroMatrix {
        /// The final residual.
        residual: f64,
        /// The rank of the factors.
        rank: usize,
    },
}

/// Names where a rank-`rank` run with final residual `residual` ended, given
/// the matrix's [`residual_levels`].
///
/// # Panics
/// If `rank` is not below `levels.len()`.
pub fn diagnose(residual: f64, rank: usize, levels: &[f64]) -> Diagnosis {
    // levels[0] is the residual of rank 0: ||A||_F itself.
    if levels[0] == 0.0 {
        return Diagnosis::ZeroMatrix { residual, rank };
    }
    let zero = ZERO_TOLERANCE * levels[0];
    let bound = if levels[rank] <= zero { 0.0 } else { levels[rank] };
    let near = |level: f64| (residual - level).abs() <= LEVEL_TOLERANCE * level + zero;
    if near(bound) || residual <= bound {
        return Diagnosis::AtBound { residual, rank, bound };
    }
    match (0..rank).rev().find(|&k| near(levels[k])) {
        Some(plateau_rank) => Diagnosis::Saddle {
            residual,
            rank,
            plateau_rank,
            plateau: levels[plateau_rank],
            bound,
        },
        None => Diagnosis::Unconverged { residual, rank, bound },
    }
}

impl Diagnosis {
    /// The rank-r level the run is judged against (0 when it is rounding).
    pub fn bound(&self) -> f64 {
        match *self {
            Diagnosis::AtBound { bound, .. }
            | Diagnosis::Saddle { bound, .. }
            | Diagnosis::Unconverged { bound, .. } => bound,
            Diagnosis::ZeroMatrix { .. } => 0.0,
        }
    }

    /// How far above the bound the residual is, in per cent: 0 where
    /// rounding puts it below, and `None` when the bound is 0 (a per cent
    /// of 0 means nothing).
    pub fn percent_above_bound(&self) -> Option<f64> {
        let (residual, bound) = match *self {
            Diagnosis::AtBound { residual, bound, .. }
            | Diagnosis::Saddle { residual, bound, .. }
            | Diagnosis::Unconverged { residual, bound, .. } => (residual, bound),
            Diagnosis::ZeroMatrix { .. } => return None,
        };
        (bound > 0.0).then(|| percent_above(residual, bound))
    }

    /// Whether the run reached the Eckart-Young bound.
    pub fn reached_bound(&self) -> bool {
        matches!(self, Diagnosis::AtBound { .. })
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Diagnosis::AtBound {
                residual,
                rank,
                bound: 0.0,
            } => write!(
                f,
                "reached the rank-{rank} bound 0 (Eckart-Young: rank {rank} fits the matrix exactly): residual {residual:.3e}"
            ),
            Diagnosis::Unconverged {
                residual,
                rank,
                bound: 0.0,
            } => write!(
                f,
                "not converged: residual {residual:.3e} is above the rank-{rank} bound 0 and on no lower-rank level"
            ),
            Diagnosis::AtBound { residual, rank, bound } => write!(
                f,
                "reached the rank-{rank} bound (Eckart-Young): residual {residual:.4}, {:.3}% above the bound {bound:.4}",
                percent_above(residual, bound)
            ),
            Diagnosis::Saddle {
                residual,
                rank,
                plateau_rank,
                plateau,
                bound,
            } => write!(
                f,
                "plateau at {plateau:.3} = best rank-{plateau_rank} residual: a saddle point, not a local minimum \
                 (residual {residual:.4}; the rank-{rank} bound is {bound:.4})"
            ),
            Diagnosis::Unconverged { residual, rank, bound } => write!(
                f,
                "not converged: residual {residual:.4} is {:.2}% above the rank-{rank} bound {bound:.4} \
                 and on no lower-rank level",
                percent_above(residual, bound)
            ),
            Diagnosis::ZeroMatrix { residual, rank } => write!(
                f,
                "the matrix is all zeros: U Vᵀ = 0 fits it exactly at any rank, so a rank-{rank} run has \
                 nothing to converge to (residual {residual:.3e})"
            ),
        }
    }
}

/// `100 (residual - bound) / bound`, and 0 where rounding puts the residual
/// below the bound (or the bound is 0).
fn percent_above(residual: f64, bound: f64) -> f64 {
    if residual > bound && bound > 0.0 {
        100.0 * (residual - bound) / bound
    } else {
        0.0
    }
}
