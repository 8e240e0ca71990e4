//! Factorises a data matrix A ≈ U Vᵀ by gradient descent through the engine
//! and compares the result with the truncated SVD.

use std::path::PathBuf;
use std::process::ExitCode;

use adlab::args::{CommonArgs, DataArgs, TrainArgs, label_column_note};
use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use adlab::experiments::factorise::{FactoriseSettings, FactoriseSummary, first_step, run};
use adlab::experiments::trace::first_step_views;
use clap::Parser;

/// Factorise a data matrix A ≈ U Vᵀ (columns centred) by gradient descent
/// through adlab's autograd, and compare ||A - U Vᵀ||_F with the truncated
/// SVD's residual (the Eckart-Young bound) and the residuals of lower ranks,
/// where a stalled run sits on a saddle point.
///
/// The defaults (squared loss, Adam, lr 0.1, 1000 epochs, U and V from
/// U(0, 1)) reach the bound on iris. The lab report's run, which stalls on
/// the rank-1 saddle:  --loss norm --optimizer sgd --lr 0.01 --epochs 1000.
/// Wine (its class in the first column, then 13 columns on scales 1000x
/// apart): --data datasets/wine.data --label-column first --rank 3 --standardise.
/// Every column is kept unless --label-column names one, or one holds class
/// names (as iris's last).
///
/// Writes factorise_loss.csv (epoch, loss, residual) and factorise_loss.svg
/// into --out. --trace prints the first step's tape and backward sweep; --html PATH
/// writes it as a page to step through in a browser.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    data: DataArgs,

    #[command(flatten)]
    train: TrainArgs,

    /// Print the first training step from inside before training: the tape
    /// (a Wengert list: each node's op, operands, shape, the line that
    /// recorded it, its VJP and value) and the backward sweep as it happens.
    #[arg(long)]
    trace: bool,

    /// Write the first training step as one self-contained HTML page that
    /// steps through the forward pass and the backward sweep, node by node,
    /// in a browser (no network needed).
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,

    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(main_result(Cli::parse()))
}

fn main_result(cli: Cli) -> Result<(), Failure> {
    let settings = FactoriseSettings {
        data: cli.data,
        config: cli.train.config(cli.common.seed, 0.0),
        out: cli.common.out,
    };
    for block in first_step_views(cli.trace, cli.html.as_deref(), || first_step(&settings))? {
        println!("{block}");
    }
    let summary = run(&settings)?;
    print_summary(&summary);
    if cli.common.json {
        print_json(&summary)?;
    }
    Ok(())
}

fn print_summary(s: &FactoriseSummary) {
    println!(
        "{} ({}): {} x {}{}, columns {}; rank {}, {} loss, {}, lr {}, {} epochs, seed {}",
        s.data,
        s.layout.description,
        s.rows,
        s.cols,
        label_column_note(s.label_column),
        s.scaling,
        s.rank,
        s.loss,
        s.optimizer,
        s.lr,
        s.epochs,
        s.seed
    );
    println!("residual ||A - U Vᵀ||_F = {:.6}", s.residual);
    println!("SVD bound (rank {})      = {:.6}", s.rank, s.svd_residual);
    let saddles: Vec<String> = (0..s.rank).map(|k| format!("rank {k}: {:.4}", s.levels[k])).collect();
    println!("saddle levels            : {}", saddles.join(", "));
    let sigma: Vec<String> = s.singular_values.iter().map(|x| format!("{x:.4}")).collect();
    println!("singular values          : {}", sigma.join(" "));
    println!("{}", s.diagnosis);
    println!("training loop: {:.4} s", s.seconds);
    println!("wrote {} and {}", s.csv.display(), s.svg.display());
}
