//! From bytes to rows of trimmed text fields, with the checks every data file
//! gets whatever it holds: UTF-8, not empty, the same number of fields on
//! every row, and a first row that is data, or a header declared or
//! recognised. The delimiter is declared or detected; an index column may be
//! dropped.

use std::path::Path;

use csv::{ByteRecord, Position, ReaderBuilder};

use crate::delimiter::{detect_delimiter, fields_of};
use crate::error::{DataError, shown};
use crate::header::{header_sign, is_index_header};
use crate::layout::{ColumnNames, Delimiter, Header, Layout, ReadOptions};
use crate::number::{is_number, parse_number};

/// How [`parse_table`] reads a file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TableRules {
    /// The delimiter, or `None` to detect it.
    pub delimiter: Option<Delimiter>,
    /// How the first row is taken.
    pub first_row: FirstRow,
    /// Whether the first column is a row index, not read.
    pub drop_index_column: bool,
}

/// How [`parse_table`] takes the first row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FirstRow {
    /// As the caller declared.
    Declared(Header),
    /// Judged by its look: a row that looks like a header by itself is
    /// refused as undeclared; any other row is data, which the label column
    /// may still show to be a header ([`Table::first_row_judged`]).
    Judged,
}

impl From<ReadOptions> for TableRules {
    fn from(options: ReadOptions) -> Self {
        TableRules {
            delimiter: options.delimiter,
            first_row: options.header.map_or(FirstRow::Judged, FirstRow::Declared),
            drop_index_column: options.drop_index_column,
        }
    }
}

/// The non-blank rows of data of a file: at least one, all of the same
/// width. The fields' text, trimmed, is stored end to end in one string;
/// a dropped index column is stored too, and hidden from the methods.
pub(crate) struct Table {
    /// Fields per row in the file (at least 1).
    width: usize,
    /// Fields at the start of each row that are not read: 1 for a dropped index column.
    skipped: usize,
    /// The 1-based line of the first row, data or header.
    first_line: u64,
    /// The 1-based line where each row of data starts.
    lines: Vec<u64>,
    /// Every field's text, row after row.
    text: String,
    /// Where each field ends in `text`; field k spans `ends[k - 1]..ends[k]`.
    ends: Vec<usize>,
    /// The delimiter, header and index column.
    layout: Layout,
    /// Whether the first row of data was judged to be data, not declared so.
    first_row_judged: bool,
}

impl Table {
    /// Fields per row, not counting a dropped index column (at least 1).
    pub fn width(&self) -> usize {
        self.width - self.skipped
    }

    /// Rows of data (at least 1).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The 1-based line where a row starts.
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The trimmed text of a field (both indices 0-based, columns counted
    /// after a dropped index column).
    pub fn field(&self, row: usize, column: usize) -> &str {
        self.nth_field(row * self.width + self.skipped + column)
    }

    /// The finite number a field holds, or an error saying where it is and
    /// why it is none.
    pub fn number(&self, row: usize, column: usize, file: &str) -> Result<f64, DataError> {
        let (line, field) = (self.line(row), self.field_number(column));
        parse_number(self.field(row, column), file, line, field, self.layout.delimiter)
    }

    /// The 1-based number of a column's field in the file's rows, as an
    /// editor shows it (a dropped index column counts).
    pub fn field_number(&self, column: usize) -> usize {
        self.skipped + column + 1
    }

    /// The text of the k-th field stored, counting along the rows.
    fn nth_field(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.text[start..self.ends[k]]
    }

    /// The fields of one column, top to bottom.
    pub fn column(&self, column: usize) -> impl Iterator<Item = &str> {
        (0..self.len()).map(move |row| self.field(row, column))
    }

    /// Moves the first row read, on `line` and the only one stored, out of
    /// the rows and into the layout, as the header.
    fn set_aside_as_header(&mut self, line: u64) {
        let names = (self.skipped..self.ends.len()).map(|k| self.nth_field(k).to_string());
        self.layout.header = Some(ColumnNames {
            line,
            names: names.collect(),
        });
        self.text.clear();
        self.ends.clear();
    }

    /// How the file was read.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether the first row is data by judgement (no header declared),
    /// so that its label may still give it away as a header.
    pub fn first_row_judged(&self) -> bool {
        self.first_row_judged
    }
}

/// Reads a whole file, refusing a directory with its own message.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = path.display().to_string();
    if path.is_dir() {
        return Err(DataError::Directory { file });
    }
    std::fs::read(path).map_err(|error| DataError::Read {
        file,
        reason: io_reason(&error),
    })
}

