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
//! `add-chain` (1000 1 x 1 adds); see `benches/steps/mod.rs`.

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
        _ => {
            eprintln!(
                "error: the step must be factorise-hand, factorise-engine, mlp-hand, mlp-engine, \
                 scalar-net-scalars, scalar-net-matrices or add-chain, got '{step}'"
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
