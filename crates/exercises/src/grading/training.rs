//! Task 16: the lab's factorisation and MLP, recorded with the learner's
//! ops and trained with the learner's Adam step.
//!
//! The loops follow `factor::train` and `mlp::train` step for step (the
//! same initial draws, the same shuffles, the same minibatches), with the
//! learner's loss in place of the engine's and the learner's Adam in place
//! of the engine's: right rules give the same numbers as the lab's runs.

use autograd::{Op, Tape, Var};
use data::{Columns, Labelled, Scale, SplitSize, Standardiser};
use factor::Config;
use mlp::{Examples, FirstStep, Minibatch, Mlp, TrainConfig};
use ndarray::{ArcArray2, Array2};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{close, number, worst_element};
use crate::checkout;
use crate::given::{AdamSettings, AdamState};
use crate::submission::Submission;
use crate::tasks::Grade;

/// The seeds of the MLP runs: as `mlp --seeds 10`.
const MLP_SEEDS: u64 = 10;
/// The mean validation accuracy the MLP must reach.
const MLP_TARGET: f64 = 0.95;

/// Grades the recorded losses at the start, then both trainings.
pub(crate) fn grade(submission: &Submission, _seed: u64) -> Grade {
    let iris_path = checkout().join("datasets/iris.data");
    let mut a = data::read_features_with(&iris_path, data::ReadOptions::default(), &Columns::Features)
        .map_err(|e| format!("cannot read iris: {e}"))?
        .data
        .matrix;
    data::centre_columns(&mut a);
    let config = Config::new(2);
    check_factorisation_loss(submission, &a, &config)?;
    let residual = train_factorisation(submission, &a, &config)?;
    let bound = factor::truncated_svd(&a, config.rank)
        .map_err(|e| e.to_string())?
        .residual;
    if format!("{residual:.4}") != format!("{bound:.4}") {
        return Err(format!(
            "factorisation of centred iris at rank 2 (squared loss, your Adam at lr {}, {} epochs): \
             ‖A - U Vᵀ‖_F = {residual:.6} (yours), expected the SVD bound {bound:.6} to 4 decimals\n  \
             why: the loss and its gradient were right at the start, so look at the Adam step (task 15)",
            config.lr, config.epochs
        ));
    }

    let iris = data::read_labelled_with(&iris_path, data::ReadOptions::default(), None)
        .map_err(|e| format!("cannot read iris: {e}"))?
        .data;
    check_mlp_loss(submission, &iris)?;
    let accuracies: Vec<f64> = (0..MLP_SEEDS)
        .map(|seed| train_mlp(submission, &iris, seed))
        .collect::<Result<_, _>>()?;
    let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64;
    let (low, high) = accuracies
        .iter()
        .fold((1.0_f64, 0.0_f64), |(l, h), &x| (l.min(x), h.max(x)));
    let mlp = format!(
        "MLP 4-32-3 on iris (your Adam at lr 0.01, batches of 16, 100 epochs): validation accuracy mean {mean:.3} \
         over seeds 0-{} ({low:.2} to {high:.2})",
        MLP_SEEDS - 1
    );
    if mean < MLP_TARGET {
        return Err(format!("{mlp}, below {MLP_TARGET}"));
    }
    Ok(format!(
        "factorisation of centred iris at rank 2: ‖A - U Vᵀ‖_F = {residual:.6}, the SVD bound {bound:.6}; {mlp}"
    ))
}

/// The learner's Adam step as an optimiser over several parameters.
struct LearnersAdam {
    step: fn(&mut Array2<f64>, &Array2<f64>, &mut AdamState, &AdamSettings),
    settings: AdamSettings,
    states: Vec<AdamState>,
}

impl LearnersAdam {
    fn new(submission: &Submission, lr: f64) -> Self {
        LearnersAdam {
            step: submission.adam_step,
            settings: AdamSettings::new(lr),
            states: Vec::new(),
        }
    }

