//! What can go wrong reading a data set or splitting it: one error enum, each
//! message one line naming the file, the 1-based line and the 1-based field.
//! Where the caller could resolve the problem by declaring something (a
//! header, the delimiter, an index column, the label column),
//! [`DataError::choices`] lists what; the messages name no program's flags,
//! so that each program can phrase its own hint.

use std::fmt;

use thiserror::Error;

use crate::layout::{Delimiter, Header, LabelColumn, MAX_CLASSES};

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
    /// The first line looks like a header, and the caller did not say whether
    /// the file has one.
    #[error("{file}, line {line} looks like a header: {sign}; {}", declare_header(.sign))]
    UndeclaredHeader {
        /// The path.
        file: String,
        /// 1-based line of the first row.
        line: u64,
        /// What makes it look like one.
        sign: HeaderSign,
    },
    /// The first line is a header whose first field is empty: the header
    /// pandas writes over its index column (the row numbers), which is not data.
    #[error(
        "{file}, line {line} looks like a header over an index column, as pandas writes by default: \
         its first field is empty; drop the index column"
    )]
    IndexColumn {
        /// The path.
        file: String,
        /// 1-based line of the header.
        line: u64,
    },
    /// The file has a header and no rows of data.
    #[error("{file}: no data after the header on line {line}")]
    NoDataRows {
        /// The path.
        file: String,
        /// 1-based line of the header.
        line: u64,
    },
    /// Rows of one field, an index column the caller asked to drop.
    #[error("{file}: rows have one field, the index column to drop; nothing is left to read")]
    OnlyIndexColumn {
        /// The path.
        file: String,
    },
    /// Rows of one field holding another delimiter than the one used.
    #[error(
        "{file}, line {line} is one field, '{text}', with {found}s in it: the file looks {found}-separated, not {used}-separated"
    )]
    WrongDelimiter {
        /// The path.
        file: String,
        /// 1-based line of the first row.
        line: u64,
        /// The row's one field (shortened, control characters escaped).
        text: String,
        /// The delimiter the file was read with.
        used: Delimiter,
        /// The delimiter the row holds.
        found: Delimiter,
    },
    /// A number written with a decimal comma, as spreadsheets write numbers
    /// in many languages (with semicolons between the fields).
    #[error("{file}, line {line}, field {field}: '{value}' has a decimal comma; numbers need a decimal point ({})", .value.replacen(',', ".", 1))]
    DecimalComma {
        /// The path.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based field.
        field: usize,
        /// The field as written.
        value: String,
        /// The delimiter the file was read with (a spreadsheet that writes
        /// decimal commas puts semicolons between the fields).
        delimiter: Delimiter,
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
         holds only names, or only 2 to {MAX_CLASSES} distinct integers); name the label column, first or last"
    )]
    NoLabelColumn {
        /// The path.
        file: String,
    },
    /// A labelled data set of one row: too few to learn from, whatever its label.
    #[error("{file}: only {rows} row of data; a classifier needs two rows or more, of two classes or more")]
    TooFewRows {
        /// The path.
        file: String,
        /// Rows of data.
        rows: usize,
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

/// Why a first line looks like a header.
#[derive(Clone, Debug, PartialEq)]
pub enum HeaderSign {
    /// Its fields are names, not numbers.
    Names {
        /// The first field, as written (shortened, control characters escaped).
        first_field: String,
    },
    /// Its fields are the column numbers 0, 1, 2, ..., as pandas writes
    /// over an array whose columns have no names.
    ColumnNumbers {
        /// The last field's number: the columns are 0 to `last`.
        last: usize,
    },
    /// A field of a column read as numbers is a name, and every later row
    /// holds numbers in every column read: the header of a matrix read
    /// whole (`0,1,2,3,label` over integer labels that `factorise` keeps).
    NameOverNumbers {
        /// The 1-based field.
        field: usize,
        /// The field, as written (shortened, control characters escaped).
        name: String,
    },
    /// Its label is not a class of the other rows: a whole number outside
    /// the range of theirs, or not a whole number, where theirs all are.
    ForeignLabel {
        /// The label column.
        column: LabelColumn,
        /// The field, as written (shortened, control characters escaped).
        label: String,
        /// The smallest of the other rows' labels.
        low: f64,
        /// The largest of the other rows' labels.
        high: f64,
    },
    /// Its label is a name that no other row has, where theirs are names
    /// (`0,1,2,3,species` over iris).
    UnseenName {
        /// The label column.
        column: LabelColumn,
        /// The field, as written (shortened, control characters escaped).
        label: String,
        /// How many classes the other rows have.
        classes: usize,
    },
}

impl fmt::Display for HeaderSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderSign::Names { first_field } => write!(f, "'{first_field}' is not a number"),
            HeaderSign::ColumnNumbers { last } => write!(f, "its fields are the column numbers 0 to {last}"),
            HeaderSign::NameOverNumbers { field, name } => {
                write!(
                    f,
                    "its field {field}, '{name}', is a name where the other rows hold numbers"
                )
            }
            HeaderSign::ForeignLabel {
                column,
                label,
                low,
                high,
            } => write!(
                f,
                "its {column} field, '{label}', is not a class of the other rows (whole numbers from {low} to {high})"
            ),
            HeaderSign::UnseenName { column, label, classes } => write!(
                f,
                "its {column} field, '{label}', is not one of the {classes} classes of the other rows"
            ),
        }
    }
}

