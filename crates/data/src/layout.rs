//! How a file is laid out: what a caller can declare (a header, the
//! delimiter, an index column to drop, the label column) and what the reader
//! found. Plain types, with no dependency on the rest of the crate.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

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

    /// `first` or `last`, as the flag `--label-column` takes it.
    pub fn name(self) -> &'static str {
        match self {
            LabelColumn::First => "first",
            LabelColumn::Last => "last",
        }
    }
}

impl fmt::Display for LabelColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `first` or `last`.
impl FromStr for LabelColumn {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "first" => Ok(LabelColumn::First),
            "last" => Ok(LabelColumn::Last),
            _ => Err(UnknownName::new("label column", text, "'first' or 'last'")),
        }
    }
}

/// Whether the first non-blank line of a file is a header (column names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// It is: skip it (its fields are kept as the column names).
    Present,
    /// It is not: it is the first row of data, whatever it holds.
    Absent,
}

/// The character between fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// A tab character.
    Tab,
    /// `;`, as spreadsheets write CSV where the comma is the decimal mark.
    Semicolon,
    /// One or more spaces, as `numpy.savetxt` writes by default (and as
    /// columns aligned with spaces are); spaces at either end of a line
    /// separate nothing, so no field is empty unless quoted.
    Space,
}

impl Delimiter {
    /// Every delimiter the reader knows, in the order detection prefers them
    /// on a tie (the space only when none of the others splits the rows).
    pub const ALL: [Delimiter; 4] = [Delimiter::Comma, Delimiter::Tab, Delimiter::Semicolon, Delimiter::Space];

    /// The delimiter as a character.
    pub fn char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Tab => '\t',
            Delimiter::Semicolon => ';',
            Delimiter::Space => ' ',
        }
    }

    /// The delimiter as the byte the CSV reader splits on.
    pub(crate) fn byte(self) -> u8 {
        self.char() as u8
    }
}

/// `comma`, `tab`, `semicolon` or `space`.
impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delimiter::Comma => "comma",
            Delimiter::Tab => "tab",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Space => "space",
        })
    }
}

/// Parses a delimiter by its name or as itself: `comma` or `,`; `tab`, `\t`
/// (backslash and t, as a shell passes it) or a tab character; `semicolon` or
/// `;`; `space` or ` `.
impl FromStr for Delimiter {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "comma" | "," => Ok(Delimiter::Comma),
            "tab" | "\\t" | "\t" => Ok(Delimiter::Tab),
            "semicolon" | ";" => Ok(Delimiter::Semicolon),
            "space" | " " => Ok(Delimiter::Space),
            _ => Err(UnknownName::new(
                "delimiter",
                text,
                "comma (,), tab, semicolon (;) or space",
            )),
        }
    }
}

/// Text that should name one of a few choices names none of them.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("unknown {what} '{given}': expected {expected}")]
pub struct UnknownName {
    /// What was being named, e.g. "label column".
    pub what: &'static str,
    /// The text given (control characters escaped).
    pub given: String,
    /// The names accepted, in words.
    pub expected: &'static str,
}

impl UnknownName {
    fn new(what: &'static str, given: &str, expected: &'static str) -> Self {
        UnknownName {
            what,
            given: given.escape_default().to_string(),
            expected,
        }
    }
}

/// What the caller declares about a file's layout. The default detects
/// everything and refuses to guess: a first line that looks like a header is
/// an error until [`ReadOptions::header`] says which it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Whether the first line is a header; `None` judges it: a line of names,
    /// or of the column numbers 0, 1, 2, ... (3 or more), or whose label is
    /// not a whole number within the range of the other rows' whole-number
    /// labels, or (read as a matrix) with a name where every later row holds
    /// numbers, is refused as an undeclared header; any other line is data.
    pub header: Option<Header>,
    /// The delimiter; `None` detects comma, tab or semicolon from the first
    /// 100 rows (the one that splits them into equal rows of the most fields
    /// that read as numbers or names; comma on a tie), or the space when none
    /// of them splits the rows and spaces split every row alike; comma when
    /// nothing does.
    pub delimiter: Option<Delimiter>,
    /// Drop the first column, a row index (as pandas writes by default) and
    /// not data. A first line whose index field is empty is then the header
    /// unless [`ReadOptions::header`] says there is none.
    pub drop_index_column: bool,
}

/// What the reader used: the delimiter, the header it skipped, the index
/// column it dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The delimiter, declared or detected.
    pub delimiter: Delimiter,
    /// The header, if the file had one.
    pub header: Option<ColumnNames>,
    /// Whether the first column was dropped as a row index.
    pub index_column_dropped: bool,
}

/// `comma-separated`, then `, a header on line 1` and `, the index column
/// dropped` when they apply.
impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-separated", self.delimiter)?;
        if let Some(header) = &self.header {
            write!(f, ", a header on line {}", header.line)?;
        }
        if self.index_column_dropped {
            f.write_str(", the index column dropped")?;
        }
        Ok(())
    }
}

/// A header: the line it is on and its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnNames {
    /// The 1-based line.
    pub line: u64,
    /// The names, trimmed, one per column read (a dropped index column's
    /// field is not among them).
    pub names: Vec<String>,
}

/// Data read from a file, and how the file was laid out.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    /// The data.
    pub data: T,
    /// How the file was read.
    pub layout: Layout,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_say_what_is_expected() {
        for column in [LabelColumn::First, LabelColumn::Last] {
            assert_eq!(column.to_string().parse::<LabelColumn>(), Ok(column));
        }
        assert_eq!(
            "middle".parse::<LabelColumn>().unwrap_err().to_string(),
            "unknown label column 'middle': expected 'first' or 'last'"
        );
        for delimiter in Delimiter::ALL {
            assert_eq!(delimiter.to_string().parse::<Delimiter>(), Ok(delimiter));
            assert_eq!(delimiter.char().to_string().parse::<Delimiter>(), Ok(delimiter));
        }
        assert_eq!("\\t".parse::<Delimiter>(), Ok(Delimiter::Tab));
        assert_eq!(
            "|\n".parse::<Delimiter>().unwrap_err().to_string(),
            "unknown delimiter '|\\n': expected comma (,), tab, semicolon (;) or space"
        );
    }

    #[test]
    fn a_layout_says_what_was_used() {
        let mut layout = Layout {
            delimiter: Delimiter::Tab,
            header: None,
            index_column_dropped: false,
        };
        assert_eq!(layout.to_string(), "tab-separated");
        layout.header = Some(ColumnNames {
            line: 2,
            names: vec!["a".into()],
        });
        layout.index_column_dropped = true;
        assert_eq!(
            layout.to_string(),
            "tab-separated, a header on line 2, the index column dropped"
        );
    }
}
