//! The `gradcheck` bin's work: every built-in op and every loss the
//! experiments train, checked against finite differences as a whole and
//! node by node; the eps sweep; the bug zoo.
//!
//! Every case is drawn from the seed: the same seed gives the same numbers.

use std::path::PathBuf;

use autograd::check::{
    CBRT_EPSILON, Diagnosis, EpsSweep, LocalCheck, builtin_ops, decade_steps, eps_sweep, kinks_on_tape,
};
use autograd::zoo::{Bug, Variant};
use autograd::{GradCheckError, GradCheckReport, Tape, Var};
use factor::{Loss, record_loss};
use mlp::Mlp;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::cli::Failure;
use crate::output::OutputDir;
use crate::plot::Chart;

/// Random cases are redrawn until the localised check, with this as its
/// step, would skip nothing (`kinks_on_tape`): the whole-function check
/// perturbs every node at once and knows nothing of kinks. Ten steps `h`:
/// relu inputs stay 1e-5 from 0 (perturbing one entry by `h` moves them by
/// at most `2h`, inputs and weights being below 2 in size), and norms 0.02
/// from their tip (`check::NORM_TIP_RADIUS_IN_STEPS` steps of 1e-5).
pub const KINK_MARGIN: f64 = 10.0 * 1e-6;

/// One row of the table: an op or a loss over all its cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckRow {
    /// `op` or `loss`.
    pub kind: &'static str,
    /// The op's or the loss's name.
    pub name: String,
    /// How many seeded cases were checked.
    pub cases: usize,
    /// The largest `|analytic - numeric|` of the whole-function check; for
    /// a failed case, its worst element's (infinite, `null` in JSON, when a
    /// derivative was not finite).
    pub max_abs_error: f64,
    /// The largest relative error of the whole-function check, failed cases
    /// included as for `max_abs_error`.
    pub max_rel_error: f64,
    /// The largest relative error of any node checked on its own.
    pub local_max_rel_error: f64,
    /// Elements the localised check skipped because they sit at a kink.
    pub kinks_skipped: usize,
    /// The largest gap of the adjoint test `⟨u, J v⟩ = ⟨Jᵀu, v⟩` (no step
    /// size), over the whole function and every node of every case.
    pub adjoint_gap: f64,
    /// Whether every case passed every check.
    pub passed: bool,
    /// The first failing case's seed and report, if any.
    pub failure: Option<String>,
}

/// The seed of case `k` drawn under `seed`.
fn case_seed(seed: u64, k: usize) -> u64 {
    (seed << 32) ^ k as u64
}

/// Sums up the diagnoses of one op's or loss's cases.
fn row(kind: &'static str, name: &str, diagnoses: impl Iterator<Item = (u64, Diagnosis)>) -> CheckRow {
    let mut row = CheckRow {
        kind,
        name: name.to_owned(),
        cases: 0,
        max_abs_error: 0.0,
        max_rel_error: 0.0,
        local_max_rel_error: 0.0,
        kinks_skipped: 0,
        adjoint_gap: 0.0,
        passed: true,
        failure: None,
    };
    for (seed, diagnosis) in diagnoses {
        row.cases += 1;
        let (abs_error, rel_error) = whole_errors(&diagnosis.whole);
        row.max_abs_error = row.max_abs_error.max(abs_error);
        row.max_rel_error = row.max_rel_error.max(rel_error);
        row.local_max_rel_error = row.local_max_rel_error.max(diagnosis.local.max_rel_error());
        row.kinks_skipped += diagnosis.local.kinks().count();
        let whole_gap = diagnosis.adjoint.map_or(0.0, |test| test.gap);
        row.adjoint_gap = row.adjoint_gap.max(whole_gap).max(diagnosis.local.max_adjoint_gap().0);
        if !diagnosis.passed() && row.passed {
            row.passed = false;
            row.failure = Some(format!("case seed {seed}:\n{diagnosis}"));
        }
    }
    row
}

