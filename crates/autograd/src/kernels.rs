//! The numeric kernels that the forward computations and the backward rules
//! share: element-wise maps, matrix products, row-wise ops, reductions.
//!
//! None of this is automatic differentiation; it is how the arithmetic is
//! done fast enough. Two habits make it so. Results are written into
//! buffers from the tape's [`Pool`], so that a training loop reuses last
//! step's memory ([`Kernels`] holds the pool, so that the rules never
//! mention it). And row-major operands are walked as plain slices, which the
//! compiler vectorises; other layouts (a transposed view) go through
//! `ndarray`'s `Zip`.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, CowArray, Ix2, Zip};

use crate::pool::Pool;

/// The kernels that write their results into buffers from a pool.
#[derive(Clone, Copy)]
pub(crate) struct Kernels<'a> {
    pool: &'a Pool,
}

impl<'a> Kernels<'a> {
    /// Kernels taking their buffers from `pool`.
    pub(crate) fn new(pool: &'a Pool) -> Self {
        Kernels { pool }
    }

    /// Hands a matrix nobody needs any more back to the pool.
    pub(crate) fn recycle(self, array: Array2<f64>) {
        self.pool.put(array);
    }

    /// A 1 x 1 matrix.
    pub(crate) fn scalar(self, x: f64) -> Array2<f64> {
        let mut out = self.pool.take((1, 1));
        out[[0, 0]] = x;
        out
    }

    /// The number in a 1 x 1 matrix, whose buffer goes back to the pool.
    pub(crate) fn take_scalar(self, array: Array2<f64>) -> f64 {
        let x = array[[0, 0]];
        self.pool.put(array);
        x
    }

    /// An m x n matrix with every entry `x`.
    pub(crate) fn filled(self, shape: (usize, usize), x: f64) -> Array2<f64> {
        let mut out = self.pool.take(shape);
        out.fill(x);
        out
    }

    /// A copy of `a`.
    pub(crate) fn copy(self, a: ArrayView2<f64>) -> Array2<f64> {
        let mut copy = self.pool.take(a.dim());
        match (copy.as_slice_mut(), a.as_slice()) {
            (Some(copy), Some(a)) => copy.copy_from_slice(a),
            _ => copy.assign(&a),
        }
        copy
    }

    /// `f` applied to every entry of `a`.
    pub(crate) fn map(self, a: ArrayView2<f64>, f: impl Fn(f64) -> f64) -> Array2<f64> {
        let mut out = self.pool.take(a.dim());
        match (out.as_slice_mut(), a.as_slice()) {
            (Some(out), Some(a)) => out.iter_mut().zip(a).for_each(|(out, &x)| *out = f(x)),
            _ => Zip::from(&mut out).and(&a).for_each(|out, &x| *out = f(x)),
        }
        out
    }

    /// `f` applied to the entries of `a` and `b` pairwise (same shapes).
    pub(crate) fn zip_map(self, a: ArrayView2<f64>, b: ArrayView2<f64>, f: impl Fn(f64, f64) -> f64) -> Array2<f64> {
        let mut out = self.pool.take(a.dim());
        match (out.as_slice_mut(), a.as_slice(), b.as_slice()) {
            (Some(out), Some(a), Some(b)) => {
                out.iter_mut()
                    .zip(a.iter().zip(b))
                    .for_each(|(out, (&x, &y))| *out = f(x, y));
            }
            _ => Zip::from(&mut out)
                .and(&a)
                .and(&b)
                .for_each(|out, &x, &y| *out = f(x, y)),
        }
        out
    }

    /// The matrix product `a · b`.
    pub(crate) fn matmul(self, a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        let mut out = self.pool.take((a.nrows(), b.ncols()));
        // β = 0: the old contents of `out` are overwritten, never read.
        general_mat_mul(1.0, &a, &b, 0.0, &mut out);
        out
    }

    /// The 1 x n row `bias` added to every row of `a` (a row-broadcast add).
    pub(crate) fn add_row(self, a: ArrayView2<f64>, bias: ArrayView2<f64>) -> Array2<f64> {
        let mut out = self.pool.take(a.dim());
        let (a, bias) = (row_major(a), row_major(bias));
        let bias = bias.as_slice().expect("row-major");
        let cols = out.ncols();
        let a_rows = rows(a.as_slice().expect("row-major"), cols);
        for (row, a_row) in rows_mut(out.as_slice_mut().expect("row-major"), cols).zip(a_rows) {
            row.iter_mut()
                .zip(a_row.iter().zip(bias))
                .for_each(|(x, (a, b))| *x = a + b);
        }
        out
    }

