//! Task 2: the reverse sweep of a scalar tape.
//!
//! The referee needs no backward rule: the adjoint of node `k`,
//! `∂output/∂#k`, is the central difference of the output recomputed with
//! `#k`'s value moved up and down. Moving only the reads of one reader
//! gives that reader's contribution, which tells an adjoint that was
//! assigned (`=`) from one that was summed (`+=`).

use std::fmt::Write;

use super::{Draw, number};
use crate::scalar_tape::{ScalarOp, ScalarTape, Shift};
use crate::submission::Submission;
use crate::tasks::Grade;

/// How many random tapes are graded after the fixed one.
const RANDOM_TAPES: usize = 6;

/// Grades `backward` on a fixed tape with every op and fan-out, then on random tapes.
pub(crate) fn grade(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "reverse-sweep");
    let mut tapes = vec![fixed_tape()];
    tapes.extend((0..RANDOM_TAPES).map(|_| random_tape(&mut draw)));
    let mut adjoints = 0;
    for (which, tape) in tapes.iter().enumerate() {
        let output = tape.len() - 1;
        let got = (submission.backward)(tape, output);
        if got.len() != tape.len() {
            return Err(format!(
                "tape {}: backward returned {} adjoints for a tape of {} nodes: return one per node, in tape order\n{}",
                which + 1,
                got.len(),
                tape.len(),
                listing(tape)
            ));
        }
        // The first wrong adjoint in sweep order: where the error entered.
        for node in (0..=output).rev() {
            let expected = derivative(tape, output, node, None);
            if (got[node] - expected).abs() > 1e-6 + 1e-6 * expected.abs() {
                return Err(feedback(tape, which + 1, node, got[node], expected));
            }
        }
        adjoints += tape.len();
    }
    Ok(format!(
        "every adjoint agrees with central differences ({} tapes with fan-out, {adjoints} adjoints)",
        tapes.len()
    ))
}

/// `∂output/∂node` by central differences, through every read of `node`
/// or only through those of `reader`.
fn derivative(tape: &ScalarTape, output: usize, node: usize, reader: Option<usize>) -> f64 {
    let h = 1e-6 * tape.value(node).abs().max(1.0);
    let at = |delta| tape.recompute(output, Shift { node, reader, delta });
    (at(h) - at(-h)) / (2.0 * h)
}

/// The message for a wrong adjoint of `node`.
fn feedback(tape: &ScalarTape, which: usize, node: usize, got: f64, expected: f64) -> String {
    let output = tape.len() - 1;
    let mut readers = tape.readers(node);
    readers.dedup();
    let why = if node == output {
        "the output's own adjoint is ∂y/∂y = 1: the sweep starts there".to_owned()
    } else if let Some(why) = fan_out(tape, node, &readers, got) {
        why
    } else if got == 0.0 {
        "nothing reached it: walk the tape in reverse, from the output to the first node, and let every op send \
         its contributions"
            .to_owned()
    } else if (got + expected).abs() <= 1e-6 * expected.abs() {
        "sign flipped: check the minus signs of sub and div".to_owned()
    } else {
        let ops: Vec<String> = readers
            .iter()
            .map(|&r| format!("#{r} = {}", tape.nodes()[r].op))
            .collect();
        format!(
            "every later adjoint is right, so the contributions it receives are wrong: check the local derivatives \
             of {}",
            ops.join(" and ")
        )
    };
    format!(
        "tape {which}: ∂y/∂#{node} = {} (yours), expected {} (central difference), y = #{output}\n  why: {why}\n{}",
        number(got),
        number(expected),
        listing(tape)
    )
}

