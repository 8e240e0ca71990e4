//! The README's two commands are what a newcomer runs and what CI runs.

use std::path::Path;

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

/// The command lines of the README's `sh` blocks, in order.
fn readme_commands() -> Vec<String> {
    read("README.md")
        .split("```sh\n")
        .skip(1)
        .flat_map(|block| {
            block[..block.find("```").unwrap()]
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn ci_runs_exactly_the_readme_test_command_last() {
    let commands = readme_commands();
    assert_eq!(
        &commands[..2],
        [
            "cargo run --release --bin reproduce",
            "cargo test --workspace --release"
        ],
        "the README starts with the run and the test command"
    );
    let ci = read(".ci/run");
    assert_eq!(ci.lines().last(), Some(commands[1].as_str()), ".ci/run:\n{ci}");
}

#[test]
fn ci_builds_the_api_docs_without_a_warning_before_the_tests() {
    let ci = read(".ci/run");
    let lines: Vec<&str> = ci.lines().collect();
    let doc = lines
        .iter()
        .position(|line| line.contains(r#"RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps"#))
        .unwrap_or_else(|| panic!(".ci/run does not build the docs:\n{ci}"));
    assert!(doc + 1 < lines.len(), ".ci/run:\n{ci}");
}
