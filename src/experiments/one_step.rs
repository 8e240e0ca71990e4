//! The `tape` bin's work: one training step seen from inside, the tape of
//! one step of the lab's factorisation (or of the iris MLP), its backward
//! sweep as it happens, the work each op does, and drawings of the graph:
//! a DOT file, and (when asked) a static SVG and a page to step through in
//! a browser.
//!
//! The steps are recorded by the functions that training records each step
//! with, [`factor::record_step`] and [`mlp::Minibatch::record`] (through
//! [`mlp::FirstStep`]), so what is shown is exactly what `factorise` and
//! `mlp` differentiate, numbered as their `--trace` numbers it.

use std::hint::black_box;
use std::io::{ErrorKind, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use autograd::inspect::{self, Counts, DotOptions};
use autograd::{Gradients, Tape};
use data::{Layout, Loaded};
use factor::{Config, LabExample};
use mlp::TrainConfig;
use ndarray::Array2;
use serde::Serialize;

use super::mlp::{FirstMinibatch, MlpSettings, first_minibatch};
use super::trace::TrainingStep;
use crate::args::{DataArgs, LayoutSummary, ReadArgs};
use crate::cli::Failure;
use crate::output::{OutputDir, WrittenFile};

/// The iris file used when none is given.
pub const DEFAULT_DATA: &str = "datasets/iris.data";

/// The factorisation rank, as in the lab.
pub const RANK: usize = 2;

/// Which training step to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The lab's 3 x 3 matrix, rank 2, loss `||A - U Vᵀ||_F`.
    Lab,
    /// Iris (150 x 4, columns centred), rank 2, the same loss: one epoch of
    /// the report's full-batch gradient descent, as `factorise --loss norm`
    /// records it.
    Iris,
    /// The first minibatch step of `mlp --hidden 12` on iris: 16
    /// standardised training rows through the lab's 4-12-3 network, softmax
    /// cross-entropy.
    Mlp,
}

/// What to record and where to find iris.
#[derive(Clone, Debug, PartialEq)]
pub struct TapeSettings {
    /// The step.
    pub step: Step,
    /// Seeds U and V (U(0, 1), as `factorise` draws them), or the MLP's
    /// split and weights.
    pub seed: u64,
    /// The iris file (for [`Step::Iris`] and [`Step::Mlp`]).
    pub data: PathBuf,
    /// How it is read.
    pub read: ReadArgs,
    /// Also time this many forward + backward passes of the step.
    pub time_steps: Option<usize>,
    /// Also record the backward sweep on the tape ([`Tape::grad`]) and
    /// dump the tape again, the backward pass now a Wengert list too.
    pub recorded_backward: bool,
}

/// The step, seen from inside.
#[derive(Debug)]
pub struct Inside {
    /// The step, to record again (for the page and the drawing).
    pub step: TrainingStep,
    /// One line saying what was recorded.
    pub description: String,
    /// How the data file was read, for the steps that read one.
    pub layout: Option<Layout>,
    /// The loss's value.
    pub loss: f64,
    /// Nodes on the tape.
    pub nodes: usize,
    /// The Wengert list ([`inspect::dump`]).
    pub dump: String,
    /// The backward sweep ([`inspect::backward_with_trace`]).
    pub trace: String,
    /// The tape after [`Tape::grad`] recorded the backward sweep on it
    /// (when asked), and how many of its nodes are the step's.
    pub recorded_backward: Option<(usize, String)>,
    /// Forward and backward work ([`inspect::count`]).
    pub counts: Counts,
    /// The graph in DOT, values and gradients of small matrices included.
    pub dot: String,
    /// The measured time, if asked for.
    pub timing: Option<Timing>,
}

/// A measured time per step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Timing {
    /// Steps timed (after one untimed warm-up step).
    pub steps: usize,
    /// Wall-clock seconds per forward + backward, averaged.
    pub seconds_per_step: f64,
}

