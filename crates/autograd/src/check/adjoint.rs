//! The adjoint test: a VJP checked against the JVP, exactly, with no step size.
//!
//! For any function with Jacobian `J`, any direction `v` and any adjoint
//! `u`, `⟨u, J v⟩ = ⟨Jᵀ u, v⟩`: both sides are the same sum `Σᵢⱼ uᵢ Jᵢⱼ vⱼ`,
//! grouped differently. Forward mode computes `J v` (the JVP), reverse mode
//! `Jᵀ u` (the VJP), by different code. So drawing random `u` and `v` and
//! comparing the two inner products tests the reverse rule against the
//! forward rule with no finite difference: no step `h`, no truncation error,
//! no cancellation to trade against it. The two sides agree to rounding
//! (about 1e-15 relative), where central differences reach about 1e-7; a
//! wrong rule misses by order 1. A random `v` and `u` catch any mistake with
//! probability one, since a wrong `Jᵀ` gives a different bilinear form.
//!
//! What it cannot see: the same mistake in both rules (a wrong derivative
//! written twice). That is what the finite-difference checks are for; the
//! two together are the checker's verdict.

use std::fmt;

use ndarray::{Array2, ArrayView2, Zip};

use crate::check::kink::{Kink, Kinks};
use crate::check::random::SplitMix64;
use crate::forward_mode::push_forward;
use crate::gradcheck::output_weights;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// How far apart, relative to the size of the terms summed, the two sides
/// may be: rounding gives about `1e-16 × (number of terms)`; a wrong rule
/// gives order 1.
pub const ADJOINT_TOLERANCE: f64 = 1e-10;

/// The two sides of `⟨u, J v⟩ = ⟨Jᵀ u, v⟩` for one random `u` and `v`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdjointTest {
    /// `⟨u, J v⟩`, from forward mode.
    pub forward: f64,
    /// `⟨Jᵀ u, v⟩`, from reverse mode.
    pub reverse: f64,
    /// `|forward - reverse|` relative to the sum of the absolute values of
    /// the terms both sides add up (so that cancellation does not inflate it).
    pub gap: f64,
}

impl AdjointTest {
    /// The test of two inner products, each given with the sum of the
    /// absolute values of its terms.
    fn new((forward, forward_scale): (f64, f64), (reverse, reverse_scale): (f64, f64)) -> AdjointTest {
        let scale = forward_scale.max(reverse_scale);
        let difference = (forward - reverse).abs();
        let gap = if difference == 0.0 { 0.0 } else { difference / scale };
        AdjointTest { forward, reverse, gap }
    }

    /// Whether the two sides agree to [`ADJOINT_TOLERANCE`] (a NaN fails).
    pub fn passed(&self) -> bool {
        self.gap <= ADJOINT_TOLERANCE
    }
}

impl fmt::Display for AdjointTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "⟨u, J v⟩ = {:.12e} by forward mode, ⟨Jᵀu, v⟩ = {:.12e} by reverse mode (gap {:.1e})",
            self.forward, self.reverse, self.gap
        )
    }
}

/// `⟨a, b⟩` and `Σ |aᵢⱼ bᵢⱼ|`.
fn inner(a: ArrayView2<f64>, b: ArrayView2<f64>) -> (f64, f64) {
    Zip::from(&a)
        .and(&b)
        .fold((0.0, 0.0), |(sum, scale), x, y| (sum + x * y, scale + (x * y).abs()))
}

/// The adjoint test of one node's rules: `u` an adjoint of its output,
/// `contributions` what its VJP sent each operand for that `u` (the
/// localised check has them already), a random tangent for each operand
/// that wants a gradient, drawn from `seed`. The tangent is 0 at the
/// elements in `kinks`, where no derivative exists to hold the rules to;
/// the test leaves out their columns of `J` on both sides. `None` for a
/// custom op without a JVP rule, and at a pole (say `sqrt` at 0), whose
/// infinite slope makes both sides NaN.
pub(crate) fn node_adjoint_test<'a>(
    tape: &Tape,
    node: NodeId,
    u: &Array2<f64>,
    contributions: impl Iterator<Item = (NodeId, &'a Array2<f64>)>,
    kinks: &[Kink],
    seed: u64,
) -> Option<AdjointTest> {
    let nodes = tape.nodes();
    let this = &nodes[node.index()];
    let mut rng = SplitMix64::new(seed);
    let mut tangents: Vec<Option<Array2<f64>>> = vec![None; node.index()];
    for id in this.op.operands().iter() {
        if nodes[id.index()].requires_grad && tangents[id.index()].is_none() {
            let (rows, cols) = nodes[id.index()].value.dim();
            tangents[id.index()] = Some(rng.matrix(rows, cols, -1.0, 1.0));
        }
    }
    for kink in kinks {
        if let Some(tangent) = &mut tangents[kink.operand.index()] {
            tangent[[kink.row, kink.col]] = 0.0;
        }
    }
    let this_kinks = this.op.spec().kinks;
    let moved = push_forward(&nodes, this, &tangents)?;
    drop(nodes);
    let forward = inner(u.view(), moved.view());
    let reverse = contributions
        .map(|(id, contribution)| {
            let v = tangents[id.index()]
                .as_ref()
                .expect("a tangent for every operand that gets an adjoint");
            inner(contribution.view(), v.view())
        })
        .fold((0.0, 0.0), |(sum, scale), (x, s)| (sum + x, scale + s));
    // Only an op with a pole may be excused a non-finite side: at a relu or
    // a tie the slopes are finite, and NaN there is the rule's fault.
    let may_have_pole = matches!(this_kinks, Kinks::Pole(_) | Kinks::Power | Kinks::Custom);
    let at_pole = may_have_pole && !kinks.is_empty() && (!forward.0.is_finite() || !reverse.0.is_finite());
    (!at_pole).then(|| AdjointTest::new(forward, reverse))
}

/// The adjoint test of the whole function `f` at `inputs`: `J v` by one
/// forward sweep over its tape, `Jᵀ u` by one backward sweep from `⟨u, y⟩`,
/// for `u` the output weights of [`gradcheck`](crate::gradcheck()) and a
/// random `v` from `seed`. `None` when a custom op on the way has no JVP.
pub fn adjoint_test<F>(f: F, inputs: &[Array2<f64>], seed: u64) -> Option<AdjointTest>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let output = f(&tape, &params);
    let u = output_weights(output.shape());
    let mut rng = SplitMix64::new(seed);
    let seeds: Vec<(Var<'_>, Array2<f64>)> = params
        .iter()
        .map(|&p| {
            let (rows, cols) = p.shape();
            (p, rng.matrix(rows, cols, -1.0, 1.0))
        })
        .collect();
    let tangents = tape.tangents(&seeds).ok()?;
    let forward = match &tangents[output.id().index()] {
        Some(moved) => inner(u.view(), moved.view()),
        None => (0.0, 0.0),
    };
    let loss = (output * tape.constant(u)).sum();
    let grads = tape.backward(loss);
    let reverse = seeds
        .iter()
        .map(|(p, v)| inner(grads[*p].view(), v.view()))
        .fold((0.0, 0.0), |(sum, scale), (x, s)| (sum + x, scale + s));
    Some(AdjointTest::new(forward, reverse))
}
