//! Seeing inside the tape: the Wengert list, the backward sweep as it
//! happens, drawings of the graph, a page that steps through both passes
//! in a browser, and how much work each op does.
//!
//! - [`dump`]: one line per node (id, op, operands, shape, where it was
//!   recorded, its VJP formula) and its value;
//! - [`backward_with_trace`]: the gradients of [`Tape::backward`](crate::Tape::backward)
//!   and, step by step, the adjoint that reached each node and what it sent
//!   to each operand, fan-out sums marked;
//! - [`to_html`]: one self-contained HTML page (inline SVG, CSS and
//!   JavaScript; it loads nothing) that steps through the forward pass and
//!   the backward sweep node by node, with every value, adjoint,
//!   contribution and gradient in full precision;
//! - [`to_svg`]: the graph as a static SVG, laid out by adlab (layered by
//!   tape order; no Graphviz needed);
//! - [`to_dot`]: the graph in Graphviz's DOT language;
//! - [`count`]: flops and bytes of each op's forward and backward work, and
//!   the backward/forward ratio that the cheap gradient principle bounds
//!   (the counting convention is in [`counts`]).
//!
//! The text views print values in full up to [`FULL_VALUE_LIMIT`] entries
//! and as their minimum, maximum and Frobenius norm above it; the page
//! shows larger matrices as heat maps.
//!
//! Inside: `text.rs` (how values print), `layout.rs` (where each node of
//! the drawing goes), `svg.rs` (the drawing), `html.rs` and `page/` (the
//! page and its style and script).
//!
//! ```
//! use autograd::{inspect, Tape};
//! use ndarray::array;
//!
//! let tape = Tape::new();
//! let u = tape.parameter(array![[1.0], [2.0]]);
//! let v = tape.parameter(array![[3.0], [4.0]]);
//! let a = tape.constant(array![[3.0, 4.0], [6.0, 8.0]]);
//! let loss = (a - u.matmul(v.t())).frobenius_norm();
//! println!("{}", inspect::dump(&tape));
//! let (grads, trace) = inspect::backward_with_trace(&tape, loss);
//! println!("{trace}");
//! println!("{}", inspect::count(&tape, loss));
//! // A = U Vᵀ exactly: the loss is 0 and so, by the subgradient, is dU.
//! assert_eq!(grads[u], array![[0.0], [0.0]]);
//! ```

pub mod counts;
mod dot;
mod dump;
mod html;
mod layout;
mod svg;
mod text;
mod trace;

pub use counts::{Cost, CostRule, Counts, NodeCount, PerEntry, count};
pub use dot::{DotOptions, to_dot};
pub use dump::dump;
pub use html::{HtmlOptions, to_html};
pub use svg::to_svg;
pub use text::FULL_VALUE_LIMIT;
pub use trace::backward_with_trace;