    /// The column sums of `g` as a 1 x n row: `1ᵀ G`.
    pub(crate) fn column_sums(self, g: ArrayView2<f64>) -> Array2<f64> {
        let cols = g.ncols();
        let mut sums = self.pool.take((1, cols));
        let sums_row = sums.as_slice_mut().expect("row-major");
        sums_row.fill(0.0);
        let g = row_major(g);
        for row in rows(g.as_slice().expect("row-major"), cols) {
            sums_row.iter_mut().zip(row).for_each(|(sum, x)| *sum += x);
        }
        sums
    }

    /// Log-softmax of each row: `yⱼ = (aⱼ - m) - log Σₖ exp(aₖ - m)` with `m`
    /// the row's maximum, so that no `exp` overflows. The order of the
    /// subtractions matters for large logits: `aⱼ - m` is exact, whereas
    /// `aⱼ - (m + log Σ)` would round `m + log Σ` to the spacing of floats
    /// near `m` (0.016 at 1e14) and lose the small log-probabilities' digits.
    pub(crate) fn log_softmax(self, a: ArrayView2<f64>) -> Array2<f64> {
        let mut out = self.pool.take(a.dim());
        out.assign(&a);
        let cols = out.ncols();
        for row in rows_mut(out.as_slice_mut().expect("row-major"), cols) {
            let max = row_max(row);
            let log_sum = row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
            row.iter_mut().for_each(|x| *x = (*x - max) - log_sum);
        }
        out
    }

    /// Mean over rows of `-log softmax(z)ᵢ,yᵢ = (mᵢ - zᵢ,yᵢ) + log Σₖ exp(zᵢₖ - mᵢ)`
    /// (`mᵢ` the row's maximum, subtracted first as in [`Kernels::log_softmax`]),
    /// and the softmax probabilities `exp(zᵢₖ - mᵢ) / Σⱼ exp(zᵢⱼ - mᵢ)`, one
    /// `exp` per entry.
    pub(crate) fn cross_entropy(self, logits: ArrayView2<f64>, labels: &[usize]) -> (f64, Array2<f64>) {
        let cols = logits.ncols();
        let logits = row_major(logits);
        let mut probabilities = self.pool.take(logits.dim());
        let mut total = 0.0;
        let rows_out = rows_mut(probabilities.as_slice_mut().expect("row-major"), cols);
        for ((row, p), &label) in rows(logits.as_slice().expect("row-major"), cols)
            .zip(rows_out)
            .zip(labels)
        {
            let (max, sum) = shifted_exp_into(row, p);
            total += (max - row[label]) + sum.ln();
            p.iter_mut().for_each(|p| *p /= sum);
        }
        (total / labels.len() as f64, probabilities)
    }
}

/// `G - exp(Y) ⊙ (G 1) 1ᵀ` in place, for log-probabilities `Y`: each row of
/// `G` minus its sum times the row's probabilities (log-softmax's VJP).
pub(crate) fn minus_softmax_times_row_sums(grad: Array2<f64>, log_probabilities: ArrayView2<f64>) -> Array2<f64> {
    let mut grad = into_row_major(grad);
    let cols = grad.ncols();
    let y = row_major(log_probabilities);
    let y_rows = rows(y.as_slice().expect("row-major"), cols);
    for (g_row, y_row) in rows_mut(grad.as_slice_mut().expect("row-major"), cols).zip(y_rows) {
        let row_sum: f64 = g_row.iter().sum();
        g_row.iter_mut().zip(y_row).for_each(|(g, y)| *g -= y.exp() * row_sum);
    }
    grad
}

