//! `exercises grade`: build a learner's project, then grade each task in a
//! process of its own, with a time limit.
//!
//! The project's binary is the learner's code linked with
//! [`harness`](crate::harness), which grades one task per run and writes
//! its verdict to a file. Whatever the learner's code does (panic, loop
//! forever, overflow its stack, abort), only that task's process goes down:
//! the grader turns its end into a verdict and goes on to the next task.

use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;
use thiserror::Error;

use crate::isolate::{self, Ending};
use crate::project::{self, ProjectError, target_dir};
use crate::tasks::{TASKS, Task, task};
use crate::verdict::{Status, Verdict};

/// What to grade, and how.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// One task, or every task.
    pub task: Option<&'static Task>,
    /// Seeds the random cases.
    pub seed: u64,
    /// Overrides every task's own time limit.
    pub time_limit: Option<Duration>,
}

/// Why grading could not start.
#[derive(Debug, Error)]
pub enum GradeError {
    /// The directory is not a project.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// `cargo` could not be run.
    #[error("cannot run cargo: {0}")]
    Cargo(io::Error),
    /// The project does not compile.
    #[error("{} does not build: the compiler's messages are above", .0.display())]
    Build(PathBuf),
    /// The build named no program.
    #[error("the build of {} produced no program", .0.display())]
    NoProgram(PathBuf),
    /// A task's process could not be started.
    #[error("cannot run {}: {source}", .program.display())]
    Run {
        /// The program.
        program: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// One task's grade.
#[derive(Clone, Debug)]
pub struct Graded {
    /// The task.
    pub task: &'static Task,
    /// Its verdict.
    pub verdict: Verdict,
    /// How long its process ran.
    pub seconds: f64,
}

/// Every task's grade.
#[derive(Clone, Debug)]
pub struct Report {
    /// The project.
    pub dir: PathBuf,
    /// The seed of the cases.
    pub seed: u64,
    /// The grades, in task order.
    pub graded: Vec<Graded>,
    /// How long the build took.
    pub build_seconds: f64,
    /// How long the tasks took, build excluded.
    pub grading_seconds: f64,
}

impl Report {
    /// How many tasks have this status.
    pub fn count(&self, status: Status) -> usize {
        self.graded.iter().filter(|g| g.verdict.status == status).count()
    }

    /// Whether every graded task passes.
    pub fn all_pass(&self) -> bool {
        self.count(Status::Pass) == self.graded.len()
    }

    /// The one-line JSON summary.
    pub fn summary(&self) -> Summary {
        Summary {
            dir: self.dir.display().to_string(),
            seed: self.seed,
            total: self.graded.len(),
            passed: self.count(Status::Pass),
            failed: self.count(Status::Fail),
            todo: self.count(Status::Todo),
            build_seconds: self.build_seconds,
            grading_seconds: self.grading_seconds,
            tasks: self
                .graded
                .iter()
                .map(|g| TaskSummary {
                    name: g.task.name,
                    status: g.verdict.status,
                    message: g.verdict.message.clone(),
                })
                .collect(),
        }
    }
}

/// What `grade --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The project.
    pub dir: String,
    /// The seed of the cases.
    pub seed: u64,
    /// Tasks graded.
    pub total: usize,
    /// Tasks that pass.
    pub passed: usize,
    /// Tasks that fail.
    pub failed: usize,
    /// Tasks not started.
    pub todo: usize,
    /// Seconds of building.
    pub build_seconds: f64,
    /// Seconds of grading, build excluded.
    pub grading_seconds: f64,
    /// Every task's grade, in order.
    pub tasks: Vec<TaskSummary>,
}

/// One task in [`Summary`].
#[derive(Clone, Debug, Serialize)]
pub struct TaskSummary {
    /// Its name.
    pub name: &'static str,
    /// Its status.
    pub status: Status,
    /// Its message.
    pub message: String,
}

/// Builds the project in `dir` and grades its tasks. The compiler's
/// progress and messages go to standard error. A project copied or moved
/// since `exercises new` wrote it first gets a program of its own (see
/// [`project::own_program`], which a caller may run first to tell the learner).
pub fn grade(dir: &Path, options: &Options) -> Result<Report, GradeError> {
    project::check_project(dir)?;
    let dir = fs::canonicalize(dir).map_err(|_| ProjectError::NotAProject(dir.to_owned()))?;
    project::own_program(&dir)?;
    let started = Instant::now();
    let program = build(&dir)?;
    let build_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let tasks: Vec<&'static Task> = match options.task {
        Some(one) => vec![one],
        None => TASKS.iter().collect(),
    };
    let mut graded = Vec::with_capacity(tasks.len());
    for task in tasks {
        let began = Instant::now();
        let verdict = run_task(&program, task, options)?;
        graded.push(Graded {
            task,
            verdict,
            seconds: began.elapsed().as_secs_f64(),
        });
    }
    point_at_needs(&mut graded);
    Ok(Report {
        dir,
        seed: options.seed,
        graded,
        build_seconds,
        grading_seconds: started.elapsed().as_secs_f64(),
    })
}

