//! The bad-input corpus in `tests/data/bad/` (see its README.md): every file
//! gives its expected error, with the path as given, from both loaders with
//! the default options; the quirk files (BOM, CRLF, blank lines, spaces)
//! load like the plain rows. (`layout.rs` checks the files in
//! `tests/data/bad/layout/`.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use data::{
    Choice, Columns, DataError, FeatureMatrix, Header, Labelled, ReadOptions, parse_labelled_with, read_features_with,
    read_labelled_with,
};

/// What a loader must do with a corpus file.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// An error whose message starts with the path, then this fragment.
    Error(&'static str),
    /// Loads with this many rows.
    Rows(usize),
}
use Expect::{Error, Rows};

/// File name -> what [`labelled`] and [`matrix`] (the readers with the
/// default options) do with it.
const CASES: &[(&str, Expect, Expect)] = &[
    ("empty.csv", Error(": the file is empty"), Error(": the file is empty")),
    (
        "blank_lines_only.csv",
        Error(": the file is empty (it has only blank lines)"),
        Error(": the file is empty (it has only blank lines)"),
    ),
    ("header_only.csv", Error(UNDECLARED_HEADER), Error(UNDECLARED_HEADER)),
    (
        "header_and_rows.csv",
        Error(UNDECLARED_HEADER),
        Error(UNDECLARED_HEADER),
    ),
    (
        "wrong_field_count.csv",
        Error(", line 4: expected 5 fields (as on line 1), found 6"),
        Error(", line 4: expected 5 fields (as on line 1), found 6"),
    ),
    (
        "non_numeric.csv",
        Error(", line 5, field 3: 'six' is not a number"),
        Error(", line 5, field 3: 'six' is not a number"),
    ),
    (
        "nan.csv",
        Error(", line 2, field 2: NaN is not allowed"),
        Error(", line 2, field 2: NaN is not allowed"),
    ),
    (
        "inf.csv",
        Error(", line 3, field 4: inf is not allowed"),
        Error(", line 3, field 4: inf is not allowed"),
    ),
    (
        "overflow_1e309.csv",
        Error(", line 4, field 1: '1e309' is too large for a 64-bit float"),
        Error(", line 4, field 1: '1e309' is too large for a 64-bit float"),
    ),
    // The feature matrix drops the label column unread: an empty label or a
    // single class does not stop a factorisation.
    (
        "unknown_label.csv",
        Error(", line 4, field 5: the class label is empty"),
        Rows(6),
    ),
    (
        "missing_label.csv",
        Error(", line 5: expected 5 fields (as on line 1), found 4"),
        Error(", line 5: expected 5 fields (as on line 1), found 4"),
    ),
    (
        "non_utf8.csv",
        Error(", line 4, field 5: the bytes are not valid UTF-8 text"),
        Error(", line 4, field 5: the bytes are not valid UTF-8 text"),
    ),
    // Integer labels and one name: a typo, not a label column, so the
    // feature matrix keeps the column and trips on the name.
    (
        "mixed_labels.csv",
        Error(
            ": cannot tell which column holds the class labels (neither the last nor the first holds only names, \
             or only 2 to 50 distinct integers); name the label column, first or last",
        ),
        Error(", line 6, field 5: 'two' is not a number"),
    ),
    (
        "single_row.csv",
        Error(": only 1 row of data; a classifier needs two rows or more, of two classes or more"),
        Rows(1),
    ),
    ("single_class.csv", Error(SINGLE_CLASS), Rows(6)),
    // Loads: what is wrong with it (every column constant) is for a
    // factorisation to say, once it has centred the columns.
    ("identical_measurements.csv", Rows(6), Rows(6)),
    ("bom.csv", Rows(6), Rows(6)),
    ("crlf.csv", Rows(6), Rows(6)),
    ("trailing_blank_lines.csv", Rows(6), Rows(6)),
    ("surrounding_spaces.csv", Rows(6), Rows(6)),
];

const UNDECLARED_HEADER: &str =
    ", line 1 looks like a header: 'sepal_length' is not a number; declare a header to skip it";
const SINGLE_CLASS: &str = ": only one class ('Iris-setosa'); a classifier needs at least two";

/// The rows the quirk files hold, written plainly.
const PLAIN_ROWS: &str = "5.1,3.5,1.4,0.2,Iris-setosa
4.9,3.0,1.4,0.2,Iris-setosa
7.0,3.2,4.7,1.4,Iris-versicolor
6.4,3.2,4.5,1.5,Iris-versicolor
6.3,3.3,6.0,2.5,Iris-virginica
5.8,2.7,5.1,1.9,Iris-virginica
";

