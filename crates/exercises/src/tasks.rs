//! The tasks, in the order of the chapters that teach them.

use std::path::Path;
use std::time::Duration;

use crate::grading;
use crate::submission::Submission;

/// What grading a task gives: a summary of what passed, or the feedback.
pub type Grade = Result<String, String>;

/// One task of the track.
#[derive(Debug)]
pub struct Task {
    /// Its position in the track, from 1.
    pub number: usize,
    /// The name `grade --task` takes.
    pub name: &'static str,
    /// What the learner writes, in a few words.
    pub title: &'static str,
    /// Its file in a learner's project.
    pub file: &'static str,
    /// The solved file, each part the learner writes between a
    /// `// solution` and an `// end of solution` line.
    pub template: &'static str,
    /// The chapters of `docs/` that teach it.
    pub chapters: &'static [usize],
    /// The tasks whose code it runs besides its own.
    pub needs: &'static [&'static str],
    /// How long its process may run by default.
    pub time_limit: Duration,
    /// Grades the task, given the learner's work and a seed for the cases.
    pub grade: fn(&Submission, u64) -> Grade,
}

impl Task {
    /// Its file's name (`t04_matmul.rs`).
    pub fn file_name(&self) -> &'static str {
        self.file.rsplit('/').next().unwrap_or(self.file)
    }
}

/// How long a task's process may run, unless it says otherwise: ample for
/// a check of a few small matrices, short enough to give up on a loop.
const QUICK: Duration = Duration::from_secs(10);

/// Declares a task whose template is `templates/src/<file>`.
macro_rules! task {
    ($number:literal, $name:literal, $title:literal, $file:literal, $chapters:expr, $needs:expr, $limit:expr, $grade:path) => {
        Task {
            number: $number,
            name: $name,
            title: $title,
            file: concat!("src/", $file),
            template: include_str!(concat!("../templates/src/", $file)),
            chapters: $chapters,
            needs: $needs,
            time_limit: $limit,
            grade: $grade,
        }
    };
}

/// Every task, in order.
pub static TASKS: [Task; 16] = [
    task!(
        1,
        "central-difference",
        "the central difference, and the best step of a sweep",
        "t01_central_difference.rs",
        &[1],
        &[],
        QUICK,
        grading::difference::grade
    ),
    task!(
        2,
        "reverse-sweep",
        "the reverse sweep of a scalar tape, with fan-out",
        "t02_reverse_sweep.rs",
        &[2],
        &[],
        QUICK,
        grading::sweep::grade
    ),
    task!(
        3,
        "add-sub-mul",
        "the VJPs of add, sub and mul",
        "t03_add_sub_mul.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::add_sub_mul
    ),
    task!(
        4,
        "matmul",
        "the VJP of the matrix product",
        "t04_matmul.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::matmul
    ),
    task!(
        5,
        "transpose",
        "the VJP of the transpose",
        "t05_transpose.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::transpose
    ),
    task!(
        6,
        "add-bias",
        "broadcasting: a bias row and an offset column",
        "t06_add_bias.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::add_bias
    ),
    task!(
        7,
        "relu",
        "relu and max(A, t), with their kinks",
        "t07_relu.rs",
        &[3, 4],
        &[],
        QUICK,
        grading::ops::relu
    ),
    task!(
        8,
        "frobenius-norm",
        "the VJP of the Frobenius norm",
        "t08_frobenius_norm.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::frobenius_norm
    ),
    task!(
        9,
        "sum-squares",
        "the VJP of the sum of squares",
        "t09_sum_squares.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::sum_squares
    ),
    task!(
        10,
        "log-softmax",
        "the VJP of log-softmax",
        "t10_log_softmax.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::log_softmax
    ),
    task!(
        11,
        "cross-entropy",
        "the VJP of the cross-entropy",
        "t11_cross_entropy.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::cross_entropy
    ),
    task!(
        12,
        "elementwise",
        "the VJPs of exp, log, tanh and sigmoid",
        "t12_elementwise.rs",
        &[3],
        &[],
        QUICK,
        grading::ops::elementwise
    ),
    task!(
        13,
        "jvp-adjoint",
        "a JVP rule and the adjoint test",
        "t13_jvp.rs",
        &[4, 9],
        &[],
        QUICK,
        grading::jvp::grade
    ),
    task!(
        14,
        "sgd",
        "a step of gradient descent",
        "t14_sgd.rs",
        &[5],
        &[],
        QUICK,
        grading::optimisers::sgd
    ),
    task!(
        15,
        "adam",
        "a step of Adam",
        "t15_adam.rs",
        &[5],
        &[],
        QUICK,
        grading::optimisers::adam
    ),
    task!(
        16,
        "train",
        "the factorisation and the MLP, trained with your rules",
        "t16_train.rs",
        &[5, 7],
        &[
            "add-sub-mul",
            "matmul",
            "transpose",
            "add-bias",
            "relu",
            "sum-squares",
            "cross-entropy",
            "adam"
        ],
        Duration::from_secs(120),
        grading::training::grade
    ),
];

