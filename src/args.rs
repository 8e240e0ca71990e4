//! The flags that several bins share, as clap argument groups, and the
//! parsers of their values: [`CommonArgs`] (every bin), [`ReadArgs`] (how
//! every bin that reads data reads its file), [`DataArgs`] (the matrix of
//! `factorise` and `complete`), [`TrainArgs`] (their training),
//! [`FirstStepArgs`] (`--trace` and `--html` on the training bins). A bin
//! flattens the groups it needs and adds its own flags. [`read_failure`]
//! turns a data error into the bins' `error:` and `hint:` lines, naming
//! [`ReadArgs`]' flags.

use std::fmt;
use std::path::{Path, PathBuf};

use autograd::optim::OptimizerKind;
use clap::Args;
use data::{
    Choice, Columns, DataError, Delimiter, FeatureMatrix, Header, LabelColumn, Layout, Loaded, ReadOptions, Scale,
    Standardiser,
};
use factor::{Config, Loss};
use ndarray::Array2;
use serde::Serialize;

use crate::cli::Failure;
use crate::experiments::trace::{TrainingStep, first_step_views};

/// `--trace` and `--html PATH`: a training bin's first step seen from
/// inside, before it trains.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct FirstStepArgs {
    /// Print the first training step from inside before training: the tape
    /// (a Wengert list: each node's op, operands, shape, the line that
    /// recorded it, its VJP and value) and the backward sweep as it happens.
    #[arg(long)]
    pub trace: bool,

    /// Write the first training step as one self-contained HTML page that
    /// steps through the forward pass and the backward sweep, node by node,
    /// in a browser (no network needed).
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

impl FirstStepArgs {
    /// Prints what the flags ask for (see [`first_step_views`]); records
    /// the step with `first_step` only when one of them is given.
    pub fn show(&self, first_step: impl FnOnce() -> Result<TrainingStep, Failure>) -> Result<(), Failure> {
        for block in first_step_views(self.trace, self.html.as_deref(), first_step)? {
            println!("{block}");
        }
        Ok(())
    }
}

/// The flags every experiment bin takes.
#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Seed for every random draw: the same seed gives the same numbers.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Print a one-line JSON summary as the last line of standard output.
    #[arg(long)]
    pub json: bool,

    /// Directory for the figures and CSV files (created if missing).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

/// How a data file is read where looking at it is not enough: the flags of
/// every bin that reads data. By default the delimiter and the label column
/// are detected, and a first line that looks like a header is refused until
/// `--header` or `--no-header` says which it is.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadArgs {
    /// The first line is a header (column names): skip it.
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,

    /// The first line is data, even if it looks like a header (such as the
    /// column numbers 0, 1, 2, ... that pandas writes over unnamed columns).
    #[arg(long)]
    pub no_header: bool,

    /// The character between fields: comma (,), tab, semicolon (;) or space
    /// (a run of spaces, as numpy.savetxt writes) [default: detected from the
    /// first 100 rows].
    #[arg(long, value_name = "comma|tab|semicolon|space")]
    pub delimiter: Option<Delimiter>,

    /// Drop the first column, a row index as pandas writes by default (a
    /// first line whose first field is empty is then the header).
    #[arg(long)]
    pub drop_index_column: bool,

    /// The column of class labels, first or last: mlp learns them
    /// [default: detected]; factorise and complete leave it out [default:
    /// only a column of class names is left out].
    #[arg(long, value_name = "first|last")]
    pub label_column: Option<LabelColumn>,
}

impl ReadArgs {
    /// The declarations these flags make, for the `data` readers.
    pub fn options(&self) -> ReadOptions {
        let header = match (self.header, self.no_header) {
            (true, _) => Some(Header::Present),
            (false, true) => Some(Header::Absent),
            (false, false) => None,
        };
        ReadOptions {
            header,
            delimiter: self.delimiter,
            drop_index_column: self.drop_index_column,
        }
    }

