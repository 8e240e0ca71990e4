//! Factorises a data matrix A ≈ U Vᵀ by gradient descent through the engine
//! and compares the result with the truncated SVD.

use std::process::ExitCode;

use adlab::args::{CommonArgs, DataArgs, FirstStepArgs, TrainArgs, label_column_note, positive_f64, positive_usize};
use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use adlab::experiments::curves::round_number;
use adlab::experiments::factorise::{CurvatureSettings, FactoriseSettings, FactoriseSummary, first_step, run};
use adlab::factor::Config;
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

    #[command(flatten)]
    first_step: FirstStepArgs,

    /// After training, certify what kind of point it stopped at: the
    /// smallest and largest eigenvalues of the loss's Hessian (Lanczos on
    /// Hessian-vector products), and a verdict: saddle (negative curvature
    /// beyond the eigenvalue's residual), minimum, or undecided.
    #[arg(long)]
    curvature: bool,

    /// At a saddle, take one step along the direction of negative curvature
    /// (its size by a line search) and train on with the same optimiser,
    /// beside the same training without the step (implies --curvature).
    #[arg(long)]
    escape: bool,

    /// Epochs of the training after the step [default: --epochs].
    #[arg(long, value_name = "EPOCHS", value_parser = positive_usize, requires = "escape")]
    escape_epochs: Option<usize>,

    /// Learning rate of the training after the step [default: --lr].
    #[arg(long, value_name = "LR", value_parser = positive_f64, requires = "escape")]
    escape_lr: Option<f64>,

    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(main_result(Cli::parse()))
}

fn main_result(cli: Cli) -> Result<(), Failure> {
    let config = cli.train.config(cli.common.seed, 0.0);
    let escape = cli.escape.then(|| Config {
        epochs: cli.escape_epochs.unwrap_or(config.epochs),
        lr: cli.escape_lr.unwrap_or(config.lr),
        ..config
    });
    let settings = FactoriseSettings {
        data: cli.data,
        config,
        out: cli.common.out,
        curvature: (cli.curvature || cli.escape).then_some(CurvatureSettings { escape }),
    };
    cli.first_step.show(|| first_step(&settings))?;
    let summary = run(&settings)?;
    print_summary(&summary, cli.escape);
    if cli.common.json {
        print_json(&summary)?;
    }
    Ok(())
}

fn print_summary(s: &FactoriseSummary, wants_escape: bool) {
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
    if let Some(c) = &s.curvature {
        println!(
            "curvature at the end point ({} Hessian-vector products, Lanczos): smallest eigenvalue {} \
             (residual {:.1e}), largest {:.4}; gradient norm {:.1e}",
            c.products,
            eigenvalue(c.min_eigenvalue),
            c.residual,
            c.max_eigenvalue,
            c.gradient_norm
        );
        let why = match c.verdict {
            "saddle" => "a direction of negative curvature, certified: the loss curves down along it",
            "minimum" => "no negative curvature beyond rounding",
            _ => "Lanczos could not settle the sign of the smallest eigenvalue",
        };
        println!("verdict: {} ({why})", c.verdict);
    }
    if let Some(e) = &s.escape {
        println!(
            "escape: a step of {} along it takes the residual from {:.4} to {:.4}; then {} epochs of {} at lr {}: \
             {:.4} (without the step: {:.4})",
            round_number(e.step),
            e.residual_before,
            e.residual_after_step,
            e.epochs,
            e.optimizer,
            e.lr,
            e.residual_end,
            e.residual_end_without_step
        );
        println!("wrote {} and {}", e.csv.display(), e.svg.display());
    } else if s.curvature.as_ref().is_some_and(|c| c.verdict != "saddle") && wants_escape {
        println!("escape: not taken, there is no direction of negative curvature to step along");
    }
}

/// An eigenvalue to six decimals, or in scientific notation where those
/// would show only zeros (a minimum's flat directions: about 1e-15).
fn eigenvalue(x: f64) -> String {
    if x.abs() >= 1e-3 {
        format!("{x:.6}")
    } else {
        format!("{x:.3e}")
    }
}
