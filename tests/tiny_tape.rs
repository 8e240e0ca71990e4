//! The tiny reference engine of `examples/tiny_tape.rs` and the real one
//! compute the same gradients of the lab's loss `‖A − U Vᵀ‖_F`, on centred
//! iris at rank 2, so that the example is a faithful way into the engine.

#[path = "../examples/tiny_tape.rs"]
mod tiny_tape;

use adlab::autograd::Tape;
use ndarray::Array2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Uniform};

/// `factorise`'s matrix: the four measurements of iris, centred.
fn centred_iris() -> Array2<f64> {
    let data = adlab::args::DataArgs {
        data: concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/iris.data").into(),
        ..adlab::args::DataArgs::default()
    };
    data.load().unwrap().data.matrix
}

/// The largest entry of |x - y| relative to the largest |y|.
fn relative_difference(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let scale = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    (x - y).iter().fold(0.0_f64, |m, d| m.max(d.abs())) / scale
}

#[test]
fn the_tiny_tape_agrees_with_the_engine_on_the_lab_loss() {
    let a = centred_iris();
    let mut rng = StdRng::seed_from_u64(0);
    let uniform = Uniform::new(0.0, 1.0).unwrap();
    for _ in 0..5 {
        let u = Array2::from_shape_simple_fn((150, 2), || uniform.sample(&mut rng));
        let v = Array2::from_shape_simple_fn((4, 2), || uniform.sample(&mut rng));
        let (loss, du, dv) = tiny_tape::lab_loss(&a, &u, &v);

        let tape = Tape::new();
        let (u_var, v_var) = (tape.parameter(&u), tape.parameter(&v));
        let engine_loss = (tape.constant(&a) - u_var.matmul(v_var.t())).frobenius_norm();
        let grads = tape.backward(engine_loss);

        // The two sum the squares in different orders (the engine in eight
        // lanes), so they agree to rounding, not bit for bit.
        assert!(
            (loss - engine_loss.item()).abs() <= 1e-14 * loss,
            "{loss} vs {}",
            engine_loss.item()
        );
        assert!(relative_difference(&du, &grads[u_var]) < 1e-12);
        assert!(relative_difference(&dv, &grads[v_var]) < 1e-12);
    }
}

#[test]
fn the_tiny_tape_accumulates_fan_out() {
    // loss = Σ x ⊙ x: x used twice by one node, so dx = 2x from two contributions.
    let mut tape = tiny_tape::TinyTape::default();
    let x = tape.leaf(ndarray::array![[1.5, -2.0]]);
    let squared = tape.mul(x, x);
    let loss = tape.sum(squared);
    assert_eq!(tape.backward(loss)[x], ndarray::array![[3.0, -4.0]]);
}
