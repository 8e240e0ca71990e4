//! Which delimiter a file uses, when the caller does not say: comma, tab or
//! semicolon, judged on the first rows.

use csv::ReaderBuilder;

use crate::layout::Delimiter;
use crate::number::{has_decimal_comma, is_number};

/// Rows read to judge a delimiter (blank lines included).
const SAMPLE_ROWS: usize = 100;

/// The delimiter that splits the first [`SAMPLE_ROWS`] rows into the most
/// plausible fields: rows of the first row's width (at least 2 fields) count
/// their fields that read as numbers (with a decimal comma, unless the
/// delimiter is the comma), names without another delimiter inside, or
/// nothing. The earlier of [`Delimiter::ALL`] wins a tie, so a file that no
/// delimiter splits (one column) is comma-separated.
///
/// A semicolon file with decimal commas, `5,1;3,5;Iris-setosa`, is
/// semicolon-separated: split at the commas its fields hold semicolons.
pub(crate) fn detect_delimiter(bytes: &[u8]) -> Delimiter {
    let mut best = (Delimiter::Comma, 0);
    for delimiter in Delimiter::ALL {
        let score = plausible_fields(bytes, delimiter);
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

/// The plausible fields of [`detect_delimiter`] when splitting at `delimiter`.
fn plausible_fields(bytes: &[u8], delimiter: Delimiter) -> usize {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter.byte())
        .from_reader(bytes);
    let mut width = None;
    let mut count = 0;
    for record in reader.byte_records().take(SAMPLE_ROWS) {
        let Ok(record) = record else { break };
        if record.len() == 1 && record[0].trim_ascii().is_empty() {
            continue;
        }
        let width = *width.get_or_insert(record.len());
        if width < 2 {
            return 0;
        }
        if record.len() == width {
            count += record
                .iter()
                .filter(|field| is_plausible(&String::from_utf8_lossy(field), delimiter))
                .count();
        }
    }
    count
}

/// Whether a field split at `delimiter` reads as a number, a name without
/// another delimiter in it, or nothing.
fn is_plausible(field: &str, delimiter: Delimiter) -> bool {
    let text = field.trim();
    text.is_empty()
        || is_number(text)
        || (delimiter != Delimiter::Comma && has_decimal_comma(text))
        || !text.contains(|c: char| Delimiter::ALL.iter().any(|other| other.char() == c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_delimiter_is_found_and_a_single_column_is_comma_separated() {
        let detect = |text: &str| detect_delimiter(text.as_bytes());
        assert_eq!(detect("5.1,3.5,a\n4.9,3.0,b\n"), Delimiter::Comma);
        assert_eq!(detect("5.1\t3.5\ta\n4.9\t3.0\tb\n"), Delimiter::Tab);
        assert_eq!(detect("5.1;3.5;a\n4.9;3.0;b\n"), Delimiter::Semicolon);
        assert_eq!(detect("5,1;3,5;a\n4,9;3,0;b\n"), Delimiter::Semicolon);
        assert_eq!(detect("1\n2\n3\n"), Delimiter::Comma);
        assert_eq!(detect(""), Delimiter::Comma);
    }

    #[test]
    fn a_tab_around_a_field_or_a_semicolon_in_a_name_does_not_win() {
        let detect = |text: &str| detect_delimiter(text.as_bytes());
        // A tab beside a comma-separated field (as in the corpus's surrounding_spaces.csv).
        assert_eq!(detect("5.1,\t3.5,a\n4.9,3.0,b\n"), Delimiter::Comma);
        assert_eq!(detect("1,2,a;b\n3,4,c;d\n"), Delimiter::Comma);
        // A ragged row does not outvote the others.
        assert_eq!(detect("1\t2\t3\n4\t5\n6\t7\t8\n"), Delimiter::Tab);
    }
}
