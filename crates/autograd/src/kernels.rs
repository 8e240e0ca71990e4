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
use ndarray::{Array2, ArrayView2, Axis, CowArray, Ix2, Zip};

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

    /// A row-major copy of `a`.
    pub(crate) fn copy(self, a: ArrayView2<f64>) -> Array2<f64> {
        let (m, n) = a.dim();
        let mut copy = self.pool.take((m, n));
        let out = copy.as_slice_mut().expect("row-major");
        match (a.as_slice(), a.t().to_slice()) {
            (Some(a), _) => out.copy_from_slice(a),
            (None, Some(columns)) => columns_to_rows(columns, (m, n), out),
            (None, None) => copy.assign(&a),
        }
        copy
    }

    /// `f` applied to every entry of `a`.
    pub(crate) fn map(self, a: ArrayView2<f64>, f: impl Fn(f64) -> f64) -> Array2<f64> {
        if let Some(x) = only_entry(a) {
            return self.scalar(f(x));
        }
        let mut out = self.pool.take(a.dim());
        match (out.as_slice_mut(), a.as_slice()) {
            (Some(out), Some(a)) => vectorised(out.len(), || out.iter_mut().zip(a).for_each(|(out, &x)| *out = f(x))),
            _ => Zip::from(&mut out).and(&a).for_each(|out, &x| *out = f(x)),
        }
        out
    }

    /// `f` applied to the entries of `a` and `b` pairwise, broadcasting (see
    /// [`broadcast_shape`]): same shapes and a row repeated down the rows
    /// (a bias) take plain slices; other broadcasts go through `Zip`.
    pub(crate) fn zip_map(self, a: ArrayView2<f64>, b: ArrayView2<f64>, f: impl Fn(f64, f64) -> f64) -> Array2<f64> {
        if let (Some(x), Some(y)) = (only_entry(a), only_entry(b)) {
            return self.scalar(f(x, y));
        }
        let shape = broadcast_shape(a.dim(), b.dim());
        let (same, bias) = (
            a.dim() == shape && b.dim() == shape,
            a.dim() == shape && b.dim() == (1, shape.1),
        );
        let mut out = self.pool.take(shape);
        let cols = shape.1;
        match (out.as_slice_mut(), a.as_slice(), b.as_slice()) {
            (Some(out), Some(a), Some(b)) if same => vectorised(out.len(), || {
                out.iter_mut()
                    .zip(a.iter().zip(b))
                    .for_each(|(out, (&x, &y))| *out = f(x, y));
            }),
            (Some(out), Some(a), Some(row)) if bias => {
                for (out_row, a_row) in rows_mut(out, cols).zip(rows(a, cols)) {
                    out_row
                        .iter_mut()
                        .zip(a_row.iter().zip(row))
                        .for_each(|(out, (&x, &y))| *out = f(x, y));
                }
            }
            _ => {
                let (a, b) = (broadcast(&a, shape), broadcast(&b, shape));
                Zip::from(&mut out)
                    .and(&a)
                    .and(&b)
                    .for_each(|out, &x, &y| *out = f(x, y));
            }
        }
        out
    }

    /// `a + b`, broadcasting: [`Kernels::zip_map`] with `+`, except that a
    /// bias, a row of at most [`MAX_SHORT_ROW`] entries added to each row of
    /// `a`, takes a loop compiled for its length ([`for_short_rows`]). Only
    /// the sum has that path: through `zip_map` every closure of every op
    /// would be compiled sixteen more times, and the crate's build time
    /// tripled.
    pub(crate) fn add(self, a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        let (m, n) = a.dim();
        let short_bias = m > 1 && b.dim() == (1, n) && (1..=MAX_SHORT_ROW).contains(&n);
        if let (true, Some(a), Some(row)) = (short_bias, a.as_slice(), b.as_slice()) {
            let mut sum = self.pool.take((m, n));
            let out = sum.as_slice_mut().expect("the pool's matrices are row-major");
            let ran = for_short_rows(n, BiasRows { out, a, row }).is_ok();
            assert!(ran, "a short row has 1 to MAX_SHORT_ROW entries");
            return sum;
        }
        self.zip_map(a, b, |x, y| x + y)
    }

    /// `g` summed over the axes along which an operand of shape `shape` was
    /// broadcast to `g`'s shape: the column sums for a 1 x n row, the row
    /// sums for an m x 1 column, the total for a 1 x 1.
    pub(crate) fn sum_to(self, g: ArrayView2<f64>, shape: (usize, usize)) -> Array2<f64> {
        match (shape.0 == g.nrows(), shape.1 == g.ncols()) {
            (true, true) => self.copy(g),
            (false, true) => self.column_sums(g),
            (true, false) => self.row_sums(g),
            (false, false) => self.scalar(g.sum()),
        }
    }

    /// `g` repeated to `shape` along the axes where it has one row or one
    /// column (the inverse of [`Kernels::sum_to`]'s shapes).
    pub(crate) fn broadcast_to(self, g: ArrayView2<f64>, shape: (usize, usize)) -> Array2<f64> {
        let mut out = self.pool.take(shape);
        out.assign(&broadcast(&g, shape));
        out
    }

    /// The row sums of `g` as an m x 1 column: `G 1`.
    pub(crate) fn row_sums(self, g: ArrayView2<f64>) -> Array2<f64> {
        let mut sums = self.pool.take((g.nrows(), 1));
        Zip::from(sums.rows_mut())
            .and(g.rows())
            .for_each(|mut sum, row| sum[0] = row.sum());
        sums
    }

    /// The maxima along `axis`, keeping two dimensions (see [`Op::MaxAxis`](crate::Op::MaxAxis));
    /// a NaN in a line makes its maximum NaN.
    pub(crate) fn max_along(self, a: ArrayView2<f64>, axis: Axis) -> Array2<f64> {
        let shape = reduced_shape(a.dim(), axis);
        let mut out = self.pool.take(shape);
        let lines = if axis.index() == 0 { a.columns() } else { a.rows() };
        for (max, line) in out.iter_mut().zip(lines) {
            *max = line.fold(f64::NEG_INFINITY, |m, &x| if x > m || x.is_nan() { x } else { m });
        }
        out
    }

    /// `dA = G ⊙ [A = C] / ties` for `C` the maxima of `a` along `axis`:
    /// each line's adjoint goes to its maximum, split evenly among ties.
    pub(crate) fn to_maxima(
        self,
        g: ArrayView2<f64>,
        a: ArrayView2<f64>,
        maxima: ArrayView2<f64>,
        axis: Axis,
    ) -> Array2<f64> {
        let mut out = self.tie_weights(a, maxima, axis);
        Zip::from(&mut out)
            .and(&broadcast(&g, a.dim()))
            .for_each(|out, &g| *out *= g);
        out
    }

    /// `[A = C] / ties` for `C` the maxima of `a` along `axis`: 1 at each
    /// line's maximum, `1/k` at each of `k` tied maxima, 0 elsewhere.
    pub(crate) fn tie_weights(self, a: ArrayView2<f64>, maxima: ArrayView2<f64>, axis: Axis) -> Array2<f64> {
        let shape = a.dim();
        let maxima = broadcast(&maxima, shape);
        let mut out = self.pool.take(shape);
        Zip::from(&mut out)
            .and(&a)
            .and(&maxima)
            .for_each(|out, &x, &max| *out = f64::from(u8::from(x == max)));
        // Divide each line's indicator by its count of maxima.
        let lines = if axis.index() == 0 {
            out.columns_mut()
        } else {
            out.rows_mut()
        };
        for mut line in lines {
            let ties = line.sum();
            if ties > 1.0 {
                line.mapv_inplace(|x| x / ties);
            }
        }
        out
    }

    /// Softmax of each row: `exp(aⱼ - m) / Σₖ exp(aₖ - m)` with `m` the row's
    /// maximum, so that no `exp` overflows.
    pub(crate) fn softmax(self, a: ArrayView2<f64>) -> Array2<f64> {
        let mut out = self.pool.take(a.dim());
        let cols = a.ncols();
        let a = row_major(a);
        for (row, p) in
            rows(a.as_slice().expect("row-major"), cols).zip(rows_mut(out.as_slice_mut().expect("row-major"), cols))
        {
            let (_, sum) = shifted_exp_into(row, p);
            p.iter_mut().for_each(|p| *p /= sum);
        }
        out
    }

    /// `dA = C ⊙ (G - rowsum(G ⊙ C))`, softmax's VJP, for probabilities `c`.
    pub(crate) fn softmax_vjp(self, g: ArrayView2<f64>, c: ArrayView2<f64>) -> Array2<f64> {
        let mut out = self.copy(g);
        let cols = out.ncols();
        let c = row_major(c);
        for (g_row, c_row) in
            rows_mut(out.as_slice_mut().expect("row-major"), cols).zip(rows(c.as_slice().expect("row-major"), cols))
        {
            let weighted: f64 = g_row.iter().zip(c_row).map(|(g, c)| g * c).sum();
            g_row.iter_mut().zip(c_row).for_each(|(g, c)| *g = c * (*g - weighted));
        }
        out
    }

    /// `(1/N) Σ [max(z, 0) - z t + log(1 + exp(-|z|))]`: binary cross-entropy
    /// of logits `z` against targets `t`, with no `exp` that can overflow.
    pub(crate) fn bce_with_logits(self, z: ArrayView2<f64>, t: ArrayView2<f64>) -> f64 {
        let total = Zip::from(&z)
            .and(&t)
            .fold(0.0, |sum, &z, &t| sum + (z.max(0.0) - z * t + (-z.abs()).exp().ln_1p()));
        total / z.len() as f64
    }

    /// The matrix product `a · b` (see [`matmul_into`]).
    pub(crate) fn matmul(self, a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        let mut out = self.pool.take((m, n));
        let direct = if is_direct_product(m, k, n) {
            Strided::of(a)
        } else {
            None
        };
        let (Some(a), Some(out_entries)) = (direct, out.as_slice_mut()) else {
            matmul_into(a, b, &mut out);
            return out;
        };
        // Each layout checked once, here (the checks cost more than a tiny product).
        let mut buffer;
        let b_rows: &[f64] = match b.as_slice() {
            Some(b) => b,
            None if k * n <= SMALL_COPY => {
                // The direct loop reads b by rows: a row-major copy of it, on
                // the stack when it is as small as the lab's (a 2 x 4 Vᵀ, a 3 x 12 W₂ᵀ).
                buffer = [0.0; SMALL_COPY];
                let b_rows = &mut buffer[..k * n];
                match b.t().to_slice() {
                    Some(columns) => columns_to_rows(columns, (k, n), b_rows),
                    None => {
                        for (b_row, row) in rows_mut(b_rows, n).zip(b.rows()) {
                            b_row.iter_mut().zip(row).for_each(|(x, &y)| *x = y);
                        }
                    }
                }
                b_rows
            }
            None => {
                let b_rows = self.copy(b);
                direct_product_of(a, b_rows.as_slice().expect("row-major"), n, out_entries);
                self.recycle(b_rows);
                return out;
            }
        };
        direct_into(a, b_rows, n, out_entries);
        out
    }

    /// The column sums of `g` as a 1 x n row: `1ᵀ G`.
    pub(crate) fn column_sums(self, g: ArrayView2<f64>) -> Array2<f64> {
        let cols = g.ncols();
        let mut sums = self.pool.take((1, cols));
        let sums_row = sums.as_slice_mut().expect("row-major");
        let g = row_major(g);
        let g = g.as_slice().expect("row-major");
        if let Err(ColumnSums { sums: sums_row, g }) = for_short_rows(cols, ColumnSums { sums: sums_row, g }) {
            sums_row.fill(0.0);
            for row in rows(g, cols) {
                sums_row.iter_mut().zip(row).for_each(|(sum, x)| *sum += x);
            }
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
        let logits = logits.as_slice().expect("row-major");
        let out = probabilities.as_slice_mut().expect("row-major");
        let total = match for_short_rows(cols, CrossEntropyRows { logits, labels, out }) {
            Ok(total) => total,
            Err(CrossEntropyRows { logits, labels, out }) => {
                let mut total = 0.0;
                for ((row, p), &label) in rows(logits, cols).zip(rows_mut(out, cols)).zip(labels) {
                    total += cross_entropy_row(row, label, p);
                }
                total
            }
        };
        (total / labels.len() as f64, probabilities)
    }
}