/// How the caller can settle a [`DataError::UndeclaredHeader`]: a line of
/// names, or with a name where numbers must be, can only be a header; a line
/// of numbers may be data.
fn declare_header(sign: &HeaderSign) -> &'static str {
    match sign {
        HeaderSign::Names { .. } | HeaderSign::NameOverNumbers { .. } => "declare a header to skip it",
        _ => "declare a header, or no header if it is data",
    }
}

/// Something a caller can declare that settles what the reader refused to
/// guess: each maps onto a field of [`crate::ReadOptions`] or onto the
/// label column a reader takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Declare that the file has a header, or has none ([`crate::ReadOptions::header`]).
    Header(Header),
    /// Read with this delimiter ([`crate::ReadOptions::delimiter`]).
    Delimiter(Delimiter),
    /// Drop the first column as a row index ([`crate::ReadOptions::drop_index_column`]).
    DropIndexColumn,
    /// Take this column for the class labels.
    LabelColumn(LabelColumn),
}

impl DataError {
    /// What the caller can declare to get past this error, most likely
    /// first; empty when no declaration helps (the file itself is wrong).
    /// A program turns these into a hint that names its own flags.
    pub fn choices(&self) -> Vec<Choice> {
        match self {
            DataError::UndeclaredHeader {
                sign: HeaderSign::Names { .. } | HeaderSign::NameOverNumbers { .. },
                ..
            } => vec![Choice::Header(Header::Present)],
            DataError::UndeclaredHeader { .. } => {
                vec![Choice::Header(Header::Present), Choice::Header(Header::Absent)]
            }
            DataError::IndexColumn { .. } => vec![Choice::DropIndexColumn],
            DataError::WrongDelimiter { found, .. } => vec![Choice::Delimiter(*found)],
            DataError::NoLabelColumn { .. } => vec![
                Choice::LabelColumn(LabelColumn::Last),
                Choice::LabelColumn(LabelColumn::First),
            ],
            _ => Vec::new(),
        }
    }

    /// What to do to the file itself when no declaration would help, in
    /// one line naming no program's flags: `the file is semicolon-separated
    /// with decimal commas (...): re-export it with decimal points`.
    pub fn advice(&self) -> Option<String> {
        match self {
            DataError::DecimalComma { delimiter, .. } => Some(format!(
                "the file is {delimiter}-separated with decimal commas (a European spreadsheet export): \
                 re-export it with decimal points"
            )),
            _ => None,
        }
    }
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
