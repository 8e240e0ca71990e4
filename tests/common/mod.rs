//! What the CLI tests share: running a bin from the workspace root and
//! reading what it printed and how it ended.
//!
//! Each test file includes this module and uses a part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The workspace root: the bins run there, so `datasets/iris.data` and
/// `tests/data/bad/nan.csv` resolve as a user would type them.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A command for the bin `name`, run from the workspace root.
pub fn bin(name: &str) -> Command {
    let mut command = Command::cargo_bin(name).unwrap_or_else(|error| panic!("no bin {name}: {error}"));
    command.current_dir(root());
    command
}

/// Runs the bin `name` with `args`.
pub fn run<I, S>(name: &str, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Run::of(bin(name).args(args))
}

/// Runs the bin `name` on `data` (written to `dir/data.csv`) with
/// `--out dir/out` and `args`.
pub fn run_on(name: &str, data: &str, dir: &Path, args: &[&str]) -> Run {
    let path = dir.join("data.csv");
    std::fs::write(&path, data).unwrap();
    Run::of(
        bin(name)
            .arg("--data")
            .arg(&path)
            .arg("--out")
            .arg(dir.join("out"))
            .args(args),
    )
}

/// How a bin ended and what it printed.
#[derive(Clone, Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// The exit code (`None` if a signal ended it).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs `command` to the end.
    pub fn of(command: &mut Command) -> Run {
        let shown = command_line(command);
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run {shown}: {error}"));
        Run {
            command: shown,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts that the bin exited with 0 and printed nothing on standard error.
    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "{self}");
        assert!(self.stderr.is_empty(), "{self}");
        self
    }

    /// Asserts a clean failure with exit code `code`: standard error starts
    /// with one `error: ...` line, has no panic and no backtrace, and for a
    /// data or run-time error (code 1) holds at most one more line, `hint: ...`.
    #[track_caller]
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "{self}");
        assert!(self.stderr.starts_with("error: "), "{self}");
        for sign_of_a_panic in ["panicked", "backtrace", "RUST_BACKTRACE"] {
            assert!(!self.stderr.contains(sign_of_a_panic), "{self}");
        }
        if code == 1 {
            let lines: Vec<&str> = self.stderr.lines().collect();
            let hinted = lines.len() == 2 && lines[1].starts_with("hint: ");
            assert!(lines.len() == 1 || hinted, "{self}");
        }
        self
    }

    /// The first line of standard error without its `error: `.
    pub fn error(&self) -> &str {
        let line = self.stderr.lines().next().unwrap_or("");
        line.strip_prefix("error: ").unwrap_or(line)
    }

    /// The `hint: ...` line's text, if there is one.
    pub fn hint(&self) -> Option<&str> {
        self.stderr.lines().find_map(|line| line.strip_prefix("hint: "))
    }

    /// The last line of standard output, parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        let line = self.stdout.lines().last().unwrap_or("");
        serde_json::from_str(line).unwrap_or_else(|error| panic!("last line is not JSON ({error}): {self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exited with {:?}\n--- stdout\n{}--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

/// `factorise --data x.csv ...`: the bin's name and its arguments.
fn command_line(command: &Command) -> String {
    let program = Path::new(command.get_program()).file_name().unwrap_or_default();
    let mut line = program.to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Asserts that the JSON object has each of `fields`.
#[track_caller]
pub fn assert_fields(json: &Value, fields: &[&str]) {
    for field in fields {
        assert!(json.get(field).is_some(), "missing {field} in {json}");
    }
}

/// The loss that `--trace` printed for the first step, as printed.
#[track_caller]
pub fn traced_loss(stdout: &str) -> &str {
    let line = stdout.lines().find_map(|line| line.strip_prefix("loss = "));
    line.unwrap_or_else(|| panic!("no `loss = ` line in\n{stdout}"))
}

/// Field `column` of line `line` (0: the header) of a CSV file, as written.
#[track_caller]
pub fn csv_field(path: &Path, line: usize, column: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let row = text
        .lines()
        .nth(line)
        .unwrap_or_else(|| panic!("no line {line} in\n{text}"));
    row.split(',')
        .nth(column)
        .unwrap_or_else(|| panic!("no field {column} in {row}"))
        .to_owned()
}

/// The bad-input corpus, `tests/data/bad`, as a path relative to the root.
pub fn corpus() -> PathBuf {
    PathBuf::from("tests/data/bad")
}

/// Every line of the `text` block in `doc` whose first line starts with
/// `first` appears among the lines of `stdout` (the block may show only some
/// of them): the same text, and the same numbers to a relative `tolerance`.
/// Digits at rounding level (a finite difference's last places, errors of
/// 1e-9) may differ on a CPU whose matrix kernels round differently, so a
/// caller passes a tolerance that covers what the doc's claim rests on.
pub fn assert_documented(doc: &str, first: &str, stdout: &str, tolerance: f64) {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
    let block = text
        .split("```text\n")
        .skip(1)
        .find(|block| block.starts_with(first))
        .unwrap_or_else(|| panic!("{doc} has no text block starting with {first:?}"));
    let block = &block[..block.find("```").unwrap()];
    let printed: Vec<(String, Vec<f64>)> = stdout.lines().map(split_numbers).collect();
    for line in block.lines() {
        let (shape, numbers) = split_numbers(line);
        let close = |(other_shape, other): &(String, Vec<f64>)| {
            *other_shape == shape
                && numbers
                    .iter()
                    .zip(other)
                    .all(|(a, b)| (a - b).abs() <= tolerance * a.abs().max(b.abs()))
        };
        assert!(
            printed.iter().any(close),
            "{doc} shows a line the bin does not print (numbers to {tolerance:e}):\n{line}\n\nprinted:\n{stdout}"
        );
    }
}

/// The line with every number replaced by `#`, and the numbers.
fn split_numbers(line: &str) -> (String, Vec<f64>) {
    let chars: Vec<char> = line.chars().collect();
    let (mut shape, mut numbers, mut i) = (String::new(), Vec::new(), 0);
    while i < chars.len() {
        let signed = chars[i] == '-'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !(chars[i].is_ascii_digit() || signed) {
            shape.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        if i + 1 < chars.len() && chars[i] == 'e' && (chars[i + 1].is_ascii_digit() || chars[i + 1] == '-') {
            i += 2;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        let text: String = chars[start..i].iter().collect();
        match text.trim_end_matches('.').parse::<f64>() {
            Ok(number) => {
                shape.push('#');
                numbers.push(number);
                if text.ends_with('.') {
                    shape.push('.');
                }
            }
            Err(_) => shape.push_str(&text),
        }
    }
    (shape, numbers)
}
