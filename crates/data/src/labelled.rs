//! Labelled data sets: numeric features and one column of class labels.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use ndarray::{Array2, Axis};

use crate::error::{DataError, shown};
use crate::table::{Table, parse_number, parse_table, read_bytes};

/// The most distinct values a column may hold and still be taken for class
/// labels when the label column is detected.
pub const MAX_CLASSES: usize = 50;

/// Which column holds the class labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelColumn {
    /// The first column (wine).
    First,
    /// The last column (iris, digits).
    Last,
}

impl LabelColumn {
    /// The 0-based index of this column in rows of `width` fields.
    pub fn index(self, width: usize) -> usize {
        match self {
            LabelColumn::First => 0,
            LabelColumn::Last => width - 1,
        }
    }
}

impl fmt::Display for LabelColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LabelColumn::First => "first",
            LabelColumn::Last => "last",
        })
    }
}

/// Parses `first` or `last` (as a `--label-column` flag would give them).
impl FromStr for LabelColumn {
    type Err = DataError;

    fn from_str(text: &str) -> Result<Self, DataError> {
        match text {
            "first" => Ok(LabelColumn::First),
            "last" => Ok(LabelColumn::Last),
            _ => Err(DataError::LabelColumnName { given: shown(text) }),
        }
    }
}

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

/// Reads a labelled CSV file (no header; comma-separated).
///
/// `label: None` detects the label column: the last column if it can hold
/// labels, else the first, else an error suggesting `--label-column`. A
/// column can hold labels if its (non-empty) values are all names, at most
/// [`MAX_CLASSES`] of them, or all integers with 2 to [`MAX_CLASSES`]
/// distinct values. iris -> last (names), wine -> first (1, 2, 3; its last
/// column has too many distinct integers), digits -> last (0 to 9).
///
/// Every other column must hold finite numbers, every label must be
/// non-empty, and there must be at least two classes.
pub fn read_labelled(path: &Path, label: Option<LabelColumn>) -> Result<Labelled, DataError> {
    parse_labelled(&read_bytes(path)?, &path.display().to_string(), label)
}

/// [`read_labelled`] on bytes already in memory; `file` names them in errors.
pub fn parse_labelled(bytes: &[u8], file: &str, label: Option<LabelColumn>) -> Result<Labelled, DataError> {
    let table = parse_table(bytes, file)?;
    let width = table.width();
    if width < 2 {
        return Err(DataError::TooFewColumns {
            file: file.to_string(),
            fields: width,
        });
    }
    let label_column = match label {
        Some(column) => column,
        None => detect_label_column(&table).ok_or_else(|| DataError::NoLabelColumn { file: file.to_string() })?,
    };
    let label_index = label_column.index(width);

    let mut features = Array2::zeros((table.len(), width - 1));
    let mut names = Vec::with_capacity(table.len());
    for (row, mut feature_row) in features.rows_mut().into_iter().enumerate() {
        let line = table.line(row);
        let mut features_read = 0;
        for column in 0..width {
            let text = table.field(row, column);
            if column != label_index {
                feature_row[features_read] = parse_number(text, file, line, column + 1)?;
                features_read += 1;
            } else if text.is_empty() {
                return Err(DataError::EmptyLabel {
                    file: file.to_string(),
                    line,
                    field: column + 1,
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

/// The last column if it can hold labels, else the first, else none (see
/// [`read_labelled`] for the test).
pub(crate) fn detect_label_column(table: &Table) -> Option<LabelColumn> {
    let width = table.width();
    [LabelColumn::Last, LabelColumn::First]
        .into_iter()
        .find(|column| can_hold_labels(table, column.index(width)))
}

/// Whether a column's non-empty values are all names (at most
/// [`MAX_CLASSES`] distinct), or all integers with 2 to [`MAX_CLASSES`]
/// distinct values. A column mixing names and numbers holds a typo, not labels.
fn can_hold_labels(table: &Table, column: usize) -> bool {
    let mut distinct = BTreeSet::new();
    let (mut names, mut integers, mut others) = (0, 0, 0);
    for text in table.column(column) {
        if text.is_empty() || !distinct.insert(text) {
            continue;
        }
        if distinct.len() > MAX_CLASSES {
            return false;
        }
        match text.parse::<f64>() {
            Err(_) => names += 1,
            Ok(value) if value.is_finite() && value.fract() == 0.0 => integers += 1,
            Ok(_) => others += 1,
        }
    }
    let total = distinct.len();
    (names > 0 && names == total) || (integers >= 2 && integers == total && others == 0)
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

    #[test]
    fn label_column_names_round_trip() {
        for column in [LabelColumn::First, LabelColumn::Last] {
            assert_eq!(column.to_string().parse::<LabelColumn>(), Ok(column));
        }
        assert_eq!(
            "middle".parse::<LabelColumn>().unwrap_err().to_string(),
            "unknown label column 'middle': expected 'first' or 'last'"
        );
    }

    fn detected(text: &str) -> Option<LabelColumn> {
        let table = parse_table(text.as_bytes(), "t.csv").unwrap_or_else(|error| panic!("{error}"));
        detect_label_column(&table)
    }

    #[test]
    fn detection_prefers_the_last_column_and_needs_names_or_few_integers() {
        assert_eq!(detected("1,0.5,a\n2,0.7,b\n"), Some(LabelColumn::Last));
        assert_eq!(detected("1,0.5,7\n2,0.7,8\n"), Some(LabelColumn::Last));
        assert_eq!(detected("1,0.5,7.5\n2,0.7,8.5\n"), Some(LabelColumn::First));
        // One distinct integer is not a label column; one distinct name is.
        assert_eq!(detected("1,0.5,7\n2,0.7,7\n"), Some(LabelColumn::First));
        assert_eq!(detected("1.5,0.5,a\n2.5,0.7,a\n"), Some(LabelColumn::Last));
        assert_eq!(detected("1.5,0.5,7.5\n2.5,0.7,8.5\n"), None);
        // Names mixed with numbers: a typo in a numeric column.
        assert_eq!(detected("1.5,0.5,7\n2.5,0.7,x\n"), None);
    }

    #[test]
    fn detection_refuses_more_than_max_classes_distinct_values() {
        let rows = |count: usize| (0..count).map(|i| format!("0.5,{i}\n")).collect::<String>();
        assert_eq!(detected(&rows(MAX_CLASSES)), Some(LabelColumn::Last));
        assert_eq!(detected(&rows(MAX_CLASSES + 1)), None);
    }
}
