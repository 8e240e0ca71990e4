//! A zoo of classic wrong backward rules, each planted in a custom op, each
//! caught by the checkers.
//!
//! Every exhibit is a [`CustomOp`] whose forward is right and whose VJP
//! makes one mistake that people really make; its documentation gives the
//! wrong rule, the right one, and why the mistake survives casual testing.
//! [`Bug`] lists them; [`Bug::specimen`] draws a small loss around each
//! (the buggy op between correct built-in neighbours), which can be recorded
//! with the bug or with the correct built-in ops in its place:
//!
//! ```
//! use autograd::LocalCheck;
//! use autograd::zoo::{Bug, Variant};
//!
//! let specimen = Bug::FlippedSign.specimen(0);
//! let diagnosis = specimen.diagnose(Variant::Buggy, &LocalCheck::default());
//! assert!(diagnosis.whole.is_err());
//! let culprits: Vec<&str> = diagnosis.local.failures().map(|node| node.op.as_str()).collect();
//! assert_eq!(culprits, ["sub_flipped_sign"]);
//! assert!(specimen.diagnose(Variant::Correct, &LocalCheck::default()).passed());
//! ```

use std::fmt;

use ndarray::{Array2, ArrayView2, Axis, Zip};

use crate::check::near_norm_tip;
use crate::check::random::SplitMix64;
use crate::check::{Diagnosis, LocalCheck};
use crate::custom::CustomOp;
use crate::kernels::{Kernels, frobenius_norm, sigmoid};
use crate::pool::Pool;
use crate::tape::Tape;
use crate::var::Var;

/// `C = A B` with the transpose forgotten in `dA`.
///
/// Wrong: `dA = G·B`. Right: `dA = G·Bᵀ`, `dB = Aᵀ·G`.
///
/// `G·B` only has the right shape when `B` is square, which is exactly when
/// the bug survives: code tested on square matrices runs, and the shapes
/// never complain. The values are still wrong unless `B` is symmetric.
#[derive(Clone, Copy, Debug)]
pub struct MatMulMissingTranspose;

impl CustomOp for MatMulMissingTranspose {
    fn name(&self) -> &str {
        Bug::MissingTranspose.op_name()
    }

    fn formula(&self) -> &str {
        "matmul_missing_transpose: dA = G·B, dB = Aᵀ·G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].dot(&inputs[1])
    }

    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.dot(&inputs[1]), inputs[0].t().dot(&grad)]
    }

    /// The forward rule is right: `Ċ = Ȧ·B + A·Ḃ`.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(tangents[0].dot(&inputs[1]) + inputs[0].dot(&tangents[1]))
    }
}

/// `C = A + 1 b` (a 1 x n bias added to every row) with the bias gradient
/// taken from the first row instead of summed over the rows.
///
/// Wrong: `db = G[0, :]`. Right: `db = 1ᵀ·G`, the column sums of `G`: the
/// bias was used by every row, so every row's adjoint flows back to it.
///
/// With a batch of one row the two agree, so the bug hides from any test
/// that feeds a single example.
#[derive(Clone, Copy, Debug)]
pub struct BiasNotSummed;

impl CustomOp for BiasNotSummed {
    fn name(&self) -> &str {
        Bug::BiasNotSummed.op_name()
    }

    fn formula(&self) -> &str {
        "add_bias_not_summed: dA = G, db = G[0, :] (first row only)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] + &inputs[1]
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let first_row = grad.row(0).to_owned().insert_axis(Axis(0));
        vec![grad.to_owned(), first_row]
    }

    /// The forward rule is right: `Ċ = Ȧ + ḃ`.
    fn jvp(
        &self,
        _inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(&tangents[0] + &tangents[1])
    }
}

/// `C = A - B` with the sign of `dB` flipped.
///
/// Wrong: `dB = G`. Right: `dA = G`, `dB = -G`.
///
/// Gradient descent with this rule climbs in `B` instead of descending; the
/// loss may still fall for a while through `A`, so a training curve alone
/// does not give it away.
#[derive(Clone, Copy, Debug)]
pub struct SubFlippedSign;

impl CustomOp for SubFlippedSign {
    fn name(&self) -> &str {
        Bug::FlippedSign.op_name()
    }

