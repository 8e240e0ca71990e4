//! Whether a first row looks like a header by itself: a row of names, a row
//! of the column numbers 0, 1, 2, ..., or pandas' header over an index
//! column (an empty first field, then names or column numbers). A header
//! that only the label column gives away is judged in `labels.rs`.

use crate::error::{HeaderSign, shown};
use crate::number::{has_decimal_comma, is_number};

/// Fewest fields a row of column numbers needs to count as a header by
/// itself: a first row `0,1` of two integer columns is too likely to be data.
const FEWEST_COLUMN_NUMBERS: usize = 3;

/// Why this first row looks like a header by itself, if it does.
pub(crate) fn header_sign(fields: &[&str]) -> Option<HeaderSign> {
    if are_names(fields) {
        Some(HeaderSign::Names {
            first_field: shown(fields[0]),
        })
    } else if fields.len() >= FEWEST_COLUMN_NUMBERS && are_column_numbers(fields) {
        Some(HeaderSign::ColumnNumbers { last: fields.len() - 1 })
    } else {
        None
    }
}

/// Whether the row is the header pandas writes over its index column: an
/// empty first field, then names or the column numbers.
pub(crate) fn is_index_header(fields: &[&str]) -> bool {
    match fields {
        [first, rest @ ..] if first.is_empty() && !rest.is_empty() => are_names(rest) || are_column_numbers(rest),
        _ => false,
    }
}

/// Whether every field is a name: not empty, and not a number (with a
/// decimal point or a decimal comma).
fn are_names(fields: &[&str]) -> bool {
    fields
        .iter()
        .all(|text| !text.is_empty() && !is_number(text) && !has_decimal_comma(text))
}

/// Whether field k is the number k, for every k.
fn are_column_numbers(fields: &[&str]) -> bool {
    fields
        .iter()
        .enumerate()
        .all(|(k, text)| text.parse::<usize>() == Ok(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(row: &str) -> Option<String> {
        header_sign(&row.split(',').collect::<Vec<_>>()).map(|sign| sign.to_string())
    }

    #[test]
    fn names_and_column_numbers_look_like_headers() {
        assert_eq!(sign("a,b,species").as_deref(), Some("'a' is not a number"));
        assert_eq!(
            sign("0,1,2,3").as_deref(),
            Some("its fields are the column numbers 0 to 3")
        );
        // Data, or too short to tell.
        for row in ["0,1", "0,1,3", "1,2,3", "a,1,b", "5.1,3.5,Iris-setosa", "0,1,2,a", ""] {
            assert_eq!(sign(row), None, "{row}");
        }
        // Numbers with decimal commas (split at semicolons) are not names.
        let sign = |row: &str| header_sign(&row.split(';').collect::<Vec<_>>());
        for row in ["5,1;3,5", "5,1;a"] {
            assert_eq!(sign(row), None, "{row}");
        }
    }

    #[test]
    fn an_empty_first_field_over_names_or_numbers_is_an_index_header() {
        let index_header = |row: &str| is_index_header(&row.split(',').collect::<Vec<_>>());
        assert!(index_header(",a,b"));
        assert!(index_header(",0,1,2"));
        assert!(index_header(",0"));
        for row in [",", "a,b", ",1,2", ",a,1", "0,a,b"] {
            assert!(!index_header(row), "{row}");
        }
    }
}
