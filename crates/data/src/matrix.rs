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
    parse_matrix(&read_bytes(path)?, &path.display().to_string(), columns)
}

/// [`read_matrix`] on bytes already in memory; `file` names them in errors.
pub fn parse_matrix(bytes: &[u8], file: &str, columns: &Columns) -> Result<Array2<f64>, DataError> {
    let table = parse_table(bytes, file)?;
    let width = table.width();
    let selected: Vec<usize> = match columns {
        Columns::All => (0..width).collect(),
        Columns::Features => {
            let label = if width >= 2 { detect_label_column(&table) } else { None };
            let label_index = label.map(|column| column.index(width));
            (0..width).filter(|&index| Some(index) != label_index).collect()
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
    Ok(matrix)
}
