//! Forward mode on every case of the catalogue: the JVP against a central
//! difference along the same direction, and against the reverse-mode
//! gradient by the adjoint identity `⟨u, J v⟩ = ⟨Jᵀ u, v⟩`.
//!
//! `cargo test -p autograd --release --test forward_mode -- --nocapture`
//! prints the largest disagreement of each kind: about 1e-7 relative for
//! the finite differences (their truncation and rounding), about 1e-16 for
//! the adjoint identity (rounding only).

use autograd::check::{adjoint_test, builtin_ops};
use autograd::{CustomOp, ForwardModeError, Tape, Var, jvp, try_jvp};
use ndarray::{Array2, ArrayView2, array};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SEEDS: u64 = 64;

fn random_like(rng: &mut StdRng, x: &Array2<f64>) -> Array2<f64> {
    Array2::from_shape_simple_fn(x.dim(), || rng.random_range(-1.0..1.0))
}

#[test]
fn every_op_moves_as_its_finite_difference_and_its_gradient_say() {
    let mut rng = StdRng::seed_from_u64(7);
    let (mut worst_difference, mut worst_gap) = (0.0f64, 0.0f64);
    for case in builtin_ops() {
        for seed in 0..SEEDS {
            let drawn = case.draw(seed);
            let tangents: Vec<Array2<f64>> = drawn.parameters.iter().map(|p| random_like(&mut rng, p)).collect();
            let (value, derivative) = jvp(|tape, x| case.record(tape, &drawn, x), &drawn.parameters, &tangents);
            assert_eq!(value.dim(), (1, 1));

            // (f(x + h v) - f(x - h v)) / 2h
            let h = 1e-6;
            let at = |sign: f64| {
                let moved: Vec<Array2<f64>> = drawn
                    .parameters
                    .iter()
                    .zip(&tangents)
                    .map(|(p, v)| p + &(v * (sign * h)))
                    .collect();
                let tape = Tape::new();
                let x: Vec<Var<'_>> = moved.iter().map(|p| tape.parameter(p)).collect();
                case.record(&tape, &drawn, &x).item()
            };
            let numeric = (at(1.0) - at(-1.0)) / (2.0 * h);
            let analytic = derivative[[0, 0]];
            let difference = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-3);
            assert!(
                difference < 1e-5,
                "{} seed {seed}: jvp {analytic:e}, central difference {numeric:e}",
                case.name
            );
            worst_difference = worst_difference.max(difference);

            let test = adjoint_test(|tape, x| case.record(tape, &drawn, x), &drawn.parameters, seed).unwrap();
            assert!(test.passed() && test.gap < 1e-13, "{} seed {seed}: {test}", case.name);
            worst_gap = worst_gap.max(test.gap);
        }
    }
    println!(
        "every op, {SEEDS} seeds: jvp against central differences {worst_difference:.1e}, \
         adjoint identity gap {worst_gap:.1e}"
    );
}

#[test]
fn a_constant_does_not_move_and_the_tangent_follows_the_chain_rule() {
    // y = tanh(x ⊙ c), c constant: J v = (1 - y²) ⊙ c ⊙ v.
    let x = array![[0.3, -1.2]];
    let c = array![[2.0, 0.5]];
    let v = array![[1.0, -2.0]];
    let (y, dy) = jvp(
        |tape, x| (x[0] * tape.constant(&c)).tanh(),
        std::slice::from_ref(&x),
        std::slice::from_ref(&v),
    );
    let expected = (1.0 - &y * &y) * &c * &v;
    for (a, b) in dy.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-15, "{dy} vs {expected}");
    }
}

/// `C = 3 A` with a VJP and no JVP.
struct Triple;

impl CustomOp for Triple {
    fn name(&self) -> &str {
        "triple"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| 3.0 * a)
    }

    fn vjp(&self, _: &[ArrayView2<f64>], _: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.mapv(|g| 3.0 * g)]
    }
}

#[test]
fn a_custom_op_without_a_jvp_is_a_clear_error() {
    let x = array![[1.0, 2.0]];
    let error = try_jvp(
        |tape, x| tape.custom(Triple, &[x[0]]).sum(),
        std::slice::from_ref(&x),
        std::slice::from_ref(&x),
    )
    .unwrap_err();
    assert!(
        matches!(error, ForwardModeError::NoJvpRule { ref op, .. } if op == "triple"),
        "{error}"
    );
    assert!(
        error.to_string().contains("the custom op triple has no JVP rule"),
        "{error}"
    );
    // The adjoint test cannot run through it, and says so by returning None.
    assert!(
        adjoint_test(
            |tape, x| tape.custom(Triple, &[x[0]]).sum(),
            std::slice::from_ref(&x),
            0
        )
        .is_none()
    );
    // A tangent of the wrong shape is refused too.
    let error = try_jvp(|_, x| x[0].sum(), std::slice::from_ref(&x), &[array![[1.0]]]).unwrap_err();
    assert!(matches!(error, ForwardModeError::Tangents(_)), "{error}");
}
