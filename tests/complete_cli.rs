//! The `complete` bin end to end, on a tiny matrix in a temporary directory
//! and on the lab report's 3 x 3 example.

mod common;

use std::path::Path;

use common::{Run, assert_fields, bin, csv_field, run, run_on, traced_loss};

/// A 10 x 4 matrix of non-integer values (so no column looks like labels).
const TINY: &str = "1.5,2.25,0.5,1.75\n0.5,1.25,2.5,0.25\n2.5,3.5,1.75,2.5\n1.25,1.5,3.25,0.75\n\
                    3.5,5.25,0.25,3.5\n0.75,0.5,1.5,0.5\n2.25,3.75,2.5,1.5\n1.75,2.5,0.75,2.25\n\
                    2.75,4.5,1.25,2.75\n1.1,1.9,2.1,0.9\n";

fn complete(dir: &Path, args: &[&str]) -> Run {
    run_on("complete", TINY, dir, args)
}

#[test]
fn reports_both_errors_and_the_baseline_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = complete(dir.path(), &["--json", "--holdout", "0.25", "--seed", "2"])
        .success()
        .json();
    assert_fields(
        &json,
        &[
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
        ],
    );
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
    let json = complete(dir.path(), &["--example", "--json"]).success().json();
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
    let help = run("complete", ["--help"]).success().stdout;
    for flag in [
        "--holdout",
        "--l2",
        "--example",
        "--rank",
        "--lr",
        "--trace",
        "--html",
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
    complete(dir.path(), &["--lr", "0"]).fails(2);
    complete(dir.path(), &["--holdout", "1"]).fails(2);
    complete(dir.path(), &["--l2", "-1"]).fails(2);
    let rank = complete(dir.path(), &["--rank", "9"]).fails(1);
    let data = dir.path().join("data.csv");
    assert_eq!(
        rank.error(),
        format!("{}: rank 9 is larger than min(10, 4) = 4", data.display())
    );
    let example = complete(dir.path(), &["--example", "--rank", "4"]).fails(1);
    assert_eq!(example.error(), "lab example: rank 4 is larger than min(3, 3) = 3");
    let missing = Run::of(bin("complete").args(["--data", "missing.csv", "--out"]).arg(dir.path())).fails(1);
    assert_eq!(missing.error(), "cannot read missing.csv: No such file or directory");
}

#[test]
fn trace_prints_the_masked_first_step_then_trains() {
    let dir = tempfile::tempdir().unwrap();
    let run = complete(dir.path(), &["--trace", "--epochs", "2", "--holdout", "0.25"]).success();
    let stdout = &run.stdout;
    assert!(
        stdout.starts_with("== --trace: the first training step ==\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(10 x 4, columns centred, 10 entries hidden)"),
        "{stdout}"
    );
    // U, V, the mask, A, Vᵀ, U Vᵀ, A - U Vᵀ, the masked misfit, its squared
    // norm, ||U||², ||V||², their sum, λ times it, the total: 14 nodes.
    assert!(
        stdout.contains("Wengert list: 14 nodes, 2 parameters, 2 constants"),
        "{stdout}"
    );
    assert!(
        stdout.contains("#2 needs no gradient (a constant): skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(fan-out: 2nd contribution, summed)"),
        "U and V feed two terms\n{stdout}"
    );
    let csv = dir.path().join("out/complete_loss.csv");
    assert_eq!(traced_loss(stdout), csv_field(&csv, 1, 1), "the loop's first loss");
    assert!(stdout.contains("RMSE on held-out entries"), "{stdout}");
}