/// `cargo build` in `dir`, into the shared target directory; the program's path.
fn build(dir: &Path) -> Result<PathBuf, GradeError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--message-format=json-render-diagnostics", "--target-dir"])
        .arg(target_dir())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(GradeError::Cargo)?;
    if !output.status.success() {
        return Err(GradeError::Build(dir.to_owned()));
    }
    // Cargo's JSON messages: the program is the artifact with an executable.
    let program = String::from_utf8_lossy(&output.stdout).lines().rev().find_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        (message["reason"] == "compiler-artifact").then_some(())?;
        message["executable"].as_str().map(PathBuf::from)
    });
    program.ok_or_else(|| GradeError::NoProgram(dir.to_owned()))
}

/// Runs one task's process and reads its verdict.
fn run_task(program: &Path, task: &'static Task, options: &Options) -> Result<Verdict, GradeError> {
    let result = std::env::temp_dir().join(format!("adlab-exercises-{}-{}.json", std::process::id(), task.name));
    let _ = fs::remove_file(&result);
    let limit = options.time_limit.unwrap_or(task.time_limit);
    let mut command = Command::new(program);
    command
        .arg(task.name)
        .args(["--seed", &options.seed.to_string(), "--result"])
        .arg(&result);
    let finished = isolate::run(&mut command, limit).map_err(|source| GradeError::Run {
        program: program.to_owned(),
        source,
    })?;
    let written = fs::read_to_string(&result).ok();
    let _ = fs::remove_file(&result);
    if let Some(verdict) = written.and_then(|text| serde_json::from_str::<Verdict>(&text).ok()) {
        return Ok(verdict);
    }
    let last_words = finished
        .stderr_tail
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    Ok(Verdict::fail(match finished.ending {
        Ending::TimedOut => format!(
            "stopped after {} s without a verdict: an infinite loop, or code far too slow? \
             (--time-limit SECONDS gives every task longer)",
            limit.as_secs_f64()
        ),
        Ending::Exited(_) if finished.stderr_tail.contains("has overflowed its stack") => {
            "crashed: the stack overflowed (a recursion that never ends?)".to_owned()
        }
        Ending::Exited(status) => format!("crashed without a verdict ({status}): {last_words}"),
    }))
}

/// Adds, to each task that does not pass, the tasks it runs that do not
/// pass either: their failures may be its own.
fn point_at_needs(graded: &mut [Graded]) {
    let statuses: Vec<(&str, Status)> = graded.iter().map(|g| (g.task.name, g.verdict.status)).collect();
    for g in graded.iter_mut().filter(|g| g.verdict.status != Status::Pass) {
        let unmet: Vec<String> = g
            .task
            .needs
            .iter()
            .filter_map(|need| statuses.iter().find(|(name, _)| name == need))
            .filter(|(_, status)| *status != Status::Pass)
            .map(|(name, status)| format!("{} {name} ({status})", task(name).map_or(0, |t| t.number)))
            .collect();
        if !unmet.is_empty() {
            let _ = write!(
                g.verdict.message,
                "\n  it runs your code of tasks that do not pass yet: {}",
                unmet.join(", ")
            );
        }
    }
}

/// The width of the message column of the table.
const HEADLINE: usize = 72;

impl fmt::Display for Report {
    /// The score table, then every failure in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>2}  {:<18}  {:<6}  message", "#", "task", "status")?;
        for g in &self.graded {
            let headline = g.verdict.headline();
            let shown: String = if headline.chars().count() > HEADLINE {
                headline.chars().take(HEADLINE - 1).chain(['…']).collect()
            } else {
                headline.to_owned()
            };
            writeln!(
                f,
                "{:>2}  {:<18}  {:<6}  {shown}",
                g.task.number, g.task.name, g.verdict.status
            )?;
        }
        writeln!(
            f,
            "score: {} of {} tasks pass ({} fail, {} todo)",
            self.count(Status::Pass),
            self.graded.len(),
            self.count(Status::Fail),
            self.count(Status::Todo)
        )?;
        for g in self.graded.iter().filter(|g| g.verdict.status == Status::Fail) {
            writeln!(f, "\nfail: task {} {} ({})", g.task.number, g.task.name, g.task.file)?;
            for line in g.verdict.message.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        Ok(())
    }
}
