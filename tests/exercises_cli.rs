//! The exercises bin end to end: `new` writes a project, `grade` builds it
//! (into the checkout's shared `target/exercises`) and grades each task in
//! a process of its own. A fresh project is all todo; a solved one all
//! pass; each bug of the zoo, planted in the solved files, fails its task
//! with the right diagnosis; and a panic, an endless loop and a wrong shape
//! each fail their own task while the others are still graded.
//!
//! A copy of a project, with a bug planted, is graded with its own code and
//! leaves the original's verdict alone, though both build into the shared
//! target directory.
//!
//! The solved project is built once; each round of plants rewrites a few
//! of its files and rebuilds only the learner's crate.

mod common;

use std::fs;
use std::path::Path;

use autograd::zoo::Bug;
use common::{copy_tree, run};
use exercises::TASKS;
use exercises::plants::{FAULTS, MISSING_G, Plant, UNREDUCED_COLUMN, zoo_plant};
use exercises::project::replace_solution;
use serde_json::Value;

/// Each task's status and message from `grade --json`'s last line.
fn statuses(json: &Value) -> Vec<(String, String, String)> {
    json["tasks"]
        .as_array()
        .expect("a tasks array")
        .iter()
        .map(|t| {
            let field = |name: &str| {
                t[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {name} in {t}"))
                    .to_owned()
            };
            (field("name"), field("status"), field("message"))
        })
        .collect()
}

fn dir_arg(dir: &Path) -> &str {
    dir.to_str().expect("a UTF-8 temporary directory")
}

#[test]
fn a_new_project_is_all_todo_and_refuses_to_be_overwritten() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("mine");
    let created = run("exercises", ["new", dir_arg(&dir), "--json"]).success();
    assert_eq!(created.json()["tasks"], TASKS.len());

    let graded = run("exercises", ["grade", dir_arg(&dir), "--json"]);
    assert_eq!(graded.code, Some(1), "{graded}");
    let tasks = statuses(&graded.json());
    assert_eq!(tasks.len(), TASKS.len());
    for ((name, status, message), task) in tasks.iter().zip(&TASKS) {
        assert_eq!((name.as_str(), status.as_str()), (task.name, "todo"), "{message}");
        assert!(
            message.starts_with(&format!("not started: todo!() at {}:", task.file)),
            "{message}"
        );
    }
    assert!(
        graded.stdout.contains("score: 0 of 16 tasks pass (0 fail, 16 todo)"),
        "{graded}"
    );

    let again = run("exercises", ["new", dir_arg(&dir)]).fails(1);
    assert!(
        again
            .error()
            .ends_with("exists and is not an empty directory: choose a new one"),
        "{again}"
    );
    let elsewhere = run("exercises", ["grade", dir_arg(temp.path())]).fails(1);
    assert!(
        elsewhere
            .error()
            .ends_with("is not an exercises project (no Cargo.toml written by `exercises new`)")
    );
    assert!(
        elsewhere
            .hint()
            .is_some_and(|hint| hint.contains("exercises -- new DIR")),
        "{elsewhere}"
    );
    // Code that does not compile: the compiler's messages, then one error line.
    fs::write(dir.join(TASKS[0].file), "this is not Rust").unwrap();
    let broken = run("exercises", ["grade", dir_arg(&dir)]);
    assert_eq!(broken.code, Some(1), "{broken}");
    let last = broken.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: ") && last.ends_with("does not build: the compiler's messages are above"),
        "{broken}"
    );
    assert!(broken.stderr.contains("src/t01_central_difference.rs:1"), "{broken}");

    let help = run("exercises", ["--help"]).success();
    assert!(help.stdout.contains("new") && help.stdout.contains("grade"), "{help}");
    let unknown = run("exercises", ["grade", dir_arg(&dir), "--task", "nope"]).fails(2);
    assert!(
        unknown
            .stderr
            .contains("[possible values: central-difference, reverse-sweep"),
        "{unknown}"
    );
}

/// Rounds of plants, each task planted at most once per round.
fn rounds(plants: Vec<Plant>) -> Vec<Vec<Plant>> {
    let mut rounds: Vec<Vec<Plant>> = Vec::new();
    for plant in plants {
        match rounds
            .iter_mut()
            .find(|round| round.iter().all(|p| p.task != plant.task))
        {
            Some(round) => round.push(plant),
            None => rounds.push(vec![plant]),
        }
    }
    rounds
}

