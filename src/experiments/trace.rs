//! `--trace`: a training run's first step seen from inside, its tape and
//! its backward sweep, recorded by the same library function as the step
//! that training takes (so the two cannot drift apart).

use std::fmt;

use autograd::{Tape, Var, inspect};
use factor::{Config, initial_factors, record_step};
use ndarray::Array2;

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

/// The first step of `factor::train(target, mask, config)`, traced: the
/// factors it starts from ([`initial_factors`]) recorded by the function
/// that records every epoch ([`record_step`]).
pub fn factorisation_step(
    target: &Array2<f64>,
    mask: Option<&Array2<f64>>,
    config: &Config,
    description: String,
) -> TracedStep {
    let (u, v) = initial_factors(target.nrows(), target.ncols(), config);
    let tape = Tape::new();
    let mask = mask.map(Array2::to_shared);
    let step = record_step(&tape, &target.to_shared(), mask.as_ref(), &u, &v, config);
    TracedStep::inspect(description, &tape, step.loss)
}
