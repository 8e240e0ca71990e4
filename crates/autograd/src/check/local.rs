//! The localised check: every node's VJP, on its own, against central
//! differences of that node's forward alone.
//!
//! For a node `Y = f(X₁, ..., Xₖ)` and any adjoint `G` of its output, the VJP
//! must send to operand `Xₚ` the gradient of the scalar `⟨G, f(X)⟩ = Σ G ⊙ f(X)`
//! with respect to `Xₚ`. So each entry `(i, j)` can be checked by
//!
//! ```text
//! (⟨G, f(.., Xₚ + h eᵢⱼ, ..)⟩ - ⟨G, f(.., Xₚ - h eᵢⱼ, ..)⟩) / 2h  ≈  VJP(G)ₚ[i, j]
//! ```
//!
//! re-evaluating only this node's forward, at the operand values the tape
//! actually recorded. A wrong rule fails at its own node and nowhere else:
//! its neighbours are checked with the same `G` whatever the wrong rule sent
//! them, so the report names the broken rule rather than the whole function.

use std::fmt;
use std::panic::Location;

use ndarray::{Array2, ArrayView2, Zip};

use crate::backward::{SweepObserver, node_vjp};
use crate::check::adjoint::{AdjointTest, node_adjoint_test};
use crate::check::kink::{Kink, kink};
use crate::check::pattern::{Pattern, adjoint_pattern, pattern};
use crate::check::random::SplitMix64;
use crate::forward;
use crate::gradcheck::{ElementCheck, GradCheck};
use crate::tape::{NodeId, Tape};
use crate::value::Value;
use crate::var::Var;

/// Which adjoint `G` each node's VJP is checked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adjoint {
    /// The adjoint that reached the node in the backward sweep from the
    /// loss. Nodes it never reached are not checked.
    Arrived,
    /// A fresh adjoint for every node, entries uniform in `[-1, 1)`, drawn
    /// from this seed: every node up to the loss is checked, and no entry of
    /// `G` is zero by accident (an adjoint of zeros would pass any rule).
    Random(u64),
}

/// The settings of a localised check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalCheck {
    /// Step and tolerances, as for the whole-function [`GradCheck`].
    pub tolerance: GradCheck,
    /// The adjoint each VJP is applied to.
    pub adjoint: Adjoint,
}

impl Default for LocalCheck {
    /// The default [`GradCheck`] tolerances and a random adjoint from seed 0.
    fn default() -> Self {
        LocalCheck {
            tolerance: GradCheck::default(),
            adjoint: Adjoint::Random(0),
        }
    }
}

/// The check of one node's VJP.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeCheck {
    /// The node.
    pub node: NodeId,
    /// Its op's name.
    pub op: String,
    /// Its op's VJP as one line ([`Op::formula`](crate::Op::formula)).
    pub formula: String,
    /// Where the node was recorded in the caller's code.
    pub location: &'static Location<'static>,
    /// The operands that receive an adjoint, each checked; the `input` of an
    /// [`ElementCheck`] below is a position in this list.
    pub operands: Vec<NodeId>,
    /// How many elements were compared.
    pub compared: usize,
    /// How many of them disagree beyond the tolerance.
    pub failed: usize,
    /// The largest absolute error.
    pub max_abs_error: f64,
    /// The largest relative error (over derivatives of at least
    /// [`RELATIVE_ERROR_FLOOR`](crate::gradcheck::RELATIVE_ERROR_FLOOR)).
    pub max_rel_error: f64,
    /// The element closest to failing, or furthest past it.
    pub worst: Option<ElementCheck>,
    /// The elements skipped because they sit at a kink.
    pub kinks: Vec<Kink>,
    /// Why the rule is wrong, when the worst operand's mistake has a
    /// recognisable shape (see [`Pattern`]); `None` when it passes.
    pub pattern: Option<Pattern>,
    /// The adjoint test of the node's VJP against its JVP (see
    /// [`AdjointTest`]), its tangents zero at the elements at a kink;
    /// `None` for a custom op without a JVP rule, and at a pole.
    pub adjoint: Option<AdjointTest>,
}

