//! Gradients worked out by hand, each derivation in a comment.

use approx::assert_abs_diff_eq;
use autograd::Tape;
use ndarray::{Array2, array};

#[test]
fn frobenius_norm_gradient_is_a_over_its_norm() {
    // ||A||_F = sqrt(3² + 4²) = 5 and d||A||_F/dA = A / ||A||_F = [0.6, 0.8].
    let tape = Tape::new();
    let a = tape.parameter(array![[3.0, 4.0]]);
    let norm = a.frobenius_norm();
    assert_eq!(norm.item(), 5.0);
    assert_abs_diff_eq!(tape.backward(norm)[a], array![[0.6, 0.8]], epsilon = 1e-16);
}

#[test]
fn frobenius_norm_gradient_at_zero_is_zero() {
    // ||A||_F is not differentiable at A = 0; the subgradient 0 is used.
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((2, 2)));
    let grads = tape.backward(a.frobenius_norm());
    assert_eq!(grads[a], Array2::zeros((2, 2)));
}

#[test]
fn matmul_gradients() {
    // f = Σ A B with A = [1 2] and B = [3 4]ᵀ, so f = 1·3 + 2·4 = 11.
    // G = 1 (1 x 1), dA = G Bᵀ = [3 4], dB = Aᵀ G = [1 2]ᵀ.
    let tape = Tape::new();
    let a = tape.parameter(array![[1.0, 2.0]]);
    let b = tape.parameter(array![[3.0], [4.0]]);
    let f = a.matmul(b).sum();
    assert_eq!(f.item(), 11.0);
    let grads = tape.backward(f);
    assert_eq!(grads[a], array![[3.0, 4.0]]);
    assert_eq!(grads[b], array![[1.0], [2.0]]);
}

#[test]
fn factorisation_gradient_by_hand() {
    // A = [[1, 2], [3, 4]], U = [1, 1]ᵀ, V = [1, 2]ᵀ: U Vᵀ = [[1, 2], [1, 2]],
    // R = A - U Vᵀ = [[0, 0], [2, 2]], ||R|| = sqrt(8).
    // d||R||/dU = -R V / ||R|| = -[0, 6]ᵀ / sqrt(8);
    // d||R||/dV = -Rᵀ U / ||R|| = -[2, 2]ᵀ / sqrt(8).
    let tape = Tape::new();
    let a = tape.constant(array![[1.0, 2.0], [3.0, 4.0]]);
    let u = tape.parameter(array![[1.0], [1.0]]);
    let v = tape.parameter(array![[1.0], [2.0]]);
    let loss = (a - u.matmul(v.t())).frobenius_norm();
    let root8 = 8f64.sqrt();
    assert_abs_diff_eq!(loss.item(), root8, epsilon = 1e-15);
    let grads = tape.backward(loss);
    assert_abs_diff_eq!(grads[u], array![[0.0], [-6.0 / root8]], epsilon = 1e-15);
    assert_abs_diff_eq!(grads[v], array![[-2.0 / root8], [-2.0 / root8]], epsilon = 1e-15);
    assert!(grads.get(a).is_none(), "a constant receives no gradient");
}

#[test]
fn relu_gradient_is_zero_at_the_kink() {
    // relu([-1, 0, 2]) = [0, 0, 2]; d Σ relu(x) / dx = [x > 0] = [0, 0, 1]
    // (relu'(0) = 0 by convention).
    let tape = Tape::new();
    let x = tape.parameter(array![[-1.0, 0.0, 2.0]]);
    let y = x.relu();
    assert_eq!(y.value(), array![[0.0, 0.0, 2.0]]);
    assert_eq!(tape.backward(y.sum())[x], array![[0.0, 0.0, 1.0]]);
}

#[test]
fn mean_spreads_the_gradient_evenly() {
    // mean of a 2 x 2 matrix: each entry weighs 1/4.
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0], [3.0, 4.0]]);
    let m = x.mean();
    assert_eq!(m.item(), 2.5);
    assert_eq!(tape.backward(m)[x], Array2::from_elem((2, 2), 0.25));
}

#[test]
fn bias_gradient_sums_over_rows() {
    // Σ (A + 1 b) over a 3 x 2 A: b is added to each of 3 rows, so
    // db = 1ᵀ G = [3, 3] with G all ones; dA = G.
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((3, 2)));
    let b = tape.parameter(array![[0.5, -0.5]]);
    let y = a.add_bias(b);
    assert_eq!(y.value(), array![[0.5, -0.5], [0.5, -0.5], [0.5, -0.5]]);
    let grads = tape.backward(y.sum());
    assert_eq!(grads[b], array![[3.0, 3.0]]);
    assert_eq!(grads[a], Array2::ones((3, 2)));
}

#[test]
fn sum_of_squares_and_square_agree() {
    // d Σ x² / dx = 2x, whether recorded as one node or as square then sum.
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, -2.0, 0.5]]);
    let fused = tape.backward(x.sum_squares());
    let composed = tape.backward(x.square().sum());
    assert_eq!(fused[x], array![[2.0, -4.0, 1.0]]);
    assert_eq!(composed[x], fused[x]);
}