    fn update(&mut self, params: &mut [&mut Array2<f64>], grads: &[Array2<f64>]) {
        if self.states.is_empty() {
            self.states = params.iter().map(|p| AdamState::new(p.dim())).collect();
        }
        for ((param, grad), state) in params.iter_mut().zip(grads).zip(&mut self.states) {
            (self.step)(param, grad, state, &self.settings);
        }
    }
}

/// Refuses a built-in op on the learner's tape: the point is their rules.
fn only_custom_ops(tape: &Tape, what: &str) -> Result<(), String> {
    for id in tape.ids() {
        let op = tape.op(id);
        if !op.is_leaf() && !matches!(op, Op::Custom { .. }) {
            let at = tape.location(id);
            return Err(format!(
                "{what} records the engine's built-in {} at {}:{}: record your own op, tape.custom(YourOp, &[...])",
                op.name(),
                at.file(),
                at.line()
            ));
        }
    }
    Ok(())
}

/// The learner's loss and gradients against the engine's, at one point.
fn compare(
    what: &str,
    (loss, grads): (f64, &[Array2<f64>]),
    (expected, wanted): (f64, &[Array2<f64>]),
    names: &[String],
) -> Result<(), String> {
    if (loss - expected).abs() > 1e-10 * expected.abs().max(1.0) {
        return Err(format!(
            "{what} at the start: the loss is {} (yours), expected {}",
            number(loss),
            number(expected)
        ));
    }
    for ((got, expected), name) in grads.iter().zip(wanted).zip(names) {
        if !close(got.view(), expected.view(), 1e-9) {
            let (row, col, g, e) = worst_element(got.view(), expected.view());
            return Err(format!(
                "{what} at the start: the loss is right but d{name}[{row}, {col}] = {} (yours), expected {}\n  \
                 why: a rule this loss runs is wrong; the tasks it needs say which",
                number(g),
                number(e)
            ));
        }
    }
    Ok(())
}

/// The gradients of `loss` for `params`, in order.
fn gradients(tape: &Tape, loss: Var<'_>, params: &[Var<'_>]) -> Vec<Array2<f64>> {
    let grads = tape.backward(loss);
    params.iter().map(|&p| grads[p].clone()).collect()
}

fn check_factorisation_loss(submission: &Submission, a: &Array2<f64>, config: &Config) -> Result<(), String> {
    let (u, v) = factor::initial_factors(a.nrows(), a.ncols(), config);
    let target = a.to_shared();
    let engine = Tape::new();
    let step = factor::record_step(&engine, &target, None, &u, &v, config);
    let expected = (step.loss.item(), gradients(&engine, step.loss, &[step.u, step.v]));
    let tape = Tape::new();
    let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
    let loss = (submission.factorisation_loss)(&tape, tape.constant(&target), u_var, v_var);
    only_custom_ops(&tape, "factorisation_loss")?;
    let got = (loss.item(), gradients(&tape, loss, &[u_var, v_var]));
    let names = ["U".to_owned(), "V".to_owned()];
    compare("factorisation_loss", (got.0, &got.1), (expected.0, &expected.1), &names)
}

/// `factor::train`'s loop with the learner's loss and Adam; the residual `‖A - U Vᵀ‖_F`.
fn train_factorisation(submission: &Submission, a: &Array2<f64>, config: &Config) -> Result<f64, String> {
    let (mut u, mut v) = factor::initial_factors(a.nrows(), a.ncols(), config);
    let target: ArcArray2<f64> = a.to_shared();
    let mut adam = LearnersAdam::new(submission, config.lr);
    let mut tape = Tape::new();
    for epoch in 0..config.epochs {
        tape.clear();
        let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
        let loss = (submission.factorisation_loss)(&tape, tape.constant(&target), u_var, v_var);
        if !loss.item().is_finite() {
            return Err(format!(
                "factorisation: the loss is {} in epoch {epoch}: training diverged",
                loss.item()
            ));
        }
        let grads = gradients(&tape, loss, &[u_var, v_var]);
        adam.update(&mut [&mut u, &mut v], &grads);
    }
    Ok(factor::frobenius_distance(a, &u.dot(&v.t())))
}

