//! The tape as one self-contained HTML page that steps through the
//! forward pass and the backward sweep.
//!
//! The page is one file: the graph as inline SVG (laid out by
//! [`layout`](super::layout)), the style and the script inline, and the
//! tape's numbers as one JSON blob. It loads nothing, so it works offline
//! from a `file://` URL.
//!
//! The JSON is written here by hand rather than with `serde_json`: it is a
//! fixed shape of numbers, strings and lists, a few dozen lines to write,
//! and the engine keeps depending on `ndarray` and `thiserror` only.
//! Numbers are written in their shortest round-trip form (Rust's `{}` or
//! `{:e}`, whichever is shorter), so the page reads back exactly the `f64`s
//! the engine computed.

use std::fmt::Write as _;

use ndarray::{Array2, ArrayView2};

use crate::backward::SweepObserver;
use crate::inspect::svg::{self, Drawing, GRAPH_CSS};
use crate::inspect::text::{self, FULL_VALUE_LIMIT};
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// Catches errors and `console.error` calls from the start, for the
/// page's self-test (a separate script, so that it sees the main script's
/// own syntax errors).
const ERRORS_JS: &str = include_str!("page/errors.js");
/// The page's layout and the graph's states while stepping.
const PAGE_CSS: &str = include_str!("page/page.css");
/// The step control, the panel and the self-test.
const PAGE_JS: &str = include_str!("page/page.js");

/// What [`to_html`] writes besides the tape.
#[derive(Clone, Copy, Debug)]
pub struct HtmlOptions<'a> {
    /// The heading and the window's title.
    pub title: &'a str,
    /// One line under the heading: what was recorded.
    pub description: &'a str,
}

impl Default for HtmlOptions<'_> {
    fn default() -> Self {
        HtmlOptions {
            title: "adlab: one step on the tape",
            description: "",
        }
    }
}

/// The tape of `loss` as one self-contained HTML page (inline SVG, CSS and
/// JavaScript; no network, no external file), to open in a browser.
///
/// The page draws the tape as a graph (each node's op, shape, VJP formula
/// and the `file:line` that recorded it; edges from operands to the nodes
/// that read them) and steps through it with buttons, a slider or the
/// ← / → keys: first the forward pass, node by node, each node's value
/// appearing; then the backward sweep, as [`Tape::backward`] runs it: at
/// each node the complete adjoint `G = ∂loss/∂node`, a fan-out sum shown as
/// the sum of its contributions, and what the node's VJP sends to each
/// operand drawn on that edge; at the end every parameter's gradient.
/// Matrices with at most [`FULL_VALUE_LIMIT`] entries are shown in full,
/// larger ones as heat maps whose entries show on hover.
///
/// The numbers are the engine's, written in full precision: the
/// gradients the page shows are those of [`Tape::backward`]. Opened with
/// `#step=N` the page starts at step `N`; with `#selftest` it steps to the
/// end by itself and writes what it saw into a `<pre id="adlab-selftest">`
/// (the test of this page reads it with a headless browser).
///
/// ```
/// use autograd::inspect::{self, HtmlOptions};
/// use autograd::Tape;
/// use ndarray::array;
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[3.0, 4.0]]);
/// let loss = x.frobenius_norm();
/// let page = inspect::to_html(&tape, loss, &HtmlOptions::default());
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("frobenius_norm"));
/// // x / ||x|| = [0.6, 0.8], the gradient, reaches x in full precision.
/// assert!(page.contains("\"data\":[0.6,0.8]"));
/// ```
///
/// # Panics
/// As [`Tape::backward`]: if `loss` is not 1 x 1 or lives on another tape.
#[track_caller]
pub fn to_html(tape: &Tape, loss: Var<'_>, options: &HtmlOptions<'_>) -> String {
    let mut recorder = Recorder::default();
    let _gradients = tape.backward_observed(loss, &mut recorder);
    let data = page_data(tape, loss.id(), &recorder.visits);
    let graph = svg::draw(tape, loss.id(), Drawing::Page);
    let title = svg::escape(options.title);
    let description = svg::escape(options.description);
    let mut page = String::with_capacity(data.len() + graph.len() + PAGE_JS.len() + 8192);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<script>{ERRORS_JS}</script>\n<style>\n{GRAPH_CSS}{PAGE_CSS}</style>\n</head>\n<body>\n\
         <header><h1>{title}</h1><p>{description}</p></header>\n\
         <nav id=\"controls\" aria-label=\"step control\">\
         <button id=\"first\" title=\"the start (Home)\">« start</button>\
         <button id=\"previous\" title=\"previous step (←)\">◀ back</button>\
         <button id=\"next\" title=\"next step (→)\">next ▶</button>\
         <button id=\"last\" title=\"the end (End)\">end »</button>\
         <input id=\"slider\" type=\"range\" min=\"0\" max=\"0\" value=\"0\" aria-label=\"step\">\
         <span id=\"where\"></span></nav>\n\
         <main><div id=\"graph-pane\">{graph}</div>\
         <aside id=\"panel\"><noscript>This page needs JavaScript to step through the tape.</noscript></aside></main>\n\
         <div id=\"tip\" hidden></div>\n\
         <script type=\"application/json\" id=\"tape-data\">{data}</script>\n\
         <script>{PAGE_JS}</script>\n</body>\n</html>\n"
    );
    page
}

