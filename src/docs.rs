//! The tutorial chapters in `docs/`, included here so that `cargo test --doc`
//! compiles and runs every Rust example in them: the docs cannot rot.
#![cfg(doctest)]

#[doc = include_str!("../README.md")]
mod readme {}

#[doc = include_str!("../docs/01-derivatives.md")]
mod chapter_01_derivatives {}

#[doc = include_str!("../docs/02-the-tape.md")]
mod chapter_02_the_tape {}

#[doc = include_str!("../docs/03-vector-jacobian-products.md")]
mod chapter_03_vector_jacobian_products {}

#[doc = include_str!("../docs/04-checking-gradients.md")]
mod chapter_04_checking_gradients {}

#[doc = include_str!("../docs/05-factorisation.md")]
mod chapter_05_factorisation {}

#[doc = include_str!("../docs/06-masked-factorisation.md")]
mod chapter_06_masked_factorisation {}

#[doc = include_str!("../docs/07-mlp-on-iris.md")]
mod chapter_07_mlp_on_iris {}

#[doc = include_str!("../docs/08-performance.md")]
mod chapter_08_performance {}

#[doc = include_str!("../docs/09-forward-mode-and-second-derivatives.md")]
mod chapter_09_forward_mode_and_second_derivatives {}

#[doc = include_str!("../docs/10-exercises.md")]
mod chapter_10_exercises {}
