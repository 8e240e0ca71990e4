//! The experiments with the engine's buffer pool turned off give the same
//! numbers, bit for bit: reusing last step's memory (`pool.rs`) is only an
//! optimisation. Every curve each experiment writes (epoch by epoch), and
//! its summary's numbers, are compared; only the timing columns are left out.
//!
//! The switch is process-wide, so this file holds one test.

use std::path::{Path, PathBuf};

use adlab::autograd::set_buffer_reuse;
use adlab::experiments::complete::{self, CompleteSettings};
use adlab::experiments::factorise::{self, CurvatureSettings, FactoriseSettings};
use adlab::experiments::mlp::{self, MlpSettings};
use adlab::factor::Config;

/// The experiments the reproduction runs, into `out`: the report's
/// factorisation (with its curvature and escape), the recommended one, the
/// recommended completion, and both MLP set-ups over two seeds. Returns
/// every number they report, and the files they wrote.
fn run_experiments(out: &Path) -> (Vec<f64>, Vec<PathBuf>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut numbers = Vec::new();
    let mut files = Vec::new();
    let report = Config::lab_report(2);
    for (name, config, curvature) in [
        ("report", report, Some(CurvatureSettings { escape: Some(report) })),
        ("recommended", Config::new(2), None),
    ] {
        let mut settings = FactoriseSettings {
            out: out.join(format!("factorise-{name}")),
            config,
            curvature,
            ..FactoriseSettings::default()
        };
        settings.data.data = root.join("datasets/iris.data");
        let summary = factorise::run(&settings).unwrap();
        numbers.extend([summary.final_loss, summary.residual]);
        if let Some(curvature) = &summary.curvature {
            numbers.extend([curvature.min_eigenvalue, curvature.max_eigenvalue, curvature.residual]);
        }
        if let Some(escape) = &summary.escape {
            numbers.extend([escape.step, escape.residual_after_step, escape.residual_end]);
            files.push(escape.csv.clone());
        }
        files.push(summary.csv);
    }

    let mut settings = CompleteSettings {
        out: out.join("complete"),
        ..CompleteSettings::default()
    };
    settings.data.data = root.join("datasets/iris.data");
    let summary = complete::run(&settings).unwrap();
    numbers.extend([summary.final_loss, summary.observed_rmse]);
    numbers.extend(summary.heldout_rmse);
    files.push(summary.csv);

    for (name, mut settings) in [
        ("report", MlpSettings::report()),
        ("recommended", MlpSettings::recommended()),
    ] {
        settings.data = root.join("datasets/iris.data");
        settings.seeds = 2;
        settings.out = out.join(format!("mlp-{name}"));
        let outcome = mlp::run(&settings).unwrap();
        for run in &outcome.runs {
            numbers.extend([run.train_accuracy, run.validation_accuracy, run.final_loss]);
        }
        files.push(outcome.files.csv);
        files.extend(outcome.runs_csv);
    }
    (numbers, files)
}

/// A written file with its last two columns (seconds) left out where the
/// header names them timings.
fn contents(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let timed = text.lines().next().is_some_and(|header| header.contains("seconds"));
    if !timed {
        return text;
    }
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len()).filter(|&k| !header[k].contains("seconds")).collect();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            keep.iter().map(|&k| fields[k]).collect::<Vec<_>>().join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_experiments_give_the_same_numbers_without_buffer_reuse() {
    let dir = tempfile::tempdir().unwrap();
    let (with_pool, files) = run_experiments(&dir.path().join("pooled"));
    set_buffer_reuse(false);
    let (without_pool, files_without) = run_experiments(&dir.path().join("fresh"));
    set_buffer_reuse(true);

    assert_eq!(files.len(), files_without.len());
    assert!(files.len() >= 8, "{files:?}");
    // Bit for bit: the numbers' bits, and every file's text.
    let bits = |numbers: &[f64]| numbers.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&with_pool), bits(&without_pool));
    for (pooled, fresh) in files.iter().zip(&files_without) {
        assert_eq!(contents(pooled), contents(fresh), "{}", pooled.display());
    }
}
