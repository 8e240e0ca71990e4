//! The VJP tasks (3 to 12): each op's cases, the engine's op it must agree
//! with, its classic mistakes and its conventions at kinks.

use std::rc::Rc;

use autograd::CustomOp;
use ndarray::{Array2, ArrayView2, Axis, Zip, array};

use super::Draw;
use super::reference::Engine;
use super::vjp::{Case, Convention, Mistake, OpUnderTest, Point, grade_ops};
use crate::given::softmax_rows;
use crate::submission::Submission;
use crate::tasks::Grade;

const A: &[&str] = &["A"];
const AB: &[&str] = &["A", "B"];
const A_BIAS: &[&str] = &["A", "b"];
const Z: &[&str] = &["Z"];

/// A learner's op with no catalogued mistake or convention yet.
fn under_test(op: &Rc<dyn CustomOp>, operands: &'static [&'static str], reference: Engine) -> OpUnderTest {
    OpUnderTest {
        op: Rc::clone(op),
        operands,
        reference,
        mistakes: Vec::new(),
        conventions: Vec::new(),
    }
}

/// `G ⊙ f(x)` for each entry `x` of `x`.
fn times(grad: ArrayView2<f64>, x: ArrayView2<f64>, f: impl Fn(f64) -> f64) -> Option<Array2<f64>> {
    (grad.dim() == x.dim()).then(|| Zip::from(&grad).and(&x).map_collect(|&g, &x| g * f(x)))
}

/// `a · b`, where the shapes fit.
fn product(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Option<Array2<f64>> {
    (a.ncols() == b.nrows()).then(|| a.dot(&b))
}

/// `g`, the one entry of a 1 x 1 adjoint.
fn scalar(p: &Point<'_>) -> f64 {
    p.grad[[0, 0]]
}

/// Task 3.
pub(crate) fn add_sub_mul(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "add-sub-mul");
    let mut cases = || {
        vec![
            Case::distinct(vec![draw.matrix(3, 4, -2.0, 2.0), draw.matrix(3, 4, -2.0, 2.0)]),
            Case::shared(draw.matrix(3, 4, -2.0, 2.0), 2),
        ]
    };
    let add = under_test(&submission.add, AB, Engine::new("add", |x| x[0] + x[1]));
    let mut sub = under_test(&submission.sub, AB, Engine::new("sub", |x| x[0] - x[1]));
    sub.mistakes.push(Mistake::new(
        1,
        "sign flipped: dB = G, but B enters C = A - B with a minus sign: dB = -G",
        |p| Some(p.grad.to_owned()),
    ));
    let mut mul = under_test(&submission.mul, AB, Engine::new("mul", |x| x[0] * x[1]));
    mul.mistakes.push(Mistake::new(
        0,
        "dA = G ⊙ A reads the wrong operand: C = A ⊙ B moves with A at the rate B, so dA = G ⊙ B",
        |p| times(p.grad, p.inputs[0], |a| a),
    ));
    mul.mistakes.push(Mistake::new(
        1,
        "dB = G ⊙ B reads the wrong operand: C = A ⊙ B moves with B at the rate A, so dB = G ⊙ A",
        |p| times(p.grad, p.inputs[1], |b| b),
    ));
    let ops = [(add, cases()), (sub, cases()), (mul, cases())];
    grade_ops(&ops, &mut Draw::new(seed, "add-sub-mul adjoints"))
}

/// Task 4.
pub(crate) fn matmul(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "matmul");
    let mut op = under_test(&submission.matmul, AB, Engine::new("matmul", |x| x[0].matmul(x[1])));
    op.mistakes.push(Mistake::new(
        0,
        "transposed: dA = G·B uses B where its transpose belongs: Cᵢₖ = Σⱼ Aᵢⱼ Bⱼₖ gives dA = G·Bᵀ \
         (with a square B the shapes cannot tell)",
        |p| product(p.grad, p.inputs[1]),
    ));
    op.mistakes.push(Mistake::new(
        1,
        "transposed: dB = Gᵀ·A is the transpose of the right dB = Aᵀ·G",
        |p| product(p.grad.t(), p.inputs[0]),
    ));
    let cases = vec![
        // A square B first: there the missing transpose fits the shapes.
        Case::distinct(vec![draw.matrix(4, 3, -2.0, 2.0), draw.matrix(3, 3, -2.0, 2.0)]),
        Case::distinct(vec![draw.matrix(2, 4, -2.0, 2.0), draw.matrix(4, 3, -2.0, 2.0)]),
        Case::shared(draw.matrix(3, 3, -2.0, 2.0), 2),
    ];
    grade_ops(&[(op, cases)], &mut draw)
}

