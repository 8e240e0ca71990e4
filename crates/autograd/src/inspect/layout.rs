//! A layered drawing of the tape, computed by adlab itself (no Graphviz).
//!
//! The tape is a DAG recorded in topological order, so it is drawn the way
//! Sugiyama, Tagawa and Toda (1981) draw any DAG, in four passes:
//!
//! 1. **Layers.** Each node goes one layer below its lowest operand
//!    (longest path from the leaves), then as far down as its first use
//!    allows: a parameter sits just above the op that reads it, not at the
//!    top of the page. Every edge points down.
//! 2. **Long edges** that skip layers get one invisible waypoint per layer
//!    they cross, so they are routed between boxes, not through them.
//! 3. **Order within a layer**: a few sweeps of the barycentre heuristic
//!    (each box moves towards the mean position of its neighbours in the
//!    layer above, then below), keeping the order with the fewest crossings.
//! 4. **Horizontal positions**: each box wants to sit at the mean of its
//!    neighbours' centres (an op's operands that are leaves count for
//!    little, so that chains of ops run straight); the closest positions that keep the layer's
//!    order and spacing are found exactly by isotonic regression (pool
//!    adjacent violators), sweeping down and up a few times.

/// Horizontal space between two boxes of a layer.
const GAP: f64 = 28.0;
/// Vertical space between layers, where edges and their labels run.
const LAYER_GAP: f64 = 64.0;
/// Space around the drawing.
const MARGIN: f64 = 16.0;
/// The width a waypoint of a long edge takes in its layer.
const WAYPOINT_WIDTH: f64 = 8.0;
/// Horizontal distance between edges leaving or entering one box.
const PORT_SPACING: f64 = 24.0;
/// Sweeps of the ordering and of the positioning passes.
const SWEEPS: usize = 8;
/// How strongly an edge from a leaf pulls on the op that reads it, against
/// 1 for an edge between ops: the chain of ops stays straight and the
/// parameters and data hang beside it.
const LEAF_PULL: f64 = 0.1;

/// The size of a node's box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BoxSize {
    pub(crate) width: f64,
    pub(crate) height: f64,
}

/// A point of the drawing (y grows downwards, as in SVG).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// The drawn path of the edge from operand `from` to the node `to` that
/// reads it as its `position`-th operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Route {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) position: usize,
    /// From the bottom of `from`'s box to the top of `to`'s, through the
    /// waypoints: consecutive points are joined by curves with vertical
    /// tangents.
    pub(crate) points: Vec<Point>,
}

/// Where everything goes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    /// The top-left corner of each node's box, by node index.
    pub(crate) corners: Vec<Point>,
    /// Each node's layer, 0 at the top.
    pub(crate) layers: Vec<usize>,
    /// One per operand of each node, in node order then operand order.
    pub(crate) routes: Vec<Route>,
    /// The size of the whole drawing.
    pub(crate) width: f64,
    pub(crate) height: f64,
}

/// Lays out the DAG whose node `i` has box `sizes[i]` and reads the nodes
/// `operands[i]` (each recorded before it, as on a tape).
///
/// # Panics
/// If an operand is not recorded before the node that reads it.
pub(crate) fn layered(sizes: &[BoxSize], operands: &[Vec<usize>]) -> Layout {
    assert_eq!(sizes.len(), operands.len(), "one box per node");
    for (node, reads) in operands.iter().enumerate() {
        assert!(
            reads.iter().all(|&operand| operand < node),
            "operands come first on a tape"
        );
    }
    let layers = assign_layers(operands);
    let graph = Graph::new(sizes, operands, &layers);
    let order = graph.order();
    let centres = graph.centres(&order);
    let rows = Rows::new(sizes, &layers);
    graph.finish(sizes, &layers, &order, &centres, &rows)
}

/// Layer of each node: below its operands (longest path), then pulled down
/// to just above its first use. Nodes nothing reads keep their first layer.
fn assign_layers(operands: &[Vec<usize>]) -> Vec<usize> {
    let mut layers = vec![0; operands.len()];
    for (node, reads) in operands.iter().enumerate() {
        layers[node] = reads.iter().map(|&operand| layers[operand] + 1).max().unwrap_or(0);
    }
    let mut first_use: Vec<Option<usize>> = vec![None; operands.len()];
    for node in (0..operands.len()).rev() {
        if let Some(use_layer) = first_use[node] {
            layers[node] = use_layer - 1;
        }
        for &operand in &operands[node] {
            let slot = &mut first_use[operand];
            *slot = Some(slot.map_or(layers[node], |layer| layer.min(layers[node])));
        }
    }
    layers
}

