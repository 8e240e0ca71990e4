//! How each task is graded. Every grader takes the learner's
//! [`Submission`](crate::Submission) and a seed, and returns what passed or
//! the first thing that did not: which function or rule, which operand,
//! which element (expected and got), and why, where the mistake has a
//! recognisable shape.

pub(crate) mod difference;
pub(crate) mod jvp;
pub(crate) mod ops;
pub(crate) mod optimisers;
pub(crate) mod reference;
pub(crate) mod sweep;
pub(crate) mod training;
pub(crate) mod vjp;

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Seeded draws for the cases of one task: the same seed and salt give the
/// same cases.
pub(crate) struct Draw(StdRng);

impl Draw {
    /// Draws for the task `salt` (its name) from `seed`.
    pub(crate) fn new(seed: u64, salt: &str) -> Self {
        // FNV-1a of the salt, so that tasks drawing from one seed differ.
        let salt = salt.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Draw(StdRng::seed_from_u64(seed ^ salt))
    }

    /// A number uniform in `[low, high)`.
    pub(crate) fn uniform(&mut self, low: f64, high: f64) -> f64 {
        self.0.random_range(low..high)
    }

    /// An integer uniform in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// A matrix with entries uniform in `[low, high)`.
    pub(crate) fn matrix(&mut self, rows: usize, cols: usize, low: f64, high: f64) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.uniform(low, high))
    }

    /// A matrix with entries uniform in `[low, high)`, none within `gap` of `avoid`.
    pub(crate) fn matrix_avoiding(
        &mut self,
        shape: (usize, usize),
        (low, high): (f64, f64),
        avoid: f64,
        gap: f64,
    ) -> Array2<f64> {
        Array2::from_shape_simple_fn(shape, || {
            loop {
                let x = self.uniform(low, high);
                if (x - avoid).abs() >= gap {
                    break x;
                }
            }
        })
    }
}

/// A number as the feedback prints it: six significant digits, in
/// scientific notation when very large or small.
pub(crate) fn number(x: f64) -> String {
    if x == 0.0 || (1e-3..1e5).contains(&x.abs()) {
        format!("{x:.6}")
    } else {
        format!("{x:.5e}")
    }
}

/// `4x3`.
pub(crate) fn shape((rows, cols): (usize, usize)) -> String {
    format!("{rows}x{cols}")
}

/// Whether `a` and `b` have one shape and agree within `tolerance` times
/// the larger of 1 and `b`'s largest magnitude.
pub(crate) fn close(a: ArrayView2<f64>, b: ArrayView2<f64>, tolerance: f64) -> bool {
    let scale = b.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
    a.dim() == b.dim() && a.iter().zip(b.iter()).all(|(x, y)| (x - y).abs() <= tolerance * scale)
}

/// The element where `got` is furthest from `expected` (one shape):
/// `(row, col, got, expected)`. NaN counts as furthest.
pub(crate) fn worst_element(got: ArrayView2<f64>, expected: ArrayView2<f64>) -> (usize, usize, f64, f64) {
    let mut worst = (0, 0, got[[0, 0]], expected[[0, 0]]);
    let mut worst_gap = -1.0;
    for ((row, col), &g) in got.indexed_iter() {
        let e = expected[[row, col]];
        let gap = if (g - e).is_nan() { f64::INFINITY } else { (g - e).abs() };
        if gap > worst_gap {
            worst_gap = gap;
            worst = (row, col, g, e);
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn numbers_print_with_six_digits() {
        assert_eq!(number(3.000001), "3.000001");
        assert_eq!(number(-0.25), "-0.250000");
        assert_eq!(number(1.5e-7), "1.50000e-7");
        assert_eq!(number(0.0), "0.000000");
    }

    #[test]
    fn draws_repeat_with_the_seed_and_differ_by_task() {
        let draw = |seed, salt| Draw::new(seed, salt).matrix(2, 2, -1.0, 1.0);
        assert_eq!(draw(3, "matmul"), draw(3, "matmul"));
        assert_ne!(draw(3, "matmul"), draw(3, "relu"));
        assert_ne!(draw(3, "matmul"), draw(4, "matmul"));
        let avoiding = Draw::new(0, "relu").matrix_avoiding((20, 20), (-1.0, 1.0), 0.0, 0.1);
        assert!(avoiding.iter().all(|x| x.abs() >= 0.1));
    }

    #[test]
    fn the_worst_element_is_the_furthest_or_a_nan() {
        let expected = array![[1.0, 2.0], [3.0, 4.0]];
        assert_eq!(
            worst_element(array![[1.0, 2.5], [3.0, 4.0]].view(), expected.view()),
            (0, 1, 2.5, 2.0)
        );
        assert_eq!(
            worst_element(array![[1.0, 9.0], [f64::NAN, 4.0]].view(), expected.view()).0,
            1
        );
        assert!(close(array![[1.0 + 1e-12]].view(), array![[1.0]].view(), 1e-9));
        assert!(!close(array![[1.0, 2.0]].view(), array![[1.0], [2.0]].view(), 1e-9));
    }
}
