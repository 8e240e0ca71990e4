//! Numeric matrices: some or all columns of a CSV file, every entry finite.

use std::path::Path;

use ndarray::Array2;

use crate::error::{DataError, HeaderSign, shown};
use crate::labels::{LabelKind, check_first_row_label, detect_label_column, require_label_and_feature};
use crate::layout::{LabelColumn, Loaded, ReadOptions};
use crate::number::is_number;
use crate::table::{Table, parse_table, read_bytes};

/// Which columns of a numeric matrix to keep. Indices count the columns
/// read: after a dropped index column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Columns {
    /// Every column except a detected label column (iris: the 4 measurements;
    /// wine: the 13 after the label; a file without a label column: all
    /// columns). Detection is [`read_labelled_with`](crate::read_labelled_with)'s,
    /// so a column of 2 to 50 distinct integers at either end is taken for
    /// labels; a file of one column has no label column. The label column is
    /// dropped unread, so an empty label or a single class is no error here.
    Features,
    /// Every column except a column of class names (text, at most 50
    /// distinct) at the last or else the first end: a column of numbers is
    /// always kept, so an integer ratings matrix keeps every column. Name a
    /// numeric label column with [`Columns::Except`].
    AllButTextLabels,
    /// Every column except this label column, dropped unread.
    Except(LabelColumn),
    /// Every column; all must be numeric.
    All,
    /// These 0-based column indices, in this order.
    Indices(Vec<usize>),
}

/// A matrix read with [`read_features_with`], and the column it left out.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMatrix {
    /// The selected columns, every entry finite.
    pub matrix: Array2<f64>,
    /// The 0-based index of the column taken for class labels and left out
    /// ([`Columns::Features`], [`Columns::AllButTextLabels`] and
    /// [`Columns::Except`]; `None` with the others, or when no column looks
    /// like labels). [`Columns::Features`] takes a column of 2 to 50
    /// distinct integers at either end for labels, so a caller should show
    /// it: a user's ratings matrix may lose its last column to it.
    pub label_column: Option<usize>,
}

/// Reads a numeric matrix from a CSV file laid out as `options` declare (see
/// [`ReadOptions`]), and says which column it left out as labels and how the
/// file was laid out.
pub fn read_features_with(
    path: &Path,
    options: ReadOptions,
    columns: &Columns,
) -> Result<Loaded<FeatureMatrix>, DataError> {
    parse_features_with(&read_bytes(path)?, &path.display().to_string(), options, columns)
}

/// [`read_features_with`] on bytes already in memory; `file` names them in errors.
pub fn parse_features_with(
    bytes: &[u8],
    file: &str,
    options: ReadOptions,
    columns: &Columns,
) -> Result<Loaded<FeatureMatrix>, DataError> {
    let table = parse_table(bytes, file, options.into())?;
    Ok(Loaded {
        data: features_from_table(&table, file, columns)?,
        layout: table.layout().clone(),
    })
}

/// The chosen columns of a table, parsed as numbers.
pub(crate) fn features_from_table(table: &Table, file: &str, columns: &Columns) -> Result<FeatureMatrix, DataError> {
    let width = table.width();
    let label = match columns {
        Columns::Features => {
            check_first_row_label(table, file, None)?;
            detect_label_column(table, 0, LabelKind::NamesOrIntegers)
        }
        Columns::AllButTextLabels => {
            let label = detect_label_column(table, 0, LabelKind::Names);
            if let Some(column) = label {
                check_first_row_label(table, file, Some(column))?;
            }
            label
        }
        Columns::Except(column) => {
            require_label_and_feature(table, file)?;
            check_first_row_label(table, file, Some(*column))?;
            Some(*column)
        }
        Columns::All | Columns::Indices(_) => None,
    };
    let label_column = label.map(|column| column.index(width));
    let selected: Vec<usize> = match columns {
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
        _ => (0..width).filter(|&index| Some(index) != label_column).collect(),
    };

    let mut matrix = Array2::zeros((table.len(), selected.len()));
    for (row, mut matrix_row) in matrix.rows_mut().into_iter().enumerate() {
        for (entry, &column) in matrix_row.iter_mut().zip(&selected) {
            *entry = table.number(row, column, file).map_err(|error| match row {
                0 => name_over_numbers(table, file, &selected, column).unwrap_or(error),
                _ => error,
            })?;
        }
    }
    Ok(FeatureMatrix { matrix, label_column })
}

/// A first row judged to be data whose field in `column`, read as a
/// number, is a name (it starts with a letter, is no number such as `nan`,
/// and no marker of a missing value such as `NA`), over later rows that
/// hold numbers in every `selected` column: a header, whatever the rest of
/// the row holds. No column read as numbers holds class names, so the name
/// cannot be one.
fn name_over_numbers(table: &Table, file: &str, selected: &[usize], column: usize) -> Option<DataError> {
    let name = table.field(0, column);
    let numbers_below =
        || (1..table.len()).all(|row| selected.iter().all(|&column| table.number(row, column, file).is_ok()));
    let is_header = table.first_row_judged()
        && name.starts_with(char::is_alphabetic)
        && !is_number(name)
        && !is_missing_value(name)
        && table.len() >= 2
        && numbers_below();
    is_header.then(|| DataError::UndeclaredHeader {
        file: file.to_string(),
        line: table.line(0),
        sign: HeaderSign::NameOverNumbers {
            field: table.field_number(column),
            name: shown(name),
        },
    })
}

/// Whether the field is one of the usual markers of a missing value (R's
/// `NA`, pandas' `None`, SQL's `NULL`, ...): a data row with a gap, not a
/// header, so the reader reports it as not a number.
fn is_missing_value(field: &str) -> bool {
    ["na", "n/a", "null", "none", "missing", "nil"]
        .iter()
        .any(|marker| field.eq_ignore_ascii_case(marker))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReadOptions;

    #[test]
    fn a_missing_value_in_line_1_is_no_header() {
        let read = |text: &str| {
            parse_features_with(text.as_bytes(), "t.csv", ReadOptions::default(), &Columns::All)
                .map(|loaded| loaded.data.matrix.dim())
                .map_err(|error| error.to_string())
        };
        assert_eq!(
            read("NA,1\n2,3\n4,5\n"),
            Err("t.csv, line 1, field 1: 'NA' is not a number".into())
        );
        assert!(read("x,1\n2,3\n4,5\n").unwrap_err().contains("looks like a header"));
    }
}
