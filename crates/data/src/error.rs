//! What can go wrong reading a data set or splitting it: one error enum, each
//! message one line naming the file, the 1-based line and the 1-based field.

use thiserror::Error;

use crate::labelled::MAX_CLASSES;

/// Why a data file could not be read, or a split could not be made.
///
/// `file` is the path as the user gave it (or the display name given to a
/// `parse_*` function). Lines and fields count from 1, as an editor shows them.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum DataError {
    /// The file could not be opened or read (missing, no permission, ...).
    #[error("cannot read {file}: {reason}")]
    Read {
        /// The path.
        file: String,
        /// The operating system's reason, e.g. "No such file or directory".
        reason: String,
    },
    /// The path names a directory.
    #[error("cannot read {file}: it is a directory, not a CSV file")]
    Directory {
        /// The path.
        file: String,
    },
    /// The file has no bytes at all (a byte-order mark alone counts as none).
    #[error("{file}: the file is empty")]
    Empty {
        /// The path.
        file: String,
    },
    /// The file has lines, but all of them are blank.
    #[error("{file}: the file is empty (it has only blank lines)")]
    OnlyBlankLines {
        /// The path.
        file: String,
    },
    /// A field's bytes are not UTF-8.
    #[error("{file}, line {line}, field {field}: the bytes are not valid UTF-8 text")]
    NotUtf8 {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
    },
    /// The first line is words, not numbers: a header, which adlab's files do not have.
    #[error(
        "{file}, line 1, field 1: '{first_field}' is not a number; \
         this looks like a header line, and adlab's data files have none (delete it)"
    )]
    HeaderLine {
        /// The path.
        file: String,
        /// The first field of the header, as written.
        first_field: String,
    },
    /// A row has a different number of fields than the first row.
    #[error("{file}, line {line}: expected {expected} fields (as on line {first_line}), found {found}")]
    FieldCount {
        /// The path.
        file: String,
        /// 1-based line of the offending row.
        line: u64,
        /// Fields on the first row.
        expected: usize,
        /// Fields on this row.
        found: usize,
        /// 1-based line of the first row, which set the expected count.
        first_line: u64,
    },
    /// A field that must hold a number is empty.
    #[error("{file}, line {line}, field {field}: the field is empty, expected a number")]
    EmptyNumber {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
    },
    /// A field that must hold a number does not parse as one.
    #[error("{file}, line {line}, field {field}: '{value}' is not a number")]
    NotANumber {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
        /// The field as written (shortened, control characters escaped).
        value: String,
    },
    /// A number is NaN, an infinity, or too large for an `f64` (such as 1e309).
    #[error("{file}, line {line}, field {field}: {}", not_finite_reason(.value))]
    NotFinite {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
        /// The field as written (shortened, control characters escaped).
        value: String,
    },
    /// The class label of a row is empty.
    #[error("{file}, line {line}, field {field}: the class label is empty")]
    EmptyLabel {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
    },
    /// A labelled file needs a label column and at least one feature column.
    #[error("{file}: rows have only {fields} field; a labelled data set needs at least one feature and a label")]
    TooFewColumns {
        /// The path.
        file: String,
        /// Fields per row.
        fields: usize,
    },
    /// Neither the first nor the last column looks like class labels.
    #[error(
        "{file}: cannot tell which column holds the class labels (neither the last nor the first \
         holds only names, or only 2 to {MAX_CLASSES} distinct integers); choose one with --label-column first|last"
    )]
    NoLabelColumn {
        /// The path.
        file: String,
    },
    /// All rows have the same class.
    #[error("{file}: only one class ('{class}'); a classifier needs at least two")]
    SingleClass {
        /// The path.
        file: String,
        /// The one class.
        class: String,
    },
    /// [`crate::Columns::Indices`] names a column the file does not have.
    #[error("{file}: column index {index} is out of range; rows have {fields} fields (indices 0 to {})", .fields - 1)]
    ColumnOutOfRange {
        /// The path.
        file: String,
        /// The 0-based index asked for.
        index: usize,
        /// Fields per row (at least 1).
        fields: usize,
    },
    /// [`crate::Columns::Indices`] is empty.
    #[error("{file}: no columns selected")]
    NoColumnsSelected {
        /// The path.
        file: String,
    },
    /// The `csv` reader itself failed (not expected for in-memory bytes).
    #[error("{file}: {message}")]
    Csv {
        /// The path.
        file: String,
        /// The reader's message, on one line.
        message: String,
    },
    /// Text that should name a label column is neither `first` nor `last`.
    #[error("unknown label column '{given}': expected 'first' or 'last'")]
    LabelColumnName {
        /// The text given.
        given: String,
    },
    /// A validation fraction outside the open interval (0, 1).
    #[error("validation fraction {fraction} must lie strictly between 0 and 1")]
    ValidationFraction {
        /// The fraction given.
        fraction: f64,
    },
    /// A split that would leave the training or the validation part empty.
    #[error("cannot split {rows} rows with {validation} for validation: the {empty_part} part would be empty")]
    EmptySplitPart {
        /// Rows to split.
        rows: usize,
        /// Validation rows asked for (after rounding a fraction).
        validation: usize,
        /// "training" or "validation".
        empty_part: &'static str,
    },
    /// k-fold cross-validation needs 2 <= k <= rows.
    #[error("cannot make {folds} folds of {rows} rows: the number of folds must be at least 2 and at most the rows")]
    FoldCount {
        /// Folds asked for.
        folds: usize,
        /// Rows to split.
        rows: usize,
    },
}

/// Why a parsed number that is not finite was refused, from its text.
fn not_finite_reason(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    let digits = lower.trim_start_matches(['+', '-']);
    if digits == "nan" {
        "NaN is not allowed".to_string()
    } else if digits == "inf" || digits == "infinity" {
        let sign = if lower.starts_with('-') { "-" } else { "" };
        format!("{sign}inf is not allowed")
    } else {
        format!("'{value}' is too large for a 64-bit float (it overflows to infinity, which is not allowed)")
    }
}

/// A field's text made safe for a one-line message: control characters and
/// line separators escaped, and at most 40 characters kept.
pub(crate) fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_kind_of_non_finite_number() {
        assert_eq!(not_finite_reason("NaN"), "NaN is not allowed");
        assert_eq!(not_finite_reason("-nan"), "NaN is not allowed");
        assert_eq!(not_finite_reason("inf"), "inf is not allowed");
        assert_eq!(not_finite_reason("+Infinity"), "inf is not allowed");
        assert_eq!(not_finite_reason("-inf"), "-inf is not allowed");
        assert!(not_finite_reason("1e309").starts_with("'1e309' is too large"));
        assert!(not_finite_reason("-1e309").starts_with("'-1e309' is too large"));
    }

    #[test]
    fn shown_escapes_line_breaks_and_shortens() {
        assert_eq!(shown("a\nb\r\u{2028}"), "a\\nb\\r\\u{2028}");
        assert_eq!(shown(&"x".repeat(50)), format!("{}...", "x".repeat(40)));
        assert_eq!(shown("Iris-setosa"), "Iris-setosa");
    }
}
