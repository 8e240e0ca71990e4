//! Checking gradients against finite differences.
//!
//! For a scalar function `f` of matrices, the central difference
//! `(f(x + h eᵢⱼ) - f(x - h eᵢⱼ)) / 2h` approximates `∂f/∂xᵢⱼ` with an
//! error of order `h²` (truncation) plus `ε |f| / h` (rounding, `ε` the
//! machine epsilon). [`gradcheck`] compares it, element by element, with the
//! gradient that [`Tape::backward`] computes.
//!
//! # The output is weighted at random
//!
//! A check of `y(x).sum()` is weaker than it looks: the sum sends the
//! all-ones adjoint `G = 1` back to `y`, and under `G = 1` a rule that
//! forgets to multiply by `G` (`dA = exp(A)` for `dA = G ⊙ exp(A)`) gives the
//! right numbers. So the check never differentiates `f`'s output as it is:
//! it differentiates `⟨W, y⟩ = Σ W ⊙ y` for a fixed random `W` (entries of
//! magnitude 0.5 to 1.5, either sign), where `y` is `f`'s output, or, when
//! that output is the sum or the mean of a larger node, that node. Every
//! rule then meets an adjoint of varied entries, and a correct gradient of
//! `⟨W, y⟩` for one such `W` is, with probability one, a correct Jacobian of
//! `y`. `f` may therefore return a matrix of any shape.

use ndarray::Array2;
use thiserror::Error;

use crate::check::random::SplitMix64;
use crate::op::Op;
use crate::tape::Tape;
use crate::var::Var;

/// Derivatives smaller than this in magnitude are judged by their absolute
/// error only (see [`ElementCheck::rel_error`]).
pub const RELATIVE_ERROR_FLOOR: f64 = 1e-3;

/// The settings of a finite-difference check.
///
/// An element passes when `|analytic - numeric| <= abs_tol + rel_tol * |numeric|`.
/// The defaults are far tighter than PyTorch's `gradcheck` (atol 1e-5, rtol
/// 1e-3): with `h = 1e-6` in f64, central differences of well-scaled
/// functions agree with exact gradients to about 1e-9.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck {
    /// The finite-difference step `h`.
    pub step: f64,
    /// Absolute tolerance.
    pub abs_tol: f64,
    /// Relative tolerance, scaled by the numeric derivative.
    pub rel_tol: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            step: 1e-6,
            abs_tol: 1e-7,
            rel_tol: 1e-6,
        }
    }
}

/// One element's comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ElementCheck {
    /// Which input (position in the `inputs` slice).
    pub input: usize,
    /// Row of the element.
    pub row: usize,
    /// Column of the element.
    pub col: usize,
    /// The derivative from [`Tape::backward`].
    pub analytic: f64,
    /// The central-difference estimate.
    pub numeric: f64,
}

impl ElementCheck {
    /// `|analytic - numeric|`.
    pub fn abs_error(&self) -> f64 {
        (self.analytic - self.numeric).abs()
    }

    /// `|analytic - numeric| / max(|analytic|, |numeric|)`, or `None` when
    /// both are below [`RELATIVE_ERROR_FLOOR`]: there the rounding noise of
    /// the finite difference (about 1e-10) is the whole error, and the
    /// absolute error is the meaningful measure.
    pub fn rel_error(&self) -> Option<f64> {
        let scale = self.analytic.abs().max(self.numeric.abs());
        (scale >= RELATIVE_ERROR_FLOOR).then(|| self.abs_error() / scale)
    }
}

/// The outcome of a passing check.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckReport {
    /// How many elements were compared.
    pub elements: usize,
    /// The largest absolute error over all elements.
    pub max_abs_error: f64,
    /// The largest relative error over the elements whose derivative is at
    /// least [`RELATIVE_ERROR_FLOOR`] in magnitude.
    pub max_rel_error: f64,
    /// The element closest to failing (largest error relative to its tolerance).
    pub worst: Option<ElementCheck>,
}

