//! What the dump, the trace and the DOT export print alike: numbers,
//! matrices (in full when small, summarised otherwise), shapes and the names
//! of an op's operands.

use std::fmt::Write as _;
use std::panic::Location;

use ndarray::ArrayView2;

use crate::op::Op;
use crate::tape::{Node, NodeId, Tape};

/// Matrices with at most this many entries are printed in full; larger ones
/// as their minimum, maximum and Frobenius norm.
pub const FULL_VALUE_LIMIT: usize = 16;

/// A matrix as text, by the rule of [`FULL_VALUE_LIMIT`].
#[derive(Debug, PartialEq)]
pub(crate) enum Shown {
    /// Fits on the line it belongs to: a number, a single row, or a summary.
    Inline(String),
    /// One line per row, each column's entries right-aligned.
    Rows(Vec<String>),
}

/// Shows `value` in full if it has at most [`FULL_VALUE_LIMIT`] entries,
/// otherwise summarised.
pub(crate) fn show(value: ArrayView2<f64>) -> Shown {
    if value.len() > FULL_VALUE_LIMIT {
        return Shown::Inline(summary(value));
    }
    if value.dim() == (1, 1) {
        return Shown::Inline(number(value[[0, 0]]));
    }
    let cells = value.map(|&x| number(x));
    let widths: Vec<usize> = cells
        .columns()
        .into_iter()
        .map(|column| column.iter().map(|cell| cell.chars().count()).max().unwrap_or(0))
        .collect();
    let rows: Vec<String> = cells
        .rows()
        .into_iter()
        .map(|row| {
            let padded: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell:>w$}"))
                .collect();
            format!("[{}]", padded.join("  "))
        })
        .collect();
    if rows.len() == 1 {
        Shown::Inline(rows.into_iter().next().unwrap_or_default())
    } else {
        Shown::Rows(rows)
    }
}

/// `min a, max b, norm c` over all entries; non-finite entries are left out
/// of the minimum and maximum and counted instead.
pub(crate) fn summary(value: ArrayView2<f64>) -> String {
    let finite = value.iter().copied().filter(|x| x.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let norm = value.iter().map(|x| x * x).sum::<f64>().sqrt();
    let non_finite = value.iter().filter(|x| !x.is_finite()).count();
    let mut text = if min <= max {
        format!("min {}, max {}, norm {}", number(min), number(max), number(norm))
    } else {
        format!("norm {}", number(norm))
    };
    if non_finite > 0 {
        let _ = write!(text, ", {non_finite} non-finite");
    }
    text
}

/// A number in at most about ten characters: four decimals between 0.01
/// and 10⁵ in magnitude, scientific notation outside, `0` for a zero.
pub(crate) fn number(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if !x.is_finite() {
        format!("{x}")
    } else if (1e-2..1e5).contains(&x.abs()) {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

/// `3x2`.
pub(crate) fn shape((rows, cols): (usize, usize)) -> String {
    format!("{rows}x{cols}")
}

/// The node's VJP as one line and, for an operand that was broadcast to
/// the output's shape, what its adjoint is summed over:
/// `dA = G, dB = G; dB summed over rows`.
pub(crate) fn rule(nodes: &[Node], node: &Node) -> String {
    let mut text = node.op.rule().to_owned();
    if !node.op.spec().broadcasts() {
        return text;
    }
    let out = node.value.dim();
    for (position, id) in node.op.operands().iter().enumerate() {
        let shape = nodes[id.index()].value.dim();
        let over = match (shape.0 != out.0, shape.1 != out.1) {
            (true, true) => "all entries",
            (true, false) => "rows",
            (false, true) => "columns",
            (false, false) => continue,
        };
        let _ = write!(text, "; d{} summed over {over}", node.op.operand_name(position));
    }
    text
}

/// Where a node was recorded, as `file:line`.
pub(crate) fn source_line(location: &Location<'_>) -> String {
    format!("{}:{}", location.file(), location.line())
}

/// What the page and the drawing style a node as: `param`, `const` or `op`.
pub(crate) fn kind(op: &Op) -> &'static str {
    match op {
        Op::Parameter => "param",
        Op::Constant => "const",
        _ => "op",
    }
}

/// [`rule`] for the node `id` of `tape`.
pub(crate) fn rule_of(tape: &Tape, id: NodeId) -> String {
    let nodes = tape.nodes();
    rule(&nodes, &nodes[id.index()])
}

/// The adjoint that `op` sends to the operand `to`: `dA`, or `dA/dB` when
/// the same node fills both places (as in `x * x`).
pub(crate) fn adjoint_name(op: &Op, to: NodeId) -> String {
    let names: Vec<String> = op
        .operands()
        .iter()
        .enumerate()
        .filter(|(_, id)| **id == to)
        .map(|(position, _)| format!("d{}", op.operand_name(position)))
        .collect();
    names.join("/")
}

/// Appends `head` and then `shown`: on the same line when it is inline,
/// otherwise one row per line below, each indented by `indent`.
pub(crate) fn push_after(text: &mut String, head: &str, shown: Shown, indent: usize) {
    match shown {
        Shown::Inline(line) => {
            let _ = writeln!(text, "{head} {line}");
        }
        Shown::Rows(rows) => {
            let _ = writeln!(text, "{head}");
            push_rows(text, &rows, indent);
        }
    }
}

/// Appends `shown` on lines of its own, indented by `indent`: `= value`
/// when it is inline, otherwise one row per line.
pub(crate) fn push_below(text: &mut String, shown: Shown, indent: usize) {
    match shown {
        Shown::Inline(line) => {
            let _ = writeln!(text, "{:indent$}= {line}", "");
        }
        Shown::Rows(rows) => push_rows(text, &rows, indent),
    }
}

fn push_rows(text: &mut String, rows: &[String], indent: usize) {
    for row in rows {
        let _ = writeln!(text, "{:indent$}{row}", "");
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, array};

    use super::*;

    #[test]
    fn numbers_keep_four_decimals_or_go_scientific() {
        assert_eq!(number(0.3374), "0.3374");
        assert_eq!(number(-3.33594), "-3.3359");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1.5e-5), "1.500e-5");
        assert_eq!(number(123456.0), "1.235e5");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn small_matrices_in_full_large_ones_summarised() {
        assert_eq!(show(array![[2.5]].view()), Shown::Inline("2.5000".to_owned()));
        assert_eq!(
            show(array![[1.0, -2.0]].view()),
            Shown::Inline("[1.0000  -2.0000]".to_owned())
        );
        assert_eq!(
            show(array![[1.0, 0.0], [0.25, -10.0]].view()),
            Shown::Rows(vec!["[1.0000         0]".to_owned(), "[0.2500  -10.0000]".to_owned()])
        );
        // 17 entries: 3² + 4² = 25 and the rest zero, so the norm is 5.
        let mut big = Array2::zeros((1, 17));
        big[[0, 0]] = 3.0;
        big[[0, 1]] = -4.0;
        assert_eq!(
            show(big.view()),
            Shown::Inline("min -4.0000, max 3.0000, norm 5.0000".to_owned())
        );
        big[[0, 2]] = f64::NAN;
        assert_eq!(summary(big.view()), "min -4.0000, max 3.0000, norm NaN, 1 non-finite");
    }

    #[test]
    fn adjoints_are_named_by_their_operand_letters() {
        assert_eq!(adjoint_name(&Op::Mul(NodeId(3), NodeId(3)), NodeId(3)), "dA/dB");
        assert_eq!(adjoint_name(&Op::BceWithLogits(NodeId(3), NodeId(1)), NodeId(1)), "dT");
    }
}
