//! Bad input end to end, through the bins as a student runs them:
//!
//! - every bin that reads data against every file of the corpus in
//!   `tests/data/bad/` (see its README.md), a missing path and a directory;
//! - the files of `tests/data/bad/layout/`, read right only with the right
//!   declaration, with and without the flags that make it, and the `hint:`
//!   line that names those flags;
//! - every flag with an impossible value, and outputs that cannot be written;
//! - runs that diverge: they stop, say where and why, and keep their curves;
//! - a rerun that fails leaves the earlier run's files whole.
//!
//! A data or run-time error exits with 1 and one line `error: ...` (and
//! perhaps `hint: ...`); a bad flag value is a usage error, exit 2, as clap
//! reports it; never a panic or a backtrace. See each table with
//! `cargo test --release --test bad_input -- --nocapture`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{Run, bin, corpus};

/// What a bin must do with a case.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 0, nothing on standard error.
    Works,
    /// Exit 0, and this in standard output's first line (`<path>` stands for
    /// the path as given).
    Reads(&'static str),
    /// Exit 1 with this message and no hint; `<path>` stands for the path as given.
    Fails(&'static str),
    /// Exit 1 with this message and this hint.
    Hinted(&'static str, &'static str),
}
use Expect::{Fails, Hinted, Reads, Works};

/// The bins that read data, each with flags that keep a run short. The
/// corpus table has one column per entry, in this order.
const BINS: [(&str, &[&str]); 5] = [
    ("factorise", &["--epochs", "2"]),
    ("complete", &["--epochs", "2"]),
    ("tape", &["--iris"]),
    ("mlp", &["--epochs", "2"]),
    ("tape", &["--mlp"]),
];

const EMPTY: &str = "<path>: the file is empty";
const HEADER: Expect = Hinted(
    "<path>, line 1 looks like a header: 'sepal_length' is not a number; declare a header to skip it",
    "pass --header to skip it",
);
const FIELDS_ON_LINE_4: &str = "<path>, line 4: expected 5 fields (as on line 1), found 6";
const SINGLE_CLASS: &str = "<path>: only one class ('Iris-setosa'); a classifier needs at least two";
const ONE_ROW: &str = "<path>: only 1 row of data; a classifier needs two rows or more, of two classes or more";
/// `factorise` and `complete` train at rank 2, which a 1 x 4 matrix cannot have.
const RANK_OF_ONE_ROW: &str = "<path>: rank 2 is larger than min(1, 4) = 1";
const NO_LABEL_COLUMN: Expect = Hinted(
    "<path>: cannot tell which column holds the class labels (neither the last nor the first holds only names, \
     or only 2 to 50 distinct integers); name the label column, first or last",
    "pass --label-column last, or --label-column first",
);
const HEADER_OR_DATA: &str = "pass --header if it is a header, or --no-header if it is data";

const fn every_bin(expect: Expect) -> [Expect; 5] {
    [expect; 5]
}

/// Matrix bins (factorise, complete, tape --iris), then labelled ones (mlp, tape --mlp).
const fn matrix_then_labelled(matrix: Expect, labelled: Expect) -> [Expect; 5] {
    [matrix, matrix, matrix, labelled, labelled]
}

/// Each case of the corpus (a file name, or a missing path or a directory)
/// and what each bin of [`BINS`] does with it.
const CORPUS: &[(&str, [Expect; 5])] = &[
    (
        "(missing) no_such_file.csv",
        every_bin(Fails("cannot read <path>: No such file or directory")),
    ),
    (
        "(directory)",
        every_bin(Fails("cannot read <path>: it is a directory, not a CSV file")),
    ),
    ("empty.csv", every_bin(Fails(EMPTY))),
    (
        "blank_lines_only.csv",
        every_bin(Fails("<path>: the file is empty (it has only blank lines)")),
    ),
    ("header_only.csv", every_bin(HEADER)),
    ("header_and_rows.csv", every_bin(HEADER)),
    ("wrong_field_count.csv", every_bin(Fails(FIELDS_ON_LINE_4))),
    (
        "non_numeric.csv",
        every_bin(Fails("<path>, line 5, field 3: 'six' is not a number")),
    ),
    (
        "nan.csv",
        every_bin(Fails("<path>, line 2, field 2: NaN is not allowed")),
    ),
    (
        "inf.csv",
        every_bin(Fails("<path>, line 3, field 4: inf is not allowed")),
    ),
    (
        "overflow_1e309.csv",
        every_bin(Fails(
            "<path>, line 4, field 1: '1e309' is too large for a 64-bit float \
             (it overflows to infinity, which is not allowed)",
        )),
    ),
    // The matrix bins drop the label column unread.
    (
        "unknown_label.csv",
        matrix_then_labelled(Works, Fails("<path>, line 4, field 5: the class label is empty")),
    ),
    (
        "missing_label.csv",
        every_bin(Fails("<path>, line 5: expected 5 fields (as on line 1), found 4")),
    ),
    (
        "mixed_labels.csv",
        matrix_then_labelled(Fails("<path>, line 6, field 5: 'two' is not a number"), NO_LABEL_COLUMN),
    ),
    (
        "non_utf8.csv",
        every_bin(Fails("<path>, line 4, field 5: the bytes are not valid UTF-8 text")),
    ),
    // tape --iris only records one step, at rank 2 whatever the shape.
    (
        "single_row.csv",
        [
            Fails(RANK_OF_ONE_ROW),
            Fails(RANK_OF_ONE_ROW),
            Works,
            Fails(ONE_ROW),
            Fails(ONE_ROW),
        ],
    ),
    ("single_class.csv", matrix_then_labelled(Works, Fails(SINGLE_CLASS))),
    // Centred, every column is 0: nothing to factorise (tape --iris records
    // a step whatever the matrix; the classifiers have three classes).
    (
        "identical_measurements.csv",
        [Fails(ALL_ZEROS), Fails(OBSERVED_ALL_ZEROS), Works, Works, Works],
    ),
    ("bom.csv", every_bin(Works)),
    ("crlf.csv", every_bin(Works)),
    ("trailing_blank_lines.csv", every_bin(Works)),
    ("surrounding_spaces.csv", every_bin(Works)),
];

const ALL_ZEROS: &str = "<path>: every column is constant, so once centred the matrix is all zeros: U Vᵀ = 0 fits exactly, \
     and there is nothing to fit";
const OBSERVED_ALL_ZEROS: &str = "<path>: every column's observed entries are equal, so once centred they are \
                                  all zeros: U Vᵀ = 0 fits exactly, and there is nothing to fit";

/// The path a corpus case names, relative to the workspace root.
fn case_path(case: &str) -> PathBuf {
    match case {
        "(directory)" => corpus(),
        _ => corpus().join(case.trim_start_matches("(missing) ")),
    }
}

/// One line of a printed table: the case, the command, the exit code and
/// the first line of standard error (or of standard output, for a run that
/// worked), then the hint on a line of its own.
fn table_row(case: &str, command: &str, run: &Run) -> String {
    let code = run.code.map_or("signal".to_owned(), |code| code.to_string());
    let first_line = run.stderr.lines().next().or(run.stdout.lines().next()).unwrap_or("");
    let mut row = format!("{case:<32} {command:<20} {code:>4}  {first_line}\n");
    if let Some(hint) = run.hint() {
        row.push_str(&format!("{:<59}hint: {hint}\n", ""));
    }
    row
}

/// Checks `run` against `expect`, with `path` (as given) for `<path>`.
#[track_caller]
fn check(run: &Run, expect: Expect, path: &Path) {
    let path = path.display().to_string();
    match expect {
        Works => {
            run.clone().success();
        }
        Reads(fragment) => {
            let run = run.clone().success();
            let first_line = run.stdout.lines().next().unwrap_or("");
            assert!(first_line.contains(&fragment.replace("<path>", &path)), "{run}");
        }
        Fails(message) => {
            let run = run.clone().fails(1);
            assert_eq!(run.error(), message.replace("<path>", &path), "{run}");
            assert_eq!(run.hint(), None, "{run}");
        }
        Hinted(message, hint) => {
            let run = run.clone().fails(1);
            assert_eq!(run.error(), message.replace("<path>", &path), "{run}");
            assert_eq!(run.hint(), Some(hint), "{run}");
        }
    }
}

/// Runs the bin in column `column` of [`CORPUS`] on every case, checks it,
/// and prints the table.
fn corpus_through(column: usize) {
    let (name, flags) = BINS[column];
    let command = format!("{name} {}", flags.join(" "));
    let out = tempfile::tempdir().unwrap();
    let mut table = format!("\n== the corpus through {command} ==\n");
    for (case, expectations) in CORPUS {
        let path = case_path(case);
        let run = Run::of(
            bin(name)
                .args(flags)
                .arg("--data")
                .arg(&path)
                .arg("--out")
                .arg(out.path()),
        );
        check(&run, expectations[column], &path);
        table.push_str(&table_row(case, &command, &run));
    }
    println!("{table}");
}

#[test]
fn the_corpus_through_factorise() {
    corpus_through(0);
}

#[test]
fn the_corpus_through_complete() {
    corpus_through(1);
}

#[test]
fn the_corpus_through_tape_iris() {
    corpus_through(2);
}

#[test]
fn the_corpus_through_mlp() {
    corpus_through(3);
}

#[test]
fn the_corpus_through_tape_mlp() {
    corpus_through(4);
}

#[test]
fn every_file_in_the_corpus_has_a_row() {
    let names = |dir: PathBuf| -> Vec<String> {
        fs::read_dir(common::root().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| [".csv", ".tsv", ".txt"].iter().any(|end| name.ends_with(end)))
            .collect()
    };
    for name in names(corpus()) {
        assert!(
            CORPUS.iter().any(|(case, _)| *case == name),
            "{name} has no row in CORPUS"
        );
    }
    for name in names(corpus().join("layout")) {
        assert!(
            LAYOUT.iter().any(|(file, ..)| *file == name),
            "layout/{name} has no row in LAYOUT"
        );
    }
}

const COLUMN_NUMBERS: &str = "<path>, line 1 looks like a header: its fields are the column numbers 0 to 4; \
                              declare a header, or no header if it is data";
const INDEX_COLUMN: Expect = Hinted(
    "<path>, line 1 looks like a header over an index column, as pandas writes by default: its first field is \
     empty; drop the index column",
    "pass --drop-index-column",
);
const LABEL_5: Expect = Hinted(
    "<path>, line 1 looks like a header: its last field, '5', is not a class of the other rows \
     (whole numbers from 0 to 2); declare a header, or no header if it is data",
    HEADER_OR_DATA,
);
/// Read whole, as `factorise` and `complete` read it, its last column is data.
const NAME_OVER_NUMBERS: Expect = Hinted(
    "<path>, line 1 looks like a header: its field 5, 'label', is a name where the other rows hold numbers; \
     declare a header to skip it",
    "pass --header to skip it",
);
const DECIMAL_COMMA: Expect = Hinted(
    "<path>, line 1, field 1: '5,1' has a decimal comma; numbers need a decimal point (5.1)",
    "the file is semicolon-separated with decimal commas (a European spreadsheet export): \
     re-export it with decimal points",
);
/// `0,1,2,3,species` over iris: a class name that no other row has.
const SPECIES: &str = "<path>, line 1 looks like a header: its last field, 'species', is not one of the 3 \
                       classes of the other rows; declare a header, or no header if it is data";
const SIX_ROWS_OF_IRIS: &str = "labels in the last column; 6 rows, 4 features, 3 classes: Iris-setosa, \
                                Iris-versicolor, Iris-virginica)";

/// Each file of `tests/data/bad/layout/`, a bin with flags (`--epochs 2` is
/// added to `factorise`, `complete` and `mlp`), and what it must do.
const LAYOUT: &[(&str, &str, &[&str], Expect)] = &[
    // 1. A header of numbers: refused until declared either way.
    (
        "column_numbers_header.csv",
        "factorise",
        &[],
        Hinted(COLUMN_NUMBERS, HEADER_OR_DATA),
    ),
    (
        "column_numbers_header.csv",
        "mlp",
        &[],
        Hinted(COLUMN_NUMBERS, HEADER_OR_DATA),
    ),
    (
        "column_numbers_header.csv",
        "tape",
        &["--mlp"],
        Hinted(COLUMN_NUMBERS, HEADER_OR_DATA),
    ),
    (
        "column_numbers_header.csv",
        "factorise",
        &["--header"],
        Reads("<path> (comma-separated, a header on line 1): 6 x 4, label column 4 left out, columns centred;"),
    ),
    (
        "column_numbers_header.csv",
        "mlp",
        &["--header"],
        Reads("(comma-separated, a header on line 1, labels in the last column; 6 rows, 4 features, 3 classes"),
    ),
    (
        "label_header.csv",
        "mlp",
        &["--label-column", "last"],
        Hinted(
            "<path>, line 1 looks like a header: its last field, 'label', is not a class of the other rows \
             (whole numbers from 0 to 2); declare a header, or no header if it is data",
            HEADER_OR_DATA,
        ),
    ),
    (
        "label_header.csv",
        "mlp",
        &["--header"],
        Reads("a header on line 1, labels in the last column; 6 rows, 4 features, 3 classes: 0, 1, 2)"),
    ),
    ("label_header.csv", "factorise", &[], NAME_OVER_NUMBERS),
    ("label_header.csv", "complete", &[], NAME_OVER_NUMBERS),
    (
        "label_header.csv",
        "complete",
        &["--header"],
        Reads("<path> (comma-separated, a header on line 1): 6 x 5, 24 observed"),
    ),
    ("name_label_header.csv", "mlp", &[], Hinted(SPECIES, HEADER_OR_DATA)),
    (
        "name_label_header.csv",
        "factorise",
        &[],
        Hinted(SPECIES, HEADER_OR_DATA),
    ),
    (
        "name_label_header.csv",
        "complete",
        &[],
        Hinted(SPECIES, HEADER_OR_DATA),
    ),
    (
        "name_label_header.csv",
        "factorise",
        &["--header"],
        Reads("<path> (comma-separated, a header on line 1): 6 x 4, label column 4 left out"),
    ),
    ("name_label_header.csv", "mlp", &["--header"], Reads(SIX_ROWS_OF_IRIS)),
    ("numbered_from_1_header.csv", "mlp", &[], LABEL_5),
    (
        "numbered_from_1_header.csv",
        "factorise",
        &["--label-column", "last"],
        LABEL_5,
    ),
    // 2. pandas' header over an index column: named, and how to drop it.
    ("pandas_index.csv", "mlp", &[], INDEX_COLUMN),
    ("pandas_index.csv", "mlp", &["--label-column", "last"], INDEX_COLUMN),
    ("pandas_index.csv", "factorise", &[], INDEX_COLUMN),
    (
        "pandas_index.csv",
        "mlp",
        &["--drop-index-column"],
        Reads("(comma-separated, a header on line 1, the index column dropped, labels in the last column; 6 rows"),
    ),
    (
        "pandas_index.csv",
        "complete",
        &["--drop-index-column"],
        Reads("(comma-separated, a header on line 1, the index column dropped): 6 x 4, label column 4 left out"),
    ),
    ("pandas_index_column_numbers.csv", "mlp", &[], INDEX_COLUMN),
    (
        "pandas_index_column_numbers.csv",
        "tape",
        &["--mlp", "--drop-index-column"],
        Reads("(comma-separated, a header on line 1, the index column dropped), seed 0: epoch 1, step 1"),
    ),
    // 3. Delimiters: detected and shown, or declared.
    (
        "tab_separated.tsv",
        "factorise",
        &[],
        Reads("<path> (tab-separated): 6 x 4, label column 4 left out"),
    ),
    ("tab_separated.tsv", "mlp", &[], Reads(SIX_ROWS_OF_IRIS)),
    (
        "tab_separated.tsv",
        "mlp",
        &["--delimiter", "comma"],
        Hinted(
            "<path>, line 1 is one field, '5.1\\t3.5\\t1.4\\t0.2\\tIris-setosa', with tabs in it: the file looks \
             tab-separated, not comma-separated",
            "pass --delimiter tab",
        ),
    ),
    (
        "semicolon.csv",
        "complete",
        &[],
        Reads("<path> (semicolon-separated): 6 x 4, label column 4 left out"),
    ),
    (
        "semicolon.csv",
        "tape",
        &["--iris"],
        Reads("(semicolon-separated, 6 x 4, columns centred)"),
    ),
    ("space_separated.txt", "mlp", &[], Reads(SIX_ROWS_OF_IRIS)),
    (
        "space_separated.txt",
        "factorise",
        &["--delimiter", "space"],
        Reads("<path> (space-separated): 6 x 4, label column 4 left out"),
    ),
    (
        "space_separated.txt",
        "mlp",
        &["--delimiter", "comma"],
        Hinted(
            "<path>, line 1 is one field, '5.1   3.5   1.4   0.2  Iris-setosa', with spaces in it: the file looks \
             space-separated, not comma-separated",
            "pass --delimiter space",
        ),
    ),
    ("semicolon_decimal_comma.csv", "mlp", &[], DECIMAL_COMMA),
    ("semicolon_decimal_comma.csv", "factorise", &[], DECIMAL_COMMA),
    // 5. Integer ratings keep every column unless a label column is named.
    (
        "integer_ratings.csv",
        "factorise",
        &[],
        Reads("<path> (comma-separated): 50 x 20, columns centred;"),
    ),
    (
        "integer_ratings.csv",
        "complete",
        &[],
        Reads("<path> (comma-separated): 50 x 20, 800 observed"),
    ),
    (
        "integer_ratings.csv",
        "complete",
        &["--label-column", "last"],
        Reads("<path> (comma-separated): 50 x 19, label column 19 left out, 760 observed"),
    ),
    // 7. Too little to learn from: said so.
    ("single_row_integer_labels.csv", "mlp", &[], Fails(ONE_ROW)),
    ("single_row_integer_labels.csv", "tape", &["--mlp"], Fails(ONE_ROW)),
    (
        "single_class_integer_labels.csv",
        "mlp",
        &["--label-column", "last"],
        Fails("<path>: only one class ('0'); a classifier needs at least two"),
    ),
];

#[test]
fn the_layout_corpus_is_read_as_declared_and_refused_with_the_flag_that_declares_it() {
    let out = tempfile::tempdir().unwrap();
    let mut table = "\n== the layout corpus through the bins ==\n".to_owned();
    for &(file, name, flags, expect) in LAYOUT {
        let path = corpus().join("layout").join(file);
        let mut command = bin(name);
        if name != "tape" {
            command.args(["--epochs", "2"]);
        }
        let run = Run::of(
            command
                .args(flags)
                .arg("--data")
                .arg(&path)
                .arg("--out")
                .arg(out.path()),
        );
        check(&run, expect, &path);
        table.push_str(&table_row(file, &format!("{name} {}", flags.join(" ")), &run));
    }
    println!("{table}");
}

#[test]
fn numpy_and_pandas_headers_over_real_data_are_refused_and_then_read() {
    // digits headed 0..63,label (pandas, a named label column over unnamed
    // pixels): before, `--label-column last` found an 11th class "label".
    let dir = tempfile::tempdir().unwrap();
    let digits = fs::read_to_string(common::root().join("datasets/digits.csv")).unwrap();
    let pixels: Vec<String> = (0..64).map(|k| k.to_string()).collect();
    let headed = dir.path().join("digits_headed.csv");
    fs::write(&headed, format!("{},label\n{digits}", pixels.join(","))).unwrap();
    let run = |name: &str, flags: &[&str]| {
        Run::of(
            bin(name)
                .args(["--epochs", "1", "--json", "--data"])
                .arg(&headed)
                .arg("--out")
                .arg(dir.path().join("out"))
                .args(flags),
        )
    };
    let refused = run("mlp", &["--label-column", "last"]).fails(1);
    assert!(
        refused.error().ends_with(
            "line 1 looks like a header: its last field, 'label', is not a class of the other rows \
             (whole numbers from 0 to 9); declare a header, or no header if it is data"
        ),
        "{refused}"
    );
    assert_eq!(refused.hint(), Some(HEADER_OR_DATA));
    let json = run("mlp", &["--header"]).success().json();
    assert_eq!(
        (json["rows"].as_u64(), json["classes"].as_array().map(Vec::len)),
        (Some(1797), Some(10))
    );
    assert_eq!(json["layout"]["header_line"], 1);

    // factorise keeps the label column as data: 'label' is a name over numbers.
    // Before: "line 1, field 65: 'label' is not a number", and no hint.
    let refused = run("factorise", &[]).fails(1);
    assert!(
        refused.error().ends_with(
            "line 1 looks like a header: its field 65, 'label', is a name where the other rows hold numbers; \
             declare a header to skip it"
        ),
        "{refused}"
    );
    assert_eq!(refused.hint(), Some("pass --header to skip it"));
    let json = run("factorise", &["--header"]).success().json();
    assert_eq!((json["rows"].as_u64(), json["cols"].as_u64()), (Some(1797), Some(65)));
}

/// Bad flag values: `(bin, flags, exit code, a fragment of the first line of
/// standard error)`. Without --data the bins read iris; `<file>` stands for
/// a regular file in a temporary directory, `<dir>` for that directory.
const FLAGS: &[(&str, &[&str], i32, &str)] = &[
    (
        "factorise",
        &["--rank", "0"],
        2,
        "'--rank <RANK>': must be at least 1, got 0",
    ),
    (
        "factorise",
        &["--rank", "5"],
        1,
        "datasets/iris.data: rank 5 is larger than min(150, 4) = 4",
    ),
    (
        "factorise",
        &["--lr", "0"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got 0",
    ),
    (
        "factorise",
        &["--lr", "-1"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got -1",
    ),
    (
        "factorise",
        &["--lr", "NaN"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got NaN",
    ),
    (
        "factorise",
        &["--lr", "inf"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got inf",
    ),
    (
        "factorise",
        &["--epochs", "0"],
        2,
        "'--epochs <EPOCHS>': must be at least 1, got 0",
    ),
    (
        "factorise",
        &["--epochs", "-3"],
        2,
        "'--epochs <EPOCHS>': '-3' is not a whole number",
    ),
    ("factorise", &["--seed", "-1"], 2, "'--seed <SEED>'"),
    (
        "factorise",
        &["--loss", "cubic"],
        2,
        "unknown loss 'cubic' (expected norm or squared)",
    ),
    (
        "factorise",
        &["--columns", "0,9"],
        1,
        "datasets/iris.data: column index 9 is out of range; rows have 5 fields (indices 0 to 4)",
    ),
    (
        "complete",
        &["--rank", "0"],
        2,
        "'--rank <RANK>': must be at least 1, got 0",
    ),
    (
        "complete",
        &["--rank", "5"],
        1,
        "datasets/iris.data: rank 5 is larger than min(150, 4) = 4",
    ),
    (
        "complete",
        &["--example", "--rank", "4"],
        1,
        "lab example: rank 4 is larger than min(3, 3) = 3",
    ),
    (
        "complete",
        &["--lr", "NaN"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got NaN",
    ),
    (
        "complete",
        &["--epochs", "0"],
        2,
        "'--epochs <EPOCHS>': must be at least 1, got 0",
    ),
    (
        "complete",
        &["--holdout", "0"],
        2,
        "'--holdout <HOLDOUT>': must be strictly between 0 and 1, got 0",
    ),
    (
        "complete",
        &["--holdout", "1"],
        2,
        "'--holdout <HOLDOUT>': must be strictly between 0 and 1, got 1",
    ),
    (
        "complete",
        &["--holdout", "-0.2"],
        2,
        "'--holdout <HOLDOUT>': must be strictly between 0 and 1, got -0.2",
    ),
    (
        "complete",
        &["--holdout", "0.0001"],
        1,
        "datasets/iris.data: holding out 0.0001 of 600 entries leaves 0 held out: both parts must be non-empty",
    ),
    (
        "complete",
        &["--l2", "-1"],
        2,
        "'--l2 <L2>': must be a finite number of at least 0, got -1",
    ),
    (
        "mlp",
        &["--hidden", "0"],
        2,
        "'--hidden <HIDDEN>': layer size '0': must be at least 1, got 0",
    ),
    (
        "mlp",
        &["--hidden", "8,0"],
        2,
        "'--hidden <HIDDEN>': layer size '0': must be at least 1, got 0",
    ),
    (
        "mlp",
        &["--batch", "0"],
        2,
        "'--batch <BATCH>': must be at least 1, got 0",
    ),
    ("mlp", &["--seeds", "0"], 2, "'--seeds <N>': must be at least 1, got 0"),
    (
        "mlp",
        &["--epochs", "0"],
        2,
        "'--epochs <EPOCHS>': must be at least 1, got 0",
    ),
    (
        "mlp",
        &["--lr", "-0.5"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got -0.5",
    ),
    (
        "mlp",
        &["--lr", "NaN"],
        2,
        "'--lr <LR>': must be a finite number greater than 0, got NaN",
    ),
    ("mlp", &["--folds", "0"], 2, "'--folds <K>': must be at least 1, got 0"),
    (
        "mlp",
        &["--folds", "1"],
        2,
        "'--folds <K>': cross-validation needs at least 2 folds, got 1",
    ),
    (
        "mlp",
        &["--folds", "151"],
        1,
        "datasets/iris.data: cannot make 151 folds of 150 rows: the number of folds must be at least 2 \
         and at most the rows",
    ),
    (
        "mlp",
        &["--validation", "0"],
        2,
        "'--validation <VALIDATION>': must be at least 1, got 0",
    ),
    (
        "mlp",
        &["--validation", "1.0"],
        2,
        "'--validation <VALIDATION>': must be strictly between 0 and 1, got 1",
    ),
    (
        "mlp",
        &["--validation", "150"],
        1,
        "datasets/iris.data: cannot split 150 rows with 150 for validation: the training part would be empty",
    ),
    (
        "mlp",
        &["--label-column", "middle"],
        2,
        "invalid value 'middle' for '--label-column",
    ),
    (
        "mlp",
        &["--header", "--no-header"],
        2,
        "the argument '--header' cannot be used with '--no-header'",
    ),
    (
        "factorise",
        &["--delimiter", "pipe"],
        2,
        "unknown delimiter 'pipe': expected comma (,), tab, semicolon (;) or space",
    ),
    (
        "complete",
        &["--label-column", "last", "--columns", "all"],
        2,
        "the argument '--label-column <first|last>' cannot be used with '--columns <COLUMNS>'",
    ),
    (
        "tape",
        &["--label-column", "middle"],
        2,
        "unknown label column 'middle': expected 'first' or 'last'",
    ),
    (
        "tape",
        &["--time", "0"],
        2,
        "'--time <STEPS>': must be at least 1, got 0",
    ),
    (
        "gradcheck",
        &["--cases", "0"],
        2,
        "'--cases <CASES>': must be at least 1, got 0",
    ),
    // An unwritable --out: a file where the directory, or a parent of it, should be.
    (
        "factorise",
        &["--epochs", "2", "--out", "<file>"],
        1,
        "cannot use output directory <file>: <file> is a file, not a directory",
    ),
    (
        "complete",
        &["--epochs", "2", "--out", "<file>/figures"],
        1,
        "cannot use output directory <file>/figures: <file> is a file, not a directory",
    ),
    (
        "mlp",
        &["--epochs", "2", "--out", "<file>/figures"],
        1,
        "cannot use output directory <file>/figures: <file> is a file, not a directory",
    ),
    (
        "tape",
        &["--out", "<file>"],
        1,
        "cannot use output directory <file>: <file> is a file, not a directory",
    ),
    (
        "gradcheck",
        &["--sweep", "--out", "<file>/figures"],
        1,
        "cannot use output directory <file>/figures: <file> is a file, not a directory",
    ),
    // An unwritable --html or --svg: a directory, or a file where its directory should be.
    (
        "factorise",
        &["--epochs", "2", "--html", "<dir>"],
        1,
        "cannot write <dir>: it names a directory, not a file",
    ),
    (
        "complete",
        &["--epochs", "2", "--html", "<file>/page.html"],
        1,
        "cannot use output directory <file>: <file> is a file, not a directory",
    ),
    (
        "mlp",
        &["--epochs", "2", "--html", "<dir>/pages/"],
        1,
        "cannot write <dir>/pages/: it names a directory, not a file",
    ),
    (
        "tape",
        &["--iris", "--html", "<file>/page.html"],
        1,
        "cannot use output directory <file>: <file> is a file, not a directory",
    ),
    (
        "tape",
        &["--svg", "<dir>"],
        1,
        "cannot write <dir>: it names a directory, not a file",
    ),
];

#[test]
fn every_bad_flag_value_fails_with_its_exit_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a_file");
    fs::write(&file, "not a directory\n").unwrap();
    let file = file.display().to_string();
    let folder = dir.path().display().to_string();
    let placed = |text: &str| text.replace("<file>", &file).replace("<dir>", &folder);
    let shown = |text: &str| text.replace(&file, "<file>").replace(&folder, "<dir>");
    let mut table = "\n== bad flag values and unwritable outputs ==\n".to_owned();
    for &(name, flags, code, fragment) in FLAGS {
        let flags: Vec<String> = flags.iter().copied().map(&placed).collect();
        let mut command = bin(name);
        command.args(&flags);
        if !flags.iter().any(|flag| flag == "--out") {
            command.arg("--out").arg(dir.path().join("out"));
        }
        let run = Run::of(&mut command).fails(code);
        let fragment = placed(fragment);
        assert!(run.error().contains(&fragment), "wanted: {fragment}\n{run}");
        if code == 1 {
            assert!(run.error().ends_with(&fragment), "one line, nothing after\n{run}");
        }
        table.push_str(&shown(&table_row(&flags.join(" "), name, &run)));
    }
    println!("{table}");
    assert!(!dir.path().join("out").exists(), "no run got as far as writing");
}

/// The file names in `dir` and their contents.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().into_string().unwrap(),
                fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

/// No temporary file of an atomic write is left behind.
#[track_caller]
fn assert_no_temporaries(dir: &Path) {
    let names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|name| !name.starts_with('.') && !name.ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn a_file_name_taken_by_a_directory_is_an_error_naming_the_file() {
    // Each bin with its first output file's name.
    let cases: [(&str, &[&str], &str); 5] = [
        ("factorise", &["--epochs", "2"], "factorise_loss.csv"),
        ("complete", &["--epochs", "2"], "complete_loss.csv"),
        ("mlp", &["--epochs", "2"], "mlp_loss.csv"),
        ("tape", &[], "tape.dot"),
        ("gradcheck", &["--sweep"], "eps_sweep.csv"),
    ];
    let mut table = "\n== an output file's name taken by a directory ==\n".to_owned();
    for (name, flags, taken) in cases {
        let out = tempfile::tempdir().unwrap();
        fs::create_dir(out.path().join(taken)).unwrap();
        let run = Run::of(bin(name).args(flags).arg("--out").arg(out.path())).fails(1);
        let target = out.path().join(taken);
        assert_eq!(
            run.error(),
            format!("cannot write {}: Is a directory (os error 21)", target.display()),
            "{run}"
        );
        assert_no_temporaries(out.path());
        let shown = out.path().display().to_string();
        table.push_str(&table_row(&format!("{taken} is a directory"), name, &run).replace(&shown, "<out>"));
    }
    println!("{table}");
}

#[test]
fn a_read_only_out_directory_is_an_error_unless_running_as_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(locked.join("probe"), "").is_ok() {
        // Root writes into read-only directories: there is nothing to refuse.
        println!("read-only --out: skipped, running as root");
        return;
    }
    let run = Run::of(bin("factorise").args(["--epochs", "2", "--out"]).arg(&locked)).fails(1);
    let csv = locked.join("factorise_loss.csv");
    assert!(
        run.error()
            .starts_with(&format!("cannot write {}: Permission denied", csv.display())),
        "{run}"
    );
}

/// The epoch in `training diverged at epoch N` or `... in epoch N, step S`.
fn diverged_epoch(message: &str) -> usize {
    let rest = message
        .split_once(" epoch ")
        .unwrap_or_else(|| panic!("no epoch in: {message}"))
        .1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// The number after `last finite loss ` in a divergence message.
fn last_finite_loss(message: &str) -> f64 {
    let rest = message.split_once("last finite loss ").expect(message).1;
    rest.split(')').next().unwrap().parse().expect(message)
}

/// Checks the curve a diverged run left: a complete CSV of `rows` finite
/// rows whose last loss (in column `loss_column`) is the message's last
/// finite loss, and a complete SVG.
#[track_caller]
fn assert_curve_up_to_divergence(csv: &Path, rows: usize, loss_column: usize, message: &str) {
    let text = fs::read_to_string(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + rows, "{text}");
    let width = lines[0].split(',').count();
    for line in &lines[1..] {
        let values: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(values.len(), width, "{line}");
        assert!(values.iter().all(|x| x.is_finite()), "{line}");
    }
    if rows > 0 {
        let last: f64 = lines[rows].split(',').nth(loss_column).unwrap().parse().unwrap();
        // The message prints it with 7 significant digits.
        let shown = last_finite_loss(message);
        assert!((last - shown).abs() <= 1e-6 * last.abs(), "{last} vs {message}");
    }
    let svg = fs::read_to_string(csv.with_extension("svg")).unwrap();
    assert!(svg.trim_end().ends_with("</svg>"), "a whole SVG");
}

#[test]
fn factorise_and_complete_stop_a_diverging_run_and_keep_its_curve() {
    // Plain gradient descent with lr 10 on centred iris: each step
    // multiplies the misfit's scale many times over, and within a few epochs
    // the squared norm overflows to inf.
    let mut table = "\n== diverging runs: factorise, then complete, --optimizer sgd --lr 10 ==\n".to_owned();
    for (name, csv) in [("factorise", "factorise_loss.csv"), ("complete", "complete_loss.csv")] {
        let out = tempfile::tempdir().unwrap();
        let run = Run::of(
            bin(name)
                .args(["--optimizer", "sgd", "--lr", "10", "--out"])
                .arg(out.path()),
        )
        .fails(1);
        let message = run.error();
        assert!(message.starts_with("training diverged at epoch "), "{run}");
        assert!(message.contains(": the loss is not finite (last finite loss "), "{run}");
        // The engine's anomaly report: the first node whose value is not finite.
        assert!(
            message.contains("; first non-finite value from sum_squares (node #")
                && message.contains("recorded at crates/factor/src/loss.rs:"),
            "{run}"
        );
        let epoch = diverged_epoch(message);
        assert!(epoch >= 1, "{run}");
        let csv = out.path().join(csv);
        let hint = run.hint().unwrap();
        assert_eq!(
            hint,
            format!(
                "lower --lr (try 1) or use --optimizer adam, whose steps the learning rate bounds; \
                 the losses of epochs 0 to {} are in {}",
                epoch - 1,
                csv.display()
            )
        );
        // Epochs 0 to epoch - 1 had finite losses: `epoch` rows.
        assert_curve_up_to_divergence(&csv, epoch, 1, message);
        assert_no_temporaries(out.path());
        let shown = out.path().display().to_string();
        table.push_str(&run.stderr.replace(&shown, "<out>"));
    }
    println!("{table}");
}

/// Iris's 100 training rows in one batch of 128: one step per epoch.
/// Epoch 1's step takes the weights from finite to about 1e299; epoch 2's
/// forward pass overflows.
const DIVERGING_MLP: [&str; 8] = ["--optimizer", "sgd", "--lr", "1e300", "--batch", "128", "--epochs", "5"];

#[test]
fn mlp_stops_a_diverging_run_and_keeps_its_curve() {
    let out = tempfile::tempdir().unwrap();
    let run = Run::of(bin("mlp").args(DIVERGING_MLP).arg("--out").arg(out.path())).fails(1);
    let message = run.error();
    assert!(
        message.starts_with("training diverged in epoch 2, step 1: the loss is NaN (last finite loss "),
        "{run}"
    );
    assert!(
        message.contains("; first non-finite value from ") && message.contains("recorded at crates/mlp/src/model.rs:"),
        "{run}"
    );
    let csv = out.path().join("mlp_loss.csv");
    assert_eq!(
        run.hint().unwrap(),
        format!(
            "lower --lr (try 1e299) or use --optimizer adam, whose steps the learning rate bounds; \
             the finished epoch 1 is in {}",
            csv.display()
        )
    );
    // Epoch 1 had one step, so its mean loss is the last finite loss.
    assert_curve_up_to_divergence(&csv, 1, 1, message);
    assert_no_temporaries(out.path());
    let shown = out.path().display().to_string();
    println!(
        "\n== a diverging run: mlp --optimizer sgd --lr 1e300 --batch 128 ==\n{}",
        run.stderr.replace(&shown, "<out>")
    );

    // With Adam the hint does not suggest Adam; a divergence in the first
    // epoch leaves a CSV of its header alone, and says so.
    let run = Run::of(
        bin("mlp")
            .args(["--lr", "1e300", "--seeds", "2", "--out"])
            .arg(out.path()),
    )
    .fails(1);
    assert!(
        run.error().starts_with("seed 0: training diverged in epoch 1, step 2"),
        "{run}"
    );
    assert_eq!(
        run.hint().unwrap(),
        format!(
            "lower --lr (try 1e299); no epoch finished, so {} holds only its header",
            csv.display()
        )
    );
    assert_curve_up_to_divergence(&csv, 0, 1, run.error());
}

#[test]
fn a_failed_rerun_keeps_the_earlier_runs_files_whole() {
    let out = tempfile::tempdir().unwrap();
    let in_out = |name: &str, args: &[&str]| Run::of(bin(name).args(args).arg("--out").arg(out.path()));
    in_out("factorise", &["--epochs", "5"]).success();
    in_out("complete", &["--epochs", "5"]).success();
    in_out("mlp", &["--epochs", "2", "--seeds", "2"]).success();
    let before = files_in(out.path());
    let names: Vec<&str> = before.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "complete_loss.csv",
            "complete_loss.svg",
            "factorise_loss.csv",
            "factorise_loss.svg",
            "mlp_loss.csv",
            "mlp_loss.svg",
            "mlp_runs.csv",
        ]
    );

    // Bad data and bad flags fail before anything is written.
    in_out("mlp", &["--data", "tests/data/bad/nan.csv"]).fails(1);
    in_out("factorise", &["--rank", "7"]).fails(1);
    assert_eq!(files_in(out.path()), before);

    // A diverging mlp run replaces its curve with a whole one and leaves
    // every other file, mlp_runs.csv included, as it was.
    in_out("mlp", &DIVERGING_MLP).fails(1);
    let after = files_in(out.path());
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    for (name, contents) in &after {
        let replaced = name.starts_with("mlp_loss.");
        assert_eq!(contents != &before[name], replaced, "{name}");
    }
    let csv = String::from_utf8(after["mlp_loss.csv"].clone()).unwrap();
    assert_eq!(csv.lines().count(), 2, "the header and epoch 1, whole\n{csv}");
    assert!(
        String::from_utf8_lossy(&after["mlp_loss.svg"])
            .trim_end()
            .ends_with("</svg>")
    );

    // So does a diverging factorisation, for its own two files.
    in_out("factorise", &["--optimizer", "sgd", "--lr", "10"]).fails(1);
    let last = files_in(out.path());
    for (name, contents) in &last {
        assert_eq!(contents != &after[name], name.starts_with("factorise_loss."), "{name}");
    }
    assert_no_temporaries(out.path());
}

#[test]
fn the_quirk_files_train_to_the_same_numbers_as_plain_rows() {
    // BOM, CRLF, blank lines and spaces change nothing: the same six rows,
    // the same seed, the same JSON numbers.
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    fs::write(
        &plain,
        "5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n7.0,3.2,4.7,1.4,Iris-versicolor\n\
         6.4,3.2,4.5,1.5,Iris-versicolor\n6.3,3.3,6.0,2.5,Iris-virginica\n5.8,2.7,5.1,1.9,Iris-virginica\n",
    )
    .unwrap();
    let numbers = |name: &str, data: &Path, fields: &[&str]| -> Vec<String> {
        let flags = ["--epochs", "3", "--json", "--out"];
        let json = Run::of(
            bin(name)
                .args(flags)
                .arg(dir.path().join("out"))
                .arg("--data")
                .arg(data),
        )
        .success()
        .json();
        fields.iter().map(|field| json[field].to_string()).collect()
    };
    for quirk in [
        "bom.csv",
        "crlf.csv",
        "trailing_blank_lines.csv",
        "surrounding_spaces.csv",
    ] {
        let path = common::root().join(corpus()).join(quirk);
        for (name, fields) in [
            ("factorise", &["residual", "final_loss"][..]),
            ("mlp", &["final_loss", "validation_accuracy"][..]),
        ] {
            assert_eq!(
                numbers(name, &path, fields),
                numbers(name, &plain, fields),
                "{name} {quirk}"
            );
        }
    }
}
