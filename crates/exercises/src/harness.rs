//! The grader's other half, compiled into the learner's project: it grades
//! one task in this process and reports the verdict.
//!
//! The grader ([`grade`](crate::grade())) runs the project's binary once per
//! task, `BINARY TASK --seed N --result FILE`, so that a task that panics,
//! loops or crashes takes down only its own process. Here a panic is caught
//! and read: a `todo!()` in the task's own file means "not started", one in
//! another task's file means it waits for that task, and any other panic is
//! a failure that says where it happened.

use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Once;

use crate::submission::Submission;
use crate::tasks::{TASKS, Task, task, task_of_file};
use crate::verdict::Verdict;

/// The entry point of a learner's project: `BINARY TASK [--seed N] [--result FILE]`
/// grades `TASK`, prints the verdict and, with `--result`, writes it there
/// as JSON (what the grader reads).
pub fn main(submission: Submission) -> ExitCode {
    let request = match Request::parse(std::env::args().skip(1)) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("error: {message}");
            let names: Vec<&str> = TASKS.iter().map(|task| task.name).collect();
            eprintln!("usage: cargo run -- TASK [--seed N]   (TASK: {})", names.join(", "));
            return ExitCode::from(2);
        }
    };
    let verdict = run(request.task, &submission, request.seed);
    // A reader that stops early (`| head`) is no error: the verdict is also in the file.
    let _ = writeln!(
        io::stdout(),
        "{}: {}\n{}",
        request.task.name,
        verdict.status,
        verdict.message
    );
    if let Some(file) = request.result {
        let json = serde_json::to_string(&verdict).expect("a verdict is plain strings");
        if let Err(error) = std::fs::write(&file, json) {
            eprintln!("error: cannot write {}: {error}", file.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// What the command line asks for.
struct Request {
    task: &'static Task,
    seed: u64,
    result: Option<PathBuf>,
}

impl Request {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Request, String> {
        let (mut name, mut seed, mut result) = (None, 0, None);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seed" => {
                    let value = args.next().ok_or("--seed needs a number")?;
                    seed = value
                        .parse()
                        .map_err(|_| format!("--seed: '{value}' is not a number"))?;
                }
                "--result" => result = Some(PathBuf::from(args.next().ok_or("--result needs a file")?)),
                _ if name.is_none() && !arg.starts_with('-') => name = Some(arg),
                _ => return Err(format!("unexpected argument '{arg}'")),
            }
        }
        let name = name.ok_or("which task?")?;
        let task = task(&name).ok_or_else(|| format!("no task '{name}'"))?;
        Ok(Request { task, seed, result })
    }
}

/// Grades `task` here, turning a panic into a verdict.
pub fn run(task: &Task, submission: &Submission, seed: u64) -> Verdict {
    install_hook();
    CAPTURING.with(|capturing| capturing.set(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| (task.grade)(submission, seed)));
    CAPTURING.with(|capturing| capturing.set(false));
    match outcome {
        Ok(Ok(summary)) => Verdict::pass(summary),
        Ok(Err(feedback)) => Verdict::fail(feedback),
        Err(_) => {
            let report = LAST_PANIC.with(|last| last.borrow_mut().take());
            report.map_or_else(|| Verdict::fail("panicked"), |report| report.verdict(task))
        }
    }
}

thread_local! {
    /// Whether a panic on this thread is a task's, to be read rather than printed.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The last task panic on this thread.
    static LAST_PANIC: RefCell<Option<PanicReport>> = const { RefCell::new(None) };
}

/// Chains a hook that keeps a task's panic quiet and records it; any other
/// panic goes to the hook that was there before.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let report = PanicReport::of(info);
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(report));
            } else {
                previous(info);
            }
        }));
    });
}

/// What a panic said and where.
#[derive(Clone, Debug, PartialEq)]
struct PanicReport {
    message: String,
    /// `file:line` of the panic.
    location: String,
    /// The panic's file.
    file: String,
    /// `file:line` of the innermost frame in a task's file, when the panic
    /// itself happened elsewhere (inside `ndarray`, say).
    task_frame: Option<String>,
}

