//! `--html PATH` end to end, and `tape --svg PATH`: every bin that records
//! a first step writes it as one page that loads nothing and holds the
//! gradients `Tape::backward` gives that step, recorded by the library
//! function the bin calls; in headless Chromium (when installed, as in
//! `crates/autograd/tests/html_page.rs`) each page steps through the whole
//! step and ends on those gradients, which the same run's trace prints.
//! The drawing in chapter 2 is what `tape --iris --svg` draws.

mod common;

#[path = "../crates/autograd/tests/page_checks/mod.rs"]
mod page_checks;

use std::path::Path;

use adlab::args::ReadArgs;
use adlab::autograd::Tape;
use adlab::experiments::complete::{self, CompleteSettings};
use adlab::experiments::factorise::{self, FactoriseSettings};
use adlab::experiments::mlp::{self, MlpSettings};
use adlab::experiments::one_step::{self, Step, TapeSettings};
use adlab::experiments::trace::TrainingStep;
use common::{Run, assert_documented, bin, root};
use serde_json::Value;

/// The pages must stay below this size (issue 18's bound).
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// The largest difference allowed between a gradient a page holds and
/// `Tape::backward`'s (issue 18's bound; the page holds the engine's
/// numbers, so only the order of a fan-out sum may differ).
const GRADIENT_TOLERANCE: f64 = 1e-12;

/// A bin's first step: a name, the bin, flags that print its tape and sweep
/// (`tape` always does) and keep the run short, and the same step built by
/// the library function the bin calls, with the settings those flags give.
struct FirstStep {
    name: &'static str,
    bin: &'static str,
    flags: &'static [&'static str],
    library: fn() -> TrainingStep,
}

/// Every first step the bins write; each bin's other flags are at their
/// defaults, which are those of the library's settings (seed 0, iris).
const RUNS: [FirstStep; 6] = [
    FirstStep {
        name: "tape-lab",
        bin: "tape",
        flags: &[],
        library: || tape_step(Step::Lab),
    },
    FirstStep {
        name: "tape-iris",
        bin: "tape",
        flags: &["--iris"],
        library: || tape_step(Step::Iris),
    },
    FirstStep {
        name: "tape-mlp",
        bin: "tape",
        flags: &["--mlp"],
        library: || tape_step(Step::Mlp),
    },
    FirstStep {
        name: "factorise",
        bin: "factorise",
        flags: &["--epochs", "1", "--trace"],
        library: || {
            let mut settings = FactoriseSettings::default();
            settings.config.epochs = 1;
            factorise::first_step(&settings).unwrap()
        },
    },
    FirstStep {
        name: "complete",
        bin: "complete",
        flags: &["--epochs", "1", "--trace"],
        library: || {
            let mut settings = CompleteSettings::default();
            settings.config.epochs = 1;
            complete::first_step(&settings).unwrap()
        },
    },
    FirstStep {
        name: "mlp",
        bin: "mlp",
        flags: &["--epochs", "1", "--trace"],
        library: || {
            let mut settings = MlpSettings::recommended();
            settings.train.epochs = 1;
            mlp::first_step(&settings).unwrap()
        },
    },
];

/// `tape`'s step with the bin's defaults (seed 0, `datasets/iris.data`,
/// read as detected).
fn tape_step(step: Step) -> TrainingStep {
    let settings = TapeSettings {
        step,
        seed: 0,
        data: one_step::DEFAULT_DATA.into(),
        read: ReadArgs::default(),
        time_steps: None,
        recorded_backward: false,
    };
    one_step::first_step(&settings).unwrap().0
}

/// A parameter's gradient: its node, its shape, and numbers.
type Gradient = (usize, (usize, usize), Vec<f64>);

/// A page a bin wrote, what the same run printed about its step, and the
/// engine's gradients of that step.
struct Written {
    name: &'static str,
    page: String,
    /// Nodes on the tape (`Wengert list: N nodes`).
    nodes: usize,
    /// The gradients the trace prints.
    printed: Vec<Gradient>,
    /// `Tape::backward`'s gradients of the step the library records.
    engine: Vec<Gradient>,
}

