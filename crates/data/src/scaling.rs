//! Column scaling: centring, and standardising with a scale fitted on the
//! training rows (or the observed entries) only.

use ndarray::{Array1, Array2};

/// Subtracts each column's mean: x_ij <- x_ij - mean_i(x_ij).
pub fn centre_columns(matrix: &mut Array2<f64>) {
    if matrix.nrows() == 0 {
        return;
    }
    Standardiser::fit(matrix, Scale::CentreOnly).apply(matrix);
}

/// Standardises each column by its own mean and population standard
/// deviation, x <- (x - mean) / std; a constant column is only centred.
/// The same as fitting a [`Standardiser`] with [`Scale::StdDev`] on the whole
/// matrix: use that instead when some rows are for validation.
pub fn standardise_columns(matrix: &mut Array2<f64>) {
    if matrix.nrows() == 0 {
        return;
    }
    let standardiser = Standardiser::fit(matrix, Scale::StdDev);
    standardiser.apply(matrix);
}

/// What a [`Standardiser`] divides by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// The population standard deviation, sqrt(sum (x - mean)² / n): columns
    /// end with unit variance.
    #[default]
    StdDev,
    /// The population variance, sum (x - mean)² / n, as the lab report's code
    /// did: a column of standard deviation s ends with standard deviation 1/s.
    Variance,
    /// Nothing: the columns are only centred.
    CentreOnly,
}

/// Per-column mean and scale, fitted on some rows and applied to any:
/// x <- (x - mean) / scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardiser {
    /// Each column's mean over the fitted rows.
    pub mean: Array1<f64>,
    /// Each column's scale over the fitted rows (standard deviation or
    /// variance); 1 for a column with no spread there, which is then only centred.
    pub scale: Array1<f64>,
}

impl Standardiser {
    /// Fits means and scales on these rows only (the training rows: no
    /// leakage). A column whose fitted values are all equal gets scale 1, so
    /// it is centred to exactly 0 instead of divided by zero.
    ///
    /// Panics if `features` has no rows.
    #[track_caller]
    pub fn fit(features: &Array2<f64>, scale: Scale) -> Standardiser {
        assert!(features.nrows() > 0, "Standardiser::fit: no rows to fit on");
        Standardiser::from_columns(features.columns().into_iter().map(|column| column.to_vec()), scale)
    }

    /// Fits each column's mean and scale on its entries where `observed` is
    /// 1 only, as matrix completion must: the held-out entries (0) may not
    /// shape the matrix the model trains on. A column with no observed entry
    /// gets mean 0 and scale 1, so it is left as it is.
    ///
    /// Panics if `observed` has another shape than `features`.
    #[track_caller]
    pub fn fit_observed(features: &Array2<f64>, observed: &Array2<f64>, scale: Scale) -> Standardiser {
        assert_eq!(
            features.dim(),
            observed.dim(),
            "Standardiser::fit_observed: a {:?} mask for a {:?} matrix",
            observed.dim(),
            features.dim()
        );
        let columns = features
            .columns()
            .into_iter()
            .zip(observed.columns())
            .map(|(values, seen)| {
                values
                    .iter()
                    .zip(seen)
                    .filter(|&(_, &seen)| seen == 1.0)
                    .map(|(&x, _)| x)
                    .collect::<Vec<f64>>()
            });
        Standardiser::from_columns(columns, scale)
    }

    /// Each column's mean and scale from its fitted values (none: 0 and 1).
    fn from_columns(columns: impl Iterator<Item = Vec<f64>>, scale: Scale) -> Standardiser {
        let (mean, spread): (Vec<f64>, Vec<f64>) = columns
            .map(|column| {
                if column.is_empty() {
                    return (0.0, 1.0);
                }
                let mean = column_mean(&column);
                let variance = column.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / column.len() as f64;
                let spread = match scale {
                    _ if variance == 0.0 => 1.0,
                    Scale::StdDev => variance.sqrt(),
                    Scale::Variance => variance,
                    Scale::CentreOnly => 1.0,
                };
                (mean, spread)
            })
            .unzip();
        Standardiser {
            mean: Array1::from(mean),
            scale: Array1::from(spread),
        }
    }

    /// (x - mean) / scale, column by column, for any rows.
    ///
    /// Panics if `features` has a different number of columns than were fitted.
    #[track_caller]
    pub fn transform(&self, features: &Array2<f64>) -> Array2<f64> {
        let mut out = features.clone();
        self.apply(&mut out);
        out
    }

