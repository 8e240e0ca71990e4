//! The `mlp` bin end to end, on a tiny labelled data set in a temporary directory.

mod common;

use std::path::Path;

use common::{Run, assert_fields, bin, csv_field, run, run_on, traced_loss};

/// 24 rows, 2 features, 3 well-separated classes named in the last column.
const TINY: &str = "\
0.1,0.2,a\n0.4,-0.3,a\n-0.2,0.1,a\n0.3,0.5,a\n-0.5,-0.1,a\n0.2,-0.4,a\n0.0,0.3,a\n-0.3,-0.2,a\n\
5.1,0.2,b\n4.6,-0.3,b\n5.2,0.4,b\n4.8,0.1,b\n5.5,-0.2,b\n4.9,0.5,b\n5.3,-0.5,b\n4.7,0.0,b\n\
0.2,5.1,c\n-0.3,4.7,c\n0.4,5.3,c\n0.1,4.8,c\n-0.1,5.4,c\n0.5,4.9,c\n-0.4,5.2,c\n0.0,4.6,c\n";

fn mlp(dir: &Path, args: &[&str]) -> Run {
    run_on("mlp", TINY, dir, args)
}

#[test]
fn one_run_prints_accuracies_and_the_confusion_matrix_and_writes_its_curves() {
    let dir = tempfile::tempdir().unwrap();
    let run = mlp(
        dir.path(),
        &["--epochs", "20", "--validation", "6", "--seed", "3", "--json"],
    )
    .success();
    let stdout = &run.stdout;
    assert!(stdout.contains("validation accuracy:"), "{stdout}");
    assert!(stdout.contains("true \\ predicted  a  b  c"), "{stdout}");
    let json = run.json();
    assert_fields(
        &json,
        &[
            "train_accuracy",
            "validation_accuracy",
            "final_loss",
            "epochs",
            "seconds",
            "seed",
        ],
    );
    assert_eq!((json["epochs"].as_u64(), json["seed"].as_u64()), (Some(20), Some(3)));
    assert_eq!(
        (json["train_rows"].as_u64(), json["validation_rows"].as_u64()),
        (Some(18), Some(6))
    );
    assert_eq!(json["layers"], serde_json::json!([2, 32, 3]));
    assert!(json.get("mean_validation_accuracy").is_none());
    let accuracy = json["validation_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy));

    let csv = std::fs::read_to_string(dir.path().join("out/mlp_loss.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "epoch,train_loss,train_accuracy,validation_accuracy");
    assert_eq!(lines.len(), 21);
    assert!(lines[1].starts_with("1,"));
    let svg = std::fs::read_to_string(dir.path().join("out/mlp_loss.svg")).unwrap();
    assert!(svg.contains("training loss") && svg.contains("validation"));
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        mlp(dir.path(), &["--epochs", "10", "--json", "--seed", "5"])
            .success()
            .json()
    };
    let (first, second) = (run(), run());
    for field in ["train_accuracy", "validation_accuracy", "final_loss"] {
        assert_eq!(first[field], second[field], "{field}");
    }
}

#[test]
fn folds_and_seeds_report_the_spread_and_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = mlp(dir.path(), &["--folds", "3", "--seeds", "2", "--epochs", "5", "--json"])
        .success()
        .json();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6);
    assert_eq!((runs[5]["seed"].as_u64(), runs[5]["fold"].as_u64()), (Some(1), Some(3)));
    // 24 rows in 3 folds: 16 to train on, 8 to validate.
    assert_eq!(runs[0]["validation_rows"].as_u64(), Some(8));
    let value = |field: &str| json[field].as_f64().unwrap();
    let mean = runs
        .iter()
        .map(|r| r["validation_accuracy"].as_f64().unwrap())
        .sum::<f64>()
        / 6.0;
    assert!((value("mean_validation_accuracy") - mean).abs() < 1e-12);
    assert!(value("min_validation_accuracy") <= mean && mean <= value("max_validation_accuracy"));
    let table = std::fs::read_to_string(dir.path().join("out/mlp_runs.csv")).unwrap();
    assert_eq!(table.lines().count(), 7);
}

#[test]
fn report_config_sets_the_lab_report_set_up_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let json = mlp(
        dir.path(),
        &["--report-config", "--validation", "6", "--epochs", "3", "--json"],
    )
    .success()
    .json();
    assert_eq!(json["layers"], serde_json::json!([2, 12, 3]));
    assert_eq!(
        (json["optimizer"].as_str(), json["scale"].as_str()),
        (Some("sgd"), Some("variance"))
    );
    assert_eq!((json["lr"].as_f64(), json["batch"].as_u64()), (Some(0.01), Some(16)));
    assert_eq!(
        (json["epochs"].as_u64(), json["validation_rows"].as_u64()),
        (Some(3), Some(6))
    );
}

#[test]
fn help_usage_errors_and_run_time_errors() {
    let help = run("mlp", ["--help"]).success().stdout;
    for flag in [
        "--hidden",
        "--folds",
        "--seeds",
        "--report-config",
        "--validation",
        "--header",
        "--no-header",
        "--delimiter",
        "--drop-index-column",
        "--label-column",
        "--trace",
        "--html",
        "--json",
        "datasets/digits.csv",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }

    let dir = tempfile::tempdir().unwrap();
    mlp(dir.path(), &["--batch", "0"]).fails(2);
    mlp(dir.path(), &["--folds", "1"]).fails(2);
    let missing = Run::of(bin("mlp").args(["--data", "no/such/file.csv", "--out"]).arg(dir.path())).fails(1);
    assert_eq!(
        missing.error(),
        "cannot read no/such/file.csv: No such file or directory"
    );
}

