//! The extreme eigenvalues of a Hessian from Hessian-vector products alone:
//! the Lanczos method.
//!
//! At a point where the gradient vanishes, the Hessian's eigenvalues say
//! what kind of point it is: all ≥ 0, a minimum (to second order); one < 0,
//! a saddle, and its eigenvector is a direction that leads down. Forming
//! the Hessian of n parameters takes n² numbers; Lanczos needs only the
//! products `H v` ([`hvp`](crate::hvp)), a few dozen of them.
//!
//! Lanczos in a paragraph: starting from a random unit vector `q₁`, build
//! an orthonormal basis `q₁, q₂, …` of the Krylov space `{q₁, H q₁, H² q₁, …}`
//! one product at a time, with the three-term recurrence
//! `β_j q_{j+1} = H q_j - α_j q_j - β_{j-1} q_{j-1}`. In that basis `H` is
//! the small tridiagonal matrix `T` of the `α`s and `β`s, and the extreme
//! eigenvalues of `T` (the Ritz values) converge to the extreme eigenvalues
//! of `H` long before the basis is complete. Each Ritz pair `(θ, y)` comes
//! with its residual `‖H y - θ y‖`, and `H` has an eigenvalue within that
//! distance of `θ`: a certificate, not an estimate. (Every new `q` is
//! orthogonalised against all earlier ones again, which costs little at
//! these sizes and keeps rounding from spoiling the basis.)

use ndarray::{Array2, ArrayView2};

use crate::check::random::SplitMix64;
use crate::second_order::flat_hvp;
use crate::tape::Tape;
use crate::var::Var;

/// The settings of a Lanczos run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lanczos {
    /// The most products `H v` (and basis vectors) to use.
    pub max_iterations: usize,
    /// Stop when both extreme Ritz pairs' residuals are below this times the
    /// largest Ritz value's magnitude.
    pub tolerance: f64,
    /// Seed of the random starting vector.
    pub seed: u64,
}

impl Default for Lanczos {
    fn default() -> Self {
        Lanczos {
            max_iterations: 300,
            tolerance: 1e-10,
            seed: 0,
        }
    }
}

/// An approximate eigenvalue, its unit eigenvector and how far from exact
/// the pair is.
#[derive(Clone, Debug, PartialEq)]
pub struct Eigenpair {
    /// The Ritz value `θ`.
    pub value: f64,
    /// The Ritz vector `y`, of unit length.
    pub vector: Vec<f64>,
    /// `‖H y - θ y‖`: some eigenvalue of `H` lies within it of `θ`.
    pub residual: f64,
}

/// The smallest and the largest eigenvalue of a symmetric operator.
#[derive(Clone, Debug, PartialEq)]
pub struct Extremes {
    /// The smallest.
    pub min: Eigenpair,
    /// The largest.
    pub max: Eigenpair,
    /// How many products `H v` the basis took (two more computed the residuals).
    pub iterations: usize,
}

impl Lanczos {
    /// The extreme eigenpairs of the symmetric n x n operator `apply`
    /// (`v ↦ H v`).
    ///
    /// ```
    /// use autograd::curvature::Lanczos;
    ///
    /// // H = diag(-2, 1, 3, 5), given only as its product.
    /// let diagonal = [-2.0, 1.0, 3.0, 5.0];
    /// let extremes = Lanczos::default().extremes(4, |v| v.iter().zip(&diagonal).map(|(x, d)| x * d).collect());
    /// assert!((extremes.min.value + 2.0).abs() < 1e-12 && (extremes.max.value - 5.0).abs() < 1e-12);
    /// assert!(extremes.min.residual < 1e-10);
    /// ```
    ///
    /// # Panics
    /// If `n` is 0 or `apply` returns a vector of another length.
    pub fn extremes(&self, n: usize, mut apply: impl FnMut(&[f64]) -> Vec<f64>) -> Extremes {
        assert!(n > 0, "Lanczos: the operator has no dimensions");
        let mut rng = SplitMix64::new(self.seed);
        let mut q = normalised((0..n).map(|_| rng.uniform(-1.0, 1.0)).collect());
        let mut basis: Vec<Vec<f64>> = Vec::new();
        let (mut alphas, mut betas): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
        loop {
            let mut w = apply(&q);
            assert_eq!(w.len(), n, "Lanczos: the operator returned a vector of another length");
            let alpha = dot(&q, &w);
            axpy(&mut w, -alpha, &q);
            if let (Some(previous), Some(&beta)) = (basis.last(), betas.last()) {
                axpy(&mut w, -beta, previous);
            }
            basis.push(q);
            alphas.push(alpha);
            // Full reorthogonalisation, twice ("twice is enough").
            for _ in 0..2 {
                for earlier in &basis {
                    let overlap = dot(earlier, &w);
                    axpy(&mut w, -overlap, earlier);
                }
            }
            let beta = dot(&w, &w).sqrt();
            let k = alphas.len();
            let (values, vectors) = tridiagonal_eigen(&alphas, &betas);
            let scale = values.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
            // The residual of Ritz pair i is |β_k| times the last component of its vector.
            let converged = [0, k - 1]
                .iter()
                .all(|&i| (beta * vectors[[k - 1, i]]).abs() <= self.tolerance * scale);
            let exhausted = beta <= 1e-14 * scale || k >= n || k >= self.max_iterations;
            if converged || exhausted {
                let ritz = |i: usize, apply: &mut dyn FnMut(&[f64]) -> Vec<f64>| {
                    let mut y = vec![0.0; n];
                    for (j, basis_vector) in basis.iter().enumerate() {
                        axpy(&mut y, vectors[[j, i]], basis_vector);
                    }
                    let y = normalised(y);
                    let mut r = apply(&y);
                    axpy(&mut r, -values[i], &y);
                    Eigenpair {
                        value: values[i],
                        residual: dot(&r, &r).sqrt(),
                        vector: y,
                    }
                };
                return Extremes {
                    min: ritz(0, &mut apply),
                    max: ritz(k - 1, &mut apply),
                    iterations: k,
                };
            }
            betas.push(beta);
            q = w.iter().map(|x| x / beta).collect();
        }
    }
}

