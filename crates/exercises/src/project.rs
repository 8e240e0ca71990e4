//! `exercises new`: a learner's project, written from the templates.
//!
//! A template is a task's solved file, compiled and tested with this crate;
//! each part the learner writes sits between a `// solution` line and an
//! `// end of solution` line. A new project gets `todo!()` in each such
//! block; a solved one (for instructors, and for CI) keeps the solution and
//! its two marker lines, so that a test can still find and replace it.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::checkout;
use crate::tasks::{TASKS, chapter};

/// The line that opens a solution block.
pub const SOLUTION_START: &str = "// solution";
/// The line that closes it.
pub const SOLUTION_END: &str = "// end of solution";

/// The table in a project's `Cargo.toml` that marks it as one.
pub const MARKER: &str = "[package.metadata.adlab-exercises]";

const MAIN: &str = include_str!("../templates/src/main.rs");
const SUBMISSION: &str = include_str!("../templates/src/submission.rs");
const README: &str = include_str!("../templates/README.md");
/// The workspace manifest, whose `ndarray` requirement a project shares.
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");

/// Why a project could not be written or read.
#[derive(Debug, Error)]
pub enum ProjectError {
    /// The path exists and is not an empty directory.
    #[error("{} exists and is not an empty directory: choose a new one", .0.display())]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The directory holds no project written by `exercises new`.
    #[error("{} is not an exercises project (no Cargo.toml written by `exercises new`)", .0.display())]
    NotAProject(PathBuf),
}

/// A written project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// Its directory, absolute.
    pub dir: PathBuf,
    /// Whether the tasks hold their solutions.
    pub solved: bool,
    /// The files written, relative to the directory.
    pub files: Vec<PathBuf>,
}

/// Writes a new project into `dir` (which must not exist, or be empty):
/// its manifest, a README, the wiring and one file per task, each with
/// `todo!()` where the learner's code goes, or with the solutions.
pub fn new(dir: &Path, solved: bool) -> Result<Project, ProjectError> {
    let occupied = match fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => false,
        Err(_) => true, // a file, or unreadable
    };
    if occupied {
        return Err(ProjectError::NotEmpty(dir.to_owned()));
    }
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ProjectError::Write { path, source }
    };
    fs::create_dir_all(dir).map_err(write_error(dir))?;
    let dir = fs::canonicalize(dir).map_err(write_error(dir))?;

    let mut files: Vec<(PathBuf, String)> = vec![
        ("Cargo.toml".into(), manifest(&dir)),
        (".cargo/config.toml".into(), cargo_config()),
        ("README.md".into(), readme(&dir)),
        ("src/main.rs".into(), MAIN.to_owned()),
        ("src/submission.rs".into(), SUBMISSION.to_owned()),
    ];
    for task in &TASKS {
        let text = if solved {
            task.template.to_owned()
        } else {
            unsolved(task.template)
        };
        files.push((task.file.into(), text));
    }
    // The checkout's lock file: the same versions of every dependency, so
    // the engine built for one project serves them all.
    if let Ok(lock) = fs::read_to_string(checkout().join("Cargo.lock")) {
        files.push(("Cargo.lock".into(), lock));
    }
    for (file, text) in &files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(write_error(parent))?;
        }
        fs::write(&path, text).map_err(write_error(&path))?;
    }
    Ok(Project {
        dir,
        solved,
        files: files.into_iter().map(|(file, _)| file).collect(),
    })
}

/// Whether `dir` holds a project written by [`new`].
pub fn check_project(dir: &Path) -> Result<(), ProjectError> {
    match fs::read_to_string(dir.join("Cargo.toml")) {
        Ok(manifest) if manifest.contains(MARKER) => Ok(()),
        _ => Err(ProjectError::NotAProject(dir.to_owned())),
    }
}

