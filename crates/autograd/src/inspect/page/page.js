// The tape page of autograd::inspect::to_html: steps through the forward
// pass node by node, then the backward sweep as Tape::backward runs it.
//
// The data (#tape-data) holds every node (op, operands, VJP formula, where
// it was recorded, whether it needs a gradient, its value) and the sweep:
// each node the engine visited, with its complete adjoint and what its VJP
// sent to each operand. The page sums those contributions itself, in the
// engine's order, to show fan-out and each parameter's gradient.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  // A fan-out sum shows at most this many of its terms (a value read in
  // every step of a long loop can have hundreds).
  const MAX_TERMS_SHOWN = 12;
  const data = JSON.parse(document.getElementById("tape-data").textContent);
  const nodes = data.nodes;
  const loss = data.loss;
  for (const node of nodes) {
    node.value = matrix(node.value);
  }
  for (const visit of data.sweep) {
    visit.adjoint = matrix(visit.adjoint);
    for (const sent of visit.sends) {
      sent.value = matrix(sent.value);
    }
  }

  /** A matrix of the data: rows, cols, and its entries row by row. */
  function matrix(m) {
    return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data, Number) };
  }

  // What reached each node, in the order the sweep sent it. The loss starts
  // with the seed dloss/dloss = 1.
  const received = nodes.map(() => []);
  if (nodes[loss].grad) {
    received[loss].push({ from: null, as: "seed", value: { rows: 1, cols: 1, data: Float64Array.of(1) } });
  }
  for (const visit of data.sweep) {
    for (const sent of visit.sends) {
      sent.from = visit.node;
      received[sent.to].push(sent);
    }
  }
  // Each node's adjoint: the sum of what it received (zero for a parameter
  // the loss does not depend on; none for a node that needs no gradient).
  const adjoints = nodes.map((node, id) => {
    const parts = received[id];
    if (parts.length === 0) {
      return node.kind === "param" && id <= loss ? zeros(node.value.rows, node.value.cols) : null;
    }
    const sum = Float64Array.from(parts[0].value.data);
    for (const part of parts.slice(1)) {
      for (let i = 0; i < sum.length; i++) {
        sum[i] = sum[i] + part.value.data[i];
      }
    }
    return { rows: parts[0].value.rows, cols: parts[0].value.cols, data: sum };
  });

  function zeros(rows, cols) {
    return { rows: rows, cols: cols, data: new Float64Array(rows * cols) };
  }

  // The steps: the start, one per node forward, one per node the sweep
  // reaches (and per parameter) backward, the end.
  const visits = new Map(data.sweep.map((visit) => [visit.node, visit]));
  const steps = [{ kind: "start" }];
  nodes.forEach((_, id) => steps.push({ kind: "forward", node: id }));
  for (let id = loss; id >= 0; id--) {
    if (visits.has(id) || (nodes[id].kind === "param" && nodes[id].grad)) {
      steps.push({ kind: "backward", node: id, visit: visits.get(id) || null });
    }
  }
  steps.push({ kind: "end" });
  const forwardStep = new Map();
  const backwardStep = new Map();
  steps.forEach((step, index) => {
    if (step.kind === "forward") forwardStep.set(step.node, index);
    if (step.kind === "backward") backwardStep.set(step.node, index);
  });
  const forwardCount = nodes.length;
  const backwardCount = backwardStep.size;

  // The graph's elements.
  const graph = document.querySelector(".tape-graph");
  const nodeElements = nodes.map((_, id) => document.getElementById("node-" + id));
  const edges = Array.from(graph.querySelectorAll(".edge")).map((group) => ({
    element: group,
    wire: group.querySelector(".wire"),
    from: Number(group.dataset.from),
    to: Number(group.dataset.to),
    position: Number(group.dataset.position),
  }));
  const overlay = graph.querySelector(".overlay");

  /** The edges from `operand` into `node`, in operand order. */
  function edgesBetween(operand, node) {
    return edges.filter((edge) => edge.from === operand && edge.to === node);
  }

  // The edge that carried each contribution: the k-th one sent to an
  // operand that appears twice (as in x * x) goes along the k-th such edge.
  for (const visit of data.sweep) {
    const used = new Map();
    for (const sent of visit.sends) {
      const candidates = edgesBetween(sent.to, visit.node);
      const k = used.get(sent.to) || 0;
      used.set(sent.to, k + 1);
      sent.edge = candidates[Math.min(k, candidates.length - 1)];
    }
  }

  // Controls.
  const buttons = {
    first: document.getElementById("first"),
    previous: document.getElementById("previous"),
    next: document.getElementById("next"),
    last: document.getElementById("last"),
  };
  const slider = document.getElementById("slider");
  const where = document.getElementById("where");
  const panel = document.getElementById("panel");
  const tip = document.getElementById("tip");
  slider.max = String(steps.length - 1);
  let current = 0;

  function go(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    render();
  }
  buttons.first.addEventListener("click", () => go(0));
  buttons.previous.addEventListener("click", () => go(current - 1));
  buttons.next.addEventListener("click", () => go(current + 1));
  buttons.last.addEventListener("click", () => go(steps.length - 1));
  slider.addEventListener("input", () => go(Number(slider.value)));
  document.addEventListener("keydown", (event) => {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: steps.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      go(moves[event.key]);
    }
  });
  nodeElements.forEach((box, id) => {
    box.addEventListener("click", () => {
      const backward = steps[current].kind === "backward" || steps[current].kind === "end";
      go(backward && backwardStep.has(id) ? backwardStep.get(id) : forwardStep.get(id));
    });
  });

  // Numbers and colours.

  /** As the text dump prints them: 4 decimals, or scientific outside [0.01, 1e5). */
  function number(x) {
    if (x === 0) return "0";
    if (!Number.isFinite(x)) return String(x);
    const size = Math.abs(x);
    if (size >= 1e-2 && size < 1e5) return x.toFixed(4);
    return x.toExponential(3).replace("e+", "e");
  }

  /** At most about five characters, for a 1 x 1 in a node's square. */
  function brief(x) {
    const size = Math.abs(x);
    if (x === 0 || !Number.isFinite(x)) return String(x);
    if (size >= 1e-2 && size < 1e4) return String(Number(x.toPrecision(3)));
    return x.toExponential(0).replace("e+", "e");
  }

  function largest(m) {
    let top = 0;
    for (const x of m.data) if (Number.isFinite(x)) top = Math.max(top, Math.abs(x));
    return top;
  }

  /** Blue for negative, white for 0, red for positive; magenta if not finite. */
  function colour(x, scale) {
    if (!Number.isFinite(x)) return [192, 38, 211];
    const t = scale > 0 ? Math.min(1, Math.abs(x) / scale) : 0;
    const end = x < 0 ? [37, 99, 235] : [220, 38, 38];
    const base = [248, 250, 252];
    return base.map((b, i) => Math.round(b + (end[i] - b) * t));
  }

  function css(rgb, alpha) {
    return "rgba(" + rgb.join(",") + "," + alpha + ")";
  }

  /** The matrix drawn one pixel per entry, as a canvas. */
  const canvases = new WeakMap();
  function heatCanvas(m) {
    const canvas = document.createElement("canvas");
    canvas.width = m.cols;
    canvas.height = m.rows;
    const context = canvas.getContext("2d");
    const image = context.createImageData(m.cols, m.rows);
    const scale = largest(m);
    m.data.forEach((x, i) => {
      const [r, g, b] = colour(x, scale);
      image.data.set([r, g, b, 255], 4 * i);
    });
    context.putImageData(image, 0, 0);
    return canvas;
  }
  function heatUrl(m) {
    if (!canvases.has(m)) canvases.set(m, heatCanvas(m).toDataURL());
    return canvases.get(m);
  }

  function shape(m) {
    return m.rows + "x" + m.cols;
  }

  function summary(m) {
    let low = Infinity;
    let high = -Infinity;
    let squares = 0;
    for (const x of m.data) {
      if (Number.isFinite(x)) {
        low = Math.min(low, x);
        high = Math.max(high, x);
      }
      squares += x * x;
    }
    return "min " + number(low) + ", max " + number(high) + ", norm " + number(Math.sqrt(squares));
  }

  // Building the panel.

  function element(tag, className, ...children) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    for (const child of children) {
      made.append(child instanceof Node ? child : String(child));
    }
    return made;
  }

  function code(text) {
    return element("code", "", text);
  }

  function showTip(text, event) {
    tip.textContent = text;
    tip.hidden = false;
    tip.style.left = event.clientX + 14 + "px";
    tip.style.top = event.clientY + 12 + "px";
  }

  function hideTip() {
    tip.hidden = true;
  }

  /** A matrix with a caption: in full up to the dump's limit, else a heat map
   * whose entries show on hover. */
  function card(kind, caption, m, note) {
    const box = element("div", "card " + kind, element("div", "caption", caption, element("span", "shape", shape(m))));
    box.adlabMatrix = m;
    if (m.rows * m.cols === 1) {
      const x = m.data[0];
      box.append(element("div", "scalar", number(x)));
      box.title = String(x);
    } else if (m.rows * m.cols <= data.fullLimit) {
      const table = element("table", "matrix");
      const scale = largest(m);
      for (let i = 0; i < m.rows; i++) {
        const row = table.insertRow();
        for (let j = 0; j < m.cols; j++) {
          const x = m.data[i * m.cols + j];
          const cell = row.insertCell();
          cell.textContent = number(x);
          cell.title = "[" + i + ", " + j + "] = " + x;
          cell.style.background = css(colour(x, scale), 0.35);
        }
      }
      box.append(table);
    } else {
      const canvas = heatCanvas(m);
      const cellWidth = Math.max(3, Math.min(24, Math.floor(240 / m.cols)));
      const cellHeight = Math.max(1, Math.min(24, Math.floor(200 / m.rows)));
      canvas.style.width = m.cols * cellWidth + "px";
      canvas.style.height = m.rows * cellHeight + "px";
      canvas.addEventListener("mousemove", (event) => {
        const bounds = canvas.getBoundingClientRect();
        const j = Math.min(m.cols - 1, Math.floor(((event.clientX - bounds.left) / bounds.width) * m.cols));
        const i = Math.min(m.rows - 1, Math.floor(((event.clientY - bounds.top) / bounds.height) * m.rows));
        showTip("[" + i + ", " + j + "] = " + m.data[i * m.cols + j], event);
      });
      canvas.addEventListener("mouseleave", hideTip);
      const top = largest(m);
      const scale = element(
        "div",
        "scale",
        element(
          "div",
          "ends",
          element("span", "bar"),
          element("div", "", element("span", "", "+" + number(top)), element("span", "", "0"), element("span", "", "−" + number(top)))
        )
      );
      box.append(element("div", "heat", canvas, scale), element("div", "note", summary(m)));
    }
    if (note) box.append(element("div", "note", note));
    return box;
  }

  function nodeName(id) {
    return "#" + id + " " + nodes[id].label;
  }

  function heading(kind, id, text) {
    const phase = element("span", "phase " + kind, kind);
    return element("h2", "", phase, element("span", "id", "#" + id), " " + text);
  }

  function recordedAt(id) {
    return element("p", "sub", "recorded at ", code(nodes[id].at));
  }

  function ordinal(n) {
    const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th";
    return n + suffix;
  }

  function startPanel() {
    const parameters = nodes.filter((node) => node.kind === "param").length;
    const constants = nodes.filter((node) => node.kind === "const").length;
    panel.append(
      element("h2", "", element("span", "phase start", "start"), "The tape"),
      element(
        "p",
        "",
        nodes.length + " nodes in the order they were recorded: " + parameters + " parameters, " + constants +
          " constants and the ops computed from them. Each edge runs from an operand to the node that reads it; its letter is the operand's name in the VJP formula."
      ),
      element(
        "p",
        "",
        "Step ",
        element("b", "", "forward"),
        " to compute each node from the nodes above it (its value fills the left square), then ",
        element("b", "", "backward"),
        ": from the loss, each node's complete adjoint G = ∂loss/∂node (the right square) is turned by its VJP into one contribution per operand, drawn on the edge. What reaches a parameter is its gradient."
      ),
      element("p", "", "Keys: ", element("kbd", "", "→"), " next, ", element("kbd", "", "←"), " back, ",
        element("kbd", "", "Home"), " / ", element("kbd", "", "End"), ". Click a node to jump to it; hover a heat map for its entries."),
      element("h3", "", "Legend"),
      legend()
    );
  }

  function legend() {
    const items = [
      ["param", "parameter: receives a gradient"],
      ["const", "constant: data, no gradient"],
      ["op", "an op computed from its operands"],
      ["loss", "the loss"],
      ["nograd", "dashed: needs no gradient (no parameter upstream)"],
    ];
    return element("ul", "legend", ...items.map(([kind, text]) => element("li", "", element("span", "swatch " + kind), text)));
  }

  function forwardPanel(id) {
    const node = nodes[id];
    panel.append(heading("forward", id, node.label), recordedAt(id));
    if (node.kind === "param") {
      panel.append(element("p", "", "A parameter: a leaf, given, not computed. The backward sweep ends here with its gradient."));
    } else if (node.kind === "const") {
      panel.append(element("p", "", "A constant: a leaf holding data. It needs no gradient, so the backward sweep never visits it."));
    } else {
      const inputs = node.operands.map((operand, position) => node.names[position] + " = #" + operand);
      panel.append(element("p", "", "Computes ", code(node.label + "(" + inputs.join(", ") + ")"),
        " from nodes recorded before it: every operand is already known."));
    }
    if (id > loss) {
      panel.append(element("p", "skipped", "Recorded after the loss #" + loss + ": not part of its gradient."));
    }
    panel.append(element("div", "cards", card("value", "value", node.value)));
  }

  function backwardPanel(step) {
    const id = step.node;
    const node = nodes[id];
    const parts = received[id];
    panel.append(heading("backward", id, node.label), recordedAt(id));
    const adjoint = step.visit ? step.visit.adjoint : adjoints[id];
    if (id === loss && parts.length === 1) {
      panel.append(element("p", "", "The sweep starts at the loss: its adjoint is G = ∂loss/∂loss = 1."));
    } else if (parts.length === 0) {
      panel.append(element("p", "", "Nothing reached this parameter: the loss does not depend on it, and its gradient is 0."));
    } else {
      const users = parts.length === 1 ? "its one use has" : "all " + parts.length + " of its uses have";
      panel.append(element("p", "", "Every node that read #" + id + " lies later on the tape and " + users +
        " sent its contribution, so its adjoint G = ∂loss/∂#" + id + " is complete."));
    }
    if (parts.length > 1) {
      panel.append(element("h3", "", "fan-out: G is the sum of " + parts.length + " contributions"));
      const row = element("div", "cards");
      parts.slice(0, MAX_TERMS_SHOWN).forEach((part, k) => {
        if (k > 0) row.append(element("span", "op-sign", "+"));
        row.append(card("adjoint", part.as + " from " + nodeName(part.from), part.value));
      });
      if (parts.length > MAX_TERMS_SHOWN) {
        row.append(element("span", "op-sign", "+ … " + (parts.length - MAX_TERMS_SHOWN) + " more"));
      }
      panel.append(row);
    }
    if (node.kind === "param") {
      panel.append(element("h3", "", "its gradient"));
      panel.append(element("div", "cards", card("gradient", "∂loss/∂#" + id, adjoint)));
      return;
    }
    panel.append(element("div", "cards", card("adjoint", "G = ∂loss/∂#" + id, adjoint)));
    panel.append(element("h3", "", "its VJP sends"), element("div", "formula", node.vjp));
    const sends = element("div", "cards");
    for (const sent of step.visit.sends) {
      const count = received[sent.to].indexOf(sent) + 1;
      const note = sent.summed ? "added to what #" + sent.to + " already holds (fan-out: " + ordinal(count) + " contribution)" : "";
      sends.append(card("adjoint", sent.as + " → #" + sent.to, sent.value, note));
    }
    panel.append(sends);
    node.operands.forEach((operand, position) => {
      if (!nodes[operand].grad && node.operands.indexOf(operand) === position) {
        const why = nodes[operand].kind === "const" ? "a constant" : "no parameter upstream";
        panel.append(element("p", "skipped", "#" + operand + " (" + node.names[position] + ") needs no gradient (" + why + "): skipped."));
      }
    });
  }

  function endPanel() {
    panel.append(
      element("h2", "", element("span", "phase end", "end"), "The gradients"),
      element("p", "", "Each parameter's gradient is the sum of what reached it: the same numbers Tape::backward returns.")
    );
    const gradients = element("div", "cards");
    nodes.forEach((node, id) => {
      if (node.kind === "param" && node.grad && id <= loss) {
        const shown = card("gradient", "∂loss/∂#" + id + " (" + node.label + ")", adjoints[id]);
        shown.dataset.gradientOf = String(id);
        gradients.append(shown);
      }
    });
    panel.append(gradients);
  }

  // Drawing the state of the graph.

  function svg(tag, attributes, text) {
    const made = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, String(value));
    if (text !== undefined) made.textContent = text;
    return made;
  }

  /** Fills a node's value or adjoint square: a number for a 1 x 1, else a
   * heat map (left alone when it already shows `m`). */
  function fillSlot(id, which, m) {
    const slot = nodeElements[id].querySelector(".slot." + which);
    if (slot.adlabShown === m) return;
    slot.adlabShown = m;
    const frame = slot.querySelector(".frame");
    for (const old of slot.querySelectorAll(".fill")) old.remove();
    frame.classList.toggle("filled", Boolean(m));
    if (!m) return;
    const side = Number(frame.getAttribute("width"));
    if (m.rows * m.cols === 1) {
      const text = svg("text", { class: "fill slot-number", x: side / 2, y: side / 2 + 3 }, brief(m.data[0]));
      slot.insertBefore(text, slot.querySelector(".slot-label"));
    } else {
      const image = svg("image", { class: "fill", x: 1, y: 1, width: side - 2, height: side - 2, preserveAspectRatio: "none" });
      image.setAttribute("href", heatUrl(m));
      slot.insertBefore(image, slot.querySelector(".slot-label"));
    }
  }

  /** A label on an edge, at the middle of its path, moved down below the
   * labels already placed in `taken` if it would cover one. */
  function chip(edge, text, m, className, taken) {
    const length = edge.wire.getTotalLength();
    const middle = edge.wire.getPointAtLength(length / 2);
    const thumb = m && m.rows * m.cols > 1 ? 18 : 0;
    const width = text.length * 6.7 + 12 + (thumb ? thumb + 6 : 0);
    const place = { left: middle.x - width / 2, top: middle.y - 12, width: width };
    const covers = (other) =>
      place.left < other.left + other.width && other.left < place.left + place.width && Math.abs(place.top - other.top) < 26;
    for (let tries = 0; tries < 8 && taken.some(covers); tries++) place.top += 26;
    taken.push(place);
    const group = svg("g", { class: "chip " + className, transform: "translate(" + place.left + "," + place.top + ")" });
    group.append(svg("rect", { width: width, height: 24, rx: 12 }));
    group.append(svg("text", { x: 8, y: 16 }, text));
    if (thumb) {
      const image = svg("image", { x: width - thumb - 6, y: 3, width: thumb, height: thumb, preserveAspectRatio: "none" });
      image.setAttribute("href", heatUrl(m));
      group.append(image);
    }
    overlay.append(group);
  }

  function renderGraph(step) {
    // Forward, the nodes up to the current one have values; the start shows
    // the bare graph; backward, every node has its value, and those the
    // sweep has passed their complete adjoint.
    const lastComputed = step.kind === "forward" ? step.node : step.kind === "start" ? -1 : Infinity;
    nodeElements.forEach((box, id) => {
      box.classList.toggle("pending", step.kind === "forward" && id > lastComputed);
      box.classList.toggle("current", step.node === id);
      box.classList.toggle("forward", step.kind === "forward");
      box.classList.toggle("backward", step.kind === "backward");
      fillSlot(id, "value", id <= lastComputed ? nodes[id].value : null);
      const passed = backwardStep.has(id) && backwardStep.get(id) <= current;
      fillSlot(id, "adjoint", passed ? (visits.has(id) ? visits.get(id).adjoint : adjoints[id]) : null);
    });
    overlay.replaceChildren();
    const carried = new Set();
    const sending = new Set();
    for (const visit of data.sweep) {
      const stepOfVisit = backwardStep.get(visit.node);
      if (stepOfVisit > current) continue;
      visit.sends.forEach((sent) => (stepOfVisit === current ? sending : carried).add(sent.edge));
    }
    const gathering = new Set();
    if (step.kind === "backward" && received[step.node].length > 1) {
      received[step.node].forEach((part) => {
        if (part.edge) gathering.add(part.edge);
      });
    }
    for (const edge of edges) {
      const feeding = step.kind === "forward" && edge.to === step.node;
      edge.element.classList.toggle("feeding", feeding);
      edge.element.classList.toggle("carried", carried.has(edge) && !sending.has(edge));
      edge.element.classList.toggle("sending", sending.has(edge));
      edge.element.classList.toggle("gathering", gathering.has(edge));
      if (sending.has(edge)) {
        edge.wire.removeAttribute("marker-end");
        edge.wire.setAttribute("marker-start", "url(#arrow-back)");
      } else {
        edge.wire.removeAttribute("marker-start");
        edge.wire.setAttribute("marker-end", "url(#arrow)");
      }
    }
    const taken = [];
    if (step.kind === "backward" && step.visit) {
      for (const sent of step.visit.sends) {
        const value = sent.value.rows * sent.value.cols === 1 ? " = " + number(sent.value.data[0]) : " " + shape(sent.value);
        chip(sent.edge, (sent.summed ? "+= " : "") + sent.as + value, sent.value, "sent", taken);
      }
    }
    if (gathering.size > 0) {
      received[step.node].slice(0, MAX_TERMS_SHOWN).forEach((part, k) => {
        if (part.edge) chip(part.edge, ordinal(k + 1) + ": " + part.as + " from #" + part.from, part.value, "gathered", taken);
      });
    }
    if (step.node !== undefined) {
      nodeElements[step.node].scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  function renderControls(step) {
    slider.value = String(current);
    buttons.first.disabled = buttons.previous.disabled = current === 0;
    buttons.next.disabled = buttons.last.disabled = current === steps.length - 1;
    const phase = element("span", "phase " + step.kind, step.kind);
    let text = "";
    if (step.kind === "forward") text = "node " + (step.node + 1) + " of " + forwardCount;
    if (step.kind === "backward") text = "node " + (backwardStep.get(step.node) - forwardCount) + " of " + backwardCount;
    if (step.kind === "start") text = "press → to step";
    if (step.kind === "end") text = "every gradient";
    where.replaceChildren(phase, element("b", "", text), " · step " + current + " of " + (steps.length - 1));
  }

  function render() {
    const step = steps[current];
    hideTip();
    renderControls(step);
    renderGraph(step);
    panel.replaceChildren();
    if (step.kind === "start") startPanel();
    if (step.kind === "forward") forwardPanel(step.node);
    if (step.kind === "backward") backwardPanel(step);
    if (step.kind === "end") endPanel();
  }

  /** Steps from the start to the end with the page's own controls and writes
   * what it saw: the node highlighted at each forward and backward step, the
   * gradients the end shows (full precision), the largest difference between
   * a visited node's adjoint and the sum of what it received, and errors. */
  function selfTest() {
    const seen = { forward: [], backward: [] };
    let slowest = 0;
    const press = (key) => document.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true }));
    const record = () => {
      const kind = steps[current].kind;
      const highlighted = graph.querySelector(".node.current");
      if (kind in seen) seen[kind].push(highlighted ? highlighted.dataset.id : "none");
    };
    go(0);
    press("ArrowRight");
    record();
    while (current < steps.length - 1) {
      const started = performance.now();
      buttons.next.click();
      slowest = Math.max(slowest, performance.now() - started);
      record();
    }
    const lines = ["selftest ran", "steps " + steps.length, "forward " + seen.forward.join(" "), "backward " + seen.backward.join(" ")];
    for (const shown of panel.querySelectorAll("[data-gradient-of]")) {
      const m = shown.adlabMatrix;
      lines.push("gradient " + shown.dataset.gradientOf + " " + m.rows + " " + m.cols + " " + Array.from(m.data).join(" "));
    }
    // Hover the middle of the first gradient drawn as a heat map.
    const heat = panel.querySelector("[data-gradient-of] canvas");
    if (heat) {
      const bounds = heat.getBoundingClientRect();
      const middle = { clientX: bounds.left + bounds.width / 2, clientY: bounds.top + bounds.height / 2, bubbles: true };
      heat.dispatchEvent(new MouseEvent("mousemove", middle));
      lines.push("hover " + heat.closest("[data-gradient-of]").dataset.gradientOf + " " + (tip.hidden ? "hidden" : tip.textContent));
    }
    // Equal numbers (NaN and infinities included) differ by 0.
    const difference = (a, b) => (Object.is(a, b) ? 0 : Number.isNaN(a - b) ? Infinity : Math.abs(a - b));
    let mismatch = 0;
    for (const visit of data.sweep) {
      const sum = adjoints[visit.node];
      visit.adjoint.data.forEach((x, i) => {
        mismatch = Math.max(mismatch, difference(x, sum.data[i]));
      });
    }
    lines.push("adjoint-mismatch " + mismatch);
    press("ArrowLeft");
    lines.push("back-key " + (current === steps.length - 2 ? "ok" : "failed"));
    go(steps.length - 1);
    lines.push("slowest-step-ms " + slowest.toFixed(1));
    for (const message of window.adlabErrors || []) lines.push("error " + message.replace(/\s+/g, " "));
    const result = element("pre", "", lines.join("\n") + "\n");
    result.id = "adlab-selftest";
    result.dataset.errorsSeen = String((window.adlabErrors || []).length);
    document.body.append(result);
  }

  /** Shrinks the graph to fit its pane when that keeps it legible (at
   * least 70% of its size), else fits its width and lets the pane scroll. */
  function fitGraph() {
    const pane = graph.parentElement;
    const width = Number(graph.getAttribute("width"));
    const height = Number(graph.getAttribute("height"));
    const across = (pane.clientWidth - 32) / width;
    const whole = Math.min(1, across, (pane.clientHeight - 32) / height);
    const scale = whole >= 0.7 ? whole : Math.min(1, across);
    graph.style.width = width * scale + "px";
    graph.style.height = height * scale + "px";
  }
  window.addEventListener("resize", fitGraph);
  fitGraph();

  const wanted = /^#step=(\d+)$/.exec(location.hash);
  go(wanted ? Number(wanted[1]) : 0);
  if (location.hash === "#selftest") selfTest();
})();
