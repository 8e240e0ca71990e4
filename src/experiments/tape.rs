//! One training step seen from inside: the tape of one step of the lab's
//! factorisation (or of the iris MLP), its backward sweep as it happens, the
//! work each op does, and a drawing of the graph.
//!
//! The losses are recorded by the experiments' own functions,
//! [`factor::record_loss`] and [`mlp::Mlp::record_loss`], so what is shown is
//! exactly what `factorise` and `mlp` differentiate.

use std::hint::black_box;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use autograd::inspect::{self, Counts, DotOptions};
use autograd::{Gradients, Tape, Var};
use data::{Columns, Scale, SplitSize, Standardiser};
use factor::{LabExample, Loss};
use mlp::Mlp;
use ndarray::{ArcArray2, Array2, Axis};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::cli::Failure;
use crate::output::OutputDir;

/// The iris file used when none is given.
pub const DEFAULT_DATA: &str = "datasets/iris.data";

/// The factorisation rank, as in the lab.
pub const RANK: usize = 2;

/// The MLP's layer sizes, as in the lab: 4 inputs, 12 hidden units, 3 classes.
pub const MLP_SIZES: [usize; 3] = [4, 12, 3];

/// Rows in the MLP's minibatch, as in the lab.
pub const BATCH: usize = 16;

/// Rows of iris held out from the MLP's training set, as in the lab (a
/// third of the rows of a smaller file).
pub const VALIDATION_ROWS: usize = 50;

/// Which training step to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The lab's 3 x 3 matrix, rank 2, loss `||A - U Vᵀ||_F`.
    Lab,
    /// Iris (150 x 4, columns centred), rank 2, the same loss: one epoch of
    /// the report's full-batch gradient descent.
    Iris,
    /// One minibatch of 16 standardised iris training rows through the
    /// 4-12-3 MLP, softmax cross-entropy.
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
    /// Also time this many forward + backward passes of the step.
    pub time_steps: Option<usize>,
}

/// The step, seen from inside.
#[derive(Debug)]
pub struct Inside {
    /// One line saying what was recorded.
    pub description: String,
    /// The loss's value.
    pub loss: f64,
    /// Nodes on the tape.
    pub nodes: usize,
    /// The Wengert list ([`inspect::dump`]).
    pub dump: String,
    /// The backward sweep ([`inspect::backward_with_trace`]).
    pub trace: String,
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

/// The data of one step: what it records on a tape.
enum Problem {
    Factorisation {
        target: ArcArray2<f64>,
        u: Array2<f64>,
        v: Array2<f64>,
    },
    Network {
        model: Mlp,
        features: ArcArray2<f64>,
        labels: Vec<usize>,
    },
}

impl Problem {
    fn new(settings: &TapeSettings) -> Result<(Problem, String), Failure> {
        match settings.step {
            Step::Lab => {
                let target = LabExample::new().matrix;
                let description = format!(
                    "one gradient step of the lab's 3 x 3 factorisation: rank {RANK}, loss ||A - U Vᵀ||_F, \
                     U and V from U(0, 1) with seed {}",
                    settings.seed
                );
                Ok((Problem::factorisation(target, settings.seed), description))
            }
            Step::Iris => {
                let mut target = data::read_matrix(&settings.data, &Columns::Features)?;
                data::centre_columns(&mut target);
                let (rows, cols) = target.dim();
                let description = format!(
                    "one epoch of the report's factorisation: {} ({rows} x {cols}, columns centred), rank {RANK}, \
                     loss ||A - U Vᵀ||_F, U and V from U(0, 1) with seed {}",
                    settings.data.display(),
                    settings.seed
                );
                Ok((Problem::factorisation(target, settings.seed), description))
            }
            Step::Mlp => {
                let iris = data::read_labelled(&settings.data, None)?;
                let validation = SplitSize::Count(VALIDATION_ROWS.min(iris.len() / 3));
                let split = data::train_validation_split(iris.len(), validation, settings.seed)?;
                let mut training = iris.select(&split.train);
                Standardiser::fit(&training.features, Scale::StdDev).apply(&mut training.features);
                let batch: Vec<usize> = (0..BATCH.min(training.len())).collect();
                let features = training.features.select(Axis(0), &batch);
                let labels: Vec<usize> = batch.iter().map(|&row| training.labels[row]).collect();
                let model = Mlp::new(&MLP_SIZES, settings.seed)?;
                if features.ncols() != model.inputs() || iris.num_classes() != model.classes() {
                    return Err(Failure::new(format!(
                        "{}: expected iris ({} measurements, {} classes), found {} columns and {} classes",
                        settings.data.display(),
                        model.inputs(),
                        model.classes(),
                        features.ncols(),
                        iris.num_classes()
                    )));
                }
                let description = format!(
                    "one minibatch step of the iris MLP {MLP_SIZES:?}: the first {} of {} standardised training \
                     rows (split and weights from seed {}), softmax cross-entropy",
                    labels.len(),
                    training.len(),
                    settings.seed
                );
                let problem = Problem::Network {
                    model,
                    features: features.into_shared(),
                    labels,
                };
                Ok((problem, description))
            }
        }
    }