impl NodeCheck {
    /// Whether every compared element agrees and the adjoint test (when
    /// there is one) passes.
    pub fn passed(&self) -> bool {
        self.failed == 0 && self.adjoint.is_none_or(|test| test.passed())
    }

    /// The node id of the operand the worst element belongs to.
    pub fn worst_operand(&self) -> Option<NodeId> {
        self.worst.map(|element| self.operands[element.input])
    }
}

/// The outcome of a localised check: one entry per checked node, in tape order.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalReport {
    /// Every checked node.
    pub nodes: Vec<NodeCheck>,
}

impl LocalReport {
    /// Whether every node passed (elements at a kink do not count).
    pub fn passed(&self) -> bool {
        self.nodes.iter().all(NodeCheck::passed)
    }

    /// The nodes whose VJP disagrees with the finite differences.
    pub fn failures(&self) -> impl Iterator<Item = &NodeCheck> {
        self.nodes.iter().filter(|node| !node.passed())
    }

    /// Every skipped element, with its node.
    pub fn kinks(&self) -> impl Iterator<Item = (&NodeCheck, &Kink)> {
        self.nodes
            .iter()
            .flat_map(|node| node.kinks.iter().map(move |kink| (node, kink)))
    }

    /// How many elements were compared, over all nodes.
    pub fn compared(&self) -> usize {
        self.nodes.iter().map(|node| node.compared).sum()
    }

    /// The largest absolute error over all nodes.
    pub fn max_abs_error(&self) -> f64 {
        self.nodes.iter().map(|node| node.max_abs_error).fold(0.0, f64::max)
    }

    /// The largest relative error over all nodes.
    pub fn max_rel_error(&self) -> f64 {
        self.nodes.iter().map(|node| node.max_rel_error).fold(0.0, f64::max)
    }

    /// The largest adjoint-test gap over the nodes that have the test (a NaN
    /// gap counts as infinite), and how many have it.
    pub fn max_adjoint_gap(&self) -> (f64, usize) {
        let gaps = self.nodes.iter().filter_map(|node| node.adjoint.map(|test| test.gap));
        gaps.fold((0.0, 0), |(worst, count), gap| {
            let gap = if gap.is_nan() { f64::INFINITY } else { gap };
            (worst.max(gap), count + 1)
        })
    }
}

impl LocalCheck {
    /// Checks the VJP of every non-leaf node up to `loss` that backward
    /// differentiates (a parameter lies upstream of it).
    ///
    /// # Panics
    /// If `loss` is not 1 x 1 or lives on another tape (as
    /// [`Tape::backward`] does).
    #[track_caller]
    pub fn run(&self, tape: &Tape, loss: Var<'_>) -> LocalReport {
        loss.assert_same_tape(tape, "LocalCheck::run");
        let shape = loss.shape();
        assert!(
            shape == (1, 1),
            "LocalCheck::run: the loss must be 1 x 1, got shape {shape:?}"
        );
        let adjoints: Vec<Option<Array2<f64>>> = match self.adjoint {
            Adjoint::Arrived => {
                let mut arrivals = Arrivals(vec![None; loss.id().index() + 1]);
                let _ = tape.backward_observed(loss, &mut arrivals);
                arrivals.0
            }
            Adjoint::Random(seed) => {
                let mut rng = SplitMix64::new(seed);
                let nodes = tape.nodes();
                nodes[..=loss.id().index()]
                    .iter()
                    .map(|node| {
                        let (rows, cols) = node.value.dim();
                        let wanted = node.requires_grad && !node.op.is_leaf();
                        wanted.then(|| rng.matrix(rows, cols, -1.0, 1.0))
                    })
                    .collect()
            }
        };
        let nodes = adjoints
            .into_iter()
            .enumerate()
            .filter_map(|(index, adjoint)| Some(self.check_node(tape, NodeId(index), adjoint?)))
            .collect();
        LocalReport { nodes }
    }

