//! The parsers on hostile input: random bytes, random CSV-like tables (comma,
//! tab, semicolon or space), and random mutations of the real iris and wine files
//! (byte flips, deletions, insertions, duplicated lines, truncation), each
//! through the readers with the default options and with random [`ReadOptions`].
//! Each of the three tests runs 10,000 cases. Whatever the input, the result
//! is a well-formed data set or an error whose message is one non-empty
//! line; never a panic (proptest reports a panic as a failure, with the
//! shrunk input).
//!
//! Then the declarations on well-formed tables: the delimiter detected is the
//! one written; a declared header, or a dropped index column under pandas'
//! header, reads as the rows alone do.

use data::{
    Columns, DataError, Delimiter, FeatureMatrix, Header, LabelColumn, Loaded, ReadOptions, parse_features_with,
    parse_labelled_with,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};

const IRIS: &[u8] = include_bytes!("../../../datasets/iris.data");
const WINE: &[u8] = include_bytes!("../../../datasets/wine.data");
const CASES: u32 = 10_000;

/// How a case reads its bytes with options: the declarations, the label
/// column for the labelled set, the columns for the matrix.
#[derive(Clone, Debug)]
struct Reading {
    options: ReadOptions,
    label: Option<LabelColumn>,
    columns: Columns,
}

/// Runs the loaders with options on the bytes as `reading` says, then
/// [`check_parsers`]; checks each outcome.
fn check_parsers_with(bytes: &[u8], reading: &Reading, every_variant: bool) -> Result<(), TestCaseError> {
    let options = reading.options;
    match parse_labelled_with(bytes, "fuzz.csv", options, reading.label) {
        Ok(loaded) => {
            let set = &loaded.data;
            prop_assert!(set.len() >= 2);
            prop_assert_eq!(set.features.nrows(), set.labels.len());
            prop_assert!(set.num_classes() >= 2);
            prop_assert!(set.labels.iter().all(|&label| label < set.num_classes()));
            prop_assert!(set.features.iter().all(|x| x.is_finite()));
            if let Some(header) = &loaded.layout.header {
                prop_assert_eq!(header.names.len(), set.num_features() + 1);
            }
            prop_assert_eq!(loaded.layout.index_column_dropped, options.drop_index_column);
            if let Some(delimiter) = options.delimiter {
                prop_assert_eq!(loaded.layout.delimiter, delimiter);
            }
        }
        Err(error) => check_message(&error)?,
    }
    match parse_features_with(bytes, "fuzz.csv", options, &reading.columns) {
        Ok(loaded) => {
            let matrix = &loaded.data.matrix;
            prop_assert!(matrix.nrows() >= 1 && matrix.ncols() >= 1);
            prop_assert!(matrix.iter().all(|x| x.is_finite()));
            let dropped = usize::from(loaded.data.label_column.is_some());
            if let Some(header) = &loaded.layout.header {
                prop_assert_eq!(header.names.len(), matrix.ncols() + dropped);
            }
        }
        Err(error) => check_message(&error)?,
    }
    check_parsers(bytes, every_variant)
}

/// Any reading: a header or not, a delimiter or not, an index column or not;
/// the label column detected or the last; any [`Columns`] choice but indices.
fn reading() -> impl Strategy<Value = Reading> {
    let header = select(&[None, Some(Header::Present), Some(Header::Absent)][..]);
    let delimiter = prop_oneof![Just(None), select(&Delimiter::ALL[..]).prop_map(Some)];
    let options = (header, delimiter, any::<bool>()).prop_map(|(header, delimiter, drop_index_column)| ReadOptions {
        header,
        delimiter,
        drop_index_column,
    });
    let columns = select(
        &[
            Columns::Features,
            Columns::AllButTextLabels,
            Columns::Except(LabelColumn::First),
            Columns::All,
        ][..],
    );
    (options, select(&[None, Some(LabelColumn::Last)][..]), columns).prop_map(|(options, label, columns)| Reading {
        options,
        label,
        columns,
    })
}

