//! The layout corpus in `tests/data/bad/layout/` (see tests/data/bad/README.md):
//! files read right only with the right declaration or detection (a header,
//! the delimiter, an index column, the label column), and labelled files
//! with too little to learn from. Each file through the readers with
//! [`ReadOptions`], with its exact message and the choices that settle it.
//! A declaration the error lists as its first choice makes the file load.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use data::{
    Choice, Columns, DataError, Delimiter, Header, LabelColumn, ReadOptions, read_features_with, read_labelled_with,
};

/// How a case reads its file.
#[derive(Clone, Debug)]
enum Read {
    /// `read_labelled_with` with these declarations (see [`options`]) and label column.
    Labelled(&'static str, Option<LabelColumn>),
    /// `read_features_with` with these declarations and columns.
    Matrix(&'static str, Columns),
}
use Read::{Labelled, Matrix};

/// What a case gives.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This message (`<path>` for the path) and these choices.
    Fails(&'static str, &'static [Choice]),
    /// A data set of this many rows, features and classes.
    Classes(usize, usize, &'static [&'static str]),
    /// A matrix of this shape, and the label column it left out.
    Shape(usize, usize, Option<usize>),
}
use Expect::{Classes, Fails, Shape};

/// The declarations a case makes, as words: `header`, `no-header`,
/// `drop-index`, or a delimiter's name; none detects everything.
fn options(words: &str) -> ReadOptions {
    let mut options = ReadOptions::default();
    for word in words.split_whitespace() {
        match word {
            "header" => options.header = Some(Header::Present),
            "no-header" => options.header = Some(Header::Absent),
            "drop-index" => options.drop_index_column = true,
            delimiter => options.delimiter = Some(delimiter.parse().unwrap()),
        }
    }
    options
}

const IRIS: &[&str] = &["Iris-setosa", "Iris-versicolor", "Iris-virginica"];
const DIGITS_0_TO_2: &[&str] = &["0", "1", "2"];
const HEADER_OR_DATA: &[Choice] = &[Choice::Header(Header::Present), Choice::Header(Header::Absent)];
const HEADER_ONLY: &[Choice] = &[Choice::Header(Header::Present)];
const DROP_INDEX: &[Choice] = &[Choice::DropIndexColumn];

const COLUMN_NUMBERS: &str = "<path>, line 1 looks like a header: its fields are the column numbers 0 to 4; \
                              declare a header, or no header if it is data";
const LABEL_WORD: &str = "<path>, line 1 looks like a header: its last field, 'label', is not a class of the other \
                          rows (whole numbers from 0 to 2); declare a header, or no header if it is data";
const NAME_OVER_NUMBERS: &str = "<path>, line 1 looks like a header: its field 5, 'label', is a name where the \
                                 other rows hold numbers; declare a header to skip it";
const LABEL_5: &str = "<path>, line 1 looks like a header: its last field, '5', is not a class of the other rows \
                       (whole numbers from 0 to 2); declare a header, or no header if it is data";
const INDEX_COLUMN: &str = "<path>, line 1 looks like a header over an index column, as pandas writes by default: \
                            its first field is empty; drop the index column";
const TABS_READ_AS_COMMAS: &str = "<path>, line 1 is one field, '5.1\\t3.5\\t1.4\\t0.2\\tIris-setosa', with tabs \
                                   in it: the file looks tab-separated, not comma-separated";
const SPACES_READ_AS_COMMAS: &str = "<path>, line 1 is one field, '5.1   3.5   1.4   0.2  Iris-setosa', with \
                                     spaces in it: the file looks space-separated, not comma-separated";
const SPECIES: &str = "<path>, line 1 looks like a header: its last field, 'species', is not one of the 3 classes \
                       of the other rows; declare a header, or no header if it is data";
const ONE_ROW: &str = "<path>: only 1 row of data; a classifier needs two rows or more, of two classes or more";
const ONE_CLASS_0: &str = "<path>: only one class ('0'); a classifier needs at least two";

