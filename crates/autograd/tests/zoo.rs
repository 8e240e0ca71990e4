//! Every planted bug is caught by the whole-function check and blamed, by
//! the localised check, on its own node; the correct built-ins pass.

use autograd::check::{Adjoint, Diagnosis, LocalCheck};
use autograd::zoo::{BiasNotSummed, Bug, GramAssigned, NormMissingDivision, ShiftedReluOutputMask, Variant};
use autograd::{GradCheckError, Tape};
use ndarray::{Array2, array};

const SEEDS: u64 = 8;

/// Every bug's specimen for seeds 0..SEEDS, recorded as `variant` and
/// diagnosed with a random and with the arrived adjoint.
fn every_diagnosis(variant: Variant) -> impl Iterator<Item = (Bug, u64, Diagnosis)> {
    let arrived = LocalCheck {
        adjoint: Adjoint::Arrived,
        ..LocalCheck::default()
    };
    Bug::ALL.into_iter().flat_map(move |bug| {
        (0..SEEDS).flat_map(move |seed| {
            [LocalCheck::default(), arrived].map(|check| (bug, seed, bug.specimen(seed).diagnose(variant, &check)))
        })
    })
}

#[test]
fn every_bug_is_caught_and_blamed_on_its_own_node() {
    for (bug, seed, diagnosis) in every_diagnosis(Variant::Buggy) {
        assert!(
            matches!(diagnosis.whole, Err(GradCheckError::Mismatch { .. })),
            "{bug} seed {seed}: the whole-function check missed it: {:?}",
            diagnosis.whole
        );
        let culprits: Vec<&str> = diagnosis.local.failures().map(|node| node.op.as_str()).collect();
        assert_eq!(culprits, [bug.op_name()], "{bug} seed {seed}:\n{diagnosis}");
        // Its neighbours were checked too, and passed.
        assert!(diagnosis.local.nodes.len() >= 3, "{bug}:\n{diagnosis}");
        let node = diagnosis.local.failures().next().unwrap();
        assert!(node.location.file().ends_with("zoo.rs"), "{}", node.location);
        assert!(node.formula.starts_with(bug.op_name()), "{}", node.formula);
    }
}

#[test]
fn the_correct_builtins_pass_both_checks() {
    for (bug, seed, diagnosis) in every_diagnosis(Variant::Correct) {
        assert!(diagnosis.passed(), "{bug} seed {seed}:\n{diagnosis}");
        assert!(diagnosis.local.nodes.iter().all(|node| node.op != bug.op_name()));
    }
}

#[test]
fn the_report_reads_as_the_docs_show_it() {
    let text = Bug::FlippedSign
        .specimen(0)
        .diagnose(Variant::Buggy, &LocalCheck::default())
        .to_string();
    assert!(
        text.starts_with("whole-function check: FAILED: gradient mismatch at input"),
        "{text}"
    );
    assert!(text.contains("localised check: 1 of 4 nodes fail"), "{text}");
    assert!(text.contains("FAIL node #5 sub_flipped_sign recorded at"), "{text}");
    assert!(text.contains("rule:  sub_flipped_sign: dA = G, dB = G"), "{text}");
    assert!(text.contains("worst: d(node #4)"), "{text}");
    assert_eq!(text.matches("FAIL node").count(), 1, "{text}"); // one node blamed
    assert!(text.contains("why:   sign flipped"), "{text}");
    assert!(text.contains("whole-function adjoint test: FAILED"), "{text}");
    assert!(text.contains("     adjoint test FAILED: ⟨u, J v⟩ = "), "{text}");
}

