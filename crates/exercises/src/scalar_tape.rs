//! A tape of scalar operations: the smallest Wengert list, for the task that
//! writes its reverse sweep (task 2, chapter 2).
//!
//! Each node holds its value and the op that made it, naming its operands by
//! their position on the tape; recording an op computes its value at once.
//! The order of the nodes is a topological order: an op can only name nodes
//! recorded before it.
//!
//! ```
//! use exercises::{ScalarOp, ScalarTape};
//!
//! let mut tape = ScalarTape::new();
//! let x = tape.input(2.0);
//! let y = tape.input(3.0);
//! let product = tape.mul(x, y);
//! let z = tape.add(product, x); // x is read twice: fan-out
//! assert_eq!(tape.value(z), 8.0);
//! assert_eq!(tape.nodes()[z].op, ScalarOp::Add(product, x));
//! ```

use std::fmt;

/// What a node computes, naming its operands by their index on the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarOp {
    /// An input: its value is given, not computed.
    Input,
    /// `a + b`.
    Add(usize, usize),
    /// `a - b`.
    Sub(usize, usize),
    /// `a · b`.
    Mul(usize, usize),
    /// `a / b`.
    Div(usize, usize),
    /// `exp(a)`.
    Exp(usize),
    /// `sin(a)`.
    Sin(usize),
}

impl ScalarOp {
    /// The operands, in order (a node read twice appears twice).
    pub fn operands(self) -> Vec<usize> {
        match self {
            ScalarOp::Input => vec![],
            ScalarOp::Add(a, b) | ScalarOp::Sub(a, b) | ScalarOp::Mul(a, b) | ScalarOp::Div(a, b) => vec![a, b],
            ScalarOp::Exp(a) | ScalarOp::Sin(a) => vec![a],
        }
    }

    /// The op's value, given what each operand position reads.
    fn apply(self, read: impl Fn(usize) -> f64) -> f64 {
        match self {
            ScalarOp::Input => unreachable!("an input has no formula"),
            ScalarOp::Add(..) => read(0) + read(1),
            ScalarOp::Sub(..) => read(0) - read(1),
            ScalarOp::Mul(..) => read(0) * read(1),
            ScalarOp::Div(..) => read(0) / read(1),
            ScalarOp::Exp(_) => read(0).exp(),
            ScalarOp::Sin(_) => read(0).sin(),
        }
    }
}

impl fmt::Display for ScalarOp {
    /// `mul(#0, #1)`, or `input`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ScalarOp::Input => return f.write_str("input"),
            ScalarOp::Add(..) => "add",
            ScalarOp::Sub(..) => "sub",
            ScalarOp::Mul(..) => "mul",
            ScalarOp::Div(..) => "div",
            ScalarOp::Exp(_) => "exp",
            ScalarOp::Sin(_) => "sin",
        };
        let operands: Vec<String> = self.operands().iter().map(|k| format!("#{k}")).collect();
        write!(f, "{name}({})", operands.join(", "))
    }
}

/// One entry of the tape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalarNode {
    /// The op that made it.
    pub op: ScalarOp,
    /// Its value.
    pub value: f64,
}

/// A Wengert list of scalar operations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScalarTape {
    nodes: Vec<ScalarNode>,
}

/// Which reads of a node a recomputation shifts (see [`ScalarTape::recompute`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shift {
    /// The node whose value is read shifted.
    pub node: usize,
    /// Only the reads by this node, or every read.
    pub reader: Option<usize>,
    /// How much is added to the value read.
    pub delta: f64,
}

