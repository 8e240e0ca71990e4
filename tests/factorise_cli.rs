//! The `factorise` bin end to end, on a tiny matrix in a temporary directory.

mod common;

use std::path::Path;

use adlab::experiments::factorise::FactoriseSettings;
use adlab::experiments::reproduce::commands::factorise_flags;
use adlab::factor::Config;
use common::{Run, assert_fields, bin, csv_field, run, run_on, traced_loss};

/// An 8 x 3 matrix of non-integer values (so no column looks like labels),
/// nearly of rank 2.
const TINY: &str = "1.5,2.25,0.5\n0.5,1.25,2.5\n2.5,3.5,1.75\n1.25,1.5,3.25\n\
                    3.5,5.25,0.25\n0.75,0.5,1.5\n2.25,3.75,2.5\n1.75,2.5,0.75\n";

fn factorise(dir: &Path, args: &[&str]) -> Run {
    run_on("factorise", TINY, dir, args)
}

#[test]
fn reaches_the_bound_and_reports_it_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = factorise(dir.path(), &["--json", "--seed", "3"]).success().json();
    assert_fields(
        &json,
        &[
            "residual",
            "svd_residual",
            "epochs",
            "seconds",
            "seed",
            "rank",
            "loss",
            "optimizer",
            "lr",
        ],
    );
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
    let residual = |seed: &str| {
        factorise(dir.path(), &["--json", "--epochs", "50", "--seed", seed])
            .success()
            .json()["residual"]
            .clone()
    };
    assert_eq!(residual("5"), residual("5"));
    assert_ne!(residual("5"), residual("6"));
}

