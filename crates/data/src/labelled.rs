//! Labelled data sets: numeric features and one column of class labels.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use ndarray::{Array2, Axis};

use crate::error::{DataError, shown};
use crate::labels::{
    LabelKind, check_first_row_label, detect_label_column, require_label_and_feature, undetected_label_column,
};
use crate::layout::{LabelColumn, Loaded, ReadOptions};
use crate::table::{Table, parse_table, read_bytes};

/// A labelled data set: one row per example.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The features, n x d.
    pub features: Array2<f64>,
    /// The class of each row, an index into `classes`.
    pub labels: Vec<usize>,
    /// The class names, sorted: numerically if every name is a number
    /// ("1" < "2" < "10"), else as text ("Iris-setosa" < "Iris-versicolor").
    pub classes: Vec<String>,
    /// Where the labels were found.
    pub label_column: LabelColumn,
}

impl Labelled {
    /// Rows (examples).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no rows (never true of a data set read from a file).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per row.
    pub fn num_features(&self) -> usize {
        self.features.ncols()
    }

    /// Distinct classes.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// How many rows each class has, in the order of `classes`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &label in &self.labels {
            counts[label] += 1;
        }
        counts
    }

    /// The rows at these indices, in this order (the classes stay all of them).
    ///
    /// Panics if an index is out of range.
    #[track_caller]
    pub fn select(&self, rows: &[usize]) -> Labelled {
        Labelled {
            features: self.features.select(Axis(0), rows),
            labels: rows.iter().map(|&row| self.labels[row]).collect(),
            classes: self.classes.clone(),
            label_column: self.label_column,
        }
    }
}

/// Reads a labelled CSV file laid out as `options` declare (by default:
/// the delimiter detected, and no header unless declared; see [`ReadOptions`]).
///
/// `label: None` detects the label column: the last column if it can hold
/// labels, else the first, else an error ([`DataError::NoLabelColumn`], or
/// [`DataError::SingleClass`] when an end column holds one integer only). A
/// column can hold labels if its (non-empty) values are all names, at most
/// [`MAX_CLASSES`](crate::MAX_CLASSES) of them, or all integers with 2 to
/// [`MAX_CLASSES`](crate::MAX_CLASSES) distinct values. iris -> last (names),
/// wine -> first (1, 2, 3; its last column has too many distinct integers),
/// digits -> last (0 to 9).
///
/// Every other column must hold finite numbers, every label must be
/// non-empty, and there must be at least two rows and two classes.
pub fn read_labelled_with(
    path: &Path,
    options: ReadOptions,
    label: Option<LabelColumn>,
) -> Result<Loaded<Labelled>, DataError> {
    parse_labelled_with(&read_bytes(path)?, &path.display().to_string(), options, label)
}

/// [`read_labelled_with`] on bytes already in memory; `file` names them in errors.
pub fn parse_labelled_with(
    bytes: &[u8],
    file: &str,
    options: ReadOptions,
    label: Option<LabelColumn>,
) -> Result<Loaded<Labelled>, DataError> {
    let table = parse_table(bytes, file, options.into())?;
    require_label_and_feature(&table, file)?;
    if table.len() < 2 {
        return Err(DataError::TooFewRows {
            file: file.to_string(),
            rows: table.len(),
        });
    }
    check_first_row_label(&table, file, label)?;
    let label_column = match label {
        Some(column) => column,
        None => detect_label_column(&table, 0, LabelKind::NamesOrIntegers)
            .ok_or_else(|| undetected_label_column(&table, file))?,
    };
    Ok(Loaded {
        data: labelled_from_table(&table, file, label_column)?,
        layout: table.layout().clone(),
    })
}

/// The labelled data set of a table whose labels are in `label_column`:
/// the other columns must be finite numbers, the labels non-empty, and the
/// classes at least two.
pub(crate) fn labelled_from_table(table: &Table, file: &str, label_column: LabelColumn) -> Result<Labelled, DataError> {
    let width = table.width();
    let label_index = label_column.index(width);
    let mut features = Array2::zeros((table.len(), width - 1));
    let mut names = Vec::with_capacity(table.len());
    for (row, mut feature_row) in features.rows_mut().into_iter().enumerate() {
        let line = table.line(row);
        let mut features_read = 0;
        for column in 0..width {
            let text = table.field(row, column);
            let field = table.field_number(column);
            if column != label_index {
                feature_row[features_read] = table.number(row, column, file)?;
                features_read += 1;
            } else if text.is_empty() {
                return Err(DataError::EmptyLabel {
                    file: file.to_string(),
                    line,
                    field,
                });
            } else {
                names.push(text);
            }
        }
    }

    let classes = sorted_classes(&names);
    if classes.len() < 2 {
        return Err(DataError::SingleClass {
            file: file.to_string(),
            class: shown(&classes[0]),
        });
    }
    let class_of: HashMap<&str, usize> = classes.iter().enumerate().map(|(i, name)| (name.as_str(), i)).collect();
    let labels = names.iter().map(|name| class_of[name]).collect();
    Ok(Labelled {
        features,
        labels,
        classes,
        label_column,
    })
}

/// The distinct names, sorted numerically if all are numbers, else as text.
fn sorted_classes(names: &[&str]) -> Vec<String> {
    let mut classes: Vec<&str> = names.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let values: Option<Vec<f64>> = classes.iter().map(|name| name.parse::<f64>().ok()).collect();
    if let Some(values) = values {
        let mut keyed: Vec<(f64, &str)> = values.into_iter().zip(classes).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        classes = keyed.into_iter().map(|(_, name)| name).collect();
    }
    classes.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_class_names_sort_as_numbers_and_names_as_text() {
        assert_eq!(sorted_classes(&["10", "2", "1", "2"]), ["1", "2", "10"]);
        assert_eq!(sorted_classes(&["b", "a", "B"]), ["B", "a", "b"]);
        assert_eq!(sorted_classes(&["10", "x", "9"]), ["10", "9", "x"]);
    }
}
