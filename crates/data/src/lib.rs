//! CSV data sets as `ndarray` matrices: labelled sets for classifiers,
//! numeric matrices for factorisation, seeded splits, and column scaling.
//!
//! A file's layout is declared in [`ReadOptions`] or detected: the delimiter
//! (comma, tab, semicolon or runs of spaces), a header line, an index column
//! to drop. What the reader will not guess, it refuses: a first line that
//! looks like a header (names, the column numbers 0, 1, 2, ..., a label that
//! is not a class of the other rows, or a name over a column of numbers)
//! until the caller says whether it is one, and pandas' header over an
//! index column until the caller drops that column.
//! A UTF-8 byte-order mark, CRLF line endings, blank lines anywhere and
//! spaces around fields are fine; anything else wrong is a [`DataError`]
//! whose one-line message names the file, the 1-based line and the 1-based
//! field, and whose [`DataError::choices`] say what the caller could declare.
//! Every loader has a `parse_*` twin that takes bytes and a display name
//! instead of a path.
//!
//! ```
//! use data::{LabelColumn, ReadOptions, Scale, SplitSize, Standardiser, parse_labelled_with, train_validation_split};
//!
//! let csv = "5.1,3.5,Iris-setosa\n7.0,3.2,Iris-versicolor\n\n4.9,3.0,Iris-setosa\n6.4,3.2,Iris-versicolor\n";
//! let iris = parse_labelled_with(csv.as_bytes(), "mini-iris.csv", ReadOptions::default(), None)?.data;
//! assert_eq!(iris.label_column, LabelColumn::Last);
//! assert_eq!(iris.classes, ["Iris-setosa", "Iris-versicolor"]);
//! assert_eq!(iris.labels, [0, 1, 0, 1]);
//!
//! // Split with a seed, then fit the scaling on the training rows only.
//! let split = train_validation_split(iris.len(), SplitSize::Count(1), 7)?;
//! let (train, validation) = (iris.select(&split.train), iris.select(&split.validation));
//! let standardiser = Standardiser::fit(&train.features, Scale::StdDev);
//! let train_features = standardiser.transform(&train.features);
//! assert!(train_features.column(0).sum().abs() < 1e-12);
//! assert_eq!(standardiser.transform(&validation.features).dim(), (1, 2));
//!
//! // Errors say where.
//! let bad = b"5.1,3.5,Iris-setosa\n7.0,abc,Iris-versicolor\n";
//! let error = parse_labelled_with(bad, "bad.csv", ReadOptions::default(), None).unwrap_err();
//! assert_eq!(error.to_string(), "bad.csv, line 2, field 2: 'abc' is not a number");
//!
//! // A tab-separated file with a header: declared, read, and said so.
//! let tsv = "length\twidth\tspecies\n5.1\t3.5\tsetosa\n7.0\t3.2\tversicolor\n";
//! let options = ReadOptions { header: Some(data::Header::Present), ..ReadOptions::default() };
//! let loaded = parse_labelled_with(tsv.as_bytes(), "iris.tsv", options, None)?;
//! assert_eq!(loaded.layout.to_string(), "tab-separated, a header on line 1");
//! assert_eq!(loaded.data.features.dim(), (2, 2));
//! # Ok::<(), data::DataError>(())
//! ```
//!
//! Where to read: `table.rs` (bytes to rows: every check on the file's
//! shape, and the first row), `delimiter.rs`, `header.rs`, `labels.rs`
//! (finding the label column), [`read_labelled_with`], [`read_features_with`],
//! [`Standardiser`], [`train_validation_split`] and [`k_folds`].
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod delimiter;
mod error;
mod header;
mod labelled;
mod labels;
mod layout;
mod matrix;
mod number;
mod scaling;
mod split;
mod table;

pub use error::{Choice, DataError, HeaderSign};
pub use labelled::{Labelled, parse_labelled_with, read_labelled_with};
pub use layout::{ColumnNames, Delimiter, Header, LabelColumn, Layout, Loaded, MAX_CLASSES, ReadOptions, UnknownName};
pub use matrix::{Columns, FeatureMatrix, parse_features_with, read_features_with};
pub use scaling::{Scale, Standardiser, centre_columns, standardise_columns};
pub use split::{Split, SplitSize, k_folds, shuffled_indices, train_validation_split};
