//! The engine's choices at the points where an op has no derivative, each
//! worked out by hand (they are PyTorch's), and the checkers' handling of
//! them: the elements at a kink are skipped, never failed.

use autograd::{LocalCheck, Tape};
use ndarray::{Axis, array};

#[test]
fn abs_has_slope_zero_at_zero() {
    // |x| at [-2, 0, 3]: slopes sign(x) = [-1, 0, 1], with abs'(0) = 0.
    let tape = Tape::new();
    let x = tape.parameter(array![[-2.0, 0.0, 3.0]]);
    assert_eq!(tape.backward(x.abs().sum())[x], array![[-1.0, 0.0, 1.0]]);
}

#[test]
fn maximum_and_minimum_split_a_tie_in_half() {
    // max(a, b) with a = [1, 2], b = [1, 3]: the first entries tie, so each
    // operand gets half of G = 1 there; the second goes wholly to b.
    let tape = Tape::new();
    let a = tape.parameter(array![[1.0, 2.0]]);
    let b = tape.parameter(array![[1.0, 3.0]]);
    let grads = tape.backward(a.maximum(b).sum());
    assert_eq!(grads[a], array![[0.5, 0.0]]);
    assert_eq!(grads[b], array![[0.5, 1.0]]);
    // min(a, b): the tie splits the same way, the second entry goes to a.
    let tape = Tape::new();
    let a = tape.parameter(array![[1.0, 2.0]]);
    let b = tape.parameter(array![[1.0, 3.0]]);
    let grads = tape.backward(a.minimum(b).sum());
    assert_eq!(grads[a], array![[0.5, 1.0]]);
    assert_eq!(grads[b], array![[0.5, 0.0]]);
}

#[test]
fn max_axis_splits_a_tie_evenly_among_the_maxima() {
    // Row maxima of [[2, 2, 1], [5, 5, 5]]: row 0 has two maxima (1/2 each),
    // row 1 three (1/3 each), as torch.amax.
    let tape = Tape::new();
    let x = tape.parameter(array![[2.0, 2.0, 1.0], [5.0, 5.0, 5.0]]);
    let maxima = x.max_axis(Axis(1));
    assert_eq!(maxima.value(), array![[2.0], [5.0]]);
    let third = 1.0 / 3.0;
    assert_eq!(
        tape.backward(maxima.sum())[x],
        array![[0.5, 0.5, 0.0], [third, third, third]]
    );
    // Down the columns: column 0 ties (2 and 2), column 1 does not.
    let tape = Tape::new();
    let x = tape.parameter(array![[2.0, 1.0], [2.0, 4.0]]);
    assert_eq!(
        tape.backward(x.max_axis(Axis(0)).sum())[x],
        array![[0.5, 0.0], [0.5, 1.0]]
    );
}

#[test]
fn sqrt_and_log_at_zero_give_infinities_that_the_anomaly_detector_names() {
    // log(0) = -inf on the forward pass: the first non-finite value is log's.
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 0.0]]);
    let loss = x.log().sum();
    assert_eq!(loss.value()[[0, 0]], f64::NEG_INFINITY);
    let anomaly = tape.first_non_finite_value().expect("log(0) is -inf");
    assert_eq!(anomaly.op, "log");
    // sqrt(0) = 0 is finite, but its slope 1/(2 sqrt(0)) is +inf: the first
    // non-finite gradient comes from sqrt's rule.
    let tape = Tape::new();
    let x = tape.parameter(array![[4.0, 0.0]]);
    let loss = x.sqrt().sum();
    assert_eq!(loss.item(), 2.0);
    assert!(tape.first_non_finite_value().is_none());
    assert_eq!(tape.backward(loss)[x], array![[0.25, f64::INFINITY]]);
    let anomaly = tape.first_non_finite_gradient(loss).expect("sqrt'(0) is inf");
    assert_eq!(anomaly.op, "sqrt");
}

#[test]
fn powf_at_zero_follows_the_power() {
    // d xᵖ/dx = p xᵖ⁻¹ at x = 0: inf for 0 < p < 1, 0 for p > 1, and 0 for
    // p = 0 (x⁰ = 1 is constant; PyTorch's choice, not 0 · 0⁻¹ = NaN).
    let slope_at_zero = |p: f64| {
        let tape = Tape::new();
        let x = tape.parameter(array![[0.0]]);
        tape.backward(x.powf(p).sum())[x][[0, 0]]
    };
    assert_eq!(slope_at_zero(0.5), f64::INFINITY);
    assert_eq!(slope_at_zero(1.5), 0.0);
    assert_eq!(slope_at_zero(0.0), 0.0);
    assert_eq!(slope_at_zero(1.0), 1.0);
}

#[test]
fn the_localised_check_skips_poles_and_ties_instead_of_failing_them() {
    // Every op below sits exactly on its non-differentiable point at one
    // entry (a 0 under sqrt, powf(0.5) and abs, a tie under maximum); the
    // other entries are ordinary. The check must skip the kinks, test the
    // rest, and pass; the adjoint test, where it runs, leaves the kinks'
    // entries out too.
    let tape = Tape::new();
    let x = tape.parameter(array![[0.0, 1.5], [2.0, -0.5]]);
    let y = tape.parameter(array![[0.0, 0.7], [2.0, 0.3]]);
    let poles = x.relu().sqrt() + y.relu().powf(0.5);
    let ties = x.maximum(y) + x.abs();
    let loss = (poles + ties).sum();
    let report = LocalCheck::default().run(&tape, loss);
    assert!(report.passed(), "{report}");
    assert!(report.kinks().count() >= 4, "{report}");
    let maximum = report
        .nodes
        .iter()
        .find(|node| node.op == "maximum")
        .expect("a maximum node");
    let test = maximum.adjoint.expect("a tie is not a pole: the adjoint test runs");
    assert!(test.passed(), "{test}");
}
