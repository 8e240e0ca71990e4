//! Finding the label column: which end of the rows holds class labels, what
//! a failed search means, and a first row whose label gives it away as a header.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{DataError, HeaderSign, shown};
use crate::layout::{LabelColumn, MAX_CLASSES};
use crate::number::has_decimal_comma;
use crate::table::Table;

/// What a column must hold to be taken for class labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LabelKind {
    /// Names (at most [`MAX_CLASSES`] distinct), or integers with 2 to
    /// [`MAX_CLASSES`] distinct values.
    NamesOrIntegers,
    /// Names only (at most [`MAX_CLASSES`] distinct): a column of numbers is data.
    Names,
}

/// The last column if it can hold labels of this kind, else the first, else
/// none; rows before `first_row` are not looked at. A file of one column has
/// no label column.
pub(crate) fn detect_label_column(table: &Table, first_row: usize, kind: LabelKind) -> Option<LabelColumn> {
    let width = table.width();
    if width < 2 {
        return None;
    }
    [LabelColumn::Last, LabelColumn::First].into_iter().find(|column| {
        let values = table.column(column.index(width)).skip(first_row);
        match distinct_values(values) {
            Some(Values::Names(count)) => count > 0,
            Some(Values::Integers { count, .. }) => kind == LabelKind::NamesOrIntegers && count >= 2,
            _ => false,
        }
    })
}

/// The distinct non-empty values of a column, by kind.
enum Values {
    /// Only names, this many (a number with a decimal comma is no name).
    Names(usize),
    /// Only whole numbers, this many, from `low` to `high`.
    Integers { count: usize, low: f64, high: f64 },
    /// Anything else: names and numbers, or numbers with a fraction.
    Mixed,
}

/// What [`Values`] a column's non-empty fields hold; `None` when more than
/// [`MAX_CLASSES`] distinct ones.
fn distinct_values<'a>(fields: impl Iterator<Item = &'a str>) -> Option<Values> {
    let mut distinct = BTreeSet::new();
    let (mut names, mut integers, mut low, mut high) = (0, 0, f64::INFINITY, f64::NEG_INFINITY);
    for text in fields {
        if text.is_empty() || !distinct.insert(text) {
            continue;
        }
        if distinct.len() > MAX_CLASSES {
            return None;
        }
        match text.parse::<f64>() {
            Err(_) if has_decimal_comma(text) => {}
            Err(_) => names += 1,
            Ok(value) if value.is_finite() && value.fract() == 0.0 => {
                integers += 1;
                (low, high) = (low.min(value), high.max(value));
            }
            Ok(_) => {}
        }
    }
    let count = distinct.len();
    Some(match () {
        () if names == count => Values::Names(count),
        () if integers == count => Values::Integers { count, low, high },
        () => Values::Mixed,
    })
}

/// Refuses a first row of data that its label gives away as a header: when
/// the first row was judged to be data ([`Table::first_row_judged`]) and the
/// other rows' labels, in `label` or the column detected on them, are 2 to
/// [`MAX_CLASSES`] classes, the first row's label must be one of theirs: a
/// whole number within their range when they are whole numbers
/// (`0,1,...,63,label` over digits; a header `1,2,...,31` over labels 0 and
/// 1), one of their names when they are names that each repeat
/// (`0,1,2,3,species` over iris; a column of row names, each once, is no
/// class column).
pub(crate) fn check_first_row_label(table: &Table, file: &str, label: Option<LabelColumn>) -> Result<(), DataError> {
    if !table.first_row_judged() {
        return Ok(());
    }
    let Some(column) = label.or_else(|| detect_label_column(table, 1, LabelKind::NamesOrIntegers)) else {
        return Ok(());
    };
    let index = column.index(table.width());
    let text = table.field(0, index);
    if text.is_empty() {
        return Ok(());
    }
    let sign = match distinct_values(table.column(index).skip(1)) {
        Some(Values::Integers { count: 2.., low, high }) => {
            let within = |value: f64| value.fract() == 0.0 && (low..=high).contains(&value);
            (!text.parse::<f64>().is_ok_and(within)).then(|| HeaderSign::ForeignLabel {
                column,
                label: shown(text),
                low,
                high,
            })
        }
        Some(Values::Names(classes @ 2..)) => {
            // Names that each repeat are class labels beyond doubt, unlike a
            // column of row names (states, car models), each there once.
            let counts = label_counts(table.column(index).skip(1));
            let repeating = counts.values().all(|&count| count >= 2);
            (repeating && !counts.contains_key(text)).then(|| HeaderSign::UnseenName {
                column,
                label: shown(text),
                classes,
            })
        }
        _ => None,
    };
    match sign {
        Some(sign) => Err(DataError::UndeclaredHeader {
            file: file.to_string(),
            line: table.line(0),
            sign,
        }),
        None => Ok(()),
    }
}

/// How many times each non-empty label occurs.
fn label_counts<'a>(labels: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for label in labels.filter(|label| !label.is_empty()) {
        *counts.entry(label).or_insert(0) += 1;
    }
    counts
}

