//! One module per experiment: its configuration, its run (loading data,
//! training, measuring) and its outputs, so that each bin only parses flags
//! and prints, and `reproduce` can run them all. Two more modules hold what
//! several experiments share: [`curves`] (the loss curve's files, and what a
//! diverged run writes) and [`trace`] (`--trace`, a run's first step from
//! inside).

pub mod complete;
pub mod curves;
pub mod demo;
pub mod factorise;
pub mod gradcheck;
pub mod mlp;
pub mod one_step;
pub mod reproduce;
pub mod trace;
