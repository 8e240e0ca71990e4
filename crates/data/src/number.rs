//! Fields that must hold numbers: finite `f64`s, or an error saying why not.

use crate::error::{DataError, shown};
use crate::layout::Delimiter;

/// Whether the text parses as an `f64` (finite or not).
pub(crate) fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok()
}

/// Whether the text is a number written with a decimal comma, `5,1` or
/// `-0,25e3`: digits on both sides of its one comma.
pub(crate) fn has_decimal_comma(text: &str) -> bool {
    let Some((whole, fraction)) = text.split_once(',') else {
        return false;
    };
    whole.ends_with(|c: char| c.is_ascii_digit())
        && fraction.starts_with(|c: char| c.is_ascii_digit())
        && !fraction.contains(',')
        && is_number(&format!("{whole}.{fraction}"))
}

/// Parses a field that must hold a finite number; `line` and `field` (both
/// 1-based) say where it is, and `delimiter` what split it, for the error.
pub(crate) fn parse_number(
    text: &str,
    file: &str,
    line: u64,
    field: usize,
    delimiter: Delimiter,
) -> Result<f64, DataError> {
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
        Err(_) if has_decimal_comma(text) => Err(DataError::DecimalComma {
            file,
            line,
            field,
            value: shown(text),
            delimiter,
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

    #[test]
    fn numbers_are_finite_or_refused_with_their_place() {
        assert_eq!(parse_number("-0.5e1", "f", 3, 2, Delimiter::Comma), Ok(-5.0));
        assert_eq!(parse_number("1e-400", "f", 3, 2, Delimiter::Comma), Ok(0.0));
        let message = |text: &str| {
            parse_number(text, "f", 3, 2, Delimiter::Semicolon)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(message(""), "f, line 3, field 2: the field is empty, expected a number");
        assert_eq!(message("1,,5"), "f, line 3, field 2: '1,,5' is not a number");
        assert_eq!(message("nan"), "f, line 3, field 2: NaN is not allowed");
        assert_eq!(message("-inf"), "f, line 3, field 2: -inf is not allowed");
        assert!(message("1e309").starts_with("f, line 3, field 2: '1e309' is too large"));
    }

    #[test]
    fn a_decimal_comma_is_named_and_shown_with_a_point() {
        let message = |text: &str| {
            parse_number(text, "f", 3, 2, Delimiter::Semicolon)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message("1,5"),
            "f, line 3, field 2: '1,5' has a decimal comma; numbers need a decimal point (1.5)"
        );
        assert_eq!(
            message("-0,25e3"),
            "f, line 3, field 2: '-0,25e3' has a decimal comma; numbers need a decimal point (-0.25e3)"
        );
        let error = parse_number("1,5", "f", 3, 2, Delimiter::Semicolon).unwrap_err();
        assert_eq!(
            error.advice().as_deref(),
            Some(
                "the file is semicolon-separated with decimal commas (a European spreadsheet export): \
                 re-export it with decimal points"
            )
        );
        assert_eq!(
            parse_number("1,,5", "f", 3, 2, Delimiter::Comma).unwrap_err().advice(),
            None
        );
        for text in ["1,5", "-0,25e3", "12,0"] {
            assert!(has_decimal_comma(text), "{text}");
        }
        for text in ["1.5", ",5", "5,", "1,2,3", "a,b", "1, 5", "1,5x"] {
            assert!(!has_decimal_comma(text), "{text}");
        }
    }
}