/// Runs every bin of [`RUNS`] with `--html` into `dir`; checks that each
/// says where its page went and how large it is.
fn written_pages(dir: &Path) -> Vec<Written> {
    RUNS.iter()
        .map(|run| {
            let name = run.name;
            let path = dir.join(format!("{name}.html"));
            let ran = Run::of(
                bin(run.bin)
                    .args(run.flags)
                    .arg("--html")
                    .arg(&path)
                    .arg("--out")
                    .arg(dir.join("out")),
            )
            .success();
            let page = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}\n{ran}"));
            let size = format!("wrote {} ({:.1} KB)", path.display(), page.len() as f64 / 1024.0);
            assert!(ran.stdout.contains(&size), "{name}: no '{size}' in\n{ran}");
            Written {
                name,
                page,
                nodes: nodes_on_the_tape(&ran.stdout),
                printed: printed_gradients(&ran.stdout),
                engine: engine_gradients(&(run.library)()),
            }
        })
        .collect()
}

/// Each parameter's gradient from `Tape::backward`, `step` recorded on a
/// fresh tape as the bin records it (parameters recorded after the loss
/// have none, and the page shows none).
fn engine_gradients(step: &TrainingStep) -> Vec<Gradient> {
    let tape = Tape::new();
    let loss = step.record(&tape);
    let gradients = tape.backward(loss);
    let parameters = tape.parameters().into_iter();
    parameters
        .filter_map(|parameter| {
            let gradient = gradients.get(parameter)?;
            Some((
                parameter.id().index(),
                gradient.dim(),
                gradient.iter().copied().collect(),
            ))
        })
        .collect()
}

/// The gradients a page holds, read from its data (`#tape-data`) without a
/// browser: for each parameter recorded before the loss, the sum of the
/// contributions the sweep sent it, in the sweep's order (zeros if none
/// did), as the page's script sums them for its last step.
fn held_gradients(name: &str, page: &str) -> Vec<Gradient> {
    let start = "<script type=\"application/json\" id=\"tape-data\">";
    let data = page
        .split_once(start)
        .and_then(|(_, rest)| Some(rest.split_once("</script>")?.0))
        .unwrap_or_else(|| panic!("{name}: no #tape-data in the page"));
    let data: Value = serde_json::from_str(data).unwrap_or_else(|e| panic!("{name}: #tape-data: {e}"));
    let loss = data["loss"].as_u64().unwrap() as usize;
    let nodes = data["nodes"].as_array().unwrap();
    let sweep = data["sweep"].as_array().unwrap();
    let sends: Vec<&Value> = sweep
        .iter()
        .flat_map(|visit| visit["sends"].as_array().unwrap())
        .collect();
    let parameters = nodes
        .iter()
        .enumerate()
        .take(loss + 1)
        .filter(|(_, node)| node["kind"] == "param" && node["grad"] == true);
    parameters
        .map(|(id, node)| {
            let (shape, value) = matrix(&node["value"]);
            let mut sum = vec![0.0; value.len()];
            for sent in sends.iter().filter(|sent| sent["to"] == id) {
                let (sent_shape, contribution) = matrix(&sent["value"]);
                assert_eq!(sent_shape, shape, "{name}: what reached #{id}");
                sum.iter_mut().zip(contribution).for_each(|(total, x)| *total += x);
            }
            (id, shape, sum)
        })
        .collect()
}

/// A matrix of the page's data, `{"rows":r,"cols":c,"data":[...]}`: its
/// shape and entries (NaN and the infinities written as strings).
fn matrix(value: &Value) -> ((usize, usize), Vec<f64>) {
    let size = |key: &str| value[key].as_u64().unwrap() as usize;
    let entries = value["data"].as_array().unwrap().iter();
    let numbers = entries.map(|x| x.as_f64().unwrap_or_else(|| x.as_str().unwrap().parse().unwrap()));
    ((size("rows"), size("cols")), numbers.collect())
}