/// Why `got`, for a node read more than once, is one reader's
/// contribution (or one read's) instead of the sum of all.
fn fan_out(tape: &ScalarTape, node: usize, readers: &[usize], got: f64) -> Option<String> {
    let output = tape.len() - 1;
    let reads = tape.readers(node).len();
    if reads < 2 {
        return None;
    }
    let near = |x: f64| (got - x).abs() <= 1e-6 + 1e-6 * x.abs();
    let contributions: Vec<(usize, f64)> = readers
        .iter()
        .map(|&r| (r, derivative(tape, output, node, Some(r))))
        .collect();
    // A reader such as mul(#k, #k) reads twice, each read contributing half.
    let halves = contributions
        .iter()
        .filter(|(r, _)| matches!(tape.nodes()[*r].op, ScalarOp::Add(a, b) | ScalarOp::Mul(a, b) if a == b))
        .map(|&(r, c)| (r, c / 2.0));
    let (reader, _) = contributions.iter().copied().chain(halves).find(|&(_, c)| near(c))?;
    let all_reads = tape.readers(node);
    let read_by: Vec<String> = readers
        .iter()
        .map(|&r| match all_reads.iter().filter(|&&k| k == r).count() {
            1 => format!("#{r}"),
            2 => format!("#{r} twice"),
            n => format!("#{r} {n} times"),
        })
        .collect();
    Some(format!(
        "fan-out: #{node} is read {reads} times (by {}), so its adjoint is the sum of every read's contribution; \
         yours is the contribution of one read by #{reader} alone: add each contribution (+=), do not assign (=)",
        read_by.join(" and ")
    ))
}

/// The tape as a Wengert list, one node a line.
fn listing(tape: &ScalarTape) -> String {
    let mut text = String::from("  the tape:");
    for (id, node) in tape.nodes().iter().enumerate() {
        let _ = write!(text, "\n    #{id} = {} = {}", node.op, number(node.value));
    }
    text
}

/// Every op once, and three kinds of fan-out: an input read by two nodes,
/// an input read by a node and a later one, and `mul(#k, #k)`.
fn fixed_tape() -> ScalarTape {
    let mut tape = ScalarTape::new();
    let x = tape.input(0.5);
    let y = tape.input(1.2);
    let z = tape.input(-0.7);
    let product = tape.mul(x, y);
    let wave = tape.sin(x);
    let sum = tape.add(product, wave);
    let quotient = tape.div(sum, y);
    let grown = tape.exp(z);
    let difference = tape.sub(quotient, grown);
    tape.mul(difference, difference);
    tape
}

/// Three inputs, then seven ops on earlier nodes (often recent ones), with
/// divisors away from 0 and values of moderate size.
fn random_tape(draw: &mut Draw) -> ScalarTape {
    let mut tape = ScalarTape::new();
    for _ in 0..3 {
        tape.input(draw.uniform(0.5, 1.5));
    }
    for _ in 0..7 {
        let len = tape.len();
        let a = len - 1 - draw.below(len.min(3));
        let b = draw.below(len);
        let op = match draw.below(6) {
            0 => ScalarOp::Add(a, b),
            1 => ScalarOp::Sub(a, b),
            2 => ScalarOp::Mul(a, b),
            3 if tape.value(b).abs() > 0.5 => ScalarOp::Div(a, b),
            4 if tape.value(a) < 2.5 => ScalarOp::Exp(a),
            _ => ScalarOp::Sin(a),
        };
        let id = tape.record(op);
        if tape.value(id).abs() > 20.0 {
            // Keep the values moderate: rebuild without the last node.
            let mut smaller = ScalarTape::new();
            for node in &tape.nodes()[..id] {
                match node.op {
                    ScalarOp::Input => smaller.input(node.value),
                    op => smaller.record(op),
                };
            }
            smaller.sin(a);
            tape = smaller;
        }
    }
    tape
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_referee_knows_the_fixed_tapes_derivatives() {
        let tape = fixed_tape();
        let output = tape.len() - 1;
        // y = d², d = (x·y' + sin x)/y' - exp(z), so ∂y/∂z = 2d·(-exp(z)).
        let d = tape.value(8);
        let expected = 2.0 * d * -(-0.7f64).exp();
        assert!((derivative(&tape, output, 2, None) - expected).abs() < 1e-8);
        // #8 is read twice by #9: each read contributes d, the sum is 2d.
        assert!((derivative(&tape, output, 8, None) - 2.0 * d).abs() < 1e-8);
        assert_eq!(tape.readers(8), [9, 9]);
    }

    #[test]
    fn random_tapes_are_moderate_and_topological() {
        let mut draw = Draw::new(0, "test");
        for _ in 0..50 {
            let tape = random_tape(&mut draw);
            assert_eq!(tape.len(), 10);
            for (id, node) in tape.nodes().iter().enumerate() {
                assert!(node.value.abs() <= 20.0 && node.value.is_finite(), "{}", listing(&tape));
                assert!(node.op.operands().iter().all(|&k| k < id));
            }
        }
    }
}
