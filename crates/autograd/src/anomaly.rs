//! Anomaly detection: which op first produced a NaN or an infinity.
//!
//! A NaN in a loss says that something went wrong, not where. Because the
//! tape is in computation order, the first node whose value is not finite is
//! the op that produced the first bad value; in the backward sweep, the
//! first node that sends a non-finite contribution while its own adjoint is
//! finite is the rule that produced the first bad gradient. (PyTorch's
//! `detect_anomaly` answers the same question.)

use std::fmt;
use std::panic::Location;

use ndarray::{Array2, ArrayView2};

use crate::backward::SweepObserver;
use crate::kernels::vectorised;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// Where a non-finite value first appeared.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// The node whose op produced it.
    pub node: NodeId,
    /// The op's name.
    pub op: String,
    /// Where the node was recorded in the caller's code.
    pub location: &'static Location<'static>,
    /// Forward (the op's value) or backward (its VJP).
    pub pass: Pass,
}

/// Which sweep an [`Anomaly`] was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The op's value is not finite though its operands are.
    Forward,
    /// The op's VJP sent a non-finite contribution though its adjoint is finite.
    Backward,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.pass {
            Pass::Forward => "value",
            Pass::Backward => "gradient",
        };
        write!(
            f,
            "first non-finite {what} from {} (node {}, recorded at {}:{})",
            self.op,
            self.node,
            self.location.file(),
            self.location.line()
        )
    }
}

impl Tape {
    /// The first node, in recording order, whose value contains a NaN or an
    /// infinity: leaves included (bad data), so a non-finite input is named
    /// as such rather than blamed on the op that read it.
    pub fn first_non_finite_value(&self) -> Option<Anomaly> {
        let nodes = self.nodes();
        let index = nodes.iter().position(|node| !all_finite(node.value.view()))?;
        let node = &nodes[index];
        Some(Anomaly {
            node: NodeId(index),
            op: node.op.name().to_owned(),
            location: node.location,
            pass: Pass::Forward,
        })
    }

    /// Repeats the backward sweep from `loss` and returns the first node
    /// (in sweep order) whose finite adjoint became a non-finite
    /// contribution to an operand, if any.
    #[track_caller]
    pub fn first_non_finite_gradient(&self, loss: Var<'_>) -> Option<Anomaly> {
        let mut detector = Detector::default();
        let _ = self.backward_observed(loss, &mut detector);
        let index = detector.culprit?.index();
        let nodes = self.nodes();
        Some(Anomaly {
            node: NodeId(index),
            op: nodes[index].op.name().to_owned(),
            location: nodes[index].location,
            pass: Pass::Backward,
        })
    }
}

/// Whether every entry of `values` is finite (no NaN, no infinity): the
/// check a training loop runs on its gradients at every step, so it walks
/// contiguous memory as a plain slice when it can.
pub fn all_finite(values: ArrayView2<'_, f64>) -> bool {
    match values.as_slice_memory_order() {
        // x · 0 is 0 for a finite x and NaN for ±inf or NaN, so the sum of
        // the products is NaN exactly when some entry is not finite; eight
        // running sums without an early exit let the compiler vectorise it.
        Some(slice) => vectorised(slice.len(), || {
            let mut lanes = [0.0; 8];
            let chunks = slice.chunks_exact(8);
            let tail = chunks.remainder().iter().fold(0.0, |sum, x| sum + x * 0.0);
            for chunk in chunks {
                lanes.iter_mut().zip(chunk).for_each(|(lane, x)| *lane += x * 0.0);
            }
            (lanes.iter().sum::<f64>() + tail).is_finite()
        }),
        None => values.iter().all(|x| x.is_finite()),
    }
}

/// Remembers the first node whose finite adjoint produced a non-finite contribution.
#[derive(Default)]
struct Detector {
    adjoint_finite: bool,
    culprit: Option<NodeId>,
}

impl SweepObserver for Detector {
    fn visit(&mut self, _node: NodeId, adjoint: &Array2<f64>) {
        self.adjoint_finite = all_finite(adjoint.view());
    }

    fn contribution(&mut self, from: NodeId, _to: NodeId, contribution: &Array2<f64>, _accumulated: bool) {
        if self.culprit.is_none() && self.adjoint_finite && !all_finite(contribution.view()) {
            self.culprit = Some(from);
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn names_the_op_that_made_the_first_nan() {
        // inf - inf = NaN, but the first non-finite value is the infinity
        // that scale produced.
        let tape = Tape::new();
        let x = tape.parameter(array![[1.0, -1.0]]);
        let y = x.scale(f64::INFINITY);
        let loss = (y - y).sum();
        assert!(loss.item().is_nan());
        let anomaly = tape.first_non_finite_value().unwrap();
        assert_eq!(
            (anomaly.node, anomaly.op.as_str(), anomaly.pass),
            (y.id(), "scale", Pass::Forward)
        );
        assert!(
            anomaly
                .to_string()
                .starts_with("first non-finite value from scale (node #1, recorded at"),
            "{anomaly}"
        );
        // Backward, y's adjoint is 1 - 1 = 0 and scale's VJP gives inf · 0 = NaN.
        let backward = tape.first_non_finite_gradient(loss).unwrap();
        assert_eq!((backward.node, backward.pass), (y.id(), Pass::Backward));
    }

    #[test]
    fn a_bad_input_is_blamed_on_the_input() {
        let tape = Tape::new();
        let x = tape.constant(array![[f64::NAN]]);
        let _ = (x * 2.0).sum();
        assert_eq!(tape.first_non_finite_value().unwrap().op, "constant");
    }

    #[test]
    fn names_the_rule_that_made_the_first_bad_gradient() {
        // a ⊙ b = 1e200 · 1e-200 = 1 and the loss 1e300 are finite, but mul's
        // VJP sends G ⊙ a = 1e300 · 1e200 = inf to b.
        let tape = Tape::new();
        let a = tape.parameter(array![[1e200]]);
        let b = tape.parameter(array![[1e-200]]);
        let product = a * b;
        let loss = product.sum().scale(1e300);
        assert!(tape.first_non_finite_value().is_none());
        let grads = tape.backward(loss);
        assert!(grads[b][[0, 0]].is_infinite());
        let anomaly = tape.first_non_finite_gradient(loss).unwrap();
        assert_eq!(
            (anomaly.node, anomaly.op.as_str(), anomaly.pass),
            (product.id(), "mul", Pass::Backward)
        );
    }

    #[test]
    fn all_finite_finds_any_nan_or_infinity() {
        for len in [1, 7, 8, 9, 20] {
            let clean = ndarray::Array2::from_shape_fn((1, len), |(_, j)| j as f64 * 1e300);
            assert!(all_finite(clean.view()), "length {len}");
            assert!(all_finite(clean.t()), "length {len}, transposed");
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for position in [0, len / 2, len - 1] {
                    let mut dirty = clean.clone();
                    dirty[[0, position]] = bad;
                    assert!(!all_finite(dirty.view()), "{bad} at {position} of {len}");
                }
            }
        }
        let strided = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| if (i, j) == (2, 1) { f64::NAN } else { 1.0 });
        let left_half = strided.slice_axis(ndarray::Axis(1), ndarray::Slice::from(..2));
        assert!(!all_finite(left_half), "a strided view takes the other path");
    }

    #[test]
    fn a_healthy_tape_has_no_anomaly() {
        let tape = Tape::new();
        let x = tape.parameter(array![[1.0, 2.0]]);
        let loss = x.frobenius_norm();
        assert!(tape.first_non_finite_value().is_none());
        assert!(tape.first_non_finite_gradient(loss).is_none());
    }
}