/// Each file, how it is read, and what that gives.
fn cases() -> Vec<(&'static str, Read, Expect)> {
    vec![
        // 1. A header of numbers (read as data before issue 19: a fourth class "4", "label" or "5").
        (
            "column_numbers_header.csv",
            Labelled("", None),
            Fails(COLUMN_NUMBERS, HEADER_OR_DATA),
        ),
        (
            "column_numbers_header.csv",
            Matrix("", Columns::Features),
            Fails(COLUMN_NUMBERS, HEADER_OR_DATA),
        ),
        (
            "column_numbers_header.csv",
            Labelled("header", None),
            Classes(6, 4, IRIS),
        ),
        (
            "column_numbers_header.csv",
            Matrix("no-header", Columns::Except(LabelColumn::Last)),
            Shape(7, 4, Some(4)),
        ),
        (
            "label_header.csv",
            Labelled("", None),
            Fails(LABEL_WORD, HEADER_OR_DATA),
        ),
        (
            "label_header.csv",
            Labelled("", Some(LabelColumn::Last)),
            Fails(LABEL_WORD, HEADER_OR_DATA),
        ),
        (
            "label_header.csv",
            Matrix("", Columns::Except(LabelColumn::Last)),
            Fails(LABEL_WORD, HEADER_OR_DATA),
        ),
        (
            "label_header.csv",
            Labelled("header", None),
            Classes(6, 4, DIGITS_0_TO_2),
        ),
        // A class name that no other row has, over classes that repeat.
        (
            "name_label_header.csv",
            Labelled("", None),
            Fails(SPECIES, HEADER_OR_DATA),
        ),
        (
            "name_label_header.csv",
            Matrix("", Columns::AllButTextLabels),
            Fails(SPECIES, HEADER_OR_DATA),
        ),
        ("name_label_header.csv", Labelled("header", None), Classes(6, 4, IRIS)),
        (
            "name_label_header.csv",
            Labelled("no-header", None),
            Classes(7, 4, &["Iris-setosa", "Iris-versicolor", "Iris-virginica", "species"]),
        ),
        // Read whole, as factorise and complete read it, its last column is data:
        // 'label' is a name where every later row holds numbers.
        (
            "label_header.csv",
            Matrix("", Columns::AllButTextLabels),
            Fails(NAME_OVER_NUMBERS, HEADER_ONLY),
        ),
        (
            "label_header.csv",
            Matrix("", Columns::All),
            Fails(NAME_OVER_NUMBERS, HEADER_ONLY),
        ),
        (
            "label_header.csv",
            Matrix("header", Columns::AllButTextLabels),
            Shape(6, 5, None),
        ),
        (
            "numbered_from_1_header.csv",
            Labelled("", None),
            Fails(LABEL_5, HEADER_OR_DATA),
        ),
        (
            "numbered_from_1_header.csv",
            Matrix("", Columns::Features),
            Fails(LABEL_5, HEADER_OR_DATA),
        ),
        (
            "numbered_from_1_header.csv",
            Labelled("header", None),
            Classes(6, 4, DIGITS_0_TO_2),
        ),
        // 2. pandas' header over an index column.
        ("pandas_index.csv", Labelled("", None), Fails(INDEX_COLUMN, DROP_INDEX)),
        (
            "pandas_index.csv",
            Labelled("header", Some(LabelColumn::Last)),
            Fails(INDEX_COLUMN, DROP_INDEX),
        ),
        (
            "pandas_index.csv",
            Matrix("", Columns::All),
            Fails(INDEX_COLUMN, DROP_INDEX),
        ),
        ("pandas_index.csv", Labelled("drop-index", None), Classes(6, 4, IRIS)),
        (
            "pandas_index.csv",
            Matrix("drop-index header", Columns::Features),
            Shape(6, 4, Some(4)),
        ),
        (
            "pandas_index_column_numbers.csv",
            Labelled("", None),
            Fails(INDEX_COLUMN, DROP_INDEX),
        ),
        (
            "pandas_index_column_numbers.csv",
            Labelled("drop-index", None),
            Classes(6, 4, IRIS),
        ),
        // 3. Delimiters.
        ("tab_separated.tsv", Labelled("", None), Classes(6, 4, IRIS)),
        (
            "tab_separated.tsv",
            Matrix("tab", Columns::Features),
            Shape(6, 4, Some(4)),
        ),
        (
            "tab_separated.tsv",
            Labelled("comma", None),
            Fails(TABS_READ_AS_COMMAS, &[Choice::Delimiter(Delimiter::Tab)]),
        ),
        ("semicolon.csv", Labelled("", None), Classes(6, 4, IRIS)),
        ("space_separated.txt", Labelled("", None), Classes(6, 4, IRIS)),
        (
            "space_separated.txt",
            Matrix("space", Columns::AllButTextLabels),
            Shape(6, 4, Some(4)),
        ),
        (
            "space_separated.txt",
            Labelled("comma", None),
            Fails(SPACES_READ_AS_COMMAS, &[Choice::Delimiter(Delimiter::Space)]),
        ),
        (
            "semicolon_decimal_comma.csv",
            Labelled("", None),
            Fails(
                "<path>, line 1, field 1: '5,1' has a decimal comma; numbers need a decimal point (5.1)",
                &[],
            ),
        ),
        // 5. An integer ratings matrix keeps its 20 columns unless a label column is named.
        (
            "integer_ratings.csv",
            Matrix("", Columns::AllButTextLabels),
            Shape(50, 20, None),
        ),
        (
            "integer_ratings.csv",
            Matrix("", Columns::Except(LabelColumn::Last)),
            Shape(50, 19, Some(19)),
        ),
        (
            "integer_ratings.csv",
            Matrix("", Columns::Features),
            Shape(50, 19, Some(19)),
        ),
        // 7. Too few rows, one class.
        ("single_row_integer_labels.csv", Labelled("", None), Fails(ONE_ROW, &[])),
        (
            "single_row_integer_labels.csv",
            Labelled("", Some(LabelColumn::Last)),
            Fails(ONE_ROW, &[]),
        ),
        (
            "single_class_integer_labels.csv",
            Labelled("", None),
            Fails(ONE_CLASS_0, &[]),
        ),
        (
            "single_class_integer_labels.csv",
            Labelled("", Some(LabelColumn::Last)),
            Fails(ONE_CLASS_0, &[]),
        ),
    ]
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/bad/layout")
}