#[test]
fn softmax_cross_entropy_by_hand() {
    // Logits [0, ln 3] give softmax [1/4, 3/4] and log-softmax
    // [ln 1/4, ln 3/4]. With label 1 the loss is -ln 3/4 = ln 4/3 and
    // dZ = softmax - onehot = [1/4, -1/4] (one row, so no averaging).
    let tape = Tape::new();
    let z = tape.parameter(array![[0.0, 3f64.ln()]]);
    assert_abs_diff_eq!(
        z.log_softmax().value(),
        array![[0.25f64.ln(), 0.75f64.ln()]],
        epsilon = 1e-15
    );
    let loss = z.cross_entropy(&[1]);
    assert_abs_diff_eq!(loss.item(), (4.0f64 / 3.0).ln(), epsilon = 1e-15);
    assert_abs_diff_eq!(tape.backward(loss)[z], array![[0.25, -0.25]], epsilon = 1e-15);
}

#[test]
fn cross_entropy_averages_over_the_batch() {
    // Two identical rows [0, 0] with labels 0 and 1: each row's loss is ln 2,
    // the mean is ln 2, and each row's gradient is ([1/2, 1/2] - onehot) / 2.
    let tape = Tape::new();
    let z = tape.parameter(Array2::zeros((2, 2)));
    let loss = z.cross_entropy(&[0, 1]);
    assert_abs_diff_eq!(loss.item(), 2f64.ln(), epsilon = 1e-15);
    assert_eq!(tape.backward(loss)[z], array![[-0.25, 0.25], [0.25, -0.25]]);
}

#[test]
fn log_softmax_gradient_by_hand() {
    // y = log_softmax([0, ln 3]) and f = y₀: df/dz = e₀ - softmax(z) · 1
    // = [1 - 1/4, -3/4].
    let tape = Tape::new();
    let z = tape.parameter(array![[0.0, 3f64.ln()]]);
    let pick_first = tape.constant(array![[1.0, 0.0]]);
    let f = (z.log_softmax() * pick_first).sum();
    assert_abs_diff_eq!(tape.backward(f)[z], array![[0.75, -0.75]], epsilon = 1e-15);
}

#[test]
fn scalar_ops() {
    // f = Σ (3x + 1) - (-x) = Σ 4x + 1 per entry, so df/dx = 4.
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0]]);
    let f = ((3.0 * x).add_scalar(1.0) - (-x)).sum();
    assert_eq!(f.item(), 4.0 * 3.0 + 2.0);
    assert_eq!(tape.backward(f)[x], array![[4.0, 4.0]]);
}

#[test]
fn transpose_shares_its_buffer() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0, 3.0]]);
    let xt = x.t();
    assert_eq!(xt.shape(), (3, 1));
    assert_eq!(x.value().as_ptr(), xt.value().as_ptr(), "transpose copied its data");
}

#[test]
fn unused_parameter_gets_a_zero_gradient() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0]]);
    let unused = tape.parameter(array![[5.0, 6.0]]);
    let grads = tape.backward(x.square().sum());
    assert_eq!(grads[unused], Array2::zeros((1, 2)));
}

#[test]
fn gradients_come_back_row_major_whatever_path_reached_them() {
    // A parameter used directly and through a transpose (twice) gets its
    // contributions summed into one row-major matrix.
    let tape = Tape::new();
    let p = tape.parameter(array![[1.0, 2.0], [3.0, 4.0]]);
    let w = tape.constant(array![[1.0, 10.0], [100.0, 1000.0]]);
    let grads = tape.backward(((p + p.t()) * w).sum() + (p.t().t() * p).sum());
    let grad = &grads[p];
    assert!(grad.as_slice().is_some());
    // d/dp of Σ (p + pᵀ) ⊙ w = w + wᵀ; of Σ p ⊙ p = 2p.
    let w = array![[1.0, 10.0], [100.0, 1000.0]];
    let p_value = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(grad, &(&w + &w.t() + 2.0 * &p_value));
    // A tall matrix reached only through its transpose.
    let tape = Tape::new();
    let tall = tape.parameter(Array2::from_shape_fn((3, 2), |(i, j)| (i + 2 * j) as f64));
    let grads = tape.backward(tall.t().matmul(tall).sum());
    assert!(grads[tall].as_slice().is_some());
}

#[test]
fn scalars_combine_with_a_var_on_either_side() {
    // f = Σ (0.5 - v) + (1 - v) + v / 2 + 2 / v, so df/dv = -1 - 1 + 1/2 - 2/v².
    let tape = Tape::new();
    let v = tape.parameter(array![[1.0, 2.0]]);
    let f = ((0.5 - v) + (1.0 - v) + v / 2.0 + 2.0 / v).sum();
    assert_eq!(tape.backward(f)[v], array![[-3.5, -2.0]]);
}
