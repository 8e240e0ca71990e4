//! The localised gradient check, kinks and the eps sweep.

use std::collections::BTreeSet;

use autograd::check::{Adjoint, LocalCheck, builtin_ops, cases_of, decade_steps, eps_sweep, kinks_on_tape};
use autograd::{CustomOp, GradCheck, GradCheckError, OpKind, Tape, gradcheck};
use ndarray::{Array2, ArrayView2, Zip, array};
use proptest::prelude::*;

/// Seeded cases per built-in op; the bin `gradcheck` runs more.
const CASES: u64 = 40;

// ---- every built-in op passes, node by node ----

#[test]
fn every_builtin_op_passes_the_localised_check() {
    for op in builtin_ops() {
        let mut worst = 0.0f64;
        for seed in 0..CASES {
            let diagnosis = op.diagnose(seed, &LocalCheck::default());
            assert!(diagnosis.passed(), "{} seed {seed}:\n{diagnosis}", op.name);
            // The op itself, then the weighting mul and the sum.
            assert!(diagnosis.local.nodes.len() >= 3, "{}: {:?}", op.name, diagnosis.local);
            worst = worst.max(diagnosis.local.max_rel_error());
        }
        println!("{:<16} worst local relative error {worst:.2e}", op.name);
    }
}

#[test]
fn the_arrived_adjoint_passes_too() {
    let check = LocalCheck {
        adjoint: Adjoint::Arrived,
        ..LocalCheck::default()
    };
    for op in builtin_ops() {
        for seed in 0..CASES / 4 {
            let diagnosis = op.diagnose(seed, &check);
            assert!(diagnosis.local.passed(), "{} seed {seed}:\n{diagnosis}", op.name);
        }
    }
}

#[test]
fn every_builtin_op_has_a_case_that_records_it() {
    for kind in OpKind::ALL {
        let cases = cases_of(kind);
        if kind.is_leaf() || kind == OpKind::Custom {
            assert!(cases.is_empty(), "{kind:?} has cases but nothing to check");
            continue;
        }
        assert!(
            !cases.is_empty(),
            "op {} has no case: add one to `cases_of` in check/cases.rs",
            kind.name()
        );
        for case in cases {
            let drawn = case.draw(0);
            let tape = Tape::new();
            let params: Vec<_> = drawn.parameters.iter().map(|p| tape.parameter(p)).collect();
            case.record(&tape, &drawn, &params);
            let kinds: BTreeSet<OpKind> = tape.ids().map(|id| tape.op(id).kind()).collect();
            assert_eq!(case.kind, kind);
            assert!(
                kinds.contains(&kind),
                "the case '{}' of op {} does not record it: its tape holds {kinds:?}",
                case.name,
                kind.name()
            );
        }
    }
}

#[test]
fn cases_are_reproducible_and_within_six_by_six() {
    for op in builtin_ops() {
        let case = op.draw(3);
        assert_eq!(case, op.draw(3), "{}", op.name);
        assert_ne!(case, op.draw(4), "{}", op.name);
        for p in &case.parameters {
            assert!(
                p.nrows() <= 6 && p.ncols() <= 6 && !p.is_empty(),
                "{}: {:?}",
                op.name,
                p.dim()
            );
        }
    }
}

#[test]
fn a_value_used_twice_by_one_node_gets_both_contributions() {
    // x ⊙ x: the node's VJP sends G ⊙ x from each slot, 2 G ⊙ x in all,
    // and the finite difference moves both slots at once.
    let tape = Tape::new();
    let x = tape.parameter(array![[1.5, -2.0], [0.25, 3.0]]);
    let loss = (x * x).sum();
    let report = LocalCheck::default().run(&tape, loss);
    assert!(report.passed(), "{report}");
    assert_eq!(report.nodes[0].operands, vec![x.id()]);
    assert_eq!(report.nodes[0].compared, 4);
}

#[test]
fn constants_and_nodes_off_the_path_are_not_checked() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0]]);
    let data = tape.constant(array![[3.0, 4.0]]);
    let unused = x.square(); // recorded, but the loss does not use it
    let loss = (x * data).sum();
    let arrived = LocalCheck {
        adjoint: Adjoint::Arrived,
        ..LocalCheck::default()
    }
    .run(&tape, loss);
    let checked: Vec<_> = arrived.nodes.iter().map(|node| node.node).collect();
    assert!(!checked.contains(&unused.id()));
    // mul sends nothing to the constant: only x's two entries are compared.
    let mul = &arrived.nodes[0];
    assert_eq!(
        (mul.op.as_str(), mul.operands.clone(), mul.compared),
        ("mul", vec![x.id()], 2)
    );
}