/// The longest rows that [`for_short_rows`] compiles a kernel for.
const MAX_SHORT_ROW: usize = 16;

/// A loop over the rows of a row-major matrix, written once for rows of
/// any length `N` known when compiled (see [`for_short_rows`]).
trait ShortRows: Sized {
    /// What the loop returns.
    type Output;
    /// The loop, for rows of `N` entries.
    fn run<const N: usize>(self) -> Self::Output;
}

/// Runs `rows.run::<N>()` for rows of `n ≤ MAX_SHORT_ROW` entries, or hands
/// `rows` back for the general loop. With `N` known, each row is one
/// fixed-size array: the loop over it unrolls with no check per entry (the
/// lab's biases and their gradients are rows of 3 and 12, too short for a
/// loop over a slice to pay off). The same operations in the same order,
/// so the same bits, except the sign of a NaN: an addition's operands may
/// be swapped by the compiler, and x86 keeps the first one's NaN.
#[inline(always)]
fn for_short_rows<T: ShortRows>(n: usize, rows: T) -> Result<T::Output, T> {
    Ok(match n {
        1 => rows.run::<1>(),
        2 => rows.run::<2>(),
        3 => rows.run::<3>(),
        4 => rows.run::<4>(),
        5 => rows.run::<5>(),
        6 => rows.run::<6>(),
        7 => rows.run::<7>(),
        8 => rows.run::<8>(),
        9 => rows.run::<9>(),
        10 => rows.run::<10>(),
        11 => rows.run::<11>(),
        12 => rows.run::<12>(),
        13 => rows.run::<13>(),
        14 => rows.run::<14>(),
        15 => rows.run::<15>(),
        MAX_SHORT_ROW => rows.run::<MAX_SHORT_ROW>(),
        _ => return Err(rows),
    })
}