/// Runs the loaders with the default options on the bytes (label column
/// detected; feature matrix) and, with `every_variant`, also with the label
/// column given and for the whole matrix; checks each outcome.
fn check_parsers(bytes: &[u8], every_variant: bool) -> Result<(), TestCaseError> {
    let labels: &[Option<LabelColumn>] = if every_variant {
        &[None, Some(LabelColumn::First)]
    } else {
        &[None]
    };
    for &label in labels {
        match parse_labelled_with(bytes, "fuzz.csv", ReadOptions::default(), label) {
            Ok(Loaded { data: set, .. }) => {
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
        match parse_features_with(bytes, "fuzz.csv", ReadOptions::default(), columns) {
            Ok(Loaded {
                data: FeatureMatrix { matrix, .. },
                ..
            }) => {
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
const CSV_ALPHABET: &[u8] = b"0123456789.,;-+eE \t\r\n\"naifNAIsx\xEF\xBB\xBF\xFF\xC3";

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
    b";",
    b"5,1;",
    b",0,1,2,3,4\n",
    b"0,1,2,3,4\n",
    b",label\n",
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

/// Rows of 1 to 6 tokens that look like data (numbers, names, oddities),
/// separated by commas, tabs, semicolons or spaces.
fn csv_like_table() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => (-100i32..100).prop_map(|n| n.to_string()),
        4 => (-1e3f64..1e3).prop_map(|x| x.to_string()),
        2 => select(&["a", "b", "c", "Iris-setosa", "1", "2", "10"][..]).prop_map(str::to_string),
        1 => select(&["", " ", "nan", "inf", "1e309", "\"x\"", "\"1\n2\"", "\u{feff}3", "é", "0", "label", "5,1"][..]).prop_map(str::to_string),
    ];
    let rows = prop::collection::vec(prop::collection::vec(token, 1..6), 0..20);
    (rows, select(&[",", "\t", ";", " "][..]), select(&["\n", "\r\n"][..])).prop_map(|(rows, delimiter, end)| {
        rows.iter()
            .map(|row| format!("{}{end}", row.join(delimiter)))
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
        ],
        reading in reading(),
    ) {
        check_parsers_with(&bytes, &reading, true)?;
    }

    #[test]
    fn random_tables_never_panic(bytes in csv_like_table(), reading in reading()) {
        check_parsers_with(&bytes, &reading, true)?;
    }

    #[test]
    fn mutated_real_files_never_panic(
        wine in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..6),
        reading in reading(),
    ) {
        let mut bytes = if wine { WINE.to_vec() } else { IRIS.to_vec() };
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        check_parsers_with(&bytes, &reading, false)?;
    }
}

/// A well-formed labelled table: 2 to 30 rows of 1 to 5 features (numbers
/// as Rust prints them) and a label of 2 or 3 names, each class present.
fn labelled_rows() -> impl Strategy<Value = Vec<Vec<String>>> {
    let feature = prop_oneof![
        (-1e3f64..1e3).prop_map(|x| x.to_string()),
        (-99i32..99).prop_map(|n| n.to_string())
    ];
    (1usize..6, 3usize..30).prop_flat_map(move |(features, rows)| {
        let row = (
            prop::collection::vec(feature.clone(), features),
            select(&["cat", "dog", "eel"][..]),
        );
        prop::collection::vec(row, rows).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                // Cat, cat, dog first: two classes at least, and the first
                // row's class seen again (a class only line 1 has marks it
                // as a header).
                .map(|(i, (mut fields, label))| {
                    fields.push(["cat", "cat", "dog", label][i.min(3)].to_string());
                    fields
                })
                .collect()
        })
    })
}

/// The rows joined by the delimiter, one a line.
fn written(rows: &[Vec<String>], delimiter: Delimiter) -> Vec<u8> {
    let separator = delimiter.char().to_string();
    rows.iter()
        .map(|row| row.join(&separator) + "\n")
        .collect::<String>()
        .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_delimiter_detected_is_the_one_written(
        rows in labelled_rows(),
        delimiter in select(&Delimiter::ALL[..]),
    ) {
        let bytes = written(&rows, delimiter);
        let declared = ReadOptions { delimiter: Some(delimiter), ..ReadOptions::default() };
        let detected = parse_labelled_with(&bytes, "t.csv", ReadOptions::default(), None).unwrap();
        prop_assert_eq!(detected.layout.delimiter, delimiter);
        prop_assert_eq!(detected, parse_labelled_with(&bytes, "t.csv", declared, None).unwrap());
    }

    #[test]
    fn a_declared_header_or_a_dropped_index_reads_as_the_rows_alone(
        rows in labelled_rows(),
        delimiter in select(&Delimiter::ALL[..]),
    ) {
        let plain = parse_labelled_with(&written(&rows, delimiter), "t.csv", ReadOptions::default(), None).unwrap();
        // Names with a space, but where the space is the delimiter.
        let gap = if delimiter == Delimiter::Space { "_" } else { " " };
        let names: Vec<String> = (0..rows[0].len()).map(|k| format!("column{gap}{k}")).collect();

        // A header of names: refused until declared, then skipped.
        let headed = written(&[&[names.clone()][..], &rows].concat(), delimiter);
        let undeclared = parse_labelled_with(&headed, "t.csv", ReadOptions::default(), None).unwrap_err();
        prop_assert_eq!(undeclared.choices(), vec![data::Choice::Header(Header::Present)]);
        let header = ReadOptions { header: Some(Header::Present), ..ReadOptions::default() };
        let loaded = parse_labelled_with(&headed, "t.csv", header, None).unwrap();
        prop_assert_eq!(&loaded.data, &plain.data);
        prop_assert_eq!(&loaded.layout.header.unwrap().names, &names);

        // pandas' export: an empty field over the row numbers (which no
        // space-separated file can hold: spaces at the start separate nothing).
        if delimiter == Delimiter::Space {
            return Ok(());
        }
        let indexed: Vec<Vec<String>> = [&[names.clone()][..], &rows]
            .concat()
            .into_iter()
            .enumerate()
            .map(|(i, row)| [vec![if i == 0 { String::new() } else { (i - 1).to_string() }], row].concat())
            .collect();
        let indexed = written(&indexed, delimiter);
        let refused = parse_labelled_with(&indexed, "t.csv", ReadOptions::default(), None).unwrap_err();
        prop_assert_eq!(refused.choices(), vec![data::Choice::DropIndexColumn]);
        let drop_index = ReadOptions { drop_index_column: true, ..ReadOptions::default() };
        prop_assert_eq!(parse_labelled_with(&indexed, "t.csv", drop_index, None).unwrap().data, plain.data);
    }
}

#[test]
fn the_unmutated_files_load() {
    let rows = |bytes, name| {
        parse_labelled_with(bytes, name, ReadOptions::default(), None)
            .unwrap()
            .data
            .len()
    };
    assert_eq!(rows(IRIS, "iris.data"), 150);
    assert_eq!(rows(WINE, "wine.data"), 178);
}