/// The extreme eigenpairs of the Hessian of `f` at `inputs` (as for
/// [`hvp`](crate::hvp)), from products with one recorded gradient; the
/// eigenvectors are split back into one matrix per input.
///
/// ```
/// use autograd::curvature::{hessian_extremes, Lanczos};
/// use ndarray::array;
///
/// // f(x, y) = x² - y²: a saddle, with curvatures 2 and -2.
/// let (min, max) = hessian_extremes(
///     |_, p| (p[0].square() - p[1].square()).sum(),
///     &[array![[0.0]], array![[0.0]]],
///     &Lanczos::default(),
/// );
/// assert!((min.value + 2.0).abs() < 1e-12 && (max.value - 2.0).abs() < 1e-12);
/// assert!(min.direction[1][[0, 0]].abs() > 0.999); // along y
/// ```
///
/// # Panics
/// As [`hvp`](crate::hvp).
pub fn hessian_extremes<F>(f: F, inputs: &[Array2<f64>], lanczos: &Lanczos) -> (Curvature, Curvature)
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let gradients = tape.grad(f(&tape, &params), &params);
    let shapes: Vec<(usize, usize)> = inputs.iter().map(Array2::dim).collect();
    let n = inputs.iter().map(Array2::len).sum();
    let Extremes { min, max, iterations } =
        lanczos.extremes(n, |v| flat_hvp(&tape, &params, &gradients, &split(v, &shapes)));
    let curvature = |pair: Eigenpair| Curvature {
        value: pair.value,
        residual: pair.residual,
        direction: split(&pair.vector, &shapes),
        iterations,
    };
    (curvature(min), curvature(max))
}

/// An extreme eigenvalue of a Hessian, with its unit eigenvector as one
/// matrix per input.
#[derive(Clone, Debug, PartialEq)]
pub struct Curvature {
    /// The eigenvalue (a Ritz value).
    pub value: f64,
    /// `‖H y - θ y‖` (see [`Eigenpair::residual`]).
    pub residual: f64,
    /// The unit eigenvector, split into the inputs' shapes.
    pub direction: Vec<Array2<f64>>,
    /// How many Hessian-vector products Lanczos took.
    pub iterations: usize,
}

