//! Operation counts: the floating-point operations and bytes of every op's
//! forward computation and of the backward work the sweep really does.
//!
//! # Counting convention
//!
//! - **A flop** is one `f64` addition, subtraction, multiplication,
//!   division, comparison (`max`, relu's test) or elementary function call
//!   (`exp`, `ln`, `sqrt`): each counts 1. A sum of `N` numbers counts `N`
//!   (not `N - 1`). So a matrix product of an m x k and a k x n matrix costs
//!   `2mkn`, the usual convention.
//! - **Bytes** are 8 per `f64` (or class label) an op reads from its operands
//!   or writes to its result, each array counted once: the minimum traffic,
//!   as if caches were perfect. Moving a buffer (an adjoint passed on
//!   unchanged) or taking a view (a transpose) is free; copying one is not.
//! - **Backward** counts what `backward.rs` computes for a node the sweep
//!   reaches: a contribution to an operand that needs no gradient (a
//!   constant, or nothing but constants upstream) is skipped, so it costs
//!   nothing; a node that no path from a parameter reaches is not visited.
//!   When a node receives several contributions (fan-out), each one after
//!   the first costs one addition per entry ([`Counts::fan_out`]).
//!   Zero-filling the gradients of parameters the loss does not depend on
//!   is not counted.
//! - **Custom ops** ([`CustomOp`](crate::CustomOp)) run code the engine
//!   cannot see: they are reported as not counted.
//!
//! The ratio of backward to forward work is what the *cheap gradient
//! principle* (Baur and Strassen 1983; Griewank) bounds: reverse mode gets
//! the whole gradient for a small constant multiple of the cost of the
//! function, however many parameters there are. A matrix product whose two
//! operands both need gradients costs exactly twice its forward flops.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign};

use crate::inspect::text;
use crate::op::Op;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// Bytes per `f64`, and per class label.
const WORD: u64 = 8;

/// An amount of work: floating-point operations and bytes moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Floating-point operations.
    pub flops: u64,
    /// Bytes read and written.
    pub bytes: u64,
}

impl Cost {
    /// No work.
    pub const ZERO: Cost = Cost { flops: 0, bytes: 0 };

    /// `flops` operations touching `words` numbers of 8 bytes.
    fn new(flops: usize, words: usize) -> Cost {
        Cost {
            flops: flops as u64,
            bytes: words as u64 * WORD,
        }
    }
}

impl Add for Cost {
    type Output = Cost;

    fn add(self, other: Cost) -> Cost {
        Cost {
            flops: self.flops + other.flops,
            bytes: self.bytes + other.bytes,
        }
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, other: Cost) {
        *self = *self + other;
    }
}

impl Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(costs: I) -> Cost {
        costs.fold(Cost::ZERO, Add::add)
    }
}

/// The work of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeCount {
    /// The node.
    pub node: NodeId,
    /// Its op, with any number it carries (`scale[0.5]`).
    pub op: String,
    /// The shape of its value.
    pub shape: (usize, usize),
    /// The forward computation; `None` for a custom op (not counted).
    pub forward: Option<Cost>,
    /// The backward work; `Some(Cost::ZERO)` when the sweep does not visit
    /// the node (a leaf, or no parameter upstream); `None` for a custom op
    /// the sweep visits (not counted).
    pub backward: Option<Cost>,
    /// Whether the backward sweep visits the node and applies its VJP.
    pub visited: bool,
}

/// The work of a whole tape, forward and backward from one loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Counts {
    /// Every node, in tape order.
    pub nodes: Vec<NodeCount>,
    /// The forward computation of every node on the tape.
    pub forward: Cost,
    /// The backward sweep: every visited node's VJP plus [`Counts::fan_out`].
    pub backward: Cost,
    /// Summing the contributions of fan-out: each contribution a node
    /// receives after its first.
    pub fan_out: Cost,
    /// How many custom-op nodes are left out of the sums.
    pub uncounted: usize,
}

impl Counts {
    /// Backward flops over forward flops; `None` if the forward did none.
    pub fn flop_ratio(&self) -> Option<f64> {
        ratio(self.backward.flops, self.forward.flops)
    }