/// `max(x, 0)`, except that NaN stays NaN (`f64::max(x, 0.0)` would return 0
/// and hide it).
pub(crate) fn relu(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

/// `f(t, a)` for every entry `t` of `target` and the matching entry of `a`,
/// updating `target` in place.
pub(crate) fn update_with(target: &mut Array2<f64>, a: ArrayView2<f64>, f: impl Fn(&mut f64, f64)) {
    match (target.as_slice_mut(), a.as_slice()) {
        (Some(target), Some(a)) => target.iter_mut().zip(a).for_each(|(t, &x)| f(t, x)),
        _ => Zip::from(target).and(&a).for_each(|t, &x| f(t, x)),
    }
}

/// `-a`, in place.
pub(crate) fn negated(mut a: Array2<f64>) -> Array2<f64> {
    match a.as_slice_memory_order_mut() {
        Some(slice) => slice.iter_mut().for_each(|x| *x = -*x),
        None => a.map_inplace(|x| *x = -*x),
    }
    a
}

/// `Σᵢⱼ aᵢⱼ²`, with eight running sums over contiguous memory so the
/// compiler can vectorise it (and the rounding error grows more slowly).
pub(crate) fn sum_of_squares(a: ArrayView2<f64>) -> f64 {
    match a.as_slice_memory_order() {
        Some(slice) => {
            let mut lanes = [0.0; 8];
            let chunks = slice.chunks_exact(8);
            let tail: f64 = chunks.remainder().iter().map(|x| x * x).sum();
            for chunk in chunks {
                for (lane, x) in lanes.iter_mut().zip(chunk) {
                    *lane += x * x;
                }
            }
            lanes.iter().sum::<f64>() + tail
        }
        None => a.iter().map(|x| x * x).sum(),
    }
}

/// `‖A‖_F = sqrt(Σᵢⱼ aᵢⱼ²)`, without the overflow or underflow of the
/// squares: entries of 1e200 would square to inf and entries of 1e-200 to 0.
/// When the plain sum of squares leaves the range where it is exact to
/// rounding, the entries are divided by the largest magnitude `s` first:
/// `‖A‖ = s · sqrt(Σ (aᵢⱼ / s)²)`, every term at most 1.
pub(crate) fn frobenius_norm(a: ArrayView2<f64>) -> f64 {
    // Squares too small to be normal floats contribute below 1e-18 of a
    // sum above this floor; below it they may be most of it.
    const SMALLEST_EXACT_SUM: f64 = 1e-290;
    let sum = sum_of_squares(a);
    if sum.is_nan() || (sum.is_finite() && sum >= SMALLEST_EXACT_SUM) {
        return sum.sqrt();
    }
    let largest = a.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if largest == 0.0 || largest.is_infinite() {
        return largest;
    }
    largest * a.iter().map(|x| (x / largest) * (x / largest)).sum::<f64>().sqrt()
}

/// `a` in row-major layout: borrowed when it already is, copied otherwise.
pub(crate) fn row_major(a: ArrayView2<'_, f64>) -> CowArray<'_, f64, Ix2> {
    if a.is_standard_layout() {
        CowArray::from(a)
    } else {
        CowArray::from(a.as_standard_layout().into_owned())
    }
}

/// `a` itself when it is row-major, else a row-major copy.
pub(crate) fn into_row_major(a: Array2<f64>) -> Array2<f64> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

/// The rows of a row-major buffer with `cols` columns, as slices (a matrix
/// without columns has no entries, so it yields no rows).
pub(crate) fn rows(buffer: &[f64], cols: usize) -> std::slice::ChunksExact<'_, f64> {
    buffer.chunks_exact(cols.max(1))
}

/// Like [`rows`], mutably.
pub(crate) fn rows_mut(buffer: &mut [f64], cols: usize) -> std::slice::ChunksExactMut<'_, f64> {
    buffer.chunks_exact_mut(cols.max(1))
}

/// Writes `exp(aₖ - m)` into `out`, with `m` the row's maximum (so no
/// `exp` overflows), and returns `m` and `Σₖ exp(aₖ - m)`.
fn shifted_exp_into(row: &[f64], out: &mut [f64]) -> (f64, f64) {
    let max = row_max(row);
    out.iter_mut().zip(row).for_each(|(e, x)| *e = (x - max).exp());
    (max, out.iter().sum())
}

/// The largest entry (NaNs are passed over here; they reach the result
/// through the `exp` that follows).
fn row_max(row: &[f64]) -> f64 {
    row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))
}
