//! Gradients on the tape ([`Tape::grad`]) and the second derivatives built
//! on them ([`hvp`], [`hessian`]).
//!
//! - The recorded sweep gives the numbers of `Tape::backward` to 1e-14 on
//!   every case of every op and on the experiments' losses, so the second
//!   copy of the rules cannot drift from the first.
//! - `H v` agrees with central differences of gradients, and the Hessian is
//!   symmetric.

use autograd::check::builtin_ops;
use autograd::{CustomOp, Tape, Var, hessian, hvp};
use ndarray::{Array2, ArrayView2, array};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SEEDS: u64 = 24;

/// The largest `|x - y|` over the largest `|y|` (0 when both are 0).
fn relative_difference(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let scale = y.iter().chain(x.iter()).fold(0.0_f64, |m, v| m.max(v.abs()));
    let difference = (x - y).iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    if difference == 0.0 { 0.0 } else { difference / scale }
}

fn random_like(rng: &mut StdRng, x: &Array2<f64>) -> Array2<f64> {
    Array2::from_shape_simple_fn(x.dim(), || rng.random_range(-1.0..1.0))
}

/// `f`'s gradients by the numeric sweep and by the recorded one.
fn both_sweeps<F>(f: F, inputs: &[Array2<f64>]) -> (Vec<Array2<f64>>, Vec<Array2<f64>>)
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let loss = f(&tape, &params);
    let numeric = tape.backward(loss);
    let recorded = tape.grad(loss, &params);
    (
        params.iter().map(|p| numeric[*p].clone()).collect(),
        recorded.iter().map(|g| g.value().to_owned()).collect(),
    )
}

#[test]
fn the_recorded_sweep_gives_the_numeric_sweeps_numbers_on_every_op() {
    let mut worst = 0.0f64;
    for case in builtin_ops() {
        for seed in 0..SEEDS {
            let drawn = case.draw(seed);
            let (numeric, recorded) = both_sweeps(|tape, x| case.record(tape, &drawn, x), &drawn.parameters);
            for (n, r) in numeric.iter().zip(&recorded) {
                let difference = relative_difference(r, n);
                assert!(
                    difference <= 1e-14,
                    "{} seed {seed}: {difference:e}\n{n}\n{r}",
                    case.name
                );
                worst = worst.max(difference);
            }
        }
    }
    println!("every op, {SEEDS} seeds: the two sweeps differ by at most {worst:.1e} relative");
}