    fn formula(&self) -> &str {
        "sub_flipped_sign: dA = G, dB = G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] - &inputs[1]
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.to_owned(), grad.to_owned()]
    }

    /// The forward rule is right: `Ċ = Ȧ - Ḃ`.
    fn jvp(
        &self,
        _inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(&tangents[0] - &tangents[1])
    }
}

/// A shifted relu, `C = max(A, t)` (relu with its corner moved from
/// `(0, 0)` to `(t, t)`), whose rule masks by the output instead of the
/// input.
///
/// Wrong: `dA = G ⊙ [C > 0]`. Right: `dA = G ⊙ [A > t]`.
///
/// For relu itself (`t = 0`) the two masks are the same, `max(a, 0) > 0`
/// exactly when `a > 0`, which is why frameworks may keep only relu's output
/// (and why an in-place relu, whose input was overwritten by its output, is
/// safe). Copy that rule to any variant whose corner is off the origin and
/// the masks disagree: with `t < 0`, an input in `(t, 0]` passes through
/// (`C = A`, slope 1) but its output is not positive, so the wrong mask
/// drops its gradient.
#[derive(Clone, Copy, Debug)]
pub struct ShiftedReluOutputMask {
    /// The corner `t`.
    pub floor: f64,
}

impl CustomOp for ShiftedReluOutputMask {
    fn name(&self) -> &str {
        Bug::OutputMask.op_name()
    }

    fn formula(&self) -> &str {
        "shifted_relu_output_mask: C = max(A, t); dA = G⊙[C > 0]"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|a| a.max(self.floor))
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![
            Zip::from(&grad)
                .and(&output)
                .map_collect(|&g, &c| if c > 0.0 { g } else { 0.0 }),
        ]
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, element: (usize, usize), step: f64) -> Option<String> {
        let a = inputs[operand][element];
        ((a - self.floor).abs() <= step).then(|| {
            format!(
                "max(A, {}) is not differentiable at A = {}, and A = {a:e} is within h = {step:e} of it",
                self.floor, self.floor
            )
        })
    }

    /// The forward rule is right: `Ċ = Ȧ ⊙ [A > t]`.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(
            Zip::from(&inputs[0])
                .and(&tangents[0])
                .map_collect(|&a, &da| if a > self.floor { da } else { 0.0 }),
        )
    }
}

/// The Gram matrix `C = Aᵀ A`, whose rule assigns where it should add.
///
/// Wrong: `dA = A·Gᵀ`. Right: `dA = A·G + A·Gᵀ`.
///
/// `A` is used twice (fan-out): as the right factor it receives `A·G`, as
/// the left factor `A·Gᵀ`, and its adjoint is the sum. A loop over the uses
/// that assigns each contribution instead of adding it keeps only the last,
/// the same mistake as `x.grad = ...` instead of `x.grad += ...` in an engine
/// that stores gradients on nodes. With a symmetric `G` the wrong rule is
/// off by exactly a factor of 2, which looks like a learning-rate problem.
#[derive(Clone, Copy, Debug)]
pub struct GramAssigned;

impl CustomOp for GramAssigned {
    fn name(&self) -> &str {
        Bug::FanOutAssigned.op_name()
    }

    fn formula(&self) -> &str {
        "gram_assigned: C = Aᵀ·A; dA = A·Gᵀ (the A·G term overwritten)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].t().dot(&inputs[0])
    }

    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let a = inputs[0];
        let uses = [a.dot(&grad), a.dot(&grad.t())];
        let mut grad_a = Array2::zeros(a.dim());
        for contribution in uses {
            grad_a = contribution; // the bug: `grad_a += &contribution`
        }
        vec![grad_a]
    }

    /// The forward rule is right: `Ċ = Ȧᵀ·A + Aᵀ·Ȧ`.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(tangents[0].t().dot(&inputs[0]) + inputs[0].t().dot(&tangents[0]))
    }
}

/// Row-wise log-softmax, `Y = A - log(Σⱼ exp(A)) 1ᵀ`, without the softmax
/// term in its rule.
///
/// Wrong: `dA = G`. Right: `dA = G - softmax(A) ⊙ rowsum(G)`.
///
/// The `- log Σ exp` part depends on every entry of the row; forgetting it
/// treats log-softmax as the identity. Followed by a loss whose adjoint
/// rows sum to zero the term vanishes, so the bug can hide behind such a loss.
#[derive(Clone, Copy, Debug)]
pub struct LogSoftmaxWithoutSoftmax;

