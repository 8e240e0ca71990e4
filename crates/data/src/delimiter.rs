//! Which delimiter a file uses, when the caller does not say: comma, tab or
//! semicolon, judged on the first rows, or else runs of spaces; and how a
//! record read at the space becomes its fields.

use csv::{ByteRecord, ReaderBuilder};

use crate::layout::Delimiter;
use crate::number::{has_decimal_comma, is_number};

/// Rows read to judge a delimiter (blank lines included).
const SAMPLE_ROWS: usize = 100;

/// The delimiters weighed against each other, in the order preferred on a
/// tie. The space is not among them: names hold spaces and fields are
/// padded with them, so it is the delimiter only when none of these splits
/// the rows.
const MARKS: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Tab, Delimiter::Semicolon];

/// The delimiter that splits the first [`SAMPLE_ROWS`] rows into the most
/// plausible fields: rows of the first row's width (at least 2 fields) count
/// their fields that read as numbers (with a decimal comma, unless the
/// delimiter is the comma), names without another delimiter inside, or
/// nothing. The earlier of [`MARKS`] wins a tie. When none of them splits
/// the rows, the space does if it splits every row into the same number of
/// fields, 2 or more (a one-column file under a header `sepal length` is no
/// space-separated file); a file that nothing splits is comma-separated.
///
/// A semicolon file with decimal commas, `5,1;3,5;Iris-setosa`, is
/// semicolon-separated: split at the commas its fields hold semicolons.
pub(crate) fn detect_delimiter(bytes: &[u8]) -> Delimiter {
    let mut best = (Delimiter::Comma, 0);
    for delimiter in MARKS {
        let split = split_at(bytes, delimiter);
        if split.plausible > best.1 {
            best = (delimiter, split.plausible);
        }
    }
    let space = || split_at(bytes, Delimiter::Space);
    if best.1 == 0 && space().is_even_and_plausible() {
        return Delimiter::Space;
    }
    best.0
}

/// The fields of a record the `csv` reader split at `delimiter`. At the
/// space, the reader makes an empty field of every space after the first in
/// a run and of spaces at either end of the line; dropping the empty fields
/// makes a run of spaces one delimiter. (The reader's own `Trim` trims
/// fields and cannot merge delimiters; rewriting the bytes first would have
/// to know about quotes, which the reader already does.)
pub(crate) fn fields_of(record: &ByteRecord, delimiter: Delimiter) -> impl Iterator<Item = &[u8]> {
    let keep_empty = delimiter != Delimiter::Space;
    record.iter().filter(move |field| keep_empty || !field.is_empty())
}

/// What splitting the sampled rows at a delimiter gives.
struct SampleSplit {
    /// The plausible fields of [`detect_delimiter`].
    plausible: usize,
    /// Whether every non-blank row has the first row's width.
    even: bool,
}

impl SampleSplit {
    fn is_even_and_plausible(&self) -> bool {
        self.even && self.plausible > 0
    }
}

/// How the first [`SAMPLE_ROWS`] rows split at `delimiter`.
fn split_at(bytes: &[u8], delimiter: Delimiter) -> SampleSplit {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(bytes);
    let mut split = SampleSplit {
        plausible: 0,
        even: true,
    };
    let mut width = None;
    for record in reader.byte_records().take(SAMPLE_ROWS) {
        let Ok(record) = record else { break };
        let row: Vec<String> = fields_of(&record, delimiter)
            .map(|field| String::from_utf8_lossy(field).trim().to_string())
            .collect();
        if row.is_empty() || (row.len() == 1 && row[0].is_empty()) {
            continue;
        }
        let width = *width.get_or_insert(row.len());
        if width < 2 {
            return SampleSplit {
                plausible: 0,
                even: true,
            };
        }
        if row.len() == width {
            split.plausible += row.iter().filter(|field| is_plausible(field, delimiter)).count();
        } else {
            split.even = false;
        }
    }
    split
}

/// Whether a field split at `delimiter` reads as a number, a name without
/// another delimiter than the space in it, or nothing.
fn is_plausible(text: &str, delimiter: Delimiter) -> bool {
    text.is_empty()
        || is_number(text)
        || (delimiter != Delimiter::Comma && has_decimal_comma(text))
        || !text.contains(|c: char| MARKS.iter().any(|other| other.char() == c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Delimiter {
        detect_delimiter(text.as_bytes())
    }

    #[test]
    fn each_delimiter_is_found_and_a_single_column_is_comma_separated() {
        assert_eq!(detect("5.1,3.5,a\n4.9,3.0,b\n"), Delimiter::Comma);
        assert_eq!(detect("5.1\t3.5\ta\n4.9\t3.0\tb\n"), Delimiter::Tab);
        assert_eq!(detect("5.1;3.5;a\n4.9;3.0;b\n"), Delimiter::Semicolon);
        assert_eq!(detect("5,1;3,5;a\n4,9;3,0;b\n"), Delimiter::Semicolon);
        assert_eq!(detect("5.1 3.5 a\n4.9 3.0 b\n"), Delimiter::Space);
        assert_eq!(detect("1\n2\n3\n"), Delimiter::Comma);
        assert_eq!(detect(""), Delimiter::Comma);
    }

    #[test]
    fn a_tab_around_a_field_or_a_semicolon_in_a_name_does_not_win() {
        // A tab beside a comma-separated field (as in the corpus's surrounding_spaces.csv).
        assert_eq!(detect("5.1,\t3.5,a\n4.9,3.0,b\n"), Delimiter::Comma);
        assert_eq!(detect("1,2,a;b\n3,4,c;d\n"), Delimiter::Comma);
        // A ragged row does not outvote the others.
        assert_eq!(detect("1\t2\t3\n4\t5\n6\t7\t8\n"), Delimiter::Tab);
    }

    #[test]
    fn spaces_split_only_what_nothing_else_splits_and_evenly() {
        // numpy.savetxt's default, and columns aligned with runs of spaces.
        assert_eq!(detect("5.000e+00 3.500e+00\n4.900e+00 3.000e+00\n"), Delimiter::Space);
        assert_eq!(detect("  5.1   3.5  a\n 10.2  3.0  b\n"), Delimiter::Space);
        // Names with spaces, and spaces padding fields, in files that commas split.
        assert_eq!(
            detect("5.1, 3.5, Iris setosa\n4.9, 3.0, Iris virginica\n"),
            Delimiter::Comma
        );
        assert_eq!(
            detect("New York,Los Angeles,5\nSan Jose,Las Vegas,6\n"),
            Delimiter::Comma
        );
        // One column under a header of two words: not split at all.
        assert_eq!(detect("sepal length\n5.1\n4.9\n"), Delimiter::Comma);
    }

    #[test]
    fn at_the_space_a_run_of_spaces_is_one_delimiter_and_quotes_hold() {
        let split = |text: &str| -> Vec<Vec<String>> {
            let mut reader = ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(b' ')
                .from_reader(text.as_bytes());
            let records = reader.byte_records().map(Result::unwrap);
            let text = |field: &[u8]| String::from_utf8(field.to_vec()).unwrap();
            records
                .map(|record| fields_of(&record, Delimiter::Space).map(text).collect())
                .collect()
        };
        assert_eq!(
            split("  1   2 \"a b\"  \n3 4 c\n"),
            [["1", "2", "a b"], ["3", "4", "c"]]
        );
    }
}
