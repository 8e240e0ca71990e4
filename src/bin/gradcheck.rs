//! Checks every built-in op and every experiment loss against finite
//! differences, sweeps the finite-difference step, and shows the bug zoo.

use std::process::ExitCode;

use adlab::args::{CommonArgs, positive_usize};
use adlab::autograd::check::ADJOINT_TOLERANCE;
use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use adlab::experiments::gradcheck::{
    CheckRow, SweepSummary, ZooEntry, check_builtin_ops, check_experiment_losses, sweep, write_sweep, zoo,
};
use adlab::output::OutputDir;
use clap::Parser;
use serde::Serialize;

/// Check gradients against central differences: every built-in op and
/// every loss the experiments train (factorisation norm and squared, masked
/// with L2, the MLP's cross-entropy), each on seeded random cases with
/// shapes up to 6x6, as a whole function and node by node (each node's VJP
/// against its own forward).
///
/// --sweep instead prints the finite-difference error against the step h
/// from 1e-1 to 1e-12 and writes eps_sweep.csv and eps_sweep.svg into --out;
/// --zoo shows each planted wrong backward rule being caught and blamed on
/// its own node.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Random cases per op and per loss.
    #[arg(long, default_value_t = 200, value_parser = positive_usize)]
    cases: usize,

    /// Print and plot the eps sweep (instead of the table).
    #[arg(long)]
    sweep: bool,

    /// Show each planted bug being caught (instead of the table).
    #[arg(long)]
    zoo: bool,

    #[command(flatten)]
    common: CommonArgs,
}

/// The `--json` line: the sections that ran.
#[derive(Serialize)]
struct Summary {
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cases: Option<usize>,
    passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Vec<CheckRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<SweepSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zoo: Option<Vec<ZooEntry>>,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let seed = cli.common.seed;
    let table = !(cli.sweep || cli.zoo);
    let mut summary = Summary {
        seed,
        cases: table.then_some(cli.cases),
        passed: true,
        checks: None,
        sweep: None,
        zoo: None,
    };
    if table {
        let mut rows = check_builtin_ops(seed, cli.cases);
        rows.extend(check_experiment_losses(seed, cli.cases));
        print_table(&rows, cli.cases, seed);
        summary.passed = rows.iter().all(|row| row.passed);
        summary.checks = Some(rows);
    }
    if cli.sweep {
        let mut result = sweep(seed)?;
        write_sweep(&mut result, &OutputDir::create(&cli.common.out)?)?;
        print_sweep(&result);
        summary.sweep = Some(result);
    }
    if cli.zoo {
        let entries = zoo(seed);
        print_zoo(&entries);
        summary.passed &= entries
            .iter()
            .all(|entry| entry.caught && entry.localised && entry.adjoint_caught);
        summary.zoo = Some(entries);
    }
    if cli.common.json {
        print_json(&summary)?;
    }
    verdict(&summary)
}

fn print_table(rows: &[CheckRow], cases: usize, seed: u64) {
    println!(
        "{cases} seeded cases each (seed {seed}), shapes up to 6x6; h = 1e-6; an element fails when \
         |analytic - numeric| > 1e-7 + 1e-6·|numeric|"
    );
    println!(
        "whole: the function's gradient; local: every node's VJP against its own forward; \
         adjoint: |⟨u, J v⟩ - ⟨Jᵀu, v⟩|, the VJP against the JVP with no step (fails above {ADJOINT_TOLERANCE:e})"
    );
    let width = rows
        .iter()
        .map(|row| row.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(24);
    println!(
        "{:<4} {:<width$} {:>6} {:>11} {:>11} {:>11} {:>11}  verdict",
        "", "op or loss", "cases", "worst abs", "worst rel", "local rel", "adjoint"
    );
    for row in rows {
        println!(
            "{:<4} {:<width$} {:>6} {:>11.2e} {:>11.2e} {:>11.2e} {:>11.1e}  {}",
            row.kind,
            row.name,
            row.cases,
            row.max_abs_error,
            row.max_rel_error,
            row.local_max_rel_error,
            row.adjoint_gap,
            if row.passed { "pass" } else { "FAIL" }
        );
    }
    for row in rows {
        if let Some(failure) = &row.failure {
            println!("\n{} {}, {failure}", row.kind, row.name);
        }
    }
}

fn print_sweep(sweep: &SweepSummary) {
    println!("eps sweep of {}: central differences against backward", sweep.function);
    println!(
        "{:>9} {:>12} {:>12} {:>14} {:>14}",
        "h", "max abs err", "rel err", "truncation h²", "round-off ε/h"
    );
    for p in &sweep.points {
        println!(
            "{:>9.1e} {:>12.2e} {:>12.2e} {:>14.2e} {:>14.2e}",
            p.step, p.max_abs_error, p.rel_error, p.truncation, p.round_off
        );
    }
    println!(
        "best h = {:.1e}; the theory lines cross at {:.1e}; cbrt(ε) = {:.1e}; {}",
        sweep.best_step,
        sweep.predicted_best_step,
        sweep.cbrt_epsilon,
        if sweep.v_shaped { "V-shaped" } else { "not V-shaped" }
    );
    if let (Some(csv), Some(svg)) = (&sweep.csv, &sweep.svg) {
        println!("wrote {} and {}", csv.display(), svg.display());
    }
}

fn print_zoo(entries: &[ZooEntry]) {
    for (k, entry) in entries.iter().enumerate() {
        if k > 0 {
            println!();
        }
        println!("bug {}: {}", k + 1, entry.bug);
        println!("{}", entry.report);
        println!("     correct rule: {}", entry.correct_formula);
        let verdict = match (entry.caught, entry.localised) {
            (true, true) => format!("caught, and blamed on {}", entry.op),
            (true, false) => format!("caught, but blamed on [{}]", entry.blamed.join(", ")),
            (false, _) => "MISSED by the whole-function check".to_owned(),
        };
        let adjoint = if entry.adjoint_caught {
            "caught by the adjoint test too"
        } else {
            "MISSED by the adjoint test"
        };
        println!("verdict: {verdict}; {adjoint}");
    }
}

/// Exit 1 when a check of a correct rule failed or a planted bug escaped.
fn verdict(summary: &Summary) -> Result<(), Failure> {
    if summary.passed {
        return Ok(());
    }
    let failed: Vec<&str> = summary
        .checks
        .iter()
        .flatten()
        .filter(|row| !row.passed)
        .map(|row| row.name.as_str())
        .chain(
            summary
                .zoo
                .iter()
                .flatten()
                .filter(|entry| !(entry.caught && entry.localised))
                .map(|entry| entry.bug.as_str()),
        )
        .collect();
    Err(Failure::new(format!("gradient check failed: {}", failed.join(", ")))
        .with_hint("the report above names the node, its rule and its worst element"))
}
