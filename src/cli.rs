//! What every bin shares at the edges of a run: error reporting, exit codes
//! and the one-line JSON summary. (The flags they share are in
//! [`crate::args`].)
//!
//! Exit codes: 0 success; 1 a data or run-time error (a missing or malformed
//! file, an impossible rank, a diverging run, an unwritable output); 2 a
//! usage error (an unknown flag or a bad flag value), as clap reports it.
//! A reader that stops early (`factorise --trace | head`) ends the bin
//! quietly, with exit code 0.

use std::fmt::Display;
use std::process::ExitCode;

use serde::Serialize;

/// A run-time failure: one line for standard error and, optionally, a hint.
#[derive(Debug)]
pub struct Failure {
    message: String,
    hint: Option<String>,
}

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Display) -> Self {
        Failure {
            message: message.to_string(),
            hint: None,
        }
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Display) -> Self {
        self.hint = Some(hint.to_string());
        self
    }

    /// The message line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::new(error)
    }
}

/// Reports the outcome of a bin's `run`: `error: ...` (and `hint: ...`) on
/// standard error with exit code 1, or success.
pub fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            if let Some(hint) = &failure.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Makes a standard output closed by its reader (`tape | head`) end the
/// program quietly with exit code 0, instead of `println!`'s panic and
/// backtrace. Call it first in `main`.
pub fn exit_quietly_when_stdout_closes() {
    let report_panic = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map_or("", String::as_str);
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        report_panic(info);
    }));
}

/// Prints `summary` as one line of JSON.
pub fn print_json(summary: &impl Serialize) -> Result<(), Failure> {
    let line = serde_json::to_string(summary).map_err(Failure::new)?;
    println!("{line}");
    Ok(())
}
