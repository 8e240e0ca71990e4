//! Fan-out, NaN propagation, numerical stability, shape errors and tape reuse.

use approx::{assert_abs_diff_eq, assert_relative_eq};
use autograd::check::Pattern;
use autograd::gradcheck::output_weights;
use autograd::{CustomOp, GradCheckError, LocalCheck, Tape, Var, gradcheck};
use ndarray::{Array2, ArrayView2, array};

// ---- fan-out: a value used twice receives the sum of both contributions ----

#[test]
fn x_times_x_gets_two_contributions() {
    // d Σ x ⊙ x / dx = x + x = 2x: each operand slot sends G ⊙ (the other).
    let tape = Tape::new();
    let x = tape.parameter(array![[1.5, -2.0]]);
    assert_eq!(tape.backward((x * x).sum())[x], array![[3.0, -4.0]]);
}

#[test]
fn x_plus_x_gets_two_contributions() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.5, -2.0]]);
    assert_eq!(tape.backward((x + x).sum())[x], array![[2.0, 2.0]]);
}

#[test]
fn value_reused_in_two_branches() {
    // h = relu(x) feeds both 3h and h²: df/dx = (3 + 2h) [x > 0].
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, -1.0, 2.0]]);
    let h = x.relu();
    let f = (h * 3.0).sum() + h.square().sum();
    assert_eq!(tape.backward(f)[x], array![[5.0, 0.0, 7.0]]);

    let report = gradcheck(
        |_, v| {
            let h = v[0].relu();
            (h * 3.0).sum() + h.square().sum()
        },
        &[array![[1.0, -1.0, 2.0]]],
    )
    .unwrap();
    assert!(report.max_rel_error < 1e-8, "{report:?}");
}

#[test]
fn parameter_used_by_matmul_twice() {
    // f = Σ X X for a 2 x 2 X: dX = G Xᵀ + Xᵀ G with G all ones.
    let x0 = array![[1.0, 2.0], [3.0, 4.0]];
    let tape = Tape::new();
    let x = tape.parameter(&x0);
    let grads = tape.backward(x.matmul(x).sum());
    let ones = Array2::<f64>::ones((2, 2));
    assert_eq!(grads[x], ones.dot(&x0.t()) + x0.t().dot(&ones));
}

// ---- NaN propagates, it never vanishes ----

#[test]
fn relu_keeps_nan() {
    let tape = Tape::new();
    let x = tape.constant(array![[f64::NAN, -1.0, 1.0]]);
    let y = x.relu().value();
    assert!(y[[0, 0]].is_nan(), "relu(NaN) must be NaN, got {}", y[[0, 0]]);
    assert_eq!(y[[0, 1]], 0.0);
}

#[test]
fn nan_anywhere_shows_in_the_loss() {
    let mut bad = array![[1.0, 2.0], [3.0, 4.0]];
    bad[[1, 0]] = f64::NAN;
    let losses: Vec<(&str, f64)> = {
        let tape = Tape::new();
        let x = tape.parameter(&bad);
        let w = tape.parameter(array![[0.5], [0.25]]);
        vec![
            ("matmul", x.matmul(w).sum().item()),
            ("relu", x.relu().sum().item()),
            ("norm", x.frobenius_norm().item()),
            ("sum_squares", x.sum_squares().item()),
            ("mean", x.mean().item()),
            ("log_softmax", x.log_softmax().sum().item()),
            ("cross_entropy", x.cross_entropy(&[0, 1]).item()),
            ("cross_entropy (other row)", x.cross_entropy(&[0, 0]).item()),
        ]
    };
    for (op, loss) in losses {
        assert!(loss.is_nan(), "{op}: a NaN input gave the loss {loss}");
    }
}

// ---- stability of log-softmax and cross-entropy ----

#[test]
fn log_softmax_is_stable_for_huge_logits() {
    // Subtracting the row max: [1e5, 0, -1e5] → [0, -1e5, -2e5] exactly,
    // where a naive exp(1e5) would overflow to inf.
    let tape = Tape::new();
    let z = tape.parameter(array![[1e5, 0.0, -1e5], [-1e5, 1e5, 0.0]]);
    let y = z.log_softmax();
    assert_eq!(y.value(), array![[0.0, -1e5, -2e5], [-2e5, 0.0, -1e5]]);
    let grads = tape.backward(y.sum());
    // dZ = G - softmax ⊙ rowsum(G) = 1 - 3 · onehot(argmax).
    assert_eq!(grads[z], array![[-2.0, 1.0, 1.0], [1.0, -2.0, 1.0]]);
}