/// Asserts that `shown` are the engine's gradients, parameter by parameter,
/// to [`GRADIENT_TOLERANCE`].
fn assert_engines_gradients(name: &str, whose: &str, shown: &[Gradient], engine: &[Gradient]) {
    let ids = |gradients: &[Gradient]| -> Vec<(usize, (usize, usize))> {
        gradients.iter().map(|&(id, shape, _)| (id, shape)).collect()
    };
    assert!(!engine.is_empty(), "{name}: the step has parameters");
    assert_eq!(ids(shown), ids(engine), "{name}: {whose}: one gradient per parameter");
    for ((id, _, shown), (_, _, engine)) in shown.iter().zip(engine) {
        for (at, (x, expected)) in shown.iter().zip(engine).enumerate() {
            assert!(
                (x - expected).abs() <= GRADIENT_TOLERANCE,
                "{name}: {whose}: parameter #{id}, entry {at}: {x}, Tape::backward gives {expected}"
            );
        }
    }
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
fn every_first_step_is_a_page_that_loads_nothing_and_holds_the_engines_gradients() {
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
        let held = held_gradients(name, page);
        assert_engines_gradients(name, "the page's data", &held, &written.engine);
    }
}

#[test]
fn in_a_browser_each_page_ends_on_the_engines_gradients_which_its_trace_prints() {
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
            .map(|g| (g.id, g.shape, g.values))
            .collect();
        assert_engines_gradients(name, "the page's last step", &shown, &written.engine);
        assert_eq!(
            shown.len(),
            written.printed.len(),
            "{name}: the trace prints every gradient"
        );
        for ((id, shape, shown), (printed_id, printed_shape, printed)) in shown.iter().zip(&written.printed) {
            assert_eq!((id, shape), (printed_id, printed_shape), "{name}");
            let shown = as_printed(shown);
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

/// The drawing of the graph that chapter 2 shows.
const CHAPTER_2_DRAWING: &str = "docs/figures/tape-iris.svg";

#[test]
fn chapter_2_shows_the_drawing_that_tape_draws() {
    let dir = tempfile::tempdir().unwrap();
    let drawing = dir.path().join("tape-iris.svg");
    Run::of(
        bin("tape")
            .args(["--iris", "--svg"])
            .arg(&drawing)
            .arg("--out")
            .arg(dir.path()),
    )
    .success();
    // Byte for byte, but for line endings a checkout may have changed.
    let read = |path: &Path| std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
    assert!(
        read(&root().join(CHAPTER_2_DRAWING)) == read(&drawing),
        "{CHAPTER_2_DRAWING} is not what the tape bin draws now; redraw it with\n  \
         cargo run --release --bin tape -- --iris --svg {CHAPTER_2_DRAWING} --out target/tape"
    );
    let chapter = read(&root().join("docs/02-the-tape.md"));
    assert!(
        chapter.contains("](figures/tape-iris.svg)"),
        "chapter 2 shows the drawing"
    );
}

#[test]
fn chapter_2_states_the_bins_page_sizes() {
    // Run as the chapter shows it, from a folder holding the data where the
    // workspace has it, so that the page and the line printed are the same.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("datasets")).unwrap();
    std::fs::copy(root().join("datasets/iris.data"), dir.path().join("datasets/iris.data")).unwrap();
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
    let chapter = std::fs::read_to_string(root().join("docs/02-the-tape.md")).unwrap();
    let start = chapter.find("wrote iris.html").expect("chapter 2 shows the sizes");
    let block = &chapter[start..start + chapter[start..].find("```").expect("the block ends")];
    let written: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("wrote ") && line.contains(".html ("))
        .collect();
    assert_documented(block, &written.join("\n"), 0.01);
}
