//! Prints the engine-against-hand-derived table from the last
//! `cargo bench --bench engine` run (criterion's estimates under
//! `target/criterion`): `cargo run --release --example bench_table`.

use std::fs;
use std::path::{Path, PathBuf};

/// (group, baseline, measured, what the row means)
const ROWS: [(&str, &str, &str, &str); 4] = [
    (
        "factorise_iris",
        "hand",
        "engine",
        "1. factorisation epoch, iris 150x4, rank 2, norm loss, SGD",
    ),
    (
        "mlp_step",
        "hand",
        "engine",
        "2. MLP step, 16x4 -> 12 -> 3, cross-entropy, SGD",
    ),
    (
        "factorise_large",
        "hand",
        "engine",
        "3. factorisation step, 2000x1000, rank 20, squared loss",
    ),
    (
        "forward_vs_backward",
        "forward",
        "forward_backward",
        "4. forward + backward vs forward only, problem 3",
    ),
];

fn main() {
    let root = criterion_dir();
    println!("| benchmark | hand-derived | engine | ratio |");
    println!("|---|---:|---:|---:|");
    for (group, baseline, measured, label) in ROWS {
        match (mean_ns(&root, group, baseline), mean_ns(&root, group, measured)) {
            (Some(base), Some(engine)) => println!(
                "| {label} | {} | {} | {:.2} |",
                human(base),
                human(engine),
                engine / base
            ),
            _ => println!("| {label} | not measured | not measured | |"),
        }
    }
    if let Some(chain) = mean_ns(&root, "op_overhead", "chain_1000_adds") {
        println!(
            "| 5. chain of 1000 1x1 adds, forward + backward | | {} | {:.0} ns per op |",
            human(chain),
            chain / 1000.0
        );
    }
    if let (Some(matrices), Some(scalars)) = (
        mean_ns(&root, "scalar_net", "matrices"),
        mean_ns(&root, "scalar_net", "scalars"),
    ) {
        println!(
            "| 6. 2-8-1 tanh net on 16 points, forward + backward: matrices vs scalars | {} | {} | {:.1} |",
            human(matrices),
            human(scalars),
            scalars / matrices
        );
    }
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// Criterion's point estimate of the time per iteration, in nanoseconds: the
/// slope of its linear fit when it made one (the figure `cargo bench`
/// prints), else the mean.
fn mean_ns(root: &Path, group: &str, function: &str) -> Option<f64> {
    let text = fs::read_to_string(root.join(group).join(function).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["mean"]["point_estimate"].as_f64())
}

fn human(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.0} ns"),
    }
}
