//! adlab: a hand-written reverse-mode automatic differentiation engine and
//! the experiments that prove it on real data.
//!
//! The engine is [`autograd`]; [`data`] reads the data sets, [`factor`] and
//! [`mlp`] are the experiments. This root package re-exports them and holds
//! what the bins share: [`cli`] (flags, errors, JSON), [`output`] (atomic
//! files), [`plot`] (SVG charts) and one module per demonstration.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use autograd;
pub use data;
pub use factor;
pub use mlp;

pub mod cli;
pub mod demo;
mod docs;
pub mod experiments;
pub mod output;
pub mod plot;
