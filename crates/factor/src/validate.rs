//! The checks on a factorisation's inputs, made before anything is trained
//! or decomposed: the matrix, the rank, the mask.

use ndarray::Array2;

use crate::error::FactorError;

/// Checks that `rank` is between 1 and `min(rows, cols)`.
pub fn validate_rank(rank: usize, rows: usize, cols: usize) -> Result<(), FactorError> {
    if rank == 0 {
        return Err(FactorError::ZeroRank);
    }
    if rank > rows.min(cols) {
        return Err(FactorError::RankTooLarge { rank, rows, cols });
    }
    Ok(())
}

/// Checks that `matrix` is non-empty and finite.
pub fn validate_matrix(matrix: &Array2<f64>) -> Result<(), FactorError> {
    let (rows, cols) = matrix.dim();
    if rows == 0 || cols == 0 {
        return Err(FactorError::EmptyMatrix { rows, cols });
    }
    match matrix.indexed_iter().find(|(_, x)| !x.is_finite()) {
        Some(((row, col), &value)) => Err(FactorError::NonFiniteEntry { row, col, value }),
        None => Ok(()),
    }
}

/// Checks that `mask` has `target`'s shape, holds only 0s and 1s, and
/// observes at least one entry.
pub fn validate_mask(mask: &Array2<f64>, target: &Array2<f64>) -> Result<(), FactorError> {
    let ((mask_rows, mask_cols), (rows, cols)) = (mask.dim(), target.dim());
    if (mask_rows, mask_cols) != (rows, cols) {
        return Err(FactorError::MaskShape {
            mask_rows,
            mask_cols,
            rows,
            cols,
        });
    }
    if let Some(((row, col), &value)) = mask.indexed_iter().find(|(_, x)| **x != 0.0 && **x != 1.0) {
        return Err(FactorError::MaskNotBinary { row, col, value });
    }
    if mask.iter().all(|&x| x == 0.0) {
        return Err(FactorError::NothingObserved);
    }
    Ok(())
}
