//! Spare buffers, so that a training loop stops allocating after its first step.
//!
//! Every step of a training loop records the same ops on matrices of the
//! same shapes. When [`Tape::clear`](crate::Tape::clear) forgets a step, the
//! buffers of its values, and of the gradients that the backward sweep no
//! longer needs, go into the tape's pool; the next step's ops take them back
//! instead of asking the allocator for fresh memory. For large matrices
//! that saves more than the allocation: fresh memory from the operating
//! system is zero-filled page by page on first touch.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::Array2;

use crate::value::Value;

/// Whether pools keep and hand out spare buffers (see [`set_buffer_reuse`]).
static REUSE: AtomicBool = AtomicBool::new(true);

/// Turns buffer reuse on or off for every tape in the process (on by
/// default). Off, every op's result and every adjoint comes fresh from the
/// allocator and nothing is kept, as in an engine without a pool: the
/// numbers are bit for bit the same, only slower. For tests that hold
/// reuse to exactly that, and for debugging a suspected stale buffer.
pub fn set_buffer_reuse(enabled: bool) {
    REUSE.store(enabled, Ordering::Relaxed);
}

fn reusing() -> bool {
    REUSE.load(Ordering::Relaxed)
}

/// Unused `f64` matrices, on one shelf per number of entries.
///
/// A spare is kept as the matrix it was, so that the next step, which asks
/// for the same shape, gets it back as it is; another shape of the same
/// length is made from its buffer.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    shelves: RefCell<Vec<Shelf>>,
}

/// The spare matrices of one length.
#[derive(Debug)]
struct Shelf {
    len: usize,
    spares: Vec<Array2<f64>>,
}

impl Pool {
    /// An m x n row-major matrix whose entries the caller will all
    /// overwrite: a spare of that length if there is one (its old contents
    /// are meaningless), else a new zeroed one.
    ///
    /// Inlined whole, as [`Pool::put`] is: every op takes its result here
    /// and every used-up adjoint goes back (an MLP step makes 18 of each),
    /// and the calls cost more than their work (MLP step 22,363 to 21,971
    /// instructions; with the rare cases kept out of line, 22,175).
    #[inline(always)]
    pub(crate) fn take(&self, (rows, cols): (usize, usize)) -> Array2<f64> {
        let len = rows * cols;
        let spare = if reusing() {
            let mut shelves = self.shelves.borrow_mut();
            shelves
                .iter_mut()
                .find(|shelf| shelf.len == len)
                .and_then(|shelf| shelf.spares.pop())
        } else {
            None
        };
        match spare {
            // Row-major with this shape: strides (cols, 1), compared directly
            // (cheaper than `is_standard_layout`, which allows any stride
            // along an axis of length 1).
            Some(spare) if spare.dim() == (rows, cols) && spare.strides() == [cols as isize, 1] => spare,
            Some(spare) => {
                let (buffer, _) = spare.into_raw_vec_and_offset();
                Array2::from_shape_vec((rows, cols), buffer).unwrap_or_else(|_| Array2::zeros((rows, cols)))
            }
            None => Array2::zeros((rows, cols)),
        }
    }

    /// Keeps a matrix nobody needs any more.
    #[inline(always)]
    pub(crate) fn put(&self, array: Array2<f64>) {
        let len = array.len();
        if len == 0 || !reusing() {
            return;
        }
        let mut shelves = self.shelves.borrow_mut();
        match shelves.iter_mut().find(|shelf| shelf.len == len) {
            Some(shelf) => shelf.spares.push(array),
            None => shelves.push(Shelf {
                len,
                spares: vec![array],
            }),
        }
    }

    /// Keeps the buffer of a value, unless it is still shared with someone
    /// (the caller's constant, or another node).
    pub(crate) fn put_value(&self, value: Value) {
        match value {
            Value::Owned(array) => self.put(array),
            Value::Shared(array) => {
                if let Ok(array) = array.try_into_owned_nocopy() {
                    self.put(array);
                }
            }
        }
    }

    /// Keeps at most `keep` buffers of each length (the most recently kept),
    /// so that the pool holds about one step's worth of memory.
    pub(crate) fn keep_at_most(&self, keep: usize) {
        for shelf in self.shelves.borrow_mut().iter_mut() {
            let excess = shelf.spares.len().saturating_sub(keep);
            shelf.spares.drain(..excess);
        }
    }

    /// How many buffers are waiting to be reused.
    pub(crate) fn len(&self) -> usize {
        self.shelves.borrow().iter().map(|shelf| shelf.spares.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_a_buffer_of_the_same_length_only() {
        let pool = Pool::default();
        let array = Array2::from_elem((2, 3), 7.0);
        let address = array.as_ptr();
        pool.put(array);
        let other = pool.take((3, 3));
        assert_ne!(other.as_ptr(), address, "a 9-entry request cannot use a 6-entry buffer");
        let reused = pool.take((3, 2));
        assert_eq!(reused.as_ptr(), address);
        assert_eq!(reused.dim(), (3, 2));
        assert_eq!(pool.len(), 0);
    }

    #[test]
    fn a_spare_comes_back_row_major_whatever_its_layout() {
        let pool = Pool::default();
        let same_shape = Array2::from_elem((2, 3), 1.0);
        let address = same_shape.as_ptr();
        pool.put(same_shape);
        let taken = pool.take((2, 3));
        assert_eq!(taken.as_ptr(), address, "the same shape comes back as it is");
        // A transposed gradient (3 x 2, column-major) is kept too, and
        // handed out rebuilt as a row-major matrix over the same buffer.
        pool.put(taken.reversed_axes());
        let rebuilt = pool.take((3, 2));
        assert!(rebuilt.is_standard_layout());
        assert_eq!(rebuilt.as_ptr(), address);
    }

    #[test]
    fn shared_buffers_are_kept_only_when_nobody_else_holds_them() {
        let pool = Pool::default();
        let shared: ndarray::ArcArray2<f64> = Array2::zeros((2, 2)).into_shared();
        pool.put_value(Value::Shared(shared.clone()));
        assert_eq!(pool.len(), 0, "the caller still holds it");
        pool.put_value(Value::Shared(shared));
        assert_eq!(pool.len(), 1);
    }

    #[test]
    fn keeps_at_most_so_many_buffers_of_each_length() {
        let pool = Pool::default();
        let oldest = Array2::<f64>::zeros((2, 2));
        let oldest_address = oldest.as_ptr();
        pool.put(oldest);
        for _ in 0..3 {
            pool.put(Array2::zeros((1, 4)));
        }
        pool.put(Array2::zeros((1, 3)));
        pool.keep_at_most(2);
        assert_eq!(pool.len(), 3, "two of length 4, one of length 3");
        let taken = [pool.take((2, 2)), pool.take((4, 1))];
        assert!(
            taken.iter().all(|t| t.as_ptr() != oldest_address),
            "the oldest went first"
        );
        assert_eq!(pool.take((3, 1)).len(), 3);
        assert_eq!(pool.len(), 0);
    }
}
