//! The `tape` bin end to end, writing into a temporary directory.

mod common;

use std::path::Path;

use common::{Run, bin, run};

fn tape(out: &Path, args: &[&str]) -> Run {
    Run::of(bin("tape").arg("--out").arg(out).args(args))
}

#[test]
fn the_lab_step_prints_dump_trace_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let run = tape(dir.path(), &["--json", "--seed", "3"]).success();
    let stdout = &run.stdout;
    for section in ["== the tape ==", "== the backward sweep ==", "== operation counts"] {
        assert!(stdout.contains(section), "missing {section} in\n{stdout}");
    }
    assert!(
        stdout.contains("[3.3359  0.0492  1.8374]"),
        "the lab's A, in full\n{stdout}"
    );
    assert!(stdout.contains("#4 matmul(#0, #3)  G 3x3:"), "{stdout}");
    let json = run.json();
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
    let stdout = |seed: &str| tape(dir.path(), &["--seed", seed]).success().stdout;
    assert_eq!(stdout("5"), stdout("5"));
    assert_ne!(stdout("5"), stdout("6"));
}

#[test]
fn without_graphviz_it_says_so_and_still_writes_the_dot_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty_path = tempfile::tempdir().unwrap();
    let run = Run::of(
        bin("tape")
            .env("PATH", empty_path.path())
            .arg("--out")
            .arg(dir.path())
            .arg("--json"),
    )
    .success();
    assert!(
        run.stdout.contains("Graphviz's dot is not on the PATH: no tape.svg"),
        "{run}"
    );
    assert!(run.json()["files"]["svg"].is_null(), "{run}");
    assert!(dir.path().join("tape.dot").exists());
    assert!(!dir.path().join("tape.svg").exists());
}

#[test]
fn the_mlp_step_and_the_iris_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let run = tape(dir.path(), &["--mlp", "--json"]).success();
    assert!(run.stdout.contains("cross_entropy[16 labels]"), "{run}");
    let json = run.json();
    // X, W₁, b₁, W₂, b₂, then matmul, add_bias, relu, matmul, add_bias, cross-entropy.
    assert_eq!((json["step"].as_str(), json["nodes"].as_u64()), (Some("mlp"), Some(11)));

    let json = tape(dir.path(), &["--iris", "--json", "--time", "2"]).success().json();
    // (150 x 2)(2 x 4): 2·150·2·4 = 2400; A - U Vᵀ 600; the norm 2·600 + 1.
    assert_eq!(json["forward_flops"], 2400 + 600 + 1201);
    assert_eq!(json["timing"]["steps"], 2);
    assert!(json["timing"]["seconds_per_step"].as_f64().unwrap() > 0.0);
}

/// The tape and the backward sweep as a run prints them: from `== the tape ==`
/// to the end of the sweep.
fn tape_and_sweep(stdout: &str) -> &str {
    let start = stdout.find("== the tape ==").expect("a tape");
    let sweep = start + stdout[start..].find("== the backward sweep ==").expect("a sweep");
    let end = sweep + stdout[sweep..].find("\n\n").expect("the end of the sweep");
    &stdout[start..end]
}

#[test]
fn the_steps_are_the_first_steps_the_trainers_take_numbered_alike() {
    // `tape --iris` is the first epoch of the report's factorisation and
    // `tape --mlp` the first step of `mlp --hidden 12`: node for node what
    // their `--trace` shows, U (or X) first.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let iris = tape(dir.path(), &["--iris", "--seed", "2"]).success();
    let factorise = common::run(
        "factorise",
        [
            "--loss",
            "norm",
            "--optimizer",
            "sgd",
            "--lr",
            "0.01",
            "--epochs",
            "1",
            "--seed",
            "2",
            "--trace",
            "--out",
            out,
        ],
    )
    .success();
    assert_eq!(tape_and_sweep(&iris.stdout), tape_and_sweep(&factorise.stdout));
    assert!(iris.stdout.contains("\n#0    parameter         150x2"), "{iris}");

    let network = tape(dir.path(), &["--mlp", "--seed", "2"]).success();
    let mlp = common::run(
        "mlp",
        [
            "--hidden", "12", "--epochs", "1", "--seed", "2", "--trace", "--out", out,
        ],
    )
    .success();
    assert_eq!(tape_and_sweep(&network.stdout), tape_and_sweep(&mlp.stdout));
    assert_eq!(common::traced_loss(&network.stdout), common::traced_loss(&mlp.stdout));
}

#[test]
fn bad_flags_are_usage_errors_and_bad_files_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    tape(dir.path(), &["--time", "0"]).fails(2);
    tape(dir.path(), &["--mlp", "--iris"]).fails(2);

    let missing = tape(dir.path(), &["--mlp", "--data", "no/such/iris.data"]).fails(1);
    assert_eq!(
        missing.error(),
        "cannot read no/such/iris.data: No such file or directory"
    );

    let blocker = dir.path().join("taken");
    std::fs::write(&blocker, "a file, not a directory").unwrap();
    let blocked = tape(&blocker, &[]).fails(1);
    assert!(blocked.error().starts_with("cannot use output directory"), "{blocked}");
}

#[test]
fn help_names_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    let help = tape(dir.path(), &["--help"]).success().stdout;
    for flag in [
        "--mlp", "--iris", "--seed", "--json", "--out", "--time", "--data", "--html", "--svg",
    ] {
        assert!(help.contains(flag), "missing {flag} in\n{help}");
    }
}

#[test]
fn a_reader_that_stops_early_ends_it_quietly() {
    // `tape | head -1`: the pipe's reading end is closed before the bin
    // writes, so its first write fails with a broken pipe.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tape"))
        .current_dir(common::root())
        .arg("--out")
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!((output.status.code(), stderr.as_ref()), (Some(0), ""));
}

#[test]
fn grad_shows_the_backward_sweep_recorded_as_a_tape() {
    let dir = tempfile::tempdir().unwrap();
    let printed = run("tape", ["--grad", "--out", dir.path().to_str().unwrap()]).success();
    let recorded = printed
        .stdout
        .split("== the backward sweep recorded on the tape (Tape::grad) ==")
        .nth(1)
        .expect("the section is printed");
    assert!(recorded.starts_with("\nNodes #0 to #6 are the step"), "{recorded}");
    // The step's 7 nodes, then the sweep's: from the seed to the gradients.
    assert!(recorded.contains("Wengert list: 16 nodes, 2 parameters"), "{recorded}");
    assert!(recorded.contains("crates/autograd/src/grad.rs"), "{recorded}");
}
