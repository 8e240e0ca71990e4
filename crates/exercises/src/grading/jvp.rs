//! Task 13: forward-mode rules and the adjoint test, graded without the
//! engine's forward mode: a JVP against the central difference along its
//! tangents, and the adjoint test against the grader's own two sums.

use autograd::CustomOp;
use autograd::zoo::MatMulMissingTranspose;
use ndarray::{Array2, ArrayView2};

use super::reference::Engine;
use super::{Draw, close, number, shape, worst_element};
use crate::given::Jvp;
use crate::submission::{JvpRule, Submission};
use crate::tasks::Grade;

/// A wrong JVP and what to say about it.
type JvpMistake = (JvpRule, &'static str);

const MATMUL_MISTAKES: [JvpMistake; 3] = [
    (
        |x, v| v[0].dot(&x[1]),
        "the product rule has two terms, Ċ = Ȧ B + A Ḃ: yours is Ȧ B alone",
    ),
    (
        |x, v| x[0].dot(&v[1]),
        "the product rule has two terms, Ċ = Ȧ B + A Ḃ: yours is A Ḃ alone",
    ),
    (
        |_, v| v[0].dot(&v[1]),
        "Ȧ Ḃ is of second order in the step; the first-order change is Ċ = Ȧ B + A Ḃ",
    ),
];

const TANH_MISTAKES: [JvpMistake; 1] = [(
    |x, v| x[0].mapv(|a| 1.0 - a * a) * &v[0],
    "uses the input where the output is needed: Ċ = (1 - C²) ⊙ Ȧ with C = tanh(A), not 1 - A²",
)];

/// Grades the two JVPs, then the adjoint test.
pub(crate) fn grade(submission: &Submission, seed: u64) -> Grade {
    let mut draw = Draw::new(seed, "jvp-adjoint");
    let matmul = Engine::new("matmul", |x| x[0].matmul(x[1]));
    let tanh = Engine::new("tanh", |x| x[0].tanh());
    let operands = vec![draw.matrix(3, 4, -2.0, 2.0), draw.matrix(4, 2, -2.0, 2.0)];
    let tangents = vec![draw.matrix(3, 4, -1.0, 1.0), draw.matrix(4, 2, -1.0, 1.0)];
    check_jvp(
        "matmul_jvp",
        &matmul,
        &submission.matmul_jvp,
        (&operands, &tangents),
        &MATMUL_MISTAKES,
    )?;
    let tanh_point = (vec![draw.matrix(3, 3, -2.0, 2.0)], vec![draw.matrix(3, 3, -1.0, 1.0)]);
    check_jvp(
        "tanh_jvp",
        &tanh,
        &submission.tanh_jvp,
        (&tanh_point.0, &tanh_point.1),
        &TANH_MISTAKES,
    )?;

    // The adjoint test, on a right VJP and on the zoo's wrong one (a square
    // B, so that its G·B fits), each with the exact JVP of the product.
    let operands = vec![draw.matrix(4, 3, -2.0, 2.0), draw.matrix(3, 3, -2.0, 2.0)];
    let tangents = vec![draw.matrix(4, 3, -1.0, 1.0), draw.matrix(3, 3, -1.0, 1.0)];
    let cotangent = draw.matrix(4, 3, -1.0, 1.0);
    let exact_jvp = |x: &[Array2<f64>], v: &[Array2<f64>]| directional(&matmul, x, v);
    let wrong = MatMulMissingTranspose;
    let ops: [(&dyn CustomOp, &str); 2] = [
        (&matmul, "the engine's matmul"),
        (&wrong, "the zoo's matmul_missing_transpose"),
    ];
    let mut sides = Vec::new();
    for (op, label) in ops {
        let expected = adjoint_sides(op, &exact_jvp, &operands, &tangents, &cotangent);
        let got = (submission.adjoint_test)(op, &exact_jvp, &operands, &tangents, &cotangent);
        let agree = |x: f64, y: f64| (x - y).abs() <= 1e-10 * (1.0 + y.abs());
        if !(agree(got.0, expected.0) && agree(got.1, expected.1)) {
            let why = if agree(got.0, expected.1) && agree(got.1, expected.0) {
                "swapped: return (⟨U, J V⟩, ⟨Jᵀ U, V⟩) in that order".to_owned()
            } else if agree(got.1, first_operand_only(op, &operands, &tangents, &cotangent)) {
                "⟨Jᵀ U, V⟩ sums over every operand, Σₚ ⟨(Jᵀ U)ₚ, Vₚ⟩: yours has the first operand only".to_owned()
            } else {
                "⟨U, J V⟩ = Σᵢⱼ Uᵢⱼ (J V)ᵢⱼ with J V from jvp; ⟨Jᵀ U, V⟩ = Σₚ ⟨(Jᵀ U)ₚ, Vₚ⟩ with Jᵀ U from op.vjp"
                    .to_owned()
            };
            return Err(format!(
                "adjoint_test on {label} (A 4x3, B 3x3): ({}, {}) (yours), expected ({}, {})\n  why: {why}",
                number(got.0),
                number(got.1),
                number(expected.0),
                number(expected.1)
            ));
        }
        sides.push(expected);
    }
    // The learner's JVP against the engine's VJP, through the learner's test.
    let (forward, reverse) =
        (submission.adjoint_test)(&matmul, &submission.matmul_jvp, &operands, &tangents, &cotangent);
    if (forward - reverse).abs() > 1e-10 * (1.0 + reverse.abs()) {
        return Err(format!(
            "adjoint_test of your matmul_jvp with the engine's VJP: ⟨U, J V⟩ = {} but ⟨Jᵀ U, V⟩ = {}\n  \
             why: the JVP passed on its own, so the test itself is inconsistent",
            number(forward),
            number(reverse)
        ));
    }
    Ok(format!(
        "matmul_jvp and tanh_jvp agree with central differences; the adjoint test holds for the engine's matmul \
         ({} = {}) and catches the zoo's matmul_missing_transpose ({} ≠ {})",
        number(sides[0].0),
        number(sides[0].1),
        number(sides[1].0),
        number(sides[1].1)
    ))
}

/// Checks a learner's JVP against the central difference of `op`'s forward
/// along the tangents.
fn check_jvp(
    name: &str,
    op: &Engine,
    jvp: &Jvp<'_>,
    (operands, tangents): (&[Array2<f64>], &[Array2<f64>]),
    mistakes: &[JvpMistake],
) -> Result<(), String> {
    let shapes: Vec<String> = operands.iter().map(|x| shape(x.dim())).collect();
    let context = format!("{name} (operands {})", shapes.join(", "));
    let expected = directional(op, operands, tangents);
    let got = jvp(operands, tangents);
    if got.dim() != expected.dim() {
        return Err(format!(
            "{context}: wrong shape: Ċ is {} but the output is {}; the tangent of the output has its shape",
            shape(got.dim()),
            shape(expected.dim())
        ));
    }
    let (row, col, worst, wanted) = worst_element(got.view(), expected.view());
    if (worst - wanted).abs() <= 1e-7 + 1e-6 * wanted.abs() {
        return Ok(());
    }
    let why = mistakes
        .iter()
        .find(|(rule, _)| close(got.view(), rule(operands, tangents).view(), 1e-9))
        .map_or(
            "Ċ is the first-order change of the output: d/dε f(X + ε V) at ε = 0",
            |(_, why)| why,
        );
    Err(format!(
        "{context}: Ċ[{row}, {col}] = {} (yours), expected {} (central difference (f(X + hV) - f(X - hV)) / 2h)\n  \
         why: {why}",
        number(worst),
        number(wanted)
    ))
}

/// `(f(X + hV) - f(X - hV)) / 2h` for `op`'s forward, `h = 1e-6`: for the
/// bilinear matmul exact up to rounding, for a smooth op within about 1e-10.
fn directional(op: &Engine, operands: &[Array2<f64>], tangents: &[Array2<f64>]) -> Array2<f64> {
    let h = 1e-6;
    let at = |sign: f64| {
        let moved: Vec<Array2<f64>> = operands
            .iter()
            .zip(tangents)
            .map(|(x, v)| x + &(v * (sign * h)))
            .collect();
        let views: Vec<ArrayView2<f64>> = moved.iter().map(|x| x.view()).collect();
        op.forward(&views)
    };
    (at(1.0) - at(-1.0)) / (2.0 * h)
}

/// The grader's two sides of the adjoint test.
fn adjoint_sides(
    op: &dyn CustomOp,
    jvp: &Jvp<'_>,
    operands: &[Array2<f64>],
    tangents: &[Array2<f64>],
    cotangent: &Array2<f64>,
) -> (f64, f64) {
    let pushed = jvp(operands, tangents);
    let pulled = pull_back(op, operands, cotangent);
    let reverse = pulled.iter().zip(tangents).map(|(u, v)| inner(u, v)).sum();
    (inner(cotangent, &pushed), reverse)
}

/// `⟨(Jᵀ U)₀, V₀⟩`, the reverse side with the first operand only.
fn first_operand_only(
    op: &dyn CustomOp,
    operands: &[Array2<f64>],
    tangents: &[Array2<f64>],
    cotangent: &Array2<f64>,
) -> f64 {
    inner(&pull_back(op, operands, cotangent)[0], &tangents[0])
}

/// `Jᵀ U`, one matrix per operand, by `op`'s VJP.
fn pull_back(op: &dyn CustomOp, operands: &[Array2<f64>], cotangent: &Array2<f64>) -> Vec<Array2<f64>> {
    let views: Vec<ArrayView2<f64>> = operands.iter().map(|x| x.view()).collect();
    let output = op.forward(&views);
    op.vjp(&views, output.view(), cotangent.view())
}

/// `⟨X, Y⟩ = Σᵢⱼ Xᵢⱼ Yᵢⱼ`.
fn inner(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}
