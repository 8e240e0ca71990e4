//! The parsers on hostile input: random bytes, random CSV-like tables, and
//! random mutations of the real iris and wine files (byte flips, deletions,
//! insertions, duplicated lines, truncation). Each of the three tests runs
//! 10,000 cases. Whatever the input, the result is a well-formed data set or
//! an error whose message is one non-empty line; never a panic (proptest
//! reports a panic as a failure, with the shrunk input).

use data::{Columns, DataError, LabelColumn, parse_labelled, parse_matrix};
use proptest::prelude::*;
use proptest::sample::{Index, select};

const IRIS: &[u8] = include_bytes!("../../../datasets/iris.data");
const WINE: &[u8] = include_bytes!("../../../datasets/wine.data");
const CASES: u32 = 10_000;

/// Runs the loaders on the bytes as the bins do (label column detected;
/// feature matrix) and, with `every_variant`, also with the label column
/// given and for the whole matrix; checks each outcome.
fn check_parsers(bytes: &[u8], every_variant: bool) -> Result<(), TestCaseError> {
    let labels: &[Option<LabelColumn>] = if every_variant {
        &[None, Some(LabelColumn::First)]
    } else {
        &[None]
    };
    for &label in labels {
        match parse_labelled(bytes, "fuzz.csv", label) {
            Ok(set) => {
                prop_assert!(!set.is_empty());
                prop_assert_eq!(set.features.nrows(), set.labels.len());
                prop_assert!(set.num_classes() >= 2);
                prop_assert!(set.labels.iter().all(|&label| label < set.num_classes()));
                prop_assert!(set.features.iter().all(|x| x.is_finite()));
            }
            Err(error) => check_message(&error)?,
        }
    }
    let columns: &[Columns] = if every_variant {
        &[Columns::Features, Columns::All]
    } else {
        &[Columns::Features]
    };
    for columns in columns {
        match parse_matrix(bytes, "fuzz.csv", columns) {
            Ok(matrix) => {
                prop_assert!(matrix.nrows() >= 1 && matrix.ncols() >= 1);
                prop_assert!(matrix.iter().all(|x| x.is_finite()));
            }
            Err(error) => check_message(&error)?,
        }
    }
    Ok(())
}

/// One non-empty line: no line break of any kind, no other control character.
fn check_message(error: &DataError) -> Result<(), TestCaseError> {
    let message = error.to_string();
    prop_assert!(!message.trim().is_empty());
    prop_assert!(
        !message
            .chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
        "not one line: {:?}",
        message
    );
    Ok(())
}

/// Bytes that matter to a CSV number parser, to reach past the first check.
const CSV_ALPHABET: &[u8] = b"0123456789.,-+eE \t\r\n\"naifNAIsx\xEF\xBB\xBF\xFF\xC3";

/// Fragments worth inserting: separators, line ends, non-finite numbers, bad UTF-8.
const FRAGMENTS: &[&[u8]] = &[
    b",",
    b",,",
    b"\n",
    b"\n\n",
    b"\r\n",
    b"\r",
    b"\"",
    b" ",
    b"\t",
    b"NaN",
    b"inf",
    b"-inf",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\xC3",
    b"\xE2\x80\xA8",
    b"Iris-setosa",
    b"sepal_length,",
    b"99999999999999999999999",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// XOR a byte with a non-zero mask.
    Flip(Index, u8),
    /// Remove up to this many bytes.
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    /// Insert a copy of the line holding this position after it.
    DuplicateLine(Index),
    /// Keep only the bytes before this position.
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let insertion = prop_oneof![
        select(FRAGMENTS).prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        3 => (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        2 => (any::<Index>(), 1usize..32).prop_map(|(at, count)| Mutation::Delete(at, count)),
        3 => (any::<Index>(), insertion).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    // Positions index 0..=len, so that an empty file can still grow.
    let position = |at: &Index, len: usize| at.index(len + 1);
    match mutation {
        Mutation::Flip(at, mask) if !bytes.is_empty() => {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        Mutation::Flip(..) => {}
        Mutation::Delete(at, count) => {
            let start = position(at, bytes.len());
            let end = (start + count).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert(at, inserted) => {
            let i = position(at, bytes.len());
            bytes.splice(i..i, inserted.iter().copied());
        }
        Mutation::DuplicateLine(at) => {
            let i = position(at, bytes.len());
            let start = bytes[..i].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let end = bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| i + p + 1);
            let line = bytes[start..end].to_vec();
            bytes.splice(end..end, line);
        }
        Mutation::Truncate(at) => {
            let i = position(at, bytes.len());
            bytes.truncate(i);
        }
    }
}

/// Rows of 1 to 6 tokens that look like data: numbers, names, oddities.
fn csv_like_table() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => (-100i32..100).prop_map(|n| n.to_string()),
        4 => (-1e3f64..1e3).prop_map(|x| x.to_string()),
        2 => select(&["a", "b", "c", "Iris-setosa", "1", "2", "10"][..]).prop_map(str::to_string),
        1 => select(&["", " ", "nan", "inf", "1e309", "\"x\"", "\"1\n2\"", "\u{feff}3", "é"][..]).prop_map(str::to_string),
    ];
    let row = prop::collection::vec(token, 1..6).prop_map(|tokens| tokens.join(","));
    (prop::collection::vec(row, 0..20), select(&["\n", "\r\n"][..])).prop_map(|(rows, end)| {
        rows.iter()
            .map(|row| format!("{row}{end}"))
            .collect::<String>()
            .into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn random_bytes_never_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            prop::collection::vec(select(CSV_ALPHABET), 0..300),
        ]
    ) {
        check_parsers(&bytes, true)?;
    }

    #[test]
    fn random_tables_never_panic(bytes in csv_like_table()) {
        check_parsers(&bytes, true)?;
    }

    #[test]
    fn mutated_real_files_never_panic(
        wine in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = if wine { WINE.to_vec() } else { IRIS.to_vec() };
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        check_parsers(&bytes, false)?;
    }
}

#[test]
fn the_unmutated_files_load() {
    assert_eq!(parse_labelled(IRIS, "iris.data", None).unwrap().len(), 150);
    assert_eq!(parse_labelled(WINE, "wine.data", None).unwrap().len(), 178);
}