/// `out = a + row` with the 1 x n `row` repeated down the rows of `a`.
struct BiasRows<'a> {
    out: &'a mut [f64],
    a: &'a [f64],
    row: &'a [f64],
}

impl ShortRows for BiasRows<'_> {
    type Output = ();

    #[inline(always)]
    fn run<const N: usize>(self) {
        // The row copied into a local array: read through the slice, it
        // was loaded again for every row, one entry at a time.
        let row: [f64; N] = self.row.try_into().expect("a row of N entries");
        let (a_rows, _) = self.a.as_chunks::<N>();
        let (out_rows, _) = self.out.as_chunks_mut::<N>();
        for (out_row, a_row) in out_rows.iter_mut().zip(a_rows) {
            *out_row = std::array::from_fn(|k| a_row[k] + row[k]);
        }
    }
}

/// `sums = 1ᵀ g`, each column summed from the top row down.
struct ColumnSums<'a> {
    sums: &'a mut [f64],
    g: &'a [f64],
}

impl ShortRows for ColumnSums<'_> {
    type Output = ();

    #[inline(always)]
    fn run<const N: usize>(self) {
        let mut sums = [0.0; N];
        for row in self.g.as_chunks::<N>().0 {
            for (sum, x) in sums.iter_mut().zip(row) {
                *sum += x;
            }
        }
        self.sums.copy_from_slice(&sums);
    }
}

/// The most entries of a column-major right operand that
/// [`Kernels::matmul`] copies to row-major on the stack rather than into a
/// buffer from the pool (the buffer is zeroed first: 512 bytes is cheap).
const SMALL_COPY: usize = 64;

/// Products of at most this many multiply-adds take a direct loop over
/// row-major slices (every product of the lab's experiments); larger
/// ones go to `matrixmultiply`, whose packing pays for itself only there.
pub const DIRECT_PRODUCT_LIMIT: usize = 1 << 14;

/// `out = a · b` for an m x k `a`, a k x n `b` and a row-major m x n `out`
/// (whose old entries are overwritten, never read).
///
/// Small products, the lab's (a 150 x 2 by 2 x 4 product is 1,200
/// multiply-adds), take a direct product: a plain loop over row-major
/// slices that the compiler vectorises, for the widest vectors the
/// processor has (`pulp` picks them when it runs). Larger ones, or operands that are
/// not contiguous, go to `ndarray`'s `general_mat_mul` (`matrixmultiply`),
/// which packs its operands into blocks first.
///
/// ```
/// use ndarray::{Array2, array};
///
/// let a = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
/// let b = array![[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]];
/// let mut out = Array2::zeros((3, 3));
/// autograd::matmul_into(a.view(), b.view(), &mut out);
/// assert_eq!(out, a.dot(&b));
/// ```
///
/// # Panics
/// If the shapes do not align, or `out` is not m x n and row-major.
pub fn matmul_into(a: ArrayView2<f64>, b: ArrayView2<f64>, out: &mut Array2<f64>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    assert!(
        b.nrows() == k && out.dim() == (m, n),
        "matmul_into: shapes {:?} · {:?} into {:?}",
        a.dim(),
        b.dim(),
        out.dim()
    );
    // a's and out's layouts are checked once (the checks cost more than a tiny product).
    if is_direct_product(m, k, n)
        && let (Some(a), Some(out)) = (Strided::of(a), out.as_slice_mut())
    {
        let b = row_major(b);
        direct_product_of(a, b.as_slice().expect("row-major"), n, out);
        return;
    }
    assert!(out.is_standard_layout(), "matmul_into: `out` must be row-major");
    // β = 0: the old contents of `out` are overwritten, never read.
    general_mat_mul(1.0, &a, &b, 0.0, out);
}

/// `out = a · b` for a row-major k x n `b`: by [`fixed_depth_product`] for
/// a row-major `a` of at most 16 columns, by [`narrow_product`] for a
/// column-major `a` and at most 3 columns of out, else by
/// [`direct_product`]; each compiled for every instruction set the
/// processor may have (AVX2 and FMA, ...), the best of them chosen when it runs.
/// Inlined into the one call of the hot path, `Kernels::matmul`'s; every
/// other caller goes through [`direct_product_of`], since each inlined copy
/// compiles every kernel again (four of them tripled the crate's build
/// time).
#[inline(always)]
fn direct_into(a: Strided<'_>, b: &[f64], n: usize, out: &mut [f64]) {
    if a.col_stride == 1 {
        if fixed_depth(a.cols, a.data, b, &mut *out) {
            return;
        }
    } else if narrow(a.data, a.col_stride, b, n, &mut *out) {
        return;
    }
    processor().dispatch(DirectProduct { a, b, out });
}

/// [`direct_into`], not inlined: for the callers off the hot path.
#[inline(never)]
fn direct_product_of(a: Strided<'_>, b: &[f64], n: usize, out: &mut [f64]) {
    direct_into(a, b, n, out);
}

/// The most columns of out that [`narrow_product`] serves.
const NARROW: usize = 3;