impl ScalarTape {
    /// An empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every node, in the order they were recorded.
    pub fn nodes(&self) -> &[ScalarNode] {
        &self.nodes
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tape has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The value of node `id`.
    pub fn value(&self, id: usize) -> f64 {
        self.nodes[id].value
    }

    /// Records an input of value `x`.
    pub fn input(&mut self, x: f64) -> usize {
        self.nodes.push(ScalarNode {
            op: ScalarOp::Input,
            value: x,
        });
        self.nodes.len() - 1
    }

    /// Records `a + b`.
    pub fn add(&mut self, a: usize, b: usize) -> usize {
        self.record(ScalarOp::Add(a, b))
    }

    /// Records `a - b`.
    pub fn sub(&mut self, a: usize, b: usize) -> usize {
        self.record(ScalarOp::Sub(a, b))
    }

    /// Records `a · b`.
    pub fn mul(&mut self, a: usize, b: usize) -> usize {
        self.record(ScalarOp::Mul(a, b))
    }

    /// Records `a / b`.
    pub fn div(&mut self, a: usize, b: usize) -> usize {
        self.record(ScalarOp::Div(a, b))
    }

    /// Records `exp(a)`.
    pub fn exp(&mut self, a: usize) -> usize {
        self.record(ScalarOp::Exp(a))
    }

    /// Records `sin(a)`.
    pub fn sin(&mut self, a: usize) -> usize {
        self.record(ScalarOp::Sin(a))
    }

    /// Appends `op`, computing its value from its operands'.
    ///
    /// # Panics
    /// If an operand is not on the tape yet (the tape stays topological).
    #[track_caller]
    pub fn record(&mut self, op: ScalarOp) -> usize {
        let operands = op.operands();
        assert!(
            operands.iter().all(|&k| k < self.nodes.len()),
            "{op}: every operand must be recorded before the node that reads it"
        );
        let value = op.apply(|position| self.nodes[operands[position]].value);
        self.nodes.push(ScalarNode { op, value });
        self.nodes.len() - 1
    }

    /// The local derivative of node `id` with respect to each operand it
    /// reads, `(operand, ∂#id/∂operand)`, one entry per read.
    pub(crate) fn partials(&self, id: usize) -> Vec<(usize, f64)> {
        let value = |k: usize| self.nodes[k].value;
        match self.nodes[id].op {
            ScalarOp::Input => vec![],
            ScalarOp::Add(a, b) => vec![(a, 1.0), (b, 1.0)],
            ScalarOp::Sub(a, b) => vec![(a, 1.0), (b, -1.0)],
            ScalarOp::Mul(a, b) => vec![(a, value(b)), (b, value(a))],
            ScalarOp::Div(a, b) => vec![(a, 1.0 / value(b)), (b, -value(a) / (value(b) * value(b)))],
            ScalarOp::Exp(a) => vec![(a, value(id))],
            ScalarOp::Sin(a) => vec![(a, value(a).cos())],
        }
    }

    /// The nodes that read `node`, one entry per read, in tape order.
    pub fn readers(&self, node: usize) -> Vec<usize> {
        let reads =
            |(id, n): (usize, &ScalarNode)| n.op.operands().into_iter().filter(move |&k| k == node).map(move |_| id);
        self.nodes.iter().enumerate().flat_map(reads).collect()
    }

    /// The value of `output` recomputed from the inputs, with `shift` added
    /// to the chosen reads of one node: differencing two such
    /// recomputations gives a derivative, or one reader's part of it,
    /// without any backward rule.
    pub(crate) fn recompute(&self, output: usize, shift: Shift) -> f64 {
        let mut values: Vec<f64> = Vec::with_capacity(output + 1);
        for (id, node) in self.nodes[..=output].iter().enumerate() {
            let value = match node.op {
                ScalarOp::Input => node.value,
                op => {
                    let operands = op.operands();
                    op.apply(|position| {
                        let k = operands[position];
                        let shifted = k == shift.node && shift.reader.is_none_or(|reader| reader == id);
                        values[k] + if shifted { shift.delta } else { 0.0 }
                    })
                }
            };
            values.push(value);
        }
        values[output]
            + if shift.node == output && shift.reader.is_none() {
                shift.delta
            } else {
                0.0
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recomputing_without_a_shift_gives_the_recorded_values() {
        let mut tape = ScalarTape::new();
        let x = tape.input(0.5);
        let y = tape.input(2.0);
        let quotient = tape.div(x, y);
        let wave = tape.sin(quotient);
        let grown = tape.exp(wave);
        let difference = tape.sub(grown, x);
        let none = Shift {
            node: 0,
            reader: None,
            delta: 0.0,
        };
        for id in 0..tape.len() {
            assert_eq!(tape.recompute(id, none), tape.value(id));
        }
        assert_eq!(tape.value(difference), (0.25f64.sin()).exp() - 0.5);
        assert_eq!(tape.readers(x), [quotient, difference]);
    }

    #[test]
    fn a_shift_reaches_only_the_chosen_reader() {
        // z = x·x + x = 12 at x = 3: each of the three reads contributes.
        let mut tape = ScalarTape::new();
        let x = tape.input(3.0);
        let square = tape.mul(x, x);
        let z = tape.add(square, x);
        let shifted = |reader| {
            tape.recompute(
                z,
                Shift {
                    node: x,
                    reader,
                    delta: 1.0,
                },
            )
        };
        assert_eq!(shifted(None), 4.0 * 4.0 + 4.0);
        assert_eq!(shifted(Some(square)), 4.0 * 4.0 + 3.0); // both reads of the product
        assert_eq!(shifted(Some(z)), 9.0 + 4.0);
        assert_eq!(tape.readers(x), [square, square, z]);
        assert_eq!(ScalarOp::Mul(x, x).to_string(), "mul(#0, #0)");
    }

    #[test]
    fn the_partials_are_the_slopes_of_the_recomputation() {
        let mut tape = ScalarTape::new();
        let (x, y) = (tape.input(0.8), tape.input(-1.3));
        let ops = [
            tape.add(x, y),
            tape.sub(x, y),
            tape.mul(x, y),
            tape.div(x, y),
            tape.exp(x),
            tape.sin(y),
        ];
        for id in ops {
            for (operand, slope) in tape.partials(id) {
                let h = 1e-6;
                let moved = |delta| {
                    let shift = Shift {
                        node: operand,
                        reader: Some(id),
                        delta,
                    };
                    tape.recompute(id, shift)
                };
                let numeric = (moved(h) - moved(-h)) / (2.0 * h);
                assert!(
                    (slope - numeric).abs() < 1e-8,
                    "{}: {slope} vs {numeric}",
                    tape.nodes()[id].op
                );
            }
        }
    }

    #[test]
    #[should_panic(expected = "every operand must be recorded before the node that reads it")]
    fn an_operand_from_the_future_is_refused() {
        let mut tape = ScalarTape::new();
        tape.add(0, 1);
    }
}
