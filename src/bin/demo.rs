//! Differentiates ||A - U Vᵀ||_F once and prints each gradient entry next to
//! its central-difference estimate.

use std::process::ExitCode;

use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use clap::Parser;

/// Differentiate ||A - U Vᵀ||_F once (A 4x3, U 4x2, V 3x2, drawn from the
/// seed) and print every gradient entry next to its finite difference.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Seed for A, U and V: the same seed gives the same numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Print a one-line JSON summary as the last line of standard output.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let demo = adlab::experiments::demo::factorisation_gradients(cli.seed)?;
    println!("loss = ||A - U Vᵀ||_F = {:.12}", demo.loss);
    println!(
        "{:<10} {:>20} {:>20} {:>10}",
        "entry", "backward", "finite difference", "|diff|"
    );
    for e in &demo.entries {
        let name = format!("d{}[{},{}]", e.parameter, e.row, e.col);
        let diff = (e.analytic - e.numeric).abs();
        println!("{name:<10} {:>20.12} {:>20.12} {diff:>10.1e}", e.analytic, e.numeric);
    }
    println!("largest difference: {:.1e}", demo.max_abs_error);
    if cli.json {
        print_json(&demo)?;
    }
    Ok(())
}
