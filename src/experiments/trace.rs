//! `--trace` and `--html`: a training run's first step seen from inside,
//! as text (its tape and its backward sweep) or as a page to step through
//! in a browser, recorded by the same library function as the step that
//! training takes (so the views and the run cannot drift apart).

use std::fmt;
use std::path::Path;

use autograd::inspect::{self, HtmlOptions};
use autograd::{Tape, Var};
use factor::{Config, initial_factors, record_step};
use ndarray::{ArcArray2, Array2};

use crate::cli::Failure;
use crate::output::{WrittenFile, write_file};

/// A training run's first step, ready to be recorded on a tape by the
/// function that records every step of the run.
#[derive(Clone, Debug)]
pub struct TrainingStep {
    /// The page's heading.
    pub title: String,
    /// What is recorded, in one line.
    pub description: String,
    recording: Recording,
}

/// What a step records, and from what.
#[derive(Clone, Debug)]
enum Recording {
    /// One step of [`factor::train`]: its target and mask (shared with the
    /// tape), the initial factors and the settings, for [`record_step`].
    Factorisation {
        target: ArcArray2<f64>,
        mask: Option<ArcArray2<f64>>,
        u: Array2<f64>,
        v: Array2<f64>,
        config: Config,
    },
    /// The first minibatch step of [`mlp::train`].
    Network(mlp::FirstStep),
}

impl TrainingStep {
    /// The first step of `factor::train(target, mask, config)`: the factors
    /// it starts from ([`initial_factors`]), recorded by the function that
    /// records every epoch ([`record_step`]).
    pub fn factorisation(
        title: String,
        description: String,
        target: Array2<f64>,
        mask: Option<Array2<f64>>,
        config: Config,
    ) -> Self {
        let (u, v) = initial_factors(target.nrows(), target.ncols(), &config);
        let recording = Recording::Factorisation {
            target: target.into_shared(),
            mask: mask.map(Array2::into_shared),
            u,
            v,
            config,
        };
        TrainingStep {
            title,
            description,
            recording,
        }
    }

    /// The first minibatch step of an MLP's training ([`mlp::FirstStep`]).
    pub fn network(title: String, description: String, first: mlp::FirstStep) -> Self {
        TrainingStep {
            title,
            description,
            recording: Recording::Network(first),
        }
    }

    /// Records the step's loss on `tape`.
    pub fn record<'t>(&self, tape: &'t Tape) -> Var<'t> {
        match &self.recording {
            Recording::Factorisation {
                target,
                mask,
                u,
                v,
                config,
            } => record_step(tape, target, mask.as_ref(), u, v, config).loss,
            Recording::Network(first) => first.record(tape).0,
        }
    }

    /// The step as `--trace` prints it: its tape and its backward sweep.
    pub fn traced(&self) -> TracedStep {
        let tape = Tape::new();
        let loss = self.record(&tape);
        TracedStep::inspect(self.description.clone(), &tape, loss)
    }

    /// The step as a page to step through in a browser ([`inspect::to_html`]).
    pub fn page(&self) -> String {
        let tape = Tape::new();
        let loss = self.record(&tape);
        let options = HtmlOptions {
            title: &self.title,
            description: &self.description,
        };
        inspect::to_html(&tape, loss, &options)
    }

    /// The step's graph as a static SVG drawing ([`inspect::to_svg`]).
    pub fn drawing(&self) -> String {
        let tape = Tape::new();
        let loss = self.record(&tape);
        inspect::to_svg(&tape, loss)
    }

    /// Writes [`TrainingStep::page`] to `path`, atomically.
    pub fn write_page(&self, path: &Path) -> Result<WrittenFile, Failure> {
        Ok(write_file(path, self.page().as_bytes())?)
    }

    /// Writes [`TrainingStep::drawing`] to `path`, atomically.
    pub fn write_drawing(&self, path: &Path) -> Result<WrittenFile, Failure> {
        Ok(write_file(path, self.drawing().as_bytes())?)
    }
}

/// What `--trace` and `--html PATH` show of a run's first step, before it
/// trains: the text to print, block by block (the trace, then where the
/// page went). `first_step` is only called when one of them is asked for.
pub fn first_step_views(
    trace: bool,
    html: Option<&Path>,
    first_step: impl FnOnce() -> Result<TrainingStep, Failure>,
) -> Result<Vec<String>, Failure> {
    if !trace && html.is_none() {
        return Ok(Vec::new());
    }
    let step = first_step()?;
    let mut blocks = Vec::new();
    if trace {
        blocks.push(step.traced().to_string());
    }
    if let Some(path) = html {
        blocks.push(format!("wrote {}", step.write_page(path)?));
    }
    Ok(blocks)
}

/// A training run's first step seen from inside, as `--trace` prints it.
#[derive(Clone, Debug, PartialEq)]
pub struct TracedStep {
    /// What was recorded, in one line.
    pub description: String,
    /// The loss of the first step: the first value the run records.
    pub loss: f64,
    /// The tape as a Wengert list ([`inspect::dump`]).
    pub dump: String,
    /// The backward sweep as it happens ([`inspect::backward_with_trace`]).
    pub trace: String,
}

impl TracedStep {
    /// Dumps `tape` and sweeps backward from `loss`, writing the sweep down.
    pub fn inspect(description: String, tape: &Tape, loss: Var<'_>) -> Self {
        let dump = inspect::dump(tape);
        let (_, trace) = inspect::backward_with_trace(tape, loss);
        TracedStep {
            description,
            loss: loss.item(),
            dump,
            trace,
        }
    }
}

impl fmt::Display for TracedStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "== --trace: the first training step ==")?;
        writeln!(f, "{}", self.description)?;
        writeln!(f, "loss = {}\n", self.loss)?;
        writeln!(f, "== the tape ==\n{}", self.dump)?;
        write!(f, "== the backward sweep ==\n{}", self.trace)
    }
}