/// The rows of the drawing: each layer as tall as its tallest box.
struct Rows {
    /// The top of each layer.
    tops: Vec<f64>,
    /// The height of each layer.
    heights: Vec<f64>,
    /// The height of the whole drawing.
    total: f64,
}

impl Rows {
    fn new(sizes: &[BoxSize], layers: &[usize]) -> Rows {
        let count = layers.iter().max().map_or(0, |&last| last + 1);
        let mut heights = vec![0.0_f64; count];
        for (size, &layer) in sizes.iter().zip(layers) {
            heights[layer] = heights[layer].max(size.height);
        }
        let mut tops = Vec::with_capacity(count);
        let mut y = MARGIN;
        for height in &heights {
            tops.push(y);
            y += height + LAYER_GAP;
        }
        let total = if count == 0 {
            2.0 * MARGIN
        } else {
            y - LAYER_GAP + MARGIN
        };
        Rows { tops, heights, total }
    }
}

/// The nodes plus one waypoint per layer a long edge crosses: the vertices
/// that the ordering and positioning passes place.
struct Graph {
    /// Each vertex's layer; nodes first, then waypoints.
    layer: Vec<usize>,
    /// Each vertex's width.
    width: Vec<f64>,
    /// How firmly each vertex holds the position it wants when boxes of
    /// its layer compete for room: [`LEAF_PULL`] for a leaf, else 1.
    firmness: Vec<f64>,
    /// The vertices each vertex is joined to in the layer above, and below.
    above: Vec<Vec<usize>>,
    below: Vec<Vec<usize>>,
    /// How strongly each of those pulls ([`LEAF_PULL`] or 1), in the same order.
    above_pull: Vec<Vec<f64>>,
    below_pull: Vec<Vec<f64>>,
    /// Each edge as (from, to, position, the vertices it passes through).
    chains: Vec<(usize, usize, usize, Vec<usize>)>,
    layer_count: usize,
}

impl Graph {
    fn new(sizes: &[BoxSize], operands: &[Vec<usize>], layers: &[usize]) -> Graph {
        let mut layer = layers.to_vec();
        let mut width: Vec<f64> = sizes.iter().map(|size| size.width).collect();
        let mut chains = Vec::new();
        for (to, reads) in operands.iter().enumerate() {
            for (position, &from) in reads.iter().enumerate() {
                let mut chain = vec![from];
                for crossed in layers[from] + 1..layers[to] {
                    layer.push(crossed);
                    width.push(WAYPOINT_WIDTH);
                    chain.push(layer.len() - 1);
                }
                chain.push(to);
                chains.push((from, to, position, chain));
            }
        }
        let mut above = vec![Vec::new(); layer.len()];
        let mut below = vec![Vec::new(); layer.len()];
        let mut above_pull = vec![Vec::new(); layer.len()];
        let mut below_pull = vec![Vec::new(); layer.len()];
        for (from, _, _, chain) in &chains {
            let pull = if operands[*from].is_empty() { LEAF_PULL } else { 1.0 };
            for pair in chain.windows(2) {
                below[pair[0]].push(pair[1]);
                above[pair[1]].push(pair[0]);
                below_pull[pair[0]].push(pull);
                above_pull[pair[1]].push(pull);
            }
        }
        let layer_count = layers.iter().max().map_or(0, |&last| last + 1);
        let firmness = (0..layer.len())
            .map(|vertex| match operands.get(vertex) {
                Some(reads) if reads.is_empty() => LEAF_PULL,
                _ => 1.0,
            })
            .collect();
        Graph {
            layer,
            width,
            firmness,
            above,
            below,
            above_pull,
            below_pull,
            chains,
            layer_count,
        }
    }

    /// The vertices of each layer, left to right: barycentre sweeps from
    /// the recording order, keeping the order with the fewest crossings.
    fn order(&self) -> Vec<Vec<usize>> {
        let mut order = vec![Vec::new(); self.layer_count];
        for (vertex, &layer) in self.layer.iter().enumerate() {
            order[layer].push(vertex);
        }
        let mut best = order.clone();
        let mut fewest = self.crossings(&order);
        for _ in 0..SWEEPS {
            if fewest == 0 {
                break;
            }
            for layer in 1..self.layer_count {
                sort_by_barycentre(&mut order, layer, layer - 1, &self.above);
            }
            for layer in (0..self.layer_count.saturating_sub(1)).rev() {
                sort_by_barycentre(&mut order, layer, layer + 1, &self.below);
            }
            let crossings = self.crossings(&order);
            if crossings < fewest {
                fewest = crossings;
                best = order.clone();
            }
        }
        best
    }

