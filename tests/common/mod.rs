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

/// Asserts that `block`, a doc's copy of what a bin printed, agrees with
/// `printed`, what it prints now (see [`documented_difference`]).
#[track_caller]
pub fn assert_documented(block: &str, printed: &str, tolerance: f64) {
    if let Some(difference) = documented_difference(block, printed, tolerance) {
        panic!("{difference}");
    }
}

/// Where `block`, a doc's copy of what a bin printed, no longer agrees with
/// `printed`, what the bin prints now; `None` when it agrees.
///
/// The block may show an excerpt: a line `...` stands for lines left out,
/// and each run of lines between such lines must appear in `printed` as a
/// run of consecutive lines, the runs in the block's order. Two lines agree
/// when their text without the numbers is the same (trailing spaces aside)
/// and their numbers agree: integers (counts, sizes, seeds, node numbers)
/// exactly, other numbers to the relative `tolerance` (0: as printed), and
/// a number followed by a unit of time (`0.01 s`, `3.6 µs`) not at all,
/// since wall-clock times change from run to run.
pub fn documented_difference(block: &str, printed: &str, tolerance: f64) -> Option<String> {
    let printed: Vec<&str> = printed.lines().collect();
    let mut from = 0;
    for run in excerpt_runs(block) {
        match find_run(&run, &printed, from, tolerance) {
            Some(start) => from = start + run.len(),
            None => return Some(explain_missing_run(&run, &printed[from..], tolerance)),
        }
    }
    None
}

/// The runs of consecutive lines of an excerpt: its lines split at the
/// lines `...` (left out), empty runs dropped.
pub fn excerpt_runs(block: &str) -> Vec<Vec<&str>> {
    let mut runs = vec![Vec::new()];
    for line in block.lines() {
        if line.trim() == "..." {
            runs.push(Vec::new());
        } else {
            runs.last_mut().expect("one run at least").push(line);
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// The first position at or after `from` where `run` appears in `printed`.
pub fn find_run(run: &[&str], printed: &[&str], from: usize, tolerance: f64) -> Option<usize> {
    let last_start = printed.len().checked_sub(run.len())?;
    (from..=last_start).find(|&start| {
        run.iter()
            .zip(&printed[start..])
            .all(|(shown, line)| lines_agree(shown, line, tolerance))
    })
}

/// Whether a line the doc shows agrees with a printed line.
pub fn lines_agree(shown: &str, printed: &str, tolerance: f64) -> bool {
    let (shown, printed) = (PrintedLine::parse(shown), PrintedLine::parse(printed));
    shown.shape == printed.shape
        && shown
            .numbers
            .iter()
            .zip(&printed.numbers)
            .all(|(a, b)| a.agrees(b, tolerance))
}

/// Whether two lines have the same words once their numbers are taken out
/// (however many spaces separate them: a sign can shift a column).
pub fn same_shape(a: &str, b: &str) -> bool {
    let words = |line: &str| {
        PrintedLine::parse(line)
            .shape
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    words(a) == words(b)
}

/// How many numbers two lines share, place by place (see [`lines_agree`]).
pub fn numbers_in_common(a: &str, b: &str, tolerance: f64) -> usize {
    let (a, b) = (PrintedLine::parse(a), PrintedLine::parse(b));
    a.numbers
        .iter()
        .zip(&b.numbers)
        .filter(|(x, y)| x.agrees(y, tolerance))
        .count()
}

/// Why a run of the doc's lines is not in the printed text: its first line
/// that is printed nowhere, with the nearest printed line of the same text
/// but other numbers if there is one.
fn explain_missing_run(run: &[&str], printed: &[&str], tolerance: f64) -> String {
    let missing = run
        .iter()
        .find(|shown| !printed.iter().any(|line| lines_agree(shown, line, tolerance)));
    match missing {
        Some(shown) => {
            // Of the printed lines that read the same but for their numbers,
            // the first with the most numbers in common.
            let same_text = printed.iter().filter(|line| same_shape(shown, line));
            let nearest = same_text
                .rev()
                .max_by_key(|line| numbers_in_common(shown, line, tolerance));
            let instead = nearest.map_or(String::new(), |line| format!("\nprinted instead:\n{line}"));
            format!("the doc shows a line the bin does not print (numbers to {tolerance:e}):\n{shown}{instead}")
        }
        None => format!(
            "every line of these is printed, but not together and in this order:\n{}",
            run.join("\n")
        ),
    }
}

/// A line with its numbers taken out.
struct PrintedLine {
    /// The text, each number replaced by `\u{FFFC}`, trailing spaces trimmed.
    shape: String,
    numbers: Vec<Number>,
}

/// A number in a line, and what kind of number it is.
#[derive(Clone, Copy, Debug)]
struct Number {
    value: f64,
    kind: NumberKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum NumberKind {
    /// No decimal point and no exponent: a count, a size, a seed, an index.
    Integer,
    Real,
    /// Followed by `s`, `ms`, `µs` or `ns`: a wall-clock time.
    Time,
}

impl Number {
    fn agrees(&self, other: &Number, tolerance: f64) -> bool {
        match (self.kind, other.kind) {
            (NumberKind::Time, _) | (_, NumberKind::Time) => true,
            (NumberKind::Integer, NumberKind::Integer) => self.value == other.value,
            _ => (self.value - other.value).abs() <= tolerance * self.value.abs().max(other.value.abs()),
        }
    }
}

impl PrintedLine {
    fn parse(line: &str) -> PrintedLine {
        const NUMBER: char = '\u{FFFC}';
        let chars: Vec<char> = line.trim_end().chars().collect();
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
            let digits = text.trim_end_matches('.');
            match digits.parse::<f64>() {
                Ok(value) => {
                    let kind = if is_time_unit(&chars[start + digits.chars().count()..]) {
                        NumberKind::Time
                    } else if digits.contains(['.', 'e']) {
                        NumberKind::Real
                    } else {
                        NumberKind::Integer
                    };
                    shape.push(NUMBER);
                    numbers.push(Number { value, kind });
                    shape.push_str(&text[digits.len()..]);
                }
                Err(_) => shape.push_str(&text),
            }
        }
        PrintedLine { shape, numbers }
    }
}

/// `cp -r from to`, leaving out any directory named `target` (a build's).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if !entry.file_type().unwrap().is_dir() {
            std::fs::copy(entry.path(), target).unwrap();
        } else if entry.file_name() != "target" {
            copy_tree(&entry.path(), &target);
        }
    }
}

/// Whether `rest`, what follows a number, starts with a unit of time.
fn is_time_unit(rest: &[char]) -> bool {
    let rest = rest.strip_prefix(&[' ']).unwrap_or(rest);
    ["s", "ms", "µs", "ns"].iter().any(|unit| {
        let unit: Vec<char> = unit.chars().collect();
        rest.starts_with(&unit) && rest.get(unit.len()).is_none_or(|next| !next.is_alphanumeric())
    })
}