#[test]
fn cross_entropy_is_stable_for_huge_logits() {
    // Row 0 predicts class 0 with certainty: loss 0. Row 1 puts all mass on
    // class 1 but the label is 2: loss z₁ - z₂ = 1e5. Mean: 5e4.
    let tape = Tape::new();
    let z = tape.parameter(array![[1e5, 0.0, -1e5], [-1e5, 1e5, 0.0]]);
    let loss = z.cross_entropy(&[0, 2]);
    assert_eq!(loss.item(), 5e4);
    let grads = tape.backward(loss);
    // (softmax - onehot) / 2: row 0 is exactly right (0), row 1 is
    // ([0, 1, 0] - [0, 0, 1]) / 2.
    assert_abs_diff_eq!(grads[z], array![[0.0, 0.0, 0.0], [0.0, 0.5, -0.5]], epsilon = 1e-300);
    assert!(grads[z].iter().all(|g| g.is_finite()));
}

#[test]
fn scaled_logits_keep_exact_probabilities() {
    // Scaling logits by 1e5 makes softmax a one-hot of the argmax; the
    // log-probabilities stay finite and exact.
    let base = array![[0.3, -0.2, 0.1], [0.05, 0.4, -0.7]];
    let tape = Tape::new();
    let z = tape.parameter(&base * 1e5);
    let y = z.log_softmax().value();
    assert!(y.iter().all(|v| v.is_finite()));
    assert_eq!(y[[0, 0]], 0.0);
    assert_eq!(y[[1, 1]], 0.0);
    assert_abs_diff_eq!(y[[0, 1]], -0.5e5, epsilon = 1e-9);
}

#[test]
fn large_logits_keep_the_digits_of_small_log_probabilities() {
    // Logits 1e14 and 1e14 + 1 (floats 0.016 apart there) differ by exactly
    // 1, so log softmax = [-1 - log(1 + e⁻¹), -log(1 + e⁻¹)]: log(1 + e⁻¹)
    // = 0.31326168751822286. Computing x - (m + log Σ) would round m + log Σ
    // to a multiple of 0.016; (x - m) - log Σ keeps every digit.
    let log_one_plus = (1.0 + (-1.0f64).exp()).ln();
    let tape = Tape::new();
    let z = tape.parameter(array![[1e14, 1e14 + 1.0]]);
    let y = z.log_softmax().value();
    assert_abs_diff_eq!(y, array![[-1.0 - log_one_plus, -log_one_plus]], epsilon = 1e-15);
    // Cross-entropy against class 0 is -y₀, against class 1 it is -y₁.
    assert_abs_diff_eq!(z.cross_entropy(&[0]).item(), 1.0 + log_one_plus, epsilon = 1e-15);
    assert_abs_diff_eq!(z.cross_entropy(&[1]).item(), log_one_plus, epsilon = 1e-15);
}

#[test]
fn the_norm_neither_overflows_nor_underflows() {
    // ||[3s, 4s]|| = 5s for every scale s; squaring 3e200 overflows to inf
    // and squaring 3e-200 underflows to 0, so the norm rescales by max |a|.
    for scale in [1e-300, 1e-200, 1e-160, 1.0, 1e160, 1e200, 1e300] {
        let tape = Tape::new();
        let a = tape.parameter(array![[3.0 * scale, -4.0 * scale]]);
        let norm = a.frobenius_norm();
        assert_relative_eq!(norm.item(), 5.0 * scale, max_relative = 1e-15);
        // dA = A / ||A|| = [0.6, -0.8] at every scale.
        assert_abs_diff_eq!(tape.backward(norm)[a], array![[0.6, -0.8]], epsilon = 1e-15);
    }
    // An infinite entry gives an infinite norm; a NaN still shows.
    let tape = Tape::new();
    assert_eq!(
        tape.constant(array![[1.0, f64::INFINITY]]).frobenius_norm().item(),
        f64::INFINITY
    );
    assert!(
        tape.constant(array![[1e-200, f64::NAN]])
            .frobenius_norm()
            .item()
            .is_nan()
    );
    assert!(
        tape.constant(array![[1e200, f64::NAN]])
            .frobenius_norm()
            .item()
            .is_nan()
    );
}