    /// How many pairs of edge segments cross between adjacent layers.
    fn crossings(&self, order: &[Vec<usize>]) -> usize {
        let rank = ranks(order, self.layer.len());
        let mut total = 0;
        for layer in order.iter().take(self.layer_count.saturating_sub(1)) {
            let segments: Vec<(usize, usize)> = layer
                .iter()
                .flat_map(|&upper| self.below[upper].iter().map(move |&lower| (upper, lower)))
                .map(|(upper, lower)| (rank[upper], rank[lower]))
                .collect();
            for (i, a) in segments.iter().enumerate() {
                total += segments[i + 1..]
                    .iter()
                    .filter(|b| (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1))
                    .count();
            }
        }
        total
    }

    /// The horizontal centre of every vertex: each layer packed, then
    /// sweeps that pull each vertex towards its neighbours.
    fn centres(&self, order: &[Vec<usize>]) -> Vec<f64> {
        let mut centres = vec![0.0; self.layer.len()];
        for layer in order {
            let wanted: Vec<f64> = vec![0.0; layer.len()];
            self.place(layer, &wanted, &mut centres);
        }
        let last = order.len().saturating_sub(1);
        for _ in 0..SWEEPS {
            for layer in order.iter().skip(1) {
                self.pull(layer, &self.above, &self.above_pull, &mut centres);
            }
            for layer in order[..last].iter().rev() {
                self.pull(layer, &self.below, &self.below_pull, &mut centres);
            }
        }
        let left = (0..centres.len())
            .map(|vertex| centres[vertex] - self.width[vertex] / 2.0)
            .fold(f64::INFINITY, f64::min);
        let shift = if left.is_finite() { MARGIN - left } else { 0.0 };
        centres.iter().map(|centre| centre + shift).collect()
    }

    /// Moves the vertices of `layer` towards the mean centre of their
    /// `neighbours`, weighted by `pulls` (those without any stay where they are).
    fn pull(&self, layer: &[usize], neighbours: &[Vec<usize>], pulls: &[Vec<f64>], centres: &mut [f64]) {
        let wanted: Vec<f64> = layer
            .iter()
            .map(|&vertex| {
                let (sum, weight) = neighbours[vertex]
                    .iter()
                    .zip(&pulls[vertex])
                    .fold((0.0, 0.0), |(sum, weight), (&other, &pull)| {
                        (sum + pull * centres[other], weight + pull)
                    });
                if weight > 0.0 { sum / weight } else { centres[vertex] }
            })
            .collect();
        self.place(layer, &wanted, centres);
    }

    /// The centres closest to `wanted` (least squares, weighted by
    /// firmness) that keep the layer in order with [`GAP`] between boxes:
    /// with `offset` the packed positions, `centre - offset` must not
    /// decrease along the layer, so it is the isotonic regression of
    /// `wanted - offset`.
    fn place(&self, layer: &[usize], wanted: &[f64], centres: &mut [f64]) {
        let mut offsets = Vec::with_capacity(layer.len());
        let mut offset = 0.0;
        for (i, &vertex) in layer.iter().enumerate() {
            if i > 0 {
                offset += (self.width[layer[i - 1]] + self.width[vertex]) / 2.0 + GAP;
            }
            offsets.push(offset);
        }
        let targets: Vec<(f64, f64)> = wanted
            .iter()
            .zip(&offsets)
            .zip(layer)
            .map(|((w, o), &vertex)| (w - o, self.firmness[vertex]))
            .collect();
        for ((&vertex, fitted), offset) in layer.iter().zip(isotonic(&targets)).zip(offsets) {
            centres[vertex] = fitted + offset;
        }
    }