/// `v` cut into matrices of `shapes`, row-major, in order.
fn split(v: &[f64], shapes: &[(usize, usize)]) -> Vec<Array2<f64>> {
    let mut rest = v;
    shapes
        .iter()
        .map(|&(rows, cols)| {
            let (this, after) = rest.split_at(rows * cols);
            rest = after;
            Array2::from_shape_vec((rows, cols), this.to_vec()).expect("sizes add up")
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `y += a x`.
fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
}

fn normalised(v: Vec<f64>) -> Vec<f64> {
    let norm = dot(&v, &v).sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// The eigenvalues (ascending) and unit eigenvectors of the symmetric
/// tridiagonal matrix with `diagonal` and `off_diagonal` (see [`symmetric_eigen`]).
fn tridiagonal_eigen(diagonal: &[f64], off_diagonal: &[f64]) -> (Vec<f64>, Array2<f64>) {
    let k = diagonal.len();
    let mut a = Array2::from_diag(&ndarray::Array1::from(diagonal.to_vec()));
    for (i, &beta) in off_diagonal.iter().enumerate().take(k.saturating_sub(1)) {
        a[[i, i + 1]] = beta;
        a[[i + 1, i]] = beta;
    }
    symmetric_eigen(a)
}

/// The eigenvalues (ascending) and unit eigenvectors (columns, in the same
/// order) of the symmetric matrix `a`, by cyclic Jacobi rotations: each
/// rotation zeroes one off-diagonal entry, and the sweeps repeat until all
/// are negligible.
fn symmetric_eigen(mut a: Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let k = a.nrows();
    let mut v = Array2::eye(k);
    for _sweep in 0..100 {
        let off: f64 = off_norm(a.view());
        let total = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        if off <= 1e-15 * total {
            break;
        }
        for p in 0..k {
            for r in p + 1..k {
                if a[[p, r]] == 0.0 {
                    continue;
                }
                // The rotation that zeroes a[p, r] (Golub and Van Loan, 8.5).
                let theta = (a[[r, r]] - a[[p, p]]) / (2.0 * a[[p, r]]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                rotate(&mut a, p, r, c, s);
                for row in 0..k {
                    let (x, y) = (v[[row, p]], v[[row, r]]);
                    v[[row, p]] = c * x - s * y;
                    v[[row, r]] = s * x + c * y;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| a[[i, i]].total_cmp(&a[[j, j]]));
    let values = order.iter().map(|&i| a[[i, i]]).collect();
    let vectors = Array2::from_shape_fn((k, k), |(row, col)| v[[row, order[col]]]);
    (values, vectors)
}

/// `A ← Jᵀ A J` for the rotation `J` in the plane `(p, r)`.
fn rotate(a: &mut Array2<f64>, p: usize, r: usize, c: f64, s: f64) {
    let k = a.nrows();
    for i in 0..k {
        let (x, y) = (a[[i, p]], a[[i, r]]);
        a[[i, p]] = c * x - s * y;
        a[[i, r]] = s * x + c * y;
    }
    for j in 0..k {
        let (x, y) = (a[[p, j]], a[[r, j]]);
        a[[p, j]] = c * x - s * y;
        a[[r, j]] = s * x + c * y;
    }
}

/// The Frobenius norm of the off-diagonal part.
fn off_norm(a: ArrayView2<f64>) -> f64 {
    a.indexed_iter()
        .filter(|((i, j), _)| i != j)
        .map(|(_, x)| x * x)
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_finds_a_tridiagonal_matrix_s_eigenpairs() {
        // [[2, 1, 0], [1, 2, 1], [0, 1, 2]]: eigenvalues 2 - √2, 2, 2 + √2.
        let (values, vectors) = tridiagonal_eigen(&[2.0, 2.0, 2.0], &[1.0, 1.0]);
        let expected = [2.0 - 2f64.sqrt(), 2.0, 2.0 + 2f64.sqrt()];
        for (value, want) in values.iter().zip(expected) {
            assert!((value - want).abs() < 1e-14, "{values:?}");
        }
        let t = ndarray::array![[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]];
        for (i, &value) in values.iter().enumerate() {
            let y = vectors.column(i);
            let residual = &t.dot(&y) - &(&y * value);
            assert!(residual.iter().all(|r| r.abs() < 1e-13));
        }
    }

    #[test]
    fn lanczos_finds_the_extremes_of_a_dense_symmetric_matrix() {
        // M = B + Bᵀ for a fixed B: compare with Jacobi on the whole of M.
        let mut rng = SplitMix64::new(5);
        let b = rng.matrix(30, 30, -1.0, 1.0);
        let m = &b + &b.t();
        let extremes = Lanczos::default().extremes(30, |v| m.dot(&ndarray::Array1::from(v.to_vec())).to_vec());
        let (eigenvalues, _) = symmetric_eigen(m.clone());
        let min = eigenvalues.iter().copied().fold(f64::INFINITY, f64::min);
        let max = eigenvalues.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(
            (extremes.min.value - min).abs() < 1e-9,
            "{} vs {min}",
            extremes.min.value
        );
        assert!(
            (extremes.max.value - max).abs() < 1e-9,
            "{} vs {max}",
            extremes.max.value
        );
        assert!(extremes.min.residual < 1e-8 && extremes.max.residual < 1e-8);
    }
}
