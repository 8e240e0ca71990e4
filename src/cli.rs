//! What every bin shares: common flags, argument checks, error reporting and
//! the one-line JSON summary.
//!
//! Exit codes: 0 success; 1 a data or run-time error (a missing or malformed
//! file, an impossible rank, a diverging run, an unwritable output); 2 a
//! usage error (an unknown flag or a bad flag value), as clap reports it.
//! A reader that stops early (`factorise --trace | head`) ends the bin
//! quietly, with exit code 0.

use std::fmt::Display;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

/// The flags every experiment bin takes.
#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Seed for every random draw: the same seed gives the same numbers.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Print a one-line JSON summary as the last line of standard output.
    #[arg(long)]
    pub json: bool,

    /// Directory for the figures and CSV files (created if missing).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

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

/// Parses a finite number greater than 0 (learning rates, penalties).
pub fn positive_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number greater than 0, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a finite number that is 0 or more (an optional penalty).
pub fn non_negative_f64(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a finite number of at least 0, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a fraction strictly between 0 and 1 (a hold-out share).
pub fn open_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        Ok(x) => Err(format!("must be strictly between 0 and 1, got {x}")),
        Err(_) => Err(format!("'{text}' is not a number")),
    }
}

/// Parses a whole number of at least 1 (epochs, ranks, batch sizes).
pub fn positive_usize(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1, got 0".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{text}' is not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_parsers_accept_and_refuse() {
        assert_eq!(positive_f64("0.01"), Ok(0.01));
        assert!(positive_f64("0").unwrap_err().contains("greater than 0"));
        assert!(positive_f64("-1").is_err());
        assert!(positive_f64("NaN").unwrap_err().contains("got NaN"));
        assert!(positive_f64("inf").is_err());
        assert!(positive_f64("fast").unwrap_err().contains("not a number"));
        assert_eq!(non_negative_f64("0"), Ok(0.0));
        assert!(non_negative_f64("-0.5").is_err());
        assert_eq!(open_fraction("0.2"), Ok(0.2));
        assert!(open_fraction("0").is_err());
        assert!(open_fraction("1").is_err());
        assert!(open_fraction("NaN").is_err());
        assert_eq!(positive_usize("3"), Ok(3));
        assert!(positive_usize("0").is_err());
        assert!(positive_usize("-2").is_err());
    }
}
