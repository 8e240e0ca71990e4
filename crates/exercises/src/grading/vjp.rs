//! Grading a learner's op: its rule, recorded in the real engine as a
//! custom op, against central differences of its forward.
//!
//! For each case the grader first calls the op directly (is the forward the
//! given one, does `vjp` return one contribution of the right shape per
//! operand?), then records it on a tape and runs the engine's localised
//! check on that one node ([`LocalCheck::check_node`]) with a random
//! adjoint `G`. A failure names the operand, the worst element (the central
//! difference against the learner's number) and, where the mistake has a
//! recognisable shape, why: first the op's own catalogue of classic
//! mistakes (each a wrong rule the grader evaluates and compares with the
//! learner's), then the engine's [`Pattern`]s.

use std::fmt::Write;
use std::rc::Rc;

use autograd::check::{NodeCheck, Pattern};
use autograd::{CustomOp, LocalCheck, Tape, Var};
use ndarray::{Array2, ArrayView2};

use super::reference::{Engine, Shared};
use super::{Draw, close, number, shape, worst_element};
use crate::tasks::Grade;

/// Where a rule is evaluated: the operands, the output and the adjoint.
pub(crate) struct Point<'a> {
    /// The operands.
    pub inputs: &'a [ArrayView2<'a, f64>],
    /// The op's output.
    pub output: ArrayView2<'a, f64>,
    /// The adjoint `G` of the output.
    pub grad: ArrayView2<'a, f64>,
}