impl PanicReport {
    fn of(info: &PanicHookInfo<'_>) -> Self {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        let (file, line) = info.location().map_or(("?", 0), |l| (l.file(), l.line()));
        // A todo!() points at the task already; only other panics need the
        // (slower) backtrace to find the learner's line.
        let task_frame = task_of_file(file)
            .is_none()
            .then(|| task_frame(&Backtrace::force_capture().to_string()))
            .flatten();
        PanicReport {
            message,
            location: format!("{file}:{line}"),
            file: file.to_owned(),
            task_frame,
        }
    }

    fn verdict(self, graded: &Task) -> Verdict {
        let not_written =
            self.message.starts_with("not yet implemented") || self.message.starts_with("not implemented");
        match task_of_file(&self.file) {
            Some(owner) if not_written && owner.name == graded.name => {
                Verdict::todo(format!("not started: todo!() at {}", self.location))
            }
            Some(owner) if not_written => Verdict::todo(format!(
                "waiting for task {} ({}): its todo!() at {} runs first",
                owner.number, owner.name, self.location
            )),
            _ => {
                let place = match &self.task_frame {
                    Some(frame) => format!("in {frame} (at {})", self.location),
                    None => format!("at {}", self.location),
                };
                Verdict::fail(format!("panicked {place}: {}", self.message))
            }
        }
    }
}

/// The `path:line` of the first frame of `backtrace` in a task's file.
fn task_frame(backtrace: &str) -> Option<String> {
    backtrace.lines().find_map(|line| {
        let place = line.trim().strip_prefix("at ")?;
        let (path, rest) = place.split_once(".rs:")?;
        let path = format!("{path}.rs");
        let line_number = rest.split(':').next()?;
        task_of_file(&path).map(|task| format!("{}:{line_number}", task.file))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(args: &[&str]) -> Result<Request, String> {
        Request::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn reads_the_command_line() {
        let parsed = request(&["matmul", "--seed", "7", "--result", "/tmp/r.json"]).unwrap();
        assert_eq!((parsed.task.name, parsed.seed), ("matmul", 7));
        assert_eq!(parsed.result, Some(PathBuf::from("/tmp/r.json")));
        assert_eq!(request(&["nope"]).err().unwrap(), "no task 'nope'");
        assert_eq!(request(&[]).err().unwrap(), "which task?");
        assert_eq!(
            request(&["sgd", "--seed", "x"]).err().unwrap(),
            "--seed: 'x' is not a number"
        );
        assert_eq!(request(&["sgd", "adam"]).err().unwrap(), "unexpected argument 'adam'");
    }

    #[test]
    fn finds_the_learners_frame_in_a_backtrace() {
        let backtrace = "   0: std::panicking::begin_panic\n             at /rustc/abc/library/std/src/panicking.rs:700:5\n   \
                         3: ndarray::linalg::dot\n             at /home/u/.cargo/registry/src/ndarray-0.17.2/src/linalg/impl_linalg.rs:42:9\n   \
                         4: adlab_exercises::t04_matmul::vjp\n             at ./src/t04_matmul.rs:31:9\n";
        assert_eq!(task_frame(backtrace), Some("src/t04_matmul.rs:31".to_owned()));
        assert_eq!(task_frame("no frames"), None);
    }

    #[test]
    fn a_todo_is_not_started_or_waits_for_its_task() {
        let report = |message: &str, file: &str| PanicReport {
            message: message.to_owned(),
            location: format!("{file}:9"),
            file: file.to_owned(),
            task_frame: None,
        };
        let matmul = task("matmul").unwrap();
        let train = task("train").unwrap();
        let own = report("not yet implemented", "src/t04_matmul.rs").verdict(matmul);
        assert_eq!(own, Verdict::todo("not started: todo!() at src/t04_matmul.rs:9"));
        let other = report("not yet implemented", "src/t04_matmul.rs").verdict(train);
        assert_eq!(
            other,
            Verdict::todo("waiting for task 4 (matmul): its todo!() at src/t04_matmul.rs:9 runs first")
        );
        let crash = report("index out of bounds", "src/t04_matmul.rs").verdict(matmul);
        assert_eq!(
            crash,
            Verdict::fail("panicked at src/t04_matmul.rs:9: index out of bounds")
        );
    }
}
