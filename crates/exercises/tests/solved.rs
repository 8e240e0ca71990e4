//! The templates in their solved form, compiled here as a learner's project
//! compiles them, and graded in this process: every task passes; every bug
//! of the zoo, put in place of the right rule, fails its task with the
//! right diagnosis; and so do the catalogued mistakes.

// A template keeps every parameter of a rule's signature, used or not.
#![allow(unused_variables, unused_imports)]

#[path = "../templates/src/submission.rs"]
mod submission;
#[path = "../templates/src/t01_central_difference.rs"]
mod t01_central_difference;
#[path = "../templates/src/t02_reverse_sweep.rs"]
mod t02_reverse_sweep;
#[path = "../templates/src/t03_add_sub_mul.rs"]
mod t03_add_sub_mul;
#[path = "../templates/src/t04_matmul.rs"]
mod t04_matmul;
#[path = "../templates/src/t05_transpose.rs"]
mod t05_transpose;
#[path = "../templates/src/t06_add_bias.rs"]
mod t06_add_bias;
#[path = "../templates/src/t07_relu.rs"]
mod t07_relu;
#[path = "../templates/src/t08_frobenius_norm.rs"]
mod t08_frobenius_norm;
#[path = "../templates/src/t09_sum_squares.rs"]
mod t09_sum_squares;
#[path = "../templates/src/t10_log_softmax.rs"]
mod t10_log_softmax;
#[path = "../templates/src/t11_cross_entropy.rs"]
mod t11_cross_entropy;
#[path = "../templates/src/t12_elementwise.rs"]
mod t12_elementwise;
#[path = "../templates/src/t13_jvp.rs"]
mod t13_jvp;
#[path = "../templates/src/t14_sgd.rs"]
mod t14_sgd;
#[path = "../templates/src/t15_adam.rs"]
mod t15_adam;
#[path = "../templates/src/t16_train.rs"]
mod t16_train;

use std::rc::Rc;

use autograd::CustomOp;
use autograd::zoo::{self, Bug};
use exercises::plants::{self, FAULTS, MISSING_G, UNREDUCED_COLUMN, zoo_plant};
use exercises::project::{SOLUTION_START, replace_solution};
use exercises::{Status, Submission, TASKS, Verdict, harness, task};

fn grade(name: &str, submission: &Submission) -> Verdict {
    harness::run(task(name).unwrap(), submission, 0)
}

#[track_caller]
fn assert_fails(verdict: &Verdict, diagnosis: &str) {
    assert_eq!(verdict.status, Status::Fail, "{}", verdict.message);
    assert!(
        verdict.message.contains(diagnosis),
        "no {diagnosis:?} in:\n{}",
        verdict.message
    );
}

#[test]
fn every_solved_task_passes_except_training_which_has_its_own_test() {
    let solved = submission::submission();
    for task in TASKS.iter().filter(|task| task.name != "train") {
        for seed in 0..3 {
            let verdict = harness::run(task, &solved, seed);
            assert_eq!(
                verdict.status,
                Status::Pass,
                "{}, seed {seed}: {}",
                task.name,
                verdict.message
            );
        }
    }
}

#[test]
fn the_solved_rules_train_the_lab_experiments() {
    let verdict = grade("train", &submission::submission());
    assert_eq!(verdict.status, Status::Pass, "{}", verdict.message);
    // The SVD bound of centred iris at rank 2, and adlab's recommended MLP's mean (docs/07).
    assert!(
        verdict.message.contains("‖A - U Vᵀ‖_F = 3.902414"),
        "{}",
        verdict.message
    );
    assert!(
        verdict.message.contains("validation accuracy mean 0.954"),
        "{}",
        verdict.message
    );
}

/// The solved submission with the zoo's wrong rule in place of the right one.
fn with_bug(bug: Bug) -> Submission {
    let mut planted = submission::submission();
    match bug {
        Bug::MissingTranspose => planted.matmul = Rc::new(zoo::MatMulMissingTranspose),
        Bug::BiasNotSummed => planted.add_bias = Rc::new(zoo::BiasNotSummed),
        Bug::FlippedSign => planted.sub = Rc::new(zoo::SubFlippedSign),
        Bug::OutputMask => planted.floor = |floor| Rc::new(zoo::ShiftedReluOutputMask { floor }),
        Bug::FanOutAssigned => planted.backward = plants::sweep_assigning_fan_out,
        Bug::LogSoftmaxWithoutSoftmax => planted.log_softmax = Rc::new(zoo::LogSoftmaxWithoutSoftmax),
        Bug::NormMissingDivision => planted.frobenius_norm = Rc::new(zoo::NormMissingDivision),
        Bug::BroadcastNotReduced => planted.add_column = Rc::new(zoo::BroadcastNotReduced),
        Bug::SigmoidMissingOneMinus => planted.sigmoid = Rc::new(zoo::SigmoidMissingOneMinus),
        Bug::LogMissingReciprocal => planted.log = Rc::new(zoo::LogMissingReciprocal),
    }
    planted
}