// ---- a wrong rule is named, with its location, formula and worst element ----

/// `C = 3 A`, with the rule `dA = 2 G` (wrong: it should be `3 G`).
struct TripleWithWrongRule;

impl CustomOp for TripleWithWrongRule {
    fn name(&self) -> &str {
        "triple"
    }

    fn formula(&self) -> &str {
        "triple: dA = 2·G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| 3.0 * a)
    }

    fn vjp(&self, _: &[ArrayView2<f64>], _: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.mapv(|g| 2.0 * g)]
    }
}

#[test]
fn a_wrong_rule_is_named_with_its_location_formula_and_worst_element() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, -2.0, 0.5]]);
    let hidden = x.square();
    let line = line!() + 1;
    let tripled = tape.custom(TripleWithWrongRule, &[hidden]);
    let loss = tripled.frobenius_norm();
    let report = LocalCheck::default().run(&tape, loss);

    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1, "{report}");
    let node = failures[0];
    assert_eq!((node.node, node.op.as_str()), (tripled.id(), "triple"));
    assert_eq!((node.location.file(), node.location.line()), (file!(), line));
    assert_eq!(node.formula, "triple: dA = 2·G");
    assert_eq!((node.failed, node.compared), (3, 3));
    // Every entry's analytic derivative is 2/3 of the numeric one.
    let worst = node.worst.unwrap();
    assert!((worst.analytic / worst.numeric - 2.0 / 3.0).abs() < 1e-6, "{worst:?}");
    assert_eq!(node.worst_operand(), Some(hidden.id()));

    let text = report.to_string();
    assert!(text.starts_with("localised check: 1 of 3 nodes fail"), "{text}");
    assert!(
        text.contains(&format!(
            "FAIL node {} triple recorded at {}:{line}",
            tripled.id(),
            file!()
        )),
        "{text}"
    );
    assert!(text.contains("rule:  triple: dA = 2·G"), "{text}");
    assert!(text.contains("analytic") && text.contains("numeric"), "{text}");
    assert!(text.contains("3 of 3 elements disagree"), "{text}");
    // The neighbours are not listed: they passed.
    assert!(
        !text.contains("square") && !text.contains("frobenius_norm recorded"),
        "{text}"
    );
}

// ---- kinks are skipped with a reason, not failed ----

#[test]
fn relu_at_exactly_zero_is_skipped_not_failed() {
    // relu'(0) = 0 by convention, but (relu(h) - relu(-h)) / 2h = 1/2: the
    // whole-function check reports a false failure; the localised one skips.
    let x0 = array![[0.0, 1.0, -1.0]];
    let whole = gradcheck(|_, x| x[0].relu().sum(), std::slice::from_ref(&x0));
    assert!(whole.is_err(), "{whole:?}");

    let tape = Tape::new();
    let x = tape.parameter(&x0);
    let loss = x.relu().sum();
    let report = LocalCheck::default().run(&tape, loss);
    assert!(report.passed(), "{report}");
    let kinks: Vec<_> = report.kinks().collect();
    assert_eq!(kinks.len(), 1, "{report}");
    let (node, kink) = kinks[0];
    assert_eq!(
        (node.op.as_str(), kink.operand, kink.row, kink.col),
        ("relu", x.id(), 0, 0)
    );
    assert!(
        kink.reason.contains("relu is not differentiable at 0"),
        "{}",
        kink.reason
    );
    assert_eq!(node.compared, 2);
    assert!(report.to_string().contains("at a kink, skipped: relu"), "{report}");
}

proptest! {
    #[test]
    fn relu_within_h_of_zero_is_skipped_and_beyond_it_compared(scaled in -3.0..3.0f64) {
        // x = scaled · h: a kink exactly when |x| <= h.
        let step = GradCheck::default().step;
        let x0 = scaled * step;
        let tape = Tape::new();
        let x = tape.parameter(array![[x0]]);
        let report = LocalCheck::default().run(&tape, x.relu().sum());
        prop_assert!(report.passed(), "{}", report);
        let skipped = report.kinks().count();
        prop_assert_eq!(skipped, usize::from(x0.abs() <= step));
        prop_assert_eq!(report.nodes[0].compared, 1 - skipped);
    }
}