/// The worst absolute and relative error of a whole-function check, passed
/// or failed: a mismatch's are those of the element it names (its relative
/// error taken even below [`autograd::gradcheck::RELATIVE_ERROR_FLOOR`],
/// where a failure still needs a size); a derivative that is not finite
/// makes both infinite.
fn whole_errors(whole: &Result<GradCheckReport, GradCheckError>) -> (f64, f64) {
    match whole {
        Ok(report) => (report.max_abs_error, report.max_rel_error),
        Err(GradCheckError::Mismatch { element, .. }) => {
            let scale = element.analytic.abs().max(element.numeric.abs());
            (element.abs_error(), element.abs_error() / scale)
        }
        Err(_) => (f64::INFINITY, f64::INFINITY),
    }
}

/// Checks every built-in op on `cases` seeded random cases (shapes up to
/// 6 x 6, entries in [-2, 2), the output weighted by a random matrix).
pub fn check_builtin_ops(seed: u64, cases: usize) -> Vec<CheckRow> {
    let check = LocalCheck::default();
    builtin_ops()
        .iter()
        .map(|op| {
            let diagnoses = (0..cases).map(|k| {
                let case = case_seed(seed, k);
                (case, op.diagnose(case, &check))
            });
            row("op", op.name, diagnoses)
        })
        .collect()
}

/// A loss that an experiment trains, recorded by the experiment's own crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExperimentLoss {
    /// `||A - U Vᵀ||_F`, the lab report's loss (`factorise --loss norm`).
    FactorNorm,
    /// `||A - U Vᵀ||²_F`, `factorise`'s default.
    FactorSquared,
    /// `||M ⊙ (A - U Vᵀ)||²_F + λ (||U||² + ||V||²)`, `complete`'s default.
    MaskedSquaredL2,
    /// The MLP's mean softmax cross-entropy, one or two hidden relu layers.
    MlpCrossEntropy,
}

/// A drawn case of an [`ExperimentLoss`].
#[derive(Clone, Debug, PartialEq)]
pub struct LossCase {
    /// U and V, or W₁, b₁, W₂, b₂, ...
    pub parameters: Vec<Array2<f64>>,
    /// A (m x n) or the features X (m x d).
    pub data: Array2<f64>,
    /// The 0/1 mask of observed entries.
    pub mask: Option<Array2<f64>>,
    /// Class labels, for the MLP.
    pub labels: Vec<usize>,
}

/// The L2 penalty λ of the checked masked loss: the size `complete`
/// chooses on centred iris (2% of the observed entries' norm, about 0.47).
const CHECKED_L2: f64 = 0.5;

impl ExperimentLoss {
    /// Every loss, in the table's order.
    pub const ALL: [ExperimentLoss; 4] = [
        ExperimentLoss::FactorNorm,
        ExperimentLoss::FactorSquared,
        ExperimentLoss::MaskedSquaredL2,
        ExperimentLoss::MlpCrossEntropy,
    ];