#[test]
fn every_bug_of_the_zoo_fails_its_task_with_the_right_diagnosis() {
    for bug in Bug::ALL {
        let plant = zoo_plant(bug);
        for seed in 0..3 {
            let verdict = harness::run(task(plant.task).unwrap(), &with_bug(bug), seed);
            assert_fails(&verdict, plant.diagnosis);
        }
    }
}

#[test]
fn every_plant_finds_its_solution_block() {
    let plants = Bug::ALL
        .map(zoo_plant)
        .into_iter()
        .chain([MISSING_G, UNREDUCED_COLUMN])
        .chain(FAULTS);
    for plant in plants {
        let task = task(plant.task).unwrap();
        let after = &task.template[task.template.find(plant.anchor).expect(plant.anchor)..];
        assert!(after.contains(SOLUTION_START), "{}", plant.anchor);
        let planted = replace_solution(task.template, plant.anchor, plant.code).unwrap();
        assert!(planted.contains(plant.code.lines().next().unwrap()));
    }
}

/// A VJP as a function: operands, output, adjoint.
type RuleFn =
    fn(&[ndarray::ArrayView2<f64>], ndarray::ArrayView2<f64>, ndarray::ArrayView2<f64>) -> Vec<ndarray::Array2<f64>>;

/// A rule written out for a test.
struct Rule {
    name: &'static str,
    operands: usize,
    rule: RuleFn,
    forward: fn(&[ndarray::ArrayView2<f64>]) -> ndarray::Array2<f64>,
}

impl CustomOp for Rule {
    fn name(&self) -> &str {
        self.name
    }

    fn forward(&self, inputs: &[ndarray::ArrayView2<f64>]) -> ndarray::Array2<f64> {
        assert_eq!(inputs.len(), self.operands);
        (self.forward)(inputs)
    }

    fn vjp(
        &self,
        inputs: &[ndarray::ArrayView2<f64>],
        output: ndarray::ArrayView2<f64>,
        grad: ndarray::ArrayView2<f64>,
    ) -> Vec<ndarray::Array2<f64>> {
        (self.rule)(inputs, output, grad)
    }
}

#[test]
fn classic_mistakes_get_their_diagnosis() {
    use t12_elementwise::{Exp, Tanh};

    let mut planted = submission::submission();
    // Missing G: the rule of sum_squares without its adjoint.
    planted.sum_squares = Rc::new(Rule {
        name: "sum_squares",
        operands: 1,
        rule: |x, _, _| vec![x[0].mapv(|a| 2.0 * a)],
        forward: |x| ndarray::Array2::from_elem((1, 1), x[0].iter().map(|a| a * a).sum()),
    });
    assert_fails(&grade("sum-squares", &planted), MISSING_G.diagnosis);
    // The transpose that forgets to transpose, on a square operand.
    planted.transpose = Rc::new(Rule {
        name: "transpose",
        operands: 1,
        rule: |_, _, g| vec![g.to_owned()],
        forward: |x| x[0].t().to_owned(),
    });
    assert_fails(&grade("transpose", &planted), "transposed: dA = G has the shape of Aᵀ");
    // tanh's rule with the input where the output belongs.
    planted.tanh = Rc::new(Rule {
        name: "tanh",
        operands: 1,
        rule: |x, _, g| vec![&g * &x[0].mapv(|a| 1.0 - a * a)],
        forward: |x| Tanh.forward(x),
    });
    planted.exp = Rc::new(Exp);
    assert_fails(
        &grade("elementwise", &planted),
        "uses the input where the output is needed",
    );
    // A forward pass changed along with its rule is caught before the rule.
    planted.matmul = Rc::new(Rule {
        name: "matmul",
        operands: 2,
        rule: |x, _, g| vec![g.dot(&x[1].t()), x[0].t().dot(&g)],
        forward: |x| x[0].dot(&x[1]) * 2.0,
    });
    assert_fails(&grade("matmul", &planted), "the forward pass was changed");
}

