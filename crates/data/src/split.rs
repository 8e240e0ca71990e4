//! Seeded shuffles, train/validation splits and k-fold cross-validation.
//! Every function takes a seed: the same seed gives the same rows.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::DataError;

/// 0..n in an order drawn from `StdRng::seed_from_u64(seed)`.
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..n).collect();
    indices.shuffle(&mut StdRng::seed_from_u64(seed));
    indices
}

/// The size of the VALIDATION part of a split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SplitSize {
    /// This many rows.
    Count(usize),
    /// This fraction of the rows, strictly between 0 and 1, rounded to the
    /// nearest row: 1/3 of 150 is 50.
    Fraction(f64),
}

impl SplitSize {
    /// Validation rows out of `rows`, before checking that both parts are non-empty.
    fn of(self, rows: usize) -> Result<usize, DataError> {
        match self {
            SplitSize::Count(count) => Ok(count),
            SplitSize::Fraction(fraction) if fraction > 0.0 && fraction < 1.0 => {
                Ok((fraction * rows as f64).round() as usize)
            }
            SplitSize::Fraction(fraction) => Err(DataError::ValidationFraction { fraction }),
        }
    }
}

/// Row indices of the two parts of a split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows to validate on.
    pub validation: Vec<usize>,
}

/// Shuffles 0..n with the seed, then takes the validation rows off the end;
/// both parts keep the shuffled order.
/// Errors if either part would be empty, or a fraction is not in (0, 1).
pub fn train_validation_split(n: usize, validation: SplitSize, seed: u64) -> Result<Split, DataError> {
    let count = validation.of(n)?;
    let empty_part = if count == 0 {
        Some("validation")
    } else if count >= n {
        Some("training")
    } else {
        None
    };
    if let Some(empty_part) = empty_part {
        return Err(DataError::EmptySplitPart {
            rows: n,
            validation: count,
            empty_part,
        });
    }
    let mut train = shuffled_indices(n, seed);
    let validation = train.split_off(n - count);
    Ok(Split { train, validation })
}

/// k folds of a seeded shuffle of 0..n: fold i validates on the i-th of k
/// consecutive shares of the shuffle and trains on the others, so every row
/// is validated exactly once. Shares differ by at most one row (the first
/// n mod k folds get the extra one). Errors unless 2 <= k <= n.
pub fn k_folds(n: usize, k: usize, seed: u64) -> Result<Vec<Split>, DataError> {
    if k < 2 || k > n {
        return Err(DataError::FoldCount { folds: k, rows: n });
    }
    let order = shuffled_indices(n, seed);
    let mut start = 0;
    let folds = (0..k)
        .map(|fold| {
            let end = start + n / k + usize::from(fold < n % k);
            let validation = order[start..end].to_vec();
            let train = order[..start].iter().chain(&order[end..]).copied().collect();
            start = end;
            Split { train, validation }
        })
        .collect();
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_round_to_the_nearest_row() {
        let split = train_validation_split(150, SplitSize::Fraction(1.0 / 3.0), 0).unwrap();
        assert_eq!((split.train.len(), split.validation.len()), (100, 50));
        // 0.25 * 10 = 2.5 rounds away from zero, to 3.
        let split = train_validation_split(10, SplitSize::Fraction(0.25), 0).unwrap();
        assert_eq!(split.validation.len(), 3);
    }

    #[test]
    fn fold_sizes_differ_by_at_most_one() {
        let sizes: Vec<usize> = k_folds(11, 3, 0).unwrap().iter().map(|f| f.validation.len()).collect();
        assert_eq!(sizes, [4, 4, 3]);
    }
}