    /// U (m x r) then V (n x r) from U(0, 1), drawn as `factor::train` draws them.
    fn factorisation(target: Array2<f64>, seed: u64) -> Problem {
        let (rows, cols) = target.dim();
        let mut rng = StdRng::seed_from_u64(seed);
        let u = Array2::from_shape_fn((rows, RANK), |_| rng.random::<f64>());
        let v = Array2::from_shape_fn((cols, RANK), |_| rng.random::<f64>());
        Problem::Factorisation {
            target: target.into_shared(),
            u,
            v,
        }
    }

    /// Records the step's loss on `tape`.
    fn record<'t>(&self, tape: &'t Tape) -> Var<'t> {
        match self {
            Problem::Factorisation { target, u, v } => {
                let a = tape.constant(target);
                let u = tape.parameter(u);
                let v = tape.parameter(v);
                factor::record_loss(a, u, v, Loss::Norm, None, 0.0)
            }
            Problem::Network {
                model,
                features,
                labels,
            } => model.record_loss(tape, tape.constant(features), labels).0,
        }
    }
}

/// Records the step, runs its backward sweep with a trace, counts its work,
/// draws it, and times it if asked.
pub fn look_inside(settings: &TapeSettings) -> Result<Inside, Failure> {
    let (problem, description) = Problem::new(settings)?;
    let tape = Tape::new();
    let loss = problem.record(&tape);
    let dump = inspect::dump(&tape);
    let (grads, trace) = inspect::backward_with_trace(&tape, loss);
    let counts = inspect::count(&tape, loss);
    let options = DotOptions {
        loss: Some(loss.id()),
        values: true,
        gradients: Some(&grads),
    };
    let dot = inspect::to_dot(&tape, &options);
    let timing = settings.time_steps.map(|steps| time(&problem, steps));
    Ok(Inside {
        description,
        loss: loss.item(),
        nodes: tape.len(),
        dump,
        trace,
        counts,
        dot,
        timing,
    })
}

/// Times `steps` forward + backward passes on one reused tape, as a
/// training loop runs them, after one warm-up step.
fn time(problem: &Problem, steps: usize) -> Timing {
    let mut tape = Tape::new();
    let mut grads = Gradients::new();
    let mut step = |tape: &mut Tape| {
        tape.clear();
        let loss = problem.record(tape);
        tape.backward_into(loss, &mut grads);
        black_box(&grads);
    };
    step(&mut tape);
    let start = Instant::now();
    for _ in 0..steps {
        step(&mut tape);
    }
    Timing {
        steps,
        seconds_per_step: start.elapsed().as_secs_f64() / steps as f64,
    }
}

/// The files [`write_graph`] wrote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphFiles {
    /// `tape.dot`.
    pub dot: PathBuf,
    /// `tape.svg`, when Graphviz's `dot` is on the PATH.
    pub svg: Option<PathBuf>,
}

/// Writes `tape.dot` into `out` and, when Graphviz's `dot` program is on
/// the PATH, renders it to `tape.svg`.
pub fn write_graph(dot: &str, out: &Path) -> Result<GraphFiles, Failure> {
    let out = OutputDir::create(out)?;
    let dot_path = out.write("tape.dot", dot.as_bytes())?;
    let svg = match render_svg(dot)? {
        Some(svg) => Some(out.write("tape.svg", &svg)?),
        None => None,
    };
    Ok(GraphFiles { dot: dot_path, svg })
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
            time_steps: None,
        }
    }

    #[test]
    fn the_lab_step_records_the_factorisation_loss() {
        let inside = look_inside(&settings(Step::Lab)).unwrap();
        // A, U, V, Vᵀ, U Vᵀ, A - U Vᵀ, its norm.
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
