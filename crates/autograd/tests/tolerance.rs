//! The checkers' tolerances, themselves tested: backward rules wrong by a
//! small amount, which a check 1000 times looser would pass, must fail both
//! the localised check and the whole-function check, while the same rules
//! made right pass them.
//!
//! The defaults pass an element when `|analytic - numeric| <= 1e-7 + 1e-6
//! |numeric|`. Each wrong rule below errs by less than 1000 times that
//! (`1e-4 + 1e-3 |numeric|`) on every element, and by far more than it on
//! most:
//!
//! - a VJP off by a factor `1 + 1e-4`, on derivatives of order 1: a relative
//!   error of 1e-4, which the relative tolerance must see;
//! - the mean squared error of a large batch (m = 1000 residuals near a fit,
//!   `|r| <= 5e-5`) whose rule misses its `1/m`: every derivative `r / m` is
//!   below 5e-8 and the rule's `r` is off by up to 5e-5, an absolute error
//!   that only the absolute tolerance can see.

use autograd::check::LocalCheck;
use autograd::{CustomOp, GradCheck, GradCheckError, Tape};
use ndarray::{Array2, ArrayView2};

/// `C = exp(A)` element-wise, whose rule multiplies the right VJP,
/// `G ⊙ exp(A)`, by `factor` (1 for the right rule).
#[derive(Clone, Copy)]
struct ScaledExp {
    factor: f64,
}

impl CustomOp for ScaledExp {
    fn name(&self) -> &str {
        "scaled_exp"
    }
    fn formula(&self) -> &str {
        "dA = factor · G ⊙ exp(A)"
    }
    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::exp)
    }
    fn vjp(&self, _inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![self.factor * &grad * output]
    }
}

/// `C = Σᵢ rᵢ² / 2m` over a column of m residuals (1 x 1): the mean squared
/// error, whose VJP is `dr = G r / m`. With `divide` false the rule misses
/// the `1/m`: `dr = G r`.
#[derive(Clone, Copy)]
struct MeanSquaredError {
    divide: bool,
}

impl CustomOp for MeanSquaredError {
    fn name(&self) -> &str {
        "mean_squared_error"
    }
    fn formula(&self) -> &str {
        "dr = G r / m"
    }
    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        let r = &inputs[0];
        Array2::from_elem((1, 1), r.mapv(|x| x * x).sum() / (2.0 * r.len() as f64))
    }
    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let r = &inputs[0];
        let scale = if self.divide { 1.0 / r.len() as f64 } else { 1.0 };
        vec![r.mapv(|x| grad[[0, 0]] * x * scale)]
    }
}

/// A 3 x 4 matrix of values in [-1, 1]: `exp` of them lies in [0.37, 2.72].
fn moderate() -> Array2<f64> {
    Array2::from_shape_fn((3, 4), |(i, j)| ((7 * i + 3 * j) % 11) as f64 / 5.0 - 1.0)
}

/// 1000 residuals near a fit, spread over [-5e-5, 5e-5].
fn small_residuals() -> Array2<f64> {
    Array2::from_shape_fn((1000, 1), |(i, _)| 5e-5 * (((i * 37) % 1000) as f64 / 500.0 - 1.0))
}

/// The default tolerances, 1000 times looser.
fn thousand_times_looser() -> GradCheck {
    let default = GradCheck::default();
    GradCheck {
        abs_tol: 1000.0 * default.abs_tol,
        rel_tol: 1000.0 * default.rel_tol,
        ..default
    }
}

/// The localised check of the op's one node on `input` (a parameter), with
/// these tolerances (`None`: `LocalCheck::default()`'s own, so that a
/// loosened default fails these tests too): whether that node passed (no
/// other node may fail), and the report.
fn local_check(op: impl CustomOp + 'static, input: &Array2<f64>, tolerance: Option<GradCheck>) -> (bool, String) {
    let tape = Tape::new();
    let x = tape.parameter(input);
    let y = tape.custom(op, &[x]);
    let loss = y.sum();
    let default = LocalCheck::default();
    let check = LocalCheck {
        tolerance: tolerance.unwrap_or(default.tolerance),
        ..default
    };
    let report = check.run(&tape, loss);
    let custom = report
        .nodes
        .iter()
        .find(|node| node.node == y.id())
        .expect("the op's node is checked");
    let failed_elsewhere = report.nodes.iter().any(|node| node.node != y.id() && !node.passed());
    assert!(!failed_elsewhere, "only the op's own rule may fail:\n{report}");
    (custom.passed(), report.to_string())
}

/// The whole-function check of the op on `input`, with these tolerances.
fn whole_check(
    op: impl CustomOp + Copy + 'static,
    input: &Array2<f64>,
    tolerance: GradCheck,
) -> Result<(), GradCheckError> {
    tolerance
        .run(|tape, x| tape.custom(op, &[x[0]]), std::slice::from_ref(input))
        .map(|_| ())
}

#[test]
fn the_right_rules_pass_both_checks() {
    let exp = ScaledExp { factor: 1.0 };
    let mse = MeanSquaredError { divide: true };
    let (passed, report) = local_check(exp, &moderate(), None);
    assert!(passed, "{report}");
    let (passed, report) = local_check(mse, &small_residuals(), None);
    assert!(passed, "{report}");
    whole_check(exp, &moderate(), GradCheck::default()).unwrap();
    whole_check(mse, &small_residuals(), GradCheck::default()).unwrap();
}

#[test]
fn a_vjp_off_by_one_part_in_ten_thousand_fails_both_checks() {
    let wrong = ScaledExp { factor: 1.0 + 1e-4 };
    let (passed, report) = local_check(wrong, &moderate(), None);
    assert!(!passed, "the localised check passed a rule off by 1e-4:\n{report}");
    assert!(report.contains("FAIL node #1 scaled_exp"), "{report}");
    let error = whole_check(wrong, &moderate(), GradCheck::default()).unwrap_err();
    assert!(matches!(error, GradCheckError::Mismatch { .. }), "{error}");

    // The error is within a tolerance 1000 times looser: these tests are
    // what holds the tolerances where they are.
    assert!(local_check(wrong, &moderate(), Some(thousand_times_looser())).0);
    assert!(whole_check(wrong, &moderate(), thousand_times_looser()).is_ok());
}

#[test]
fn a_batch_mean_whose_rule_misses_its_one_over_m_fails_both_checks() {
    let wrong = MeanSquaredError { divide: false };
    let (passed, report) = local_check(wrong, &small_residuals(), None);
    assert!(!passed, "the localised check passed a rule missing 1/m:\n{report}");
    assert!(report.contains("FAIL node #1 mean_squared_error"), "{report}");
    let error = whole_check(wrong, &small_residuals(), GradCheck::default()).unwrap_err();
    assert!(matches!(error, GradCheckError::Mismatch { .. }), "{error}");

    // Every derivative is below 5e-8 and every error below 5e-5: a check
    // 1000 times looser (an absolute tolerance of 1e-4) passes the rule.
    assert!(local_check(wrong, &small_residuals(), Some(thousand_times_looser())).0);
    assert!(whole_check(wrong, &small_residuals(), thousand_times_looser()).is_ok());
}