impl CustomOp for LogSoftmaxWithoutSoftmax {
    fn name(&self) -> &str {
        Bug::LogSoftmaxWithoutSoftmax.op_name()
    }

    fn formula(&self) -> &str {
        "log_softmax_without_softmax: dA = G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        Kernels::new(&Pool::default()).log_softmax(inputs[0])
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.to_owned()]
    }

    /// The forward rule is right: `Ẏ = Ȧ - rowsum(softmax(A) ⊙ Ȧ)`, with `softmax(A) = exp(Y)`.
    fn jvp(
        &self,
        _inputs: &[ArrayView2<f64>],
        output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        let weighted = (&output.mapv(f64::exp) * &tangents[0])
            .sum_axis(Axis(1))
            .insert_axis(Axis(1));
        Some(&tangents[0] - &weighted)
    }
}

/// The Frobenius norm `s = ||A||_F` with its rule missing the division.
///
/// Wrong: `dA = g·A` (the gradient of `||A||²/2`). Right: `dA = g·A / ||A||_F`.
///
/// It differs by the factor `||A||`, so it agrees wherever the norm happens
/// to be 1, and otherwise only rescales the step, which a tuned learning
/// rate absorbs: the loss still falls.
#[derive(Clone, Copy, Debug)]
pub struct NormMissingDivision;

impl CustomOp for NormMissingDivision {
    fn name(&self) -> &str {
        Bug::NormMissingDivision.op_name()
    }

    fn formula(&self) -> &str {
        "frobenius_norm_missing_division: dA = g·A"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        Kernels::new(&Pool::default()).scalar(frobenius_norm(inputs[0]))
    }

    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let g = grad[[0, 0]];
        vec![inputs[0].mapv(|a| g * a)]
    }

    fn kink(&self, inputs: &[ArrayView2<f64>], operand: usize, _element: (usize, usize), step: f64) -> Option<String> {
        near_norm_tip(inputs[operand], step)
    }

    /// The forward rule is right: `ṡ = ⟨A, Ȧ⟩ / ‖A‖`.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        let norm = output[[0, 0]];
        let inner = (&inputs[0] * &tangents[0]).sum();
        Some(ndarray::array![[if norm == 0.0 { 0.0 } else { inner / norm }]])
    }
}

/// `C = A + b` with `b` an m x 1 column added to every column of the
/// m x n `A` (broadcast across the columns), and the column's adjoint not
/// summed: the classic broadcasting bug.
///
/// Wrong: `db = G[:, 0]`. Right: `db = G 1`, the row sums of `G`: the column
/// was repeated n times, so its adjoint collects all n copies' adjoints.
///
/// Any rule that brings `G` back to `b`'s shape by picking entries instead
/// of summing them keeps the shapes right, so nothing complains; with a
/// single column (n = 1) it is even correct.
#[derive(Clone, Copy, Debug)]
pub struct BroadcastNotReduced;

impl CustomOp for BroadcastNotReduced {
    fn name(&self) -> &str {
        Bug::BroadcastNotReduced.op_name()
    }

    fn formula(&self) -> &str {
        "add_column_not_reduced: dA = G, db = G[:, 0] (first column only)"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        &inputs[0] + &inputs[1]
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        let first_column = grad.column(0).to_owned().insert_axis(Axis(1));
        vec![grad.to_owned(), first_column]
    }

    /// The forward rule is right: `Ċ = Ȧ + ḃ`.
    fn jvp(
        &self,
        _inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(&tangents[0] + &tangents[1])
    }
}

/// The logistic sigmoid `C = σ(A)` with the derivative `σ` where `σ(1 - σ)`
/// belongs.
///
/// Wrong: `dA = G ⊙ C`. Right: `dA = G ⊙ C ⊙ (1 - C)`.
///
/// `exp`'s rule `dA = G ⊙ C` copied to its cousin. Where `σ(A)` is near 0
/// the two agree to first order, so on strongly negative inputs the bug
/// hides; at `A = 0` it is off by a factor 2, and the loss still falls.
#[derive(Clone, Copy, Debug)]
pub struct SigmoidMissingOneMinus;

impl CustomOp for SigmoidMissingOneMinus {
    fn name(&self) -> &str {
        Bug::SigmoidMissingOneMinus.op_name()
    }

    fn formula(&self) -> &str {
        "sigmoid_missing_one_minus: dA = G⊙C"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(sigmoid)
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![&grad * &output]
    }