/// The task called `name`.
pub fn task(name: &str) -> Option<&'static Task> {
    TASKS.iter().find(|task| task.name == name)
}

/// The task whose file is `file` (any path ending in a task's file name).
pub fn task_of_file(file: &str) -> Option<&'static Task> {
    let name = Path::new(file).file_name()?.to_str()?;
    TASKS.iter().find(|task| task.file_name() == name)
}

/// A chapter of `docs/`: its file and title.
pub struct Chapter {
    /// Its number.
    pub number: usize,
    /// Its file in `docs/`.
    pub file: &'static str,
    /// Its title.
    pub title: &'static str,
}

/// The chapters the tasks point to.
pub const CHAPTERS: [Chapter; 7] = [
    Chapter {
        number: 1,
        file: "docs/01-derivatives.md",
        title: "Derivatives and finite differences",
    },
    Chapter {
        number: 2,
        file: "docs/02-the-tape.md",
        title: "The tape",
    },
    Chapter {
        number: 3,
        file: "docs/03-vector-jacobian-products.md",
        title: "Vector-Jacobian products",
    },
    Chapter {
        number: 4,
        file: "docs/04-checking-gradients.md",
        title: "Checking gradients",
    },
    Chapter {
        number: 5,
        file: "docs/05-factorisation.md",
        title: "Factorisation",
    },
    Chapter {
        number: 7,
        file: "docs/07-mlp-on-iris.md",
        title: "The MLP on iris",
    },
    Chapter {
        number: 9,
        file: "docs/09-forward-mode-and-second-derivatives.md",
        title: "Forward mode and second derivatives",
    },
];

/// The chapter numbered `number`, if a task points to it.
pub fn chapter(number: usize) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|chapter| chapter.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        for (position, task) in TASKS.iter().enumerate() {
            assert_eq!(task.number, position + 1, "{}", task.name);
            assert_eq!(
                task.file_name(),
                format!("t{:02}_{}", task.number, &task.file_name()[4..])
            );
            assert!(task.file_name().ends_with(".rs"), "{}", task.file);
            assert!(task.chapters.iter().all(|&n| chapter(n).is_some()), "{}", task.name);
            for need in task.needs {
                let needed = super::task(need).unwrap_or_else(|| panic!("{}: no task {need}", task.name));
                assert!(needed.number < task.number, "{} needs a later task", task.name);
            }
            assert_eq!(
                task_of_file(&format!("/somewhere/{}", task.file)).map(|t| t.name),
                Some(task.name)
            );
        }
        // The chapters come in order: a task never points back before the one before it.
        let first_chapters: Vec<usize> = TASKS.iter().map(|task| task.chapters[0]).collect();
        assert!(first_chapters.is_sorted(), "{first_chapters:?}");
        assert!(task_of_file("src/main.rs").is_none());
    }
}