    /// The row's name.
    pub fn name(self) -> &'static str {
        match self {
            ExperimentLoss::FactorNorm => "factor: ||A - UVᵀ||_F",
            ExperimentLoss::FactorSquared => "factor: ||A - UVᵀ||²_F",
            ExperimentLoss::MaskedSquaredL2 => "factor: masked² + L2",
            ExperimentLoss::MlpCrossEntropy => "mlp: cross-entropy",
        }
    }

    /// Records the loss with `factor::record_loss` or
    /// `mlp::Mlp::record_cross_entropy`, the functions the experiments train.
    pub fn record<'t>(self, tape: &'t Tape, case: &LossCase, x: &[Var<'t>]) -> Var<'t> {
        let data = tape.constant(&case.data);
        let mask = case.mask.as_ref().map(|mask| tape.constant(mask));
        match self {
            ExperimentLoss::FactorNorm => record_loss(data, x[0], x[1], Loss::Norm, None, 0.0),
            ExperimentLoss::FactorSquared => record_loss(data, x[0], x[1], Loss::Squared, None, 0.0),
            ExperimentLoss::MaskedSquaredL2 => record_loss(data, x[0], x[1], Loss::Squared, mask, CHECKED_L2),
            ExperimentLoss::MlpCrossEntropy => Mlp::record_cross_entropy(x, data, &case.labels),
        }
    }

    /// Draws a case from `seed`: sides from 1 to 6, U and V from U(0, 1) as
    /// the experiments initialise them, A and X in [-2, 2), weights in
    /// [-1, 1); redrawn until [`kinks_on_tape`] finds nothing within
    /// [`KINK_MARGIN`].
    pub fn draw(self, seed: u64) -> LossCase {
        let mut rng = StdRng::seed_from_u64(seed);
        loop {
            let case = self.draw_once(&mut rng);
            let tape = Tape::new();
            let params: Vec<Var<'_>> = case.parameters.iter().map(|p| tape.parameter(p)).collect();
            let loss = self.record(&tape, &case, &params);
            if kinks_on_tape(&tape, loss, KINK_MARGIN).is_empty() {
                return case;
            }
        }
    }

    fn draw_once(self, rng: &mut StdRng) -> LossCase {
        let mut side = |lo: usize| rng.random_range(lo..=6);
        let (m, n, hidden, classes) = (side(1), side(1), side(1), side(2));
        let mut uniform =
            |rows, cols, lo: f64, hi: f64| Array2::from_shape_fn((rows, cols), |_| rng.random_range(lo..hi));
        match self {
            ExperimentLoss::FactorNorm | ExperimentLoss::FactorSquared | ExperimentLoss::MaskedSquaredL2 => {
                let rank = hidden.min(3);
                let (u, v, a) = (
                    uniform(m, rank, 0.0, 1.0),
                    uniform(n, rank, 0.0, 1.0),
                    uniform(m, n, -2.0, 2.0),
                );
                let mask = (self == ExperimentLoss::MaskedSquaredL2).then(|| {
                    let mut mask = uniform(m, n, 0.0, 1.0).mapv(|x| f64::from(u8::from(x < 0.7)));
                    mask[[0, 0]] = 1.0; // at least one observed entry
                    mask
                });
                LossCase {
                    parameters: vec![u, v],
                    data: a,
                    mask,
                    labels: Vec::new(),
                }
            }
            ExperimentLoss::MlpCrossEntropy => {
                let mut sizes = vec![n, hidden];
                if hidden % 2 == 0 {
                    sizes.push(1 + hidden / 2); // a second hidden layer in half the cases
                }
                sizes.push(classes);
                let parameters = sizes
                    .windows(2)
                    .flat_map(|pair| [uniform(pair[0], pair[1], -1.0, 1.0), uniform(1, pair[1], -0.5, 0.5)])
                    .collect();
                let data = uniform(m, n, -2.0, 2.0);
                let labels = (0..m).map(|_| rng.random_range(0..classes)).collect();
                LossCase {
                    parameters,
                    data,
                    mask: None,
                    labels,
                }
            }
        }
    }
}

/// Checks every [`ExperimentLoss`] on `cases` seeded random cases.
pub fn check_experiment_losses(seed: u64, cases: usize) -> Vec<CheckRow> {
    let check = LocalCheck::default();
    ExperimentLoss::ALL
        .iter()
        .map(|&loss| {
            let diagnoses = (0..cases).map(|k| {
                let case_seed = case_seed(seed, k);
                let case = loss.draw(case_seed);
                let diagnosis = check.diagnose(|tape, x| loss.record(tape, &case, x), &case.parameters);
                (case_seed, diagnosis)
            });
            row("loss", loss.name(), diagnoses)
        })
        .collect()
}

/// One step of the eps sweep, with the theory's two lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    /// The finite-difference step h.
    pub step: f64,
    /// `max |numeric - analytic|`.
    pub max_abs_error: f64,
    /// That error over `max |analytic|`.
    pub rel_error: f64,
    /// The truncation line `c h²`.
    pub truncation: f64,
    /// The round-off line `ε |f| / (h max |∂f/∂x|)`.
    pub round_off: f64,
}

/// The eps sweep of the factorisation loss at a seeded point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepSummary {
    /// What was differentiated.
    pub function: String,
    /// One row per half decade from 1e-1 to 1e-12.
    pub points: Vec<SweepRow>,
    /// The step with the smallest error.
    pub best_step: f64,
    /// Where the two theory lines' sum is least.
    pub predicted_best_step: f64,
    /// `cbrt(ε)`, the rule of thumb.
    pub cbrt_epsilon: f64,
    /// Whether both ends are at least 100x above the bottom.
    pub v_shaped: bool,
    /// The CSV written, once written.
    pub csv: Option<PathBuf>,
    /// The SVG written, once written.
    pub svg: Option<PathBuf>,
}