/// The six rows, read from [`PLAIN_ROWS`].
fn plain() -> Labelled {
    parse_labelled_with(PLAIN_ROWS.as_bytes(), "plain", ReadOptions::default(), None)
        .unwrap()
        .data
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/bad")
}

fn check<T>(path: &Path, loaded: Result<T, data::DataError>, rows: impl Fn(&T) -> usize, expect: Expect) {
    let shown = path.display().to_string();
    match (loaded, expect) {
        (Ok(value), Rows(expected)) => assert_eq!(rows(&value), expected, "{shown}"),
        (Err(error), Error(fragment)) => {
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("{shown}{fragment}")),
                "{message}\nwanted: {fragment}"
            );
            assert!(!message.contains('\n'), "{message}");
        }
        (Ok(_), Error(fragment)) => panic!("{shown} loaded; expected an error with: {fragment}"),
        (Err(error), Rows(_)) => panic!("{shown} failed to load: {error}"),
    }
}

/// What `read_labelled_with` with the default options makes of a file.
fn labelled(path: &Path) -> Result<Labelled, DataError> {
    read_labelled_with(path, ReadOptions::default(), None).map(|loaded| loaded.data)
}

/// What `read_features_with` with the default options makes of a file.
fn matrix(path: &Path) -> Result<FeatureMatrix, DataError> {
    read_features_with(path, ReadOptions::default(), &Columns::Features).map(|loaded| loaded.data)
}

#[test]
fn every_corpus_file_gives_its_expected_result() {
    for &(name, expect_labelled, expect_matrix) in CASES {
        let path = corpus().join(name);
        check(&path, labelled(&path), Labelled::len, expect_labelled);
        check(&path, matrix(&path), |m| m.matrix.nrows(), expect_matrix);
    }
}

#[test]
fn a_declared_header_is_skipped_and_a_header_alone_is_no_data() {
    let header = ReadOptions {
        header: Some(Header::Present),
        ..ReadOptions::default()
    };
    let path = corpus().join("header_and_rows.csv");
    let loaded = read_labelled_with(&path, header, None).unwrap();
    assert_eq!(loaded.data, plain());
    assert_eq!(loaded.layout.header.unwrap().names[4], "species");
    let undeclared = read_labelled_with(&path, ReadOptions::default(), None).unwrap_err();
    assert_eq!(undeclared.choices(), [Choice::Header(Header::Present)]);

    let path = corpus().join("header_only.csv");
    let error: DataError = read_features_with(&path, header, &Columns::All).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{}: no data after the header on line 1", path.display())
    );
}

#[test]
fn every_file_in_the_corpus_is_in_the_table_and_in_the_readme() {
    let readme = std::fs::read_to_string(corpus().join("README.md")).unwrap();
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".csv"))
        .collect();
    let in_table: BTreeSet<String> = CASES.iter().map(|case| case.0.to_string()).collect();
    assert_eq!(on_disk, in_table);
    for name in &on_disk {
        assert!(readme.contains(&format!("`{name}`")), "README.md does not list {name}");
    }
}

#[test]
fn a_missing_file_and_a_directory_are_named_as_given() {
    let missing = Path::new("tests/data/bad/no_such_file.csv");
    let expected = "cannot read tests/data/bad/no_such_file.csv: No such file or directory";
    assert_eq!(labelled(missing).unwrap_err().to_string(), expected);
    assert_eq!(matrix(missing).unwrap_err().to_string(), expected);
    let directory = corpus();
    let expected = format!("cannot read {}: it is a directory, not a CSV file", directory.display());
    assert_eq!(labelled(&directory).unwrap_err().to_string(), expected);
    assert_eq!(matrix(&directory).unwrap_err().to_string(), expected);
}

#[test]
fn the_quirk_files_load_exactly_like_the_plain_rows() {
    let plain = plain();
    assert_eq!(plain.classes, ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]);
    assert_eq!(plain.labels, [0, 0, 1, 1, 2, 2]);
    for name in [
        "bom.csv",
        "crlf.csv",
        "trailing_blank_lines.csv",
        "surrounding_spaces.csv",
    ] {
        let path = corpus().join(name);
        assert_eq!(labelled(&path).unwrap(), plain, "{name}");
        assert_eq!(matrix(&path).unwrap().matrix, plain.features, "{name}");
    }
}

#[test]
fn the_single_row_file_loads_as_a_matrix_and_cannot_be_split() {
    let matrix = matrix(&corpus().join("single_row.csv")).unwrap().matrix;
    assert_eq!(matrix.dim(), (1, 4));
    let n = matrix.nrows();
    assert!(data::train_validation_split(n, data::SplitSize::Fraction(0.2), 0).is_err());
    assert!(data::k_folds(n, 2, 0).is_err());
}
