//! The tape page (`inspect::to_html`) and the static graph (`inspect::to_svg`).
//!
//! The page is tested as a learner uses it, in a real browser: headless
//! Chromium opens it with `#selftest`, the page steps from the start to the
//! end with its own controls (the → key once, then the "next" button) and
//! writes what it showed into `<pre id="adlab-selftest">`, which
//! `--dump-dom` hands back. Without Chromium (Debian's `chromium` package)
//! the browser test says so and passes, unless `ADLAB_REQUIRE_BROWSER` is
//! set (CI sets it): then a missing browser fails it (see `page_checks/`).

mod page_checks;

use std::path::Path;

use autograd::inspect::{self, HtmlOptions};
use autograd::{CustomOp, NodeId, SweepObserver, Tape, Var};
use ndarray::{Array2, ArrayView2, array};
use page_checks::SelfTest;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The pages must stay below this size (the bound).
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// `C = A ⊙ A ⊙ A`; `dA = 3 A ⊙ A ⊙ G`: a custom op on the page.
struct Cube;

impl CustomOp for Cube {
    fn name(&self) -> &str {
        "cube"
    }
    fn formula(&self) -> &str {
        "cube: dA = 3·A⊙A⊙G"
    }
    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].mapv(|x| x * x * x)
    }
    fn vjp(&self, inputs: &[ArrayView2<f64>], _output: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![inputs[0].mapv(|x| 3.0 * x * x) * grad]
    }
}

/// Iris's 150 x 4 measurements and class labels, read by hand (the engine's
/// tests do not depend on the data crate).
fn iris() -> (Array2<f64>, Vec<usize>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/iris.data");
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).collect();
    let mut features = Array2::zeros((rows.len(), 4));
    let mut labels = Vec::new();
    let mut species: Vec<&str> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let fields: Vec<&str> = row.split(',').collect();
        for j in 0..4 {
            features[[i, j]] = fields[j].parse().unwrap();
        }
        if !species.contains(&fields[4]) {
            species.push(fields[4]);
        }
        labels.push(species.iter().position(|s| *s == fields[4]).unwrap());
    }
    (features, labels)
}

fn uniform(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.random::<f64>())
}

/// The report's factorisation of iris: 150 x 4, columns centred, rank 2,
/// `||A - U Vᵀ||_F`.
fn iris_factorisation(tape: &Tape) -> (Var<'_>, Vec<Var<'_>>) {
    let (mut a, _) = iris();
    let means = a.mean_axis(ndarray::Axis(0)).unwrap();
    a -= &means;
    let mut rng = StdRng::seed_from_u64(0);
    let a = tape.constant(a);
    let u = tape.parameter(uniform(150, 2, &mut rng));
    let v = tape.parameter(uniform(4, 2, &mut rng));
    ((a - u.matmul(v.t())).frobenius_norm(), vec![u, v])
}

/// The 4-12-3 MLP on a 16-row batch of iris (every 9th row, all three
/// classes), softmax cross-entropy.
fn mlp_step(tape: &Tape) -> (Var<'_>, Vec<Var<'_>>) {
    let (features, labels) = iris();
    let rows: Vec<usize> = (0..16).map(|k| 9 * k).collect();
    let x = tape.constant(features.select(ndarray::Axis(0), &rows));
    let y: Vec<usize> = rows.iter().map(|&row| labels[row]).collect();
    let mut rng = StdRng::seed_from_u64(1);
    let w1 = tape.parameter(uniform(4, 12, &mut rng) - 0.5);
    let b1 = tape.parameter(Array2::zeros((1, 12)));
    let w2 = tape.parameter(uniform(12, 3, &mut rng) - 0.5);
    let b2 = tape.parameter(Array2::zeros((1, 3)));
    let hidden = x.matmul(w1).add_bias(b1).relu();
    let loss = hidden.matmul(w2).add_bias(b2).cross_entropy(&y);
    (loss, vec![w1, b1, w2, b2])
}

