//! The tape drawn as SVG, laid out by [`layout`](super::layout): the
//! static drawing of [`to_svg`] and the graph of the HTML page.

use std::fmt::Write as _;

use crate::inspect::layout::{self, BoxSize, Layout, Point};
use crate::inspect::text;
use crate::tape::{NodeId, Tape};
use crate::var::Var;

/// The style of the graph, shared by the static SVG and the page.
pub(crate) const GRAPH_CSS: &str = include_str!("page/graph.css");

/// Width of one character of the node text: 0.6 em of a 12 px monospace font.
const CHAR_WIDTH: f64 = 7.3;
/// Padding inside a node's box.
const PADDING: f64 = 10.0;
/// Height of a node's box: three lines of text.
const BOX_HEIGHT: f64 = 62.0;
/// The side of a thumbnail slot of the page (value, adjoint), and the
/// width the two take on the right of a box.
const SLOT: f64 = 30.0;
const SLOTS_WIDTH: f64 = 2.0 * SLOT + 6.0 + 12.0;
/// Longest source location and formula shown in full on a box; longer ones
/// are cut (with `…`) and shown whole when hovered.
const MAX_LOCATION: usize = 34;
const MAX_FORMULA: usize = 44;

/// The graph of `loss`'s tape as a standalone SVG image: the same drawing
/// as the page of [`to_html`](crate::inspect::to_html), without the values.
///
/// Each node is a box with its id, op, shape, VJP formula and the
/// `file:line` that recorded it: parameters blue, constants grey, the loss
/// amber, other ops white; a dashed outline means the node needs no
/// gradient (no parameter upstream). An edge runs from each operand down
/// to the node that reads it, labelled with the operand's letter in the
/// formula (`A`, `B`, `b`, `Z`). Laid out by adlab in layers (every edge
/// points down); no Graphviz needed.
///
/// ```
/// use autograd::{inspect, Tape};
/// use ndarray::array;
///
/// let tape = Tape::new();
/// let x = tape.parameter(array![[3.0, 4.0]]);
/// let loss = x.frobenius_norm();
/// let svg = inspect::to_svg(&tape, loss);
/// assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
/// assert!(svg.contains("frobenius_norm"));
/// ```
///
/// # Panics
/// If `loss` lives on another tape.
#[track_caller]
pub fn to_svg(tape: &Tape, loss: Var<'_>) -> String {
    assert!(
        std::ptr::eq(loss.tape(), tape),
        "to_svg: the loss belongs to another tape"
    );
    draw(tape, loss.id(), Drawing::Standalone)
}

/// What the drawing is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drawing {
    /// An image file: carries its own style.
    Standalone,
    /// The HTML page's graph: styled by the page, each box with two slots
    /// where the page shows the node's value and adjoint.
    Page,
}

/// The text on a node's box.
struct Card {
    title: String,
    shape: String,
    formula: String,
    location: String,
    /// Everything, uncut, for the tooltip.
    tooltip: String,
    classes: String,
}

impl Card {
    fn new(tape: &Tape, id: NodeId, loss: NodeId) -> Card {
        let op = tape.op(id);
        let location = text::source_line(tape.location(id));
        let formula = text::rule_of(tape, id);
        let kind = text::kind(&op);
        let mut classes = format!("node {kind}");
        if id == loss {
            classes.push_str(" loss");
        }
        if !tape.requires_grad(id) {
            classes.push_str(" nograd");
        }
        if id.index() > loss.index() {
            classes.push_str(" after-loss");
        }
        let title = format!("{id} {}", op.label());
        let shape = text::shape(tape.value(id).dim());
        Card {
            tooltip: format!("{title} {shape}\n{formula}\nrecorded at {location}"),
            title: cut_end(&title, MAX_FORMULA),
            shape,
            formula: cut_end(&formula, MAX_FORMULA),
            location: cut_start(&location, MAX_LOCATION),
            classes,
        }
    }

    fn size(&self, drawing: Drawing) -> BoxSize {
        let chars = |text: &str| text.chars().count() as f64;
        let first = chars(&self.title) + 2.0 + chars(&self.shape);
        let widest = first.max(chars(&self.formula)).max(chars(&self.location) * 11.0 / 12.0);
        let slots = if drawing == Drawing::Page { SLOTS_WIDTH } else { 0.0 };
        BoxSize {
            width: (widest * CHAR_WIDTH + 2.0 * PADDING + slots).ceil(),
            height: BOX_HEIGHT,
        }
    }
}

