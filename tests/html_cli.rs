//! `--html PATH` end to end, and `tape --svg PATH`: every bin that records
//! a first step writes it as one page that loads nothing; in headless
//! Chromium (when installed, as in `crates/autograd/tests/html_page.rs`)
//! each page steps through the whole step and ends on the gradients that
//! the same run's trace prints.

mod common;

#[path = "../crates/autograd/tests/page_checks/mod.rs"]
mod page_checks;

use std::path::Path;

use common::{Run, assert_documented, bin};

/// The pages must stay below this size (issue 18's bound).
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Each bin's first step: a name, the bin, and flags that print its tape and
/// sweep (`tape` always does) and keep the run short.
const RUNS: [(&str, &str, &[&str]); 6] = [
    ("tape-lab", "tape", &[]),
    ("tape-iris", "tape", &["--iris"]),
    ("tape-mlp", "tape", &["--mlp"]),
    ("factorise", "factorise", &["--epochs", "1", "--trace"]),
    ("complete", "complete", &["--epochs", "1", "--trace"]),
    ("mlp", "mlp", &["--epochs", "1", "--trace"]),
];

/// A parameter's gradient: its node, its shape, and numbers.
type Gradient = (usize, (usize, usize), Vec<f64>);

/// A page a bin wrote, and what the same run printed about its step.
struct Written {
    name: &'static str,
    page: String,
    /// Nodes on the tape (`Wengert list: N nodes`).
    nodes: usize,
    /// The gradients the trace prints.
    printed: Vec<Gradient>,
}

/// Runs every bin of [`RUNS`] with `--html` into `dir`; checks that each
/// says where its page went and how large it is.
fn written_pages(dir: &Path) -> Vec<Written> {
    RUNS.iter()
        .map(|&(name, bin_name, flags)| {
            let path = dir.join(format!("{name}.html"));
            let run = Run::of(
                bin(bin_name)
                    .args(flags)
                    .arg("--html")
                    .arg(&path)
                    .arg("--out")
                    .arg(dir.join("out")),
            )
            .success();
            let page = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}\n{run}"));
            let size = format!("wrote {} ({:.1} KB)", path.display(), page.len() as f64 / 1024.0);
            assert!(run.stdout.contains(&size), "{name}: no '{size}' in\n{run}");
            Written {
                name,
                page,
                nodes: nodes_on_the_tape(&run.stdout),
                printed: printed_gradients(&run.stdout),
            }
        })
        .collect()
}

/// `N` of the dump's header, `Wengert list: N nodes, ...`.
fn nodes_on_the_tape(stdout: &str) -> usize {
    let header = stdout.lines().find_map(|line| line.strip_prefix("Wengert list: "));
    let count = header.and_then(|rest| rest.split(' ').next()?.parse().ok());
    count.unwrap_or_else(|| panic!("no Wengert list in\n{stdout}"))
}

/// The trace's last section, `gradients: the sum of what reached each
/// parameter`: each parameter's node, shape and the numbers printed (every
/// entry of a gradient of at most 16 entries, else its min, max and norm).
fn printed_gradients(stdout: &str) -> Vec<Gradient> {
    let start = stdout
        .find("gradients: the sum of what reached each parameter\n")
        .unwrap_or_else(|| panic!("no gradients in\n{stdout}"));
    let mut gradients: Vec<Gradient> = Vec::new();
    for line in stdout[start..].lines().skip(1).take_while(|line| !line.is_empty()) {
        let numbers_in = |text: &str| -> Vec<f64> {
            let words = text.split(|c: char| c.is_whitespace() || "[],".contains(c));
            words.filter_map(|word| word.parse().ok()).collect()
        };
        if let Some(head) = line.strip_prefix('#') {
            // "#0 parameter 150x2: min -0.1120, max 0.2128, norm 1.3411"
            let (head, rest) = head.split_once(':').unwrap();
            let (id, shape) = head.split_once(" parameter ").unwrap();
            let (rows, cols) = shape.split_once('x').unwrap();
            let shape = (rows.parse().unwrap(), cols.parse().unwrap());
            gradients.push((id.parse().unwrap(), shape, numbers_in(rest)));
        } else {
            gradients.last_mut().unwrap().2.extend(numbers_in(line));
        }
    }
    gradients
}

