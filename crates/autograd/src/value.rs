//! How a node's matrix is stored, and how a leaf's value arrives on the tape.
//!
//! Storage only: skip this module on a first read. A node's value is
//! [`Value::Owned`] (one allocation) until something shares it: a constant
//! passed as an [`ArcArray2`] stays shared with the caller, and a transpose
//! moves its operand's matrix into a shared buffer and views it with the
//! axes swapped, so no transpose copies data.

use ndarray::{ArcArray2, Array2, ArrayView2, ArrayViewMut2};

/// A node's value: its own matrix, or a buffer shared with the caller or
/// with other nodes.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// Computed by an op, owned by its node.
    Owned(Array2<f64>),
    /// Shared by reference counting.
    Shared(ArcArray2<f64>),
}

impl Value {
    /// A read-only view of the matrix.
    pub(crate) fn view(&self) -> ArrayView2<'_, f64> {
        match self {
            Value::Owned(array) => array.view(),
            Value::Shared(array) => array.view(),
        }
    }

    /// A writable view; a shared buffer is copied first if anyone else holds it.
    pub(crate) fn view_mut(&mut self) -> ArrayViewMut2<'_, f64> {
        match self {
            Value::Owned(array) => array.view_mut(),
            Value::Shared(array) => array.view_mut(),
        }
    }

    /// `(rows, columns)`.
    pub(crate) fn dim(&self) -> (usize, usize) {
        self.view().dim()
    }

    /// The matrix as a shared array: a reference-count bump when shared, a
    /// copy when owned.
    pub(crate) fn to_shared(&self) -> ArcArray2<f64> {
        match self {
            Value::Owned(array) => array.to_shared(),
            Value::Shared(array) => array.clone(),
        }
    }

    /// Moves an owned matrix into a shared buffer (no data is copied), so
    /// that [`Value::transposed`] can view it.
    pub(crate) fn share(&mut self) {
        if let Value::Owned(array) = self {
            let array = std::mem::take(array);
            *self = Value::Shared(array.into_shared());
        }
    }

    /// The transpose: the same buffer with its axes swapped when shared, a
    /// copy when owned.
    pub(crate) fn transposed(&self) -> Value {
        match self {
            Value::Owned(array) => Value::Owned(array.t().to_owned()),
            Value::Shared(array) => Value::Shared(array.clone().reversed_axes()),
        }
    }
}

/// Anything that can become a leaf's value.
///
/// Owned arrays move in and [`ArcArray2`]s are shared (cloning one only
/// bumps a reference count): neither copies data. Borrowed arrays and views
/// are copied (into a buffer the tape kept from an earlier step, when it has
/// one of that size).
pub trait IntoValue<'a> {
    /// How the value arrives.
    fn into_leaf(self) -> Leaf<'a>;
}

/// How a leaf's value arrives on the tape (see [`IntoValue`]).
#[derive(Debug)]
pub enum Leaf<'a> {
    /// Moved in.
    Owned(Array2<f64>),
    /// Shared with the caller.
    Shared(ArcArray2<f64>),
    /// Copied.
    Borrowed(ArrayView2<'a, f64>),
}

impl<'a> IntoValue<'a> for Array2<f64> {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Owned(self)
    }
}

impl<'a> IntoValue<'a> for ArcArray2<f64> {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Shared(self)
    }
}

impl<'a> IntoValue<'a> for &ArcArray2<f64> {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Shared(self.clone())
    }
}

impl<'a> IntoValue<'a> for &'a Array2<f64> {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Borrowed(self.view())
    }
}

impl<'a> IntoValue<'a> for ArrayView2<'a, f64> {
    fn into_leaf(self) -> Leaf<'a> {
        Leaf::Borrowed(self)
    }
}
