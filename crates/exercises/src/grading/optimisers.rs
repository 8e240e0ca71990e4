//! Tasks 14 and 15: a step of SGD and of Adam, against the engine's
//! optimisers on the same parameters and gradients.

use autograd::optim::{Adam, Optimizer, Sgd};
use ndarray::{Array2, ArrayView2, Zip};

use super::{Draw, close, number, shape, worst_element};
use crate::given::{AdamSettings, AdamState};
use crate::submission::Submission;
use crate::tasks::Grade;

/// `what[i, j] = got (yours), expected e` at the worst element, or `None`
/// when `got` is `expected` up to rounding.
fn mismatch(what: &str, got: ArrayView2<f64>, expected: ArrayView2<f64>) -> Option<String> {
    if close(got, expected, 1e-12) {
        return None;
    }
    if got.dim() != expected.dim() {
        return Some(format!(
            "{what} is {} where it should stay {}",
            shape(got.dim()),
            shape(expected.dim())
        ));
    }
    let (row, col, g, e) = worst_element(got, expected);
    Some(format!(
        "{what}[{row}, {col}] = {} (yours), expected {}",
        number(g),
        number(e)
    ))
}

/// The first of `candidates` (a value and what it means) that `got` equals.
fn which(got: ArrayView2<f64>, candidates: &[(Array2<f64>, &str)]) -> Option<String> {
    candidates
        .iter()
        .find(|(candidate, _)| close(got, candidate.view(), 1e-12))
        .map(|(_, why)| (*why).to_owned())
}

/// Task 14.
pub(crate) fn sgd(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "sgd");
    let lr = 0.1;
    let param = draw.matrix(3, 4, -2.0, 2.0);
    let grad = draw.matrix(3, 4, -1.0, 1.0);
    let mut expected = param.clone();
    Sgd::new(lr).step(&mut [&mut expected], &[&grad]);
    let mut got = param.clone();
    (submission.sgd_step)(&mut got, &grad, lr);
    if let Some(problem) = mismatch("p", got.view(), expected.view()) {
        let candidates = [
            (
                &param + &(&grad * lr),
                "sign flipped: p + lr·g climbs the loss; step against the gradient, p ← p - lr·g",
            ),
            (&param - &grad, "the learning rate is missing: p ← p - lr·g"),
            (
                &grad * -lr,
                "p was replaced by the step: move it, p ← p - lr·g (p -= ...)",
            ),
            (param.clone(), "p did not move: update it in place"),
        ];
        let why = which(got.view(), &candidates).unwrap_or_else(|| "p ← p - lr·g".to_owned());
        return Err(format!("sgd_step with lr = {lr}: {problem}\n  why: {why}"));
    }
    Ok(format!(
        "sgd_step agrees with the engine's Sgd (lr {lr}, {} entries)",
        param.len()
    ))
}

/// How many Adam steps are compared.
const ADAM_STEPS: i32 = 5;

/// Task 15.
pub(crate) fn adam(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "adam");
    let settings = AdamSettings::new(0.05);
    let AdamSettings { lr, beta1, beta2, eps } = settings;
    let mut param = draw.matrix(3, 2, -2.0, 2.0);
    let mut state = AdamState::new(param.dim());
    let mut engine = Adam::with_betas(lr, beta1, beta2, eps);
    let mut engine_param = param.clone();
    let (mut m, mut v) = (Array2::zeros(param.dim()), Array2::<f64>::zeros(param.dim()));
    for t in 1..=ADAM_STEPS {
        // Gradients of varied sizes, so that each entry's step differs from the plain gradient's.
        let grad = draw.matrix(3, 2, -1.0, 1.0) * f64::from(t);
        let before = param.clone();
        (submission.adam_step)(&mut param, &grad, &mut state, &settings);
        engine.step(&mut [&mut engine_param], &[&grad]);
        let previous_v = v.clone();
        m = &m * beta1 + &grad * (1.0 - beta1);
        v = &v * beta2 + &grad.mapv(|g| g * g) * (1.0 - beta2);
        let context = format!("adam_step, step {t} (lr {lr}, β₁ {beta1}, β₂ {beta2}, ε {eps:e})");
        if state.t != t {
            return Err(format!(
                "{context}: t = {} after step {t}\n  why: count the steps: t ← t + 1, before the bias correction",
                state.t
            ));
        }
        if let Some(problem) = mismatch("m", state.m.view(), m.view()) {
            return Err(format!("{context}: {problem}\n  why: m ← β₁ m + (1 - β₁) g"));
        }
        if let Some(problem) = mismatch("v", state.v.view(), v.view()) {
            let unsquared = &previous_v * beta2 + &grad * (1.0 - beta2);
            let why = which(
                state.v.view(),
                &[(unsquared, "v averages the squared gradient: v ← β₂ v + (1 - β₂) g²")],
            );
            let why = why.unwrap_or_else(|| "v ← β₂ v + (1 - β₂) g²".to_owned());
            return Err(format!("{context}: {problem}\n  why: {why}"));
        }
        if let Some(problem) = mismatch("p", param.view(), engine_param.view()) {
            let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
            let step = |f: &dyn Fn(f64, f64) -> f64| {
                let mut moved = before.clone();
                Zip::from(&mut moved)
                    .and(&m)
                    .and(&v)
                    .for_each(|p, &m, &v| *p -= lr * f(m, v));
                moved
            };
            let candidates = [
                (
                    step(&|m, v| m / (v.sqrt() + eps)),
                    "missing bias correction: divide by 1 - βᵗ, m̂ = m / (1 - β₁ᵗ) and v̂ = v / (1 - β₂ᵗ)",
                ),
                (
                    step(&|m, v| (m / c1) / ((v / c2) + eps).sqrt()),
                    "ε belongs outside the square root: p ← p - lr · m̂ / (sqrt(v̂) + ε)",
                ),
                (
                    step(&|m, v| -(m / c1) / ((v / c2).sqrt() + eps)),
                    "sign flipped: step against the gradient, p ← p - lr · m̂ / (sqrt(v̂) + ε)",
                ),
            ];
            let why = which(param.view(), &candidates)
                .unwrap_or_else(|| "p ← p - lr · m̂ / (sqrt(v̂) + ε), m̂ = m / (1 - β₁ᵗ), v̂ = v / (1 - β₂ᵗ)".to_owned());
            return Err(format!("{context}: {problem}\n  why: {why}"));
        }
    }
    Ok(format!(
        "{ADAM_STEPS} steps agree with the engine's Adam: t, m, v and the parameter after each"
    ))
}
