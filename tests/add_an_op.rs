//! The README's "How to add an op", followed literally on a copy of the
//! engine: every step's code block is inserted where its first line says,
//! the copy's tests of the op catalogue must pass (so the new op is
//! property-tested, checked node by node, by the adjoint test and in forward
//! mode and the recorded sweep, without editing a test), and leaving out any
//! one step must fail to build (so the compiler enforces every step).
//!
//! Each step's block begins with a line of the form
//! `// <file> | in: <text> | before: <text>` (or `after: <text>`): the code
//! goes before (or after) the first line containing that text that follows
//! the first line containing the `in` text. A warning fails the test too, so
//! a step that leaves, say, a variant undocumented fails.
//!
//! The copy lives under `target/tmp/add-an-op` and is built into this
//! checkout's own target directory, reusing its compiled dependencies.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::copy_tree;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One code block of the checklist and where it goes.
#[derive(Debug)]
struct Step {
    file: String,
    scope: String,
    anchor: String,
    /// Whether the code goes after the anchor's line rather than before it.
    after: bool,
    code: String,
}

/// The code blocks of the README's "How to add an op", in order.
fn checklist() -> Vec<Step> {
    let readme = fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme.find("## How to add an op").expect("README has the checklist");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    let mut steps = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(indent) = line.find("```rust,ignore") else {
            continue;
        };
        let header = lines.next().expect("a block has a first line");
        let Some(place) = header.trim_start().strip_prefix("// crates/") else {
            continue;
        };
        let parts: Vec<&str> = place.split(" | ").collect();
        let [file, scope, anchor] = parts[..] else {
            panic!("malformed step header: {header}");
        };
        let code: Vec<&str> = lines
            .by_ref()
            .take_while(|line| !line.trim_start().starts_with("```"))
            .map(|line| line.get(indent..).unwrap_or(""))
            .collect();
        let (anchor, after) = match (anchor.strip_prefix("before: "), anchor.strip_prefix("after: ")) {
            (Some(anchor), _) => (anchor, false),
            (_, Some(anchor)) => (anchor, true),
            _ => panic!("a step says 'before: ' or 'after: ': {header}"),
        };
        steps.push(Step {
            file: format!("crates/{file}"),
            scope: scope.strip_prefix("in: ").expect("'in: '").to_owned(),
            anchor: anchor.to_owned(),
            after,
            code: code.join("\n") + "\n",
        });
    }
    steps
}

/// Where the copy is written.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("add-an-op")
}

/// Where the copy is built: this checkout's own target directory, whose
/// compiled dependencies (the same crates, features and profile) the copy
/// reuses, so that only the copy of the engine itself is compiled.
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is inside target/")
        .to_path_buf()
}

/// A fresh copy of the engine as a workspace of its own at `dir`, with the
/// root manifest's shared settings and lock file.
fn copy_engine(dir: &Path) {
    if dir.exists() {
        fs::remove_dir_all(dir).unwrap();
    }
    copy_tree(&Path::new(ROOT).join("crates/autograd"), &dir.join("crates/autograd"));
    // The engine's tests read the data sets (the tape page's iris example).
    copy_tree(&Path::new(ROOT).join("datasets"), &dir.join("datasets"));
    fs::copy(Path::new(ROOT).join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    fs::copy(Path::new(ROOT).join("rustfmt.toml"), dir.join("rustfmt.toml")).unwrap();
    let manifest = fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).unwrap();
    fs::write(dir.join("Cargo.toml"), workspace_manifest(&manifest)).unwrap();
}

/// The `[workspace*]` sections of the root manifest, for a workspace whose
/// only member is the engine (and without the other crates' paths); the
/// engine itself compiled with fewer optimisations, which its tests do not
/// need, and its dependencies as the checkout compiles them (so that they
/// are reused, not rebuilt).
fn workspace_manifest(root: &str) -> String {
    let mut out = String::from("[profile.release.package.autograd]\nopt-level = 1\n\n");
    let mut keep = false;
    for line in root.lines() {
        if line.starts_with('[') {
            keep = line.starts_with("[workspace");
        }
        if !keep || line.contains("path = \"crates/") {
            continue;
        }
        if line.starts_with("members") {
            out.push_str("members = [\"crates/autograd\"]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Inserts `step`'s code into the copy at `dir`.
fn apply(dir: &Path, step: &Step) {
    let path = dir.join(&step.file);
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let scope = lines
        .iter()
        .position(|line| line.contains(&step.scope))
        .unwrap_or_else(|| panic!("{}: no line contains '{}'", step.file, step.scope));
    let at = scope
        + lines[scope..]
            .iter()
            .position(|line| line.contains(&step.anchor))
            .unwrap_or_else(|| {
                panic!(
                    "{}: no line after '{}' contains '{}'",
                    step.file, step.scope, step.anchor
                )
            });
    let split = if step.after { at + 1 } else { at };
    let mut edited = lines[..split].join("\n");
    edited.push('\n');
    edited.push_str(&step.code);
    edited.push_str(&lines[split..].join("\n"));
    edited.push('\n');
    fs::write(path, edited).unwrap();
}

/// Runs cargo in the copy with `args`, building into the kept target directory.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .arg(args[0])
        .args(["--offline", "--release"])
        .args(&args[1..])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .expect("cargo runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn following_the_checklist_adds_an_op_that_every_check_covers() {
    let steps = checklist();
    assert_eq!(steps.len(), 10, "the checklist's code blocks: {steps:#?}");
    let copy = work_dir().join("engine");

    // Every step: the copy builds and its tests pass, checking the new op.
    copy_engine(&copy);
    for step in &steps {
        apply(&copy, step);
    }
    // The tests that check every op of the catalogue: the op table's, the
    // property tests against finite differences, the localised and adjoint
    // checks, forward mode, and the recorded sweep against the numeric one.
    let tested = cargo(
        &copy,
        &[
            "test",
            "--lib",
            "--test",
            "ops_gradcheck",
            "--test",
            "check",
            "--test",
            "forward_mode",
            "--test",
            "second_order",
            "--",
            "--nocapture",
            "--test-threads",
            "1",
        ],
    );
    let output = text(&tested);
    assert!(
        tested.status.success(),
        "the engine with cube fails its tests:\n{output}"
    );
    // Warnings count as failures (a variant left undocumented, say).
    assert!(
        !output.lines().any(|line| line.starts_with("warning")),
        "the engine with cube builds with warnings:\n{output}"
    );
    let property_tested = output
        .lines()
        .any(|line| line.starts_with("cube ") && line.contains("over 256 cases"));
    assert!(property_tested, "cube was not property-tested:\n{output}");

    // Any one step left out: the copy does not build.
    for (left_out, step) in steps.iter().enumerate() {
        copy_engine(&copy);
        for (index, other) in steps.iter().enumerate() {
            if index != left_out {
                apply(&copy, other);
            }
        }
        let built = cargo(&copy, &["check", "--lib"]);
        assert!(
            !built.status.success(),
            "leaving out the step for {} (before '{}') still builds: the compiler does not enforce it",
            step.file,
            step.anchor
        );
    }
}