#[test]
fn the_norm_of_a_zero_matrix_is_skipped() {
    let tape = Tape::new();
    let a = tape.parameter(Array2::zeros((2, 3)));
    let report = LocalCheck::default().run(&tape, a.frobenius_norm());
    assert!(report.passed(), "{report}");
    let node = &report.nodes[0];
    assert_eq!((node.compared, node.kinks.len()), (0, 6));
    assert!(
        node.kinks[0].reason.contains("not differentiable at A = 0"),
        "{:?}",
        node.kinks
    );

    // One non-zero entry: A ± h e stays away from 0 except along that entry's
    // own axis when it is within h of 0; here it is not, so all compare.
    let tape = Tape::new();
    let a = tape.parameter(array![[0.0, 0.0, 2.0]]);
    let report = LocalCheck::default().run(&tape, a.frobenius_norm());
    assert!(report.passed(), "{report}");
    assert_eq!((report.nodes[0].compared, report.kinks().count()), (3, 0));
}

#[test]
fn the_norm_near_its_tip_is_skipped_because_differences_are_off_there() {
    // ||A|| = 1e-4 · sqrt(1 + 4 + 9 + 0.25) ≈ 3.8e-4 = 380 h: smooth, but the
    // cone bends so sharply that the central difference errs by up to
    // (h/||A||)² / 2 ≈ 3.5e-6 of the slope, beyond the tolerance 1e-6.
    let near_tip = array![[1.0, -2.0], [3.0, 0.5]] * 1e-4;
    let error = match gradcheck(|_, x| x[0].frobenius_norm(), std::slice::from_ref(&near_tip)) {
        Err(GradCheckError::Mismatch { element, .. }) => element.rel_error().unwrap(),
        other => panic!("the whole-function check should fail here: {other:?}"),
    };
    assert!((1e-6..1e-5).contains(&error), "{error:e}");

    // The localised check knows the op and skips every element, with the reason.
    let tape = Tape::new();
    let a = tape.parameter(&near_tip);
    let report = LocalCheck::default().run(&tape, a.frobenius_norm());
    assert!(report.passed(), "{report}");
    assert_eq!((report.compared(), report.kinks().count()), (0, 4));
    let (_, kink) = report.kinks().next().unwrap();
    assert!(kink.reason.contains("is within 2e3 h = 2e-3 of it"), "{}", kink.reason);

    // At ||A|| = 5e-3 = 5000 h the difference is trusted again (error 2e-8
    // at most), and checked.
    let tape = Tape::new();
    let a = tape.parameter(array![[0.0, 3e-3], [4e-3, 0.0]]);
    let report = LocalCheck::default().run(&tape, a.frobenius_norm());
    assert!(report.passed(), "{report}");
    assert_eq!((report.compared(), report.kinks().count()), (4, 0));
}

/// `C = max(A, B)` element-wise; at a tie `A = B` the subgradient sends `G`
/// to `A`.
struct Maximum;

impl CustomOp for Maximum {
    fn name(&self) -> &str {
        "maximum"
    }

    fn formula(&self) -> &str {
        "maximum: dA = G⊙[A >= B], dB = G⊙[A < B]"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        Zip::from(&inputs[0]).and(&inputs[1]).map_collect(|&a, &b| a.max(b))
    }

    fn vjp(&self, inputs: &[ArrayView2<f64>], _: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let to_a = Zip::from(&grad)
            .and(&inputs[0])
            .and(&inputs[1])
            .map_collect(|&g, &a, &b| if a >= b { g } else { 0.0 });
        let to_b = &grad - &to_a;
        vec![to_a, to_b]
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], _operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        let (a, b) = (inputs[0][element], inputs[1][element]);
        ((a - b).abs() <= step).then(|| format!("a tie: A = {a} and B = {b} are within h of each other"))
    }
}

#[test]
fn a_tie_in_a_custom_op_is_skipped() {
    // At the tie (0, 0) the one-sided slopes are 1 and 0, and the central
    // difference gives 1/2 for either operand.
    let tape = Tape::new();
    let a = tape.parameter(array![[1.0, 2.0]]);
    let b = tape.parameter(array![[1.0, -3.0]]);
    let loss = tape.custom(Maximum, &[a, b]).sum_squares();
    let report = LocalCheck::default().run(&tape, loss);
    assert!(report.passed(), "{report}");
    let kinks: Vec<_> = report.kinks().map(|(_, kink)| (kink.operand, kink.col)).collect();
    assert_eq!(kinks, vec![(a.id(), 0), (b.id(), 0)]);
    let (_, kink) = report.kinks().next().unwrap();
    assert!(kink.reason.starts_with("a tie"), "{}", kink.reason);
}

