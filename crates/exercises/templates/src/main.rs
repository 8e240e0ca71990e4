//! adlab's exercises: one file per task, each a `todo!()` to replace (see
//! README.md). `cargo run -- TASK` grades one task here, showing what your
//! code prints; the grader in the adlab checkout grades them all, each in
//! its own process (the README has the command).

// A task still at `todo!()` leaves its parameters and imports unused.
#![allow(unused_variables, unused_imports)]

mod submission;
mod t01_central_difference;
mod t02_reverse_sweep;
mod t03_add_sub_mul;
mod t04_matmul;
mod t05_transpose;
mod t06_add_bias;
mod t07_relu;
mod t08_frobenius_norm;
mod t09_sum_squares;
mod t10_log_softmax;
mod t11_cross_entropy;
mod t12_elementwise;
mod t13_jvp;
mod t14_sgd;
mod t15_adam;
mod t16_train;

fn main() -> std::process::ExitCode {
    exercises::harness::main(submission::submission())
}