/// Why a check failed.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum GradCheckError {
    /// An analytic derivative disagrees with its finite difference.
    #[error(
        "gradient mismatch at input {}, element ({}, {}): analytic {:e}, numeric {:e} \
         (abs error {:.3e} > {:e} + {:e}·|numeric|)",
        .element.input, .element.row, .element.col, .element.analytic, .element.numeric,
        .element.abs_error(), .abs_tol, .rel_tol
    )]
    Mismatch {
        /// The worst failing element.
        element: ElementCheck,
        /// The absolute tolerance in force.
        abs_tol: f64,
        /// The relative tolerance in force.
        rel_tol: f64,
    },
    /// The inputs have no elements: there is nothing to compare, and an
    /// empty check passing would prove nothing.
    #[error("nothing to check: the inputs have no elements")]
    NothingToCheck,
    /// A check that needs a 1 x 1 loss (the eps sweep, the localised
    /// check) was given another shape.
    #[error("the checked function must return a 1 x 1 value, got shape {0:?}")]
    NotScalar((usize, usize)),
    /// The function or a derivative was NaN or infinite.
    #[error("{what} is not finite ({value}) at input {input}, element ({row}, {col})")]
    NonFinite {
        /// What was not finite.
        what: &'static str,
        /// The offending value.
        value: f64,
        /// Which input was perturbed.
        input: usize,
        /// Row of the element.
        row: usize,
        /// Column of the element.
        col: usize,
    },
}

/// Checks the gradient of `f` at `inputs` with the default settings.
///
/// `f` records a function of its arguments (one [`Var`] per input, each a
/// parameter) on the given tape; its output, of any shape, is weighted at
/// random (see the [module documentation](self)). See [`GradCheck::run`].
///
/// ```
/// use autograd::gradcheck;
/// use ndarray::array;
///
/// // ||A - U Vᵀ||_F
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// let report = gradcheck(
///     |tape, x| (tape.constant(&a) - x[0].matmul(x[1].t())).frobenius_norm(),
///     &[array![[0.5], [0.2]], array![[0.3], [0.9]]],
/// )
/// .unwrap();
/// assert!(report.max_rel_error < 1e-6);
/// ```
pub fn gradcheck<F>(f: F, inputs: &[Array2<f64>]) -> Result<GradCheckReport, GradCheckError>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    GradCheck::default().run(f, inputs)
}

impl GradCheck {
    /// Compares the gradient of `f` at `inputs` with central differences on
    /// every element of every input.
    ///
    /// On failure the error names the input, the element (i, j), the
    /// analytic and the numeric derivative of the worst element.
    pub fn run<F>(&self, f: F, inputs: &[Array2<f64>]) -> Result<GradCheckReport, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        let elements = self.compare(f, inputs)?;
        if elements.is_empty() {
            return Err(GradCheckError::NothingToCheck);
        }
        let mut report = GradCheckReport {
            elements: elements.len(),
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            worst: None,
        };
        let mut worst_ratio = -1.0;
        for element in elements {
            report.max_abs_error = report.max_abs_error.max(element.abs_error());
            if let Some(rel_error) = element.rel_error() {
                report.max_rel_error = report.max_rel_error.max(rel_error);
            }
            let ratio = element.abs_error() / (self.abs_tol + self.rel_tol * element.numeric.abs());
            if ratio > worst_ratio {
                worst_ratio = ratio;
                report.worst = Some(element);
            }
        }
        match report.worst {
            Some(element) if worst_ratio > 1.0 => Err(GradCheckError::Mismatch {
                element,
                abs_tol: self.abs_tol,
                rel_tol: self.rel_tol,
            }),
            _ => Ok(report),
        }
    }

    /// The analytic and the numeric derivative of every element of every
    /// input, in order (input by input, each in row-major order), without
    /// judging them.
    pub fn compare<F>(&self, f: F, inputs: &[Array2<f64>]) -> Result<Vec<ElementCheck>, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        self.compare_outputs(f, inputs, Output::Weighted)
    }

    /// As [`GradCheck::compare`], but of `f`'s 1 x 1 output itself, not
    /// weighted: the eps sweep measures the finite differences of the
    /// function as it is.
    pub(crate) fn compare_unweighted<F>(
        &self,
        f: F,
        inputs: &[Array2<f64>],
    ) -> Result<Vec<ElementCheck>, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        self.compare_outputs(f, inputs, Output::AsItIs)
    }

    fn compare_outputs<F>(
        &self,
        f: F,
        inputs: &[Array2<f64>],
        output: Output,
    ) -> Result<Vec<ElementCheck>, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        let mut tape = Tape::new();
        let analytic = analytic_gradients(&tape, &f, inputs, output)?;
        let mut point: Vec<Array2<f64>> = inputs.to_vec();
        let mut elements = Vec::with_capacity(analytic.iter().map(Array2::len).sum());
        for (input, gradient) in analytic.iter().enumerate() {
            for ((row, col), &analytic) in gradient.indexed_iter() {
                let numeric = self.central_difference(&mut tape, &f, &mut point, input, (row, col), output)?;
                let non_finite = |what, value| GradCheckError::NonFinite {
                    what,
                    value,
                    input,
                    row,
                    col,
                };
                if !analytic.is_finite() {
                    return Err(non_finite("the analytic derivative", analytic));
                }
                if !numeric.is_finite() {
                    return Err(non_finite("the numeric derivative", numeric));
                }
                elements.push(ElementCheck {
                    input,
                    row,
                    col,
                    analytic,
                    numeric,
                });
            }
        }
        Ok(elements)
    }

    /// `(f(x + h eᵢⱼ) - f(x - h eᵢⱼ)) / (x₊ - x₋)` for one element. Dividing
    /// by the step actually taken (not 2h) removes the rounding of `x ± h`.
    fn central_difference<F>(
        &self,
        tape: &mut Tape,
        f: &F,
        point: &mut [Array2<f64>],
        input: usize,
        element: (usize, usize),
        output: Output,
    ) -> Result<f64, GradCheckError>
    where
        F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
    {
        let original = point[input][element];
        let up = original + self.step;
        let down = original - self.step;
        point[input][element] = up;
        let f_up = evaluate(tape, f, point, output)?;
        point[input][element] = down;
        let f_down = evaluate(tape, f, point, output)?;
        point[input][element] = original;
        Ok((f_up - f_down) / (up - down))
    }
}