// ---- gradcheck reports what failed ----

#[test]
fn gradcheck_names_the_failing_element() {
    // A function whose "gradient" is wrong: f(x) = Σ x² recorded as x ⊙ c
    // with c a constant copy of x, so backward sees only one factor. The
    // check weighs the product (the sum's operand) by W: analytic W ⊙ x,
    // numeric 2 W ⊙ x, so the worst element is the largest |W ⊙ x|.
    let x = array![[1.0, 2.0], [3.0, -4.0]];
    let w = output_weights((2, 2));
    let error = gradcheck(
        |tape, x| {
            let frozen = tape.constant(x[0].value());
            (x[0] * frozen).sum()
        },
        std::slice::from_ref(&x),
    )
    .unwrap_err();
    let product = &w * &x;
    let (worst, _) = product
        .indexed_iter()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .unwrap();
    match error {
        GradCheckError::Mismatch { element, .. } => {
            assert_eq!((element.input, element.row, element.col), (0, worst.0, worst.1));
            assert_eq!(element.analytic, product[worst]);
            assert_abs_diff_eq!(element.numeric, 2.0 * product[worst], epsilon = 1e-6);
            let message = error.to_string();
            assert!(
                message.contains(&format!("input 0, element ({}, {})", worst.0, worst.1)),
                "{message}"
            );
            assert!(message.contains(&format!("analytic {:e}", product[worst])), "{message}");
        }
        other => panic!("expected a mismatch, got {other}"),
    }
}

/// `exp` with the classic mistake of a rule that forgets the adjoint:
/// `dA = exp(A)` where `dA = G ⊙ exp(A)` is right.
struct ExpIgnoringG;

impl CustomOp for ExpIgnoringG {
    fn name(&self) -> &str {
        "exp_ignoring_g"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::exp)
    }

    fn vjp(&self, _: &[ArrayView2<f64>], output: ArrayView2<f64>, _grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![output.to_owned()]
    }
}

#[test]
fn a_rule_that_forgets_g_cannot_pass_behind_a_sum() {
    // Σ exp(x): the sum sends G = 1, under which exp(A) and G ⊙ exp(A) agree;
    // the check weighs exp's output instead, and the rule fails.
    let x = array![[0.3, -1.2], [0.8, 0.1]];
    let error = gradcheck(
        |tape, x| tape.custom(ExpIgnoringG, &[x[0]]).sum(),
        std::slice::from_ref(&x),
    )
    .unwrap_err();
    assert!(matches!(error, GradCheckError::Mismatch { .. }), "{error}");
    // So does the mean, and the output returned as it is.
    assert!(
        gradcheck(
            |tape, x| tape.custom(ExpIgnoringG, &[x[0]]).mean(),
            std::slice::from_ref(&x)
        )
        .is_err()
    );
    assert!(gradcheck(|tape, x| tape.custom(ExpIgnoringG, &[x[0]]), std::slice::from_ref(&x)).is_err());
    // The localised check names the rule and says why.
    let tape = Tape::new();
    let p = tape.parameter(&x);
    let loss = tape.custom(ExpIgnoringG, &[p]).sum();
    let report = LocalCheck::default().run(&tape, loss);
    let failure = report.failures().next().expect("the rule fails");
    assert_eq!(failure.op, "exp_ignoring_g");
    assert_eq!(failure.pattern, Some(Pattern::IgnoresAdjoint), "{report}");
}

#[test]
fn gradcheck_weighs_an_output_of_any_shape() {
    let report = gradcheck(|_, x| x[0].relu(), &[array![[1.0, 2.0]]]).unwrap();
    assert_eq!(report.elements, 2);
    // relu passes its weighted adjoint on: the gradient is W itself.
    let w = output_weights((1, 2));
    assert_eq!(
        report.worst.map(|e| e.analytic),
        Some(w[[0, report.worst.unwrap().col]])
    );
}

// ---- shape errors name the op and both shapes ----

#[test]
#[should_panic(expected = "matmul: shapes (150, 2) and (4, 2) do not align")]
fn matmul_shape_mismatch() {
    let tape = Tape::new();
    let u = tape.parameter(Array2::zeros((150, 2)));
    let v = tape.parameter(Array2::zeros((4, 2)));
    let _ = u.matmul(v);
}