/// The step `settings` asks for, ready to record, with a line saying what
/// it is, and how its data file was read (the lab's step reads none); fails
/// on a missing or malformed data file.
pub fn first_step(settings: &TapeSettings) -> Result<(TrainingStep, Option<Layout>), Failure> {
    match settings.step {
        Step::Lab => {
            let title = "One gradient step of the lab's 3 x 3 factorisation".to_owned();
            let description = format!(
                "rank {RANK}, loss ||A - U Vᵀ||_F, U and V from U(0, 1) with seed {}",
                settings.seed
            );
            let step = factorisation(title, description, LabExample::new().matrix, settings.seed);
            Ok((step, None))
        }
        Step::Iris => {
            // factorise's matrix, unchecked: the step is recorded at rank 2
            // whatever the shape.
            let data = DataArgs {
                data: settings.data.clone(),
                read: settings.read.clone(),
                ..DataArgs::default()
            };
            let Loaded { data: target, layout } = data.load()?;
            let target = target.matrix;
            let (rows, cols) = target.dim();
            let title = "One epoch of the report's factorisation".to_owned();
            let description = format!(
                "{} ({layout}, {rows} x {cols}, columns centred), rank {RANK}, loss ||A - U Vᵀ||_F, \
                 U and V from U(0, 1) with seed {}",
                settings.data.display(),
                settings.seed
            );
            Ok((factorisation(title, description, target, settings.seed), Some(layout)))
        }
        Step::Mlp => {
            let FirstMinibatch {
                step,
                description,
                layout,
            } = first_minibatch(&mlp_settings(settings))?;
            let title = "The first step of `mlp --hidden 12`".to_owned();
            Ok((TrainingStep::network(title, description, step), Some(layout)))
        }
    }
}

/// The report's factorisation of `target`: its settings at rank [`RANK`].
fn factorisation(title: String, description: String, target: Array2<f64>, seed: u64) -> TrainingStep {
    let config = Config {
        seed,
        ..Config::lab_report(RANK)
    };
    TrainingStep::factorisation(title, description, target, None, config)
}

/// The MLP run whose first step [`Step::Mlp`] records: `mlp --hidden 12`,
/// the lab's network (4-12-3 on iris) and minibatches of 16, with the
/// recommended scaling and split (standardised columns, a third held out).
fn mlp_settings(settings: &TapeSettings) -> MlpSettings {
    let recommended = MlpSettings::recommended();
    MlpSettings {
        data: settings.data.clone(),
        read: settings.read.clone(),
        train: TrainConfig {
            hidden: TrainConfig::report().hidden,
            seed: settings.seed,
            ..recommended.train.clone()
        },
        ..recommended
    }
}

/// Records the step, runs its backward sweep with a trace, counts its work,
/// draws it, and times it if asked.
pub fn look_inside(settings: &TapeSettings) -> Result<Inside, Failure> {
    let (step, layout) = first_step(settings)?;
    let tape = Tape::new();
    let loss = step.record(&tape);
    let dump = inspect::dump(&tape);
    let (grads, trace) = inspect::backward_with_trace(&tape, loss);
    let counts = inspect::count(&tape, loss);
    let options = DotOptions {
        loss: Some(loss.id()),
        values: true,
        gradients: Some(&grads),
    };
    let dot = inspect::to_dot(&tape, &options);
    let timing = settings.time_steps.map(|steps| time(&step, steps));
    let recorded_backward = settings.recorded_backward.then(|| {
        let step_nodes = tape.len();
        let _ = tape.grad(loss, &tape.parameters());
        (step_nodes, inspect::dump(&tape))
    });
    Ok(Inside {
        description: format!("{}: {}", step.title, step.description),
        layout,
        loss: loss.item(),
        nodes: tape.len(),
        dump,
        trace,
        recorded_backward,
        counts,
        dot,
        timing,
        step,
    })
}

/// Times `steps` forward + backward passes on one reused tape, as a
/// training loop runs them, after one warm-up step.
fn time(step: &TrainingStep, steps: usize) -> Timing {
    let mut tape = Tape::new();
    let mut grads = Gradients::new();
    let mut take_step = |tape: &mut Tape| {
        tape.clear();
        let loss = step.record(tape);
        tape.backward_into(loss, &mut grads);
        black_box(&grads);
    };
    take_step(&mut tape);
    let start = Instant::now();
    for _ in 0..steps {
        take_step(&mut tape);
    }
    Timing {
        steps,
        seconds_per_step: start.elapsed().as_secs_f64() / steps as f64,
    }
}

