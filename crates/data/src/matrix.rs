//! Numeric matrices: some or all columns of a CSV file, every entry finite.

use std::path::Path;

use ndarray::Array2;

use crate::error::DataError;
use crate::labelled::detect_label_column;
use crate::table::{parse_number, parse_table, read_bytes};

/// Which columns of a numeric matrix to keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Columns {
    /// Every column except a detected label column (iris: the 4 measurements;
    /// wine: the 13 after the label; a file without a label column: all
    /// columns). Detection is [`read_labelled`](crate::read_labelled)'s; a file
    /// of one column has no label column. The label column is dropped unread,
    /// so an empty label or a single class is no error here.
    Features,
    /// Every column; all must be numeric.
    All,
    /// These 0-based column indices, in this order.
    Indices(Vec<usize>),
}

/// Reads a numeric matrix from a CSV file (no header; comma-separated).
pub fn read_matrix(path: &Path, columns: &Columns) -> Result<Array2<f64>, DataError> {
    read_features(path, columns).map(|features| features.matrix)
}

/// [`read_matrix`] on bytes already in memory; `file` names them in errors.
pub fn parse_matrix(bytes: &[u8], file: &str, columns: &Columns) -> Result<Array2<f64>, DataError> {
    parse_features(bytes, file, columns).map(|features| features.matrix)
}

/// A matrix read with [`read_features`], and the column it left out.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMatrix {
    /// The selected columns, every entry finite.
    pub matrix: Array2<f64>,
    /// The 0-based index of the column [`Columns::Features`] took for class
    /// labels and left out (`None` with the other choices, or when no column
    /// looks like labels). A column of 2 to 50 distinct integers at either
    /// end counts, so a caller should show it: a user's ratings matrix may
    /// lose its last column to it.
    pub label_column: Option<usize>,
}

/// [`read_matrix`], also saying which column was left out as labels.
pub fn read_features(path: &Path, columns: &Columns) -> Result<FeatureMatrix, DataError> {
    parse_features(&read_bytes(path)?, &path.display().to_string(), columns)
}

/// [`read_features`] on bytes already in memory; `file` names them in errors.
pub fn parse_features(bytes: &[u8], file: &str, columns: &Columns) -> Result<FeatureMatrix, DataError> {
    let table = parse_table(bytes, file)?;
    let width = table.width();
    let mut label_column = None;
    let selected: Vec<usize> = match columns {
        Columns::All => (0..width).collect(),
        Columns::Features => {
            let label = if width >= 2 { detect_label_column(&table) } else { None };
            label_column = label.map(|column| column.index(width));
            (0..width).filter(|&index| Some(index) != label_column).collect()
        }
        Columns::Indices(indices) => {
            if indices.is_empty() {
                return Err(DataError::NoColumnsSelected { file: file.to_string() });
            }
            if let Some(&index) = indices.iter().find(|&&index| index >= width) {
                return Err(DataError::ColumnOutOfRange {
                    file: file.to_string(),
                    index,
                    fields: width,
                });
            }
            indices.clone()
        }
    };

    let mut matrix = Array2::zeros((table.len(), selected.len()));
    for (row, mut matrix_row) in matrix.rows_mut().into_iter().enumerate() {
        for (entry, &column) in matrix_row.iter_mut().zip(&selected) {
            *entry = parse_number(table.field(row, column), file, table.line(row), column + 1)?;
        }
    }
    Ok(FeatureMatrix { matrix, label_column })
}