#[test]
#[should_panic(expected = "sub: shapes (150, 4) and (150, 2) do not broadcast")]
fn sub_shape_mismatch() {
    let tape = Tape::new();
    let a = tape.constant(Array2::zeros((150, 4)));
    let b = tape.parameter(Array2::zeros((150, 2)));
    let _ = a - b;
}

#[test]
#[should_panic(expected = "add: shapes (2, 3) and (3, 2) do not broadcast")]
fn add_shape_mismatch() {
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((2, 3)));
    let _ = a + a.t();
}

#[test]
#[should_panic(expected = "mul: shapes (2, 3) and (2, 2) do not broadcast")]
fn mul_shape_mismatch() {
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((2, 3)));
    let mask = tape.constant(Array2::zeros((2, 2)));
    let _ = a * mask;
}

#[test]
#[should_panic(expected = "add_bias: the bias must be 1 x 3, got shapes (4, 3) and (3, 1)")]
fn add_bias_shape_mismatch() {
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((4, 3)));
    let b = tape.parameter(Array2::zeros((3, 1)));
    let _ = a.add_bias(b);
}

#[test]
#[should_panic(expected = "cross_entropy: 2 labels for logits of shape (3, 4)")]
fn cross_entropy_label_count() {
    let tape = Tape::new();
    let _ = tape.parameter(Array2::zeros((3, 4))).cross_entropy(&[0, 1]);
}

#[test]
#[should_panic(expected = "cross_entropy: label 4 at row 1 is out of range for 4 classes")]
fn cross_entropy_label_range() {
    let tape = Tape::new();
    let _ = tape.parameter(Array2::zeros((2, 4))).cross_entropy(&[0, 4]);
}

#[test]
#[should_panic(expected = "backward: the loss must be 1 x 1, got shape (2, 2)")]
fn backward_needs_a_scalar() {
    let tape = Tape::new();
    let x = tape.parameter(Array2::zeros((2, 2)));
    let _ = tape.backward(x);
}

#[test]
#[should_panic(expected = "add: operands belong to different tapes")]
fn operands_from_two_tapes() {
    let first = Tape::new();
    let second = Tape::new();
    let _ = first.parameter(array![[1.0]]) + second.parameter(array![[1.0]]);
}

#[test]
#[should_panic(expected = "no gradient for node #0")]
fn constants_have_no_gradient() {
    let tape = Tape::new();
    let c = tape.constant(array![[1.0]]);
    let x = tape.parameter(array![[1.0]]);
    let grads = tape.backward((c * x).sum());
    let _ = &grads[c];
}

// ---- the tape is reused across steps ----

#[test]
fn clear_keeps_the_allocation() {
    let mut tape = Tape::new();
    let mut capacity = None;
    for step in 0..100 {
        tape.clear();
        let x = tape.parameter(array![[step as f64]]);
        let loss = (x * x).sum();
        let _ = tape.backward(loss);
        assert_eq!(tape.len(), 3);
        match capacity {
            None => capacity = Some(tape.capacity()),
            Some(c) => assert_eq!(tape.capacity(), c, "the tape reallocated at step {step}"),
        }
    }
}

#[test]
fn backward_into_reuses_the_store() {
    let tape = Tape::new();
    let x = tape.parameter(array![[2.0]]);
    let mut grads = autograd::Gradients::new();
    tape.backward_into(x.square().sum(), &mut grads);
    assert_eq!(grads[x], array![[4.0]]);
    tape.backward_into((x * 3.0).sum(), &mut grads);
    assert_eq!(grads[x], array![[3.0]], "gradients from the previous call leaked");
}

// ---- buffers reused from a cleared step never leak old numbers ----

/// A loss that uses every built-in op once.
fn every_op<'t>(x: &[Var<'t>]) -> Var<'t> {
    let (a, b, w, bias) = (x[0], x[1], x[2], x[3]);
    let h = a.matmul(w).add_bias(bias);
    let t = (h + b - (-b)) * b;
    let s = t.scale(0.5).add_scalar(0.1).relu().square();
    let sums = s.log_softmax().sum() + s.mean() + s.frobenius_norm() + s.sum_squares();
    sums + s.t().matmul(s).sum() + h.cross_entropy(&[0, 1, 2, 0])
}