#[test]
fn a_broadcast_adjoint_left_unreduced_is_diagnosed_with_the_sum_to_take() {
    // `db = G`, the output's shape, for the bias row and for the offset column.
    let unreduced = |name| Rule {
        name,
        operands: 2,
        rule: |_, _, g| vec![g.to_owned(), g.to_owned()],
        forward: |x| &x[0] + &x[1],
    };
    let mut planted = submission::submission();
    planted.add_bias = Rc::new(unreduced("add_bias"));
    assert_fails(
        &grade("add-bias", &planted),
        "wrong shape: db is 5x3 but b is 1x3; each contribution has its operand's shape\n  \
         why: broadcast not reduced: b was repeated across every row of the output, \
         so db is the sum of G over its rows (1ᵀ·G), a 1x3 row like b",
    );
    let mut planted = submission::submission();
    planted.add_column = Rc::new(unreduced("add_column"));
    assert_fails(&grade("add-bias", &planted), UNREDUCED_COLUMN.diagnosis);
}

#[test]
fn a_wrong_sweep_optimiser_or_difference_is_located() {
    let mut planted = submission::submission();
    planted.central_difference = |f, x, h| (f(x + h) - f(x)) / h;
    assert_fails(&grade("central-difference", &planted), "that is the forward difference");
    planted.best_step = |_, _, _, steps| steps[steps.len() - 1];
    planted.central_difference = t01_central_difference::central_difference;
    assert_fails(
        &grade("central-difference", &planted),
        "the smallest step is not the best",
    );

    planted.sgd_step = |p, g, lr| p.scaled_add(lr, g);
    assert_fails(&grade("sgd", &planted), "sign flipped");

    // Adam without its bias correction: right moments, too small a step.
    planted.adam_step = |p, g, state, settings| {
        state.t += 1;
        state.m = &state.m * settings.beta1 + g * (1.0 - settings.beta1);
        state.v = &state.v * settings.beta2 + &g.mapv(|x| x * x) * (1.0 - settings.beta2);
        let step = &state.m / &state.v.mapv(|v| v.sqrt() + settings.eps) * settings.lr;
        *p -= &step;
    };
    assert_fails(&grade("adam", &planted), "missing bias correction");

    // A sweep that walks forwards sends nothing back.
    planted.backward = |tape, output| {
        let mut adjoint = vec![0.0; tape.len()];
        adjoint[output] = 1.0;
        adjoint
    };
    assert_fails(&grade("reverse-sweep", &planted), "nothing reached it");
}

#[test]
fn a_jvp_missing_a_term_and_a_one_sided_adjoint_test_are_diagnosed() {
    let mut planted = submission::submission();
    planted.matmul_jvp = |x, v| v[0].dot(&x[1]);
    assert_fails(&grade("jvp-adjoint", &planted), "the product rule has two terms");
    let mut planted = submission::submission();
    planted.adjoint_test = |op, jvp, x, v, u| {
        let (forward, _) = t13_jvp::adjoint_test(op, jvp, x, v, u);
        let views: Vec<ndarray::ArrayView2<f64>> = x.iter().map(|x| x.view()).collect();
        let output = op.forward(&views);
        let first = &op.vjp(&views, output.view(), u.view())[0];
        (forward, (first * &v[0]).sum())
    };
    assert_fails(&grade("jvp-adjoint", &planted), "sums over every operand");
}

#[test]
fn training_refuses_built_in_ops_and_names_the_line() {
    let mut planted = submission::submission();
    planted.factorisation_loss = |_, a, u, v| (a - u.matmul(v.t())).sum_squares();
    assert_fails(
        &grade("train", &planted),
        "records the engine's built-in transpose at crates/exercises/tests/solved.rs",
    );
}

#[test]
fn the_square_case_comes_first_and_a_stray_todo_fails() {
    let mut planted = submission::submission();
    planted.matmul = Rc::new(Rule {
        name: "matmul",
        operands: 2,
        rule: |x, _, g| vec![g.dot(&x[1]), x[0].t().dot(&g)], // G·B: does not fit a rectangular B
        forward: |x| x[0].dot(&x[1]),
    });
    // The square case is diagnosed before the rectangular one would panic.
    assert_fails(&grade("matmul", &planted), "transposed");
    let todo = |_: &[ndarray::Array2<f64>], _: &[ndarray::Array2<f64>]| -> ndarray::Array2<f64> { todo!() };
    planted.tanh_jvp = todo;
    planted.matmul_jvp = t13_jvp::matmul_jvp;
    let verdict = grade("jvp-adjoint", &planted);
    assert_eq!(
        verdict.status,
        Status::Fail,
        "a todo!() outside the task's file is a failure: {}",
        verdict.message
    );
    assert!(
        verdict
            .message
            .starts_with("panicked at crates/exercises/tests/solved.rs"),
        "{}",
        verdict.message
    );
}
