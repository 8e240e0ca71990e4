//! A multi-layer perceptron trained through `autograd`.
#![warn(missing_docs)]
#![forbid(unsafe_code)]
