//! One attention head learns where to look.
//!
//! A memory holds 8 items, each a key (a random unit vector in 8
//! dimensions) and a value (8 random numbers). A query is one of the keys
//! with noise added, and the right answer to it is that key's value. The
//! head answers 128 queries at once (Q is 128 x 8, K and V are 8 x 8):
//!
//! ```text
//! Q' = Q W_q + b_q,  K' = K W_k + b_k    W: 8 x 8; b: 1 x 8, broadcast down the rows
//! S = Q' K'ᵀ / sqrt(8)                   128 x 8: how well query i matches key j
//! A = softmax(S)                         row by row: weights over the keys, summing to 1
//! Y = A V                                128 x 8: each answer, a weighted mean of the values
//! ```
//!
//! The loss is each answer's squared error summed over its columns
//! (`sum_axis(Axis(1))`, 128 x 1), averaged over the queries. At the start
//! the weights are small, every row of A is nearly uniform and every answer
//! is close to the mean of the values; training sharpens each row of A onto
//! the key the query came from. (The 8 values are linearly independent, so
//! the only weights that give the right answer put all of it on the right
//! key: a low loss means looking in the right place.) A bias is added to
//! every row, so its gradient is the sum of the rows' gradients.
//!
//! The seed draws the memory, the queries and the initial weights. Printed:
//! the loss curve, and how often the heaviest weight falls on the right
//! key, for the training queries and for 128 new ones.
//!
//! ```text
//! cargo run --release --example attention -- --seed 3
//! ```

mod common;

use autograd::optim::{Adam, Optimizer};
use autograd::{Tape, Var};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Items in the memory.
const ITEMS: usize = 8;
/// Dimensions of a key and a query.
const DIM: usize = 8;
/// Numbers in a value.
const VALUE_DIM: usize = 8;
/// Queries per set (training, and new ones).
const QUERIES: usize = 128;
/// The noise added to a key to make a query, per entry (uniform in ±NOISE).
const NOISE: f64 = 0.2;
/// Adam steps, each on all training queries.
const STEPS: usize = 300;
/// Adam's learning rate.
const LEARNING_RATE: f64 = 0.05;

/// What training gave.
pub struct Outcome {
    /// The loss before each step.
    pub losses: Vec<f64>,
    /// The loss of always answering the mean value, for scale.
    pub mean_answer_loss: f64,
    /// The share of training queries whose heaviest weight is on their key.
    pub train_hits: f64,
    /// The same for new queries.
    pub new_hits: f64,
}

/// Queries made from random keys, and the index of each one's key.
fn queries(keys: &Array2<f64>, rng: &mut StdRng) -> (Array2<f64>, Vec<usize>) {
    let sources: Vec<usize> = (0..QUERIES).map(|_| rng.random_range(0..ITEMS)).collect();
    let noisy = Array2::from_shape_fn((QUERIES, DIM), |(i, j)| {
        keys[[sources[i], j]] + rng.random_range(-NOISE..NOISE)
    });
    (noisy, sources)
}

/// The attention weights A = softmax((Q W_q + b_q)(K W_k + b_k)ᵀ / sqrt(d)).
fn attention<'t>(q: Var<'t>, k: Var<'t>, [w_q, b_q, w_k, b_k]: [Var<'t>; 4]) -> Var<'t> {
    let scores = (q.matmul(w_q) + b_q).matmul((k.matmul(w_k) + b_k).t()) / (DIM as f64).sqrt();
    scores.softmax()
}

/// The mean over queries of each answer's squared error, summed over its columns.
fn loss<'t>(answers: Var<'t>, right: Var<'t>) -> Var<'t> {
    (answers - right).square().sum_axis(Axis(1)).mean()
}

/// The share of rows of `weights` whose largest entry is in column `sources[row]`.
fn hits(weights: ArrayView2<f64>, sources: &[usize]) -> f64 {
    let heaviest = |row: ArrayView1<f64>| (0..ITEMS).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
    let right = weights
        .rows()
        .into_iter()
        .zip(sources)
        .filter(|&(row, &source)| heaviest(row) == source);
    right.count() as f64 / sources.len() as f64
}

/// Builds the memory and the queries and trains the head with this seed.
pub fn run(seed: u64) -> Outcome {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut keys: Array2<f64> = Array2::from_shape_fn((ITEMS, DIM), |_| rng.random_range(-1.0..1.0));
    for mut key in keys.rows_mut() {
        let length = key.dot(&key).sqrt();
        key /= length;
    }
    let values = Array2::from_shape_fn((ITEMS, VALUE_DIM), |_| rng.random_range(-1.0..1.0));
    let (train_queries, train_sources) = queries(&keys, &mut rng);
    let (new_queries, new_sources) = queries(&keys, &mut rng);
    let right_values = values.select(Axis(0), &train_sources);

    let mut small = |rows, cols| Array2::from_shape_fn((rows, cols), |_| rng.random_range(-0.1..0.1));
    // W_q, b_q, W_k, b_k.
    let mut weights = [small(DIM, DIM), small(1, DIM), small(DIM, DIM), small(1, DIM)];
    let mut adam = Adam::new(LEARNING_RATE);
    let mut tape = Tape::new();
    let mut losses = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        tape.clear();
        let params = weights.each_ref().map(|w| tape.parameter(w));
        let a = attention(tape.constant(&train_queries), tape.constant(&keys), params);
        let loss = loss(a.matmul(tape.constant(&values)), tape.constant(&right_values));
        losses.push(loss.item());
        let grads = tape.backward(loss);
        adam.step(&mut weights.each_mut(), &params.map(|p| &grads[p]));
    }

    let tape = Tape::new();
    let trained = weights.each_ref().map(|w| tape.constant(w));
    let looks = |queries| attention(tape.constant(queries), tape.constant(&keys), trained).value();
    // The mean value, a 1 x 8 row, broadcast against every right answer.
    let mean_value = values.mean_axis(Axis(0)).unwrap().insert_axis(Axis(0));
    let mean_answer_loss = loss(tape.constant(mean_value), tape.constant(&right_values)).item();
    Outcome {
        losses,
        mean_answer_loss,
        train_hits: hits(looks(&train_queries).view(), &train_sources),
        new_hits: hits(looks(&new_queries).view(), &new_sources),
    }
}

fn main() {
    let seed = common::seed_from_args();
    let outcome = run(seed);
    println!("one attention head looking up {ITEMS} items, seed {seed}");
    let mean = outcome.mean_answer_loss;
    println!(
        "{} (always answering the mean value: {mean:.4})",
        common::loss_curve(&outcome.losses)
    );
    println!(
        "heaviest weight on the right key: {:.3} of the training queries, {:.3} of {QUERIES} new ones",
        outcome.train_hits, outcome.new_hits
    );
}
