//! # Task 6: broadcasting: a bias row, an offset column
//!
//! A 1 x n bias `b` added to every row of the m x n `A`: `Cᵢⱼ = Aᵢⱼ + bⱼ`.
//! Each `Aᵢⱼ` feeds one entry, so `dA = G`. But `bⱼ` feeds the whole column
//! `j`, every `Cᵢⱼ`, each with slope 1: it was used m times, and (as with
//! fan-out) its adjoint is the sum of the m contributions:
//!
//! ```text
//! C = A + 1 b     dA = G     db = 1ᵀ G    the sums of G's columns, a 1 x n row
//! C = A + b 1ᵀ    dA = G     db = G 1     the sums of G's rows, an m x 1 column
//! ```
//!
//! The second is the same rule across the other axis: an m x 1 column added
//! to every column. Keeping one row (or column) of `G` instead of the sum has
//! the right shape, and is right for a batch of one row: the classic
//! broadcasting bug. (`g.sum_axis(Axis(0))` sums the rows of `g` into a 1-D
//! array; `.insert_axis(Axis(0))` makes it a 1 x n matrix again.)
//!
//! Taught in chapter 3 (`docs/03-vector-jacobian-products.md`):
//! "Row-broadcast bias"; broadcasting in `crates/autograd/src/op.rs`.
//!
//! Graded: against central differences of the forward, with several rows
//! (and several columns).

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2, Axis};

/// `C = A + 1 b`: the 1 x n row `b` added to every row of `A`.
pub struct AddBias;

impl CustomOp for AddBias {
    fn name(&self) -> &str {
        "add_bias"
    }

    fn formula(&self) -> &str {
        "add_bias: dA = G, db = 1ᵀ·G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] + &inputs[1]
    }

    /// `[dA, db]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.to_owned(), grad.sum_axis(Axis(0)).insert_axis(Axis(0))]
        // end of solution
    }
}

/// `C = A + b 1ᵀ`: the m x 1 column `b` added to every column of `A`.
pub struct AddColumn;

impl CustomOp for AddColumn {
    fn name(&self) -> &str {
        "add_column"
    }

    fn formula(&self) -> &str {
        "add_column: dA = G, db = G·1"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] + &inputs[1]
    }

    /// `[dA, db]`.
    fn vjp(&self, inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        // solution
        vec![grad.to_owned(), grad.sum_axis(Axis(1)).insert_axis(Axis(1))]
        // end of solution
    }
}
