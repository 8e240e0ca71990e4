//! The backward sweep, written down as it happens.

use std::fmt::Write as _;

use ndarray::Array2;

use crate::backward::SweepObserver;
use crate::gradients::Gradients;
use crate::inspect::text;
use crate::op::Op;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// How far values are indented below the line that introduces them.
const VALUE_INDENT: usize = 8;

/// Runs [`Tape::backward`] from `loss` and also returns its trace: for each
/// node the sweep reaches, in the order it reaches them, the complete
/// adjoint `G` that arrived, every contribution sent to an operand (`#4 = dB`
/// for the first one a node receives, `#4 += dB` for each further one,
/// marked as fan-out and summed), the operands that needed none, and at the
/// end the gradient that reached each parameter. Values follow the rule of
/// [`FULL_VALUE_LIMIT`](crate::inspect::FULL_VALUE_LIMIT).
///
/// The gradients are those of [`Tape::backward`], bit for bit.
///
/// ```
/// use autograd::{inspect, Tape};
/// use ndarray::array;
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[3.0]]);
/// let loss = (x * x).sum(); // x used twice: fan-out
/// let (grads, trace) = inspect::backward_with_trace(&tape, loss);
/// assert_eq!(grads[x], array![[6.0]]);
/// assert!(trace.contains("#0 += dA/dB 1x1 (fan-out: 2nd contribution, summed): 3.0000"));
/// ```
///
/// # Panics
/// As [`Tape::backward`]: if `loss` is not 1 x 1 or lives on another tape.
#[track_caller]
pub fn backward_with_trace(tape: &Tape, loss: Var<'_>) -> (Gradients, String) {
    let mut tracer = Tracer::new(tape);
    let grads = tape.backward_observed(loss, &mut tracer);
    let mut out = format!("backward sweep from {}, whose adjoint is dloss/dloss = 1\n", loss.id());
    out.push_str(&tracer.text);
    out.push_str("gradients: the sum of what reached each parameter\n");
    for (index, node) in tape.nodes().iter().enumerate().take(loss.id().index() + 1) {
        if let Some(gradient) = grads.by_id(NodeId(index)).filter(|_| matches!(node.op, Op::Parameter)) {
            let head = format!("#{index} parameter {}:", text::shape(gradient.dim()));
            text::push_after(&mut out, &head, text::show(gradient.view()), VALUE_INDENT);
        }
    }
    (grads, out)
}

/// Writes each step of the sweep as text.
struct Tracer<'t> {
    tape: &'t Tape,
    text: String,
    /// How many contributions each node has received so far, by id.
    received: Vec<usize>,
}

impl<'t> Tracer<'t> {
    fn new(tape: &'t Tape) -> Self {
        Tracer {
            tape,
            text: String::new(),
            received: vec![0; tape.len()],
        }
    }
}

impl SweepObserver for Tracer<'_> {
    fn visit(&mut self, node: NodeId, adjoint: &Array2<f64>) {
        let nodes = self.tape.nodes();
        let op = &nodes[node.index()].op;
        let head = format!("{node} {op:?}  G {}:", text::shape(adjoint.dim()));
        text::push_after(&mut self.text, &head, text::show(adjoint.view()), VALUE_INDENT);
        let operands = op.operands();
        for (position, id) in operands.iter().enumerate() {
            let operand = &nodes[id.index()];
            if operand.requires_grad || operands[..position].contains(id) {
                continue;
            }
            let why = match operand.op {
                Op::Constant => "a constant",
                _ => "no parameter upstream",
            };
            let _ = writeln!(self.text, "    {id} needs no gradient ({why}): skipped");
        }
    }

    fn contribution(&mut self, from: NodeId, to: NodeId, contribution: &Array2<f64>, accumulated: bool) {
        let count = &mut self.received[to.index()];
        *count += 1;
        let count = *count;
        let name = text::adjoint_name(&self.tape.nodes()[from.index()].op, to);
        let mut head = format!(
            "    {to} {} {name} {}",
            if accumulated { "+=" } else { "=" },
            text::shape(contribution.dim())
        );
        if accumulated {
            let _ = write!(head, " (fan-out: {} contribution, summed)", ordinal(count));
        }
        head.push(':');
        text::push_after(&mut self.text, &head, text::show(contribution.view()), VALUE_INDENT);
    }
}

/// `2nd`, `3rd`, `11th`, `21st`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 102].into_iter().map(ordinal).collect();
        assert_eq!(
            words,
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "102nd"]
        );
    }
}