/// Runs [`narrow_product`] for a column-major `a` of m rows (`columns`)
/// and `n ≤ 3` columns of out; returns whether it did.
#[inline(always)]
fn narrow(columns: &[f64], m: usize, b: &[f64], n: usize, out: &mut [f64]) -> bool {
    let arch = processor();
    match n {
        1 => arch.dispatch(NarrowProduct::<1> { columns, m, b, out }),
        2 => arch.dispatch(NarrowProduct::<2> { columns, m, b, out }),
        NARROW => arch.dispatch(NarrowProduct::<NARROW> { columns, m, b, out }),
        _ => return false,
    }
    true
}

/// The arguments of [`narrow_product`].
struct NarrowProduct<'a, const W: usize> {
    columns: &'a [f64],
    m: usize,
    b: &'a [f64],
    out: &'a mut [f64],
}

impl<const W: usize> pulp::WithSimd for NarrowProduct<'_, W> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        narrow_product::<W>(self.columns, self.m, self.b, self.out);
    }
}

/// `out = a · b` for a column-major m x k `a` (its column k is
/// `columns[k * m..][..m]`) and a row-major k x `W` `b`, `W ≤ 3`: too few
/// columns to vectorise along a row of out (Hᵀ G, 12 x 16 by 16 x 3, in the
/// MLP's backward sweep), so the vectors run down a's columns instead, 8
/// rows of out at a time, then 4, then one by one. Each entry is still the
/// chain of fused multiply-adds in the order of k: the same bits.
#[inline(always)]
fn narrow_product<const W: usize>(columns: &[f64], m: usize, b: &[f64], out: &mut [f64]) {
    let (b_rows, _) = b.as_chunks::<W>();
    let (out_rows, _) = out.as_chunks_mut::<W>();
    let mut blocks = out_rows.chunks_exact_mut(8);
    let mut first = 0;
    for block in blocks.by_ref() {
        narrow_rows::<8, W>(columns, m, first, b_rows, block);
        first += 8;
    }
    let mut left = blocks.into_remainder();
    if left.len() >= 4 {
        let (block, rest) = left.split_at_mut(4);
        narrow_rows::<4, W>(columns, m, first, b_rows, block);
        first += 4;
        left = rest;
    }
    for row in left.chunks_exact_mut(1) {
        narrow_rows::<1, W>(columns, m, first, b_rows, row);
        first += 1;
    }
}

/// Rows `first..first + R` of [`narrow_product`]'s out.
#[inline(always)]
fn narrow_rows<const R: usize, const W: usize>(
    columns: &[f64],
    m: usize,
    first: usize,
    b_rows: &[[f64; W]],
    out_rows: &mut [[f64; W]],
) {
    let out_rows: &mut [[f64; W]; R] = out_rows.try_into().expect("R rows");
    let mut sums = [[0.0; R]; W];
    for (column, b_row) in columns.chunks_exact(m).zip(b_rows) {
        let xs: &[f64; R] = column[first..].first_chunk().expect("R rows from first");
        for (column_sums, &y) in sums.iter_mut().zip(b_row) {
            for (sum, &x) in column_sums.iter_mut().zip(xs) {
                *sum = x.mul_add(y, *sum);
            }
        }
    }
    store_transposed(&sums, out_rows);
}

/// `out_rows[r][j] = sums[j][r]`. Kept out of line: inlined, it led the
/// compiler to lay the sums out as rows of out, and shuffle every step of k.
#[inline(never)]
fn store_transposed<const R: usize, const W: usize>(sums: &[[f64; R]; W], out_rows: &mut [[f64; W]; R]) {
    for (r, out_row) in out_rows.iter_mut().enumerate() {
        for (out, column_sums) in out_row.iter_mut().zip(sums) {
            *out = column_sums[r];
        }
    }
}

/// Whether an m x k by k x n product of contiguous operands takes the
/// direct loop ([`matmul_into`]) rather than `matrixmultiply`: at most
/// [`DIRECT_PRODUCT_LIMIT`] multiply-adds. Every entry of a direct product
/// is one chain of fused multiply-adds in the order of k, whatever the
/// other rows; `matrixmultiply` past a depth of 256 may round otherwise.
pub fn is_direct_product(m: usize, k: usize, n: usize) -> bool {
    m * k * n <= DIRECT_PRODUCT_LIMIT
}

/// A matrix laid out contiguously, row-major (`col_stride` 1: entry
/// `(i, j)` is `data[i * cols + j]`) or column-major (a transposed view of
/// a row-major matrix: `data[i + j * col_stride]`, `col_stride` its rows).
#[derive(Clone, Copy, Debug)]
struct Strided<'a> {
    data: &'a [f64],
    cols: usize,
    col_stride: usize,
}

impl<'a> Strided<'a> {
    /// `view` as a strided slice, or `None` when it is neither row-major nor
    /// column-major (a view of every other row, say).
    fn of(view: ArrayView2<'a, f64>) -> Option<Self> {
        let (rows, cols) = view.dim();
        let (data, col_stride) = match view.to_slice() {
            Some(data) => (data, 1),
            None => (view.reversed_axes().to_slice()?, rows),
        };
        Some(Strided { data, cols, col_stride })
    }
}

/// The arguments of [`direct_product`], which `pulp` compiles once for each
/// instruction set it knows (a closure would not be inlined into those
/// copies).
struct DirectProduct<'a> {
    a: Strided<'a>,
    b: &'a [f64],
    out: &'a mut [f64],
}

impl pulp::WithSimd for DirectProduct<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        direct_product(self.a, self.b, self.out);
    }
}

/// The deepest product that [`fixed_depth`] compiles for its own depth.
const MAX_FIXED_DEPTH: usize = 16;

/// Runs [`fixed_depth_product`] for a row-major `a` of `k` columns, if
/// `k ≤ MAX_FIXED_DEPTH`; returns whether it did.
#[inline(never)]
fn fixed_depth(k: usize, a: &[f64], b: &[f64], out: &mut [f64]) -> bool {
    let arch = processor();
    match k {
        1 => arch.dispatch(FixedDepthProduct::<1> { a, b, out }),
        2 => arch.dispatch(FixedDepthProduct::<2> { a, b, out }),
        3 => arch.dispatch(FixedDepthProduct::<3> { a, b, out }),
        4 => arch.dispatch(FixedDepthProduct::<4> { a, b, out }),
        5 => arch.dispatch(FixedDepthProduct::<5> { a, b, out }),
        6 => arch.dispatch(FixedDepthProduct::<6> { a, b, out }),
        7 => arch.dispatch(FixedDepthProduct::<7> { a, b, out }),
        8 => arch.dispatch(FixedDepthProduct::<8> { a, b, out }),
        9 => arch.dispatch(FixedDepthProduct::<9> { a, b, out }),
        10 => arch.dispatch(FixedDepthProduct::<10> { a, b, out }),
        11 => arch.dispatch(FixedDepthProduct::<11> { a, b, out }),
        12 => arch.dispatch(FixedDepthProduct::<12> { a, b, out }),
        13 => arch.dispatch(FixedDepthProduct::<13> { a, b, out }),
        14 => arch.dispatch(FixedDepthProduct::<14> { a, b, out }),
        15 => arch.dispatch(FixedDepthProduct::<15> { a, b, out }),
        MAX_FIXED_DEPTH => arch.dispatch(FixedDepthProduct::<MAX_FIXED_DEPTH> { a, b, out }),
        _ => return false,
    }
    true
}