/// The MLP settings the task trains with: adlab's recommended ones.
fn mlp_config(seed: u64) -> TrainConfig {
    TrainConfig {
        hidden: vec![32],
        epochs: 100,
        batch_size: 16,
        learning_rate: 0.01,
        optimizer: autograd::optim::OptimizerKind::Adam,
        seed,
    }
}

/// The training and validation rows of seed `seed`, standardised with the
/// training rows' means and standard deviations (as the `mlp` bin does).
fn split(iris: &Labelled, seed: u64) -> Result<(Labelled, Labelled), String> {
    let split =
        data::train_validation_split(iris.len(), SplitSize::Fraction(1.0 / 3.0), seed).map_err(|e| e.to_string())?;
    let (mut training, mut validation) = (iris.select(&split.train), iris.select(&split.validation));
    let standardiser = Standardiser::fit(&training.features, Scale::StdDev);
    standardiser.apply(&mut training.features);
    standardiser.apply(&mut validation.features);
    Ok((training, validation))
}

fn check_mlp_loss(submission: &Submission, iris: &Labelled) -> Result<(), String> {
    let (training, _) = split(iris, 0)?;
    let examples = Examples::new(&training.features, &training.labels);
    let first = FirstStep::new(&mlp_config(0), examples, iris.num_classes()).map_err(|e| e.to_string())?;
    let engine = Tape::new();
    let (loss, params) = first.record(&engine);
    let expected = (loss.item(), gradients(&engine, loss, &params));
    let tape = Tape::new();
    let features = tape.constant(&first.batch.features);
    let params = first.model.record_parameters(&tape);
    let loss = (submission.mlp_loss)(&tape, features, &params, &first.batch.labels);
    only_custom_ops(&tape, "mlp_loss")?;
    let got = (loss.item(), gradients(&tape, loss, &params));
    let names: Vec<String> = (0..params.len()).map(mlp::parameter_name).collect();
    compare("mlp_loss", (got.0, &got.1), (expected.0, &expected.1), &names)
}

/// `mlp::train`'s loop with the learner's loss and Adam; the validation accuracy.
fn train_mlp(submission: &Submission, iris: &Labelled, seed: u64) -> Result<f64, String> {
    let (training, validation) = split(iris, seed)?;
    let config = mlp_config(seed);
    let mut rng = StdRng::seed_from_u64(seed);
    let sizes = config.sizes(training.num_features(), iris.num_classes());
    let mut model = Mlp::with_rng(&sizes, &mut rng).map_err(|e| e.to_string())?;
    let examples = Examples::new(&training.features, &training.labels);
    let mut order: Vec<usize> = (0..training.len()).collect();
    let mut adam = LearnersAdam::new(submission, config.learning_rate);
    let mut tape = Tape::new();
    for epoch in 1..=config.epochs {
        order.shuffle(&mut rng);
        for rows in order.chunks(config.batch_size) {
            tape.clear();
            let batch = Minibatch::gather(examples, rows);
            let features = tape.constant(batch.features);
            let params = model.record_parameters(&tape);
            let loss = (submission.mlp_loss)(&tape, features, &params, &batch.labels);
            if !loss.item().is_finite() {
                return Err(format!(
                    "MLP, seed {seed}: the loss is {} in epoch {epoch}: training diverged",
                    loss.item()
                ));
            }
            let grads = gradients(&tape, loss, &params);
            adam.update(&mut model.parameters_mut(), &grads);
        }
    }
    Ok(model.accuracy(&validation.features, &validation.labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_sets_are_found_from_the_checkout() {
        assert!(checkout().join("datasets/iris.data").is_file());
    }
}