/// Task 5.
pub(crate) fn transpose(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "transpose");
    let mut op = under_test(&submission.transpose, A, Engine::new("transpose", |x| x[0].t()));
    op.mistakes.push(Mistake::new(
        0,
        "transposed: dA = G has the shape of Aᵀ; C = Aᵀ puts Aⱼᵢ at Cᵢⱼ, so dA = Gᵀ \
         (with a square A the shapes cannot tell)",
        |p| Some(p.grad.to_owned()),
    ));
    let cases = vec![
        Case::distinct(vec![draw.matrix(3, 3, -2.0, 2.0)]),
        Case::distinct(vec![draw.matrix(2, 4, -2.0, 2.0)]),
    ];
    grade_ops(&[(op, cases)], &mut draw)
}

/// Task 6.
pub(crate) fn add_bias(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "add-bias");
    let mut bias = under_test(
        &submission.add_bias,
        A_BIAS,
        Engine::new("add_bias", |x| x[0].add_bias(x[1])),
    );
    bias.mistakes.push(Mistake::new(
        1,
        "bias averaged over rows, not summed: db = 1ᵀ·G / m; b was used by each of the m rows, so db = 1ᵀ·G",
        |p| p.grad.mean_axis(Axis(0)).map(|mean| mean.insert_axis(Axis(0))),
    ));
    let column = under_test(
        &submission.add_column,
        A_BIAS,
        Engine::new("add_column", |x| x[0] + x[1]),
    );
    let ops = [
        (
            bias,
            vec![Case::distinct(vec![
                draw.matrix(5, 3, -2.0, 2.0),
                draw.matrix(1, 3, -2.0, 2.0),
            ])],
        ),
        (
            column,
            vec![Case::distinct(vec![
                draw.matrix(4, 3, -2.0, 2.0),
                draw.matrix(4, 1, -2.0, 2.0),
            ])],
        ),
    ];
    grade_ops(&ops, &mut draw)
}

/// The corner of the `max(A, t)` the relu task grades.
const FLOOR: f64 = -0.5;

/// Task 7.
pub(crate) fn relu(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "relu");
    let mut relu = under_test(&submission.relu, A, Engine::new("relu", |x| x[0].relu()));
    relu.mistakes.push(Mistake::new(
        0,
        "G ⊙ C multiplies by the output; relu's derivative is the mask [A > 0] (1 or 0), not relu(A)",
        |p| times(p.grad, p.output, |c| c),
    ));
    relu.mistakes.push(Mistake::new(
        0,
        "the mask is missing: relu passes G only where A > 0, so dA = G ⊙ [A > 0]",
        |p| Some(p.grad.to_owned()),
    ));
    relu.conventions.push(Convention {
        inputs: vec![array![[-1.0, 0.0, 2.0]]],
        grad: array![[2.0, 3.0, 4.0]],
        expected: vec![array![[0.0, 0.0, 4.0]]],
        why: "relu'(0) = 0: at the kink adlab, like PyTorch, uses the subgradient 0 (the mask is [A > 0], not [A ≥ 0])",
    });
    let relu_case = Case::distinct(vec![draw.matrix_avoiding((3, 4), (-2.0, 2.0), 0.0, 0.1)]);

    let mut floor = under_test(
        &(submission.floor)(FLOOR),
        A,
        Engine::new("floor", |x| x[0].add_scalar(-FLOOR).relu().add_scalar(FLOOR)),
    );
    floor.mistakes.push(Mistake::new(
        0,
        "uses the output where the input is needed: G ⊙ [C > 0] masks by the output, as relu may; but an A in \
         (t, 0] passes through max(A, t) with slope 1 and its output is not positive; mask by the input: [A > t]",
        |p| times(p.grad, p.output, |c| f64::from(u8::from(c > 0.0))),
    ));
    floor.mistakes.push(Mistake::new(
        0,
        "the mask's corner is at 0, but max(A, t) bends at t: dA = G ⊙ [A > t]",
        |p| times(p.grad, p.inputs[0], |a| f64::from(u8::from(a > 0.0))),
    ));
    floor.conventions.push(Convention {
        inputs: vec![array![[-1.0, FLOOR, 0.5]]],
        grad: array![[2.0, 3.0, 4.0]],
        expected: vec![array![[0.0, 0.0, 4.0]]],
        why: "at A = t, as relu at 0, the subgradient 0: the mask is [A > t]",
    });
    let mut x = draw.matrix_avoiding((3, 4), (-2.0, 2.0), FLOOR, 0.1);
    // An entry between t and 0, where the output mask and the input mask differ.
    x[[0, 0]] = FLOOR / 2.0;
    grade_ops(
        &[(relu, vec![relu_case]), (floor, vec![Case::distinct(vec![x])])],
        &mut draw,
    )
}