    /// The forward rule is right: `Ċ = C ⊙ (1 - C) ⊙ Ȧ`.
    fn jvp(
        &self,
        _inputs: &[ArrayView2<f64>],
        output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(
            Zip::from(&output)
                .and(&tangents[0])
                .map_collect(|&c, &da| c * (1.0 - c) * da),
        )
    }
}

/// The natural logarithm `C = log(A)` with its rule forgetting the `1/A`.
///
/// Wrong: `dA = G`. Right: `dA = G / A`.
///
/// Right wherever `A = 1`, and near it only slightly off: a test at inputs
/// close to 1 passes it.
#[derive(Clone, Copy, Debug)]
pub struct LogMissingReciprocal;

impl CustomOp for LogMissingReciprocal {
    fn name(&self) -> &str {
        Bug::LogMissingReciprocal.op_name()
    }

    fn formula(&self) -> &str {
        "log_missing_reciprocal: dA = G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(f64::ln)
    }

    fn vjp(&self, _inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.to_owned()]
    }

    /// The forward rule is right: `Ċ = Ȧ / A`.
    fn jvp(
        &self,
        inputs: &[ArrayView2<f64>],
        _output: ArrayView2<f64>,
        tangents: &[ArrayView2<f64>],
    ) -> Option<Array2<f64>> {
        Some(&tangents[0] / &inputs[0])
    }
}

/// The exhibits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bug {
    /// [`MatMulMissingTranspose`].
    MissingTranspose,
    /// [`BiasNotSummed`].
    BiasNotSummed,
    /// [`SubFlippedSign`].
    FlippedSign,
    /// [`ShiftedReluOutputMask`].
    OutputMask,
    /// [`GramAssigned`].
    FanOutAssigned,
    /// [`LogSoftmaxWithoutSoftmax`].
    LogSoftmaxWithoutSoftmax,
    /// [`NormMissingDivision`].
    NormMissingDivision,
    /// [`BroadcastNotReduced`].
    BroadcastNotReduced,
    /// [`SigmoidMissingOneMinus`].
    SigmoidMissingOneMinus,
    /// [`LogMissingReciprocal`].
    LogMissingReciprocal,
}

/// Which rule a specimen is recorded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The buggy custom op.
    Buggy,
    /// The correct built-in ops in its place.
    Correct,
}

/// The corner of the [`ShiftedReluOutputMask`] specimen.
const FLOOR: f64 = -1.0;

impl Bug {
    /// Every exhibit, in the order of the documentation.
    pub const ALL: [Bug; 10] = [
        Bug::MissingTranspose,
        Bug::BiasNotSummed,
        Bug::FlippedSign,
        Bug::OutputMask,
        Bug::FanOutAssigned,
        Bug::LogSoftmaxWithoutSoftmax,
        Bug::NormMissingDivision,
        Bug::BroadcastNotReduced,
        Bug::SigmoidMissingOneMinus,
        Bug::LogMissingReciprocal,
    ];