/// The arguments of [`fixed_depth_product`]: a row-major m x `K` `a`.
struct FixedDepthProduct<'a, const K: usize> {
    a: &'a [f64],
    b: &'a [f64],
    out: &'a mut [f64],
}

impl<const K: usize> pulp::WithSimd for FixedDepthProduct<'_, K> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        fixed_depth_product::<K>(self.a, self.b, self.out);
    }
}

/// [`direct_product`] for a row-major `a` of `K` columns, `K` known when
/// compiled: every product of the lab whose `a` is row-major (k = 2 for a
/// rank-2 U Vᵀ, 4 for iris's features, 3 and 12 in the MLP). The loop over k
/// unrolls, each row's `K` entries are one fixed-size array (no check per
/// entry), and the `K` pieces of b that a block of columns needs are found
/// once for all its rows. The same sums in the same order: the same bits.
/// It takes the factorisation's three products from 8,100 instructions to
/// 6,700 (docs/08-performance.md).
#[inline(always)]
fn fixed_depth_product<const K: usize>(a: &[f64], b: &[f64], out: &mut [f64]) {
    let n = b.len() / K;
    let mut j = 0;
    while j < n {
        j += match n - j {
            8.. => fixed_depth_columns::<K, 4, 8>(a, b, (j, n), out),
            4.. => fixed_depth_columns::<K, 8, 4>(a, b, (j, n), out),
            2.. => fixed_depth_columns::<K, 8, 2>(a, b, (j, n), out),
            _ => fixed_depth_columns::<K, 8, 1>(a, b, (j, n), out),
        };
    }
}

/// Columns `j..j + W` of `out = a · b` (a of `K` columns, out of n), `R`
/// rows at a time, then one by one; returns `W`.
#[inline(always)]
fn fixed_depth_columns<const K: usize, const R: usize, const W: usize>(
    a: &[f64],
    b: &[f64],
    (j, n): (usize, usize),
    out: &mut [f64],
) -> usize {
    let b_blocks: [&[f64; W]; K] =
        std::array::from_fn(|step| b[step * n + j..].first_chunk().expect("W columns from j"));
    let (a_rows, _) = a.as_chunks::<K>();
    let mut out_rows = out.chunks_exact_mut(n);
    let a_blocks = a_rows.chunks_exact(R);
    let a_left = a_blocks.remainder();
    for a_block in a_blocks {
        let mut sums = [[0.0; W]; R];
        for (step, b_block) in b_blocks.iter().enumerate() {
            for (row_sums, a_row) in sums.iter_mut().zip(a_block) {
                multiply_add(row_sums, a_row[step], b_block);
            }
        }
        for (row_sums, out_row) in sums.iter().zip(out_rows.by_ref()) {
            out_row[j..][..W].copy_from_slice(row_sums);
        }
    }
    for (a_row, out_row) in a_left.iter().zip(out_rows) {
        let mut sums = [0.0; W];
        for (&x, b_block) in a_row.iter().zip(&b_blocks) {
            multiply_add(&mut sums, x, b_block);
        }
        out_row[j..][..W].copy_from_slice(&sums);
    }
    W
}

/// `out = a · b` for a row-major k x n `b`, by the textbook loops: each
/// entry `Σₖ aᵢₖ bₖⱼ` is a chain of fused multiply-adds in the order of k
/// (as in `matrixmultiply`'s kernels, so both paths give the same bits on
/// processors with FMA), nothing packed or allocated. `out` goes in blocks
/// of 8, 4, 2 or 1 columns by 4 or 8 rows (eight sums of four, or fewer,
/// lanes: half the vector registers), then the rows left; a fixed-size
/// array holds a block's sums, which the compiler keeps in registers, and
/// each step of k loads the block's piece of b's row k once for all its rows.
#[inline(always)]
fn direct_product(a: Strided<'_>, b: &[f64], out: &mut [f64]) {
    let (k, n) = (a.cols, b.len().checked_div(a.cols).unwrap_or(0));
    if k == 0 || n == 0 {
        out.fill(0.0);
        return;
    }
    let mut j = 0;
    while j < n {
        j += match n - j {
            8.. => column_block::<4, 8>(a, b, n, j, out),
            4.. => column_block::<8, 4>(a, b, n, j, out),
            2.. => column_block::<8, 2>(a, b, n, j, out),
            _ => column_block::<8, 1>(a, b, n, j, out),
        };
    }
}

/// Columns `j..j + W` of `out = a · b` (n columns), `R` rows at a time,
/// then 4 (when `R` is larger), then one by one; returns `W`.
#[inline(always)]
fn column_block<const R: usize, const W: usize>(
    a: Strided<'_>,
    b: &[f64],
    n: usize,
    j: usize,
    out: &mut [f64],
) -> usize {
    let b_rows = rows(b, n);
    let m = out.len() / n;
    // Each size of block only when there are rows for it: setting one up
    // costs more than a small product's arithmetic.
    let mut done = 0;
    if m >= R {
        done += row_blocks::<R, W>(a, 0, b_rows.clone(), (j, n), out);
    }
    if R > 4 && m - done >= 4 {
        done += row_blocks::<4, W>(a, done, b_rows.clone(), (j, n), &mut out[done * n..]);
    }
    if m > done {
        row_blocks::<1, W>(a, done, b_rows, (j, n), &mut out[done * n..]);
    }
    W
}