/// What the trace prints of a gradient with these entries: the entries, or
/// their min, max and norm above 16.
fn as_printed(values: &[f64]) -> Vec<f64> {
    if values.len() <= 16 {
        return values.to_vec();
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let norm = values.iter().map(|x| x * x).sum::<f64>().sqrt();
    vec![min, max, norm]
}

#[test]
fn every_first_step_is_a_page_that_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for written in written_pages(dir.path()) {
        let (name, page) = (written.name, &written.page);
        page_checks::assert_self_contained(name, page);
        assert!(page.starts_with("<!DOCTYPE html>"), "{name}");
        assert_eq!(
            page.matches("<g class=\"node ").count(),
            written.nodes,
            "{name}: one box per node"
        );
        assert!(page.len() < MAX_PAGE_BYTES, "{name}: {} bytes", page.len());
    }
}

#[test]
fn in_a_browser_each_page_ends_on_the_gradients_its_trace_prints() {
    let Some(browser) = page_checks::chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let written = written_pages(dir.path());
    let pages: Vec<(&str, &str)> = written.iter().map(|w| (w.name, w.page.as_str())).collect();
    let reports = page_checks::self_tests(&browser, &dir.path().join("browser"), &pages);
    for (written, report) in written.iter().zip(&reports) {
        let name = written.name;
        report.assert_sound(name, written.nodes);
        let shown: Vec<Gradient> = report
            .gradients()
            .into_iter()
            .map(|g| (g.id, g.shape, as_printed(&g.values)))
            .collect();
        assert!(!written.printed.is_empty(), "{name}: the trace prints gradients");
        assert_eq!(shown.len(), written.printed.len(), "{name}: one gradient per parameter");
        for ((id, shape, shown), (printed_id, printed_shape, printed)) in shown.iter().zip(&written.printed) {
            assert_eq!((id, shape), (printed_id, printed_shape), "{name}");
            assert_eq!(shown.len(), printed.len(), "{name}: #{id}");
            // Printed to four decimals or four significant digits.
            for (x, printed) in shown.iter().zip(printed) {
                assert!(
                    (x - printed).abs() <= 5.001e-5 + 5.001e-4 * printed.abs(),
                    "{name}: #{id}: the page shows {x}, the trace prints {printed}"
                );
            }
        }
    }
}

#[test]
fn tape_draws_the_graph_without_graphviz() {
    let dir = tempfile::tempdir().unwrap();
    let drawing = dir.path().join("drawings/iris.svg");
    let run = Run::of(
        bin("tape")
            .args(["--iris", "--json", "--svg"])
            .arg(&drawing)
            .arg("--out")
            .arg(dir.path()),
    )
    .success();
    let svg = std::fs::read_to_string(&drawing).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    // U, V, A, Vᵀ, U Vᵀ, A - U Vᵀ, its norm: a box each; an edge per
    // operand: Vᵀ reads 1, U Vᵀ 2, A - U Vᵀ 2, the norm 1.
    assert_eq!(svg.matches("<g class=\"node ").count(), 7);
    assert_eq!(svg.matches("<path class=\"wire\"").count(), 1 + 2 + 2 + 1);
    assert!(svg.contains("crates/factor/src/loss.rs:"), "each node's source line");
    let json = run.json();
    assert_eq!(json["files"]["drawing"]["path"], drawing.display().to_string());
    assert_eq!(json["files"]["drawing"]["bytes"], svg.len());
    assert!(json["files"]["page"].is_null());
}

#[test]
fn chapter_2_states_the_bins_page_sizes() {
    // Run as the chapter shows it, from a folder holding the data where the
    // workspace has it, so that the page and the line printed are the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("datasets")).unwrap();
    std::fs::copy(
        common::root().join("datasets/iris.data"),
        dir.path().join("datasets/iris.data"),
    )
    .unwrap();
    let mut stdout = String::new();
    for step in ["iris", "mlp"] {
        let run = Run::of(bin("tape").current_dir(dir.path()).arg(format!("--{step}")).args([
            "--html",
            &format!("{step}.html"),
            "--out",
            ".",
        ]))
        .success();
        stdout.push_str(&run.stdout);
    }
    // Sizes to 1% (a last digit of a number may differ on another CPU).
    let chapter =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/02-the-tape.md")).unwrap();
    let start = chapter.find("wrote iris.html").expect("chapter 2 shows the sizes");
    let block = &chapter[start..start + chapter[start..].find("```").expect("the block ends")];
    let written: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("wrote ") && line.contains(".html ("))
        .collect();
    assert_documented(block, &written.join("\n"), 0.01);
}