    /// What goes wrong, in a few words.
    pub fn title(self) -> &'static str {
        match self {
            Bug::MissingTranspose => "matmul missing a transpose",
            Bug::BiasNotSummed => "bias gradient not summed over rows",
            Bug::FlippedSign => "flipped sign in sub",
            Bug::OutputMask => "shifted relu masking by its output, not its input",
            Bug::FanOutAssigned => "assignment instead of accumulation on fan-out (Aᵀ·A)",
            Bug::LogSoftmaxWithoutSoftmax => "log-softmax without its softmax term",
            Bug::NormMissingDivision => "norm gradient missing its 1/||A||",
            Bug::BroadcastNotReduced => "broadcast column not summed over the columns",
            Bug::SigmoidMissingOneMinus => "sigmoid's derivative σ instead of σ(1 - σ)",
            Bug::LogMissingReciprocal => "log's derivative missing its 1/A",
        }
    }

    /// The name of the buggy custom op: the node the localised check must blame.
    pub fn op_name(self) -> &'static str {
        match self {
            Bug::MissingTranspose => "matmul_missing_transpose",
            Bug::BiasNotSummed => "add_bias_not_summed",
            Bug::FlippedSign => "sub_flipped_sign",
            Bug::OutputMask => "shifted_relu_output_mask",
            Bug::FanOutAssigned => "gram_assigned",
            Bug::LogSoftmaxWithoutSoftmax => "log_softmax_without_softmax",
            Bug::NormMissingDivision => "frobenius_norm_missing_division",
            Bug::BroadcastNotReduced => "add_column_not_reduced",
            Bug::SigmoidMissingOneMinus => "sigmoid_missing_one_minus",
            Bug::LogMissingReciprocal => "log_missing_reciprocal",
        }
    }

    /// The correct rule.
    pub fn correct_formula(self) -> &'static str {
        match self {
            Bug::MissingTranspose => "dA = G·Bᵀ, dB = Aᵀ·G",
            Bug::BiasNotSummed => "dA = G, db = 1ᵀ·G (sum over rows)",
            Bug::FlippedSign => "dA = G, dB = -G",
            Bug::OutputMask => "dA = G⊙[A > t]",
            Bug::FanOutAssigned => "dA = A·G + A·Gᵀ",
            Bug::LogSoftmaxWithoutSoftmax => "dA = G - softmax(A)⊙rowsum(G)",
            Bug::NormMissingDivision => "dA = g·A/||A||_F",
            Bug::BroadcastNotReduced => "dA = G, db = G·1 (sum over columns)",
            Bug::SigmoidMissingOneMinus => "dA = G⊙C⊙(1 - C)",
            Bug::LogMissingReciprocal => "dA = G/A",
        }
    }

    /// A small loss around the buggy op, drawn from `seed`: entries uniform
    /// in `[-2, 2)` (or `[-1, 1)` for weights), a few rows and columns.
    pub fn specimen(self, seed: u64) -> Specimen {
        let mut rng = SplitMix64::new(seed);
        let mut draw = |rows, cols| rng.matrix(rows, cols, -2.0, 2.0);
        let (parameters, constants) = match self {
            // loss = ||A B - Y||², A 4 x 3, B 3 x 3 (square, or G·B would not even fit).
            Bug::MissingTranspose => (vec![draw(4, 3), draw(3, 3)], vec![draw(4, 3)]),
            // loss = cross_entropy(X W + 1 b, y), X 5 x 3, W 3 x 4, b 1 x 4.
            Bug::BiasNotSummed => (vec![draw(3, 4), draw(1, 4)], vec![draw(5, 3)]),
            // loss = ||A - U Vᵀ||_F, A 4 x 3, U 4 x 2, V 3 x 2.
            Bug::FlippedSign | Bug::NormMissingDivision => (vec![draw(4, 2), draw(3, 2)], vec![draw(4, 3)]),
            // loss = ||max(X, t) V||², X 4 x 3, V 3 x 2.
            Bug::OutputMask => {
                let mut x = draw(4, 3);
                // Away from the corner (the whole-function check knows no
                // kinks), and one entry where the two masks disagree.
                x.mapv_inplace(|a| if (a - FLOOR).abs() < 0.05 { a + 0.1 } else { a });
                x[[0, 0]] = FLOOR / 2.0;
                (vec![x, draw(3, 2)], vec![])
            }
            // loss = Σ W ⊙ (Aᵀ A), A 4 x 3, W 3 x 3 not symmetric.
            Bug::FanOutAssigned => (vec![draw(4, 3)], vec![draw(3, 3)]),
            // loss = -(1/5) Σ onehot(y) ⊙ log_softmax(X W), X 5 x 3, W 3 x 4.
            Bug::LogSoftmaxWithoutSoftmax => (vec![draw(3, 4)], vec![draw(5, 3)]),
            // loss = ||U Vᵀ + b - A||², U 4 x 2, V 3 x 2, b 4 x 1 (a row offset).
            Bug::BroadcastNotReduced => (vec![draw(4, 2), draw(3, 2), draw(4, 1)], vec![draw(4, 3)]),
            // loss = ||σ(X w) - y||², X 5 x 3, w 3 x 1, y 5 x 1.
            Bug::SigmoidMissingOneMinus => (vec![draw(3, 1)], vec![draw(5, 3), draw(5, 1)]),
            // loss = ||log(P) - Y||², P 4 x 3 with entries in [0.5, 2.5), Y 4 x 3.
            Bug::LogMissingReciprocal => {
                let positive = draw(4, 3).mapv(|x| 1.5 + x / 2.0);
                (vec![positive], vec![draw(4, 3)])
            }
        };
        let labels = (0..5).map(|_| rng.between(0, 3)).collect();
        Specimen {
            bug: self,
            parameters,
            constants,
            labels,
        }
    }
}