    /// Backward bytes over forward bytes; `None` if the forward moved none.
    pub fn byte_ratio(&self) -> Option<f64> {
        ratio(self.backward.bytes, self.forward.bytes)
    }
}

fn ratio(backward: u64, forward: u64) -> Option<f64> {
    (forward > 0).then(|| backward as f64 / forward as f64)
}

/// Counts the forward work of every node on `tape` and the backward work of
/// a sweep from `loss`, by the [counting convention](crate::inspect::counts).
///
/// ```
/// use autograd::{inspect, Tape};
/// use ndarray::Array2;
///
/// // (2 x 3)(3 x 4): 2·2·3·4 = 48 flops forward; both operands need a
/// // gradient, so backward does two such products: 96.
/// let tape = Tape::new();
/// let a = tape.parameter(Array2::ones((2, 3)));
/// let b = tape.parameter(Array2::ones((3, 4)));
/// let product = a.matmul(b);
/// let counts = inspect::count(&tape, product.sum());
/// assert_eq!(counts.nodes[2].forward.unwrap().flops, 48);
/// assert_eq!(counts.nodes[2].backward.unwrap().flops, 96);
/// ```
///
/// # Panics
/// If `loss` lives on another tape.
#[track_caller]
pub fn count(tape: &Tape, loss: Var<'_>) -> Counts {
    loss.assert_same_tape(tape, "count");
    let nodes = tape.nodes();
    let shape = |id: NodeId| nodes[id.index()].value.dim();
    let wants = |id: NodeId| nodes[id.index()].requires_grad;

    // Which nodes the sweep visits, and how many contributions each receives.
    let mut visited = vec![false; nodes.len()];
    let mut received = vec![0_usize; nodes.len()];
    visited[loss.id().index()] = true;
    for index in (0..=loss.id().index()).rev() {
        if !visited[index] || nodes[index].op.is_leaf() {
            visited[index] = false;
            continue;
        }
        for &operand in nodes[index].op.operands().iter().filter(|id| wants(**id)) {
            received[operand.index()] += 1;
            visited[operand.index()] = true;
        }
    }

    let mut counts = Counts {
        nodes: Vec::with_capacity(nodes.len()),
        forward: Cost::ZERO,
        backward: Cost::ZERO,
        fan_out: Cost::ZERO,
        uncounted: 0,
    };
    for (index, node) in nodes.iter().enumerate() {
        let out = node.value.dim();
        let cost = op_cost(&node.op, out, shape, wants);
        let backward = match (visited[index], cost) {
            (false, _) => Some(Cost::ZERO),
            (true, cost) => cost.map(|cost| cost.backward),
        };
        let extra_contributions = received[index].saturating_sub(1);
        counts.fan_out += Cost::new(
            extra_contributions * out.0 * out.1,
            3 * extra_contributions * out.0 * out.1,
        );
        counts.forward += cost.map_or(Cost::ZERO, |cost| cost.forward);
        counts.backward += backward.unwrap_or(Cost::ZERO);
        counts.uncounted += usize::from(cost.is_none());
        counts.nodes.push(NodeCount {
            node: NodeId(index),
            op: node.op.label(),
            shape: out,
            forward: cost.map(|cost| cost.forward),
            backward,
            visited: visited[index],
        });
    }
    counts.backward += counts.fan_out;
    counts
}

/// The forward and backward work of one op.
#[derive(Clone, Copy, Debug)]
struct OpCost {
    forward: Cost,
    backward: Cost,
}