#[test]
fn the_adjoint_test_catches_every_bug_with_no_step_size() {
    // Each exhibit's forward rule (its JVP) is right and its VJP wrong, so
    // ⟨u, J v⟩ and ⟨Jᵀ u, v⟩ disagree, by far more than rounding.
    for (bug, seed, diagnosis) in every_diagnosis(Variant::Buggy) {
        let whole = diagnosis.adjoint.expect("every exhibit has a JVP rule");
        assert!(!whole.passed() && whole.gap > 1e-4, "{bug} seed {seed}: {whole}");
        let node = diagnosis
            .local
            .nodes
            .iter()
            .find(|node| node.op == bug.op_name())
            .unwrap_or_else(|| panic!("{bug}: the buggy node is checked"));
        let test = node.adjoint.expect("a JVP rule");
        assert!(!test.passed() && test.gap > 1e-4, "{bug} seed {seed}: {test}");
    }
    // And with the correct built-ins in place every side agrees to rounding.
    for (bug, seed, diagnosis) in every_diagnosis(Variant::Correct) {
        let whole = diagnosis.adjoint.expect("built-in ops have JVP rules");
        assert!(whole.gap < 1e-13, "{bug} seed {seed}: {whole}");
        let (gap, tested) = diagnosis.local.max_adjoint_gap();
        assert_eq!(tested, diagnosis.local.nodes.len());
        assert!(gap < 1e-13, "{bug} seed {seed}: largest node gap {gap:e}");
    }
}

#[test]
fn specimens_are_reproducible() {
    for bug in Bug::ALL {
        assert_eq!(bug.specimen(5), bug.specimen(5));
        assert_ne!(bug.specimen(5).parameters, bug.specimen(6).parameters);
    }
}

// ---- why each bug survives casual testing: the claims in the docs hold ----

#[test]
fn the_unsummed_bias_gradient_is_right_for_a_batch_of_one() {
    for rows in [1, 3] {
        let tape = Tape::new();
        let x = tape.parameter(Array2::from_shape_fn((rows, 4), |(i, j)| {
            (i + 2 * j) as f64 * 0.3 - 1.0
        }));
        let b = tape.parameter(array![[0.1, -0.2, 0.3, 0.5]]);
        let loss = tape.custom(BiasNotSummed, &[x, b]).square().sum();
        let passed = LocalCheck::default().run(&tape, loss).passed();
        assert_eq!(passed, rows == 1, "rows = {rows}");
    }
}

#[test]
fn masking_by_the_output_is_harmless_for_relu_itself() {
    let entries = array![[-1.5, -0.5, 0.5], [1.5, -0.25, 2.0]];
    for (floor, harmless) in [(0.0, true), (-1.0, false)] {
        let tape = Tape::new();
        let x = tape.parameter(&entries);
        let loss = tape.custom(ShiftedReluOutputMask { floor }, &[x]).sum_squares();
        let report = LocalCheck::default().run(&tape, loss);
        assert_eq!(report.passed(), harmless, "floor {floor}:\n{report}");
    }
}

#[test]
fn the_assigned_fan_out_is_off_by_two_for_a_symmetric_adjoint() {
    // G = Gᵀ makes the right rule A·G + A·Gᵀ = 2 A·G and the wrong one A·G.
    let tape = Tape::new();
    let a = tape.parameter(array![[1.0, 2.0], [0.5, -1.0], [0.3, 0.7]]);
    let gram = tape.custom(GramAssigned, &[a]);
    let symmetric = array![[1.0, 0.4], [0.4, -0.6]];
    let node = LocalCheck::default().check_node(&tape, gram.id(), symmetric);
    let worst = node.worst.unwrap();
    assert!((worst.numeric / worst.analytic - 2.0).abs() < 1e-6, "{worst:?}");
}

#[test]
fn a_norm_without_its_division_is_caught_on_small_matrices_too() {
    // ||A|| = 5e-3 = 5000 h: outside the tip's skip radius, so the local
    // check compares every element and sees the missing 1/||A|| (a factor 200).
    let tape = Tape::new();
    let a = tape.parameter(array![[3e-3, 4e-3]]);
    let report = LocalCheck::default().run(&tape, tape.custom(NormMissingDivision, &[a]));
    assert!(!report.passed(), "{report}");
    assert_eq!((report.compared(), report.kinks().count()), (2, 0), "{report}");
}