/// A drawn loss around one bug.
#[derive(Clone, Debug, PartialEq)]
pub struct Specimen {
    /// The bug on display.
    pub bug: Bug,
    /// The differentiated inputs.
    pub parameters: Vec<Array2<f64>>,
    /// The data.
    pub constants: Vec<Array2<f64>>,
    /// Class labels (for the specimens with a classification loss).
    pub labels: Vec<usize>,
}

impl Specimen {
    /// Records the specimen's loss on `tape` with the parameters already
    /// recorded, the buggy op or the correct built-ins in the middle.
    pub fn record<'t>(&self, tape: &'t Tape, x: &[Var<'t>], variant: Variant) -> Var<'t> {
        let c: Vec<Var<'t>> = self.constants.iter().map(|c| tape.constant(c)).collect();
        let buggy = variant == Variant::Buggy;
        match self.bug {
            Bug::MissingTranspose => {
                let product = match buggy {
                    true => tape.custom(MatMulMissingTranspose, &[x[0], x[1]]),
                    false => x[0].matmul(x[1]),
                };
                (product - c[0]).sum_squares()
            }
            Bug::BiasNotSummed => {
                let z = c[0].matmul(x[0]);
                let logits = match buggy {
                    true => tape.custom(BiasNotSummed, &[z, x[1]]),
                    false => z.add_bias(x[1]),
                };
                logits.cross_entropy(&self.labels)
            }
            Bug::FlippedSign => {
                let approximation = x[0].matmul(x[1].t());
                let residual = match buggy {
                    true => tape.custom(SubFlippedSign, &[c[0], approximation]),
                    false => c[0] - approximation,
                };
                residual.frobenius_norm()
            }
            Bug::OutputMask => {
                let hidden = match buggy {
                    true => tape.custom(ShiftedReluOutputMask { floor: FLOOR }, &[x[0]]),
                    // max(a, t) = relu(a - t) + t
                    false => x[0].add_scalar(-FLOOR).relu().add_scalar(FLOOR),
                };
                hidden.matmul(x[1]).sum_squares()
            }
            Bug::FanOutAssigned => {
                let gram = match buggy {
                    true => tape.custom(GramAssigned, &[x[0]]),
                    false => x[0].t().matmul(x[0]),
                };
                (gram * c[0]).sum()
            }
            Bug::LogSoftmaxWithoutSoftmax => {
                let z = c[0].matmul(x[0]);
                let log_probabilities = match buggy {
                    true => tape.custom(LogSoftmaxWithoutSoftmax, &[z]),
                    false => z.log_softmax(),
                };
                let (rows, classes) = z.shape();
                let one_hot = Array2::from_shape_fn((rows, classes), |(i, k)| f64::from(u8::from(self.labels[i] == k)));
                (log_probabilities * tape.constant(one_hot))
                    .sum()
                    .scale(-1.0 / rows as f64)
            }
            Bug::NormMissingDivision => {
                let residual = c[0] - x[0].matmul(x[1].t());
                match buggy {
                    true => tape.custom(NormMissingDivision, &[residual]),
                    false => residual.frobenius_norm(),
                }
            }
            Bug::BroadcastNotReduced => {
                let product = x[0].matmul(x[1].t());
                let offset = match buggy {
                    true => tape.custom(BroadcastNotReduced, &[product, x[2]]),
                    false => product + x[2],
                };
                (offset - c[0]).sum_squares()
            }
            Bug::SigmoidMissingOneMinus => {
                let z = c[0].matmul(x[0]);
                let probability = match buggy {
                    true => tape.custom(SigmoidMissingOneMinus, &[z]),
                    false => z.sigmoid(),
                };
                (probability - c[1]).sum_squares()
            }
            Bug::LogMissingReciprocal => {
                let logarithm = match buggy {
                    true => tape.custom(LogMissingReciprocal, &[x[0]]),
                    false => x[0].log(),
                };
                (logarithm - c[0]).sum_squares()
            }
        }
    }

    /// Runs the whole-function and the localised check on the specimen.
    pub fn diagnose(&self, variant: Variant, check: &LocalCheck) -> Diagnosis {
        check.diagnose(|tape, x| self.record(tape, x, variant), &self.parameters)
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}
