//! Gradient checking that says which rule is wrong, and why.
//!
//! [`gradcheck`](crate::gradcheck()) tests a whole function and answers pass
//! or fail. A learner whose backward rule is wrong needs to know *which*
//! rule, so this module adds:
//!
//! - [`LocalCheck`]: every node's VJP checked on its own, at the inputs the
//!   tape recorded, against central differences of that node's forward
//!   alone; a failure names the op, where it was recorded, its formula and
//!   its worst element.
//! - [`kink`](kink()): the elements where `x ± h` crosses a point at which the
//!   op is not differentiable (relu at 0, a norm at 0, a tie) are reported
//!   as "at a kink, skipped", with the reason, instead of failing falsely.
//! - [`eps_sweep`]: the finite-difference error against the step, the V that
//!   truncation (`∝ h²`) and round-off (`∝ ε/h`) make.
//! - [`Pattern`]: why a rule is wrong, where the mistake has a recognisable
//!   shape (a flipped sign, a constant factor, a transpose, an ignored `G`).
//! - [`builtin_ops`]: seeded random cases for every built-in op.
//!
//! [`diagnose`](LocalCheck::diagnose) runs both checks on one function:
//!
//! ```
//! use autograd::LocalCheck;
//! use ndarray::array;
//!
//! let a = array![[1.0, 2.0], [3.0, 4.0]];
//! let diagnosis = LocalCheck::default().diagnose(
//!     |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
//!     &[array![[0.5], [0.2]], array![[0.3], [0.9]]],
//! );
//! assert!(diagnosis.passed(), "{diagnosis}");
//! // matmul, transpose, sub and frobenius_norm, each checked on its own.
//! assert_eq!(diagnosis.local.nodes.len(), 4);
//! ```

use std::fmt;

use ndarray::Array2;

use crate::gradcheck::{GradCheckError, GradCheckReport};
use crate::tape::Tape;
use crate::var::Var;

mod adjoint;
mod cases;
mod kink;
mod local;
mod pattern;
pub(crate) mod random;
mod sweep;

pub use adjoint::{ADJOINT_TOLERANCE, AdjointTest, adjoint_test};
pub use cases::{Case, MAX_SIDE, OpCase, builtin_ops, cases_of};
pub use kink::{Kink, Kinks, NORM_TIP_RADIUS_IN_STEPS, POLE_RADIUS_IN_STEPS, kink, kinks_on_tape, near_norm_tip};
pub use local::{Adjoint, LocalCheck, LocalReport, NodeCheck};
pub use pattern::{Pattern, adjoint_pattern, pattern};
pub use sweep::{CBRT_EPSILON, EpsSweep, SweepPoint, decade_steps, eps_sweep};

/// The whole-function check and the localised check of one function.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    /// [`GradCheck::run`](crate::GradCheck::run) on the whole function.
    pub whole: Result<GradCheckReport, GradCheckError>,
    /// Every node's VJP on its own.
    pub local: LocalReport,
    /// The adjoint test of the whole function (`None` when a custom op on
    /// the way has no JVP rule).
    pub adjoint: Option<AdjointTest>,
}

impl Diagnosis {
    /// Whether every check passes: the whole function, each node, and the
    /// whole function's adjoint test (when there is one).
    pub fn passed(&self) -> bool {
        self.whole.is_ok() && self.local.passed() && self.adjoint.is_none_or(|test| test.passed())
    }
}

impl LocalCheck {
    /// Checks `f` at `inputs` as a whole (with this check's tolerances) and
    /// node by node. `f` is as for [`gradcheck`](crate::gradcheck()).
    pub fn diagnose<F>(&self, f: F, inputs: &[Array2<f64>]) -> Diagnosis
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        let local = {
            let tape = Tape::new();
            let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
            let loss = f(&tape, &params);
            match loss.shape() {
                (1, 1) => self.run(&tape, loss),
                _ => LocalReport { nodes: Vec::new() },
            }
        };
        Diagnosis {
            whole: self.tolerance.run(&f, inputs),
            local,
            adjoint: adjoint_test(&f, inputs, 0),
        }
    }
}

impl fmt::Display for Diagnosis {
    /// The whole-function verdict on one line, then the localised report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.whole {
            Ok(report) => writeln!(
                f,
                "whole-function check: passed ({} elements, worst abs error {:.2e}, worst rel error {:.2e})",
                report.elements, report.max_abs_error, report.max_rel_error
            )?,
            Err(error) => writeln!(f, "whole-function check: FAILED: {error}")?,
        }
        match self.adjoint {
            Some(test) if test.passed() => writeln!(f, "whole-function adjoint test: passed (gap {:.1e})", test.gap)?,
            Some(test) => writeln!(f, "whole-function adjoint test: FAILED: {test}")?,
            None => writeln!(f, "whole-function adjoint test: not run (a custom op has no JVP rule)")?,
        }
        write!(f, "{}", self.local)
    }
}

impl OpCase {
    /// Draws the case from `seed` and diagnoses it with `check`.
    pub fn diagnose(&self, seed: u64, check: &LocalCheck) -> Diagnosis {
        let case = self.draw(seed);
        check.diagnose(|tape, x| self.record(tape, &case, x), &case.parameters)
    }
}
