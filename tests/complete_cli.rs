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
            "layout",
            "convergence",
        ],
    );
    assert_eq!((json["seed"].as_u64(), json["held_out"].as_u64()), (Some(2), Some(10)));
    // λ by default: 2% of the norm of the observed entries, once centred.
    assert_eq!(json["l2_rule"], "2% of ||M ⊙ A||_F");
    let lambda = json["l2"].as_f64().unwrap();
    assert!(lambda > 0.0 && lambda < 1.0, "{json}");
    assert_eq!(json["convergence"]["window"], 100);
    assert!(json["convergence"]["converged"].is_boolean(), "{json}");
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
        "--header",
        "--no-header",
        "--delimiter",
        "--drop-index-column",
        "--label-column",
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
        stdout.contains("(comma-separated, 10 x 4, columns centred, 10 entries hidden)"),
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

/// A matrix like scikit-learn's breast_cancer exported unscaled: `rows` rows
/// of 30 columns whose scales run from 0.003 to 570 (its columns' standard
/// deviations, from fractal dimension error to worst area), driven by three
/// factors (size, shape, texture) as its columns are, from a seeded draw.
fn breast_cancer_like(rows: usize, seed: u64) -> String {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    // (mean, standard deviation, factor: 0 size, 1 shape, 2 texture) of each column.
    const COLUMNS: [(f64, f64, usize); 30] = [
        (14.1, 3.52, 0),
        (19.3, 4.30, 2),
        (92.0, 24.3, 0),
        (655.0, 352.0, 0),
        (0.0964, 0.0141, 1),
        (0.104, 0.0528, 1),
        (0.0888, 0.0797, 1),
        (0.0489, 0.0388, 1),
        (0.181, 0.0274, 1),
        (0.0628, 0.00706, 1),
        (0.405, 0.277, 0),
        (1.22, 0.552, 2),
        (2.87, 2.02, 0),
        (40.3, 45.5, 0),
        (0.00704, 0.0030, 1),
        (0.0255, 0.0179, 1),
        (0.0319, 0.0302, 1),
        (0.0118, 0.00617, 1),
        (0.0205, 0.00827, 1),
        (0.00379, 0.00265, 1),
        (16.3, 4.83, 0),
        (25.7, 6.15, 2),
        (107.0, 33.6, 0),
        (881.0, 569.0, 0),
        (0.132, 0.0228, 1),
        (0.254, 0.157, 1),
        (0.272, 0.209, 1),
        (0.115, 0.0657, 1),
        (0.290, 0.0619, 1),
        (0.0839, 0.0181, 1),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut text = String::new();
    for _ in 0..rows {
        let factors = [normal(), normal(), normal()];
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|&(mean, sd, factor)| {
                let x = 0.9 * factors[factor] + 0.45 * normal();
                // Log-normal, as sizes and areas are: positive and skewed.
                format!("{:.6}", mean * (0.9 * x * sd / mean).exp())
            })
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

#[test]
fn a_run_that_had_not_converged_says_so_and_warns_about_its_held_out_error() {
    // Columns in the hundreds next to columns in the thousandths: Adam's
    // steps of about lr = 0.1 take U and V to their size slowly, and after
    // the default 1000 epochs the loss is still falling by percents.
    let dir = tempfile::tempdir().unwrap();
    let data = breast_cancer_like(300, 7);
    let unscaled = run_on("complete", &data, dir.path(), &["--json"]).success();
    let json = unscaled.json();
    assert_eq!(json["convergence"]["converged"], false, "{unscaled}");
    assert!(
        json["convergence"]["relative_change"].as_f64().unwrap() > 1e-2,
        "{unscaled}"
    );
    let verdict = json["convergence"]["verdict"].as_str().unwrap();
    assert!(verdict.starts_with("not converged: the loss fell "), "{verdict}");
    assert!(unscaled.stdout.contains(&format!("\n{verdict}\n")), "{unscaled}");
    assert!(
        json["diagnosis"].as_str().unwrap().ends_with(
            "; warning: from a run that had not converged, so this may change with more --epochs \
                        (or with --standardise, if the columns' scales differ)"
        ),
        "{json}"
    );
    // Standardised, the same matrix converges within the 1000 epochs.
    let scaled = run_on("complete", &data, dir.path(), &["--json", "--standardise"]).success();
    assert_eq!(scaled.json()["convergence"]["converged"], true, "{scaled}");
    assert!(
        !scaled.json()["diagnosis"].as_str().unwrap().contains("warning"),
        "{scaled}"
    );
}

#[test]
fn the_default_penalty_follows_the_datas_units() {
    // The same matrix in units 100 times smaller: λ is 100 times larger, and
    // (Adam's steps aside, which are in U's and V's units) the fit is the
    // same, where a fixed λ would be 100 times weaker.
    let dir = tempfile::tempdir().unwrap();
    let scaled: String = TINY
        .lines()
        .map(|line| {
            let values: Vec<String> = line
                .split(',')
                .map(|x| format!("{}", 100.0 * x.parse::<f64>().unwrap()))
                .collect();
            values.join(",") + "\n"
        })
        .collect();
    let lambda = |data: &str, args: &[&str]| {
        run_on(
            "complete",
            data,
            dir.path(),
            &[&["--json", "--epochs", "1"][..], args].concat(),
        )
        .success()
        .json()["l2"]
            .as_f64()
            .unwrap()
    };
    let (small, large) = (lambda(TINY, &[]), lambda(&scaled, &[]));
    assert!((large / small - 100.0).abs() < 1e-9, "{small} {large}");
    assert_eq!(lambda(&scaled, &["--l2", "0.5"]), 0.5);
    // The norm loss's λ is a pure number: the same for both.
    assert_eq!(lambda(TINY, &["--loss", "norm"]), 0.01);
    assert_eq!(lambda(&scaled, &["--loss", "norm"]), 0.01);
}

#[test]
fn a_tie_with_the_column_means_is_called_one() {
    // λ = 0.5 with the norm loss pulls U and V to 0 on iris: every guess is
    // its column's mean, and the two errors are equal (printed "1.00x lower" before).
    let dir = tempfile::tempdir().unwrap();
    let run = Run::of(
        bin("complete")
            .args(["--loss", "norm", "--l2", "0.5", "--json", "--out"])
            .arg(dir.path()),
    )
    .success();
    let json = run.json();
    assert_eq!(
        json["diagnosis"], "held-out error the same as predicting column means (to 0.5%)",
        "{run}"
    );
}