    /// The corners of the boxes and the routes of the edges.
    fn finish(
        &self,
        sizes: &[BoxSize],
        layers: &[usize],
        order: &[Vec<usize>],
        centres: &[f64],
        rows: &Rows,
    ) -> Layout {
        let (tops, layer_height) = (&rows.tops, |layer: usize| rows.heights[layer]);
        let corners: Vec<Point> = sizes
            .iter()
            .enumerate()
            .map(|(node, size)| Point {
                x: centres[node] - size.width / 2.0,
                y: tops[layers[node]] + (layer_height(layers[node]) - size.height) / 2.0,
            })
            .collect();
        let rank = ranks(order, self.layer.len());
        let leaving = self.ports(sizes, centres, &rank, |(from, _, _, chain)| (*from, chain[1]));
        let entering = self.ports(sizes, centres, &rank, |(_, to, _, chain)| (*to, chain[chain.len() - 2]));
        let routes = self
            .chains
            .iter()
            .enumerate()
            .map(|(edge, (from, to, position, chain))| {
                let mut points = vec![Point {
                    x: leaving[edge],
                    y: corners[*from].y + sizes[*from].height,
                }];
                for &waypoint in &chain[1..chain.len() - 1] {
                    let layer = self.layer[waypoint];
                    let x = centres[waypoint];
                    points.push(Point { x, y: tops[layer] });
                    points.push(Point {
                        x,
                        y: tops[layer] + layer_height(layer),
                    });
                }
                points.push(Point {
                    x: entering[edge],
                    y: corners[*to].y,
                });
                Route {
                    from: *from,
                    to: *to,
                    position: *position,
                    points,
                }
            })
            .collect();
        let width = (0..self.layer.len())
            .map(|vertex| centres[vertex] + self.width[vertex] / 2.0)
            .fold(0.0, f64::max)
            + MARGIN;
        Layout {
            corners,
            layers: layers.to_vec(),
            routes,
            width,
            height: rows.total,
        }
    }

    /// The x where each edge meets the box at one of its ends: `end` names
    /// the box and the vertex next to it along the edge; a box's edges are
    /// spread along its side in the order of those vertices, so that they
    /// do not cross at the box.
    fn ports(
        &self,
        sizes: &[BoxSize],
        centres: &[f64],
        rank: &[usize],
        end: impl Fn(&(usize, usize, usize, Vec<usize>)) -> (usize, usize),
    ) -> Vec<f64> {
        let mut by_box: Vec<Vec<(usize, usize)>> = vec![Vec::new(); sizes.len()];
        for (edge, chain) in self.chains.iter().enumerate() {
            let (node, next) = end(chain);
            by_box[node].push((rank[next], edge));
        }
        let mut ports = vec![0.0; self.chains.len()];
        for (node, edges) in by_box.iter_mut().enumerate() {
            edges.sort_unstable();
            let spacing = PORT_SPACING.min(sizes[node].width * 0.8 / edges.len().max(1) as f64);
            let first = centres[node] - spacing * (edges.len().saturating_sub(1)) as f64 / 2.0;
            for (i, &(_, edge)) in edges.iter().enumerate() {
                ports[edge] = first + spacing * i as f64;
            }
        }
        ports
    }
}

/// Each vertex's position within its layer.
fn ranks(order: &[Vec<usize>], vertices: usize) -> Vec<usize> {
    let mut rank = vec![0; vertices];
    for layer in order {
        for (position, &vertex) in layer.iter().enumerate() {
            rank[vertex] = position;
        }
    }
    rank
}

/// Sorts `order[layer]` by the mean position of each vertex's neighbours
/// in `order[reference]`; a vertex without any keeps its own position.
/// The sort is stable, so ties keep their order.
fn sort_by_barycentre(order: &mut [Vec<usize>], layer: usize, reference: usize, neighbours: &[Vec<usize>]) {
    let mut position = vec![f64::NAN; neighbours.len()];
    for (rank, &vertex) in order[reference].iter().enumerate() {
        position[vertex] = rank as f64;
    }
    let mut keyed: Vec<(f64, usize)> = order[layer]
        .iter()
        .enumerate()
        .map(|(rank, &vertex)| {
            let key = mean(neighbours[vertex].iter().map(|&other| position[other])).unwrap_or(rank as f64);
            (key, vertex)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    order[layer] = keyed.into_iter().map(|(_, vertex)| vertex).collect();
}

/// The mean of the values, `None` for none.
fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), x| (sum + x, count + 1));
    (count > 0).then(|| sum / count as f64)
}