/// The operating system's reason without its "(os error N)" suffix:
/// "No such file or directory".
fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// Splits CSV bytes into rows. Accepts a UTF-8 byte-order mark, CRLF or LF
/// endings, blank lines anywhere, and spaces around fields; refuses an empty
/// file, bytes that are not UTF-8, a first row the rules refuse and rows of
/// unequal length. Problems are reported in the order of the file.
pub(crate) fn parse_table(bytes: &[u8], file: &str, rules: TableRules) -> Result<Table, DataError> {
    const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    if bytes.is_empty() {
        return Err(DataError::Empty { file: file.to_string() });
    }
    let delimiter = rules.delimiter.unwrap_or_else(|| detect_delimiter(bytes));
    // `flexible`: rows of any length come through, so that a wrong length is
    // reported here with its line and the lengths, not as the reader's error.
    // Fields are trimmed here, after decoding (the reader's `Trim::All` would
    // copy every record, and trims only ASCII spaces).
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    let mut lines = LineCounter::new(bytes);
    let mut table = Table {
        width: 0,
        skipped: usize::from(rules.drop_index_column),
        first_line: 0,
        lines: Vec::new(),
        text: String::new(),
        ends: Vec::new(),
        layout: Layout {
            delimiter,
            header: None,
            index_column_dropped: rules.drop_index_column,
        },
        first_row_judged: false,
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                return Err(DataError::Csv {
                    file: file.to_string(),
                    message: shown(&error.to_string()),
                });
            }
        }
        let line = lines.line_of_record_after(record.position().map_or(0, Position::byte));
        let first_field = table.ends.len();
        for (index, field) in fields_of(&record, delimiter).enumerate() {
            let Ok(text) = std::str::from_utf8(field) else {
                return Err(DataError::NotUtf8 {
                    file: file.to_string(),
                    line,
                    field: index + 1,
                });
            };
            table.text.push_str(text.trim());
            table.ends.push(table.text.len());
        }
        let fields = table.ends.len() - first_field;
        if fields == 0 || (fields == 1 && table.nth_field(first_field).is_empty()) {
            table.ends.truncate(first_field);
            continue;
        }
        if table.width == 0 {
            if rules.drop_index_column && fields < 2 {
                return Err(DataError::OnlyIndexColumn { file: file.to_string() });
            }
            table.width = fields;
            table.first_line = line;
            // The first row is the only one stored so far: fields 0 to `fields`.
            let row: Vec<&str> = (0..fields).map(|k| table.nth_field(k)).collect();
            if is_header(&row, rules, delimiter, file, line)? {
                table.set_aside_as_header(line);
                continue;
            }
            table.first_row_judged = rules.first_row == FirstRow::Judged;
        } else if fields != table.width {
            return Err(DataError::FieldCount {
                file: file.to_string(),
                line,
                expected: table.width,
                found: fields,
                first_line: table.first_line,
            });
        }
        table.lines.push(line);
    }
    if table.lines.is_empty() {
        return Err(match &table.layout.header {
            Some(header) => DataError::NoDataRows {
                file: file.to_string(),
                line: header.line,
            },
            None => DataError::OnlyBlankLines { file: file.to_string() },
        });
    }
    Ok(table)
}

/// Whether the first row, on `line`, is a header under the rules; an error
/// if the rules refuse it (see [`FirstRow`]), or if it is one field holding
/// another delimiter than the one used.
fn is_header(row: &[&str], rules: TableRules, delimiter: Delimiter, file: &str, line: u64) -> Result<bool, DataError> {
    let file = file.to_string();
    if let [text] = row
        && let Some(found) = other_delimiter(text, delimiter)
    {
        return Err(DataError::WrongDelimiter {
            file,
            line,
            text: shown(text),
            used: delimiter,
            found,
        });
    }
    let empty_index_field = row.len() >= 2 && row[0].is_empty();
    match rules.first_row {
        FirstRow::Declared(Header::Absent) => Ok(false),
        FirstRow::Declared(Header::Present) if empty_index_field && !rules.drop_index_column => {
            Err(DataError::IndexColumn { file, line })
        }
        FirstRow::Declared(Header::Present) => Ok(true),
        // pandas' header: an index column's field is empty only there.
        _ if rules.drop_index_column && empty_index_field => Ok(true),
        _ if !rules.drop_index_column && is_index_header(row) => Err(DataError::IndexColumn { file, line }),
        _ => match header_sign(&row[usize::from(rules.drop_index_column)..]) {
            Some(sign) => Err(DataError::UndeclaredHeader { file, line, sign }),
            None => Ok(false),
        },
    }
}

/// The delimiter other than `used` that a lone field holds, if any: the
/// one detection picks on the field when it holds several (`5,1;3,5` is
/// semicolon-separated). Spaces count only between numbers (`5.1 3.5
/// setosa`, not `sepal length`): names hold spaces too.
fn other_delimiter(text: &str, used: Delimiter) -> Option<Delimiter> {
    let spaced_numbers = || text.split(' ').any(is_number);
    let held = |delimiter: &Delimiter| {
        *delimiter != used && text.contains(delimiter.char()) && (*delimiter != Delimiter::Space || spaced_numbers())
    };
    let detected = detect_delimiter(text.as_bytes());
    Some(detected)
        .filter(held)
        .or_else(|| Delimiter::ALL.into_iter().find(held))
}

