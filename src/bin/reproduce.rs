//! Reproduces the lab report: every experiment with the report's set-up and
//! with adlab's, written up as REPORT.md next to the figures.

use std::path::PathBuf;
use std::process::ExitCode;

use adlab::args::{CommonArgs, ReadArgs, positive_usize};
use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use adlab::experiments::reproduce::{self, DEFAULT_SEEDS, ReproduceSettings, Reproduction};
use clap::Parser;

/// Reproduce the lab report: run each of its experiments (factorising
/// centred iris at rank 2, completing a masked matrix, the MLP on iris)
/// twice, once with the report's exact set-up and once with the set-up
/// adlab recommends, each over several seeds, and write REPORT.md (the
/// report's numbers against adlab's, with a sentence on each difference)
/// and the figures into --out.
///
/// Each figure is the one the experiment's own bin draws, in a directory
/// named after the run (factorise-report/, mlp-recommended/, ...), plus the
/// eps sweep of chapter 1. The figures in docs/figures come from
/// `cargo run --release --bin reproduce -- --out docs/figures`.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// The iris file.
    #[arg(long, default_value = "datasets/iris.data")]
    data: PathBuf,

    #[command(flatten)]
    read: ReadArgs,

    /// Seeds per spread (--seed, --seed + 1, ...); the report's MLP runs over twice as many.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEEDS, value_parser = positive_usize)]
    seeds: usize,

    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let settings = ReproduceSettings {
        data: cli.data,
        read: cli.read,
        seed: cli.common.seed,
        seeds: cli.seeds,
        out: cli.common.out,
    };
    let reproduction = reproduce::run(&settings)?;
    print_summary(&reproduction);
    if cli.common.json {
        print_json(&reproduction)?;
    }
    Ok(())
}

fn print_summary(r: &Reproduction) {
    println!(
        "the lab report, reproduced: seed {}, {} seeds per spread ({} for the report's MLP)",
        r.seed,
        r.seeds,
        2 * r.seeds
    );
    for row in &r.rows {
        println!("{}", row.experiment);
        println!("  the report:                 {}", row.the_report);
        println!("  adlab, the report's set-up: {}", row.report_set_up);
        println!("  adlab, recommended:         {}", row.recommended);
    }
    println!(
        "wrote {} and {} figures in {:.1} s",
        r.report.display(),
        r.figures.len(),
        r.seconds
    );
}
