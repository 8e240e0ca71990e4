//! The inspector on one fixed small graph: the formats are snapshots (a
//! change to them is a reviewed change), the numbers are worked out by hand.
//!
//! The snapshots name lines of this file (where each node was recorded):
//! `record` is at the top so that edits further down leave them alone.

use std::process::Command;

use autograd::inspect::{self, DotOptions};
use autograd::{CustomOp, Tape, Var};
use ndarray::{Array2, ArrayView2, array};

/// A masked rank-1 factorisation with an L2 penalty on U:
/// `loss = ||A ⊙ M - (U Vᵀ) ⊙ M||_F + 0.5 ||U||²_F`, with
/// A = [[1, 2], [3, 4]], M = [[1, 1], [0, 1]], U = [1, 1]ᵀ, V = [1, 2]ᵀ.
///
/// U is used twice (fan-out), and `A ⊙ M` involves constants only, so it
/// needs no gradient. Returns the tape's U, V and loss.
fn record(tape: &Tape) -> (Var<'_>, Var<'_>, Var<'_>) {
    let a = tape.constant(array![[1.0, 2.0], [3.0, 4.0]]);
    let mask = tape.constant(array![[1.0, 1.0], [0.0, 1.0]]);
    let u = tape.parameter(array![[1.0], [1.0]]);
    let v = tape.parameter(array![[1.0], [2.0]]);
    let observed = a * mask;
    let fit = u.matmul(v.t()) * mask;
    let misfit = (observed - fit).frobenius_norm();
    let penalty = u.sum_squares().scale(0.5);
    (u, v, misfit + penalty)
}

#[test]
fn dump_format() {
    let tape = Tape::new();
    let _ = record(&tape);
    insta::assert_snapshot!(inspect::dump(&tape));
}

#[test]
fn trace_format_and_its_gradients() {
    let tape = Tape::new();
    let (u, v, loss) = record(&tape);
    let (grads, trace) = inspect::backward_with_trace(&tape, loss);
    insta::assert_snapshot!(trace);

    // U Vᵀ ⊙ M = [[1, 2], [0, 2]] and A ⊙ M = [[1, 2], [0, 4]]: the residual
    // R = [[0, 0], [0, 2]] has norm 2, and the penalty is 0.5 (1 + 1) = 1.
    assert_eq!(loss.item(), 3.0);
    // d||R||/d(U Vᵀ) = -R/||R|| ⊙ M = G = [[0, 0], [0, -1]];
    // dU = G V + U (penalty) = [0, -2]ᵀ + [1, 1]ᵀ, dV = Gᵀ U = [0, -1]ᵀ.
    assert_eq!(grads[u], array![[1.0], [-1.0]]);
    assert_eq!(grads[v], array![[0.0], [-1.0]]);
    // The trace changes nothing: the same gradients as backward, bit for bit.
    let plain = tape.backward(loss);
    assert_eq!((&plain[u], &plain[v]), (&grads[u], &grads[v]));
    assert!(trace.contains("#2 += dA 2x1 (fan-out: 2nd contribution, summed):"));
    assert!(trace.contains("#4 needs no gradient (no parameter upstream): skipped"));
}

#[test]
fn dot_format() {
    let tape = Tape::new();
    let (_, _, loss) = record(&tape);
    let grads = tape.backward(loss);
    let options = DotOptions {
        loss: Some(loss.id()),
        values: true,
        gradients: Some(&grads),
    };
    let dot = inspect::to_dot(&tape, &options);
    insta::assert_snapshot!(dot);
    let (nodes, edges) = parse_dot(&dot);
    assert_eq!(nodes, tape.len());
    // Two operands for each of the 5 binary ops, one for each of the 4 unary ones.
    assert_eq!(edges, 2 * 5 + 4);
    render_with_graphviz_if_present(&dot);
}

/// A custom op whose name and formula need escaping in DOT.
struct Awkward;

impl CustomOp for Awkward {
    fn name(&self) -> &str {
        "say \"hi\"\\"
    }

    fn formula(&self) -> &str {
        "two\nlines, a \\ and a \"quote\": dA = G"
    }

    fn forward(&self, inputs: &[ArrayView2<f64>]) -> Array2<f64> {
        inputs[0].to_owned()
    }

    fn vjp(&self, _: &[ArrayView2<f64>], _: ArrayView2<f64>, grad: ArrayView2<f64>) -> Vec<Array2<f64>> {
        vec![grad.to_owned()]
    }
}

