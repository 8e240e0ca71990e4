//! The `tape` bin end to end, writing into a temporary directory.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn tape(out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("tape")
        .unwrap()
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
}

fn stdout_of(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.success().get_output().stdout.clone()).unwrap()
}

fn last_json_line(stdout: &str) -> Value {
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

#[test]
fn the_lab_step_prints_dump_trace_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = stdout_of(tape(dir.path(), &["--json", "--seed", "3"]));
    for section in ["== the tape ==", "== the backward sweep ==", "== operation counts"] {
        assert!(stdout.contains(section), "missing {section} in\n{stdout}");
    }
    assert!(
        stdout.contains("[3.3359  0.0492  1.8374]"),
        "the lab's A, in full\n{stdout}"
    );
    assert!(stdout.contains("#4 matmul(#1, #3)  G 3x3:"), "{stdout}");
    let json = last_json_line(&stdout);
    assert_eq!((json["step"].as_str(), json["seed"].as_u64()), (Some("lab"), Some(3)));
    // Forward: (3 x 2)(2 x 3) = 2·3·2·3 = 36, A - U Vᵀ 9, the norm 9 squares +
    // 9 additions + 1 sqrt = 19: 64. Backward: both products 72, dB = -G 9,
    // dA = g A / s 18: 99.
    assert_eq!(
        (json["forward_flops"].as_u64(), json["backward_flops"].as_u64()),
        (Some(64), Some(99))
    );
    assert_eq!(json["nodes"], 7);
    let dot = std::fs::read_to_string(json["files"]["dot"].as_str().unwrap()).unwrap();
    assert!(dot.starts_with("digraph tape {"), "{dot}");
    if let Some(svg) = json["files"]["svg"].as_str() {
        assert!(std::fs::read_to_string(svg).unwrap().contains("<svg"));
    }
}

#[test]
fn same_seed_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let first = stdout_of(tape(dir.path(), &["--seed", "5"]));
    let again = stdout_of(tape(dir.path(), &["--seed", "5"]));
    let other = stdout_of(tape(dir.path(), &["--seed", "6"]));
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn without_graphviz_it_says_so_and_still_writes_the_dot_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty_path = tempfile::tempdir().unwrap();
    let assert = Command::cargo_bin("tape")
        .unwrap()
        .env("PATH", empty_path.path())
        .arg("--out")
        .arg(dir.path())
        .arg("--json")
        .assert();
    let stdout = stdout_of(assert);
    assert!(
        stdout.contains("Graphviz's dot is not on the PATH: no tape.svg"),
        "{stdout}"
    );
    let json = last_json_line(&stdout);
    assert!(json["files"]["svg"].is_null(), "{json}");
    assert!(dir.path().join("tape.dot").exists());
    assert!(!dir.path().join("tape.svg").exists());
}

#[test]
fn the_mlp_step_and_the_iris_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = stdout_of(tape(dir.path(), &["--mlp", "--json"]));
    assert!(stdout.contains("cross_entropy[16 labels]"), "{stdout}");
    let json = last_json_line(&stdout);
    // X, W₁, b₁, W₂, b₂, then matmul, add_bias, relu, matmul, add_bias, cross-entropy.
    assert_eq!((json["step"].as_str(), json["nodes"].as_u64()), (Some("mlp"), Some(11)));

    let json = last_json_line(&stdout_of(tape(dir.path(), &["--iris", "--json", "--time", "2"])));
    // (150 x 2)(2 x 4): 2·150·2·4 = 2400; A - U Vᵀ 600; the norm 2·600 + 1.
    assert_eq!(json["forward_flops"], 2400 + 600 + 1201);
    assert_eq!(json["timing"]["steps"], 2);
    assert!(json["timing"]["seconds_per_step"].as_f64().unwrap() > 0.0);
}

#[test]
fn bad_flags_are_usage_errors_and_bad_files_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    tape(dir.path(), &["--time", "0"]).code(2);
    tape(dir.path(), &["--mlp", "--iris"]).code(2);

    let missing = tape(dir.path(), &["--mlp", "--data", "no/such/iris.data"]).code(1);
    let stderr = String::from_utf8_lossy(&missing.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("no/such/iris.data"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let blocker = dir.path().join("taken");
    std::fs::write(&blocker, "a file, not a directory").unwrap();
    let blocked = tape(&blocker, &[]).code(1);
    let stderr = String::from_utf8_lossy(&blocked.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: cannot use output directory"), "{stderr}");
}

#[test]
fn help_names_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    let help = stdout_of(tape(dir.path(), &["--help"]));
    for flag in ["--mlp", "--iris", "--seed", "--json", "--out", "--time", "--data"] {
        assert!(help.contains(flag), "missing {flag} in\n{help}");
    }
}