/// A wrong contribution, evaluated at a point.
pub(crate) type WrongRule = Box<dyn Fn(&Point<'_>) -> Option<Array2<f64>>>;

/// A classic wrong rule for one operand, and what to tell a learner whose
/// contribution equals it.
pub(crate) struct Mistake {
    /// The operand's position.
    pub operand: usize,
    /// The wrong contribution (`None` where the case's shapes do not admit it).
    pub rule: WrongRule,
    /// Why it is wrong, the diagnosis first.
    pub why: &'static str,
}

impl Mistake {
    /// The mistake `rule` for operand `operand`.
    pub(crate) fn new(
        operand: usize,
        why: &'static str,
        rule: impl Fn(&Point<'_>) -> Option<Array2<f64>> + 'static,
    ) -> Self {
        Mistake {
            operand,
            rule: Box::new(rule),
            why,
        }
    }
}

/// A point where the rule follows a convention rather than a limit (a
/// kink): the contribution expected there, and why.
pub(crate) struct Convention {
    /// The operands.
    pub inputs: Vec<Array2<f64>>,
    /// The adjoint of the output.
    pub grad: Array2<f64>,
    /// The contribution expected for each operand.
    pub expected: Vec<Array2<f64>>,
    /// The convention.
    pub why: &'static str,
}

/// A learner's op, what it must equal, and how it goes wrong.
pub(crate) struct OpUnderTest {
    /// The learner's op.
    pub op: Rc<dyn CustomOp>,
    /// The operands' letters, in order.
    pub operands: &'static [&'static str],
    /// The engine's op it must agree with.
    pub reference: Engine,
    /// Classic mistakes, tried in order.
    pub mistakes: Vec<Mistake>,
    /// Points checked against a convention.
    pub conventions: Vec<Convention>,
}

/// The operands of one check: distinct values, and which one each operand
/// position uses (`[0, 0]`: one value used twice, fan-out).
pub(crate) struct Case {
    /// The distinct values, each a parameter on the tape.
    pub values: Vec<Array2<f64>>,
    /// The value each operand position reads.
    pub uses: Vec<usize>,
}

impl Case {
    /// Each operand its own value.
    pub(crate) fn distinct(values: Vec<Array2<f64>>) -> Self {
        let uses = (0..values.len()).collect();
        Case { values, uses }
    }

    /// One value for every one of `operands` positions: fan-out.
    pub(crate) fn shared(value: Array2<f64>, operands: usize) -> Self {
        Case {
            values: vec![value],
            uses: vec![0; operands],
        }
    }

    /// `A 4x3, B 3x3`, or `A = B = X 3x3` for a shared value.
    fn describe(&self, letters: &[&str]) -> String {
        if self.values.len() < self.uses.len() {
            let shared: Vec<&str> = letters.iter().take(self.uses.len()).copied().collect();
            return format!(
                "{} = X {}, one value used twice",
                shared.join(" = "),
                shape(self.values[0].dim())
            );
        }
        let parts: Vec<String> = self
            .uses
            .iter()
            .zip(letters)
            .map(|(&k, letter)| format!("{letter} {}", shape(self.values[k].dim())))
            .collect();
        parts.join(", ")
    }
}

/// Checks each op on its cases and at its conventions, in order; on success
/// says how many elements were compared.
pub(crate) fn grade_ops(ops: &[(OpUnderTest, Vec<Case>)], draw: &mut Draw) -> Grade {
    let mut compared = 0;
    let mut cases = 0;
    for (op, op_cases) in ops {
        for case in op_cases {
            compared += check_case(op, case, draw)?;
            cases += 1;
        }
        for convention in &op.conventions {
            check_convention(op, convention)?;
        }
    }
    let mut names: Vec<&str> = ops.iter().map(|(op, _)| op.reference.name()).collect();
    names.dedup();
    let cases = if cases == 1 {
        "1 case".to_owned()
    } else {
        format!("{cases} cases")
    };
    Ok(format!(
        "{}: every rule agrees with central differences of its forward ({cases}, {compared} elements compared)",
        names.join(", ")
    ))
}

/// Checks one op on one case; on success, the number of elements compared.
fn check_case(spec: &OpUnderTest, case: &Case, draw: &mut Draw) -> Result<usize, String> {
    // The op's own name, not the learner's `name()`: feedback speaks of the task's op.
    let context = format!("{} ({})", spec.reference.name(), case.describe(spec.operands));
    let inputs: Vec<Array2<f64>> = case.uses.iter().map(|&k| case.values[k].clone()).collect();
    let views: Vec<ArrayView2<f64>> = inputs.iter().map(|x| x.view()).collect();
    let output = check_forward(spec, &views, &context)?;
    let grad = draw.matrix(output.nrows(), output.ncols(), -1.0, 1.0);
    let contributions = spec.op.vjp(&views, output.view(), grad.view());
    check_shapes(&context, spec.operands, &inputs, output.dim(), &contributions)?;

    let tape = Tape::new();
    let parameters: Vec<Var<'_>> = case.values.iter().map(|value| tape.parameter(value)).collect();
    let operands: Vec<Var<'_>> = case.uses.iter().map(|&k| parameters[k]).collect();
    let node = tape.custom(Shared(Rc::clone(&spec.op)), &operands);
    let check = LocalCheck::default().check_node(&tape, node.id(), grad.clone());
    if check.passed() {
        return Ok(check.compared);
    }
    // The operand positions that read the worst element's value (two for `X X`).
    let worst = check.worst.expect("a failed check has a worst element");
    let value = parameters
        .iter()
        .position(|p| p.id() == check.operands[worst.input])
        .expect("the operand is a parameter");
    let positions: Vec<usize> = (0..case.uses.len()).filter(|&p| case.uses[p] == value).collect();
    let point = Point {
        inputs: &views,
        output: output.view(),
        grad: grad.view(),
    };
    Err(feedback(spec, &context, &check, &positions, &point, &contributions))
}

/// The learner's forward, which must still be the op's.
fn check_forward(spec: &OpUnderTest, views: &[ArrayView2<f64>], context: &str) -> Result<Array2<f64>, String> {
    let output = spec.op.forward(views);
    let expected = spec.reference.forward(views);
    if close(output.view(), expected.view(), 1e-12) {
        return Ok(output);
    }
    let problem = if output.dim() == expected.dim() {
        let (row, col, got, wanted) = worst_element(output.view(), expected.view());
        format!(
            "C[{row}, {col}] is {} where the op gives {}",
            number(got),
            number(wanted)
        )
    } else {
        format!(
            "its output is {} where the op gives {}",
            shape(output.dim()),
            shape(expected.dim())
        )
    };
    // A changed forward would have the rule checked against the wrong function.
    Err(format!(
        "{context}: the forward pass was changed: {problem}\n  the tasks grade `vjp`; keep `forward` as it was given"
    ))
}

/// What a failed check tells the learner: the operand, the worst element,
/// how many disagree, and why (a catalogued mistake, else a pattern).
fn feedback(
    spec: &OpUnderTest,
    context: &str,
    check: &NodeCheck,
    positions: &[usize],
    point: &Point<'_>,
    contributions: &[Array2<f64>],
) -> String {
    let worst = check.worst.expect("a failed check has a worst element");
    let (element, label, why) = match *positions {
        [only] => {
            let matches = |mistake: &&Mistake| {
                mistake.operand == only
                    && (mistake.rule)(point).is_some_and(|wrong| close(contributions[only].view(), wrong.view(), 1e-9))
            };
            let caught = spec.mistakes.iter().find(matches).map(|mistake| mistake.why.to_owned());
            let element = format!("d{}", spec.operands[only]);
            (element.clone(), element, caught)
        }
        _ => {
            let parts: Vec<String> = positions.iter().map(|&p| format!("d{}", spec.operands[p])).collect();
            let label = format!("dX = {}, the sum over the uses of X,", parts.join(" + "));
            ("dX".to_owned(), label, None)
        }
    };
    let mut message = format!("{context}: {label} is wrong");
    let _ = write!(
        message,
        "\n  worst element: {element}[{}, {}] = {} (yours), expected {} (central difference of the forward)",
        worst.row,
        worst.col,
        number(worst.analytic),
        number(worst.numeric)
    );
    let _ = write!(message, "\n  {} of {} elements disagree", check.failed, check.compared);
    if let Some(why) = why.or_else(|| check.pattern.map(describe)) {
        let _ = write!(message, "\n  why: {why}");
    }
    message
}

/// One contribution per operand, each of its operand's shape; a
/// contribution with the output's shape where its operand was broadcast is
/// diagnosed as the broadcast left unreduced.
fn check_shapes(
    context: &str,
    letters: &[&str],
    inputs: &[Array2<f64>],
    output: (usize, usize),
    contributions: &[Array2<f64>],
) -> Result<(), String> {
    if contributions.len() != inputs.len() {
        let wanted: Vec<String> = letters.iter().take(inputs.len()).map(|l| format!("d{l}")).collect();
        return Err(format!(
            "{context}: vjp returned {} contribution(s) for {} operand(s): return [{}], one per operand, in order",
            contributions.len(),
            inputs.len(),
            wanted.join(", ")
        ));
    }
    for ((contribution, input), letter) in contributions.iter().zip(inputs).zip(letters) {
        if contribution.dim() != input.dim() {
            let mut message = format!(
                "{context}: wrong shape: d{letter} is {} but {letter} is {}; each contribution has its operand's shape",
                shape(contribution.dim()),
                shape(input.dim())
            );
            if contribution.dim() == output
                && let Some(why) = unreduced_broadcast(letter, input.dim(), output)
            {
                let _ = write!(message, "\n  why: {why}");
            }
            return Err(message);
        }
    }
    Ok(())
}

/// Why a contribution of the output's shape is wrong for an operand of shape
/// `input` that the op broadcast to `output` (`1 x n`, `m x 1` or `1 x 1`):
/// each of its entries fed a whole row, column or matrix of the output, so
/// its adjoint sums `G` over them. `None` if `input` is no broadcast of
/// `output`.
fn unreduced_broadcast(letter: &str, input: (usize, usize), output: (usize, usize)) -> Option<String> {
    let (rows, cols) = output;
    let across_rows = input.0 == 1 && rows > 1;
    let across_cols = input.1 == 1 && cols > 1;
    let fits = (input.0 == rows || input.0 == 1) && (input.1 == cols || input.1 == 1);
    let (repeated, sum, kind) = match (fits, across_rows, across_cols) {
        (false, _, _) | (true, false, false) => return None,
        (true, true, false) => ("row", "the sum of G over its rows (1ᵀ·G)", " row"),
        (true, false, true) => ("column", "the sum of G over its columns (G·1)", " column"),
        (true, true, true) => ("element", "the sum of all of G's elements (1ᵀ·G·1)", ""),
    };
    Some(format!(
        "broadcast not reduced: {letter} was repeated across every {repeated} of the output, \
         so d{letter} is {sum}, a {}{kind} like {letter}, not a matrix of the output's shape",
        shape(input)
    ))
}

/// The rule at a kink, against its convention.
fn check_convention(spec: &OpUnderTest, convention: &Convention) -> Result<(), String> {
    let views: Vec<ArrayView2<f64>> = convention.inputs.iter().map(|x| x.view()).collect();
    let output = spec.op.forward(&views);
    let contributions = spec.op.vjp(&views, output.view(), convention.grad.view());
    let name = spec.reference.name();
    check_shapes(name, spec.operands, &convention.inputs, output.dim(), &contributions)?;
    for (p, (got, expected)) in contributions.iter().zip(&convention.expected).enumerate() {
        if !close(got.view(), expected.view(), 1e-12) {
            let letter = spec.operands[p];
            let (row, col, got, expected) = worst_element(got.view(), expected.view());
            let at = convention.inputs[p][[row, col]];
            return Err(format!(
                "{name} at a kink: d{letter}[{row}, {col}] = {} (yours) at {letter}[{row}, {col}] = {}, expected {}\n  why: {}",
                number(got),
                number(at),
                number(expected),
                convention.why
            ));
        }
    }
    Ok(())
}

/// The engine's [`Pattern`] in a learner's words, the diagnosis first.
pub(crate) fn describe(pattern: Pattern) -> String {
    match pattern {
        Pattern::IgnoresAdjoint => {
            "missing factor G: your rule returns the same contribution whatever the adjoint G is; \
             every contribution is G times the op's local derivative"
                .to_owned()
        }
        Pattern::Transposed => "transposed: your contribution is the transpose of the right one".to_owned(),
        Pattern::NotSummed { over: "rows" } => {
            "bias not summed over rows: the operand was added to every row of the output, \
             so its adjoint is the sum of G's rows (1ᵀ·G), not one of them"
                .to_owned()
        }
        Pattern::NotSummed { .. } => {
            "broadcast not reduced: the operand was repeated across every column of the output, \
             so its adjoint is the sum of G's columns (G·1), not one of them"
                .to_owned()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broadcast_left_unreduced_names_the_sum_to_take() {
        let why = |input| unreduced_broadcast("b", input, (5, 3));
        assert!(
            why((1, 3)).unwrap().contains(
                "across every row of the output, so db is the sum of G over its rows (1ᵀ·G), a 1x3 row like b"
            )
        );
        assert!(why((5, 1)).unwrap().contains(
            "across every column of the output, so db is the sum of G over its columns (G·1), a 5x1 column like b"
        ));
        assert!(why((1, 1)).unwrap().contains(
            "across every element of the output, so db is the sum of all of G's elements (1ᵀ·G·1), a 1x1 like b"
        ));
        // Not a broadcast of the output: a plain wrong shape, no diagnosis.
        for input in [(5, 3), (3, 5), (2, 3), (1, 2), (5, 2)] {
            assert_eq!(why(input), None, "{input:?}");
        }
        // A 1 x n operand of a one-row output was not repeated across rows.
        assert!(unreduced_broadcast("b", (1, 3), (1, 3)).is_none());
        assert!(
            unreduced_broadcast("b", (1, 1), (1, 3))
                .unwrap()
                .contains("every column")
        );
    }
}
