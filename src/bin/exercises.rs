//! The exercise track: write a learner's project, and grade it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use adlab::cli::{Failure, exit_quietly_when_stdout_closes, print_json};
use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};
use exercises::{GradeError, Options, TASKS, task};
use serde::Serialize;

/// The exercise track: build the engine's parts yourself (finite
/// differences, the reverse sweep, the backward rules of the ops, a JVP,
/// SGD and Adam), then train the lab's factorisation and MLP with them.
///
/// `new DIR` writes a project with one file per task, each a `todo!()` to
/// replace; `grade DIR` builds it and grades every task in a process of its
/// own, with a time limit: todo, pass, or fail with where and why. Exit
/// code 0 when every graded task passes, 1 otherwise.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Action,

    /// Seeds the random cases of the graded tasks: the same seed gives the
    /// same cases and numbers.
    #[arg(long, global = true, default_value_t = 0)]
    seed: u64,

    /// Print a one-line JSON summary as the last line of standard output.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Action {
    /// Write a new exercise project into DIR (which must not exist, or be empty).
    New {
        /// The project's directory.
        dir: PathBuf,
        /// Write the reference solutions instead of todo!() (for instructors, and CI).
        #[arg(long)]
        solved: bool,
    },
    /// Build the project in DIR and grade its tasks.
    Grade {
        /// The project's directory.
        dir: PathBuf,
        /// Grade this task only.
        #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(TASKS.iter().map(|t| t.name)))]
        task: Option<String>,
        /// Stop each task after this many seconds (default: 10, and 120 for train).
        #[arg(long, value_name = "SECONDS", value_parser = positive_seconds)]
        time_limit: Option<Duration>,
    },
}

fn positive_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("expected a positive number of seconds, got '{text}'")),
    }
}

/// The `--json` line of `new`.
#[derive(Serialize)]
struct Created {
    dir: String,
    solved: bool,
    tasks: usize,
    files: Vec<String>,
}

fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Action::New { dir, solved } => new(dir, solved, cli.json).map(|()| true),
        Action::Grade { dir, task, time_limit } => grade(dir, task, time_limit, cli.seed, cli.json),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(failure) => {
            eprintln!("error: {}", failure.message());
            if let Some(hint) = failure.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

fn new(dir: PathBuf, solved: bool, json: bool) -> Result<(), Failure> {
    let project = exercises::project::new(&dir, solved)?;
    let content = if solved {
        "the solutions"
    } else {
        "a todo!() to replace in each"
    };
    println!("wrote {}: {} tasks, {content}", project.dir.display(), TASKS.len());
    println!(
        "start with its README.md and src/{}; grade it with",
        TASKS[0].file_name()
    );
    println!(
        "  cargo run --release --bin exercises -- grade {}",
        project.dir.display()
    );
    if json {
        print_json(&Created {
            dir: project.dir.display().to_string(),
            solved,
            tasks: TASKS.len(),
            files: project.files.iter().map(|f| f.display().to_string()).collect(),
        })?;
    }
    Ok(())
}

/// Grades, prints the table; whether every graded task passes.
fn grade(
    dir: PathBuf,
    name: Option<String>,
    time_limit: Option<Duration>,
    seed: u64,
    json: bool,
) -> Result<bool, Failure> {
    let options = Options {
        task: name.as_deref().and_then(task),
        seed,
        time_limit,
    };
    let not_a_project =
        |error| Failure::new(error).with_hint("write one with `cargo run --release --bin exercises -- new DIR`");
    exercises::project::check_project(&dir).map_err(not_a_project)?;
    if let Some(renamed) = exercises::project::own_program(&dir)? {
        eprintln!("note: {renamed}");
    }
    eprintln!(
        "building {} (the first build compiles the engine: a minute or two)",
        dir.display()
    );
    let report = exercises::grade(&dir, &options).map_err(|error| match error {
        GradeError::Project(error) => not_a_project(error),
        other => Failure::new(other),
    })?;
    print!("{report}");
    println!(
        "graded in {:.1} s, after a build of {:.1} s",
        report.grading_seconds, report.build_seconds
    );
    if json {
        print_json(&report.summary())?;
    }
    Ok(report.all_pass())
}
