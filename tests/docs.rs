//! The docs held to the code: every text block of `README.md`,
//! `ARCHITECTURE.md` and `docs/*.md` that shows what a bin prints is what
//! the bin prints, and chapter 3's table has a row for every op.
//!
//! Each ```` ```text ```` block (or bare ```` ``` ```` block) sits right
//! under one HTML comment, invisible once rendered, that says what it is:
//!
//! - `<!-- output of: tape --iris -->`: what the bin `tape` prints when run
//!   with `--iris` from the workspace root (arguments split at spaces);
//!   `<!-- output of: example broadcast -->`: what `examples/broadcast.rs`
//!   prints. A bin that takes `--out` gets a temporary directory, and that
//!   directory reads as `out` in what it printed. The block may show an
//!   excerpt, with `...` for lines left out (see
//!   `common::documented_difference` for how lines are compared: numbers as
//!   printed, integers exactly, wall-clock times not at all). `; numbers
//!   to 1e-6` after the command compares its non-integer numbers to that
//!   relative tolerance instead of as printed: for digits at rounding level,
//!   which differ between CPUs.
//! - `<!-- not output: why -->`: a formula, a listing written by hand, a
//!   matrix of data; held by nothing here.
//!
//! A block with neither fails `every_text_block_says_what_it_shows`, so a
//! new block of output cannot go unheld.
//!
//! When a bin's output changes, regenerate the blocks that no longer agree:
//!
//! ```text
//! ADLAB_BLESS_DOCS=1 cargo test --release --test docs
//! ```
//!
//! rewrites each such run of lines from what its command prints now (found
//! by its first and last lines' text, numbers aside), keeping the `...`,
//! and leaves the rest alone; review the diff. The examples must be built
//! (`cargo test` builds them; alone, `cargo build --release --examples`).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use adlab::autograd::OpKind;
use common::{documented_difference, excerpt_runs, find_run, numbers_in_common, root, same_shape};

/// The environment variable that turns the check into a rewrite.
const BLESS: &str = "ADLAB_BLESS_DOCS";

/// What the comment above a block says it is.
#[derive(Clone, Debug, PartialEq)]
enum Marker {
    /// `<!-- output of: COMMAND[; numbers to TOLERANCE] -->`.
    Output(Source),
    /// `<!-- not output: why -->`.
    NotOutput,
    /// No comment, or one that is neither.
    Missing,
}

/// A command whose output a block shows.
#[derive(Clone, Debug, PartialEq)]
struct Source {
    /// The command as the comment writes it, for messages.
    text: String,
    program: Program,
    args: Vec<String>,
    /// Relative tolerance of non-integer numbers (0: as printed).
    tolerance: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Program {
    Bin(String),
    Example(String),
}

/// A fenced text block of a document.
#[derive(Debug)]
struct Block {
    doc: PathBuf,
    /// Line number (1-based) of the opening fence.
    fence_line: usize,
    /// Index (0-based) of the block's first and one past its last line.
    body: std::ops::Range<usize>,
    /// The block's lines, the fence's indentation removed.
    text: String,
    marker: Result<Marker, String>,
}

impl Block {
    fn place(&self) -> String {
        format!("{}:{}", self.doc.display(), self.fence_line)
    }
}

/// The documents whose blocks are held: the two at the root and the chapters.
fn documents() -> Vec<PathBuf> {
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| path.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    chapters.sort();
    let mut all = vec![PathBuf::from("README.md"), PathBuf::from("ARCHITECTURE.md")];
    all.extend(chapters);
    all
}

/// Every text block of `doc`, and every marker comment that is not right
/// above a text block (an error each).
fn text_blocks(doc: &Path) -> (Vec<Block>, Vec<String>) {
    let content = std::fs::read_to_string(root().join(doc)).unwrap();
    let lines: Vec<&str> = content.lines().collect();
    let (mut blocks, mut stray) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let Some(info) = trimmed.strip_prefix("```") else {
            if is_marker(trimmed) && !lines.get(i + 1).is_some_and(|next| is_text_fence(next)) {
                stray.push(format!(
                    "{}:{}: a marker not right above a text block",
                    doc.display(),
                    i + 1
                ));
            }
            i += 1;
            continue;
        };
        let indent = lines[i].len() - trimmed.len();
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with("```"))
            .unwrap_or_else(|| panic!("{}:{}: an unclosed fence", doc.display(), i + 1));
        if matches!(info.trim(), "text" | "") {
            let text: Vec<&str> = lines[i + 1..end]
                .iter()
                .map(|line| line.get(indent..).unwrap_or(line.trim_start()))
                .collect();
            let above = i.checked_sub(1).map_or("", |k| lines[k].trim());
            blocks.push(Block {
                doc: doc.to_path_buf(),
                fence_line: i + 1,
                body: i + 1..end,
                text: text.join("\n"),
                marker: parse_marker(above),
            });
        }
        i = end + 1;
    }
    (blocks, stray)
}