#[test]
fn help_lists_the_flags() {
    let help = run("factorise", ["--help"]).success().stdout;
    for flag in [
        "--data",
        "--header",
        "--no-header",
        "--delimiter",
        "--drop-index-column",
        "--label-column",
        "--columns",
        "--standardise",
        "--rank",
        "--loss",
        "--optimizer",
        "--lr",
        "--epochs",
        "--trace",
        "--html",
        "--seed",
        "--out",
        "--json",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    assert!(help.contains("--data datasets/wine.data --label-column first --rank 3 --standardise"));
    // The lab report's run, as reproduce writes its command.
    let report = FactoriseSettings {
        config: Config::lab_report(2),
        ..FactoriseSettings::default()
    };
    let flags = factorise_flags(&report);
    assert!(
        help.contains(&format!(
            "The lab report's run, which stalls on the rank-1 saddle:  {flags}."
        )),
        "{help}"
    );
}

#[test]
fn every_column_is_kept_unless_a_label_column_is_named() {
    // Integer ratings: the last column's 5 distinct integers would pass for
    // class labels, but a factorisation keeps every column of numbers...
    let dir = tempfile::tempdir().unwrap();
    let ratings = "5,3,4,1\n4,2,5,2\n1,1,2,5\n2,1,1,4\n5,4,4,1\n";
    let kept = run_on("factorise", ratings, dir.path(), &["--json", "--epochs", "10"]).success();
    let header = kept.stdout.lines().next().unwrap().to_owned();
    assert!(
        header.ends_with(
            "data.csv (comma-separated): 5 x 4, columns centred; rank 2, squared loss, adam, lr 0.1, 10 epochs, seed 0"
        ),
        "{header}"
    );
    assert!(kept.json()["label_column"].is_null());
    assert_eq!(kept.json()["layout"]["description"], "comma-separated");
    // ...unless told which one holds labels, and says so.
    let dropped = run_on(
        "factorise",
        ratings,
        dir.path(),
        &["--json", "--epochs", "10", "--label-column", "last"],
    )
    .success();
    assert!(
        dropped
            .stdout
            .contains(": 5 x 3, label column 3 left out, columns centred"),
        "{}",
        dropped.stdout
    );
    assert_eq!(dropped.json()["label_column"], 3);
    // A column of class names is left out by itself (iris's species).
    let iris = run(
        "factorise",
        ["--epochs", "2", "--json", "--out", dir.path().to_str().unwrap()],
    )
    .success();
    assert_eq!(iris.json()["label_column"], 4);
    // Naming a label column and listing the columns contradict each other.
    run_on(
        "factorise",
        ratings,
        dir.path(),
        &["--label-column", "last", "--columns", "all"],
    )
    .fails(2);
}

#[test]
fn a_header_a_delimiter_and_an_index_column_are_read_as_declared_and_shown() {
    // The same 8 x 3 matrix as pandas writes it: tab-separated, a header of
    // the column numbers over an index column.
    let dir = tempfile::tempdir().unwrap();
    let mut exported = "\t0\t1\t2\n".to_owned();
    for (index, row) in TINY.lines().enumerate() {
        exported.push_str(&format!("{index}\t{}\n", row.replace(',', "\t")));
    }
    let refused = run_on("factorise", &exported, dir.path(), &[]).fails(1);
    assert!(
        refused
            .error()
            .ends_with("its first field is empty; drop the index column"),
        "{refused}"
    );
    assert_eq!(refused.hint(), Some("pass --drop-index-column"));
    let args = ["--drop-index-column", "--json", "--seed", "3"];
    let read = run_on("factorise", &exported, dir.path(), &args).success();
    assert!(
        read.stdout.lines().next().unwrap().contains(
            "data.csv (tab-separated, a header on line 1, the index column dropped): 8 x 3, columns centred;"
        ),
        "{read}"
    );
    let layout = &read.json()["layout"];
    assert_eq!(
        (layout["delimiter"].as_str(), layout["header_line"].as_u64()),
        (Some("tab"), Some(1))
    );
    assert_eq!(layout["index_column_dropped"], true);
    // The same numbers as the plain file.
    let plain = factorise(dir.path(), &["--json", "--seed", "3"]).success().json();
    assert_eq!(read.json()["residual"], plain["residual"]);
}

#[test]
fn a_matrix_that_centring_leaves_all_zeros_is_an_error_not_a_run() {
    // Every row alike: centred, A = 0, and U Vᵀ = 0 fits it exactly. Before,
    // a run was "not converged: residual 0.0000 is above the rank-1 bound 0".
    let dir = tempfile::tempdir().unwrap();
    let rows = "1.5,2.5,3.5\n".repeat(4);
    for (bin, why) in [
        ("factorise", "every column is constant, so once centred the matrix is"),
        (
            "complete",
            "every column's observed entries are equal, so once centred they are",
        ),
    ] {
        let run = run_on(bin, &rows, dir.path(), &["--rank", "1"]).fails(1);
        let expected = format!("data.csv: {why} all zeros: U Vᵀ = 0 fits exactly, and there is nothing to fit");
        assert!(run.error().ends_with(&expected), "{run}");
        assert!(!dir.path().join("out").exists(), "nothing written");
    }
}

#[test]
fn the_gap_to_the_bound_is_never_negative() {
    // Centred iris reaches the bound to rounding; the residual can come out
    // a hair below it (-1.4e-14 % was printed before): that is 0.
    let dir = tempfile::tempdir().unwrap();
    let json = run("factorise", ["--json", "--out", dir.path().to_str().unwrap()])
        .success()
        .json();
    assert_eq!(json["gap_percent"].as_f64(), Some(0.0), "{json}");
}

#[test]
fn a_full_rank_fit_reaches_the_bound_of_zero() {
    // Rank 3 = min(8, 3): the bound is 0 and a residual at rounding level
    // has reached it (not "0.00% above the bound 0").
    let dir = tempfile::tempdir().unwrap();
    let json = factorise(dir.path(), &["--json", "--rank", "3"]).success().json();
    assert_eq!(json["svd_residual"], 0.0);
    assert!(json["gap_percent"].is_null(), "{json}");
    assert!(json["residual"].as_f64().unwrap() < 1e-9, "{json}");
    assert_eq!(json["reached_bound"], true);
    assert!(
        json["diagnosis"]
            .as_str()
            .unwrap()
            .starts_with("reached the rank-3 bound 0"),
        "{json}"
    );
}

#[test]
fn a_bad_flag_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    factorise(dir.path(), &["--lr", "0"]).fails(2);
    factorise(dir.path(), &["--loss", "cubic"]).fails(2);
    factorise(dir.path(), &["--rank", "0"]).fails(2);
}

#[test]
fn a_missing_file_and_an_impossible_rank_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Run::of(
        bin("factorise")
            .args(["--data", "no/such/file.csv", "--out"])
            .arg(dir.path()),
    )
    .fails(1);
    assert_eq!(
        missing.error(),
        "cannot read no/such/file.csv: No such file or directory"
    );

    let rank = factorise(dir.path(), &["--rank", "9"]).fails(1);
    let data = dir.path().join("data.csv");
    assert_eq!(
        rank.error(),
        format!("{}: rank 9 is larger than min(8, 3) = 3", data.display())
    );
}