#[test]
fn a_diverging_run_exits_1_and_still_writes_its_curves() {
    // 16 training rows in one batch of 16: one step per epoch. Epoch 1's step
    // starts from the finite initial weights; its update with lr 1e300 makes
    // them huge, and epoch 2's forward pass overflows.
    let dir = tempfile::tempdir().unwrap();
    let run = mlp(dir.path(), &["--optimizer", "sgd", "--lr", "1e300", "--epochs", "3"]).fails(1);
    assert!(run.error().starts_with("training diverged in epoch 2, step 1"), "{run}");
    assert!(run.hint().is_some(), "{run}");
    let csv = std::fs::read_to_string(dir.path().join("out/mlp_loss.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("1,"), "{csv}");
}

#[test]
fn trace_prints_the_first_minibatch_step_then_trains() {
    // 24 rows, 8 held out: 16 training rows in one batch of 16, so epoch 1
    // has one step and its mean loss is that step's loss (times 16, over 16:
    // exact in binary floating point).
    let dir = tempfile::tempdir().unwrap();
    let run = mlp(
        dir.path(),
        &[
            "--trace",
            "--validation",
            "8",
            "--epochs",
            "2",
            "--hidden",
            "5",
            "--seed",
            "4",
        ],
    )
    .success();
    let stdout = &run.stdout;
    assert!(
        stdout.starts_with("== --trace: the first training step ==\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("seed 4: epoch 1, step 1 of the 2-5-3 MLP, a minibatch of 16 of the 16 training rows"),
        "{stdout}"
    );
    // X, W₁, b₁, W₂, b₂, then matmul, add_bias, relu, matmul, add_bias, cross-entropy.
    assert!(
        stdout.contains("Wengert list: 11 nodes, 4 parameters, 1 constant"),
        "{stdout}"
    );
    assert!(stdout.contains("cross_entropy[16 labels]"), "{stdout}");
    assert!(stdout.contains("== the backward sweep =="), "{stdout}");
    let csv = dir.path().join("out/mlp_loss.csv");
    assert_eq!(traced_loss(stdout), csv_field(&csv, 1, 1), "epoch 1's loss");
    assert!(stdout.find("validation accuracy:").unwrap() > stdout.find("== the tape ==").unwrap());
}

/// 60 rows of two features in [0, 1), labelled by which side of the
/// diagonal they fall, every fifth label flipped: training fits some of the
/// flips, which validation cannot, so the two accuracies differ.
fn noisy_rows() -> String {
    (0..60)
        .map(|k| {
            let (x, y) = ((k as f64 * 0.377) % 1.0, (k as f64 * 0.613) % 1.0);
            let side = usize::from(x + y > 1.0);
            let label = if k % 5 == 0 { 1 - side } else { side };
            format!("{x:.3},{y:.3},{label}\n")
        })
        .collect()
}

#[test]
fn the_curves_last_validation_accuracy_is_the_printed_and_the_json_one() {
    // Three places report the validation accuracy: the printed summary and
    // the JSON line (from the trained model's predictions), and the last row
    // of mlp_loss.csv (from the per-epoch record). On distinct validation
    // rows they must agree, and differ from the training accuracy.
    let dir = tempfile::tempdir().unwrap();
    let run = run_on(
        "mlp",
        &noisy_rows(),
        dir.path(),
        &["--validation", "20", "--epochs", "40", "--seed", "1", "--json"],
    )
    .success();
    let json = run.json();
    let validation = json["validation_accuracy"].as_f64().unwrap();
    assert_ne!(json["train_accuracy"].as_f64().unwrap(), validation, "{run}");
    let csv = dir.path().join("out/mlp_loss.csv");
    let last: f64 = csv_field(&csv, 40, 3).parse().unwrap();
    assert_eq!(last, validation, "{run}");
    assert!(
        run.stdout.contains(&format!("validation accuracy: {validation:.4}\n")),
        "{run}"
    );
    let train: f64 = csv_field(&csv, 40, 2).parse().unwrap();
    assert_eq!(train, json["train_accuracy"].as_f64().unwrap(), "{run}");
}

#[test]
fn a_validation_count_may_be_written_with_an_exponent() {
    // 1e1 is ten rows, as 10 is; 2e-1 a fifth of them, as 0.2 is.
    let dir = tempfile::tempdir().unwrap();
    let rows = |validation: &str| {
        mlp(dir.path(), &["--epochs", "1", "--json", "--validation", validation])
            .success()
            .json()["validation_rows"]
            .as_u64()
    };
    assert_eq!(rows("1e1"), Some(10));
    assert_eq!(rows("10"), Some(10));
    assert_eq!(rows("2e-1"), rows("0.2"));
    assert_eq!(rows("0.2"), Some(5));
    mlp(dir.path(), &["--validation", "1.0"]).fails(2);
    mlp(dir.path(), &["--validation", "1.5e1"]).fails(2);
}

#[test]
fn the_first_line_says_how_the_file_was_read_and_where_the_labels_are() {
    let dir = tempfile::tempdir().unwrap();
    let with_header = format!("x,y,class\n{TINY}");
    let run = run_on(
        "mlp",
        &with_header,
        dir.path(),
        &["--epochs", "1", "--json", "--header"],
    )
    .success();
    let first_line = run.stdout.lines().next().unwrap();
    assert!(
        first_line.ends_with(
            "data.csv (comma-separated, a header on line 1, labels in the last column; 24 rows, 2 features, \
             3 classes: a, b, c)"
        ),
        "{run}"
    );
    let json = run.json();
    assert_eq!(
        (json["label_column"].as_str(), json["layout"]["header_line"].as_u64()),
        (Some("last"), Some(1))
    );
    let refused = run_on("mlp", &with_header, dir.path(), &[]).fails(1);
    assert_eq!(refused.hint(), Some("pass --header to skip it"), "{refused}");
}