/// Sweeps the step of the central difference of `||A - U Vᵀ||_F` (A 4 x 3
/// in [-1, 1), U 4 x 2 and V 3 x 2 in [0, 1), drawn from `seed`) over half
/// decades from 1e-1 to 1e-12.
pub fn sweep(seed: u64) -> Result<SweepSummary, GradCheckError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut uniform = |rows, cols, lo: f64, hi: f64| Array2::from_shape_fn((rows, cols), |_| rng.random_range(lo..hi));
    let a = uniform(4, 3, -1.0, 1.0);
    let inputs = [uniform(4, 2, 0.0, 1.0), uniform(3, 2, 0.0, 1.0)];
    let sweep = eps_sweep(
        |tape, x| record_loss(tape.constant(&a), x[0], x[1], Loss::Norm, None, 0.0),
        &inputs,
        &decade_steps(1, 12, 2),
    )?;
    Ok(summarise_sweep(&sweep))
}

fn summarise_sweep(sweep: &EpsSweep) -> SweepSummary {
    let points = sweep
        .points
        .iter()
        .map(|p| SweepRow {
            step: p.step,
            max_abs_error: p.max_abs_error,
            rel_error: p.rel_error,
            truncation: sweep.truncation(p.step),
            round_off: sweep.round_off(p.step),
        })
        .collect();
    SweepSummary {
        function: "||A - U Vᵀ||_F (A 4x3, U 4x2, V 3x2)".to_owned(),
        points,
        best_step: sweep.best().step,
        predicted_best_step: sweep.predicted_best_step(),
        cbrt_epsilon: CBRT_EPSILON,
        v_shaped: sweep.is_v_shaped(100.0),
        csv: None,
        svg: None,
    }
}

/// The sweep as a log-log chart: the measured error, the two theory lines
/// (drawn down to a tenth of the smallest error, so they do not squash the
/// V) and a vertical line at `cbrt(ε)`.
pub fn sweep_chart(summary: &SweepSummary) -> Chart {
    let lowest = summary.points.iter().map(|p| p.rel_error).fold(f64::INFINITY, f64::min);
    let highest = summary.points.iter().map(|p| p.rel_error).fold(0.0, f64::max);
    let curve = |value: fn(&SweepRow) -> f64| {
        let points = summary.points.iter().map(|p| (p.step, value(p)));
        points.filter(|&(_, y)| y >= lowest / 10.0).collect()
    };
    Chart::new(
        format!("central-difference error of {}", summary.function),
        "step h",
        "max |numeric - analytic| / max |analytic|",
    )
    .series("measured", curve(|p| p.rel_error))
    .series("truncation ∝ h²", curve(|p| p.truncation))
    .series("round-off ∝ ε/h", curve(|p| p.round_off))
    .series(
        format!("cbrt(ε) = {CBRT_EPSILON:.1e}"),
        vec![(CBRT_EPSILON, lowest), (CBRT_EPSILON, highest)],
    )
    .log_x()
    .log_y()
}

/// Writes `eps_sweep.csv` and `eps_sweep.svg` into `out`.
pub fn write_sweep(summary: &mut SweepSummary, out: &OutputDir) -> Result<(), Failure> {
    let rows: Vec<Vec<f64>> = summary
        .points
        .iter()
        .map(|p| vec![p.step, p.max_abs_error, p.rel_error, p.truncation, p.round_off])
        .collect();
    let header = ["step", "max_abs_error", "rel_error", "truncation", "round_off"];
    summary.csv = Some(out.write_csv("eps_sweep.csv", &header, &rows)?);
    let svg = sweep_chart(summary).to_svg()?;
    summary.svg = Some(out.write("eps_sweep.svg", svg.as_bytes())?);
    Ok(())
}