/// The template with each solution block replaced by `todo!()`, indented as
/// the block's first line.
pub fn unsolved(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for line in template.split_inclusive('\n') {
        let marker = line.trim();
        if marker == SOLUTION_START {
            inside = true;
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(indent);
            out.push_str("todo!()\n");
        } else if marker == SOLUTION_END {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    out
}

/// `text` with the body of the first solution block after the first
/// occurrence of `anchor` replaced by `code` (indented as the block), the
/// markers kept; `None` if there is no such block.
pub fn replace_solution(text: &str, anchor: &str, code: &str) -> Option<String> {
    let from = text.find(anchor)?;
    let start = from + text[from..].find(SOLUTION_START)?;
    let body = start + text[start..].find('\n')? + 1;
    let end = body + text[body..].find(SOLUTION_END)?;
    let end_line = text[..end].rfind('\n').map_or(0, |n| n + 1);
    let indent = &text[end_line..end];
    let code: String = code.lines().map(|line| format!("{indent}{line}\n")).collect();
    Some(format!("{}{code}{}", &text[..body], &text[end_line..]))
}

/// The project's manifest: the engine and this crate by absolute path.
fn manifest(dir: &Path) -> String {
    let checkout = checkout();
    let quote = |path: &Path| toml_string(&path.to_string_lossy());
    let ndarray = workspace_requirement("ndarray").unwrap_or("*");
    format!(
        "# An adlab exercise project, written by `exercises new` in the adlab\n\
         # checkout {checkout}; grade it there with\n\
         #   cargo run --release --bin exercises -- grade {dir}\n\
         [package]\n\
         name = \"adlab-exercises\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         # The grader builds every project into one target directory (see\n\
         # .cargo/config.toml), so each project's program has a name of its own.\n\
         [[bin]]\n\
         name = \"{bin}\"\n\
         path = \"src/main.rs\"\n\
         \n\
         [dependencies]\n\
         autograd = {{ path = {autograd} }}\n\
         exercises = {{ path = {exercises} }}\n\
         ndarray = \"{ndarray}\"\n\
         \n\
         # Optimised a little, so that the last task trains in a second; your code\n\
         # keeps its debug checks, and the line numbers a panic reports.\n\
         [profile.dev]\n\
         opt-level = 1\n\
         \n\
         # The engine without debug information: it compiles faster.\n\
         [profile.dev.package.\"*\"]\n\
         debug = false\n\
         \n\
         {MARKER}\n\
         checkout = {checkout_string}\n\
         \n\
         # A project of its own, even inside another workspace's directory.\n\
         [workspace]\n",
        checkout = checkout.display(),
        dir = dir.display(),
        bin = binary_name(dir),
        autograd = quote(&checkout.join("crates/autograd")),
        exercises = quote(&checkout.join("crates/exercises")),
        checkout_string = quote(&checkout),
    )
}

/// `.cargo/config.toml`: the shared target directory, for the grader and
/// for the learner's own `cargo` commands alike.
fn cargo_config() -> String {
    format!(
        "# Every exercise project builds into one directory of the adlab checkout,\n\
         # so the engine is compiled once.\n\
         [build]\n\
         target-dir = {}\n",
        toml_string(&target_dir().to_string_lossy())
    )
}

/// A project's program given the name of its directory by [`own_program`]:
/// the directory was copied or moved since `exercises new` wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renamed {
    /// The project's directory, absolute.
    pub dir: PathBuf,
    /// The name it had (`None`: its manifest named no program).
    pub from: Option<String>,
    /// Its name now.
    pub to: String,
}

impl fmt::Display for Renamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was copied or moved: its program is renamed {}",
            self.dir.display(),
            self.to
        )?;
        if let Some(from) = &self.from {
            write!(f, " (was {from})")?;
        }
        write!(f, ", so that grading runs this directory's code, not the original's")
    }
}

/// Gives the project in `dir` its own program: the name `exercises new`
/// derives from the directory's path. Every project builds into one target
/// directory, so a copy keeping the original's name would overwrite the
/// original's program, and grading either would run the other's code.
/// `None` when the name already fits (the project was never copied or moved).
pub fn own_program(dir: &Path) -> Result<Option<Renamed>, ProjectError> {
    let not_a_project = |_| ProjectError::NotAProject(dir.to_owned());
    let dir = fs::canonicalize(dir).map_err(not_a_project)?;
    let path = dir.join("Cargo.toml");
    let manifest = fs::read_to_string(&path).map_err(not_a_project)?;
    let to = binary_name(&dir);
    let Some((manifest, from)) = with_program_name(&manifest, &to) else {
        return Ok(None);
    };
    fs::write(&path, manifest).map_err(|source| ProjectError::Write { path, source })?;
    Ok(Some(Renamed { dir, from, to }))
}

