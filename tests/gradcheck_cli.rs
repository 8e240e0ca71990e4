//! The `gradcheck` bin end to end, with few cases so that it stays fast.

mod common;

use adlab::autograd::check::builtin_ops;
use adlab::autograd::zoo::Bug;
use adlab::experiments::gradcheck::ExperimentLoss;
use common::{Run, run};

fn gradcheck(args: &[&str]) -> Run {
    run("gradcheck", args)
}

#[test]
fn the_table_covers_every_op_and_loss_and_passes() {
    let run = gradcheck(&["--cases", "3", "--json", "--seed", "4"]).success();
    // One row per case of the engine's catalogue, then one per loss the
    // experiments train, in that order: a new op needs no edit here.
    let expected: Vec<(&str, &str)> = builtin_ops()
        .iter()
        .map(|op| ("op", op.name))
        .chain(ExperimentLoss::ALL.iter().map(|loss| ("loss", loss.name())))
        .collect();
    for (kind, name) in &expected {
        let line = format!("{kind:<4} {name:<24}");
        assert!(run.stdout.contains(&line), "no row `{line}` in\n{run}");
    }
    let json = run.json();
    assert_eq!((json["seed"].as_u64(), json["cases"].as_u64()), (Some(4), Some(3)));
    assert_eq!(json["passed"], true);
    let checks = json["checks"].as_array().unwrap();
    let rows: Vec<(&str, &str)> = checks
        .iter()
        .map(|row| (row["kind"].as_str().unwrap(), row["name"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, expected);
    for row in checks {
        assert_eq!(row["cases"], 3, "{row}");
        assert_eq!(row["passed"], true, "{row}");
        let rel = row["max_rel_error"].as_f64().unwrap();
        assert!((0.0..1e-5).contains(&rel), "{row}");
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let checks = |seed: &str| gradcheck(&["--cases", "2", "--json", "--seed", seed]).success().json()["checks"].clone();
    assert_eq!(checks("7"), checks("7"));
    assert_ne!(checks("7"), checks("8"));
}

#[test]
fn the_sweep_writes_its_table_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let json = gradcheck(&["--sweep", "--json", "--out", out.to_str().unwrap()])
        .success()
        .json();
    let best = json["sweep"]["best_step"].as_f64().unwrap();
    assert!((1e-8..=1e-4).contains(&best), "{json}");
    assert_eq!(json["sweep"]["v_shaped"], true);
    assert!(json.get("checks").is_none(), "the sweep replaces the table");
    let csv = std::fs::read_to_string(out.join("eps_sweep.csv")).unwrap();
    assert!(
        csv.starts_with("step,max_abs_error,rel_error,truncation,round_off\n0.1,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 23);
    let svg = std::fs::read_to_string(out.join("eps_sweep.svg")).unwrap();
    assert!(svg.contains("truncation ∝ h²") && svg.contains("round-off ∝ ε/h"));
}

#[test]
fn the_zoo_shows_every_bug_caught_and_blamed() {
    let run = gradcheck(&["--zoo", "--json"]).success();
    let stdout = &run.stdout;
    assert_eq!(
        stdout.matches("verdict: caught, and blamed on").count(),
        Bug::ALL.len(),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL node #5 sub_flipped_sign recorded at"), "{stdout}");
    assert!(stdout.contains("correct rule: dA = G, dB = -G"), "{stdout}");
    let json = run.json();
    let zoo = json["zoo"].as_array().unwrap();
    assert_eq!(zoo.len(), Bug::ALL.len());
    assert!(
        zoo.iter()
            .all(|entry| entry["caught"] == true && entry["localised"] == true),
        "{json}"
    );
}

#[test]
fn bad_flags_are_usage_errors_and_bad_outputs_run_time_errors() {
    let usage = gradcheck(&["--cases", "0"]).fails(2);
    assert!(usage.error().contains("--cases"), "{usage}");
    gradcheck(&["--help"]).success();

    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("taken");
    std::fs::write(&blocker, "x").unwrap();
    let blocked = gradcheck(&["--sweep", "--out", blocker.to_str().unwrap()]).fails(1);
    assert!(blocked.error().starts_with("cannot use output directory"), "{blocked}");
}
