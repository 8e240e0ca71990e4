//! Matrix completion: fit `U Vᵀ` to the observed entries only, then judge it
//! on the entries that were held out.

use ndarray::{Array2, array};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::config::Config;
use crate::error::FactorError;
use crate::train::{Trained, train};
use crate::validate::{validate_mask, validate_matrix};

/// A 0/1 mask of shape `(rows, cols)` with `round(fraction · rows · cols)`
/// entries set to 0 (held out) and the rest to 1 (observed), chosen by a
/// shuffle seeded with `seed`.
///
/// # Errors
/// A fraction outside (0, 1), or one that rounds to holding out none or all
/// of the entries.
pub fn holdout_mask(rows: usize, cols: usize, fraction: f64, seed: u64) -> Result<Array2<f64>, FactorError> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(FactorError::HoldoutFraction(fraction));
    }
    let entries = rows * cols;
    let held_out = (fraction * entries as f64).round() as usize;
    if held_out == 0 || held_out == entries {
        return Err(FactorError::HoldoutSize {
            fraction,
            entries,
            held_out,
        });
    }
    let mut order: Vec<usize> = (0..entries).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut mask = Array2::ones((rows, cols));
    for &index in &order[..held_out] {
        mask[[index / cols, index % cols]] = 0.0;
    }
    Ok(mask)
}

/// The root-mean-square error over the entries where `mask` is 1:
/// `sqrt(Σ Mᵢⱼ (Aᵢⱼ - Pᵢⱼ)² / Σ Mᵢⱼ)`, or `None` if the mask selects nothing.
pub fn rmse(target: &Array2<f64>, prediction: &Array2<f64>, mask: &Array2<f64>) -> Option<f64> {
    let count: f64 = mask.sum();
    if count == 0.0 {
        return None;
    }
    let squares: f64 = ndarray::Zip::from(target)
        .and(prediction)
        .and(mask)
        .fold(0.0, |total, a, p, m| total + m * (a - p).powi(2));
    Some((squares / count).sqrt())
}

/// The baseline prediction: every entry of a column is the mean of that
/// column's observed entries (a column with none observed gets the mean of
/// all observed entries).
///
/// # Panics
/// If `observed` has no 1: there is nothing to take a mean of.
#[track_caller]
pub fn column_mean_baseline(target: &Array2<f64>, observed: &Array2<f64>) -> Array2<f64> {
    assert!(observed.sum() > 0.0, "column_mean_baseline: no entry is observed");
    let overall = (target * observed).sum() / observed.sum();
    let means: Vec<f64> = target
        .columns()
        .into_iter()
        .zip(observed.columns())
        .map(|(values, seen)| {
            let count = seen.sum();
            if count > 0.0 {
                values.dot(&seen) / count
            } else {
                overall
            }
        })
        .collect();
    Array2::from_shape_fn(target.dim(), |(_, j)| means[j])
}

/// The outcome of a completion run.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The trained factors and the loss per epoch.
    pub trained: Trained,
    /// The root-mean-square error of `U Vᵀ` on the observed entries.
    pub observed_rmse: f64,
    /// Its error on the held-out entries (`None` if nothing is held out).
    pub heldout_rmse: Option<f64>,
    /// The held-out error of [`column_mean_baseline`] (`None` if nothing is
    /// held out).
    pub baseline_rmse: Option<f64>,
}

/// Fits `U Vᵀ` to the entries of `target` where `observed` is 1 (with the
/// config's L2 penalty) and measures it on both parts.
///
/// # Errors
/// As [`train`]; `observed` must be a 0/1 mask of `target`'s shape with at
/// least one 1.
pub fn complete(target: &Array2<f64>, observed: &Array2<f64>, config: &Config) -> Result<Completion, FactorError> {
    validate_matrix(target)?;
    validate_mask(observed, target)?;
    let trained = train(target, Some(observed), config)?;
    let prediction = trained.reconstruction();
    let held_out = observed.mapv(|m| 1.0 - m);
    let baseline = column_mean_baseline(target, observed);
    Ok(Completion {
        observed_rmse: rmse(target, &prediction, observed).expect("the mask observes an entry"),
        heldout_rmse: rmse(target, &prediction, &held_out),
        baseline_rmse: rmse(target, &baseline, &held_out),
        trained,
    })
}

/// The lab report's completion example: a 3 x 3 matrix with the entries
/// (1, 0) and (2, 1) (0-based) hidden.
#[derive(Clone, Debug, PartialEq)]
pub struct LabExample {
    /// The full matrix, hidden entries included (to judge the guesses).
    pub matrix: Array2<f64>,
    /// 1 = observed, 0 = hidden.
    pub observed: Array2<f64>,
    /// The hidden entries, (row, column), 0-based.
    pub hidden: Vec<(usize, usize)>,
}

impl LabExample {
    /// The report's matrix and mask.
    pub fn new() -> Self {
        let hidden = vec![(1, 0), (2, 1)];
        let mut observed = Array2::ones((3, 3));
        for &entry in &hidden {
            observed[entry] = 0.0;
        }
        LabExample {
            matrix: array![
                [0.3374, 0.6005, 0.1735],
                [3.3359, 0.0492, 1.8374],
                [2.9407, 0.5301, 2.2620]
            ],
            observed,
            hidden,
        }
    }
}

impl Default for LabExample {
    fn default() -> Self {
        LabExample::new()
    }
}