/// How an op's work is counted: the column of [`SPECS`](crate::op::SPECS)
/// that [`count`] reads. Each variant is a pattern that several ops share;
/// `n` is the number of entries of the op's output, `N` of its operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostRule {
    /// No arithmetic: a leaf, or a view (transpose).
    Free,
    /// A matrix product (m x k)(k x n): `2mkn` flops forward, and as many for
    /// each operand's adjoint (`G Bᵀ` and `Aᵀ G`).
    MatMul,
    /// Element-wise on one operand: `forward` flops per entry, reading the
    /// operand and writing the output; backward as the [`PerEntry`] says.
    Map {
        /// Flops per entry forward.
        forward: usize,
        /// The backward work per entry.
        backward: PerEntry,
    },
    /// Element-wise on two operands of the same shape, or with one of them
    /// broadcast (see [`PerEntry`] for each operand's adjoint; a broadcast
    /// operand's is then summed over the broadcast axes, one flop per entry
    /// of `G`).
    Zip {
        /// Flops per entry forward.
        forward: usize,
        /// The backward work per entry, for each operand.
        backward: [PerEntry; 2],
    },
    /// A whole matrix to one number: `forward.0` flops per entry of the
    /// operand plus `forward.1`, reading it and writing 1; backward
    /// `backward.0` per entry plus `backward.1`, writing `dA` (and reading
    /// `A` when `backward_reads_a`).
    Reduce {
        /// Flops per entry and extra flops, forward.
        forward: (usize, usize),
        /// Flops per entry and extra flops, backward.
        backward: (usize, usize),
        /// Whether the rule reads `A` (not only `g`).
        backward_reads_a: bool,
    },
    /// Along one axis (`sum_axis`, `mean_axis`, `max_axis`): `forward.0`
    /// flops per entry of the operand plus `forward.1` per entry of the
    /// output, reading the operand and writing the output; backward
    /// `backward` flops per entry of `A`, reading `G` and writing `dA`
    /// (and reading `A` and `C` too when `backward_reads_a`).
    Axis {
        /// Flops per entry of `A` and per entry of `C`, forward.
        forward: (usize, usize),
        /// Flops per entry of `A`, backward.
        backward: usize,
        /// Whether the rule reads `A` and `C` (not only `G`).
        backward_reads_a: bool,
    },
    /// Row by row: `forward.0` flops per entry plus `forward.1` per row,
    /// reading the operand and writing the output; backward `backward`
    /// flops per entry, reading `G` and the output and writing `dA`.
    Rows {
        /// Flops per entry and per row, forward.
        forward: (usize, usize),
        /// Flops per entry, backward.
        backward: usize,
    },
    /// Cross-entropy: per row of k logits, max, shift, exp and sum (4k), ln,
    /// add, minus the label's logit, add to the total (4), and the
    /// probabilities divided by their sum (k), saved for backward; then one
    /// division. Backward: the scale `g / m`, each saved probability times
    /// it (k per row) and the one-hot subtraction (1 per row).
    CrossEntropy,
    /// Binary cross-entropy of N logits: per entry, max, product, difference,
    /// absolute value, negation, exp, log1p and sum (8), then one division.
    /// Backward: `dZ` per entry σ(Z) (3), minus T, times the scale (5 in
    /// all), reading Z and T; `dT` per entry one product, reading Z.
    BceWithLogits,
    /// A custom op runs code the engine cannot see: not counted.
    NotCounted,
}

/// The backward work of an element-wise rule for one operand, per entry of
/// `G`: `flops` operations reading `G` and `reads_besides_g` more arrays of
/// its size, writing the contribution. With `flops = 0` the rule passes `G`
/// on unchanged, which is free, except that only one operand can take `G`
/// itself: another operand that needs `G` as it is works on a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerEntry {
    /// Flops per entry.
    pub flops: usize,
    /// Arrays read besides `G` (the operand, the other operand, the output).
    pub reads_besides_g: usize,
}

/// The rule passes `G` on unchanged (`add`: `dA = G`).
pub const PASS_G: PerEntry = PerEntry {
    flops: 0,
    reads_besides_g: 0,
};

/// One operation on `G` alone (`neg`: `dA = -G`).
pub const ON_G: PerEntry = PerEntry {
    flops: 1,
    reads_besides_g: 0,
};

/// `G` times, or masked by, one other array (`relu`: `dA = G⊙[A > 0]`).
pub const READS_ONE: PerEntry = PerEntry {
    flops: 1,
    reads_besides_g: 1,
};

impl CostRule {
    /// [`CostRule::Map`] (for the table, which needs a `const fn`).
    pub const fn map(forward: usize, backward: PerEntry) -> CostRule {
        CostRule::Map { forward, backward }
    }