    /// Checks the VJP of the single node `node` applied to `adjoint` (the
    /// shape of the node's value).
    ///
    /// # Panics
    /// If `node` is a leaf, or `adjoint` has the wrong shape.
    pub fn check_node(&self, tape: &Tape, node: NodeId, adjoint: Array2<f64>) -> NodeCheck {
        let nodes = tape.nodes();
        let op = &nodes[node.index()].op;
        assert!(!op.is_leaf(), "check_node: node {node} is a leaf, which has no VJP");
        assert_eq!(
            adjoint.dim(),
            nodes[node.index()].value.dim(),
            "check_node: the adjoint must have the shape of node {node}'s value"
        );
        let contributions = node_vjp(tape, node, adjoint.clone());
        let operand_ids = op.operands();
        let operand_values: Vec<ArrayView2<f64>> = operand_ids.iter().map(|id| nodes[id.0].value.view()).collect();
        let step = self.tolerance.step;

        let mut check = NodeCheck {
            node,
            op: op.name().to_owned(),
            formula: op.formula(),
            location: nodes[node.index()].location,
            operands: Vec::with_capacity(contributions.len()),
            compared: 0,
            failed: 0,
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            worst: None,
            kinks: Vec::new(),
            pattern: None,
            adjoint: None,
        };
        let mut worst_ratio = -1.0;
        // Per operand: the analytic contribution, and the numeric one (NaN where skipped).
        let mut compared = Vec::with_capacity(contributions.len());
        for (input, (operand, analytic)) in contributions.into_iter().enumerate() {
            let mut numeric = Array2::from_elem(analytic.dim(), f64::NAN);
            check.operands.push(operand);
            let positions: Vec<usize> = (0..operand_ids.len()).filter(|&p| operand_ids[p] == operand).collect();
            let original = nodes[operand.0].value.view();
            let mut perturbed = Value::Owned(original.to_owned());
            for ((row, col), &analytic) in analytic.indexed_iter() {
                let at_kink = positions
                    .iter()
                    .find_map(|&position| kink(op, &operand_values, position, (row, col), step));
                if let Some(reason) = at_kink {
                    check.kinks.push(Kink {
                        operand,
                        row,
                        col,
                        reason,
                    });
                    continue;
                }
                let x = original[[row, col]];
                let (up, down) = (x + step, x - step);
                let mut output_at = |value: f64| {
                    perturbed.view_mut()[[row, col]] = value;
                    forward::evaluate(
                        op,
                        |id| if id == operand { &perturbed } else { &nodes[id.0].value },
                        tape.kernels(),
                    )
                    .value
                };
                let output_up = output_at(up);
                let output_down = output_at(down);
                perturbed.view_mut()[[row, col]] = x;
                // ⟨G, f(x + h) - f(x - h)⟩ / (x₊ - x₋): differencing before
                // weighting loses less to rounding, and dividing by the step
                // actually taken removes the rounding of x ± h.
                let difference = Zip::from(output_up.view())
                    .and(output_down.view())
                    .and(&adjoint)
                    .fold(0.0, |sum, up, down, g| sum + g * (up - down));
                let element = ElementCheck {
                    input,
                    row,
                    col,
                    analytic,
                    numeric: difference / (up - down),
                };
                numeric[[row, col]] = element.numeric;
                check.compared += 1;
                check.max_abs_error = check.max_abs_error.max(element.abs_error());
                if let Some(rel_error) = element.rel_error() {
                    check.max_rel_error = check.max_rel_error.max(rel_error);
                }
                let tolerance = self.tolerance.abs_tol + self.tolerance.rel_tol * element.numeric.abs();
                let ratio = element.abs_error() / tolerance;
                // A NaN error is a failure, and the worst one.
                let ratio = if ratio.is_nan() { f64::INFINITY } else { ratio };
                if ratio > 1.0 {
                    check.failed += 1;
                }
                if ratio > worst_ratio {
                    worst_ratio = ratio;
                    check.worst = Some(element);
                }
            }
            compared.push((analytic, numeric));
        }
        let sent = check
            .operands
            .iter()
            .copied()
            .zip(compared.iter().map(|(analytic, _)| analytic));
        check.adjoint = node_adjoint_test(tape, node, &adjoint, sent, &check.kinks, node.index() as u64);
        if let Some(worst) = check.worst.filter(|_| check.failed > 0) {
            let (analytic, numeric) = &compared[worst.input];
            check.pattern = if ignores_adjoint(tape, node, &adjoint, analytic, worst.input) {
                Some(Pattern::IgnoresAdjoint)
            } else {
                pattern(analytic.view(), numeric.view(), PATTERN_TOLERANCE)
                    .or_else(|| adjoint_pattern(analytic.view(), adjoint.view(), PATTERN_TOLERANCE))
            };
        }
        check
    }
}