/// Where the `tape` bin writes the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphOutputs {
    /// The directory of `tape.dot` (and Graphviz's `tape.svg`).
    pub out: PathBuf,
    /// The page to step through in a browser (`--html`), if asked for.
    pub page: Option<PathBuf>,
    /// The static SVG drawn by adlab (`--svg`), if asked for.
    pub drawing: Option<PathBuf>,
}

/// The files [`write_graph`] wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphFiles {
    /// `tape.dot`.
    pub dot: PathBuf,
    /// `tape.svg`, when Graphviz's `dot` is on the PATH.
    pub svg: Option<PathBuf>,
    /// The page ([`TrainingStep::page`]), if asked for.
    pub page: Option<WrittenFile>,
    /// The static SVG ([`TrainingStep::drawing`]), if asked for.
    pub drawing: Option<WrittenFile>,
}

/// Writes the page and the drawing, if asked for, then `tape.dot` into the
/// output directory and, when Graphviz's `dot` program is on the PATH,
/// renders it to `tape.svg`.
pub fn write_graph(inside: &Inside, outputs: &GraphOutputs) -> Result<GraphFiles, Failure> {
    let page = outputs
        .page
        .as_deref()
        .map(|path| inside.step.write_page(path))
        .transpose()?;
    let drawing = outputs
        .drawing
        .as_deref()
        .map(|path| inside.step.write_drawing(path))
        .transpose()?;
    let out = OutputDir::create(&outputs.out)?;
    let dot = out.write("tape.dot", inside.dot.as_bytes())?;
    let svg = match render_svg(&inside.dot)? {
        Some(svg) => Some(out.write("tape.svg", &svg)?),
        None => None,
    };
    Ok(GraphFiles {
        dot,
        svg,
        page,
        drawing,
    })
}

/// Runs `dot -Tsvg` on the text: `None` if the program is not installed.
fn render_svg(dot: &str) -> Result<Option<Vec<u8>>, Failure> {
    let spawned = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Failure::new(format!("cannot run Graphviz's dot: {error}"))),
    };
    let written = child.stdin.take().map(|mut stdin| stdin.write_all(dot.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| Failure::new(format!("cannot run Graphviz's dot: {error}")))?;
    if !output.status.success() || !matches!(written, Some(Ok(()))) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().next().unwrap_or("no message");
        return Err(Failure::new(format!(
            "Graphviz's dot could not render tape.dot: {reason}"
        )));
    }
    Ok(Some(output.stdout))
}

/// The one-line JSON summary of a run of the `tape` bin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TapeSummary {
    /// Which step.
    pub step: Step,
    /// The seed.
    pub seed: u64,
    /// How the data file was read (`--iris` and `--mlp`).
    pub layout: Option<LayoutSummary>,
    /// The loss's value.
    pub loss: f64,
    /// Nodes on the tape.
    pub nodes: usize,
    /// Forward flops of every node.
    pub forward_flops: u64,
    /// Forward bytes.
    pub forward_bytes: u64,
    /// Backward flops, fan-out sums included.
    pub backward_flops: u64,
    /// Backward bytes.
    pub backward_bytes: u64,
    /// Backward flops / forward flops.
    pub flop_ratio: Option<f64>,
    /// Backward bytes / forward bytes.
    pub byte_ratio: Option<f64>,
    /// Custom-op nodes left out of the counts.
    pub uncounted: usize,
    /// The measured time per step, if asked for.
    pub timing: Option<Timing>,
    /// The files written.
    pub files: GraphFiles,
}