/// Task 8.
pub(crate) fn frobenius_norm(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "frobenius-norm");
    let mut op = under_test(
        &submission.frobenius_norm,
        A,
        Engine::new("frobenius_norm", |x| x[0].frobenius_norm()),
    );
    let norm = |p: &Point<'_>| p.output[[0, 0]];
    op.mistakes.push(Mistake::new(
        0,
        "missing the division by ‖A‖_F: g·A is the gradient of ½‖A‖²_F; dA = g·A/‖A‖_F",
        |p| Some(p.inputs[0].mapv(|a| scalar(p) * a)),
    ));
    op.mistakes.push(Mistake::new(
        0,
        "2g·A is the rule of the sum of squares ‖A‖²_F; the norm's is dA = g·A/‖A‖_F",
        |p| Some(p.inputs[0].mapv(|a| 2.0 * scalar(p) * a)),
    ));
    op.mistakes.push(Mistake::new(
        0,
        "divided by ‖A‖²_F: the norm's rule divides once, dA = g·A/‖A‖_F",
        move |p| Some(p.inputs[0].mapv(|a| scalar(p) * a / (norm(p) * norm(p)))),
    ));
    op.conventions.push(Convention {
        inputs: vec![Array2::zeros((2, 3))],
        grad: array![[1.5]],
        expected: vec![Array2::zeros((2, 3))],
        why: "at A = 0 the norm is a cone's tip with no gradient; use the subgradient 0 (g·A/‖A‖ is 0/0 = NaN there)",
    });
    let cases = vec![
        Case::distinct(vec![draw.matrix(3, 4, -2.0, 2.0)]),
        Case::distinct(vec![draw.matrix(2, 2, -3.0, 3.0)]),
    ];
    grade_ops(&[(op, cases)], &mut draw)
}

/// Task 9.
pub(crate) fn sum_squares(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "sum-squares");
    let mut op = under_test(
        &submission.sum_squares,
        A,
        Engine::new("sum_squares", |x| x[0].sum_squares()),
    );
    op.mistakes.push(Mistake::new(
        0,
        "missing factor 2: d(a²)/da = 2a, so dA = 2g·A",
        |p| Some(p.inputs[0].mapv(|a| scalar(p) * a)),
    ));
    let cases = vec![Case::distinct(vec![draw.matrix(3, 4, -2.0, 2.0)])];
    grade_ops(&[(op, cases)], &mut draw)
}

/// Task 10.
pub(crate) fn log_softmax(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "log-softmax");
    let mut op = under_test(
        &submission.log_softmax,
        A,
        Engine::new("log_softmax", |x| x[0].log_softmax()),
    );
    let row_sums = |p: &Point<'_>| p.grad.sum_axis(Axis(1)).insert_axis(Axis(1));
    op.mistakes.push(Mistake::new(
        0,
        "the softmax term is missing: dA = G passes G on unchanged, as if log-softmax were the identity; \
         subtract softmax(A) ⊙ rowsum(G)",
        |p| Some(p.grad.to_owned()),
    ));
    op.mistakes.push(Mistake::new(
        0,
        "softmax(A) ⊙ G where softmax(A) ⊙ rowsum(G) belongs: each row's probabilities times that row's sum of G",
        |p| Some(&p.grad - &(softmax_rows(p.inputs[0]) * p.grad)),
    ));
    op.mistakes.push(Mistake::new(
        0,
        "exp(A) where the probabilities softmax(A) = exp(Y) belong: dA = G - softmax(A) ⊙ rowsum(G)",
        move |p| Some(&p.grad - &(p.inputs[0].mapv(f64::exp) * row_sums(p))),
    ));
    let cases = vec![
        Case::distinct(vec![draw.matrix(4, 3, -3.0, 3.0)]),
        Case::distinct(vec![draw.matrix(1, 5, -3.0, 3.0)]),
    ];
    grade_ops(&[(op, cases)], &mut draw)
}

