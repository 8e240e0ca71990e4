//! adlab: a hand-written reverse-mode automatic differentiation engine and
//! the experiments that prove it on real data.
//!
//! The engine is [`autograd`]; [`data`] reads the data sets, [`factor`] and
//! [`mlp`] are the experiments, [`exercises`] is the auto-graded exercise
//! track. This root package re-exports them and holds what the bins share:
//! [`args`] (the flags several bins take), [`cli`] (errors, exit codes,
//! JSON), [`output`] (atomic files), [`plot`] (SVG charts), and
//! [`experiments`], one module per bin.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub use autograd;
pub use data;
pub use exercises;
pub use factor;
pub use mlp;

pub mod args;
pub mod cli;
mod docs;
pub mod experiments;
pub mod output;
pub mod plot;