/// `manifest` with its `[[bin]]`'s name set to `name` (a `[[bin]]` table
/// added if it has none), and the name it had; `None` if it has `name` already.
fn with_program_name(manifest: &str, name: &str) -> Option<(String, Option<String>)> {
    let mut rewritten = String::with_capacity(manifest.len() + name.len());
    let mut table = "";
    let mut old = None;
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            table = trimmed;
        }
        let value = trimmed
            .strip_prefix("name")
            .and_then(|rest| rest.trim_start().strip_prefix('='));
        match value {
            Some(value) if table == "[[bin]]" && old.is_none() => {
                let current = value.trim().trim_matches('"');
                if current == name {
                    return None;
                }
                old = Some(current.to_owned());
                let indent = &line[..line.len() - line.trim_start().len()];
                rewritten.push_str(&format!("{indent}name = {}\n", toml_string(name)));
            }
            _ => rewritten.push_str(line),
        }
    }
    if old.is_none() {
        if !rewritten.ends_with('\n') {
            rewritten.push('\n');
        }
        rewritten.push_str(&format!(
            "\n[[bin]]\nname = {}\npath = \"src/main.rs\"\n",
            toml_string(name)
        ));
    }
    Some((rewritten, old))
}

/// Where every project builds: `target/exercises` in the checkout.
pub fn target_dir() -> PathBuf {
    checkout().join("target").join("exercises")
}

/// `adlab-exercises-` and eight hex digits of the directory's path (FNV-1a).
fn binary_name(dir: &Path) -> String {
    let hash = dir
        .to_string_lossy()
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("adlab-exercises-{hash:08x}")
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The version requirement of `name` in the workspace's dependencies.
fn workspace_requirement(name: &str) -> Option<&'static str> {
    let prefix = format!("{name} = \"");
    WORKSPACE_MANIFEST
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.split('"').next())
}