    /// The flags as a command line gives them: `--header --delimiter tab`.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.header {
            flags.push("--header".to_owned());
        }
        if self.no_header {
            flags.push("--no-header".to_owned());
        }
        if let Some(delimiter) = self.delimiter {
            flags.push(format!("--delimiter {delimiter}"));
        }
        if self.drop_index_column {
            flags.push("--drop-index-column".to_owned());
        }
        if let Some(column) = self.label_column {
            flags.push(format!("--label-column {column}"));
        }
        flags
    }
}

/// A data error as the bins report it: its one-line message and, when a
/// declaration would settle it ([`DataError::choices`]), a hint naming
/// [`ReadArgs`]' flags: `pass --header if it is a header, or --no-header if
/// it is data`; else the error's [`DataError::advice`] on the file, if any.
pub fn read_failure(error: DataError) -> Failure {
    let choices = error.choices();
    let flags: Vec<String> = choices
        .iter()
        .map(|choice| match *choice {
            Choice::Header(Header::Present) if choices.len() > 1 => "--header if it is a header".to_owned(),
            Choice::Header(Header::Present) => "--header to skip it".to_owned(),
            Choice::Header(Header::Absent) => "--no-header if it is data".to_owned(),
            Choice::Delimiter(delimiter) => format!("--delimiter {delimiter}"),
            Choice::DropIndexColumn => "--drop-index-column".to_owned(),
            Choice::LabelColumn(column) => format!("--label-column {column}"),
        })
        .collect();
    let hint = if flags.is_empty() {
        error.advice()
    } else {
        Some(format!("pass {}", flags.join(", or ")))
    };
    let failure = Failure::new(error);
    match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}

/// How a data file was read, as the bins' `--json` lines give it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayoutSummary {
    /// `comma`, `tab`, `semicolon` or `space`, declared or detected.
    pub delimiter: String,
    /// The 1-based line of the header that was skipped, if any.
    pub header_line: Option<u64>,
    /// Whether the first column was dropped as a row index.
    pub index_column_dropped: bool,
    /// The three in words, as the bins' first line shows them:
    /// `tab-separated, a header on line 1`.
    pub description: String,
}

impl From<&Layout> for LayoutSummary {
    fn from(layout: &Layout) -> Self {
        LayoutSummary {
            delimiter: layout.delimiter.to_string(),
            header_line: layout.header.as_ref().map(|header| header.line),
            index_column_dropped: layout.index_column_dropped,
            description: layout.to_string(),
        }
    }
}

/// Which columns of the CSV file form the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnChoice {
    /// Every column but the labels: the column `--label-column` names, else
    /// a column of class names at either end (a column of numbers is data).
    Features,
    /// Every column.
    All,
    /// These 0-based columns, in this order.
    Indices(Vec<usize>),
}

impl ColumnChoice {
    /// The columns to read, given the label column the user named, if any.
    fn to_data(&self, label_column: Option<LabelColumn>) -> Columns {
        match self {
            ColumnChoice::Features => label_column.map_or(Columns::AllButTextLabels, Columns::Except),
            ColumnChoice::All => Columns::All,
            ColumnChoice::Indices(indices) => Columns::Indices(indices.clone()),
        }
    }
}

impl fmt::Display for ColumnChoice {
    /// As `--columns` takes it: `features`, `all`, or indices such as `0,2,3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnChoice::Features => f.write_str("features"),
            ColumnChoice::All => f.write_str("all"),
            ColumnChoice::Indices(indices) => {
                let indices: Vec<String> = indices.iter().map(usize::to_string).collect();
                f.write_str(&indices.join(","))
            }
        }
    }
}

/// Parses `--columns`: `features`, `all`, or 0-based indices and inclusive
/// ranges separated by commas (`1-13`, `0,2,3`, `0-1,3`).
pub fn parse_columns(text: &str) -> Result<ColumnChoice, String> {
    match text {
        "features" => return Ok(ColumnChoice::Features),
        "all" => return Ok(ColumnChoice::All),
        _ => {}
    }
    let index = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{part}' is not a column index (expected features, all, or e.g. 1-13 or 0,2,3)"))
    };
    let mut indices = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (index(first)?, index(last)?);
                if first > last {
                    return Err(format!("the range {first}-{last} runs backwards"));
                }
                indices.extend(first..=last);
            }
            None => indices.push(index(part)?),
        }
    }
    Ok(ColumnChoice::Indices(indices))
}

