//! The `complete` bin end to end, on a tiny matrix in a temporary directory
//! and on the lab report's 3 x 3 example.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// A 10 x 4 matrix of non-integer values (so no column looks like labels).
const TINY: &str = "1.5,2.25,0.5,1.75\n0.5,1.25,2.5,0.25\n2.5,3.5,1.75,2.5\n1.25,1.5,3.25,0.75\n\
                    3.5,5.25,0.25,3.5\n0.75,0.5,1.5,0.5\n2.25,3.75,2.5,1.5\n1.75,2.5,0.75,2.25\n\
                    2.75,4.5,1.25,2.75\n1.1,1.9,2.1,0.9\n";

fn complete(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let data = dir.join("tiny.csv");
    std::fs::write(&data, TINY).unwrap();
    Command::cargo_bin("complete")
        .unwrap()
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.join("out"))
        .args(args)
        .assert()
}

fn json_of(assert: assert_cmd::assert::Assert) -> Value {
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[test]
fn reports_both_errors_and_the_baseline_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = json_of(complete(dir.path(), &["--json", "--holdout", "0.25", "--seed", "2"]).success());
    for field in [
        "observed_rmse",
        "heldout_rmse",
        "baseline_rmse",
        "seed",
        "rank",
        "loss",
        "optimizer",
        "lr",
        "l2",
        "diagnosis",
        "seconds",
        "epochs",
    ] {
        assert!(json.get(field).is_some(), "missing {field} in {json}");
    }
    assert_eq!((json["seed"].as_u64(), json["held_out"].as_u64()), (Some(2), Some(10)));
    assert_eq!(json["l2"], 0.5);
    assert!(json["heldout_rmse"].as_f64().unwrap().is_finite());
    let csv = std::fs::read_to_string(dir.path().join("out/complete_loss.csv")).unwrap();
    assert!(csv.starts_with("epoch,loss\n0,"));
    assert!(dir.path().join("out/complete_loss.svg").exists());
}

#[test]
fn the_lab_example_guesses_the_two_hidden_entries() {
    let dir = tempfile::tempdir().unwrap();
    let json = json_of(complete(dir.path(), &["--example", "--json"]).success());
    assert_eq!((json["rows"].as_u64(), json["held_out"].as_u64()), (Some(3), Some(2)));
    let guesses = json["guesses"].as_array().unwrap();
    assert_eq!(
        (guesses[0]["row"].as_u64(), guesses[0]["col"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(guesses[1]["truth"], 0.5301);
}

#[test]
fn help_lists_the_flags() {
    let output = Command::cargo_bin("complete").unwrap().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    for flag in [
        "--holdout",
        "--l2",
        "--example",
        "--rank",
        "--lr",
        "--seed",
        "--out",
        "--json",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_values_and_impossible_inputs_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    complete(dir.path(), &["--lr", "0"]).code(2);
    complete(dir.path(), &["--holdout", "1"]).code(2);
    complete(dir.path(), &["--l2", "-1"]).code(2);
    let rank = complete(dir.path(), &["--rank", "9"]).code(1);
    let stderr = String::from_utf8_lossy(&rank.get_output().stderr).into_owned();
    assert_eq!(stderr, "error: rank 9 is larger than min(10, 4) = 4\n");
    let missing = Command::cargo_bin("complete")
        .unwrap()
        .args(["--data", "missing.csv", "--out"])
        .arg(dir.path())
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&missing.get_output().stderr).starts_with("error: "));
}