#[test]
fn a_reused_tape_gives_bitwise_the_results_of_a_fresh_one() {
    let point = [
        array![[0.3, -1.2, 0.8], [1.1, 0.4, -0.6], [-0.9, 0.2, 1.5], [0.7, -0.3, 0.05]],
        array![[0.5, 0.1, -0.4], [0.9, -0.8, 0.3], [0.2, 0.6, -1.1], [-0.5, 0.4, 0.8]],
        array![[0.6, -0.2, 0.1], [0.3, 0.9, -0.7], [-0.4, 0.5, 0.2]],
        array![[0.05, -0.1, 0.2]],
    ];
    let run = |tape: &Tape| {
        let params: Vec<Var<'_>> = point.iter().map(|p| tape.parameter(p)).collect();
        let loss = every_op(&params);
        let grads = tape.backward(loss);
        let gradients: Vec<Array2<f64>> = params.iter().map(|p| grads[*p].clone()).collect();
        (loss.item(), gradients)
    };
    let fresh = run(&Tape::new());
    assert!(fresh.0.is_finite());

    // Fill the tape's spare buffers with NaN, then reuse them: a NaN run,
    // plus spare NaN leaves of every size the loss uses (1, 3, 9 and 12
    // entries), so that every buffer the next run takes is poisoned.
    let mut tape = Tape::new();
    for _ in 0..2 {
        for size in [1, 3, 9, 12] {
            for _ in 0..8 {
                tape.constant(Array2::from_elem((1, size), f64::NAN));
            }
        }
        let params: Vec<Var<'_>> = point.iter().map(|p| tape.parameter(p.mapv(|_| f64::NAN))).collect();
        let loss = every_op(&params);
        let mut grads = autograd::Gradients::new();
        tape.backward_into(loss, &mut grads);
        tape.backward_into(loss, &mut grads);
        assert!(loss.item().is_nan());
        tape.clear();
    }
    assert!(tape.spare_buffers() > 0);
    assert_eq!(run(&tape), fresh);
}

// ---- gradients belong to one recording ----

#[test]
#[should_panic(expected = "no gradient for node #0: it belongs to another tape")]
fn gradients_refuse_a_var_of_another_tape() {
    // Both tapes have a parameter with id #0; without the check, `grads[b]`
    // would silently return a's gradient.
    let (first, second) = (Tape::new(), Tape::new());
    let a = first.parameter(array![[1.0, 2.0]]);
    let b = second.parameter(array![[3.0, 4.0]]);
    let grads = first.backward(a.sum());
    let _ = &grads[b];
}

#[test]
fn gradients_refuse_a_var_recorded_after_a_clear() {
    let mut tape = Tape::new();
    let grads = {
        let a = tape.parameter(array![[1.0, 2.0]]);
        tape.backward(a.sum_squares())
    };
    tape.clear();
    let again = tape.parameter(array![[5.0, 6.0]]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| grads.get(again).cloned()));
    assert!(result.is_err(), "stale gradients were handed out for a new recording");
    // The same tape's gradients, computed after the clear, are fine.
    assert_eq!(tape.backward(again.sum())[again], array![[1.0, 1.0]]);
}

#[test]
fn a_constant_loss_leaves_no_gradient_behind() {
    // backward seeds the loss with 1; when the loss is a constant leaf, that
    // seed must not be handed out as the constant's "gradient".
    let tape = Tape::new();
    let w = tape.parameter(array![[2.0]]);
    let c = tape.constant(array![[7.0]]);
    let grads = tape.backward(c);
    assert!(grads.get(c).is_none());
    assert_eq!(grads[w], array![[0.0]]);
}

#[test]
#[should_panic(expected = "mean: no entries to average in shape (0, 3)")]
fn the_mean_of_nothing_is_refused() {
    let tape = Tape::new();
    let _ = tape.parameter(Array2::zeros((0, 3))).mean();
}

#[test]
#[should_panic(expected = "cross_entropy: no rows to average over in logits of shape (0, 3)")]
fn cross_entropy_over_no_rows_is_refused() {
    let tape = Tape::new();
    let _ = tape.parameter(Array2::zeros((0, 3))).cross_entropy(&[]);
}

#[test]
fn gradcheck_of_no_elements_is_an_error_not_a_pass() {
    let empty = Array2::zeros((0, 2));
    assert_eq!(
        gradcheck(|tape, _| tape.constant(array![[1.0]]), &[empty]).unwrap_err(),
        GradCheckError::NothingToCheck
    );
}