/// The drawing of the whole tape, `loss` marked.
pub(crate) fn draw(tape: &Tape, loss: NodeId, drawing: Drawing) -> String {
    let ids: Vec<NodeId> = (0..tape.len()).map(NodeId).collect();
    let cards: Vec<Card> = ids.iter().map(|&id| Card::new(tape, id, loss)).collect();
    let sizes: Vec<BoxSize> = cards.iter().map(|card| card.size(drawing)).collect();
    let operands: Vec<Vec<usize>> = ids
        .iter()
        .map(|&id| tape.op(id).operands().iter().map(|operand| operand.index()).collect())
        .collect();
    let layout = layout::layered(&sizes, &operands);

    let mut svg = String::new();
    let (width, height) = (layout.width.ceil(), layout.height.ceil());
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tape-graph\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"the tape as a graph\">"
    );
    if drawing == Drawing::Standalone {
        let _ = write!(svg, "<style>{GRAPH_CSS}</style>");
        svg.push_str("<rect class=\"backdrop\" width=\"100%\" height=\"100%\"/>");
    }
    svg.push_str(concat!(
        "<defs>",
        "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" ",
        "markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path class=\"arrowhead\" d=\"M0,0 L10,5 L0,10 z\"/></marker>",
        "<marker id=\"arrow-back\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"12\" markerHeight=\"12\" ",
        "markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path class=\"arrowhead back\" d=\"M0,0 L10,5 L0,10 z\"/></marker>",
        "</defs>"
    ));
    push_edges(&mut svg, tape, &layout, &sizes);
    for (index, card) in cards.iter().enumerate() {
        push_card(&mut svg, index, card, layout.corners[index], sizes[index], drawing);
    }
    svg.push_str("<g class=\"overlay\"></g></svg>");
    svg
}

/// One `<g class="edge">` per operand: its path and the operand's letter,
/// beside the arrowhead on the side away from the box's centre.
fn push_edges(svg: &mut String, tape: &Tape, layout: &Layout, sizes: &[BoxSize]) {
    svg.push_str("<g class=\"edges\">");
    for (index, route) in layout.routes.iter().enumerate() {
        let letter = tape.op(NodeId(route.to)).operand_name(route.position);
        let end = route.points[route.points.len() - 1];
        let centre = layout.corners[route.to].x + sizes[route.to].width / 2.0;
        let (x, anchor) = if end.x < centre - 1.0 {
            (end.x - 6.0, "end")
        } else {
            (end.x + 6.0, "start")
        };
        let _ = write!(
            svg,
            "<g class=\"edge\" id=\"edge-{index}\" data-from=\"{}\" data-to=\"{}\" data-position=\"{}\">\
             <path class=\"wire\" d=\"{}\" marker-end=\"url(#arrow)\"/>\
             <text class=\"letter\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            route.from,
            route.to,
            route.position,
            path(&route.points),
            end.y - 8.0,
            escape(&letter)
        );
    }
    svg.push_str("</g>");
}

/// Joins the points by cubic curves that leave and arrive vertically.
fn path(points: &[Point]) -> String {
    let mut d = format!("M{:.1},{:.1}", points[0].x, points[0].y);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let bend = (b.y - a.y) / 2.0;
        let _ = write!(
            d,
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            a.x,
            a.y + bend,
            b.x,
            b.y - bend,
            b.x,
            b.y
        );
    }
    d
}

/// One node's box, its three lines of text and (on the page) its slots.
fn push_card(svg: &mut String, index: usize, card: &Card, corner: Point, size: BoxSize, drawing: Drawing) {
    let slots = if drawing == Drawing::Page { SLOTS_WIDTH } else { 0.0 };
    let _ = write!(
        svg,
        "<g class=\"{}\" id=\"node-{index}\" data-id=\"{index}\" transform=\"translate({:.1},{:.1})\">\
         <title>{}</title>\
         <rect class=\"box\" width=\"{}\" height=\"{}\" rx=\"8\"/>\
         <text class=\"title\" x=\"{PADDING}\" y=\"19\">{}</text>\
         <text class=\"shape\" x=\"{}\" y=\"19\">{}</text>\
         <text class=\"formula\" x=\"{PADDING}\" y=\"37\">{}</text>\
         <text class=\"location\" x=\"{PADDING}\" y=\"53\">{}</text>",
        card.classes,
        corner.x,
        corner.y,
        escape(&card.tooltip),
        size.width,
        size.height,
        escape(&card.title),
        size.width - slots - PADDING,
        escape(&card.shape),
        escape(&card.formula),
        escape(&card.location),
    );
    if drawing == Drawing::Page {
        for (slot, (class, label)) in [("value", "value"), ("adjoint", "G")].into_iter().enumerate() {
            let x = size.width - slots + 4.0 + slot as f64 * (SLOT + 6.0);
            let _ = write!(
                svg,
                "<g class=\"slot {class}\" transform=\"translate({x:.1},8)\">\
                 <rect class=\"frame\" width=\"{SLOT}\" height=\"{SLOT}\" rx=\"3\"/>\
                 <text class=\"slot-label\" x=\"{}\" y=\"{}\">{label}</text></g>",
                SLOT / 2.0,
                SLOT + 12.0
            );
        }
    }
    svg.push_str("</g>");
}

/// `text` with at most `max` characters, cut at the end with `…`.
fn cut_end(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max - 1).collect();
    format!("{kept}…")
}

/// `text` with at most `max` characters, cut at the start with `…` (a path
/// keeps its file name).
fn cut_start(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().skip(count - (max - 1)).collect();
    format!("…{kept}")
}

/// Escapes text for XML and HTML, in elements and in quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c if c.is_control() && c != '\n' => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_where_it_matters_least() {
        assert_eq!(cut_end("abcdef", 4), "abc…");
        assert_eq!(cut_end("abc", 4), "abc");
        assert_eq!(cut_start("src/a/b/loss.rs:81", 12), "…/loss.rs:81");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("a<b & \"c\">\u{7}"), "a&lt;b &amp; &quot;c&quot;&gt; ");
    }
}