#[test]
fn kinks_on_tape_finds_the_elements_near_a_kink() {
    // relu(X W): only the pre-activation 0.0005 lies within 1e-3 of 0.
    let tape = Tape::new();
    let x = tape.constant(array![[1.0, 0.0], [0.0, 1.0]]);
    let w = tape.parameter(array![[0.0005, -0.5], [2.0, 0.3]]);
    let pre_activation = x.matmul(w);
    let loss = pre_activation.relu().sum();
    let found = kinks_on_tape(&tape, loss, 1e-3);
    let at: Vec<_> = found
        .iter()
        .map(|(node, kink)| (node.index(), kink.operand, kink.row, kink.col))
        .collect();
    assert_eq!(at, vec![(pre_activation.id().index() + 1, pre_activation.id(), 0, 0)]);
    assert!(kinks_on_tape(&tape, loss, 1e-4).is_empty());
}

// ---- the eps sweep ----

#[test]
fn the_sweep_of_a_smooth_function_is_a_v_with_its_bottom_near_cbrt_epsilon() {
    // ||A - U Vᵀ||_F: smooth away from a zero residual, third derivative of order one.
    let a = array![[1.0, -0.5, 0.3], [0.2, 0.8, -1.1], [0.4, 0.1, 0.9], [-0.7, 0.6, 0.2]];
    let u = array![[0.6, 0.1], [0.3, 0.9], [0.5, 0.2], [0.8, 0.4]];
    let v = array![[0.2, 0.7], [0.9, 0.3], [0.1, 0.5]];
    let steps = decade_steps(1, 12, 2);
    assert_eq!(steps.len(), 23);
    let sweep = eps_sweep(
        |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
        &[u, v],
        &steps,
    )
    .unwrap();
    let best = sweep.best();
    assert!((1e-8..=1e-4).contains(&best.step), "best step {:e}", best.step);
    assert!(sweep.is_v_shaped(1e3), "{:#?}", sweep.points);

    // The right arm falls as h²: from 1e-1 to 1e-2 the error drops about 100x.
    let error_at = |step: f64| {
        sweep
            .points
            .iter()
            .find(|p| (p.step / step - 1.0).abs() < 1e-9)
            .unwrap()
            .rel_error
    };
    let truncation_ratio = error_at(1e-1) / error_at(1e-2);
    assert!((30.0..300.0).contains(&truncation_ratio), "{truncation_ratio}");
    // The left arm rises as 1/h: from 1e-10 to 1e-12 about 100x (noisy).
    let round_off_ratio = error_at(1e-12) / error_at(1e-10);
    assert!((10.0..1e3).contains(&round_off_ratio), "{round_off_ratio}");
    // The theory lines cross near the measured bottom.
    let predicted = sweep.predicted_best_step();
    assert!(
        (predicted / best.step).log10().abs() <= 1.0,
        "{predicted:e} vs {:e}",
        best.step
    );
}

#[test]
fn decade_steps_run_from_the_largest_to_the_smallest() {
    let steps = decade_steps(1, 12, 1);
    assert_eq!(steps.len(), 12);
    assert_eq!(steps[0], 0.1);
    assert!((steps[11] / 1e-12 - 1.0).abs() < 1e-12);
    assert!(steps.windows(2).all(|w| w[1] < w[0]));
}

#[test]
fn the_sweep_and_the_local_check_refuse_a_loss_that_is_not_scalar() {
    let x = array![[1.0, 2.0]];
    let error = eps_sweep(|_, p| p[0].square(), std::slice::from_ref(&x), &decade_steps(1, 3, 1)).unwrap_err();
    assert_eq!(error, GradCheckError::NotScalar((1, 2)));

    let tape = Tape::new();
    let p = tape.parameter(&x);
    let not_scalar = p.square();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        LocalCheck::default().run(&tape, not_scalar)
    }));
    let message = refused.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(*message, "LocalCheck::run: the loss must be 1 x 1, got shape (1, 2)");

    let other = Tape::new();
    let elsewhere = other.parameter(array![[1.0]]).sum();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        LocalCheck::default().run(&tape, elsewhere)
    }));
    let message = refused.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(*message, "LocalCheck::run: operands belong to different tapes");
}