/// Everything the page must cope with: fan-out (U is read three times, V
/// twice), an operand read twice by one op (`u * u`), a custom op, a
/// parameter the loss does not use, a node that needs no gradient (holding
/// NaN and infinities), -0 and 1e-300 in the data, and a node recorded after
/// the loss.
fn edge_cases(tape: &Tape) -> (Var<'_>, Vec<Var<'_>>) {
    let a = tape.constant(array![[1.0, -0.0], [1e-300, 4.0]]);
    let strange = tape.constant(array![[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]]);
    let u = tape.parameter(array![[1.0], [0.5]]);
    let v = tape.parameter(array![[2.0], [-1.0]]);
    let unused = tape.parameter(array![[7.0]]);
    let _no_gradient = strange.scale(2.0);
    let fit = (a - u.matmul(v.t())).frobenius_norm();
    let penalty = (u.sum_squares() + v.sum_squares()).scale(0.1);
    let twice = (u * u).sum();
    let cubed = tape.custom(Cube, &[v]).mean();
    let loss = fit + penalty + twice.add_scalar(1.0) + cubed;
    let _after = loss.scale(3.0);
    (loss, vec![u, v, unused])
}

/// The lab's 3 x 3 example (values of `tape`'s dump).
fn lab(tape: &Tape) -> (Var<'_>, Vec<Var<'_>>) {
    let a = tape.constant(array![
        [0.3374, 0.6005, 0.1735],
        [3.3359, 0.0492, 1.8374],
        [2.9407, 0.5301, 2.2620]
    ]);
    let u = tape.parameter(array![[0.7311, 0.7735], [0.0258, 0.5842], [0.2622, 0.7720]]);
    let v = tape.parameter(array![[0.2187, 0.7937], [0.7493, 0.9689], [0.9963, 0.1394]]);
    ((a - u.matmul(v.t())).frobenius_norm(), vec![u, v])
}

/// The nodes the engine's sweep visits.
#[derive(Default)]
struct Visits(Vec<usize>);

impl SweepObserver for Visits {
    fn visit(&mut self, node: NodeId, _adjoint: &Array2<f64>) {
        self.0.push(node.index());
    }
}

/// Records a loss and returns it with every parameter recorded before it.
type Record = for<'t> fn(&'t Tape) -> (Var<'t>, Vec<Var<'t>>);

/// A page and what its self-test must report.
struct Case {
    name: &'static str,
    page: String,
    nodes: usize,
    /// The nodes the backward steps highlight, in order: those the sweep
    /// visits and every parameter, from the loss down.
    backward: Vec<usize>,
    /// Each parameter's gradient from `Tape::backward`.
    gradients: Vec<(usize, Array2<f64>)>,
}

impl Case {
    fn new(name: &'static str, record: Record) -> Case {
        let tape = Tape::new();
        let (loss, parameters) = record(&tape);
        let page = inspect::to_html(
            &tape,
            loss,
            &HtmlOptions {
                title: name,
                description: "a test page",
            },
        );
        let mut visits = Visits::default();
        let _ = tape.backward_observed(loss, &mut visits);
        let grads = tape.backward(loss);
        let mut backward: Vec<usize> = visits.0;
        backward.extend(parameters.iter().map(|p| p.id().index()));
        backward.sort_unstable_by(|a, b| b.cmp(a));
        let gradients = parameters.iter().map(|&p| (p.id().index(), grads[p].clone())).collect();
        Case {
            name,
            page,
            nodes: tape.len(),
            backward,
            gradients,
        }
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case::new("lab", lab),
        Case::new("iris", iris_factorisation),
        Case::new("mlp", mlp_step),
        Case::new("edge-cases", edge_cases),
    ]
}

#[test]
fn pages_are_self_contained() {
    for case in cases() {
        let page = &case.page;
        page_checks::assert_self_contained(case.name, page);
        // One box per node, one edge per operand.
        assert_eq!(page.matches("<g class=\"node ").count(), case.nodes, "{}", case.name);
    }
}

#[test]
fn the_large_pages_stay_under_two_megabytes() {
    for case in cases() {
        let kilobytes = case.page.len() as f64 / 1024.0;
        println!("{}: {kilobytes:.1} KB", case.name);
        assert!(case.page.len() < MAX_PAGE_BYTES, "{}: {kilobytes:.1} KB", case.name);
    }
}

