//! From bytes to rows of trimmed text fields, with the checks every data file
//! gets whatever it holds: UTF-8, not empty, no header, the same number of
//! fields on every row. Numbers are parsed here too, finite or refused.

use std::path::Path;

use csv::{ByteRecord, Position, ReaderBuilder};

use crate::error::{DataError, shown};

/// The non-blank rows of a data file: at least one, all of the same width.
/// The fields' text, trimmed, is stored end to end in one string.
pub(crate) struct Table {
    /// Fields per row (at least 1).
    width: usize,
    /// The 1-based line where each row starts.
    lines: Vec<u64>,
    /// Every field's text, row after row.
    text: String,
    /// Where each field ends in `text`; field k spans `ends[k - 1]..ends[k]`.
    ends: Vec<usize>,
}

impl Table {
    /// Fields per row (at least 1).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows (at least 1).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The 1-based line where a row starts.
    pub fn line(&self, row: usize) -> u64 {
        self.lines[row]
    }

    /// The trimmed text of a field (both indices 0-based).
    pub fn field(&self, row: usize, column: usize) -> &str {
        self.nth_field(row * self.width + column)
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
/// file, bytes that are not UTF-8, a header line and rows of unequal length.
pub(crate) fn parse_table(bytes: &[u8], file: &str) -> Result<Table, DataError> {
    const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    if bytes.is_empty() {
        return Err(DataError::Empty { file: file.to_string() });
    }
    // `flexible`: rows of any length come through, so that a wrong length is
    // reported here with its line and the lengths, not as the reader's error.
    // Fields are trimmed here, after decoding (the reader's `Trim::All` would
    // copy every record, and trims only ASCII spaces).
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    let mut lines = LineCounter::new(bytes);
    let mut table = Table {
        width: 0,
        lines: Vec::new(),
        text: String::new(),
        ends: Vec::new(),
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
        for (index, field) in record.iter().enumerate() {
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
        let fields = record.len();
        if fields == 1 && table.nth_field(first_field).is_empty() {
            table.ends.pop();
            continue;
        }
        if table.lines.is_empty() {
            let is_word = |k| {
                let text = table.nth_field(k);
                !text.is_empty() && !is_number(text)
            };
            if (0..fields).all(is_word) {
                return Err(DataError::HeaderLine {
                    file: file.to_string(),
                    first_field: shown(table.nth_field(0)),
                });
            }
            table.width = fields;
        } else if fields != table.width {
            return Err(DataError::FieldCount {
                file: file.to_string(),
                line,
                expected: table.width,
                found: fields,
                first_line: table.lines[0],
            });
        }
        table.lines.push(line);
    }
    if table.lines.is_empty() {
        return Err(DataError::OnlyBlankLines { file: file.to_string() });
    }
    Ok(table)
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

/// Whether the text parses as an `f64` (finite or not).
pub(crate) fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok()
}

/// Parses a field that must hold a finite number; `line` and `field` (both
/// 1-based) say where it is, for the error.
pub(crate) fn parse_number(text: &str, file: &str, line: u64, field: usize) -> Result<f64, DataError> {
    let file = file.to_string();
    if text.is_empty() {
        return Err(DataError::EmptyNumber { file, line, field });
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(DataError::NotFinite {
            file,
            line,
            field,
            value: shown(text),
        }),
        Err(_) => Err(DataError::NotANumber {
            file,
            line,
            field,
            value: shown(text),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_fields(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
        let table = parse_table(bytes, "t.csv").unwrap_or_else(|error| panic!("{error}"));
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
    fn io_reasons_lose_the_os_error_number() {
        let error = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&error), "No such file or directory");
    }

    #[test]
    fn numbers_are_finite_or_refused_with_their_place() {
        assert_eq!(parse_number("-0.5e1", "f", 3, 2), Ok(-5.0));
        assert_eq!(parse_number("1e-400", "f", 3, 2), Ok(0.0));
        let message = |text: &str| parse_number(text, "f", 3, 2).unwrap_err().to_string();
        assert_eq!(message(""), "f, line 3, field 2: the field is empty, expected a number");
        assert_eq!(message("1,5"), "f, line 3, field 2: '1,5' is not a number");
        assert_eq!(message("nan"), "f, line 3, field 2: NaN is not allowed");
        assert_eq!(message("-inf"), "f, line 3, field 2: -inf is not allowed");
        assert!(message("1e309").starts_with("f, line 3, field 2: '1e309' is too large"));
    }
}
