//! Numeric and labelled CSV data sets as `ndarray` matrices.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