/// Line numbers of records, counted from their byte offsets. (The `csv`
/// reader places a record where the previous one ended, before the line end
/// and any blank lines it skipped, so its own line count is off after CRLF
/// endings and blank lines.)
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Bytes before this offset have been counted...
    offset: usize,
    /// ...and hold this many line breaks.
    breaks: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            breaks: 0,
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not a
    /// line end: where a record that the reader places at `offset` starts.
    /// A line break is `\n`, `\r\n` or a lone `\r`. Offsets must not decrease.
    fn line_of_record_after(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let skipped = self.bytes[offset.min(self.bytes.len())..]
            .iter()
            .take_while(|&&byte| byte == b'\n' || byte == b'\r')
            .count();
        let start = offset.saturating_add(skipped).min(self.bytes.len());
        for i in self.offset..start {
            let byte = self.bytes[i];
            if byte == b'\n' || (byte == b'\r' && self.bytes.get(i + 1) != Some(&b'\n')) {
                self.breaks += 1;
            }
        }
        self.offset = self.offset.max(start);
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_fields(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
        let rules = TableRules::from(ReadOptions {
            header: Some(Header::Absent),
            delimiter: Some(Delimiter::Comma),
            drop_index_column: false,
        });
        let table = parse_table(bytes, "t.csv", rules).unwrap_or_else(|error| panic!("{error}"));
        (0..table.len())
            .map(|row| {
                let fields = (0..table.width()).map(|column| table.field(row, column).to_string());
                (table.line(row), fields.collect())
            })
            .collect()
    }

    #[test]
    fn blank_lines_are_skipped_and_still_counted() {
        let rows = lines_and_fields(b"\n1,2\n   \n\r\n3 , 4\n\n");
        assert_eq!(
            rows,
            [(2, vec!["1".into(), "2".into()]), (5, vec!["3".into(), "4".into()])]
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_accepted() {
        let rows = lines_and_fields(b"\xEF\xBB\xBF1,2\r\n3,4\r\n");
        assert_eq!(
            rows,
            [(1, vec!["1".into(), "2".into()]), (2, vec!["3".into(), "4".into()])]
        );
    }

    #[test]
    fn a_quoted_field_spanning_lines_is_one_field_and_the_next_row_keeps_its_line() {
        let rows = lines_and_fields(b"\"1\n\",2\n3,4\n");
        assert_eq!(rows[1].0, 3);
    }

    #[test]
    fn lone_carriage_returns_end_lines_too() {
        let rows = lines_and_fields(b"1,2\r\r3,4\r\n\r\n5,6");
        let lines: Vec<u64> = rows.iter().map(|row| row.0).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn a_lone_field_holding_another_delimiter_names_the_likely_one() {
        assert_eq!(other_delimiter("1\t2", Delimiter::Comma), Some(Delimiter::Tab));
        assert_eq!(other_delimiter("5,1;3,5;a", Delimiter::Tab), Some(Delimiter::Semicolon));
        assert_eq!(other_delimiter("5.1,3.5;a", Delimiter::Tab), Some(Delimiter::Comma));
        assert_eq!(other_delimiter("5.1", Delimiter::Comma), None);
        assert_eq!(other_delimiter("a,b", Delimiter::Comma), None);
        assert_eq!(other_delimiter("5.1 3.5 a", Delimiter::Comma), Some(Delimiter::Space));
        assert_eq!(other_delimiter("sepal length", Delimiter::Comma), None);
    }

    #[test]
    fn a_declared_header_is_kept_apart_and_an_index_column_hidden() {
        let rules = TableRules {
            delimiter: None,
            first_row: FirstRow::Declared(Header::Present),
            drop_index_column: true,
        };
        let table = parse_table(b"\n id ; a ; b\n7;1;2\n8;3;4\n", "t.csv", rules).unwrap();
        let header = table.layout().header.clone().unwrap();
        assert_eq!((header.line, header.names), (2, vec!["a".to_string(), "b".to_string()]));
        assert_eq!((table.len(), table.width(), table.line(0)), (2, 2, 3));
        assert_eq!(table.column(0).collect::<Vec<_>>(), ["1", "3"]);
        // Field numbers count the index column, as an editor shows the file.
        assert_eq!(table.field_number(0), 2);
        assert_eq!(table.layout().delimiter, Delimiter::Semicolon);
        assert!(!table.first_row_judged());
    }

    #[test]
    fn rows_of_another_width_than_a_header_are_counted_from_its_line() {
        let rules = TableRules::from(ReadOptions {
            header: Some(Header::Present),
            ..ReadOptions::default()
        });
        let error = parse_table(b"a,b\n1,2\n1,2,3\n", "t.csv", rules).err().unwrap();
        assert_eq!(
            error.to_string(),
            "t.csv, line 3: expected 2 fields (as on line 1), found 3"
        );
    }

    #[test]
    fn io_reasons_lose_the_os_error_number() {
        let error = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&error), "No such file or directory");
    }
}