    /// [`CostRule::Zip`] (for the table).
    pub const fn zip(forward: usize, backward: [PerEntry; 2]) -> CostRule {
        CostRule::Zip { forward, backward }
    }

    /// [`CostRule::Reduce`] (for the table).
    pub const fn reduce(forward: (usize, usize), backward: (usize, usize), backward_reads_a: bool) -> CostRule {
        CostRule::Reduce {
            forward,
            backward,
            backward_reads_a,
        }
    }

    /// [`CostRule::Axis`] (for the table).
    pub const fn axis(forward: (usize, usize), backward: usize, backward_reads_a: bool) -> CostRule {
        CostRule::Axis {
            forward,
            backward,
            backward_reads_a,
        }
    }

    /// [`CostRule::Rows`] (for the table).
    pub const fn rows(forward: (usize, usize), backward: usize) -> CostRule {
        CostRule::Rows { forward, backward }
    }
}

impl PerEntry {
    /// `flops` per entry, reading `G` and `reads_besides_g` more arrays.
    pub const fn new(flops: usize, reads_besides_g: usize) -> PerEntry {
        PerEntry { flops, reads_besides_g }
    }
}

/// The work of `op` by its [`CostRule`]: `out` is the shape of the op's
/// value, `shape` gives an operand's, and `wants` says whether an operand
/// needs a gradient. The backward column is the work of applying the op's
/// VJP once (see `backward.rs` for the code it counts); an operand that
/// needs no gradient costs nothing.
fn op_cost(
    op: &Op,
    out: (usize, usize),
    shape: impl Fn(NodeId) -> (usize, usize),
    wants: impl Fn(NodeId) -> bool,
) -> Option<OpCost> {
    let n = out.0 * out.1;
    let operands = op.operands();
    let entries = |position: usize| {
        let (rows, cols) = shape(operands[position]);
        rows * cols
    };
    let when = |condition: bool, cost: Cost| if condition { cost } else { Cost::ZERO };
    let (forward, backward) = match op.spec().cost {
        CostRule::Free => (Cost::ZERO, Cost::ZERO),
        CostRule::NotCounted => return None,
        CostRule::MatMul => {
            let ((m, k), (_, cols)) = (shape(operands[0]), shape(operands[1]));
            let product = Cost::new(2 * m * k * cols, m * k + k * cols + m * cols);
            (
                product,
                when(wants(operands[0]), product) + when(wants(operands[1]), product),
            )
        }
        CostRule::Map { forward, backward } => (
            Cost::new(forward * n, 2 * n),
            // The single operand is the first to take G.
            per_entry(backward, n, false),
        ),
        CostRule::Zip { forward, backward } => {
            let mut g_taken = false;
            let mut total = Cost::ZERO;
            for (position, rule) in backward.into_iter().enumerate() {
                if !wants(operands[position]) {
                    continue;
                }
                let size = entries(position);
                if size == n {
                    total += per_entry(rule, n, g_taken);
                    g_taken |= rule == PASS_G;
                } else {
                    // Broadcast: G's n entries summed into the operand's
                    // shape, after the rule's work when it reads another
                    // array, or before it when it works on G alone.
                    let sum = Cost::new(n, n + size);
                    total += match rule.reads_besides_g {
                        0 => sum + per_entry(rule, size, false),
                        _ => per_entry(rule, n, false) + sum,
                    };
                }
            }
            (Cost::new(forward * n, n + entries(0) + entries(1)), total)
        }
        CostRule::Reduce {
            forward,
            backward,
            backward_reads_a,
        } => {
            let big_n = entries(0);
            (
                Cost::new(forward.0 * big_n + forward.1, big_n + 1),
                Cost::new(
                    backward.0 * big_n + backward.1,
                    (1 + usize::from(backward_reads_a)) * big_n,
                ),
            )
        }
        CostRule::Axis {
            forward,
            backward,
            backward_reads_a,
        } => {
            let big_n = entries(0);
            let reads = if backward_reads_a { big_n + n } else { 0 };
            (
                Cost::new(forward.0 * big_n + forward.1 * n, big_n + n),
                Cost::new(backward * big_n, n + big_n + reads),
            )
        }
        CostRule::BceWithLogits => {
            let big_n = entries(0);
            (
                Cost::new(8 * big_n + 1, 2 * big_n + 1),
                when(wants(operands[0]), Cost::new(5 * big_n, 3 * big_n))
                    + when(wants(operands[1]), Cost::new(big_n, 2 * big_n)),
            )
        }
        CostRule::Rows { forward, backward } => {
            let (m, k) = out;
            (
                Cost::new(m * (forward.0 * k + forward.1), 2 * n),
                Cost::new(backward * n, 3 * n),
            )
        }
        CostRule::CrossEntropy => {
            let (m, k) = shape(operands[0]);
            (
                Cost::new(m * (5 * k + 4) + 1, 2 * m * k + m + 1),
                Cost::new(m * (k + 1) + 1, 2 * m * k + m + 1),
            )
        }
    };
    Some(OpCost { forward, backward })
}

