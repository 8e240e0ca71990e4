//! The training loops' memory does not grow with the number of steps: the
//! tape is cleared and refilled with the same nodes, in the same allocation,
//! the gradient store is reused, and the values' buffers circulate through
//! the tape's spare buffers in a constant number.

use autograd::optim::OptimizerKind;
use autograd::{Gradients, Tape};
use factor::{Config, Loss, record_step};
use mlp::Mlp;
use ndarray::Array2;

/// Runs `steps` steps of `step` and asserts that the tape's node count, both
/// capacities and the number of spare buffers are the same after every one
/// of them (from the second on: the first step finds no spare buffers).
fn assert_constant_memory(steps: usize, mut step: impl FnMut(&mut Tape, &mut Gradients)) {
    let (mut tape, mut grads) = (Tape::new(), Gradients::new());
    let measure =
        |tape: &Tape, grads: &Gradients| (tape.len(), tape.capacity(), grads.capacity(), tape.spare_buffers());
    step(&mut tape, &mut grads);
    step(&mut tape, &mut grads);
    let second = measure(&tape, &grads);
    assert!(second.0 > 0, "the step recorded nothing");
    for k in 2..steps {
        step(&mut tape, &mut grads);
        let now = measure(&tape, &grads);
        assert_eq!(
            now, second,
            "step {k}: (nodes, tape capacity, gradient slots, spare buffers) changed"
        );
    }
}

#[test]
fn factorisation_steps_reuse_the_tape() {
    // The step factor::train records each epoch, with a mask and a penalty.
    let target = Array2::from_shape_fn((6, 4), |(i, j)| (i as f64 - j as f64) / 3.0).into_shared();
    let mask = Array2::from_shape_fn((6, 4), |(i, j)| f64::from(u8::from((i + j) % 3 != 0))).into_shared();
    let config = Config {
        loss: Loss::Norm,
        l2: 0.1,
        ..Config::new(2)
    };
    let mut u = Array2::from_elem((6, 2), 0.5);
    let mut v = Array2::from_elem((4, 2), 0.25);
    let mut optimizer = OptimizerKind::Adam.build(0.01);
    assert_constant_memory(100, |tape, grads| {
        tape.clear();
        let step = record_step(tape, &target, Some(&mask), &u, &v, &config);
        tape.backward_into(step.loss, grads);
        optimizer.step(&mut [&mut u, &mut v], &[&grads[step.u], &grads[step.v]]);
    });
}

#[test]
fn mlp_steps_reuse_the_tape() {
    let features = Array2::from_shape_fn((16, 4), |(i, j)| ((i * 3 + j) % 7) as f64 / 7.0).into_shared();
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let mut model = Mlp::new(&[4, 12, 3], 0).unwrap();
    let mut optimizer = OptimizerKind::Sgd.build(0.1);
    assert_constant_memory(100, |tape, grads| {
        tape.clear();
        let (loss, parameters) = model.record_loss(tape, tape.constant(&features), &labels);
        tape.backward_into(loss, grads);
        let gradients: Vec<_> = parameters.iter().map(|&p| &grads[p]).collect();
        optimizer.step(&mut model.parameters_mut(), &gradients);
    });
}