#[test]
fn dot_escapes_any_name_and_formula() {
    let tape = Tape::new();
    let x = tape.parameter(array![[1.0, 2.0]]);
    let loss = tape.custom(Awkward, &[x]).sum();
    let dot = inspect::to_dot(&tape, &DotOptions::default());
    assert!(
        dot.contains(r#"#1 say \"hi\"\\\n1x2\ntwo\nlines, a \\ and a \"quote\": dA = G""#),
        "{dot}"
    );
    assert_eq!(parse_dot(&dot), (3, 2));
    render_with_graphviz_if_present(&dot);

    // The custom op is reported, not guessed.
    let counts = inspect::count(&tape, loss);
    assert_eq!((counts.nodes[1].forward, counts.nodes[1].backward), (None, None));
    assert_eq!(counts.uncounted, 1);
    assert!(counts.to_string().contains("not counted"));
}

#[test]
fn counts_of_the_fixed_graph() {
    let tape = Tape::new();
    let (_, _, loss) = record(&tape);
    let counts = inspect::count(&tape, loss);
    let flops = |node: usize| {
        let count = &counts.nodes[node];
        (count.forward.unwrap().flops, count.backward.unwrap().flops)
    };
    // #6 = U (2x1) times Vᵀ (1x2): 2·2·1·2 = 8 flops; both need a gradient: 16.
    assert_eq!(flops(6), (8, 16));
    // #7 = (U Vᵀ) ⊙ M: 4 products; backward only dA = G ⊙ M, as M is a constant.
    assert_eq!(flops(7), (4, 4));
    // #4 = A ⊙ M needs no gradient: the sweep never visits it.
    assert_eq!(flops(4), (4, 0));
    assert!(!counts.nodes[4].visited);
    // #8 = A⊙M - fit: forward 4 subtractions; backward only dB = -G: 4 negations.
    assert_eq!(flops(8), (4, 4));
    // #9: 4 squares, 4 additions, 1 sqrt; backward a division and a product per entry.
    assert_eq!(flops(9), (9, 8));
    // U (2 entries) receives two contributions: one sum of 2 additions.
    assert_eq!(counts.fan_out.flops, 2);
    let forward: u64 = counts.nodes.iter().map(|n| n.forward.unwrap().flops).sum();
    let backward: u64 = counts.nodes.iter().map(|n| n.backward.unwrap().flops).sum();
    assert_eq!((counts.forward.flops, counts.backward.flops), (forward, backward + 2));
    // forward: 4 (#4) + 8 (#6) + 4 (#7) + 4 (#8) + 9 (#9) + 4 (#10) + 1 (#11) + 1 (#12) = 35;
    // backward: 16 (#6) + 4 (#7) + 4 (#8) + 8 (#9) + 3 (#10: 2g, then a product per entry)
    // + 1 (#11) + 0 (#12 passes G on and copies it) + 2 (fan-out) = 38.
    assert_eq!((counts.forward.flops, counts.backward.flops), (35, 38));
    insta::assert_snapshot!(counts.to_string());
}

#[test]
fn large_values_are_summarised() {
    let tape = Tape::new();
    // 17 entries, one over the limit: 1² + 2² + ... + 17² = 17·18·35/6 = 1785.
    let x = tape.parameter(Array2::from_shape_fn((1, 17), |(_, j)| (j + 1) as f64));
    let loss = x.sum();
    let text = inspect::dump(&tape);
    assert!(
        text.contains(&format!("= min 1.0000, max 17.0000, norm {:.4}", 1785f64.sqrt())),
        "{text}"
    );
    let (_, trace) = inspect::backward_with_trace(&tape, loss);
    assert!(
        trace.contains("#0 = dA 1x17: min 1.0000, max 1.0000, norm 4.1231"),
        "{trace}"
    );
}

/// `(nodes, edges)` of a DOT text, which must parse.
fn parse_dot(dot: &str) -> (usize, usize) {
    use graphviz_rust::dot_structures::{Graph, Stmt};
    let graph = graphviz_rust::parse(dot).unwrap_or_else(|error| panic!("invalid DOT: {error}\n{dot}"));
    let Graph::DiGraph { stmts, .. } = graph else {
        panic!("expected a digraph");
    };
    let nodes = stmts.iter().filter(|s| matches!(s, Stmt::Node(_))).count();
    let edges = stmts.iter().filter(|s| matches!(s, Stmt::Edge(_))).count();
    (nodes, edges)
}

/// Runs Graphviz's `dot` on the text when it is installed; says so and
/// returns when it is not.
fn render_with_graphviz_if_present(dot: &str) {
    use std::io::Write as _;
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("Graphviz's dot is not on the PATH: skipping the render check");
        return;
    };
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    // Font warnings depend on the machine; syntax complaints do not.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let complaint = stderr.contains("rror") || stderr.contains("syntax");
    assert!(
        output.status.success() && !complaint,
        "dot refused the graph: {stderr}\n{dot}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("<svg"));
}

#[test]
#[should_panic(expected = "to_dot: these gradients were computed on another tape")]
fn the_dot_export_refuses_gradients_of_another_tape() {
    let (first, second) = (Tape::new(), Tape::new());
    let a = first.parameter(array![[1.0, 2.0]]);
    let grads = first.backward(a.sum());
    let _ = second.parameter(array![[3.0, 4.0]]).sum();
    let options = DotOptions {
        gradients: Some(&grads),
        ..DotOptions::default()
    };
    let _ = inspect::to_dot(&second, &options);
}