/// Which scalar of `f`'s output a comparison differentiates.
#[derive(Clone, Copy)]
enum Output {
    /// `⟨W, y⟩` (see the [module documentation](self)).
    Weighted,
    /// The output itself, which must be 1 x 1.
    AsItIs,
}

impl Output {
    fn loss<'t>(self, output: Var<'t>) -> Result<Var<'t>, GradCheckError> {
        match (self, output.shape()) {
            (Output::Weighted, _) => Ok(weighted(output)),
            (Output::AsItIs, (1, 1)) => Ok(output),
            (Output::AsItIs, shape) => Err(GradCheckError::NotScalar(shape)),
        }
    }
}

/// Records `f` at `inputs` and returns the gradient of its output (weighted
/// or not) for each input.
fn analytic_gradients<F>(
    tape: &Tape,
    f: &F,
    inputs: &[Array2<f64>],
    output: Output,
) -> Result<Vec<Array2<f64>>, GradCheckError>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    let params: Vec<Var<'_>> = inputs.iter().map(|x| tape.parameter(x)).collect();
    let loss = output.loss(f(tape, &params))?;
    let grads = tape.backward(loss);
    Ok(params.iter().map(|p| grads[*p].clone()).collect())
}

/// `f`'s output (weighted or not) at `point`, recorded on the cleared `tape`.
fn evaluate<F>(tape: &mut Tape, f: &F, point: &[Array2<f64>], output: Output) -> Result<f64, GradCheckError>
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>]) -> Var<'t>,
{
    tape.clear();
    let params: Vec<Var<'_>> = point.iter().map(|x| tape.parameter(x)).collect();
    Ok(output.loss(f(tape, &params))?.item())
}

/// `⟨W, y⟩` for the output `y` the check weighs (see the [module
/// documentation](self)): `output` itself, or the operand of a sum or mean
/// that `output` is.
fn weighted(output: Var<'_>) -> Var<'_> {
    let tape = output.tape();
    let y = match tape.op(output.id()) {
        Op::Sum(a) | Op::Mean(a) if Var::new(tape, a).shape() != (1, 1) => Var::new(tape, a),
        _ => output,
    };
    let weights = tape.constant(output_weights(y.shape()));
    (y * weights).sum()
}

/// The weights `W` for an output of this shape: the same on every call, each
/// entry of magnitude uniform in `[0.5, 1.5)` with a random sign, so that no
/// entry of `y` is left out or dwarfed.
pub fn output_weights((rows, cols): (usize, usize)) -> Array2<f64> {
    let mut rng = SplitMix64::new(0x5EED);
    Array2::from_shape_simple_fn((rows, cols), || {
        let magnitude = rng.uniform(0.5, 1.5);
        if rng.next_u64() & 1 == 0 { magnitude } else { -magnitude }
    })
}