/// Columns `j..j + W` of the rows of `out` (rows `first..` of `a · b`, n
/// columns), in blocks of `R` rows as long as there are `R` left; returns
/// how many rows it did.
#[inline(always)]
fn row_blocks<const R: usize, const W: usize>(
    a: Strided<'_>,
    first: usize,
    b_rows: std::slice::ChunksExact<'_, f64>,
    (j, n): (usize, usize),
    out: &mut [f64],
) -> usize {
    let k = a.cols;
    let out_blocks = out.chunks_exact_mut(R * n);
    let blocks = out_blocks.len();
    if a.col_stride == 1 {
        for (a_block, out_block) in a.data[first * k..].chunks_exact(R * k).zip(out_blocks) {
            store(row_major_sums::<R, W>(a_block, k, b_rows.clone(), j), out_block, n, j);
        }
    } else {
        // Column-major a: aᵢₖ is entry i of the k-th contiguous column.
        let a_columns = rows(a.data, a.col_stride);
        for (i, out_block) in (first..).step_by(R).zip(out_blocks) {
            store(
                column_major_sums::<R, W>(a_columns.clone(), i, b_rows.clone(), j),
                out_block,
                n,
                j,
            );
        }
    }
    blocks * R
}

/// `Σₖ aᵢₖ b[k, j..j + W]` for the `R` rows of a row-major `a` in `a_block`.
#[inline(always)]
fn row_major_sums<const R: usize, const W: usize>(
    a_block: &[f64],
    k: usize,
    b_rows: std::slice::ChunksExact<'_, f64>,
    j: usize,
) -> [[f64; W]; R] {
    let mut rest = a_block;
    let a_rows: [&[f64]; R] = std::array::from_fn(|_| {
        let (row, others) = rest.split_at(k);
        rest = others;
        row
    });
    let mut sums = [[0.0; W]; R];
    let mut b_rows = b_rows;
    // Eight steps of k at a time, each row's eight entries checked once
    // (checking each entry kept the compiler from keeping the sums in
    // registers).
    const STEPS: usize = 8;
    let mut first = 0;
    while first + STEPS <= k {
        let pieces: [&[f64; STEPS]; R] =
            std::array::from_fn(|r| a_rows[r][first..].first_chunk().expect("STEPS entries"));
        for step in 0..STEPS {
            let b_row = b_rows.next().expect("k rows of b");
            let b_block = b_row[j..].first_chunk().expect("W columns from j");
            for (row_sums, piece) in sums.iter_mut().zip(&pieces) {
                multiply_add(row_sums, piece[step], b_block);
            }
        }
        first += STEPS;
    }
    for (step, b_row) in (first..k).zip(b_rows) {
        let b_block = b_row[j..].first_chunk().expect("W columns from j");
        for (row_sums, a_row) in sums.iter_mut().zip(&a_rows) {
            multiply_add(row_sums, a_row[step], b_block);
        }
    }
    sums
}

/// `Σₖ aᵢₖ b[k, j..j + W]` for rows `i..i + R` of a column-major `a`.
#[inline(always)]
fn column_major_sums<const R: usize, const W: usize>(
    a_columns: std::slice::ChunksExact<'_, f64>,
    i: usize,
    b_rows: std::slice::ChunksExact<'_, f64>,
    j: usize,
) -> [[f64; W]; R] {
    let mut sums = [[0.0; W]; R];
    for (a_column, b_row) in a_columns.zip(b_rows) {
        let xs: &[f64; R] = a_column[i..].first_chunk().expect("R rows from i");
        let b_block = b_row[j..].first_chunk().expect("W columns from j");
        for (row_sums, &x) in sums.iter_mut().zip(xs) {
            multiply_add(row_sums, x, b_block);
        }
    }
    sums
}

/// Writes the sums into columns `j..j + W` of the rows of `out_block` (n columns each).
#[inline(always)]
fn store<const R: usize, const W: usize>(sums: [[f64; W]; R], out_block: &mut [f64], n: usize, j: usize) {
    let mut rest = out_block;
    for row_sums in &sums {
        let (row, others) = rest.split_at_mut(n);
        row[j..][..W].copy_from_slice(row_sums);
        rest = others;
    }
}

/// `sums += x · ys`, one fused multiply-add per entry.
#[inline(always)]
fn multiply_add<const W: usize>(sums: &mut [f64; W], x: f64, ys: &[f64; W]) {
    for (sum, &y) in sums.iter_mut().zip(ys) {
        *sum = x.mul_add(y, *sum);
    }
}

/// Runs `loop_over_slices`, a loop over `len` entries, compiled for the
/// best instruction set the processor has (AVX2 on most x86-64 machines,
/// twice the width of the baseline's SSE2), chosen when it runs by `pulp`;
/// a loop too short to gain from that runs as it is. The results are the
/// same bits: the same operations in the same order, only wider.
#[inline(always)]
pub(crate) fn vectorised<R>(len: usize, loop_over_slices: impl FnOnce() -> R) -> R {
    const WORTH_DISPATCHING: usize = 16;
    if len < WORTH_DISPATCHING {
        loop_over_slices()
    } else {
        processor().dispatch(Vectorised(loop_over_slices))
    }
}

/// The instruction sets of the processor this runs on, detected once (the
/// detection reads a dozen feature flags, too much to repeat per kernel).
fn processor() -> pulp::Arch {
    static PROCESSOR: std::sync::LazyLock<pulp::Arch> = std::sync::LazyLock::new(pulp::Arch::new);
    *PROCESSOR
}

/// A loop for [`vectorised`], forced inline into each of `pulp`'s copies.
struct Vectorised<F>(F);