fn is_marker(line: &str) -> bool {
    line.starts_with("<!-- output of:") || line.starts_with("<!-- not output:")
}

fn is_text_fence(line: &str) -> bool {
    matches!(line.trim_start().strip_prefix("```").map(str::trim), Some("text" | ""))
}

/// The marker of the comment `line`, or why it is malformed.
fn parse_marker(line: &str) -> Result<Marker, String> {
    let Some(comment) = line.strip_prefix("<!--").and_then(|rest| rest.strip_suffix("-->")) else {
        return Ok(Marker::Missing);
    };
    let comment = comment.trim();
    if comment
        .strip_prefix("not output:")
        .is_some_and(|why| !why.trim().is_empty())
    {
        return Ok(Marker::NotOutput);
    }
    let Some(source) = comment.strip_prefix("output of:") else {
        return Ok(Marker::Missing);
    };
    let mut parts = source.split(';');
    let words: Vec<String> = parts
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect();
    let (program, args) = match words.as_slice() {
        [] => return Err(format!("no command in {line:?}")),
        [example, name, args @ ..] if example == "example" => (Program::Example(name.clone()), args.to_vec()),
        [bin, args @ ..] => (Program::Bin(bin.clone()), args.to_vec()),
    };
    let mut tolerance = 0.0;
    for option in parts {
        let value = option.trim().strip_prefix("numbers to ");
        tolerance = value
            .and_then(|value| value.trim().parse().ok())
            .ok_or_else(|| format!("unknown option {option:?} in {line:?} (known: `numbers to 1e-6`)"))?;
    }
    Ok(Marker::Output(Source {
        text: source.trim().to_owned(),
        program,
        args,
        tolerance,
    }))
}

/// Every text block of every document, and the stray markers.
fn all_blocks() -> (Vec<Block>, Vec<String>) {
    let (mut blocks, mut stray) = (Vec::new(), Vec::new());
    for doc in documents() {
        let (found, misplaced) = text_blocks(&doc);
        blocks.extend(found);
        stray.extend(misplaced);
    }
    (blocks, stray)
}