/// One node reached by the backward sweep: its complete adjoint and what
/// its VJP sent to each operand, in the order the sweep sent them.
struct Visit {
    node: NodeId,
    adjoint: Array2<f64>,
    sends: Vec<Sent>,
}

/// One contribution.
struct Sent {
    to: NodeId,
    contribution: Array2<f64>,
    /// Added to what `to` already held (fan-out).
    summed: bool,
}

/// Keeps the whole sweep.
#[derive(Default)]
struct Recorder {
    visits: Vec<Visit>,
}

impl SweepObserver for Recorder {
    fn visit(&mut self, node: NodeId, adjoint: &Array2<f64>) {
        self.visits.push(Visit {
            node,
            adjoint: adjoint.clone(),
            sends: Vec::new(),
        });
    }

    fn contribution(&mut self, _from: NodeId, to: NodeId, contribution: &Array2<f64>, accumulated: bool) {
        if let Some(visit) = self.visits.last_mut() {
            visit.sends.push(Sent {
                to,
                contribution: contribution.clone(),
                summed: accumulated,
            });
        }
    }
}

/// The page's data: the nodes (op, operands, formula, location, value)
/// and the sweep, as JSON.
fn page_data(tape: &Tape, loss: NodeId, visits: &[Visit]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"loss\":{},\"fullLimit\":{FULL_VALUE_LIMIT},\"nodes\":[",
        loss.index()
    );
    for index in 0..tape.len() {
        let id = NodeId(index);
        let op = tape.op(id);
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"label\":");
        string(&mut out, &op.label());
        out.push_str(",\"kind\":");
        string(&mut out, text::kind(&op));
        let operands = op.operands();
        let ids: Vec<String> = operands.iter().map(|operand| operand.index().to_string()).collect();
        let _ = write!(out, ",\"operands\":[{}],\"names\":[", ids.join(","));
        for position in 0..operands.len() {
            if position > 0 {
                out.push(',');
            }
            string(&mut out, &op.operand_name(position));
        }
        out.push_str("],\"vjp\":");
        string(&mut out, &text::rule_of(tape, id));
        out.push_str(",\"at\":");
        string(&mut out, &text::source_line(tape.location(id)));
        let _ = write!(out, ",\"grad\":{},\"value\":", tape.requires_grad(id));
        matrix(&mut out, tape.value(id).view());
        out.push('}');
    }
    out.push_str("],\"sweep\":[");
    for (i, visit) in visits.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let op = tape.op(visit.node);
        let _ = write!(out, "{{\"node\":{},\"adjoint\":", visit.node.index());
        matrix(&mut out, visit.adjoint.view());
        out.push_str(",\"sends\":[");
        for (j, sent) in visit.sends.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"to\":{},\"as\":", sent.to.index());
            string(&mut out, &text::adjoint_name(&op, sent.to));
            let _ = write!(out, ",\"summed\":{},\"value\":", sent.summed);
            matrix(&mut out, sent.contribution.view());
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out
}

/// `{"rows":r,"cols":c,"data":[...]}`, the entries row by row.
fn matrix(out: &mut String, value: ArrayView2<f64>) {
    let (rows, cols) = value.dim();
    let _ = write!(out, "{{\"rows\":{rows},\"cols\":{cols},\"data\":[");
    for (i, &x) in value.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        number(out, x);
    }
    out.push_str("]}");
}

/// The shortest text that reads back as exactly `x`: Rust's `{}` or `{:e}`
/// (both shortest round-trip), whichever is shorter. JSON has no NaN or
/// infinities: those are written as the strings `"NaN"`, `"Infinity"` and
/// `"-Infinity"`, which JavaScript's `Number` reads back.
fn number(out: &mut String, x: f64) {
    if x.is_finite() {
        let plain = format!("{x}");
        let scientific = format!("{x:e}");
        out.push_str(if scientific.len() < plain.len() {
            &scientific
        } else {
            &plain
        });
    } else if x.is_nan() {
        out.push_str("\"NaN\"");
    } else if x > 0.0 {
        out.push_str("\"Infinity\"");
    } else {
        out.push_str("\"-Infinity\"");
    }
}

/// A JSON string. `<`, `>` and `&` are escaped too, so that no text can
/// close the `<script>` element the JSON sits in.
fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '&' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(x: f64) -> String {
        let mut out = String::new();
        number(&mut out, x);
        out
    }

    #[test]
    fn numbers_are_shortest_and_read_back_exactly() {
        assert_eq!(written(0.1), "0.1");
        assert_eq!(written(-0.0), "-0");
        assert_eq!(written(1e-300), "1e-300");
        assert_eq!(written(1.5e21), "1.5e21");
        assert_eq!(written(123.0), "123");
        assert_eq!(written(f64::NAN), "\"NaN\"");
        assert_eq!(written(f64::NEG_INFINITY), "\"-Infinity\"");
        for x in [
            0.1 + 0.2,
            1.0 / 3.0,
            -2.2250738585072014e-308,
            f64::MAX,
            5e-324,
            0.7433333333333334,
        ] {
            assert_eq!(written(x).parse::<f64>().unwrap().to_bits(), x.to_bits(), "{x}");
        }
    }

    #[test]
    fn strings_cannot_close_the_script() {
        let mut out = String::new();
        string(&mut out, "a\"b\\</script>\n\u{1}é");
        assert_eq!(out, r#""a\"b\\\u003c/script\u003e\n\u0001é""#);
    }
}