/// Task 11.
pub(crate) fn cross_entropy(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "cross-entropy");
    let mut ops = Vec::new();
    for (rows, classes) in [(5, 3), (1, 4)] {
        let labels: Vec<usize> = (0..rows).map(|_| draw.below(classes)).collect();
        let picked = labels.clone();
        let reference = Engine::new("cross_entropy", move |x| x[0].cross_entropy(&picked));
        let mut op = under_test(&(submission.cross_entropy)(&labels), Z, reference);
        let one_hot = Array2::from_shape_fn((rows, classes), |(i, k)| f64::from(u8::from(labels[i] == k)));
        let m = rows as f64;
        let targets = one_hot.clone();
        op.mistakes.push(Mistake::new(
            0,
            "missing the 1/m of the mean over the m rows: dZ = g·(softmax(Z) - onehot(y))/m",
            move |p| Some((softmax_rows(p.inputs[0]) - &targets) * scalar(p)),
        ));
        op.mistakes.push(Mistake::new(
            0,
            "the one-hot term is missing: dZ = g·(softmax(Z) - onehot(y))/m, prediction minus target",
            move |p| Some(softmax_rows(p.inputs[0]) * (scalar(p) / m)),
        ));
        let logits = draw.matrix(rows, classes, -3.0, 3.0);
        ops.push((op, vec![Case::distinct(vec![logits])]));
    }
    grade_ops(&ops, &mut draw)
}

/// Task 12.
pub(crate) fn elementwise(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "elementwise");
    let mut exp = under_test(&submission.exp, A, Engine::new("exp", |x| x[0].exp()));
    exp.mistakes.push(Mistake::new(
        0,
        "uses the input where the output is needed: exp' = exp, so dA = G ⊙ C (G ⊙ A is not it)",
        |p| times(p.grad, p.inputs[0], |a| a),
    ));
    let mut log = under_test(&submission.log, A, Engine::new("log", |x| x[0].log()));
    log.mistakes.push(Mistake::new(
        0,
        "missing factor 1/A: log'(a) = 1/a, so dA = G / A (it passes G on unchanged)",
        |p| Some(p.grad.to_owned()),
    ));
    log.mistakes.push(Mistake::new(
        0,
        "multiplies by A where it divides: log'(a) = 1/a, so dA = G / A",
        |p| times(p.grad, p.inputs[0], |a| a),
    ));
    let mut tanh = under_test(&submission.tanh, A, Engine::new("tanh", |x| x[0].tanh()));
    tanh.mistakes.push(Mistake::new(
        0,
        "uses the input where the output is needed: tanh' = 1 - tanh², so dA = G ⊙ (1 - C²) with the output C",
        |p| times(p.grad, p.inputs[0], |a| 1.0 - a * a),
    ));
    tanh.mistakes.push(Mistake::new(
        0,
        "1 - C is not tanh'(A): tanh' = 1 - tanh², so dA = G ⊙ (1 - C²)",
        |p| times(p.grad, p.output, |c| 1.0 - c),
    ));
    let mut sigmoid = under_test(&submission.sigmoid, A, Engine::new("sigmoid", |x| x[0].sigmoid()));
    sigmoid.mistakes.push(Mistake::new(
        0,
        "σ' = σ (1 - σ): G ⊙ C is exp's rule, missing the factor (1 - C)",
        |p| times(p.grad, p.output, |c| c),
    ));
    sigmoid.mistakes.push(Mistake::new(
        0,
        "uses the input where the output is needed: σ' = σ (1 - σ), so dA = G ⊙ C ⊙ (1 - C) with the output C",
        |p| times(p.grad, p.inputs[0], |a| a * (1.0 - a)),
    ));
    let ops = [
        (exp, vec![Case::distinct(vec![draw.matrix(3, 3, -2.0, 2.0)])]),
        (log, vec![Case::distinct(vec![draw.matrix(3, 3, 0.5, 2.5)])]),
        (tanh, vec![Case::distinct(vec![draw.matrix(3, 3, -2.0, 2.0)])]),
        (sigmoid, vec![Case::distinct(vec![draw.matrix(3, 3, -3.0, 3.0)])]),
    ];
    grade_ops(&ops, &mut draw)
}