#[test]
fn every_text_block_says_what_it_shows() {
    let (blocks, mut problems) = all_blocks();
    for block in &blocks {
        match &block.marker {
            Ok(Marker::Output(_) | Marker::NotOutput) => {}
            Ok(Marker::Missing) => problems.push(format!(
                "{}: a text block with no `<!-- output of: BIN ARGS -->` or `<!-- not output: why -->` right above it",
                block.place()
            )),
            Err(error) => problems.push(format!("{}: {error}", block.place())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The chapters do show bins' output: this test is not vacuous.
    let held = blocks
        .iter()
        .filter(|block| matches!(block.marker, Ok(Marker::Output(_))))
        .count();
    assert!(held >= 10, "only {held} blocks of output found");
}

/// What the bins and examples print, each command run once.
#[derive(Default)]
struct Runs {
    printed: HashMap<(Program, Vec<String>), Result<String, String>>,
    takes_out: HashMap<String, bool>,
}

impl Runs {
    fn printed(&mut self, source: &Source) -> Result<String, String> {
        let key = (source.program.clone(), source.args.clone());
        if let Some(printed) = self.printed.get(&key) {
            return printed.clone();
        }
        let printed = self.run(source);
        self.printed.insert(key, printed.clone());
        printed
    }

    fn run(&mut self, source: &Source) -> Result<String, String> {
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().join("out");
        let mut command = match &source.program {
            Program::Bin(name) => {
                let mut command = Command::new(assert_cmd::cargo::cargo_bin(name));
                command.args(&source.args);
                if self.takes_out(name) && !source.args.iter().any(|arg| arg == "--out") {
                    command.arg("--out").arg(&out_dir);
                }
                command
            }
            Program::Example(name) => {
                let path = example_path(name);
                if !path.exists() {
                    return Err(format!(
                        "{} is not built: `cargo test` builds the examples (alone: `cargo build --release --examples`)",
                        path.display()
                    ));
                }
                let mut command = Command::new(path);
                command.args(&source.args);
                command
            }
        };
        let output = command
            .current_dir(root())
            .output()
            .map_err(|error| format!("cannot run {}: {error}", source.text))?;
        let stdout = String::from_utf8_lossy(&output.stdout).replace(out_dir.to_str().unwrap(), "out");
        if !output.status.success() {
            return Err(format!(
                "`{}` failed ({}):\n{stdout}{}",
                source.text,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(stdout)
    }

    /// Whether the bin `name` takes `--out` (its `--help` says so).
    fn takes_out(&mut self, name: &str) -> bool {
        *self.takes_out.entry(name.to_owned()).or_insert_with(|| {
            let help = Command::new(assert_cmd::cargo::cargo_bin(name))
                .arg("--help")
                .output()
                .unwrap_or_else(|error| panic!("cannot run {name} --help: {error}"));
            String::from_utf8_lossy(&help.stdout).contains("--out <")
        })
    }
}

/// Where cargo puts the example `name`, next to this test's own directory.
fn example_path(name: &str) -> PathBuf {
    let test = std::env::current_exe().unwrap();
    let profile = test
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn every_block_of_output_is_what_its_command_prints() {
    let (blocks, _) = all_blocks();
    let bless = std::env::var_os(BLESS).is_some();
    let mut runs = Runs::default();
    let mut failures: Vec<String> = Vec::new();
    // Per document, each block to rewrite with its new text.
    let mut rewrites: HashMap<PathBuf, Vec<(Block, String)>> = HashMap::new();
    for block in blocks {
        let Ok(Marker::Output(source)) = &block.marker else {
            continue;
        };
        let printed = match runs.printed(source) {
            Ok(printed) => printed,
            Err(error) => {
                failures.push(format!("{}: {error}", block.place()));
                continue;
            }
        };
        let Some(difference) = documented_difference(&block.text, &printed, source.tolerance) else {
            continue;
        };
        if !bless {
            failures.push(format!(
                "{} (output of `{}`): {difference}\n(to rewrite the block: {BLESS}=1 cargo test --release --test docs)",
                block.place(),
                source.text
            ));
            continue;
        }
        match regenerate(&block.text, &printed, source.tolerance) {
            Ok(text) => {
                eprintln!("rewrote {} from `{}`", block.place(), source.text);
                rewrites.entry(block.doc.clone()).or_default().push((block, text));
            }
            Err(error) => failures.push(format!(
                "{} (output of `{}`): cannot rewrite it, edit it by hand: {error}\n{difference}",
                block.place(),
                source.text
            )),
        }
    }
    for (doc, blocks) in rewrites {
        rewrite(&doc, blocks);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The block rewritten from `printed`: each run of lines that no longer
/// agrees is replaced by the printed lines from the one whose text (numbers
/// aside) matches the run's first line to the one that matches its last
/// line, as many lines on as the run had if the text of every line still
/// matches; the `...` lines are kept.
fn regenerate(block: &str, printed: &str, tolerance: f64) -> Result<String, String> {
    let printed: Vec<&str> = printed.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut from = 0;
    let mut elisions = block.lines().filter(|line| line.trim() == "...");
    if block.lines().next().is_some_and(|line| line.trim() == "...") {
        out.push(elisions.next().unwrap().to_owned());
    }
    for run in excerpt_runs(block) {
        let end = match find_run(&run, &printed, from, tolerance) {
            Some(start) => {
                out.extend(run.iter().map(|line| (*line).to_owned()));
                start + run.len()
            }
            None => {
                let (start, end) = locate(&run, &printed, from, tolerance)?;
                out.extend(printed[start..end].iter().map(|line| line.trim_end().to_owned()));
                end
            }
        };
        if let Some(elision) = elisions.next() {
            out.push(elision.to_owned());
        }
        from = end;
    }
    Ok(out.join("\n"))
}

/// Where the run `run`, whose numbers or middle lines changed, now lies in
/// `printed` (at or after `from`): from the line that reads like its first
/// line to the one that reads like its last (of several, the one with the
/// most numbers in common, then the nearest).
fn locate(run: &[&str], printed: &[&str], from: usize, tolerance: f64) -> Result<(usize, usize), String> {
    let (first, last) = (run[0], run[run.len() - 1]);
    let like = |shown: &str, range: std::ops::Range<usize>| {
        range
            .filter(|&i| same_shape(shown, printed[i]))
            .map(|i| (i, numbers_in_common(shown, printed[i], tolerance)))
            .collect::<Vec<_>>()
    };
    let start = like(first, from..printed.len())
        .into_iter()
        .rev()
        .max_by_key(|&(_, common)| common)
        .map(|(i, _)| i)
        .ok_or_else(|| format!("no printed line reads like\n{first}"))?;
    let same_lines = printed
        .get(start..start + run.len())
        .is_some_and(|lines| run.iter().zip(lines).all(|(a, b)| same_shape(a, b)));
    if same_lines {
        return Ok((start, start + run.len()));
    }
    let expected_end = start + run.len() - 1;
    let end = like(last, start..printed.len())
        .into_iter()
        .max_by_key(|&(j, common)| (common, std::cmp::Reverse(j.abs_diff(expected_end))))
        .map(|(j, _)| j)
        .ok_or_else(|| format!("no printed line after\n{first}\nreads like\n{last}"))?;
    Ok((start, end + 1))
}

/// Writes `doc` with each block's lines replaced by its new text.
fn rewrite(doc: &Path, mut blocks: Vec<(Block, String)>) {
    let path = root().join(doc);
    let content = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = content.lines().map(String::from).collect();
    blocks.sort_by_key(|(block, _)| std::cmp::Reverse(block.body.start));
    for (block, text) in blocks {
        let indent: String = lines[block.fence_line - 1].chars().take_while(|c| *c == ' ').collect();
        let new = text.lines().map(|line| format!("{indent}{line}").trim_end().to_owned());
        lines.splice(block.body.clone(), new);
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

// ---- the comparison itself ----

const PRINTED: &str = "\
header: 3 nodes, seed 0
#0    parameter   3x2   0.7311
#1    matmul      3x3   1.2973
#2    sum         1x1   4.6395
training loop: 0.0041 s";

#[test]
fn an_excerpt_agrees_with_what_it_shows() {
    // The whole output, one run of it, and runs with lines left out between.
    assert_eq!(documented_difference(PRINTED, PRINTED, 0.0), None);
    assert_eq!(
        documented_difference("#1    matmul      3x3   1.2973", PRINTED, 0.0),
        None
    );
    let excerpt = "header: 3 nodes, seed 0\n...\n#2    sum         1x1   4.6395";
    assert_eq!(documented_difference(excerpt, PRINTED, 0.0), None);
    // A time is not compared; other numbers to the tolerance.
    assert_eq!(documented_difference("training loop: 0.0050 s", PRINTED, 0.0), None);
    assert_eq!(
        documented_difference("#2    sum         1x1   4.6396", PRINTED, 1e-4),
        None
    );
}

#[test]
fn a_changed_number_line_or_order_is_a_difference() {
    let differs = |block: &str, tolerance: f64| documented_difference(block, PRINTED, tolerance).is_some();
    // A number off beyond the tolerance, an integer off at all, a new word.
    assert!(differs("#2    sum         1x1   4.6396", 0.0));
    assert!(differs("header: 4 nodes, seed 0", 0.5));
    assert!(differs("#2    mean        1x1   4.6395", 0.0));
    // A line left out without `...`, and runs out of order.
    assert!(differs(
        "#0    parameter   3x2   0.7311\n#2    sum         1x1   4.6395",
        0.0
    ));
    assert!(differs(
        "#1    matmul      3x3   1.2973\n...\n#0    parameter   3x2   0.7311",
        0.0
    ));
    let message = documented_difference("#2    sum         1x1   4.6396", PRINTED, 0.0).unwrap();
    assert!(
        message.contains("printed instead:\n#2    sum         1x1   4.6395"),
        "{message}"
    );
}

#[test]
fn regenerating_keeps_the_excerpt_and_takes_the_new_lines() {
    let old = "header: 2 nodes, seed 0\n...\n#1    matmul      3x3   9.9999\ntraining loop: 0.0050 s";
    let new = regenerate(old, PRINTED, 0.0).unwrap();
    // The first run took the new count; the second, from its first line to
    // its last, took the new value and the line that now lies between.
    assert_eq!(
        new,
        "header: 3 nodes, seed 0\n...\n#1    matmul      3x3   1.2973\n#2    sum         1x1   4.6395\ntraining loop: 0.0041 s"
    );
    // A run that still agrees is kept as written, its time included.
    assert_eq!(
        regenerate("training loop: 0.0050 s", PRINTED, 0.0).unwrap(),
        "training loop: 0.0050 s"
    );
    assert_eq!(documented_difference(&new, PRINTED, 0.0), None);
    assert!(regenerate("a line no bin prints", PRINTED, 0.0).is_err());
}

#[test]
fn markers_parse_and_malformed_ones_are_errors() {
    let Ok(Marker::Output(source)) = parse_marker("<!-- output of: gradcheck --zoo; numbers to 1e-6 -->") else {
        panic!("an output marker");
    };
    assert_eq!(source.program, Program::Bin("gradcheck".into()));
    assert_eq!((source.args, source.tolerance), (vec!["--zoo".to_owned()], 1e-6));
    let Ok(Marker::Output(source)) = parse_marker("<!-- output of: example broadcast -->") else {
        panic!("an output marker");
    };
    assert_eq!(source.program, Program::Example("broadcast".into()));
    assert_eq!(parse_marker("<!-- not output: formulas -->"), Ok(Marker::NotOutput));
    assert_eq!(parse_marker("<!-- not output: -->"), Ok(Marker::Missing));
    assert_eq!(parse_marker("Some prose."), Ok(Marker::Missing));
    assert!(parse_marker("<!-- output of: tape; numbers within 2 -->").is_err());
}

// ---- chapter 3's table of every op's VJP, chapter 9's of every JVP ----

/// The rows of the table of ops in `chapter`'s section `heading`: the op's
/// name and its last column, as written (a `\|` in a cell is a `|`).
fn table_of_ops(chapter: &str, heading: &str) -> Vec<(String, String)> {
    let chapter = std::fs::read_to_string(root().join(chapter)).unwrap();
    let start = chapter
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("the chapter has a section `{heading}`"));
    let section = &chapter[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let code = |cell: &str| cell.trim().trim_matches('`').replace("\\|", "|");
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            (code(cells[0]), code(cells[cells.len() - 1]))
        })
        .collect()
}

#[test]
fn chapter_3_tables_every_op_with_its_rule() {
    let expected: Vec<(String, String)> = OpKind::ALL
        .iter()
        .filter(|kind| !kind.is_leaf() && **kind != OpKind::Custom)
        .map(|kind| (kind.spec().name.to_owned(), kind.spec().vjp.to_owned()))
        .collect();
    // One row per op, in the order of `OpKind`, with the rule `SPECS` gives it.
    assert_eq!(
        table_of_ops("docs/03-vector-jacobian-products.md", "## Every op"),
        expected
    );
}

#[test]
fn chapter_9_tables_every_op_with_its_jvp() {
    let expected: Vec<(String, String)> = OpKind::ALL
        .iter()
        .filter(|kind| !kind.is_leaf() && **kind != OpKind::Custom)
        .map(|kind| (kind.spec().name.to_owned(), kind.spec().jvp.to_owned()))
        .collect();
    assert_eq!(
        table_of_ops("docs/09-forward-mode-and-second-derivatives.md", "## Every op's JVP"),
        expected
    );
}
