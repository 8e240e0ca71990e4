//! One module per experiment: its configuration, its run (loading data,
//! training, measuring) and its outputs, so that each bin only parses flags
//! and prints, and `reproduce` can run them all.

pub mod complete;
pub mod factorise;
pub mod gradcheck;
pub mod mlp;
pub mod reproduce;
pub mod tape;
