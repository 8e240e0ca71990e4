//! Runs one benchmarked step many times, for counting its instructions
//! under callgrind, which (unlike a clock) gives the same number on every
//! run, whatever else the machine is doing:
//!
//! ```text
//! cargo build --release --example step_count
//! for n in 1000 21000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/step_count mlp-engine $n 2>&1 | grep refs
//! done
//! ```
//!
//! The difference of the two totals divided by 20,000 is the count per
//! step, without the set-up. Steps: `factorise-hand`, `factorise-engine`,
//! `mlp-hand`, `mlp-engine`, and the micrograd-style network as scalars
//! and as matrices, `scalar-net-scalars` and `scalar-net-matrices`, and
//! `add-chain` (1000 1 x 1 adds); see `benches/steps/mod.rs`. And one
//! matrix product by `autograd::matmul_into`, `product-MxKxN` (a row-major
//! m x k `a`) or `product-MxKxN-t` (a column-major `a`, the transpose of a
//! row-major k x m matrix, as the backward sweep's `Hᵀ G`): for counting
//! the kernels one shape at a time (docs/08-performance.md).

#[path = "../benches/steps/mod.rs"]
mod steps;

use std::hint::black_box;
use std::process::ExitCode;

use steps::*;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let step = args.next().unwrap_or_default();
    let count: usize = match args.next().map(|n| n.parse()) {
        None => 20_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("error: the step count must be a whole number");
            return ExitCode::from(2);
        }
    };
    let (a, mut u, mut v) = iris_problem();
    let shared = a.to_shared();
    let (mut net, x, labels) = mlp_problem();
    let x_shared = x.to_shared();
    let mut engine = Engine::new(0.01);
    let scalar_net = scalar_problem();
    let mut tape = autograd::Tape::new();
    let one = ndarray::Array2::from_elem((1, 1), 1.0).into_shared();
    let run: Box<dyn FnMut() -> f64> = match step.as_str() {
        "factorise-hand" => Box::new(|| factorise_by_hand(&a, &mut u, &mut v, 0.01)),
        "factorise-engine" => Box::new(|| factorise_by_engine(&mut engine, &shared, &mut u, &mut v)),
        "mlp-hand" => Box::new(|| mlp_by_hand(&mut net, &x, &labels, 0.01)),
        "mlp-engine" => Box::new(|| mlp_by_engine(&mut engine, &mut net, &x_shared, &labels)),
        "scalar-net-scalars" => Box::new(|| scalar_net_by_scalars(&mut tape, &scalar_net)),
        "scalar-net-matrices" => Box::new(|| scalar_net_by_matrices(&mut tape, &scalar_net)),
        "add-chain" => Box::new(|| add_chain(&mut tape, &one)),
        product if product.starts_with("product-") => match product_step(product) {
            Some(run) => run,
            None => {
                eprintln!("error: a product step is product-MxKxN or product-MxKxN-t, got '{step}'");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!(
                "error: the step must be factorise-hand, factorise-engine, mlp-hand, mlp-engine, \
                 scalar-net-scalars, scalar-net-matrices, add-chain or product-MxKxN[-t], got '{step}'"
            );
            return ExitCode::from(2);
        }
    };
    let mut run = run;
    for _ in 0..count {
        black_box(run());
    }
    ExitCode::SUCCESS
}

/// `product-MxKxN[-t]`: `out = a · b` by `autograd::matmul_into`, for an
/// m x k `a` (column-major with `-t`; when m or k is 1 the two layouts are
/// one, and the row-major path runs) and a row-major k x n `b`.
fn product_step(step: &str) -> Option<Box<dyn FnMut() -> f64>> {
    let shape = step.strip_prefix("product-")?;
    let (shape, column_major) = match shape.strip_suffix("-t") {
        Some(shape) => (shape, true),
        None => (shape, false),
    };
    let sizes: Vec<usize> = shape.split('x').map(|size| size.parse().ok()).collect::<Option<_>>()?;
    let [m, k, n] = sizes[..] else { return None };
    let entry = |i: usize, j: usize| ((i * 7 + j) % 13) as f64 * 0.1 - 0.6;
    let a = if column_major {
        ndarray::Array2::from_shape_fn((k, m), |(i, j)| entry(j, i)).reversed_axes()
    } else {
        ndarray::Array2::from_shape_fn((m, k), |(i, j)| entry(i, j))
    };
    let b = ndarray::Array2::from_shape_fn((k, n), |(i, j)| entry(j, i));
    let mut out = ndarray::Array2::zeros((m, n));
    Some(Box::new(move || {
        autograd::matmul_into(black_box(a.view()), black_box(b.view()), &mut out);
        out.first().copied().unwrap_or(0.0)
    }))
}
