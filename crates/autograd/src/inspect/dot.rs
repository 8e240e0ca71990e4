//! The tape as a Graphviz graph.

use std::fmt::Write as _;

use crate::gradients::Gradients;
use crate::inspect::text::{self, Shown};
use crate::op::Op;
use crate::tape::{NodeId, Tape};

/// What [`to_dot`] draws besides each node's op, shape and formula.
#[derive(Clone, Copy, Debug, Default)]
pub struct DotOptions<'g> {
    /// The loss, drawn as a double octagon; `None` marks no node as the loss.
    pub loss: Option<NodeId>,
    /// Whether to print the values of matrices with at most
    /// [`FULL_VALUE_LIMIT`](crate::inspect::FULL_VALUE_LIMIT) entries.
    pub values: bool,
    /// Gradients to print under their parameters, by the same size rule.
    pub gradients: Option<&'g Gradients>,
}

/// The tape as a Graphviz `digraph`, ready for `dot -Tsvg`.
///
/// One node per tape node, labelled with its id, op, shape and VJP formula;
/// an edge from each operand to the node that reads it, labelled with the
/// operand's letter in the formula (`A`, `B`, `b`, `Z`). Parameters are blue
/// boxes, constants grey boxes, the loss an orange double octagon, other ops
/// white ellipses; a node that needs no gradient (no parameter upstream) has
/// a dashed outline. Labels are escaped, so any op name or formula gives
/// valid DOT; the file is UTF-8.
///
/// ```
/// use autograd::inspect::{self, DotOptions};
/// use autograd::Tape;
/// use ndarray::array;
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[3.0, 4.0]]);
/// let loss = x.frobenius_norm();
/// let options = DotOptions { loss: Some(loss.id()), ..DotOptions::default() };
/// let dot = inspect::to_dot(&tape, &options);
/// assert!(dot.starts_with("digraph tape {"));
/// assert!(dot.contains("n0 -> n1 [label=\"A\"];"));
/// ```
///
/// # Panics
/// If `options.gradients` were computed on another tape (or before `tape`
/// was cleared): they would be drawn under the wrong nodes.
#[track_caller]
pub fn to_dot(tape: &Tape, options: &DotOptions<'_>) -> String {
    if let Some(gradients) = options.gradients {
        gradients.assert_computed_on(tape, "to_dot");
    }
    let nodes = tape.nodes();
    let mut out = String::from("digraph tape {\n");
    out.push_str("  graph [rankdir=TB, fontname=\"Helvetica\"];\n");
    // Monospace, so that the rows of a matrix line up.
    out.push_str("  node [fontname=\"monospace\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (index, node) in nodes.iter().enumerate() {
        let id = NodeId(index);
        let mut label = format!("{id} {}\n{}", node.op.label(), text::shape(node.value.dim()));
        if !node.op.is_leaf() {
            let _ = write!(label, "\n{}", text::rule(&nodes, node));
        }
        if options.values {
            push_matrix(&mut label, "value", text::show(node.value.view()));
        }
        if let Some(gradient) = options.gradients.and_then(|grads| grads.by_id(id)) {
            push_matrix(&mut label, "gradient", text::show(gradient.view()));
        }
        let look = if options.loss == Some(id) {
            "shape=doubleoctagon, style=filled, fillcolor=\"#ffd8a8\""
        } else {
            match (&node.op, node.requires_grad) {
                (Op::Parameter, _) => "shape=box, style=filled, fillcolor=\"#cfe2ff\"",
                (Op::Constant, _) => "shape=box, style=filled, fillcolor=\"#e9ecef\"",
                (_, true) => "shape=ellipse",
                (_, false) => "shape=ellipse, style=dashed",
            }
        };
        let _ = writeln!(out, "  n{index} [label=\"{}\", {look}];", escape(&label));
    }
    for (index, node) in nodes.iter().enumerate() {
        for (position, operand) in node.op.operands().iter().enumerate() {
            let name = escape(&node.op.operand_name(position));
            let _ = writeln!(out, "  n{} -> n{index} [label=\"{name}\"];", operand.index());
        }
    }
    out.push_str("}\n");
    out
}

/// Appends `name` and the matrix, one row per label line.
fn push_matrix(label: &mut String, name: &str, shown: Shown) {
    match shown {
        Shown::Inline(line) => {
            let _ = write!(label, "\n{name} {line}");
        }
        Shown::Rows(rows) => {
            let _ = write!(label, "\n{name}");
            for row in rows {
                let _ = write!(label, "\n{row}");
            }
        }
    }
}

/// Escapes text for a double-quoted DOT string: a backslash or a quote is
/// preceded by a backslash, a line break becomes `\n` (DOT's centred line
/// break), and other control characters become spaces.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_quotes_backslashes_and_line_breaks() {
        assert_eq!(escape("a \"b\"\\c\nd\te·ᵀ"), "a \\\"b\\\"\\\\c\\nd e·ᵀ");
    }
}