#[test]
fn a_solved_project_passes_and_each_planted_bug_fails_its_task_with_its_diagnosis() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("solved");
    run("exercises", ["new", dir_arg(&dir), "--solved"]).success();
    let graded = run("exercises", ["grade", dir_arg(&dir), "--json"]);
    assert_eq!(graded.code, Some(0), "{graded}");
    for (name, status, message) in statuses(&graded.json()) {
        assert_eq!(status, "pass", "{name}: {message}");
    }
    a_copy_is_graded_with_its_own_code(&dir, &temp.path().join("copy"));

    let plants: Vec<Plant> = Bug::ALL
        .map(zoo_plant)
        .into_iter()
        .chain([MISSING_G])
        .chain(FAULTS)
        .collect();
    for round in rounds(plants) {
        for plant in &round {
            let task = exercises::task(plant.task).unwrap();
            let planted = replace_solution(task.template, plant.anchor, plant.code).unwrap();
            fs::write(dir.join(task.file), planted).unwrap();
        }
        // A limit that ends the planted loop soon, and leaves every other task ample time.
        let graded = run("exercises", ["grade", dir_arg(&dir), "--json", "--time-limit", "5"]);
        assert_eq!(graded.code, Some(1), "{graded}");
        for (name, status, message) in statuses(&graded.json()) {
            match round.iter().find(|plant| plant.task == name) {
                Some(plant) => {
                    assert_eq!(status, "fail", "{name} with {plant:?}: {message}");
                    assert!(
                        message.contains(plant.diagnosis),
                        "{name}: no {:?} in:\n{message}",
                        plant.diagnosis
                    );
                }
                // Training runs the planted rules: it fails, and says which tasks to fix first.
                None if name == "train" => {
                    assert_eq!(status, "fail", "{message}");
                    assert!(
                        message.contains("it runs your code of tasks that do not pass yet: "),
                        "{message}"
                    );
                }
                None => assert_eq!(status, "pass", "{name}, not planted: {message}"),
            }
        }
        if round.contains(&zoo_plant(Bug::MissingTranspose)) {
            let chapter = fs::read_to_string(common::root().join("docs/10-exercises.md")).unwrap();
            let start = chapter.find(" #  task").expect("the chapter shows a graded table");
            let block = &chapter[start..start + chapter[start..].find("```").expect("the block ends")];
            common::assert_documented(block, &graded.stdout, 1e-6);
        }
        for plant in &round {
            let task = exercises::task(plant.task).unwrap();
            fs::write(dir.join(task.file), task.template).unwrap();
        }
    }
}

/// The solved project, freshly built, copied to `copy` with a bug planted
/// there: each is graded with its own code, whichever was built last (both
/// build into the shared target directory).
fn a_copy_is_graded_with_its_own_code(solved: &Path, copy: &Path) {
    copy_tree(solved, copy);
    let task = exercises::task(UNREDUCED_COLUMN.task).unwrap();
    let planted = replace_solution(task.template, UNREDUCED_COLUMN.anchor, UNREDUCED_COLUMN.code).unwrap();
    fs::write(copy.join(task.file), planted).unwrap();
    let grade = |dir| run("exercises", ["grade", dir_arg(dir), "--task", task.name, "--json"]);

    let graded = grade(copy);
    assert_eq!(graded.code, Some(1), "{graded}");
    assert!(
        graded
            .stderr
            .contains("was copied or moved: its program is renamed adlab-exercises-"),
        "{graded}"
    );
    let [(_, status, message)] = &statuses(&graded.json())[..] else {
        panic!("one task graded: {graded}")
    };
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains(UNREDUCED_COLUMN.diagnosis), "{message}");

    // The original, not rebuilt since its own grade, still runs its own program.
    let original = grade(solved);
    assert_eq!(original.code, Some(0), "{original}");
    assert!(!original.stderr.contains("copied or moved"), "{original}");
    // Renamed once: the copy keeps its name and its verdict.
    let again = grade(copy);
    assert_eq!(again.code, Some(1), "{again}");
    assert!(!again.stderr.contains("copied or moved"), "{again}");
}

#[test]
fn the_chapter_lists_every_task_in_order_with_its_chapters() {
    let chapter = fs::read_to_string(common::root().join("docs/10-exercises.md")).unwrap();
    let rows: Vec<&str> = chapter
        .lines()
        .filter(|line| line.starts_with("| ") && line.contains("| `"))
        .collect();
    assert_eq!(rows.len(), TASKS.len(), "{rows:#?}");
    for (row, task) in rows.iter().zip(&TASKS) {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert_eq!(cells[0], format!("| {}", task.number), "{row}");
        assert_eq!(cells[1], format!("`{}`", task.name), "{row}");
        assert_eq!(cells[2], task.title, "{row}");
        let chapters: Vec<String> = task
            .chapters
            .iter()
            .map(|&n| {
                format!(
                    "[{n}]({})",
                    exercises::chapter(n).unwrap().file.trim_start_matches("docs/")
                )
            })
            .collect();
        assert_eq!(cells[3].trim_end_matches(" |"), chapters.join(", "), "{row}");
    }
}