/// The README, with the checkout, the directory and the table of tasks.
fn readme(dir: &Path) -> String {
    let mut table = String::from("| # | task | what you write | file | taught in |\n|---|---|---|---|---|\n");
    for task in &TASKS {
        let chapters: Vec<String> = task
            .chapters
            .iter()
            .filter_map(|&n| chapter(n))
            .map(|c| format!("[{}. {}]({}/{})", c.number, c.title, checkout().display(), c.file))
            .collect();
        table.push_str(&format!(
            "| {} | `{}` | {} | `{}` | {} |\n",
            task.number,
            task.name,
            task.title,
            task.file,
            chapters.join(", ")
        ));
    }
    README
        .replace("{checkout}", &checkout().display().to_string())
        .replace("{dir}", &dir.display().to_string())
        .replace("{count}", &TASKS.len().to_string())
        .replace("{tasks}", table.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "fn f(x: f64) -> f64 {\n    // solution\n    x * 2.0\n    // end of solution\n}\n";

    #[test]
    fn a_solution_block_becomes_a_todo() {
        assert_eq!(unsolved(TEMPLATE), "fn f(x: f64) -> f64 {\n    todo!()\n}\n");
    }

    #[test]
    fn a_solution_block_can_be_replaced() {
        let planted = replace_solution(TEMPLATE, "fn f", "let y = x;\ny * 3.0").unwrap();
        assert_eq!(
            planted,
            "fn f(x: f64) -> f64 {\n    // solution\n    let y = x;\n    y * 3.0\n    // end of solution\n}\n"
        );
        assert_eq!(replace_solution(TEMPLATE, "fn g", "x"), None);
    }

    #[test]
    fn every_template_has_solutions_and_no_stray_marker() {
        for task in &TASKS {
            let starts = task.template.lines().filter(|l| l.trim() == SOLUTION_START).count();
            let ends = task.template.lines().filter(|l| l.trim() == SOLUTION_END).count();
            assert!(starts > 0 && starts == ends, "{}", task.name);
            let todo = unsolved(task.template);
            assert_eq!(todo.matches("todo!()").count(), starts, "{}", task.name);
            assert!(
                !todo.contains("// solution") && !todo.contains("end of solution"),
                "{}",
                task.name
            );
            assert!(
                task.template.starts_with(&format!("//! # Task {}: ", task.number)),
                "{}",
                task.name
            );
        }
    }

    #[test]
    fn the_manifest_names_the_checkout_and_the_shared_ndarray() {
        let manifest = manifest(Path::new("/tmp/my exercises"));
        assert!(manifest.contains(MARKER));
        let requirement = workspace_requirement("ndarray").unwrap();
        assert!(manifest.contains(&format!("ndarray = \"{requirement}\"")));
        assert!(manifest.contains(&format!("{}/crates/autograd", checkout().display())));
        assert_eq!(binary_name(Path::new("/a")), binary_name(Path::new("/a")));
        assert_ne!(binary_name(Path::new("/a")), binary_name(Path::new("/b")));
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn a_program_name_is_set_in_the_bin_table_only() {
        let manifest = "[package]\nname = \"adlab-exercises\"\n\n[[bin]]\nname = \"old\"\npath = \"src/main.rs\"\n";
        let (renamed, from) = with_program_name(manifest, "new").unwrap();
        assert_eq!(
            renamed,
            "[package]\nname = \"adlab-exercises\"\n\n[[bin]]\nname = \"new\"\npath = \"src/main.rs\"\n"
        );
        assert_eq!(from.as_deref(), Some("old"));
        assert_eq!(with_program_name(&renamed, "new"), None);
        // A manifest without a program of its own gets one.
        let (added, from) = with_program_name("[package]\nname = \"adlab-exercises\"", "new").unwrap();
        assert_eq!(
            added,
            "[package]\nname = \"adlab-exercises\"\n\n[[bin]]\nname = \"new\"\npath = \"src/main.rs\"\n"
        );
        assert_eq!(from, None);
    }

    #[test]
    fn a_copied_project_gets_a_program_of_its_own() {
        let temp = tempfile::tempdir().unwrap();
        let original = new(&temp.path().join("original"), false).unwrap().dir;
        assert_eq!(own_program(&original).unwrap(), None);
        let copy = temp.path().join("copy");
        fs::create_dir(&copy).unwrap();
        let manifest = fs::read_to_string(original.join("Cargo.toml")).unwrap();
        fs::write(copy.join("Cargo.toml"), &manifest).unwrap();
        let copy = fs::canonicalize(copy).unwrap();

        let renamed = own_program(&copy).unwrap().expect("the copy is renamed");
        assert_eq!(renamed.from, Some(binary_name(&original)));
        assert_eq!(renamed.to, binary_name(&copy));
        assert!(renamed.to_string().ends_with(&format!(
            "copy was copied or moved: its program is renamed {} (was {}), so that grading runs this directory's code, not the original's",
            renamed.to,
            binary_name(&original)
        )));
        let rewritten = fs::read_to_string(copy.join("Cargo.toml")).unwrap();
        assert_eq!(
            rewritten,
            manifest.replace(&binary_name(&original), &binary_name(&copy))
        );
        assert_eq!(own_program(&copy).unwrap(), None, "renamed once");
        assert!(matches!(
            own_program(&temp.path().join("nowhere")),
            Err(ProjectError::NotAProject(_))
        ));
    }

    #[test]
    fn new_refuses_a_directory_that_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let error = new(dir.path(), false).unwrap_err();
        assert!(matches!(error, ProjectError::NotEmpty(_)), "{error}");
        assert_eq!(fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");
    }

    #[test]
    fn new_writes_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mine");
        let project = new(&target, false).unwrap();
        check_project(&project.dir).unwrap();
        for task in &TASKS {
            let text = fs::read_to_string(project.dir.join(task.file)).unwrap();
            assert!(text.contains("todo!()"), "{}", task.file);
        }
        let readme = fs::read_to_string(project.dir.join("README.md")).unwrap();
        assert!(readme.contains(&format!("grade {}", project.dir.display())), "{readme}");
        for placeholder in ["{checkout}", "{dir}", "{count}", "{tasks}"] {
            assert!(!readme.contains(placeholder), "{placeholder} is left:\n{readme}");
        }
        assert!(check_project(dir.path()).is_err());
    }
}
