//! Task 1: central differences, and the best step of a sweep.

use super::number;
use crate::submission::{Function, Submission};
use crate::tasks::Grade;

/// The steps of chapter 1's sweep, `1e-1` to `1e-12`.
fn decade_steps() -> Vec<f64> {
    (1..=12).map(|k| 10f64.powi(-k)).collect()
}

/// A function to differentiate, where, and its exact derivative there.
struct Probe {
    name: &'static str,
    f: fn(f64) -> f64,
    x: f64,
    exact: f64,
}

const PROBES: [Probe; 2] = [
    Probe {
        name: "x³ at x = 1",
        f: |x| x * x * x,
        x: 1.0,
        exact: 3.0,
    },
    Probe {
        name: "sin at x = 0.7",
        f: f64::sin,
        x: 0.7,
        exact: 0.764_842_187_284_488_4, // cos(0.7)
    },
];

/// Grades `central_difference`, then `best_step`.
pub(crate) fn grade(submission: &Submission, _seed: u64) -> Grade {
    let central = submission.central_difference;
    for probe in &PROBES {
        let f: Function<'_> = &probe.f;
        for h in [1e-3, 1e-4] {
            let (x, fx) = (probe.x, probe.f);
            let expected = (fx(x + h) - fx(x - h)) / (2.0 * h);
            let got = central(f, x, h);
            // Within rounding: (f(x+h) - f(x-h)) is good to about 1e-16, divided by 2h.
            if (got - expected).abs() > 1e-11 * (1.0 + expected.abs()) {
                let why = diagnose_difference(fx, x, h, got);
                return Err(format!(
                    "central_difference of {} with h = {h:e}: {} (yours), expected {}\n  why: {why}",
                    probe.name,
                    number(got),
                    number(expected)
                ));
            }
        }
    }
    let cube = &PROBES[0];

    let steps = decade_steps();
    for probe in &PROBES {
        let f: Function<'_> = &probe.f;
        let error = |h: f64| (central(f, probe.x, h) - probe.exact).abs();
        let expected = steps
            .iter()
            .copied()
            .reduce(|best, h| if error(h) < error(best) { h } else { best });
        let expected = expected.expect("the sweep has steps");
        let got = (submission.best_step)(f, probe.x, probe.exact, &steps);
        if got != expected {
            let why = if got == steps[steps.len() - 1] {
                "the smallest step is not the best: round-off, about ε|f|/h, grows as h shrinks".to_owned()
            } else if steps.contains(&got) && error(got) > error(expected) {
                format!(
                    "step {got:e} errs by {:.2e}, step {expected:e} by {:.2e}: keep the step with the smallest error",
                    error(got),
                    error(expected)
                )
            } else {
                "return one of the steps given, the one with the smallest error".to_owned()
            };
            return Err(format!(
                "best_step of {} over h = 1e-1 .. 1e-12: {got:e} (yours), expected {expected:e}\n  why: {why}",
                probe.name
            ));
        }
    }
    // x³ at 1: (1 + h)³ - (1 - h)³ = 6h + 2h³, so the difference is 3 + h², up to rounding.
    let at_millistep = central(&cube.f, 1.0, 1e-3);
    let best = (submission.best_step)(&cube.f, 1.0, 3.0, &steps);
    Ok(format!(
        "central_difference of x³ at 1 with h = 1e-3 is {} = 3 + h²; the best step of the sweep is {best:e}, \
         near cbrt(ε) = 6.1e-6",
        number(at_millistep)
    ))
}

/// Why `got` is not the central difference of `f` at `x` with step `h`,
/// where a classic slip explains it.
fn diagnose_difference(f: fn(f64) -> f64, x: f64, h: f64, got: f64) -> String {
    let near = |candidate: f64| (got - candidate).abs() <= 1e-9 * (1.0 + candidate.abs());
    let central = (f(x + h) - f(x - h)) / (2.0 * h);
    if near((f(x + h) - f(x)) / h) {
        "that is the forward difference (f(x + h) - f(x)) / h: its error shrinks like h, the central one's like h²"
            .to_owned()
    } else if near((f(x) - f(x - h)) / h) {
        "that is the backward difference (f(x) - f(x - h)) / h: use both sides, (f(x + h) - f(x - h)) / 2h".to_owned()
    } else if near(2.0 * central) {
        "off by a factor 2: the two points are 2h apart, so divide by 2h, not h".to_owned()
    } else if near(-central) {
        "sign flipped: f(x + h) - f(x - h), not f(x - h) - f(x + h)".to_owned()
    } else {
        "the central difference is (f(x + h) - f(x - h)) / 2h".to_owned()
    }
}