/// How close, relative to the largest numeric derivative, two matrices
/// must be to count as equal when a [`Pattern`] is matched: well above the
/// finite differences' error, well below any real mistake's.
const PATTERN_TOLERANCE: f64 = 1e-5;

/// Whether `node`'s rule sends operand number `input` the same `analytic`
/// contribution for a second, different adjoint (`0.5 - 2 G`): a rule that
/// is linear in `G`, as every VJP must be, cannot, unless it sends zero.
fn ignores_adjoint(tape: &Tape, node: NodeId, adjoint: &Array2<f64>, analytic: &Array2<f64>, input: usize) -> bool {
    let other = adjoint.mapv(|g| 0.5 - 2.0 * g);
    let scale = analytic.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let Some((_, again)) = node_vjp(tape, node, other).into_iter().nth(input) else {
        return false;
    };
    scale > 0.0
        && Zip::from(analytic)
            .and(&again)
            .all(|a, b| (a - b).abs() <= PATTERN_TOLERANCE * scale)
}

/// Keeps the adjoint of every node the backward sweep reaches.
struct Arrivals(Vec<Option<Array2<f64>>>);

impl SweepObserver for Arrivals {
    fn visit(&mut self, node: NodeId, adjoint: &Array2<f64>) {
        self.0[node.index()] = Some(adjoint.clone());
    }
}

impl fmt::Display for NodeCheck {
    /// Several lines: the verdict, the op and where it was recorded, its
    /// rule, the worst element, and the skipped elements.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "ok  " } else { "FAIL" };
        writeln!(
            f,
            "{verdict} node {} {} recorded at {}:{}",
            self.node,
            self.op,
            self.location.file(),
            self.location.line()
        )?;
        writeln!(f, "     rule:  {}", self.formula)?;
        if let (Some(worst), Some(operand)) = (self.worst, self.worst_operand()) {
            write!(
                f,
                "     worst: d(node {operand})[{}, {}]: analytic {:.6e}, numeric {:.6e} (abs error {:.2e}",
                worst.row,
                worst.col,
                worst.analytic,
                worst.numeric,
                worst.abs_error()
            )?;
            match worst.rel_error() {
                Some(rel_error) => writeln!(f, ", rel error {rel_error:.2e})")?,
                None => writeln!(f, ")")?,
            }
        }
        if let Some(pattern) = self.pattern {
            writeln!(f, "     why:   {pattern}")?;
        }
        match self.adjoint {
            Some(test) if !test.passed() => writeln!(f, "     adjoint test FAILED: {test}")?,
            Some(test) if !self.passed() => writeln!(f, "     adjoint test: {test}")?,
            None if !self.passed() && !self.kinks.is_empty() => {
                writeln!(f, "     adjoint test: not run (an operand sits at a pole)")?
            }
            None if !self.passed() => writeln!(f, "     adjoint test: not run (the custom op has no JVP rule)")?,
            _ => {}
        }
        write!(f, "     {} of {} elements disagree", self.failed, self.compared)?;
        for kink in &self.kinks {
            write!(
                f,
                "\n     d(node {})[{}, {}]: at a kink, skipped: {}",
                kink.operand, kink.row, kink.col, kink.reason
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for LocalReport {
    /// A summary line, then every failing node and every node with a kink.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failures = self.failures().count();
        let kinks = self.kinks().count();
        let (gap, tested) = self.max_adjoint_gap();
        write!(
            f,
            "localised check: {failures} of {} nodes fail ({} elements compared, {kinks} at a kink, skipped; \
             adjoint test on {tested} nodes, largest gap {gap:.1e})",
            self.nodes.len(),
            self.compared()
        )?;
        for node in &self.nodes {
            if !node.passed() || !node.kinks.is_empty() {
                write!(f, "\n{node}")?;
            }
        }
        Ok(())
    }
}
