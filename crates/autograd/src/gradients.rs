//! [`Gradients`]: what a backward sweep returns, one matrix per parameter.

use std::ops::Index;

use ndarray::Array2;

use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// The gradients of one loss: one matrix per parameter, the parameter's shape.
///
/// Query with `grads[param]` or [`Gradients::get`]. Every parameter recorded
/// before the loss has a gradient, zero if the loss does not depend on it;
/// constants have none. A gradient has its parameter's shape and is
/// row-major (standard layout) whatever path reached the parameter, so
/// `as_slice()` gives its entries.
#[derive(Clone, Debug, Default)]
pub struct Gradients {
    /// Indexed by node id; after the sweep only parameters hold `Some`.
    pub(crate) adjoints: Vec<Option<Array2<f64>>>,
    /// The recording the sweep ran on (`None` before any sweep): node ids
    /// mean nothing on another tape, or after a [`Tape::clear`].
    pub(crate) recording: Option<u64>,
}

impl Gradients {
    /// An empty store, to be filled by [`Tape::backward_into`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The gradient of the loss with respect to `param`, if it has one.
    ///
    /// # Panics
    /// If `param` belongs to another tape, or was recorded after the tape
    /// was cleared: its id would name some other node's gradient.
    #[track_caller]
    pub fn get(&self, param: Var<'_>) -> Option<&Array2<f64>> {
        if !self.computed_on(param.tape()) {
            panic!(
                "no gradient for node {}: it belongs to another tape, or to a recording made after \
                 these gradients were computed",
                param.id()
            );
        }
        self.by_id(param.id())
    }

    /// The gradient stored for the node with this id, if any. Unlike
    /// [`Gradients::get`] it cannot tell which tape `id` came from: it must
    /// be an id of the recording these gradients were computed on.
    pub fn by_id(&self, id: NodeId) -> Option<&Array2<f64>> {
        self.adjoints.get(id.index()).and_then(Option::as_ref)
    }

    /// Panics unless these gradients were computed on `tape`'s current
    /// recording (or on none yet).
    #[track_caller]
    pub(crate) fn assert_computed_on(&self, tape: &Tape, what: &str) {
        if !self.computed_on(tape) {
            panic!("{what}: these gradients were computed on another tape, or before it was cleared");
        }
    }

    /// Whether these gradients belong to `tape`'s current recording (an
    /// empty store, never swept, belongs to any).
    fn computed_on(&self, tape: &Tape) -> bool {
        self.recording.is_none_or(|recording| recording == tape.recording())
    }

    /// How many node slots the store holds without reallocating (reused by
    /// [`Tape::backward_into`]).
    pub fn capacity(&self) -> usize {
        self.adjoints.capacity()
    }
}

impl Index<Var<'_>> for Gradients {
    type Output = Array2<f64>;

    /// # Panics
    /// If `param` has no gradient: it is a constant or an intermediate node,
    /// or it was recorded after the loss (or on another tape, see
    /// [`Gradients::get`]).
    #[track_caller]
    fn index(&self, param: Var<'_>) -> &Array2<f64> {
        self.get(param).unwrap_or_else(|| {
            panic!(
                "no gradient for node {}: gradients are kept for parameters recorded before the loss",
                param.id()
            )
        })
    }
}
