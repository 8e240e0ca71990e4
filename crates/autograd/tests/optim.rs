//! The optimisers on functions whose minimum is known.

use approx::assert_abs_diff_eq;
use autograd::Tape;
use autograd::optim::{Adam, Momentum, Optimizer, OptimizerKind, Sgd};
use ndarray::{Array2, array};

/// f(X) = Σ dᵢⱼ (Xᵢⱼ - Cᵢⱼ)², an ill-conditioned quadratic (curvatures from
/// 0.5 to 8) with its minimum at C.
fn quadratic_minimum(optimizer: &mut dyn Optimizer, steps: usize) -> (Array2<f64>, Array2<f64>) {
    let target = array![[1.0, -2.0], [0.5, 3.0]];
    let curvature = array![[0.5, 1.0], [4.0, 8.0]];
    let mut x = Array2::zeros((2, 2));
    let mut tape = Tape::new();
    for _ in 0..steps {
        tape.clear();
        let var = tape.parameter(&x);
        let c = tape.constant(&target);
        let d = tape.constant(&curvature);
        let loss = ((var - c).square() * d).sum();
        let grads = tape.backward(loss);
        optimizer.step(&mut [&mut x], &[&grads[var]]);
    }
    (x, target)
}

#[test]
fn sgd_converges_on_a_quadratic() {
    // The step is stable for lr < 2 / (2 · 8); each coordinate contracts by
    // |1 - 2 lr d| per step, the slowest (d = 0.5) by 0.95.
    let (x, target) = quadratic_minimum(&mut Sgd::new(0.05), 600);
    assert_abs_diff_eq!(x, target, epsilon = 1e-10);
}

#[test]
fn momentum_converges_on_a_quadratic() {
    let (x, target) = quadratic_minimum(&mut Momentum::new(0.01), 800);
    assert_abs_diff_eq!(x, target, epsilon = 1e-10);
}

#[test]
fn adam_converges_on_a_quadratic() {
    let (x, target) = quadratic_minimum(&mut Adam::new(0.05), 3000);
    assert_abs_diff_eq!(x, target, epsilon = 1e-6);
}

#[test]
fn every_kind_builds_and_descends() {
    for kind in OptimizerKind::ALL {
        let (x, target) = quadratic_minimum(kind.build(0.01).as_mut(), 5000);
        assert_abs_diff_eq!(x, target, epsilon = 1e-4);
        assert_eq!(kind.name().parse::<OptimizerKind>(), Ok(kind));
    }
    assert!("rmsprop".parse::<OptimizerKind>().is_err());
}

#[test]
fn sgd_step_by_hand() {
    // p ← p - lr g: 1 - 0.1 · 2 = 0.8.
    let mut p = array![[1.0]];
    Sgd::new(0.1).step(&mut [&mut p], &[&array![[2.0]]]);
    assert_abs_diff_eq!(p, array![[0.8]], epsilon = 1e-16);
}

#[test]
fn momentum_steps_by_hand() {
    // f = x², g = 2x, lr = 0.1, μ = 0.9, x₀ = 1:
    // v₁ = 2,              x₁ = 1 - 0.1 · 2 = 0.8;
    // v₂ = 0.9 · 2 + 1.6 = 3.4, x₂ = 0.8 - 0.34 = 0.46.
    let mut x = array![[1.0]];
    let mut opt = Momentum::new(0.1);
    for expected in [0.8, 0.46] {
        let g = &x * 2.0;
        opt.step(&mut [&mut x], &[&g]);
        assert_abs_diff_eq!(x[[0, 0]], expected, epsilon = 1e-15);
    }
}

#[test]
fn adam_first_step_is_lr_times_the_sign() {
    // After one step m̂ = g and v̂ = g², so the step is lr · g / (|g| + ε):
    // lr · sign(g), shortened by the ε = 1e-8 in the denominator.
    let mut p = array![[0.0, 0.0]];
    Adam::new(0.01).step(&mut [&mut p], &[&array![[3.0, -0.5]]]);
    let expected = array![[-0.01 * 3.0 / (3.0 + 1e-8), 0.01 * 0.5 / (0.5 + 1e-8)]];
    assert_abs_diff_eq!(p, expected, epsilon = 1e-17);
}

#[test]
#[should_panic(expected = "the learning rate must be finite and positive, got 0")]
fn zero_learning_rate_is_refused() {
    let _ = Sgd::new(0.0);
}

#[test]
#[should_panic(expected = "the learning rate must be finite and positive, got NaN")]
fn nan_learning_rate_is_refused() {
    let _ = Adam::new(f64::NAN);
}

#[test]
#[should_panic(expected = "optimizer step: parameter 0 has shape (2, 2) but its gradient (1, 2)")]
fn mismatched_gradient_is_refused() {
    let mut p = Array2::zeros((2, 2));
    Sgd::new(0.1).step(&mut [&mut p], &[&Array2::zeros((1, 2))]);
}

#[test]
#[should_panic(expected = "the parameters changed in number or shape since the first step")]
fn changing_parameters_is_refused() {
    let mut opt = Adam::new(0.1);
    let mut a = Array2::zeros((2, 2));
    opt.step(&mut [&mut a], &[&Array2::zeros((2, 2))]);
    let mut b = Array2::zeros((3, 2));
    opt.step(&mut [&mut b], &[&Array2::zeros((3, 2))]);
}