#[test]
fn trace_prints_the_first_steps_tape_and_sweep_then_trains() {
    let dir = tempfile::tempdir().unwrap();
    let run = factorise(dir.path(), &["--trace", "--epochs", "3", "--seed", "2", "--json"]).success();
    let stdout = &run.stdout;
    let sections = [
        "== --trace: the first training step ==",
        "== the tape ==",
        "== the backward sweep ==",
    ];
    let at: Vec<usize> = sections.iter().map(|s| stdout.find(s).expect(s)).collect();
    let results = stdout.find("residual ||A - U Vᵀ||_F").unwrap();
    assert!(at[0] < at[1] && at[1] < at[2] && at[2] < results, "{stdout}");
    // U 8x2, V 3x2, A, Vᵀ, U Vᵀ, A - U Vᵀ, its squared norm: the loop's tape.
    assert!(
        stdout.contains("Wengert list: 7 nodes, 2 parameters, 1 constant"),
        "{stdout}"
    );
    assert!(stdout.contains("#4    matmul       #0 #3     8x3"), "{stdout}");
    assert!(stdout.contains("#6 sum_squares(#5)  G 1x1: 1.0000"), "{stdout}");
    // The traced loss is the loop's first loss, to the last bit.
    let csv = dir.path().join("out/factorise_loss.csv");
    assert_eq!(traced_loss(stdout), csv_field(&csv, 1, 1));
    assert_eq!(run.json()["epochs"], 3);
}

#[test]
fn the_curvature_certifies_the_reports_saddle_and_the_default_runs_minimum() {
    // On iris (the bins' default data): the report's end point has negative
    // curvature (-0.0644 measured, far beyond its Lanczos residual), the
    // recommended run's end point none.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let report = [
        "--loss",
        "norm",
        "--optimizer",
        "sgd",
        "--lr",
        "0.01",
        "--json",
        "--out",
        out,
    ];
    let json = run("factorise", report.iter().copied().chain(["--curvature"]))
        .success()
        .json();
    let curvature = &json["curvature"];
    assert_eq!(curvature["verdict"], "saddle", "{json}");
    let smallest = curvature["min_eigenvalue"].as_f64().unwrap();
    assert!((-0.07..-0.05).contains(&smallest), "{json}");
    assert!(curvature["residual"].as_f64().unwrap() < 1e-6, "{json}");
    assert!(json["escape"].is_null(), "--curvature alone takes no step: {json}");

    let json = run("factorise", ["--curvature", "--json", "--out", out])
        .success()
        .json();
    assert_eq!(json["curvature"]["verdict"], "minimum", "{json}");

    // --escape: the step and 1000 more epochs at lr 0.1 reach the bound
    // within 0.01%; the same epochs without the step do not.
    let escaped = run(
        "factorise",
        report.iter().copied().chain(["--escape", "--escape-lr", "0.1"]),
    );
    let text = escaped.success();
    assert!(text.stdout.contains("verdict: saddle"), "{}", text.stdout);
    assert!(text.stdout.contains("escape: a step of"), "{}", text.stdout);
    let json = text.json();
    let escape = &json["escape"];
    let bound = json["svd_residual"].as_f64().unwrap();
    let at = |field: &str| escape[field].as_f64().unwrap();
    assert!(at("residual_after_step") < at("residual_before") - 0.3, "{json}");
    assert!(at("residual_end") <= bound * 1.0001, "{json}");
    assert!(at("residual_end_without_step") > bound * 1.0001, "{json}");
    assert_eq!(
        (escape["lr"].as_f64(), escape["epochs"].as_u64()),
        (Some(0.1), Some(1000))
    );
    let csv = std::fs::read_to_string(dir.path().join("out/factorise_escape.csv")).unwrap();
    assert!(csv.starts_with("epoch,residual_with_step,residual_without_step\n0,"));
    assert_eq!(csv.lines().count(), 1 + 1001);

    // The escape's own flags need --escape, and take the usual checks.
    run("factorise", ["--escape-lr", "0.1"]).fails(2);
    run("factorise", ["--escape", "--escape-epochs", "0"]).fails(2);
}