/// The data flags: which file, how it is read, which columns, how they are scaled.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct DataArgs {
    /// Numeric CSV file (a column of class names is left out; see --label-column).
    #[arg(long, default_value = "datasets/iris.data")]
    pub data: PathBuf,

    /// How the file is read.
    #[command(flatten)]
    pub read: ReadArgs,

    /// Columns to use: `features` (every column but the labels: the one
    /// --label-column names, else a column of class names), `all`, or
    /// 0-based indices and ranges such as `1-13` or `0,2,3`.
    #[arg(long, default_value = "features", value_parser = parse_columns, conflicts_with = "label_column")]
    pub columns: ColumnChoice,

    /// Standardise each column to mean 0 and standard deviation 1 instead of
    /// only centring it (for columns on different scales, e.g. wine).
    #[arg(long)]
    pub standardise: bool,
}

impl Default for DataArgs {
    /// Iris's four measurements, centred.
    fn default() -> Self {
        DataArgs {
            data: PathBuf::from("datasets/iris.data"),
            read: ReadArgs::default(),
            columns: ColumnChoice::Features,
            standardise: false,
        }
    }
}

impl DataArgs {
    /// `"centred"` or `"standardised"`.
    pub fn scaling(&self) -> &'static str {
        if self.standardise { "standardised" } else { "centred" }
    }

    /// How [`DataArgs::load`] and [`DataArgs::load_for`] scale the columns.
    pub fn scale(&self) -> Scale {
        if self.standardise {
            Scale::StdDev
        } else {
            Scale::CentreOnly
        }
    }

    /// Reads the chosen columns and centres (or standardises) them, with
    /// no check on their shape.
    pub fn load(&self) -> Result<Loaded<FeatureMatrix>, Failure> {
        let mut features = self.read()?;
        self.scale_columns(&mut features.data.matrix);
        Ok(features)
    }

    /// Reads the matrix as [`DataArgs::load`] does and checks the training
    /// settings against it; an error names the file
    /// (`datasets/iris.data: rank 5 is larger than min(150, 4) = 4`), and a
    /// matrix that centring leaves all zeros is refused ([`nothing_to_fit`]).
    pub fn load_for(&self, config: &Config) -> Result<Loaded<FeatureMatrix>, Failure> {
        let mut features = self.read_for(config)?;
        let matrix = &mut features.data.matrix;
        self.scale_columns(matrix);
        if matrix.iter().all(|&x| x == 0.0) {
            return Err(nothing_to_fit(&self.data, matrix.nrows(), false));
        }
        Ok(features)
    }

    /// The chosen columns as the file has them, checked against the
    /// training settings as in [`DataArgs::load_for`], not yet scaled.
    pub fn read_for(&self, config: &Config) -> Result<Loaded<FeatureMatrix>, Failure> {
        let features = self.read()?;
        let (rows, cols) = features.data.matrix.dim();
        factor::validate_matrix(&features.data.matrix)
            .and_then(|()| config.validate(rows, cols))
            .map_err(|error| Failure::new(format!("{}: {error}", self.data.display())))?;
        Ok(features)
    }

    fn read(&self) -> Result<Loaded<FeatureMatrix>, Failure> {
        let columns = self.columns.to_data(self.read.label_column);
        data::read_features_with(&self.data, self.read.options(), &columns).map_err(read_failure)
    }

    fn scale_columns(&self, matrix: &mut Array2<f64>) {
        Standardiser::fit(matrix, self.scale()).apply(matrix);
    }
}