/// Refuses rows too narrow for a label and a feature.
pub(crate) fn require_label_and_feature(table: &Table, file: &str) -> Result<(), DataError> {
    match table.width() {
        fields @ 0..2 => Err(DataError::TooFewColumns {
            file: file.to_string(),
            fields,
        }),
        _ => Ok(()),
    }
}

/// Why no label column was detected: a column at either end that holds one
/// class only (a constant integer column, which detection does not take
/// for labels), or no column that looks like labels at all.
pub(crate) fn undetected_label_column(table: &Table, file: &str) -> DataError {
    let file = file.to_string();
    let width = table.width();
    for column in [LabelColumn::Last, LabelColumn::First] {
        let index = column.index(width);
        if let Some(Values::Integers { count: 1, .. }) = distinct_values(table.column(index)) {
            let class = table.column(index).find(|text| !text.is_empty()).unwrap_or_default();
            return DataError::SingleClass {
                file,
                class: shown(class),
            };
        }
    }
    DataError::NoLabelColumn { file }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::ReadOptions;
    use crate::table::{TableRules, parse_table};

    fn table(text: &str) -> Table {
        parse_table(text.as_bytes(), "t.csv", TableRules::from(ReadOptions::default()))
            .unwrap_or_else(|error| panic!("{error}"))
    }

    fn detected(text: &str) -> Option<LabelColumn> {
        detect_label_column(&table(text), 0, LabelKind::NamesOrIntegers)
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
        // Numbers with decimal commas are no class names.
        assert_eq!(detected("1;2;0,5\n3;4;0,7\n"), Some(LabelColumn::First));
        assert_eq!(detected("1,5;2;0,5\n3,5;4;0,7\n"), None);
    }

    #[test]
    fn detection_refuses_more_than_max_classes_distinct_values() {
        let rows = |count: usize| (0..count).map(|i| format!("0.5,{i}\n")).collect::<String>();
        assert_eq!(detected(&rows(MAX_CLASSES)), Some(LabelColumn::Last));
        assert_eq!(detected(&rows(MAX_CLASSES + 1)), None);
    }

    #[test]
    fn names_only_detection_leaves_integer_columns_as_data() {
        let names = |text: &str| detect_label_column(&table(text), 0, LabelKind::Names);
        assert_eq!(names("1,0.5,a\n2,0.7,b\n"), Some(LabelColumn::Last));
        assert_eq!(names("a,0.5,7\nb,0.7,8\n"), Some(LabelColumn::First));
        assert_eq!(names("1,0.5,7\n2,0.7,8\n"), None);
    }

    #[test]
    fn a_first_label_outside_the_others_range_is_a_header() {
        let check = |text: &str, label| check_first_row_label(&table(text), "t.csv", label).map_err(|e| e.to_string());
        assert_eq!(
            check("0.5,2\n0.5,0\n0.5,1\n", None),
            Err(
                "t.csv, line 1 looks like a header: its last field, '2', is not a class of the other rows \
                 (whole numbers from 0 to 1); declare a header, or no header if it is data"
                    .into()
            )
        );
        assert!(check("0.5,label\n0.5,0\n0.5,1\n", None).is_err());
        assert!(check("0.5,0.5\n0.5,0\n0.5,1\n", None).is_err());
        // Within the range, one of the others' names, or the others are one
        // class: no sign.
        assert_eq!(check("0.5,1\n0.5,0\n0.5,2\n", None), Ok(()));
        assert_eq!(check("0.5,b\n0.5,a\n0.5,b\n", None), Ok(()));
        assert_eq!(check("0.5,7\n0.5,0\n0.5,0\n", None), Ok(()));
        // A name that none of the others has: `0,1,2,3,species` over iris.
        assert_eq!(
            check(
                "0,1,species\n0.5,0.1,setosa\n0.5,0.2,virginica\n0.5,0.3,setosa\n0.5,0.4,virginica\n",
                None
            ),
            Err(
                "t.csv, line 1 looks like a header: its last field, 'species', is not one of the 2 classes \
                 of the other rows; declare a header, or no header if it is data"
                    .into()
            )
        );
        assert_eq!(check("0.5,a\n0.5,a\n0.5,a\n", None), Ok(()));
        // Names that do not repeat are row names, not classes: no sign.
        assert_eq!(
            check("Alabama,13.2\nAlaska,10.0\nArizona,8.1\n", Some(LabelColumn::First)),
            Ok(())
        );
        assert_eq!(check("0.5,c\n0.5,a\n0.5,a\n0.5,b\n", None), Ok(()));
        // The label column given: the first column's labels 3 and 4 exclude 9.
        assert!(check("9,5\n3,0\n4,1\n", Some(LabelColumn::First)).is_err());
        assert!(check("9,5\n3,0\n4,1\n", Some(LabelColumn::Last)).is_err());
        assert_eq!(check("3,1\n3,0\n4,1\n", Some(LabelColumn::First)), Ok(()));
    }
}