/// The backward work of one operand's element-wise rule over `n` entries
/// (see [`PerEntry`]); `g_taken` says whether another operand already took
/// `G` itself, so that passing it on costs a copy.
fn per_entry(rule: PerEntry, n: usize, g_taken: bool) -> Cost {
    match (rule.flops, g_taken) {
        (0, false) => Cost::ZERO,
        (0, true) => Cost::new(0, 2 * n),
        (flops, taken) => {
            // An in-place rule on G alone needs its own copy of G first.
            let copy = if taken && rule.reads_besides_g == 0 {
                Cost::new(0, 2 * n)
            } else {
                Cost::ZERO
            };
            copy + Cost::new(flops * n, (2 + rule.reads_besides_g) * n)
        }
    }
}

impl fmt::Display for Counts {
    /// A table: one line per node, then the fan-out sums, the totals and
    /// the backward/forward ratio. `-` marks a node the sweep does not visit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell =
            |cost: Option<Cost>, pick: fn(Cost) -> u64| cost.map_or("not counted".to_owned(), |c| pick(c).to_string());
        let flops = |c: Cost| c.flops;
        let bytes = |c: Cost| c.bytes;
        let op_width = self
            .nodes
            .iter()
            .map(|n| n.op.chars().count())
            .max()
            .unwrap_or(0)
            .max(14);
        writeln!(
            f,
            "{:<6}{:<op_width$}  {:>7}  {:>14}  {:>14}  {:>14}  {:>14}",
            "node", "op", "shape", "forward flops", "forward bytes", "backward flops", "backward bytes"
        )?;
        for node in &self.nodes {
            let (back_flops, back_bytes) = if node.visited {
                (cell(node.backward, flops), cell(node.backward, bytes))
            } else {
                ("-".to_owned(), "-".to_owned())
            };
            writeln!(
                f,
                "{:<6}{:<op_width$}  {:>7}  {:>14}  {:>14}  {back_flops:>14}  {back_bytes:>14}",
                node.node.to_string(),
                node.op,
                text::shape(node.shape),
                cell(node.forward, flops),
                cell(node.forward, bytes),
            )?;
        }
        let blank = "";
        writeln!(
            f,
            "{blank:<6}{:<op_width$}  {blank:>7}  {blank:>14}  {blank:>14}  {:>14}  {:>14}",
            "fan-out sums", self.fan_out.flops, self.fan_out.bytes
        )?;
        writeln!(
            f,
            "{blank:<6}{:<op_width$}  {blank:>7}  {:>14}  {:>14}  {:>14}  {:>14}",
            "total", self.forward.flops, self.forward.bytes, self.backward.flops, self.backward.bytes
        )?;
        let show = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{r:.2}"));
        write!(
            f,
            "backward / forward: {} x the flops, {} x the bytes",
            show(self.flop_ratio()),
            show(self.byte_ratio())
        )?;
        if self.uncounted > 0 {
            write!(f, " ({} custom-op nodes not counted)", self.uncounted)?;
        }
        writeln!(f)
    }
}