/// The failure of a run whose entries to fit centring has left all zeros
/// (every column constant, as in a file of one row; with `observed_only`,
/// every column's observed entries): `U Vᵀ = 0` fits them exactly, so there
/// is nothing to train, and no scale to judge a run's residual by.
pub fn nothing_to_fit(data: &Path, rows: usize, observed_only: bool) -> Failure {
    let (why, what) = match (rows, observed_only) {
        (1, false) => ("one row of data", "the matrix is"),
        (1, true) => ("one row of data", "the observed entries are"),
        (_, false) => ("every column is constant", "the matrix is"),
        (_, true) => ("every column's observed entries are equal", "they are"),
    };
    Failure::new(format!(
        "{}: {why}, so once centred {what} all zeros: U Vᵀ = 0 fits exactly, and there is nothing to fit",
        data.display()
    ))
}

/// `", label column 4 left out"` when a column was taken for class labels,
/// else nothing: the header of `factorise` and `complete` shows it.
pub fn label_column_note(label_column: Option<usize>) -> String {
    label_column.map_or_else(String::new, |column| format!(", label column {column} left out"))
}

/// The training flags; the defaults are [`Config::default`].
#[derive(Args, Clone, Debug, PartialEq)]
pub struct TrainArgs {
    /// Rank r: U is m x r, V is n x r.
    #[arg(long, default_value_t = Config::default().rank, value_parser = positive_usize, allow_negative_numbers = true)]
    pub rank: usize,

    /// Loss: `norm` (||A - U Vᵀ||_F, as in the lab report) or `squared` (its square).
    #[arg(long, default_value_t = Config::default().loss)]
    pub loss: Loss,

    /// Optimiser: `sgd`, `momentum` (μ = 0.9) or `adam`.
    #[arg(long, default_value_t = Config::default().optimizer)]
    pub optimizer: OptimizerKind,

    /// Learning rate.
    #[arg(long, default_value_t = Config::default().lr, value_parser = positive_f64, allow_negative_numbers = true)]
    pub lr: f64,

    /// Number of updates.
    #[arg(long, default_value_t = Config::default().epochs, value_parser = positive_usize, allow_negative_numbers = true)]
    pub epochs: usize,
}

impl TrainArgs {
    /// The training configuration these flags give, with this seed and penalty.
    pub fn config(&self, seed: u64, l2: f64) -> Config {
        Config {
            rank: self.rank,
            loss: self.loss,
            optimizer: self.optimizer,
            lr: self.lr,
            epochs: self.epochs,
            l2,
            seed,
        }
    }
}

