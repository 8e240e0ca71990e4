//! The tape as a Wengert list: one line per node, in recording order.

use std::fmt::Write as _;

use crate::inspect::text::{self, FULL_VALUE_LIMIT};
use crate::op::Op;
use crate::tape::Tape;

/// The column headings of [`dump`].
const HEADINGS: [&str; 7] = ["node", "op", "operands", "shape", "grad", "recorded at", "VJP"];

/// How far values are indented below their node's line.
const VALUE_INDENT: usize = 6;

/// The tape as a Wengert list, one aligned line per node: its id, op,
/// operand ids, shape, whether backward computes an adjoint for it (`grad`:
/// a parameter lies upstream), the `file:line` where the caller recorded it,
/// and the op's vector-Jacobian product. Below each line, the node's value:
/// in full up to [`FULL_VALUE_LIMIT`] entries, otherwise its minimum,
/// maximum and Frobenius norm.
///
/// ```
/// use autograd::{inspect, Tape};
/// use ndarray::array;
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[3.0, 4.0]]);
/// let _norm = x.frobenius_norm();
/// let text = inspect::dump(&tape);
/// assert!(text.contains("#1    frobenius_norm  #0"));
/// assert!(text.contains("= 5.0000"));
/// ```
pub fn dump(tape: &Tape) -> String {
    let nodes = tape.nodes();
    let rows: Vec<[String; 7]> = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let operands: Vec<String> = node.op.operands().iter().map(ToString::to_string).collect();
            [
                format!("#{index}"),
                node.op.label(),
                operands.join(" "),
                text::shape(node.value.dim()),
                if node.requires_grad { "yes" } else { "no" }.to_owned(),
                text::source_line(node.location),
                text::rule(&nodes, node),
            ]
        })
        .collect();
    let mut widths = HEADINGS.map(|heading| heading.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let parameters = nodes.iter().filter(|node| matches!(node.op, Op::Parameter)).count();
    let constants = nodes.iter().filter(|node| matches!(node.op, Op::Constant)).count();
    let mut out = format!(
        "Wengert list: {}, {}, {}; values in full up to {FULL_VALUE_LIMIT} entries, else min, max, norm\n",
        counted(nodes.len(), "node"),
        counted(parameters, "parameter"),
        counted(constants, "constant"),
    );
    push_row(&mut out, &HEADINGS.map(str::to_owned), &widths);
    for (row, node) in rows.iter().zip(nodes.iter()) {
        push_row(&mut out, row, &widths);
        text::push_below(&mut out, text::show(node.value.view()), VALUE_INDENT);
    }
    out
}

/// `1 node`, `2 nodes`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One line of the table, every column but the last padded to its width.
fn push_row(out: &mut String, cells: &[String; 7], widths: &[usize; 7]) {
    let (last, padded) = cells.split_last().expect("the table has columns");
    for (cell, width) in padded.iter().zip(widths) {
        let _ = write!(out, "{cell:<width$}  ");
    }
    let _ = writeln!(out, "{last}");
}
