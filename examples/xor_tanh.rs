//! A 2-16-1 network with a tanh hidden layer learns XOR.
//!
//! XOR is 1 when exactly one of its two inputs is 1. No straight line
//! separates its two 1s from its two 0s, so logistic regression cannot learn
//! it; one hidden layer can:
//!
//! ```text
//! H = tanh(X W₁ + b₁)      X: 4 x 2, W₁: 2 x 16, b₁: 1 x 16 (broadcast down the rows)
//! Z = H W₂ + b₂            W₂: 16 x 1, b₂: 1 x 1
//! p = sigmoid(Z)           the network's probability that XOR is 1
//! ```
//!
//! The loss is the binary cross-entropy of the logits `Z` against the four
//! targets (`bce_with_logits`), minimised by Adam. The seed draws the initial
//! weights; XOR is solved when all four outputs lie on the right side of 0.5.
//!
//! ```text
//! cargo run --release --example xor_tanh -- --seed 3
//! ```

mod common;

use autograd::optim::{Adam, Optimizer};
use autograd::{Tape, Var};
use ndarray::{Array2, array};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Hidden units.
const HIDDEN: usize = 16;
/// Adam steps, each on all four rows.
const STEPS: usize = 300;
/// Adam's learning rate.
const LEARNING_RATE: f64 = 0.05;

/// What training gave.
pub struct Outcome {
    /// The loss before each step.
    pub losses: Vec<f64>,
    /// The inputs, one row each.
    pub inputs: Array2<f64>,
    /// Their XOR.
    pub targets: Array2<f64>,
    /// The trained network's probability that XOR is 1, for each row.
    pub outputs: Array2<f64>,
}

impl Outcome {
    /// Whether every output lies on the side of 0.5 that its target does.
    pub fn solved(&self) -> bool {
        self.outputs
            .iter()
            .zip(&self.targets)
            .all(|(&p, &t)| (p > 0.5) == (t == 1.0))
    }
}

/// The logits `tanh(X W₁ + b₁) W₂ + b₂` of every row.
fn logits<'t>(x: Var<'t>, [w1, b1, w2, b2]: [Var<'t>; 4]) -> Var<'t> {
    let hidden = (x.matmul(w1) + b1).tanh();
    hidden.matmul(w2) + b2
}

/// Trains the network on XOR with this seed.
pub fn run(seed: u64) -> Outcome {
    let inputs = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let targets = array![[0.0], [1.0], [1.0], [0.0]];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut uniform = |rows, cols| Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0));
    // W₁, b₁, W₂, b₂.
    let mut weights = [
        uniform(2, HIDDEN),
        Array2::zeros((1, HIDDEN)),
        uniform(HIDDEN, 1),
        Array2::zeros((1, 1)),
    ];
    let mut adam = Adam::new(LEARNING_RATE);
    let mut tape = Tape::new();
    let mut losses = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        tape.clear();
        let params = weights.each_ref().map(|w| tape.parameter(w));
        let loss = logits(tape.constant(&inputs), params).bce_with_logits(tape.constant(&targets));
        losses.push(loss.item());
        let grads = tape.backward(loss);
        adam.step(&mut weights.each_mut(), &params.map(|p| &grads[p]));
    }
    let tape = Tape::new();
    let trained = weights.each_ref().map(|w| tape.constant(w));
    let outputs = logits(tape.constant(&inputs), trained).sigmoid().value().to_owned();
    Outcome {
        losses,
        inputs,
        targets,
        outputs,
    }
}

fn main() {
    let seed = common::seed_from_args();
    let outcome = run(seed);
    println!("a 2-{HIDDEN}-1 tanh network on XOR, seed {seed}");
    println!("{}", common::loss_curve(&outcome.losses));
    for (i, row) in outcome.inputs.rows().into_iter().enumerate() {
        let (t, p) = (outcome.targets[[i, 0]], outcome.outputs[[i, 0]]);
        println!("  {} xor {} = {t}: the network says {p:.4}", row[0], row[1]);
    }
    let right = if outcome.solved() { "all four" } else { "not all" };
    println!("{right} on the right side of 0.5");
}
