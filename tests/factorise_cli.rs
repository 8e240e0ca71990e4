//! The `factorise` bin end to end, on a tiny matrix in a temporary directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// An 8 x 3 matrix of non-integer values (so no column looks like labels),
/// nearly of rank 2.
const TINY: &str = "1.5,2.25,0.5\n0.5,1.25,2.5\n2.5,3.5,1.75\n1.25,1.5,3.25\n\
                    3.5,5.25,0.25\n0.75,0.5,1.5\n2.25,3.75,2.5\n1.75,2.5,0.75\n";

fn tiny_matrix(dir: &Path) -> PathBuf {
    let path = dir.join("tiny.csv");
    std::fs::write(&path, TINY).unwrap();
    path
}

fn factorise(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let data = tiny_matrix(dir);
    Command::cargo_bin("factorise")
        .unwrap()
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(dir.join("out"))
        .args(args)
        .assert()
}

fn last_json_line(stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

#[test]
fn reaches_the_bound_and_reports_it_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = factorise(dir.path(), &["--json", "--seed", "3"])
        .success()
        .get_output()
        .clone();
    let json = last_json_line(&output.stdout);
    for field in [
        "residual",
        "svd_residual",
        "epochs",
        "seconds",
        "seed",
        "rank",
        "loss",
        "optimizer",
        "lr",
    ] {
        assert!(json.get(field).is_some(), "missing {field} in {json}");
    }
    assert_eq!(json["seed"], 3);
    assert_eq!(json["rank"], 2);
    assert_eq!(json["epochs"], 1000);
    assert_eq!(json["loss"], "squared");
    assert_eq!(json["optimizer"], "adam");
    let (residual, bound) = (
        json["residual"].as_f64().unwrap(),
        json["svd_residual"].as_f64().unwrap(),
    );
    assert!(residual <= bound * 1.001, "{residual} vs {bound}");
    assert!(
        json["diagnosis"]
            .as_str()
            .unwrap()
            .starts_with("reached the rank-2 bound"),
        "{json}"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/factorise_loss.csv")).unwrap();
    assert!(csv.starts_with("epoch,loss,residual\n0,"));
    assert_eq!(csv.lines().count(), 1 + 1001);
    let svg = std::fs::read_to_string(dir.path().join("out/factorise_loss.svg")).unwrap();
    assert!(svg.contains("SVD bound (rank 2)") && svg.contains("rank-1 level"));
}

#[test]
fn the_same_seed_gives_the_same_residual() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str| {
        let output = factorise(dir.path(), &["--json", "--epochs", "50", "--seed", seed]);
        last_json_line(&output.success().get_output().stdout)["residual"].clone()
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
}

#[test]
fn help_lists_the_flags() {
    let output = Command::cargo_bin("factorise")
        .unwrap()
        .arg("--help")
        .assert()
        .success();
    let help = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    for flag in [
        "--data",
        "--columns",
        "--standardise",
        "--rank",
        "--loss",
        "--optimizer",
        "--lr",
        "--epochs",
        "--seed",
        "--out",
        "--json",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    assert!(help.contains("--data datasets/wine.data --rank 3 --standardise"));
}

#[test]
fn a_bad_flag_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    factorise(dir.path(), &["--lr", "0"]).code(2);
    factorise(dir.path(), &["--loss", "cubic"]).code(2);
    factorise(dir.path(), &["--rank", "0"]).code(2);
}

#[test]
fn a_missing_file_and_an_impossible_rank_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Command::cargo_bin("factorise")
        .unwrap()
        .args(["--data", "no/such/file.csv", "--out"])
        .arg(dir.path())
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&missing.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: ") && stderr.contains("no/such/file.csv"),
        "{stderr}"
    );

    let rank = factorise(dir.path(), &["--rank", "9"]).code(1);
    let stderr = String::from_utf8_lossy(&rank.get_output().stderr).into_owned();
    assert_eq!(stderr, "error: rank 9 is larger than min(8, 3) = 3\n");
}

#[test]
fn a_diverging_run_writes_its_losses_and_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let output = factorise(dir.path(), &["--optimizer", "sgd", "--lr", "10"]).code(1);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.starts_with("error: training diverged at epoch "), "{stderr}");
    assert!(stderr.contains("\nhint: lower --lr"), "{stderr}");
    let csv = std::fs::read_to_string(dir.path().join("out/factorise_loss.csv")).unwrap();
    assert!(csv.lines().count() > 1, "{csv}");
    assert!(dir.path().join("out/factorise_loss.svg").exists());
}