/// The non-decreasing sequence closest to the `(target, weight)` pairs in
/// weighted least squares (pool adjacent violators: merge neighbouring
/// blocks whose means are out of order; each block takes its weighted mean).
fn isotonic(targets: &[(f64, f64)]) -> Vec<f64> {
    // Each block: (weighted sum, total weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(targets.len());
    for &(target, weight) in targets {
        blocks.push((target * weight, weight, 1));
        while let [.., (s0, w0, n0), (s1, w1, n1)] = blocks[..] {
            if s0 / w0 <= s1 / w1 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (s0 + s1, w0 + w1, n0 + n1);
        }
    }
    blocks
        .into_iter()
        .flat_map(|(sum, weight, count)| std::iter::repeat_n(sum / weight, count))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const CARD: BoxSize = BoxSize {
        width: 120.0,
        height: 50.0,
    };

    #[test]
    fn isotonic_regression_pools_violators() {
        let unweighted = |targets: &[f64]| isotonic(&targets.iter().map(|&t| (t, 1.0)).collect::<Vec<_>>());
        assert_eq!(unweighted(&[1.0, 3.0, 2.0, 4.0]), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(unweighted(&[3.0, 2.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert_eq!(unweighted(&[]), Vec::<f64>::new());
        // A light box gives way: (3·1 + 0·3) / 4 = 0.75 for both.
        assert_eq!(isotonic(&[(3.0, 1.0), (0.0, 3.0)]), vec![0.75, 0.75]);
    }

    #[test]
    fn parameters_sit_just_above_their_first_use() {
        // The MLP's shape: X, W1, b1, W2, b2, X·W1, +b1, relu, ·W2, +b2, loss.
        let operands = vec![
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![0, 1],
            vec![5, 2],
            vec![6],
            vec![7, 3],
            vec![8, 4],
            vec![9],
        ];
        let layers = assign_layers(&operands);
        assert_eq!(layers, vec![0, 0, 1, 3, 4, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_long_edge_passes_between_boxes() {
        // 0 -> 1 -> 2 -> 3 and 0 -> 3: the long edge gets two waypoints.
        let operands = vec![vec![], vec![0], vec![1], vec![2, 0]];
        let layout = layered(&[CARD; 4], &operands);
        let long = layout
            .routes
            .iter()
            .find(|route| route.from == 0 && route.to == 3)
            .unwrap();
        assert_eq!(long.points.len(), 6);
        for corner in &layout.corners[1..3] {
            for point in &long.points[1..5] {
                let inside = point.x > corner.x && point.x < corner.x + CARD.width;
                let level = point.y >= corner.y && point.y <= corner.y + CARD.height;
                assert!(!(inside && level), "{point:?} is inside the box at {corner:?}");
            }
        }
    }

    /// A random tape: each node reads up to three earlier nodes (or none: a leaf).
    fn tapes() -> impl Strategy<Value = (Vec<BoxSize>, Vec<Vec<usize>>)> {
        (1usize..24).prop_flat_map(|nodes| {
            let reads: Vec<_> = (0..nodes)
                .map(|node| {
                    if node == 0 {
                        Just(Vec::new()).boxed()
                    } else {
                        prop::collection::vec(0..node, 0..=3).boxed()
                    }
                })
                .collect();
            let widths = prop::collection::vec(40.0..260.0f64, nodes);
            (widths, reads).prop_map(|(widths, reads)| {
                let sizes = widths
                    .into_iter()
                    .map(|width| BoxSize { width, height: 50.0 })
                    .collect();
                (sizes, reads)
            })
        })
    }

    proptest! {
        #[test]
        fn edges_point_down_and_boxes_do_not_overlap((sizes, operands) in tapes()) {
            let layout = layered(&sizes, &operands);
            for (to, reads) in operands.iter().enumerate() {
                for &from in reads {
                    prop_assert!(layout.layers[from] < layout.layers[to]);
                }
            }
            let boxes: Vec<(Point, BoxSize)> = layout.corners.iter().copied().zip(sizes.iter().copied()).collect();
            for (a, &(ca, sa)) in boxes.iter().enumerate() {
                prop_assert!(ca.x >= 0.0 && ca.y >= 0.0);
                prop_assert!(ca.x + sa.width <= layout.width && ca.y + sa.height <= layout.height);
                for (b, &(cb, sb)) in boxes.iter().enumerate().skip(a + 1) {
                    let apart = ca.x + sa.width <= cb.x || cb.x + sb.width <= ca.x
                        || ca.y + sa.height <= cb.y || cb.y + sb.height <= ca.y;
                    prop_assert!(apart, "boxes {a} and {b} overlap");
                }
            }
            let edges: usize = operands.iter().map(Vec::len).sum();
            prop_assert_eq!(layout.routes.len(), edges);
            for route in &layout.routes {
                prop_assert!(route.points.windows(2).all(|pair| pair[0].y <= pair[1].y));
            }
        }
    }
}