/// One planted bug and what the checkers said about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZooEntry {
    /// What goes wrong.
    pub bug: String,
    /// The buggy custom op.
    pub op: String,
    /// The rule it should have implemented.
    pub correct_formula: String,
    /// Whether the whole-function check failed.
    pub caught: bool,
    /// The ops of the nodes the localised check blamed.
    pub blamed: Vec<String>,
    /// Whether it blamed exactly the buggy op.
    pub localised: bool,
    /// Whether the adjoint test (the VJP against the JVP, no step size)
    /// failed, for the whole function and for the buggy node.
    pub adjoint_caught: bool,
    /// The checkers' own report.
    pub report: String,
}

/// Runs both checks on every zoo specimen drawn from `seed`.
pub fn zoo(seed: u64) -> Vec<ZooEntry> {
    let check = LocalCheck::default();
    Bug::ALL
        .iter()
        .map(|&bug| {
            let diagnosis = bug.specimen(seed).diagnose(Variant::Buggy, &check);
            let blamed: Vec<String> = diagnosis.local.failures().map(|node| node.op.clone()).collect();
            ZooEntry {
                bug: bug.title().to_owned(),
                op: bug.op_name().to_owned(),
                correct_formula: bug.correct_formula().to_owned(),
                caught: diagnosis.whole.is_err(),
                localised: blamed == [bug.op_name()],
                adjoint_caught: diagnosis.adjoint.is_some_and(|test| !test.passed())
                    && diagnosis
                        .local
                        .nodes
                        .iter()
                        .any(|node| node.op == bug.op_name() && node.adjoint.is_some_and(|test| !test.passed())),
                blamed,
                report: diagnosis.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_experiment_loss_passes_and_is_reproducible() {
        let rows = check_experiment_losses(0, 10);
        assert_eq!(rows.len(), ExperimentLoss::ALL.len());
        for row in &rows {
            assert!(row.passed, "{row:?}");
            assert_eq!(row.cases, 10);
            assert!(row.max_rel_error < 1e-6 && row.max_abs_error > 0.0, "{row:?}");
        }
        assert_eq!(rows, check_experiment_losses(0, 10));
    }

    #[test]
    fn loss_cases_stay_away_from_relu_kinks() {
        for seed in 0..20 {
            let case = ExperimentLoss::MlpCrossEntropy.draw(seed);
            let tape = Tape::new();
            let params: Vec<Var<'_>> = case.parameters.iter().map(|p| tape.parameter(p)).collect();
            let loss = ExperimentLoss::MlpCrossEntropy.record(&tape, &case, &params);
            assert!(kinks_on_tape(&tape, loss, KINK_MARGIN).is_empty());
            assert_eq!(case.labels.len(), case.data.nrows());
        }
    }

    #[test]
    fn the_sweep_has_its_bottom_between_the_arms() {
        let summary = sweep(0).unwrap();
        assert_eq!(summary.points.len(), 23);
        assert!(summary.v_shaped, "{summary:#?}");
        assert!((1e-8..=1e-4).contains(&summary.best_step), "{}", summary.best_step);
    }

    #[test]
    fn a_failing_row_shows_how_large_the_failure_is() {
        // Each planted bug fails the whole-function check: its row gives the
        // failing element's errors, not the 0 of a check that never passed.
        let check = LocalCheck::default();
        for bug in Bug::ALL {
            let diagnosis = bug.specimen(1).diagnose(Variant::Buggy, &check);
            let Err(GradCheckError::Mismatch { element, .. }) = &diagnosis.whole else {
                panic!("{}: {diagnosis}", bug.title());
            };
            let row = row("op", bug.op_name(), std::iter::once((1, diagnosis.clone())));
            assert!(!row.passed, "{row:?}");
            assert_eq!(row.max_abs_error, element.abs_error(), "{row:?}");
            assert!(row.max_abs_error > 1e-7 && row.max_rel_error > 0.0, "{row:?}");
        }
    }

    #[test]
    fn every_planted_bug_is_caught_and_localised() {
        for entry in zoo(1) {
            assert!(entry.caught && entry.localised && entry.adjoint_caught, "{entry:#?}");
            assert!(entry.report.contains(&entry.op), "{}", entry.report);
        }
    }
}