#[test]
fn the_static_graph_draws_every_node_and_edge_downwards() {
    let tape = Tape::new();
    let (loss, _) = edge_cases(&tape);
    let svg = inspect::to_svg(&tape, loss);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<g class=\"node ").count(), tape.len());
    // One edge per operand: the ops #5 to #22 read these many, in tape
    // order (u * u, #14, reads u twice and has two edges).
    let operands: usize = [1, 1, 2, 2, 1, 1, 1, 2, 1, 2, 1, 1, 1, 2, 1, 2, 2, 1].iter().sum();
    let edges: Vec<&str> = svg.split("<path class=\"wire\" d=\"").skip(1).collect();
    assert_eq!(edges.len(), operands);
    for edge in edges {
        // "Mx,y C... x,y": the edge ends lower than it starts.
        let d = &edge[..edge.find('"').unwrap()];
        let y = |point: &str| point.split(',').nth(1).unwrap().parse::<f64>().unwrap();
        let start = y(&d[1..d.find(' ').unwrap()]);
        let end = y(d.rsplit(' ').next().unwrap());
        assert!(start < end, "{d}");
    }
    for text in [
        "#16 cube",
        "dA = 3·A⊙A⊙G",
        "#19 add_scalar[1]",
        "#5 scale[2]",
        "html_page.rs:",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    assert!(
        svg.contains("class=\"node op nograd\""),
        "the node holding NaN needs no gradient"
    );
    assert!(svg.contains("after-loss"), "the node recorded after the loss is marked");
}

/// Checks one page's self-test report against the engine; returns the
/// slowest step's time as the page measured it.
fn check_report(case: &Case, report: &SelfTest) -> String {
    let name = case.name;
    report.assert_sound(name, case.nodes);
    assert_eq!(
        report.ids("backward"),
        case.backward,
        "{name}: backward, once per node that wants a gradient"
    );
    let shown = report.gradients();
    assert_eq!(shown.len(), case.gradients.len(), "{name}: one gradient per parameter");
    for (gradient, (id, expected)) in shown.iter().zip(&case.gradients) {
        assert_eq!((gradient.id, gradient.shape), (*id, expected.dim()), "{name}");
        assert_eq!(gradient.values.len(), expected.len());
        for (shown, expected) in gradient.values.iter().zip(expected.iter()) {
            assert!(
                (shown - expected).abs() <= 1e-12,
                "{name}: parameter #{id} shows {shown}, Tape::backward gives {expected}"
            );
        }
    }
    let hover = report.lines.iter().find_map(|line| line.strip_prefix("hover "));
    let heat_maps = case
        .gradients
        .iter()
        .any(|(_, gradient)| gradient.len() > inspect::FULL_VALUE_LIMIT);
    assert_eq!(
        hover.is_some(),
        heat_maps,
        "{name}: a gradient above the full-value limit is a heat map"
    );
    if let Some(hover) = hover {
        // "1 [74, 1] = -0.0123...": the entry under the pointer, in full.
        let (id, rest) = hover.split_once(' ').unwrap();
        let (at, value) = rest
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{name}: hover shows '{rest}'"));
        let at: Vec<usize> = at
            .trim_matches(['[', ']'])
            .split(", ")
            .map(|i| i.parse().unwrap())
            .collect();
        let id: usize = id.parse().unwrap();
        let (_, gradient) = case.gradients.iter().find(|(param, _)| *param == id).unwrap();
        assert_eq!(
            value.parse::<f64>().unwrap(),
            gradient[[at[0], at[1]]],
            "{name}: hover at {at:?}"
        );
    }
    report.field("slowest-step-ms").to_owned()
}

#[test]
fn in_a_browser_each_page_steps_through_every_node_and_shows_the_engines_gradients() {
    let Some(browser) = page_checks::chromium_or_skip() else {
        return;
    };
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("html_page-{}", std::process::id()));
    let cases = cases();
    let pages: Vec<(&str, &str)> = cases.iter().map(|case| (case.name, case.page.as_str())).collect();
    let reports = page_checks::self_tests(&browser, &folder, &pages);
    for (case, report) in cases.iter().zip(&reports) {
        let slowest = check_report(case, report);
        println!("{}: every step checked; slowest step {slowest} ms", case.name);
    }
    let _ = std::fs::remove_dir_all(&folder);
}
