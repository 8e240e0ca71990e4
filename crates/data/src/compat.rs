//! The readers without [`ReadOptions`](crate::ReadOptions), as the bins call them today: every
//! file comma-separated with no header, a first line of names refused with
//! [`DataError::LegacyHeaderLine`], and a label column that cannot be
//! detected reported as [`DataError::LegacyNoLabelColumn`], whose message
//! names the `mlp` bin's flag. Their behaviour and messages are those of
//! before the `*_with` readers (but for a number with a decimal comma, now
//! named as such); once the bins call those, this module and the two legacy
//! errors can go.

use std::path::Path;

use ndarray::Array2;

use crate::error::DataError;
use crate::labelled::{Labelled, labelled_from_table};
use crate::labels::{LabelKind, detect_label_column, require_label_and_feature};
use crate::layout::LabelColumn;
use crate::matrix::{Columns, FeatureMatrix, features_from_table};
use crate::table::{TableRules, parse_table, read_bytes};

/// Reads a labelled CSV file (no header; comma-separated); `label: None`
/// detects the label column as [`read_labelled_with`](crate::read_labelled_with) does.
pub fn read_labelled(path: &Path, label: Option<LabelColumn>) -> Result<Labelled, DataError> {
    parse_labelled(&read_bytes(path)?, &path.display().to_string(), label)
}

/// [`read_labelled`] on bytes already in memory; `file` names them in errors.
pub fn parse_labelled(bytes: &[u8], file: &str, label: Option<LabelColumn>) -> Result<Labelled, DataError> {
    let table = parse_table(bytes, file, TableRules::LEGACY)?;
    require_label_and_feature(&table, file)?;
    let label_column = label
        .or_else(|| detect_label_column(&table, 0, LabelKind::NamesOrIntegers))
        .ok_or_else(|| DataError::LegacyNoLabelColumn { file: file.to_string() })?;
    labelled_from_table(&table, file, label_column)
}

/// Reads a numeric matrix from a CSV file (no header; comma-separated).
pub fn read_matrix(path: &Path, columns: &Columns) -> Result<Array2<f64>, DataError> {
    read_features(path, columns).map(|features| features.matrix)
}

/// [`read_matrix`] on bytes already in memory; `file` names them in errors.
pub fn parse_matrix(bytes: &[u8], file: &str, columns: &Columns) -> Result<Array2<f64>, DataError> {
    parse_features(bytes, file, columns).map(|features| features.matrix)
}

/// [`read_matrix`], also saying which column was left out as labels.
pub fn read_features(path: &Path, columns: &Columns) -> Result<FeatureMatrix, DataError> {
    parse_features(&read_bytes(path)?, &path.display().to_string(), columns)
}

/// [`read_features`] on bytes already in memory; `file` names them in errors.
pub fn parse_features(bytes: &[u8], file: &str, columns: &Columns) -> Result<FeatureMatrix, DataError> {
    features_from_table(&parse_table(bytes, file, TableRules::LEGACY)?, file, columns)
}
