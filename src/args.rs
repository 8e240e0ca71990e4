//! The flags that several bins share, as clap argument groups, and the
//! parsers of their values: [`CommonArgs`] (every bin), [`DataArgs`] (the
//! matrix of `factorise` and `complete`), [`TrainArgs`] (their training).
//! A bin flattens the groups it needs and adds its own flags.

use std::fmt;
use std::path::PathBuf;

use autograd::optim::OptimizerKind;
use clap::Args;
use data::{FeatureMatrix, Scale, Standardiser};
use factor::{Config, Loss};
use ndarray::Array2;

use crate::cli::Failure;

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

/// Which columns of the CSV file form the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnChoice {
    /// Every column except a detected label column.
    Features,
    /// Every column.
    All,
    /// These 0-based columns, in this order.
    Indices(Vec<usize>),
}

impl ColumnChoice {
    fn to_data(&self) -> data::Columns {
        match self {
            ColumnChoice::Features => data::Columns::Features,
            ColumnChoice::All => data::Columns::All,
            ColumnChoice::Indices(indices) => data::Columns::Indices(indices.clone()),
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

/// The data flags: which file, which columns, how they are scaled.
#[derive(Args, Clone, Debug, PartialEq)]
pub struct DataArgs {
    /// Numeric CSV file without a header (a label column is detected and left out).
    #[arg(long, default_value = "datasets/iris.data")]
    pub data: PathBuf,

    /// Columns to use: `features` (all but a detected label column), `all`, or
    /// 0-based indices and ranges such as `1-13` or `0,2,3`.
    #[arg(long, default_value = "features", value_parser = parse_columns)]
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

    /// Reads the chosen columns and centres (or standardises) them.
    pub fn load(&self) -> Result<Array2<f64>, Failure> {
        let mut features = self.read()?;
        self.scale_columns(&mut features.matrix);
        Ok(features.matrix)
    }

    /// Reads the matrix as [`DataArgs::load`] does and checks the training
    /// settings against it; an error names the file
    /// (`datasets/iris.data: rank 5 is larger than min(150, 4) = 4`).
    pub fn load_for(&self, config: &Config) -> Result<FeatureMatrix, Failure> {
        let mut features = self.read_for(config)?;
        self.scale_columns(&mut features.matrix);
        Ok(features)
    }

    /// The chosen columns as the file has them, checked against the
    /// training settings as in [`DataArgs::load_for`], not yet scaled.
    pub fn read_for(&self, config: &Config) -> Result<FeatureMatrix, Failure> {
        let features = self.read()?;
        let (rows, cols) = features.matrix.dim();
        factor::validate_matrix(&features.matrix)
            .and_then(|()| config.validate(rows, cols))
            .map_err(|error| Failure::new(format!("{}: {error}", self.data.display())))?;
        Ok(features)
    }

    fn read(&self) -> Result<FeatureMatrix, Failure> {
        Ok(data::read_features(&self.data, &self.columns.to_data())?)
    }

    fn scale_columns(&self, matrix: &mut Array2<f64>) {
        Standardiser::fit(matrix, self.scale()).apply(matrix);
    }
}

/// `", label column 4 left out"` when `--columns features` took a column
/// for class labels, else nothing: the header of `factorise` and `complete`
/// shows it, since a column of few distinct integers is taken for labels.
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