/// `A - U Vᵀ`, the factorisation's residual.
fn residual<'t>(tape: &'t Tape, a: &Array2<f64>, x: &[Var<'t>]) -> Var<'t> {
    tape.constant(a) - x[0].matmul(x[1].t())
}

/// The experiments' losses on small random data: the factorisation (norm,
/// squared, masked, with a penalty) and a ReLU MLP with cross-entropy.
#[test]
fn the_recorded_sweep_gives_the_numeric_sweeps_numbers_on_the_experiments_losses() {
    let mut rng = StdRng::seed_from_u64(3);
    let uniform =
        |rng: &mut StdRng, rows, cols| Array2::from_shape_simple_fn((rows, cols), || rng.random_range(-1.0..1.0));
    let a = uniform(&mut rng, 12, 4);
    let mask = Array2::from_shape_simple_fn((12, 4), || f64::from(u8::from(rng.random_range(0.0..1.0) < 0.8)));
    let factors = [uniform(&mut rng, 12, 2), uniform(&mut rng, 4, 2)];
    let mut checks = vec![
        (
            "norm loss",
            both_sweeps(|tape, x| residual(tape, &a, x).frobenius_norm(), &factors),
        ),
        (
            "squared loss",
            both_sweeps(|tape, x| residual(tape, &a, x).sum_squares(), &factors),
        ),
        (
            "masked norm",
            both_sweeps(
                |tape, x| (residual(tape, &a, x) * tape.constant(&mask)).frobenius_norm(),
                &factors,
            ),
        ),
        (
            "masked squared + l2",
            both_sweeps(
                |tape, x| {
                    let fit = (residual(tape, &a, x) * tape.constant(&mask)).sum_squares();
                    fit + (x[0].sum_squares() + x[1].sum_squares()).scale(0.5)
                },
                &factors,
            ),
        ),
    ];
    let x = uniform(&mut rng, 16, 4);
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let net = [
        uniform(&mut rng, 4, 12),
        uniform(&mut rng, 1, 12),
        uniform(&mut rng, 12, 3),
        uniform(&mut rng, 1, 3),
    ];
    checks.push((
        "mlp",
        both_sweeps(
            |tape, w| {
                let hidden = tape.constant(&x).matmul(w[0]).add_bias(w[1]).relu();
                hidden.matmul(w[2]).add_bias(w[3]).cross_entropy(&labels)
            },
            &net,
        ),
    ));
    for (name, (numeric, recorded)) in checks {
        for (n, r) in numeric.iter().zip(&recorded) {
            let difference = relative_difference(r, n);
            assert!(difference <= 1e-14, "{name}: {difference:e}");
        }
    }
}

#[test]
fn hessian_vector_products_agree_with_differences_of_gradients() {
    let mut rng = StdRng::seed_from_u64(11);
    let gradient = |case: &autograd::check::OpCase, drawn: &autograd::check::Case, at: &[Array2<f64>]| {
        let tape = Tape::new();
        let x: Vec<Var<'_>> = at.iter().map(|p| tape.parameter(p)).collect();
        let grads = tape.backward(case.record(&tape, drawn, &x));
        x.iter().map(|p| grads[*p].clone()).collect::<Vec<_>>()
    };
    let mut worst = 0.0f64;
    for case in builtin_ops() {
        for seed in 0..8 {
            let drawn = case.draw(seed);
            let v: Vec<Array2<f64>> = drawn.parameters.iter().map(|p| random_like(&mut rng, p)).collect();
            let hv = hvp(|tape, x| case.record(tape, &drawn, x), &drawn.parameters, &v);
            // (∇f(x + h v) - ∇f(x - h v)) / 2h
            let h = 1e-5;
            let shifted = |sign: f64| -> Vec<Array2<f64>> {
                drawn
                    .parameters
                    .iter()
                    .zip(&v)
                    .map(|(p, d)| p + &(d * (sign * h)))
                    .collect()
            };
            let (up, down) = (
                gradient(&case, &drawn, &shifted(1.0)),
                gradient(&case, &drawn, &shifted(-1.0)),
            );
            for ((analytic, up), down) in hv.iter().zip(&up).zip(&down) {
                let numeric = (up - down) / (2.0 * h);
                let scale = numeric
                    .iter()
                    .chain(analytic.iter())
                    .fold(1e-3_f64, |m, x| m.max(x.abs()));
                let difference = (analytic - &numeric).iter().fold(0.0_f64, |m, d| m.max(d.abs())) / scale;
                assert!(
                    difference < 1e-5,
                    "{} seed {seed}: {difference:e}\n{analytic}\n{numeric}",
                    case.name
                );
                worst = worst.max(difference);
            }
        }
    }
    println!("every op: H v against differences of gradients {worst:.1e}");
}

#[test]
fn the_hessian_is_symmetric_and_matches_its_products() {
    // ||A - U Vᵀ||_F at a small random point: 3 x 2 and 2 x 2 factors.
    let a = array![[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]];
    let inputs = [
        array![[0.5, 0.1], [0.2, 0.7], [-0.3, 0.4]],
        array![[0.3, 0.9], [0.4, 0.2]],
    ];
    let h = hessian(
        |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
        &inputs,
    );
    assert_eq!(h.dim(), (10, 10));
    let asymmetry = (&h - &h.t()).iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    assert!(asymmetry < 1e-12, "H - Hᵀ reaches {asymmetry:e}");
    // Column k of H is H e_k.
    for k in [0, 4, 9] {
        let mut unit = [Array2::zeros((3, 2)), Array2::zeros((2, 2))];
        if k < 6 {
            unit[0][[k / 2, k % 2]] = 1.0;
        } else {
            unit[1][[(k - 6) / 2, (k - 6) % 2]] = 1.0;
        }
        let hv = hvp(
            |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
            &inputs,
            &unit,
        );
        let flat: Vec<f64> = hv.iter().flat_map(|m| m.iter().copied().collect::<Vec<_>>()).collect();
        for (row, value) in flat.iter().enumerate() {
            assert!((h[[row, k]] - value).abs() < 1e-14, "column {k}, row {row}");
        }
    }
}

/// `C = 2 A`, a custom op: its rule is numbers, so it cannot be recorded.
struct Double;

impl CustomOp for Double {
    fn name(&self) -> &str {
        "double"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| 2.0 * a)
    }

    fn vjp(&self, _: &[ArrayView2<f64>], _: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.mapv(|g| 2.0 * g)]
    }
}

#[test]
#[should_panic(expected = "is the custom op double, whose VJP is numbers, not Var ops")]
fn a_custom_op_cannot_be_recorded() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0]]);
    let loss = tape.custom(Double, &[x]).sum();
    let _ = tape.grad(loss, &[x]);
}