/// What reading `path` as `read` says: an error, or the data set's or matrix's facts.
fn outcome(path: &Path, read: &Read) -> Result<String, DataError> {
    let labelled = |set: &data::Labelled| format!("{:?} {:?}", set.features.dim(), set.classes);
    let matrix = |m: &data::FeatureMatrix| format!("{:?} {:?}", m.matrix.dim(), m.label_column);
    match read {
        Labelled(words, label) => read_labelled_with(path, options(words), *label).map(|loaded| labelled(&loaded.data)),
        Matrix(words, columns) => read_features_with(path, options(words), columns).map(|loaded| matrix(&loaded.data)),
    }
}

#[test]
fn every_layout_case_gives_its_message_or_its_data() {
    for (name, read, expect) in cases() {
        let path = corpus().join(name);
        let shown = path.display().to_string();
        let context = format!("{name} {read:?}");
        match (outcome(&path, &read), expect) {
            (Err(error), Fails(message, choices)) => {
                let message = message.replace("<path>", &shown);
                let text = error.to_string();
                if message.starts_with(&shown) {
                    assert_eq!(text, message, "{context}");
                } else {
                    assert!(text.ends_with(&message), "{context}: {text}");
                }
                assert_eq!(error.choices(), choices, "{context}");
            }
            (Ok(facts), Classes(rows, features, classes)) => {
                assert_eq!(facts, format!("{:?} {classes:?}", (rows, features)), "{context}")
            }
            (Ok(facts), Shape(rows, cols, label)) => {
                assert_eq!(facts, format!("{:?} {label:?}", (rows, cols)), "{context}")
            }
            (Ok(facts), Fails(message, _)) => panic!("{context} read {facts}; expected: {message}"),
            (Err(error), _) => panic!("{context} failed: {error}"),
        }
    }
}

