//! Second derivatives: Hessian-vector products and small Hessians, by
//! differentiating a recorded gradient ([`Tape::grad`]).
//!
//! For a scalar `f` with gradient `∇f`, the Hessian `H` is the Jacobian of
//! `∇f`, and `H v = ∇⟨∇f, v⟩`: record the gradient as ops, contract it with
//! a constant direction `v`, and run the ordinary backward sweep from that
//! scalar. The whole `H` is never formed, so the cost is a small multiple
//! of one gradient's, whatever the number of parameters.

use ndarray::Array2;

use crate::tape::Tape;
use crate::var::Var;

/// The Hessian of `f` at `inputs` times `directions` (one per input, of its
/// shape): `H v`, one array per input. `f` records a 1 x 1 function as for
/// [`gradcheck`](crate::gradcheck()).
///
/// ```
/// use autograd::hvp;
/// use ndarray::array;
///
/// // f(x, y) = x²y: H = [[2y, 2x], [2x, 0]]; at (3, 2) along (1, 0), H v = (4, 6).
/// let hv = hvp(|_, p| (p[0].square() * p[1]).sum(), &[array![[3.0]], array![[2.0]]],
///              &[array![[1.0]], array![[0.0]]]);
/// assert_eq!((hv[0][[0, 0]], hv[1][[0, 0]]), (4.0, 6.0));
/// ```
///
/// # Panics
/// If `f` is not 1 x 1, a direction's shape differs from its input's, or
/// `f` uses a custom op (see [`Tape::grad`]).
#[track_caller]
pub fn hvp<F>(f: F, inputs: &[Array2<f64>], directions: &[Array2<f64>]) -> Vec<Array2<f64>>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    assert_eq!(inputs.len(), directions.len(), "hvp: one direction per input");
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let gradients = tape.grad(f(&tape, &params), &params);
    let along = directional(&tape, &gradients, directions);
    let second = tape.backward(along);
    params.iter().map(|p| second[*p].clone()).collect()
}

/// `⟨∇f, v⟩ = Σᵢ Σ ∇ᵢf ⊙ vᵢ`, recorded: the scalar whose gradient is `H v`.
#[track_caller]
pub(crate) fn directional<'t>(tape: &'t Tape, gradients: &[Var<'t>], directions: &[Array2<f64>]) -> Var<'t> {
    gradients
        .iter()
        .zip(directions)
        .map(|(g, v)| {
            assert_eq!(g.shape(), v.dim(), "hvp: a direction must have its input's shape");
            (*g * tape.constant(v)).sum()
        })
        .reduce(|sum, term| sum + term)
        .unwrap_or_else(|| tape.constant(Array2::zeros((1, 1))))
}

/// `H v` for `directions` (one per parameter), by one backward sweep from
/// [`directional`] through the recorded `gradients`, every parameter's
/// entries flattened row-major and concatenated in the order of `params`.
pub(crate) fn flat_hvp<'t>(
    tape: &'t Tape,
    params: &[Var<'t>],
    gradients: &[Var<'t>],
    directions: &[Array2<f64>],
) -> Vec<f64> {
    let second = tape.backward(directional(tape, gradients, directions));
    params.iter().flat_map(|p| second[*p].iter().copied()).collect()
}

/// The Hessian of `f` at `inputs`, for small problems: every input's
/// entries flattened row-major and concatenated, in the order of `inputs`,
/// so entry `(i, j)` is `∂²f / ∂xᵢ ∂xⱼ`. One backward sweep per row, all
/// through one recorded gradient.
///
/// ```
/// use autograd::hessian;
/// use ndarray::array;
///
/// // f(x) = x₀² x₁ + x₁³: H = [[2x₁, 2x₀], [2x₀, 6x₁]].
/// let h = hessian(|_, x| {
///     let (first, second) = (x[0], x[1]);
///     (first.square() * second + second.powf(3.0)).sum()
/// }, &[array![[1.0]], array![[2.0]]]);
/// assert_eq!(h, array![[4.0, 2.0], [2.0, 12.0]]);
/// ```
///
/// # Panics
/// As [`hvp`].
#[track_caller]
pub fn hessian<F>(f: F, inputs: &[Array2<f64>]) -> Array2<f64>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let tape = Tape::new();
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let gradients = tape.grad(f(&tape, &params), &params);
    let total: usize = inputs.iter().map(Array2::len).sum();
    let mut out = Array2::zeros((total, total));
    let mut row = 0;
    for (which, input) in inputs.iter().enumerate() {
        for entry in 0..input.len() {
            // Row `row` of H: the gradient of the one entry ∂f/∂x_row.
            let mut unit: Vec<Array2<f64>> = inputs.iter().map(|x| Array2::zeros(x.dim())).collect();
            unit[which].as_slice_mut().expect("row-major")[entry] = 1.0;
            let flat = flat_hvp(&tape, &params, &gradients, &unit);
            out.row_mut(row).iter_mut().zip(flat).for_each(|(h, x)| *h = x);
            row += 1;
        }
    }
    out
}