impl TapeSummary {
    /// The summary of `inside`, recorded with `settings`, drawn into `files`.
    pub fn new(settings: &TapeSettings, inside: &Inside, files: GraphFiles) -> Self {
        let counts = &inside.counts;
        TapeSummary {
            step: settings.step,
            seed: settings.seed,
            layout: inside.layout.as_ref().map(LayoutSummary::from),
            loss: inside.loss,
            nodes: inside.nodes,
            forward_flops: counts.forward.flops,
            forward_bytes: counts.forward.bytes,
            backward_flops: counts.backward.flops,
            backward_bytes: counts.backward.bytes,
            flop_ratio: counts.flop_ratio(),
            byte_ratio: counts.byte_ratio(),
            uncounted: counts.uncounted,
            timing: inside.timing,
            files,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(step: Step) -> TapeSettings {
        TapeSettings {
            step,
            seed: 3,
            data: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/", "datasets/iris.data")),
            read: ReadArgs::default(),
            time_steps: None,
            recorded_backward: false,
        }
    }

    #[test]
    fn the_recorded_backward_follows_the_step_on_the_tape() {
        let plain = look_inside(&settings(Step::Lab)).unwrap();
        assert!(plain.recorded_backward.is_none());
        let inside = look_inside(&TapeSettings {
            recorded_backward: true,
            ..settings(Step::Lab)
        })
        .unwrap();
        let (step_nodes, dump) = inside.recorded_backward.unwrap();
        assert_eq!(step_nodes, plain.nodes);
        // The step's nodes, then the sweep's: the seed, dA = G·Bᵀ and friends.
        assert!(dump.contains(&format!("#{step_nodes} ")), "{dump}");
        assert!(dump.lines().count() > plain.dump.lines().count(), "{dump}");
        assert!(dump.contains("matmul") && dump.contains("transpose"), "{dump}");
    }

    #[test]
    fn the_lab_step_records_the_factorisation_loss() {
        let inside = look_inside(&settings(Step::Lab)).unwrap();
        // U, V, A, Vᵀ, U Vᵀ, A - U Vᵀ, its norm.
        assert_eq!(inside.nodes, 7);
        assert!(inside.dump.contains("crates/factor/src/loss.rs"), "{}", inside.dump);
        // (3 x 2)(2 x 3): 2·3·2·3 = 36 flops, and both U and V need a gradient.
        let matmul = &inside.counts.nodes[4];
        assert_eq!((matmul.op.as_str(), matmul.forward.unwrap().flops), ("matmul", 36));
        assert_eq!(matmul.backward.unwrap().flops, 72);
        let again = look_inside(&settings(Step::Lab)).unwrap();
        assert_eq!(
            (inside.loss, inside.trace),
            (again.loss, again.trace),
            "same seed, same numbers"
        );
    }

    #[test]
    fn the_lab_step_is_the_first_step_that_trace_shows() {
        // factor::train's first step on the lab's matrix with the report's
        // settings, node for node: U and V first, as in every --trace.
        let inside = look_inside(&settings(Step::Lab)).unwrap();
        let config = Config {
            seed: 3,
            ..Config::lab_report(RANK)
        };
        let step = TrainingStep::factorisation(String::new(), String::new(), LabExample::new().matrix, None, config);
        let traced = step.traced();
        assert_eq!((&inside.dump, &inside.trace), (&traced.dump, &traced.trace));
        assert!(inside.dump.contains("\n#0    parameter "), "{}", inside.dump);
    }

    #[test]
    fn the_mlp_step_sees_sixteen_rows() {
        let inside = look_inside(&settings(Step::Mlp)).unwrap();
        assert!(inside.dump.contains("cross_entropy[16 labels]"), "{}", inside.dump);
        // The first layer's product: (16 x 4)(4 x 12) = 2·16·4·12 = 1536 flops;
        // X is data, so backward computes only dW₁ = Xᵀ G, another 1536.
        let first = inside.counts.nodes.iter().find(|n| n.op == "matmul").unwrap();
        assert_eq!(
            (first.forward.unwrap().flops, first.backward.unwrap().flops),
            (1536, 1536)
        );
        assert!(inside.loss.is_finite() && inside.loss > 0.0);
    }

    #[test]
    fn a_missing_file_is_a_clear_error() {
        let mut missing = settings(Step::Iris);
        missing.data = PathBuf::from("no/such/iris.data");
        let failure = look_inside(&missing).unwrap_err();
        assert!(failure.message().contains("no/such/iris.data"), "{}", failure.message());
    }
}
