//! Records one training step and shows it from inside: the tape, the
//! backward sweep as it happens, the work of each op, and a drawing.

use std::path::PathBuf;
use std::process::ExitCode;

use adlab::args::{CommonArgs, ReadArgs, positive_usize};
use adlab::cli::{Failure, exit_quietly_when_stdout_closes, finish, print_json};
use adlab::experiments::one_step::{self as experiment, GraphOutputs, Step, TapeSettings, TapeSummary};
use clap::Parser;

/// Record one training step on a tape and show it from inside: the tape as
/// a Wengert list (each node's op, operands, shape, the line that recorded
/// it, its VJP formula and value), the backward sweep step by step (the
/// adjoint reaching each node and what it sends to each operand, fan-out
/// sums marked), and the flops and bytes of each op forward and backward.
///
/// By default the step is one gradient step of the lab's 3 x 3
/// factorisation (rank 2, loss ||A - U Vᵀ||_F, U and V from U(0, 1));
/// --iris factorises the centred iris data instead (one epoch of the lab
/// report), --mlp records the first minibatch step of `mlp --hidden 12`
/// (16 rows through the iris MLP, 4-12-3). Each is recorded as training
/// records it, numbered as `--trace` numbers it. Writes tape.dot into
/// --out, and tape.svg when Graphviz's dot is on the PATH; --svg PATH draws
/// the graph without Graphviz, and --html PATH writes a page that steps
/// through the forward pass and the backward sweep in a browser.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Record the first minibatch step of `mlp --hidden 12` (the iris MLP, 4-12-3) instead.
    #[arg(long, conflicts_with = "iris")]
    mlp: bool,

    /// Record one epoch of the factorisation of iris (150 x 4, centred) instead.
    #[arg(long)]
    iris: bool,

    /// The iris file, for --iris and --mlp.
    #[arg(long, default_value = experiment::DEFAULT_DATA)]
    data: PathBuf,

    #[command(flatten)]
    read: ReadArgs,

    /// Also time this many forward + backward passes of the step and print
    /// the time per step (build with --release for meaningful numbers).
    #[arg(long, value_name = "STEPS", value_parser = positive_usize)]
    time: Option<usize>,

    /// Also write the step as one self-contained HTML page that steps
    /// through the forward pass and the backward sweep, node by node, in a
    /// browser (no network needed).
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,

    /// Also write the graph as a static SVG, laid out by adlab (no Graphviz needed).
    #[arg(long, value_name = "PATH")]
    svg: Option<PathBuf>,

    /// Also record the backward sweep itself on the tape (Tape::grad: each
    /// VJP as ops, so that gradients can be differentiated again) and print
    /// the tape once more: the backward pass as a Wengert list.
    #[arg(long)]
    grad: bool,

    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    finish(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let step = match (cli.mlp, cli.iris) {
        (true, _) => Step::Mlp,
        (false, true) => Step::Iris,
        (false, false) => Step::Lab,
    };
    let settings = TapeSettings {
        step,
        seed: cli.common.seed,
        data: cli.data,
        read: cli.read,
        time_steps: cli.time,
        recorded_backward: cli.grad,
    };
    let inside = experiment::look_inside(&settings)?;
    println!("{}", inside.description);
    println!("loss = {}\n", inside.loss);
    println!("== the tape ==\n{}", inside.dump);
    println!("== the backward sweep ==\n{}", inside.trace);
    if let Some((step_nodes, dump)) = &inside.recorded_backward {
        println!(
            "== the backward sweep recorded on the tape (Tape::grad) ==\n\
             Nodes #0 to #{} are the step; the nodes after them compute its gradients, each VJP\n\
             as ops (constants: the seed 1 and the masks), so they can be differentiated again.\n{dump}",
            step_nodes - 1
        );
    }
    println!(
        "== operation counts (flops and bytes; see autograd::inspect::count) ==\n{}",
        inside.counts
    );
    if let Some(timing) = inside.timing {
        let microseconds = timing.seconds_per_step * 1e6;
        let work = (inside.counts.forward.flops + inside.counts.backward.flops) as f64;
        println!(
            "measured: {microseconds:.2} µs per forward + backward over {} steps ({:.0} Mflop/s)\n",
            timing.steps,
            work / timing.seconds_per_step / 1e6
        );
    }
    let outputs = GraphOutputs {
        out: cli.common.out,
        page: cli.html,
        drawing: cli.svg,
    };
    let files = experiment::write_graph(&inside, &outputs)?;
    println!("wrote {}", files.dot.display());
    match &files.svg {
        Some(svg) => println!("wrote {}", svg.display()),
        None => println!(
            "Graphviz's dot is not on the PATH: no tape.svg (install Graphviz, then run: dot -Tsvg {} -o tape.svg; \
             or let adlab draw it: --svg PATH)",
            files.dot.display()
        ),
    }
    for written in files.page.iter().chain(&files.drawing) {
        println!("wrote {written}");
    }
    if cli.common.json {
        print_json(&TapeSummary::new(&settings, &inside, files))?;
    }
    Ok(())
}
