//! CSV data sets as `ndarray` matrices: labelled sets for classifiers,
//! numeric matrices for factorisation, seeded splits, and column scaling.
//!
//! Files have no header and are comma-separated. A UTF-8 byte-order mark,
//! CRLF line endings, blank lines anywhere and spaces around fields are fine;
//! anything else wrong is a [`DataError`] whose one-line message names the
//! file, the 1-based line and the 1-based field. Every loader has a `parse_*`
//! twin that takes bytes and a display name instead of a path.
//!
//! ```
//! use data::{LabelColumn, Scale, SplitSize, Standardiser, parse_labelled, train_validation_split};
//!
//! let csv = "5.1,3.5,Iris-setosa\n7.0,3.2,Iris-versicolor\n\n4.9,3.0,Iris-setosa\n6.4,3.2,Iris-versicolor\n";
//! let iris = parse_labelled(csv.as_bytes(), "mini-iris.csv", None)?;
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
//! let error = parse_labelled(b"5.1,3.5,Iris-setosa\n7.0,abc,Iris-versicolor\n", "bad.csv", None).unwrap_err();
//! assert_eq!(error.to_string(), "bad.csv, line 2, field 2: 'abc' is not a number");
//! # Ok::<(), data::DataError>(())
//! ```
//!
//! Where to read: `table.rs` (bytes to rows: every check on the file's
//! shape), [`read_labelled`] (label detection and classes), [`read_matrix`],
//! [`Standardiser`], [`train_validation_split`] and [`k_folds`].
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod labelled;
mod matrix;
mod scaling;
mod split;
mod table;

pub use error::DataError;
pub use labelled::{LabelColumn, Labelled, MAX_CLASSES, parse_labelled, read_labelled};
pub use matrix::{Columns, FeatureMatrix, parse_features, parse_matrix, read_features, read_matrix};
pub use scaling::{Scale, Standardiser, centre_columns, standardise_columns};
pub use split::{Split, SplitSize, k_folds, shuffled_indices, train_validation_split};