/// The options with a choice made.
fn with_choice(mut options: ReadOptions, choice: Choice) -> (ReadOptions, Option<LabelColumn>) {
    let mut label = None;
    match choice {
        Choice::Header(header) => options.header = Some(header),
        Choice::Delimiter(delimiter) => options.delimiter = Some(delimiter),
        Choice::DropIndexColumn => options.drop_index_column = true,
        Choice::LabelColumn(column) => label = Some(column),
    }
    (options, label)
}

#[test]
fn the_first_choice_an_error_lists_makes_the_file_load() {
    for (name, read, _) in cases() {
        let Labelled(words, label) = read else { continue };
        let path = corpus().join(name);
        let Err(error) = read_labelled_with(&path, options(words), label) else {
            continue;
        };
        let Some(&choice) = error.choices().first() else {
            continue;
        };
        let (options, chosen_label) = with_choice(options(words), choice);
        let loaded = read_labelled_with(&path, options, chosen_label.or(label));
        assert!(loaded.is_ok(), "{name} with {choice:?}: {}", loaded.unwrap_err());
    }
}

#[test]
fn decimal_commas_are_refused_with_the_delimiter_found_and_what_to_do() {
    let path = corpus().join("semicolon_decimal_comma.csv");
    let error = read_labelled_with(&path, ReadOptions::default(), None).unwrap_err();
    assert_eq!(
        error.advice().as_deref(),
        Some(
            "the file is semicolon-separated with decimal commas (a European spreadsheet export): \
             re-export it with decimal points"
        )
    );
}

#[test]
fn the_layout_says_what_was_used() {
    let layout = |name: &str, words: &str| {
        read_features_with(&corpus().join(name), options(words), &Columns::Features)
            .unwrap()
            .layout
            .to_string()
    };
    assert_eq!(layout("tab_separated.tsv", ""), "tab-separated");
    assert_eq!(layout("semicolon.csv", ""), "semicolon-separated");
    assert_eq!(layout("space_separated.txt", ""), "space-separated");
    assert_eq!(
        layout("column_numbers_header.csv", "header"),
        "comma-separated, a header on line 1"
    );
    assert_eq!(
        layout("pandas_index.csv", "drop-index"),
        "comma-separated, a header on line 1, the index column dropped"
    );
    let header = read_labelled_with(&corpus().join("pandas_index.csv"), options("drop-index"), None)
        .unwrap()
        .layout
        .header
        .unwrap();
    assert_eq!(header.line, 1);
    assert_eq!(
        header.names,
        ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    );
}

#[test]
fn every_way_of_writing_the_six_rows_loads_the_same_data_set() {
    // The rows of the top-level corpus's quirk files, as tab-, semicolon- and
    // space-separated files, under a header, or behind pandas' index column.
    let plain = read_labelled_with(&corpus().join("../crlf.csv"), ReadOptions::default(), None)
        .unwrap()
        .data;
    for (name, words) in [
        ("tab_separated.tsv", ""),
        ("semicolon.csv", ""),
        ("space_separated.txt", ""),
        ("column_numbers_header.csv", "header"),
        ("pandas_index.csv", "drop-index"),
        ("pandas_index_column_numbers.csv", "drop-index header"),
        ("../header_and_rows.csv", "header"),
    ] {
        let loaded = read_labelled_with(&corpus().join(name), options(words), None).unwrap();
        assert_eq!(loaded.data, plain, "{name}");
    }
}

#[test]
fn every_file_in_the_layout_corpus_has_a_case_and_a_line_in_the_readme() {
    let readme = std::fs::read_to_string(corpus().join("../README.md")).unwrap();
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let in_cases: BTreeSet<String> = cases().into_iter().map(|case| case.0.to_string()).collect();
    assert_eq!(on_disk, in_cases);
    for name in &on_disk {
        assert!(
            readme.contains(&format!("`layout/{name}`")),
            "README.md does not list layout/{name}"
        );
    }
}