    /// [`Standardiser::transform`] in place.
    #[track_caller]
    pub fn apply(&self, features: &mut Array2<f64>) {
        assert_eq!(
            features.ncols(),
            self.mean.len(),
            "Standardiser: fitted on {} columns, given {}",
            self.mean.len(),
            features.ncols()
        );
        *features -= &self.mean;
        *features /= &self.scale;
    }
}

/// The mean of a non-empty column, in two passes: m₀ = sum x / n, then
/// m = m₀ + sum (x - m₀) / n, which recovers most of the first sum's rounding.
/// A constant column's mean is its value, exactly.
fn column_mean(column: &[f64]) -> f64 {
    let first = column[0];
    if column.iter().all(|&x| x == first) {
        return first;
    }
    let n = column.len() as f64;
    let rough = column.iter().sum::<f64>() / n;
    rough + column.iter().map(|x| x - rough).sum::<f64>() / n
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn known_means_and_scales() {
        // Column 0: mean 2, squared deviations 1 + 0 + 1 over 3 = 2/3.
        // Column 1: constant 0.1, scale 1.
        let features = array![[1.0, 0.1], [2.0, 0.1], [3.0, 0.1]];
        let by_std = Standardiser::fit(&features, Scale::StdDev);
        assert_eq!(by_std.mean, array![2.0, 0.1]);
        assert!((by_std.scale[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(by_std.scale[1], 1.0);
        let by_variance = Standardiser::fit(&features, Scale::Variance);
        assert!((by_variance.scale[0] - 2.0 / 3.0).abs() < 1e-15);
        let transformed = by_std.transform(&features);
        assert_eq!(transformed.column(1), array![0.0, 0.0, 0.0]);
        assert!((transformed[[2, 0]] - 1.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn fit_observed_ignores_the_hidden_entries() {
        // Column 0 observes 1 and 3 (mean 2, variance 1); column 1 observes
        // only 10 (mean 10, no spread: scale 1); column 2 observes nothing
        // (mean 0, scale 1). The hidden 100s must change nothing.
        let features = array![[1.0, 10.0, 5.0], [100.0, 100.0, 100.0], [3.0, 100.0, 7.0]];
        let observed = array![[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]];
        let fitted = Standardiser::fit_observed(&features, &observed, Scale::StdDev);
        assert_eq!(fitted.mean, array![2.0, 10.0, 0.0]);
        assert_eq!(fitted.scale, array![1.0, 1.0, 1.0]);
        let mut moved = features.clone();
        moved[[1, 0]] = -7.0;
        assert_eq!(Standardiser::fit_observed(&moved, &observed, Scale::StdDev), fitted);
        // Observing everything is fitting on everything.
        let all = Array2::ones(features.dim());
        assert_eq!(
            Standardiser::fit_observed(&features, &all, Scale::Variance),
            Standardiser::fit(&features, Scale::Variance)
        );
        let centring = Standardiser::fit_observed(&features, &observed, Scale::CentreOnly);
        assert_eq!(centring.scale, array![1.0, 1.0, 1.0]);
    }

    #[test]
    #[should_panic(expected = "Standardiser::fit_observed: a (1, 3) mask for a (3, 3) matrix")]
    fn fit_observed_refuses_a_mask_of_another_shape() {
        let _ = Standardiser::fit_observed(&Array2::zeros((3, 3)), &Array2::ones((1, 3)), Scale::StdDev);
    }

    #[test]
    fn standardised_columns_have_mean_zero_and_unit_variance() {
        let mut matrix = array![[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [4.0, 20.0, 5.0], [9.0, 0.0, 5.0]];
        standardise_columns(&mut matrix);
        for column in matrix.columns() {
            let mean = column.mean().unwrap();
            let variance = column.mapv(|x| (x - mean).powi(2)).mean().unwrap();
            assert!(mean.abs() < 1e-15);
            assert!(variance == 0.0 || (variance - 1.0).abs() < 1e-14, "{variance}");
        }
    }

    #[test]
    fn empty_matrices_are_left_alone() {
        let mut matrix = Array2::<f64>::zeros((0, 3));
        centre_columns(&mut matrix);
        standardise_columns(&mut matrix);
        assert_eq!(matrix.dim(), (0, 3));
    }

    #[test]
    #[should_panic(expected = "fitted on 2 columns, given 3")]
    fn transform_refuses_another_width() {
        Standardiser::fit(&array![[1.0, 2.0]], Scale::StdDev).transform(&array![[1.0, 2.0, 3.0]]);
    }
}