/// Parses a finite number greater than 0 (learning rates, penalties).
pub fn positive_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number greater than 0, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a finite number that is 0 or more (an optional penalty).
pub fn non_negative_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number of at least 0, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a fraction strictly between 0 and 1 (a hold-out share).
pub fn open_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        Ok(x) => Err(format!("must be strictly between 0 and 1, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a whole number of at least 1 (epochs, ranks, batch sizes).
pub fn positive_usize(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1, got 0".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{text}' is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_parse_as_names_lists_and_ranges() {
        assert_eq!(parse_columns("features"), Ok(ColumnChoice::Features));
        assert_eq!(parse_columns("all"), Ok(ColumnChoice::All));
        assert_eq!(parse_columns("1-3"), Ok(ColumnChoice::Indices(vec![1, 2, 3])));
        assert_eq!(parse_columns("0,2, 5"), Ok(ColumnChoice::Indices(vec![0, 2, 5])));
        assert_eq!(parse_columns("0-1,4"), Ok(ColumnChoice::Indices(vec![0, 1, 4])));
        assert_eq!(parse_columns("3-1"), Err("the range 3-1 runs backwards".to_owned()));
        assert!(parse_columns("x").unwrap_err().contains("'x' is not a column index"));
        assert!(parse_columns("1,").is_err());
        for text in ["features", "all", "0,2,5"] {
            assert_eq!(parse_columns(text).unwrap().to_string(), text, "shown as parsed");
        }
    }

    #[test]
    fn data_errors_hint_at_the_flags_that_settle_them() {
        let error = |text: &str, label| {
            data::parse_labelled_with(text.as_bytes(), "f.csv", ReadOptions::default(), label).unwrap_err()
        };
        let hint = |error: DataError| read_failure(error).hint().map(str::to_owned);
        for (text, expected) in [
            ("a,b,c\n1,2,x\n3,4,y\n", "pass --header to skip it"),
            (
                "0,1,2\n1,2,0\n3,4,1\n",
                "pass --header if it is a header, or --no-header if it is data",
            ),
            (",a,b\n0,1,x\n1,2,y\n", "pass --drop-index-column"),
            (
                "1.5,2.5\n2.5,3.5\n",
                "pass --label-column last, or --label-column first",
            ),
        ] {
            assert_eq!(hint(error(text, None)).as_deref(), Some(expected), "{text}");
        }
        let tabs = data::parse_labelled_with(
            b"1\t2\tx\n3\t4\ty\n",
            "f.tsv",
            ReadOptions {
                delimiter: Some(Delimiter::Comma),
                ..ReadOptions::default()
            },
            None,
        )
        .unwrap_err();
        assert_eq!(hint(tabs).as_deref(), Some("pass --delimiter tab"));
        // Nothing to declare, but something to do to the file.
        assert_eq!(
            hint(error("5,1;3,5;x\n4,9;3,0;y\n", None)).as_deref(),
            Some(
                "the file is semicolon-separated with decimal commas (a European spreadsheet export): \
                 re-export it with decimal points"
            )
        );
        // Nothing to declare: the file itself is wrong.
        assert_eq!(hint(error("1,2,x\n3,abc,y\n", None)), None);
        assert_eq!(
            read_failure(error("1,2,x\n3,abc,y\n", None)).message(),
            "f.csv, line 2, field 2: 'abc' is not a number"
        );
    }

    #[test]
    fn read_flags_declare_and_spell_themselves() {
        assert_eq!(ReadArgs::default().options(), ReadOptions::default());
        assert!(ReadArgs::default().flags().is_empty());
        let read = ReadArgs {
            header: true,
            no_header: false,
            delimiter: Some(Delimiter::Tab),
            drop_index_column: true,
            label_column: Some(LabelColumn::First),
        };
        assert_eq!(
            read.options(),
            ReadOptions {
                header: Some(Header::Present),
                delimiter: Some(Delimiter::Tab),
                drop_index_column: true,
            }
        );
        assert_eq!(
            read.flags().join(" "),
            "--header --delimiter tab --drop-index-column --label-column first"
        );
        let data = ReadArgs {
            no_header: true,
            ..ReadArgs::default()
        };
        assert_eq!(data.options().header, Some(Header::Absent));
        assert_eq!(data.flags(), ["--no-header"]);
    }

    #[test]
    fn features_mean_every_column_but_the_named_or_textual_labels() {
        assert_eq!(ColumnChoice::Features.to_data(None), Columns::AllButTextLabels);
        assert_eq!(
            ColumnChoice::Features.to_data(Some(LabelColumn::Last)),
            Columns::Except(LabelColumn::Last)
        );
        assert_eq!(ColumnChoice::All.to_data(None), Columns::All);
    }

    #[test]
    fn flag_parsers_accept_and_refuse() {
        assert_eq!(positive_f64("0.01"), Ok(0.01));
        assert!(positive_f64("0").unwrap_err().contains("greater than 0"));
        assert!(positive_f64("-1").is_err());
        assert!(positive_f64("NaN").unwrap_err().contains("got NaN"));
        assert!(positive_f64("inf").is_err());
        assert!(positive_f64("fast").unwrap_err().contains("not a number"));
        assert_eq!(non_negative_f64("0"), Ok(0.0));
        assert!(non_negative_f64("-0.5").is_err());
        assert_eq!(open_fraction("0.2"), Ok(0.2));
        assert!(open_fraction("0").is_err());
        assert!(open_fraction("1").is_err());
        assert!(open_fraction("NaN").is_err());
        assert_eq!(positive_usize("3"), Ok(3));
        assert!(positive_usize("0").is_err());
        assert!(positive_usize("-2").is_err());
    }
}
