//! A broadcast on the tape: a 1 x 2 row `b` added to every row of a 3 x 2
//! `X`, and the backward sweep that sends `b` the sum of its three
//! contributions. Chapter 3 shows and explains what it prints:
//!
//! ```text
//! cargo run --release --example broadcast
//! ```
//!
//! The loss weighs `X + b` by a constant `W`, `loss = Σ W ⊙ (X + b)`, so
//! the adjoint that reaches the add is `G = W`: then `dX = W`, and `db` is
//! the column sums of `W`, `[6, -0.25]`, each checkable by hand.

use autograd::{Tape, inspect};
use ndarray::array;

fn main() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    let b = tape.parameter(array![[10.0, 20.0]]);
    let w = tape.constant(array![[1.0, -1.0], [2.0, 0.5], [3.0, 0.25]]);
    let loss = ((x + b) * w).sum();
    print!("{}", inspect::dump(&tape));
    let (grads, trace) = inspect::backward_with_trace(&tape, loss);
    print!("{trace}");
    assert_eq!(grads[b], array![[6.0, -0.25]], "db = 1ᵀ G, the column sums of W");
}