impl<R, F: FnOnce() -> R> pulp::WithSimd for Vectorised<F> {
    type Output = R;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> R {
        (self.0)()
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

/// The shape that operands of shapes `a` and `b` broadcast to: NumPy's rule
/// on two dimensions, each dimension equal or 1 in one of them (checked
/// where the op is recorded).
pub(crate) fn broadcast_shape(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    let side = |x: usize, y: usize| if x == 1 { y } else { x };
    (side(a.0, b.0), side(a.1, b.1))
}

/// Whether operands of shapes `a` and `b` broadcast together.
pub(crate) fn broadcasts(a: (usize, usize), b: (usize, usize)) -> bool {
    let side = |x: usize, y: usize| x == y || x == 1 || y == 1;
    side(a.0, b.0) && side(a.1, b.1)
}

/// The shape of a reduction of `shape` along `axis`, keeping two dimensions.
pub(crate) fn reduced_shape((rows, cols): (usize, usize), axis: Axis) -> (usize, usize) {
    if axis.index() == 0 { (1, cols) } else { (rows, 1) }
}

/// `a` viewed as `shape`, repeated along its axes of length 1.
fn broadcast<'a>(a: &'a ArrayView2<'a, f64>, shape: (usize, usize)) -> ArrayView2<'a, f64> {
    a.broadcast(shape)
        .expect("the shapes broadcast (checked when recorded)")
}

/// `σ(x) = 1 / (1 + exp(-x))`, without overflow: for `x < 0` it is computed
/// as `exp(x) / (1 + exp(x))`, whose `exp` cannot overflow.
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `sign(x)` with `sign(0) = 0` (abs's subgradient at its kink), NaN for NaN.
pub(crate) fn sign(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x.signum() }
}

/// `p x^(p-1)`, the derivative of `x^p`, and 0 for `p = 0` (where `x^0 = 1`
/// is constant even at `x = 0`, whose `0^-1` would give NaN).
pub(crate) fn power_slope(x: f64, p: f64) -> f64 {
    if p == 0.0 { 0.0 } else { p * x.powf(p - 1.0) }
}

/// `max(x, y)`, NaN if either is (`f64::max` would hide a NaN).
pub(crate) fn maximum(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() { f64::NAN } else { x.max(y) }
}

/// `min(x, y)`, NaN if either is.
pub(crate) fn minimum(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() { f64::NAN } else { x.min(y) }
}

/// The share of the adjoint that `max(x, y)` sends to `x`: 1 where `x` is
/// the larger, ½ at a tie, 0 where it is the smaller (NaN passes through).
pub(crate) fn larger_share(x: f64, y: f64) -> f64 {
    if x > y {
        1.0
    } else if x == y {
        0.5
    } else if x < y {
        0.0
    } else {
        f64::NAN
    }
}

/// `max(x, 0)`, except that NaN stays NaN (`f64::max(x, 0.0)` would return 0
/// and hide it).
pub(crate) fn relu(x: f64) -> f64 {
    if x > 0.0 || x.is_nan() { x } else { 0.0 }
}

/// `f(t, a)` for every entry `t` of `target` and the matching entry of `a`
/// (broadcast to `target`'s shape), updating `target` in place.
pub(crate) fn update_with(target: &mut Array2<f64>, a: ArrayView2<f64>, f: impl Fn(&mut f64, f64)) {
    let same = target.dim() == a.dim();
    match (target.as_slice_mut(), a.as_slice()) {
        (Some(target_slice), Some(a_slice)) if same => {
            vectorised(target_slice.len(), || {
                target_slice.iter_mut().zip(a_slice).for_each(|(t, &x)| f(t, x))
            });
        }
        _ => {
            let shape = target.dim();
            Zip::from(target).and(&broadcast(&a, shape)).for_each(|t, &x| f(t, x));
        }
    }
}

/// `-a`, in place.
pub(crate) fn negated(mut a: Array2<f64>) -> Array2<f64> {
    match a.as_slice_memory_order_mut() {
        Some(slice) => vectorised(slice.len(), || slice.iter_mut().for_each(|x| *x = -*x)),
        None => a.map_inplace(|x| *x = -*x),
    }
    a
}

/// `Σᵢⱼ aᵢⱼ²`, with eight running sums over contiguous memory so the
/// compiler can vectorise it (and the rounding error grows more slowly).
pub(crate) fn sum_of_squares(a: ArrayView2<f64>) -> f64 {
    match a.as_slice_memory_order() {
        Some(slice) => vectorised(slice.len(), || {
            let mut lanes = [0.0; 8];
            let chunks = slice.chunks_exact(8);
            let tail: f64 = chunks.remainder().iter().map(|x| x * x).sum();
            for chunk in chunks {
                for (lane, x) in lanes.iter_mut().zip(chunk) {
                    *lane += x * x;
                }
            }
            lanes.iter().sum::<f64>() + tail
        }),
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

/// Writes a column-major m x n matrix (`columns`, a transposed view's
/// buffer: column j is the j-th run of m entries) into `out` row-major.
#[inline(always)]
fn columns_to_rows(columns: &[f64], (m, n): (usize, usize), out: &mut [f64]) {
    for (j, column) in rows(columns, m).enumerate() {
        for (out_row, &x) in rows_mut(out, n).zip(column) {
            out_row[j] = x;
        }
    }
}

/// The entry of a 1 x 1 matrix (a scalar, as a micrograd-style graph has
/// at every node), for which the kernels skip their slices and loops.
#[inline(always)]
fn only_entry(a: ArrayView2<'_, f64>) -> Option<f64> {
    (a.dim() == (1, 1)).then(|| a[[0, 0]])
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

/// `-log softmax(z)_label` for one row `z` of logits, its probabilities
/// written into `p` (see [`Kernels::cross_entropy`]).
#[inline(always)]
fn cross_entropy_row(row: &[f64], label: usize, p: &mut [f64]) -> f64 {
    let (max, sum) = shifted_exp_into(row, p);
    p.iter_mut().for_each(|p| *p /= sum);
    (max - row[label]) + sum.ln()
}

/// [`Kernels::cross_entropy`]'s sum over the rows, for rows of `N` logits.
struct CrossEntropyRows<'a> {
    logits: &'a [f64],
    labels: &'a [usize],
    out: &'a mut [f64],
}

impl ShortRows for CrossEntropyRows<'_> {
    type Output = f64;

    #[inline(always)]
    fn run<const N: usize>(self) -> f64 {
        let (rows, _) = self.logits.as_chunks::<N>();
        let (out_rows, _) = self.out.as_chunks_mut::<N>();
        let mut total = 0.0;
        for ((row, p), &label) in rows.iter().zip(out_rows).zip(self.labels) {
            total += cross_entropy_row(row, label, p);
        }
        total
    }
}

/// Writes `exp(aₖ - m)` into `out`, with `m` the row's maximum (so no
/// `exp` overflows), and returns `m` and `Σₖ exp(aₖ - m)`.
#[inline(always)]
fn shifted_exp_into(row: &[f64], out: &mut [f64]) -> (f64, f64) {
    let max = row_max(row);
    // One loop, summing as it goes: the sum's order (left to right) keeps
    // the compiler from pairing the entries around each `exp` call, which
    // cost more than it saved on the lab's rows of 3.
    let mut sum = 0.0;
    for (e, x) in out.iter_mut().zip(row) {
        *e = (x - max).exp();
        sum += *e;
    }
    (max, sum)
}

/// The largest entry (NaNs are passed over here; they reach the result
/// through the `exp` that follows).
#[inline(always)]
fn row_max(row: &[f64]) -> f64 {
    row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ArrayView2, ShapeBuilder};
    use proptest::prelude::*;

    use super::*;

    /// An m x n matrix of the given entries, row-major or column-major.
    fn matrix(shape: (usize, usize), entries: &[f64], column_major: bool) -> Array2<f64> {
        let entries = entries[..shape.0 * shape.1].to_vec();
        Array2::from_shape_vec(shape.set_f(column_major), entries).expect("enough entries")
    }

    /// `Σₖ aᵢₖ bₖⱼ` as a chain of fused multiply-adds in the order of k:
    /// what the direct loop computes, written the plainest way.
    fn fused_reference(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols()).fold(0.0, |sum, k| a[[i, k]].mul_add(b[[k, j]], sum))
        })
    }

    proptest! {
        /// The direct loop against `matrixmultiply` on every layout of the
        /// operands: equal within the rounding of k-term sums,
        /// `|Δ| ≤ 2 k ε Σₖ |aᵢₖ bₖⱼ|` (its kernels fuse or do not, depending on
        /// the processor), and bit for bit equal to the fused reference.
        #[test]
        fn direct_product_matches_matrixmultiply(
            // k up to 40: each depth a row-major a takes when compiled (1 to
            // 16), and deeper ones, eight steps at a time and the rest.
            (m, k, n) in (0usize..20, 0usize..41, 0usize..20),
            entries in prop::collection::vec(-10.0f64..10.0, 1600),
            (a_by_columns, b_by_columns) in (any::<bool>(), any::<bool>()),
        ) {
            let a = matrix((m, k), &entries, a_by_columns);
            let b = matrix((k, n), &entries[800..], b_by_columns);
            let mut direct = Array2::from_elem((m, n), f64::NAN);
            matmul_into(a.view(), b.view(), &mut direct);
            let mut packed = Array2::zeros((m, n));
            general_mat_mul(1.0, &a, &b, 0.0, &mut packed);
            let magnitudes = a.mapv(f64::abs).dot(&b.mapv(f64::abs));
            for ((d, p), size) in direct.iter().zip(&packed).zip(&magnitudes) {
                prop_assert!((d - p).abs() <= 2.0 * k as f64 * f64::EPSILON * size, "{d} vs {p}");
            }
            prop_assert_eq!(direct, fused_reference(a.view(), b.view()));
        }
    }

    proptest! {
        /// The kernels compiled for rows of each length up to
        /// `MAX_SHORT_ROW`, and the general loops past it, against the
        /// plainest loops over indices, bit for bit: a bias added to each
        /// row, the column sums (each from the top row down) and the
        /// cross-entropy with its probabilities. Finite entries only:
        /// a NaN's sign may differ (see [`for_short_rows`]).
        #[test]
        fn short_row_kernels_match_plain_loops(
            (m, n) in (0usize..12, 1usize..=MAX_SHORT_ROW + 3),
            entries in prop::collection::vec(-30.0f64..30.0, 12 * 19 + 19),
            label_picks in prop::collection::vec(0usize..19, 12),
        ) {
            let pool = Pool::default();
            let kernels = Kernels::new(&pool);
            let a = matrix((m, n), &entries, false);
            let bias = matrix((1, n), &entries[12 * 19..], false);

            let biased = kernels.add(a.view(), bias.view());
            let expected = Array2::from_shape_fn((m, n), |(i, j)| a[[i, j]] + bias[[0, j]]);
            prop_assert_eq!(biased, expected);
            let biased = kernels.zip_map(a.view(), bias.view(), |x, y| x * 2.0 - y);
            let expected = Array2::from_shape_fn((m, n), |(i, j)| a[[i, j]] * 2.0 - bias[[0, j]]);
            prop_assert_eq!(biased, expected);

            let sums = kernels.column_sums(a.view());
            let expected = Array2::from_shape_fn((1, n), |(_, j)| (0..m).fold(0.0, |sum, i| sum + a[[i, j]]));
            prop_assert_eq!(sums, expected);

            let labels: Vec<usize> = label_picks[..m].iter().map(|pick| pick % n).collect();
            let (loss, probabilities) = kernels.cross_entropy(a.view(), &labels);
            let mut total = 0.0;
            for (i, &label) in labels.iter().enumerate() {
                let row = a.row(i);
                let max = row.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
                let sum = row.iter().fold(0.0, |sum, &x| sum + (x - max).exp());
                for j in 0..n {
                    prop_assert_eq!(probabilities[[i, j]], (a[[i, j]] - max).exp() / sum);
                }
                total += (max - row[label]) + sum.ln();
            }
            if m > 0 {
                prop_assert_eq!(loss, total / m as f64);
            }
        }
    }

    #[test]
    fn a_transposed_right_operand_is_copied_and_multiplied_exactly() {
        // Kernels::matmul copies a column-major b to row-major first: on the
        // stack up to SMALL_COPY entries (a 2 x 4 Vᵀ, a 3 x 12 W₂ᵀ), else
        // into a buffer from the pool (9 x 9).
        let pool = Pool::default();
        let kernels = Kernels::new(&pool);
        for (m, k, n) in [(150, 2, 4), (16, 3, 12), (5, 8, 8), (6, 9, 9)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| (i as f64 - 2.0 * j as f64) / 3.0);
            let b_transposed = Array2::from_shape_fn((n, k), |(i, j)| (i as f64 * 0.5 + j as f64) / 7.0);
            let b = b_transposed.t();
            assert!(!b.is_standard_layout());
            assert_eq!(k * n <= SMALL_COPY, (m, k, n) != (6, 9, 9));
            let product = kernels.matmul(a.view(), b);
            assert_eq!(product, fused_reference(a.view(), b), "{m} x {k} x {n}");
        }
    }

    #[test]
    fn products_above_the_limit_go_to_matrixmultiply_and_agree() {
        // 30 x 30 x 30 = 27,000 multiply-adds: past the direct loop's limit.
        assert!(!is_direct_product(30, 30, 30));
        let a = Array2::from_shape_fn((30, 30), |(i, j)| (i as f64 - j as f64) / 7.0);
        let mut out = Array2::zeros((30, 30));
        matmul_into(a.view(), a.t(), &mut out);
        let reference = fused_reference(a.view(), a.t());
        for (x, y) in out.iter().zip(&reference) {
            assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0));
        }
    }

    #[test]
    fn a_view_that_is_not_contiguous_takes_the_general_path() {
        let a = Array2::from_shape_fn((6, 3), |(i, j)| (i * 3 + j) as f64);
        let every_other_row = a.slice_axis(Axis(0), ndarray::Slice::new(0, None, 2));
        assert!(Strided::of(every_other_row).is_none());
        let top = a.slice_axis(Axis(0), ndarray::Slice::from(..3));
        let mut out = Array2::zeros((3, 3));
        matmul_into(every_other_row, top, &mut out);
        assert_eq!(out, every_other_row.dot(&top));
    }
}
