//! Planted mistakes, which hold the grader to its word: each replaces one
//! solution block of a solved project (see
//! [`replace_solution`](crate::project::replace_solution)) and names the task
//! that must then fail and what its message must say.
//!
//! Every bug of the engine's [zoo](autograd::zoo) is planted as the zoo has
//! it: the task's rule calls the zoo's wrong one. Three faults (a panic, an
//! endless loop, a wrong shape) test that one task's crash leaves the others
//! graded.

use autograd::zoo::Bug;

use crate::scalar_tape::ScalarTape;

/// One planted mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plant {
    /// The task that must fail.
    pub task: &'static str,
    /// Text in the task's file before the solution block replaced.
    pub anchor: &'static str,
    /// The code put in the block.
    pub code: &'static str,
    /// What the failure's message must contain.
    pub diagnosis: &'static str,
}

/// The zoo's `bug`, planted in the task whose rule it breaks.
pub fn zoo_plant(bug: Bug) -> Plant {
    let plant = |task, anchor, code, diagnosis| Plant {
        task,
        anchor,
        code,
        diagnosis,
    };
    match bug {
        Bug::MissingTranspose => plant(
            "matmul",
            "impl CustomOp for MatMul",
            "autograd::zoo::MatMulMissingTranspose.vjp(inputs, output, grad)",
            "transposed",
        ),
        Bug::BiasNotSummed => plant(
            "add-bias",
            "impl CustomOp for AddBias",
            "autograd::zoo::BiasNotSummed.vjp(inputs, output, grad)",
            "bias not summed over rows",
        ),
        Bug::FlippedSign => plant(
            "add-sub-mul",
            "impl CustomOp for Sub",
            "autograd::zoo::SubFlippedSign.vjp(inputs, output, grad)",
            "sign flipped",
        ),
        Bug::OutputMask => plant(
            "relu",
            "impl CustomOp for Floor",
            "autograd::zoo::ShiftedReluOutputMask { floor: self.t }.vjp(inputs, output, grad)",
            "uses the output where the input is needed",
        ),
        Bug::FanOutAssigned => plant(
            "reverse-sweep",
            "pub fn backward",
            "exercises::plants::sweep_assigning_fan_out(tape, output)",
            "fan-out",
        ),
        Bug::LogSoftmaxWithoutSoftmax => plant(
            "log-softmax",
            "impl CustomOp for LogSoftmax",
            "autograd::zoo::LogSoftmaxWithoutSoftmax.vjp(inputs, output, grad)",
            "the softmax term is missing",
        ),
        Bug::NormMissingDivision => plant(
            "frobenius-norm",
            "impl CustomOp for FrobeniusNorm",
            "autograd::zoo::NormMissingDivision.vjp(inputs, output, grad)",
            "missing the division by ‖A‖_F",
        ),
        Bug::BroadcastNotReduced => plant(
            "add-bias",
            "impl CustomOp for AddColumn",
            "autograd::zoo::BroadcastNotReduced.vjp(inputs, output, grad)",
            "broadcast not reduced",
        ),
        Bug::SigmoidMissingOneMinus => plant(
            "elementwise",
            "impl CustomOp for Sigmoid",
            "autograd::zoo::SigmoidMissingOneMinus.vjp(inputs, output, grad)",
            "σ' = σ (1 - σ)",
        ),
        Bug::LogMissingReciprocal => plant(
            "elementwise",
            "impl CustomOp for Log",
            "autograd::zoo::LogMissingReciprocal.vjp(inputs, output, grad)",
            "missing factor 1/A",
        ),
    }
}

/// A rule that forgets the adjoint `G`: the diagnosis the zoo has no bug for.
pub const MISSING_G: Plant = Plant {
    task: "sum-squares",
    anchor: "impl CustomOp for SumSquares",
    code: "vec![inputs[0].mapv(|a| 2.0 * a)]",
    diagnosis: "missing factor G",
};

/// The natural broadcasting slip the zoo has no bug for: `db = G` for the
/// m x 1 column `b` of `C = A + b 1ᵀ`, the output's shape, unreduced.
pub const UNREDUCED_COLUMN: Plant = Plant {
    task: "add-bias",
    anchor: "impl CustomOp for AddColumn",
    code: "vec![grad.to_owned(), grad.to_owned()]",
    diagnosis: "wrong shape: db is 4x3 but b is 4x1; each contribution has its operand's shape\n  \
                why: broadcast not reduced: b was repeated across every column of the output, \
                so db is the sum of G over its columns (G·1), a 4x1 column like b",
};

/// A panic (inside `ndarray`, called from the learner's rule), an endless
/// loop and a wrong shape.
pub const FAULTS: [Plant; 3] = [
    Plant {
        task: "add-sub-mul",
        anchor: "impl CustomOp for Mul",
        code: "vec![grad.dot(&inputs[1]), &grad * &inputs[0]]",
        diagnosis: "panicked in src/t03_add_sub_mul.rs:",
    },
    Plant {
        task: "cross-entropy",
        anchor: "impl CustomOp for CrossEntropy",
        code: "loop {\n    std::hint::spin_loop();\n}",
        diagnosis: "stopped after",
    },
    Plant {
        task: "matmul",
        anchor: "impl CustomOp for MatMul",
        code: "vec![grad.to_owned(), grad.to_owned()]",
        diagnosis: "wrong shape: dB is 4x3 but B is 3x3",
    },
];

/// The zoo's fan-out bug in task 2's sweep: each contribution is *assigned*
/// to its operand's adjoint instead of added, so a node read more than once
/// keeps only the contribution of its last read (in sweep order).
pub fn sweep_assigning_fan_out(tape: &ScalarTape, output: usize) -> Vec<f64> {
    let mut adjoint = vec![0.0; tape.len()];
    adjoint[output] = 1.0;
    for id in (0..=output).rev() {
        for (operand, slope) in tape.partials(id) {
            adjoint[operand] = adjoint[id] * slope; // the bug: `+=`
        }
    }
    adjoint
}
