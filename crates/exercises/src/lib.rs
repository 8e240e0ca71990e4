//! An auto-graded exercise track: the learner builds the engine's parts
//! (finite differences, the reverse sweep, the backward rules, a JVP, the
//! optimisers) and the lab's own checks grade them.
//!
//! Two halves, one crate:
//!
//! - **the grader**, behind `cargo run --release --bin exercises`:
//!   [`project::new`] writes a learner's project from the templates (one
//!   file per task, `todo!()` where the learner's code goes, or the
//!   solutions); [`grade()`] builds a project and grades each task in a
//!   process of its own, with a time limit, and [`Report`] prints the score
//!   table.
//! - **the harness**, compiled into the learner's project:
//!   [`harness::main`] grades one task given the learner's [`Submission`],
//!   turning a `todo!()` into "not started" and any other panic into a
//!   failure that says where.
//!
//! The tasks ([`TASKS`]) follow the chapters of `docs/`; their templates
//! are the solved files in `templates/src/`, compiled and graded by this
//! crate's tests, so they cannot rot. A learner's op plugs into the real
//! engine as a [`CustomOp`](autograd::CustomOp), and its rule is graded by
//! the engine's localised check on its own node, against central
//! differences of its forward, with a diagnosis where the mistake has a
//! recognisable shape.
//!
//! ```
//! use exercises::{TASKS, task};
//!
//! assert!(TASKS.len() >= 12);
//! let matmul = task("matmul").unwrap();
//! assert_eq!((matmul.number, matmul.file), (4, "src/t04_matmul.rs"));
//! assert_eq!(matmul.chapters, [3]);
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod given;
mod grade;
mod grading;
pub mod harness;
mod isolate;
pub mod plants;
pub mod project;
mod scalar_tape;
mod submission;
mod tasks;
mod verdict;

use std::path::{Path, PathBuf};

pub use given::{AdamSettings, AdamState, Jvp, log_softmax_rows, softmax_rows};
pub use grade::{GradeError, Graded, Options, Report, Summary, TaskSummary, grade};
pub use project::{Project, ProjectError};
pub use scalar_tape::{ScalarNode, ScalarOp, ScalarTape};
pub use submission::{AdjointTest, Function, JvpRule, Submission};
pub use tasks::{CHAPTERS, Chapter, Grade, TASKS, Task, chapter, task, task_of_file};
pub use verdict::{Status, Verdict};

/// The adlab checkout this crate was built in: where the grader finds the
/// engine, the data sets and the shared target directory.
pub fn checkout() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest_dir)
        .to_path_buf()
}
