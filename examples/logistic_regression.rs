//! Logistic regression on the engine: is an iris flower a setosa?
//!
//! One weight per measurement and a bias: the logit of a flower is
//! `z = x · w + b` and the model's probability that it is a setosa is
//! `sigmoid(z)`. Written for all rows at once, `Z = X W + b`: X is 100 x 4,
//! W is 4 x 1 and the bias, a 1 x 1 parameter, is broadcast down the rows
//! (so its gradient is the sum of theirs). The loss is the binary
//! cross-entropy `-mean(t log p + (1 - t) log(1 - p))`, computed from the
//! logits by `bce_with_logits`, which never takes the log of a rounded-off
//! 0; its gradient with respect to the logits is `(sigmoid(Z) - T) / n`.
//!
//! The seed splits the 150 flowers into 100 for training and 50 for
//! validation and draws the initial weights; full-batch gradient descent
//! does the rest. Setosa is separable from the other two species by a
//! straight line, so every validation flower ends up on the right side.
//!
//! ```text
//! cargo run --release --example logistic_regression -- --seed 3
//! ```

mod common;

use autograd::optim::{Optimizer, Sgd};
use autograd::{Tape, Var};
use data::{Scale, SplitSize, Standardiser};
use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Gradient descent steps, each on all training rows.
const STEPS: usize = 100;
/// The learning rate.
const LEARNING_RATE: f64 = 0.5;

/// What training gave.
pub struct Outcome {
    /// The loss before each step.
    pub losses: Vec<f64>,
    /// The share of training rows classified right after training.
    pub train_accuracy: f64,
    /// The same on the 50 validation rows.
    pub validation_accuracy: f64,
}

/// The logits `X W + b` of every row.
fn logits<'t>(x: Var<'t>, w: Var<'t>, b: Var<'t>) -> Var<'t> {
    x.matmul(w) + b
}

/// The share of rows classified right: "setosa" when the model's
/// probability `sigmoid(z)` is above 0.5.
fn accuracy(x: &Array2<f64>, targets: &Array2<f64>, w: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let tape = Tape::new();
    let p = logits(tape.constant(x), tape.constant(w), tape.constant(b))
        .sigmoid()
        .value();
    let right = p
        .iter()
        .zip(targets)
        .filter(|&(&p, &t)| (p > 0.5) == (t == 1.0))
        .count();
    right as f64 / targets.len() as f64
}

/// Trains on iris, setosa against the rest, with this seed.
pub fn run(seed: u64) -> Result<Outcome, data::DataError> {
    let iris = data::read_labelled_with(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/iris.data").as_ref(),
        data::ReadOptions::default(),
        None,
    )?
    .data;
    let setosa = iris.classes.iter().position(|name| name == "Iris-setosa").unwrap();
    let split = data::train_validation_split(iris.len(), SplitSize::Count(50), seed)?;
    // Targets: 1 for a setosa, 0 otherwise, one column.
    let part = |rows: &[usize]| {
        let x = iris.features.select(Axis(0), rows);
        let t = Array2::from_shape_fn((rows.len(), 1), |(i, _)| f64::from(iris.labels[rows[i]] == setosa));
        (x, t)
    };
    let (mut x_train, t_train) = part(&split.train);
    let (mut x_valid, t_valid) = part(&split.validation);
    // Mean 0 and standard deviation 1 per column, as the training rows have them.
    let scaling = Standardiser::fit(&x_train, Scale::StdDev);
    scaling.apply(&mut x_train);
    scaling.apply(&mut x_valid);

    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = Array2::from_shape_fn((4, 1), |_| rng.random_range(-0.1..0.1));
    let mut b = Array2::zeros((1, 1));
    let mut sgd = Sgd::new(LEARNING_RATE);
    let mut tape = Tape::new();
    let mut losses = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        tape.clear();
        let (w_var, b_var) = (tape.parameter(&w), tape.parameter(&b));
        let z = logits(tape.constant(&x_train), w_var, b_var);
        let loss = z.bce_with_logits(tape.constant(&t_train));
        losses.push(loss.item());
        let grads = tape.backward(loss);
        sgd.step(&mut [&mut w, &mut b], &[&grads[w_var], &grads[b_var]]);
    }
    Ok(Outcome {
        losses,
        train_accuracy: accuracy(&x_train, &t_train, &w, &b),
        validation_accuracy: accuracy(&x_valid, &t_valid, &w, &b),
    })
}

fn main() {
    let seed = common::seed_from_args();
    let outcome = match run(seed) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    };
    println!("logistic regression, iris setosa against the rest, seed {seed}");
    println!("{}", common::loss_curve(&outcome.losses));
    println!(
        "accuracy: {:.3} on the 100 training rows, {:.3} on the 50 validation rows",
        outcome.train_accuracy, outcome.validation_accuracy
    );
}
