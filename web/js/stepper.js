// The Backprop stepper tab: one training step of a tiny sigmoid network (Mazur's 2-2-2, Rashid's
// 3-3-3 or the learner's own numbers), worked out by neurite's core (POST /api/backprop) and shown
// one step at a time in seed 001's notation (Nielsen, chapter 2), each step beside its equation.
//
// Notation: layer 1 is the input (a¹ = x), L the output layer; w^l_jk joins neuron k of layer l−1
// to neuron j of layer l. The API's weights[l][j][k] (l from 0) is therefore w^(l+2)_(j+1)(k+1).
// Every number on show comes from the trace, the intermediate factors (a − y, a(1 − a), Σ w δ)
// included; the page writes them out.

import { $, api, clearError, element, hint, showError } from "./common.js";

const CONTEXT = "Backprop stepper";
const PLAY_MS = 1000;
const MAX_NEURONS = 4; // what the API accepts per layer, inputs included
const MAX_WEIGHTED_LAYERS = 3;
const MAX_MAGNITUDE = 1000; // the API's limit on every input, target, weight and bias
const MAX_RATE = 10;
const EXAMPLE_NAMES = { mazur: "Mazur's 2-2-2", rashid: "Rashid's 3-3-3" };
const EXAMPLES = {
  mazur: "Matt Mazur's “A Step by Step Backpropagation Example”: 2-2-2, biases 0.35 and 0.60, rate 0.5; " +
    "he leaves the biases unchanged.",
  rashid: "Tariq Rashid's 3-3-3 network from “Make Your Own Neural Network” (seed 003): no biases; the book stops " +
    "after the forward pass, so the targets (0.01, 0.99, 0.01) and rate 0.3 are his usual ones.",
};

const stepper = {
  started: false,
  base: "mazur", // the example the form started from (Reset goes back to it)
  example: null, // the example of the trace on show, as the server read it
  trace: null,
  context: null, // the example and trace with their derived numbers, for the step builders
  steps: [],
  index: 0,
  timer: null,
  request: 0, // answers to older requests are dropped
  computed: 0,
  form: null, // the shape the form holds: { sizes, names }
};

// ---------------------------------------------------------------- numbers

// Nine significant digits, as Mazur prints them (0.298371109; 0.35891648 drops its trailing zero).
function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const rounded = Number(x.toPrecision(9));
  return String(Object.is(rounded, -0) ? 0 : rounded).replaceAll("-", "−");
}

// A factor in a product: negative numbers in parentheses, so "0.5 × (−0.038)" reads unambiguously.
const factor = (x) => (x < 0 ? `(${fmt(x)})` : fmt(x));

// Tiny numbers (differences, the float check) need two digits and their exponent, no more.
const tiny = (x) => (x === 0 ? "0" : x.toExponential(1).replace(/e\+0$/, "").replaceAll("-", "−"));

const sum = (values) => values.reduce((total, x) => total + x, 0);

// Products keep their factors on one line: a long sum wraps only between its terms.
const times = (x, y) => `${x}\u00a0×\u00a0${y}`;

// σ′(z) = a(1 − a), written out with the activation's value.
const slope = (a) => times(fmt(a), `(1\u00a0−\u00a0${fmt(a)})`);

// ---------------------------------------------------------------- symbols

// Math is written as text with TeX-like scripts: "w^{3}_{12}" → w with 3 above and 12 below.
const SCRIPT = /([\^_](?:\{[^}]*\}|.))/;

function scriptNode(scripts) {
  const made = scripts.map((script) => element(script[0] === "^" ? "sup" : "sub", {
    text: script.slice(1).replace(/^\{|\}$/g, ""),
  }));
  // A superscript and a subscript on one symbol stack, as in print (w³₁₂ with 3 over 12).
  return made.length === 1 ? made[0] : element("span", { className: "bp-scripts" }, made);
}

function formula(markup, className = "bp-math") {
  const node = element("span", { className });
  const parts = markup.split(SCRIPT); // text, script, text, script, …
  for (let i = 0; i < parts.length; i += 1) {
    if (i % 2 === 0) {
      if (parts[i]) node.append(parts[i]);
      continue;
    }
    const scripts = [parts[i]];
    while (parts[i + 1] === "" && i + 2 < parts.length) scripts.push(parts[(i += 2)]);
    node.append(scriptNode(scripts));
  }
  return node;
}

// SVG text cannot hold <sup>, so the drawing uses Unicode's script digits instead.
const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉";
const sup = (n) => String(n).replace(/\d/g, (d) => SUPERSCRIPT[d]);
const sub = (n) => String(n).replace(/\d/g, (d) => SUBSCRIPT[d]);

// Neuron layer n counts from 0 at the input; weighted layer l from 0 at the first weights.
const act = (n, j) => `a^{${n + 1}}_{${j + 1}}`;
const delta = (n, j) => `δ^{${n + 1}}_{${j + 1}}`;
const bias = (n, j) => `b^{${n + 1}}_{${j + 1}}`;
const nielsenWeight = (l, j, k) => `w^{${l + 2}}_{${j + 1}${k + 1}}`;

// The example's own name for a weight (Mazur's w1 … w8), else Nielsen's w^l_jk.
function weightName(c, l, j, k) {
  return c.weightNames[l]?.[j]?.[k] ?? nielsenWeight(l, j, k);
}

function plainWeightName(c, l, j, k) {
  return c.weightNames[l]?.[j]?.[k] ?? `w${sup(l + 2)}${sub(j + 1)}${sub(k + 1)}`;
}

// weight_names run layer by layer, row by row; unnamed (or too few names) means Nielsen's names.
function nameWeights(example) {
  const names = example.weight_names ?? [];
  const count = sum(example.weights.map((rows) => rows.length * rows[0].length));
  if (names.length !== count) return [];
  let next = 0;
  return example.weights.map((rows) => rows.map((row) => row.map(() => names[next++])));
}

// ---------------------------------------------------------------- the numbers of one trace

function describe(example, trace) {
  const layers = example.weights.length;
  return {
    example,
    trace,
    layers,
    outputLayer: layers, // neuron layer index of the output (Nielsen's L is outputLayer + 1)
    hasBiases: example.biases.length > 0,
    weightNames: nameWeights(example),
    // a[n][j]: activations of every neuron layer, the input first
    a: [example.inputs, ...trace.forward.map((neurons) => neurons.map((neuron) => neuron.a))],
  };
}

// ---------------------------------------------------------------- steps

// Each step: phase (for colour and its equation), title (markup), body() → nodes, focus (what the
// drawing highlights) and reveals (the activations and deltas known once it is done).
function buildSteps(c) {
  const hidden = [];
  for (let l = c.layers - 2; l >= 0; l -= 1) hidden.push(hiddenDeltaStep(c, l));
  const gradients = [];
  for (let l = c.layers - 1; l >= 0; l -= 1) gradients.push(gradientStep(c, l));
  const forward = c.example.weights.flatMap((rows, l) => rows.map((_, j) => forwardStep(c, l, j)));
  return [...forward, lossStep(c), outputDeltaStep(c), ...hidden, ...gradients, updateStep(c), newLossStep(c)];
}

function focus(neurons = [], edges = [], main = null) {
  return { neurons: new Set(neurons), edges: new Set(edges), main };
}

const layerNeurons = (c, n) => c.a[n].map((_, j) => `${n}:${j}`);
const layerEdges = (c, l) => c.example.weights[l].flatMap((row, j) => row.map((_, k) => `${l}:${j}:${k}`));
const layerKind = (c, n) => (n === c.outputLayer ? "output" : "hidden");

// A line of working: markup, then " = result" in bold when there is one.
function line(markup, result) {
  const node = element("p", { className: "bp-line" }, [formula(markup)]);
  if (result !== undefined) node.append(" = ", element("strong", { text: fmt(result), title: String(result) }));
  return node;
}

function group(children) {
  return element("div", { className: "bp-group" }, children);
}

function forwardStep(c, l, j) {
  const n = l + 1;
  const neuron = c.trace.forward[l][j];
  const weights = c.example.weights[l][j];
  const biasTerm = (text) => (c.hasBiases ? ` + ${text}` : "");
  const symbols = weights.map((_, k) => `${weightName(c, l, j, k)} ${act(l, k)}`).join(" + ");
  const numbers = weights.map((w, k) => times(factor(w), factor(c.a[l][k]))).join(" + ");
  const products = neuron.products.map(factor).join(" + ");
  const body = () => [
    line(`z^{${n + 1}}_{${j + 1}} = ${symbols}${biasTerm(bias(n, j))}`),
    line(`= ${numbers}${biasTerm(factor(neuron.bias))}`),
    line(`= ${products}${biasTerm(factor(neuron.bias))}`, neuron.z),
    line(`${act(n, j)} = σ(z^{${n + 1}}_{${j + 1}}) = 1 / (1 + e^{${fmt(-neuron.z)}})`, neuron.a),
    ...(c.hasBiases ? [] : [hint("This network has no biases, so z is the weighted sum alone.")]),
    ...(n === c.outputLayer ? roundingNotes(c, j) : []),
  ];
  return {
    phase: "forward",
    title: `Forward pass: ${layerKind(c, n)} neuron ${act(n, j)}`,
    body,
    focus: focus([...layerNeurons(c, l), `${n}:${j}`], weights.map((_, k) => `${l}:${j}:${k}`), `${n}:${j}`),
    reveals: { a: [`${n}:${j}`], delta: [] },
  };
}

// An output to 3 decimals, and where a book's hand rounding gives another third decimal, why.
function roundingNotes(c, j) {
  const exact = c.a[c.outputLayer][j];
  const byHand = c.trace.outputs_rounded_by_hand[j];
  const notes = [hint(`To 3 decimals: ${exact.toFixed(3)}.`)];
  if (byHand.toFixed(3) !== exact.toFixed(3)) notes.push(hint(handRoundingText(c, j)));
  return notes;
}

function handRoundingText(c, j) {
  const exact = c.a[c.outputLayer][j];
  const byHand = c.trace.outputs_rounded_by_hand[j].toFixed(3);
  const who = c.example.name === "rashid" ? "The book's" : "A hand calculation's";
  return `${who} ${byHand} for output ${j + 1} comes from rounding the hidden outputs to 3 decimals first; ` +
    `exactly, the output is ${fmt(exact)}, which rounds to ${exact.toFixed(3)}.`;
}

function lossStep(c) {
  const L = c.outputLayer;
  const { errors, total_error: total } = c.trace;
  const body = () => [
    ...errors.map((error, j) => line(
      `C_{${j + 1}} = ½ (y_{${j + 1}} − ${act(L, j)})^{2} = ½ (${fmt(c.example.targets[j])} − ${fmt(c.a[L][j])})^{2}`, error)),
    line(`C = ${errors.map((_, j) => `C_{${j + 1}}`).join(" + ")} = ${errors.map(fmt).join(" + ")}`, total),
  ];
  return { phase: "loss", title: "The loss: how far each output is from its target", body,
    focus: focus(layerNeurons(c, L)), reveals: { a: [], delta: [] } };
}

function outputDeltaStep(c) {
  const L = c.outputLayer;
  const deltas = c.trace.deltas[c.layers - 1];
  const body = () => deltas.map((d, j) => {
    const a = c.a[L][j];
    const y = c.example.targets[j];
    const gradient = c.trace.activation_gradients[c.layers - 1][j], s = c.trace.slopes[c.layers - 1][j];
    return group([
      line(`∂C/∂${act(L, j)} = ${act(L, j)} − y_{${j + 1}} = ${fmt(a)} − ${fmt(y)}`, gradient),
      line(`σ′(z^{${L + 1}}_{${j + 1}}) = ${slope(a)}`, s),
      line(`${delta(L, j)} = ${times(factor(gradient), factor(s))}`, d),
    ]);
  });
  return { phase: "bp1", title: "Output deltas (BP1)", body, focus: focus(layerNeurons(c, L)),
    reveals: { a: [], delta: layerNeurons(c, L) } };
}

// BP2 for the neurons of weighted layer l: the next layer's deltas carried back through its weights.
function hiddenDeltaStep(c, l) {
  const n = l + 1;
  const next = c.trace.deltas[l + 1];
  const weights = c.example.weights[l + 1];
  const body = () => c.trace.deltas[l].map((d, j) => {
    const a = c.a[n][j];
    const back = c.trace.activation_gradients[l][j], s = c.trace.slopes[l][j];
    const symbols = next.map((_, k) => `${weightName(c, l + 1, k, j)} ${delta(n + 1, k)}`).join(" + ");
    const numbers = next.map((dk, k) => times(factor(weights[k][j]), factor(dk))).join(" + ");
    return group([
      line(`((w^{${n + 2}})^{T} δ^{${n + 2}})_{${j + 1}} = ${symbols}`),
      line(`= ${numbers}`, back),
      line(`σ′(z^{${n + 1}}_{${j + 1}}) = ${slope(a)}`, s),
      line(`${delta(n, j)} = ${times(factor(back), factor(s))}`, d),
    ]);
  });
  return {
    phase: "bp2",
    title: `Hidden deltas of layer ${n + 1} (BP2)`,
    body,
    focus: focus([...layerNeurons(c, n), ...layerNeurons(c, n + 1)], layerEdges(c, l + 1)),
    reveals: { a: [], delta: layerNeurons(c, n) },
  };
}

function table(headings, rows, className = "bp-table") {
  return element("table", { className }, [
    element("thead", {}, [element("tr", {}, headings.map((h) => element("th", { scope: "col" }, [formula(h)])))]),
    element("tbody", {}, rows),
  ]);
}

function cell(content, attributes = {}) {
  return element("td", attributes, [typeof content === "string" ? formula(content) : content]);
}

const strong = (x) => element("strong", { text: fmt(x), title: String(x) });

// The working of one gradient: which product (and the parameter's name) over its numbers.
function working(markup, numbers) {
  const node = element("div", { className: "bp-working" }, [formula(markup)]);
  if (numbers) node.append(element("span", { className: "bp-working-numbers" }, [formula(numbers)]));
  return node;
}

function gradientRow(work, gradient, estimate) {
  return element("tr", {}, [
    cell(work), cell(strong(gradient)), cell(fmt(estimate)), cell(tiny(gradient - estimate), { className: "bp-diff" }),
  ]);
}

function gradientStep(c, l) {
  const n = l + 1;
  const { weight_gradients: gradients, weight_estimates: estimates, deltas } = c.trace;
  const body = () => {
    const rows = c.example.weights[l].flatMap((row, j) => row.map((_, k) => gradientRow(
      working(`∂C/∂${weightName(c, l, j, k)} = ${act(l, k)} ${delta(n, j)}`, times(fmt(c.a[l][k]), factor(deltas[l][j]))),
      gradients[l][j][k], estimates[l][j][k])));
    if (c.hasBiases) {
      rows.push(...deltas[l].map((_, j) => gradientRow(working(`∂C/∂${bias(n, j)} = ${delta(n, j)}`),
        c.trace.bias_gradients[l][j], c.trace.bias_estimates[l][j])));
    }
    return [
      table([c.hasBiases ? "BP4, BP3" : "BP4", "gradient", "finite difference", "difference"], rows, "bp-table bp-gradients"),
      hint(floatCheckText(c)),
    ];
  };
  return {
    phase: "gradients",
    title: `Gradients of layer ${n + 1}'s ${c.hasBiases ? "weights and biases (BP4, BP3)" : "weights (BP4)"}`,
    body,
    focus: focus([...layerNeurons(c, l), ...layerNeurons(c, n)], layerEdges(c, l)),
    reveals: { a: [], delta: [] },
  };
}

function floatCheckText(c) {
  return `neurite's float32 network computes the same gradients to within ${tiny(c.trace.float_network_difference)}.`;
}

function updateRow(name, before, gradient, rate, after) {
  return element("tr", {}, [
    cell(name), cell(fmt(before)), cell(`− ${times(fmt(rate), factor(gradient))}`), cell(strong(after)),
  ]);
}

function updateStep(c) {
  const { rate, weights, biases, update_biases: updateBiases } = c.example;
  const { weight_gradients: gradients, new_weights: newWeights } = c.trace;
  const body = () => {
    const rows = weights.flatMap((layer, l) => layer.flatMap((row, j) => row.map((w, k) => updateRow(
      weightName(c, l, j, k), w, gradients[l][j][k], rate, newWeights[l][j][k]))));
    if (c.hasBiases && updateBiases) {
      rows.push(...biases.flatMap((layer, l) => layer.map((b, j) => updateRow(
        bias(l + 1, j), b, c.trace.bias_gradients[l][j], rate, c.trace.new_biases[l][j]))));
    }
    return [table(["", "before", "− η ∂C/∂w", "after"], rows), hint(biasUpdateText(c))];
  };
  return { phase: "update", title: `The update: every weight takes a step of η = ${fmt(rate)} down its gradient`,
    body, focus: focus([], c.example.weights.flatMap((_, l) => layerEdges(c, l))), reveals: { a: [], delta: [] } };
}

function biasUpdateText(c) {
  if (!c.hasBiases) return "This network has no biases.";
  if (c.example.update_biases) return "The biases take the same step: b → b − η ∂C/∂b = b − η δ.";
  return "The biases stay as they are (b′ = b): “update biases” is off, as in Mazur's example, " +
    "where he leaves them unchanged.";
}

function newLossStep(c) {
  const L = c.outputLayer;
  const { new_outputs: outputs, new_total_error: after, total_error: before } = c.trace;
  const body = () => [
    hint("The same forward pass again, with the new weights:"),
    ...outputs.map((a, j) => line(`a′^{${L + 1}}_{${j + 1}}`, a)),
    line(`C′ = ${outputs.map((a, j) => `½ (${fmt(c.example.targets[j])} − ${fmt(a)})^{2}`).join(" + ")}`, after),
    element("p", { className: after < before ? "bp-verdict good" : "bp-verdict bad",
      text: `The loss went from ${fmt(before)} to ${fmt(after)}: ${after < before ? "down" : "up"} by ` +
        `${fmt(Math.abs(before - after))} (${(Math.abs(before - after) / before * 100).toFixed(2)}%).` }),
  ];
  return { phase: "loss", title: "The new loss, after one step", body, focus: focus(layerNeurons(c, L)),
    reveals: { a: [], delta: [] } };
}

// ---------------------------------------------------------------- equations beside the steps

const EQUATIONS = {
  forward: {
    label: "Forward pass",
    lines: ["z^{l}_{j} = Σ_{k} w^{l}_{jk} a^{l−1}_{k} + b^{l}_{j}", "a^{l}_{j} = σ(z^{l}_{j}) = 1 / (1 + e^{−z})"],
    why: "Each neuron adds up its inputs times their weights, plus its bias, and squashes the sum with the sigmoid.",
  },
  loss: {
    label: "Quadratic cost",
    lines: ["C = Σ_{j} ½ (y_{j} − a^{L}_{j})^{2}"],
    why: "Half the squared distance between each output and its target, added up.",
  },
  bp1: {
    label: "BP1",
    lines: ["δ^{L} = (a^{L} − y) ⊙ σ′(z^{L})", "σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)"],
    why: "δ = ∂C/∂z: how much the cost changes as a neuron's weighted input z changes.",
  },
  bp2: {
    label: "BP2",
    lines: ["δ^{l} = ((w^{l+1})^{T} δ^{l+1}) ⊙ σ′(z^{l})", "σ′(z) = a(1 − a)"],
    why: "The next layer's deltas flow back along the same weights (from the original weights, before any update).",
  },
  gradients: {
    label: "BP3, BP4",
    lines: [
      "∂C/∂b^{l}_{j} = δ^{l}_{j}",
      "∂C/∂w^{l}_{jk} = a^{l−1}_{k} δ^{l}_{j}",
      "check: (C(w + ε) − C(w − ε)) / 2ε, ε = 10^{−6}",
    ],
    why: "A weight's gradient is the activation going in times the delta coming out; the finite difference " +
      "nudges the weight and measures the cost.",
  },
  update: {
    label: "Gradient descent",
    lines: ["w → w − η ∂C/∂w", "b → b − η ∂C/∂b"],
    why: "Every weight moves a little against its gradient, η times as far.",
  },
};

function equationBox(step) {
  const equation = EQUATIONS[step.phase];
  return [
    element("p", { className: "bp-equation-label", text: equation.label }),
    ...equation.lines.map((markup) => element("p", { className: "bp-equation" }, [formula(markup)])),
    hint(equation.why),
  ];
}

// ---------------------------------------------------------------- the network drawing

const SVG = "http://www.w3.org/2000/svg";
const LABEL_ALL = 4; // weights a layer may have for all their names to be drawn
const DRAWING = { width: 460, left: 48, right: 96, top: 40, spacing: 84, radius: 19 };

function svg(tag, attributes = {}, children = []) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

const svgText = (text, attributes) => svg("text", attributes, [text]);

function neuronPositions(c) {
  const sizes = c.a.map((layer) => layer.length);
  const height = DRAWING.top * 2 + (Math.max(...sizes) - 1) * DRAWING.spacing + 30;
  const columnGap = (DRAWING.width - DRAWING.left - DRAWING.right) / (sizes.length - 1);
  const positions = sizes.map((size, n) => Array.from({ length: size }, (_, j) => ({
    x: DRAWING.left + n * columnGap,
    y: height / 2 + (j - (size - 1) / 2) * DRAWING.spacing - 8,
  })));
  return { positions, height };
}

// What the steps so far have computed: activations and deltas appear as the learner reaches them.
function revealedUpTo(index) {
  const known = { a: new Set(), delta: new Set() };
  for (const step of stepper.steps.slice(0, index + 1)) {
    step.reveals.a.forEach((key) => known.a.add(key));
    step.reveals.delta.forEach((key) => known.delta.add(key));
  }
  return known;
}

function drawNetwork(c, step, known) {
  const { positions, height } = neuronPositions(c);
  const edges = c.example.weights.flatMap((rows, l) => rows.flatMap((row, j) => row.map((w, k) =>
    edgeNode(c, l, j, k, positions, step.focus))));
  const neurons = positions.flatMap((column, n) => column.map((at, j) => neuronNode(c, n, j, at, step.focus, known)));
  const targets = positions[c.outputLayer].map((at, j) => svgText(`y${sub(j + 1)} = ${fmt(c.example.targets[j])}`, {
    x: at.x + DRAWING.radius + 10, y: at.y + 4, class: "bp-target" }));
  return svg("svg", { viewBox: `0 0 ${DRAWING.width} ${height}`, role: "img", class: "bp-network",
    "aria-label": "The network: circles are neurons, lines are weights" }, [...edges, ...neurons, ...targets]);
}

function edgeNode(c, l, j, k, positions, focused) {
  const from = positions[l][k];
  const to = positions[l + 1][j];
  // Labels sit near the source, at a fraction that keeps the labels of different lines apart.
  const t = 1 / (positions[l + 1].length + 1);
  const on = focused.edges.has(`${l}:${j}:${k}`);
  const w = c.example.weights[l][j][k];
  const name = plainWeightName(c, l, j, k);
  const parts = [
    svg("title", {}, [`${name} = ${fmt(w)}, after the update ${fmt(c.trace.new_weights[l][j][k])}`]),
    svg("line", { x1: from.x, y1: from.y, x2: to.x, y2: to.y }),
  ];
  // A 2×2 layer has room for every name; in a larger one only the few lines in focus are named.
  const labelled = c.example.weights[l].length * c.example.weights[l][0].length <= LABEL_ALL || (on && focused.edges.size <= LABEL_ALL);
  if (labelled) {
    parts.push(svgText(name, { x: from.x + t * (to.x - from.x), y: from.y + t * (to.y - from.y) + 4, class: "bp-edge-label" }));
  }
  return svg("g", { class: on ? "bp-edge focus" : "bp-edge", "data-edge": `${l}-${j}-${k}` }, parts);
}

function neuronNode(c, n, j, at, focused, known) {
  const key = `${n}:${j}`;
  const shown = n === 0 || known.a.has(key);
  const classes = ["bp-neuron", focused.neurons.has(key) ? "focus" : "", focused.main === key ? "main" : ""];
  const parts = [
    svg("title", {}, [`a${sup(n + 1)}${sub(j + 1)}${shown ? ` = ${fmt(c.a[n][j])}` : ""}`]),
    svg("circle", { cx: at.x, cy: at.y, r: DRAWING.radius }),
    svgText(shown ? c.a[n][j].toFixed(3) : "?", { x: at.x, y: at.y + 4, class: "bp-neuron-value" }),
    svgText(`a${sup(n + 1)}${sub(j + 1)}`, { x: at.x, y: at.y + DRAWING.radius + 14, class: "bp-neuron-name" }),
  ];
  if (n > 0 && c.hasBiases) {
    parts.push(svgText(`b ${fmt(c.example.biases[n - 1][j])}`, { x: at.x, y: at.y - DRAWING.radius - 6, class: "bp-bias" }));
  }
  if (n > 0 && known.delta.has(key)) {
    parts.push(svgText(`δ ${c.trace.deltas[n - 1][j].toPrecision(3)}`, { x: at.x, y: at.y + DRAWING.radius + 27, class: "bp-delta" }));
  }
  return svg("g", { class: classes.join(" ").trim(), "data-neuron": `${n}-${j}` }, parts);
}

// ---------------------------------------------------------------- showing a step

function showStep(index) {
  const steps = stepper.steps;
  if (steps.length === 0) return;
  stepper.index = Math.max(0, Math.min(index, steps.length - 1));
  const step = steps[stepper.index];
  $("bp-step-title").replaceChildren(formula(step.title));
  $("bp-step-index").textContent = `${stepper.index + 1} / ${steps.length}`;
  $("bp-step-card").dataset.phase = step.phase;
  $("bp-step-body").replaceChildren(...step.body());
  $("bp-equation").replaceChildren(...equationBox(step));
  $("bp-drawing").replaceChildren(drawNetwork(stepper.context, step, revealedUpTo(stepper.index)));
  showStepDots();
  $("bp-prev").disabled = stepper.index === 0;
  $("bp-next").disabled = stepper.index === steps.length - 1;
}

// One small numbered button per step, coloured by phase: the whole walk at a glance.
function showStepDots() {
  const dots = stepper.steps.map((step, i) => {
    const dot = element("button", {
      type: "button",
      className: `bp-dot phase-${step.phase}`,
      title: formula(step.title).textContent,
      "aria-label": `Step ${i + 1}: ${formula(step.title).textContent}`,
      text: String(i + 1),
    });
    if (i === stepper.index) dot.setAttribute("aria-current", "step");
    return element("li", {}, [dot]);
  });
  $("bp-dots").replaceChildren(...dots);
}

function goTo(index) {
  pause();
  showStep(index);
}

// ---------------------------------------------------------------- play

function play() {
  if (stepper.index >= stepper.steps.length - 1) showStep(0); // at the end, Play starts over
  stepper.timer = setInterval(() => {
    if (stepper.index >= stepper.steps.length - 1) pause();
    else showStep(stepper.index + 1);
  }, PLAY_MS);
  showPlayState();
}

function pause() {
  clearInterval(stepper.timer);
  stepper.timer = null;
  showPlayState();
}

function showPlayState() {
  const button = $("bp-play");
  button.textContent = stepper.timer ? "Pause" : "Play";
  button.setAttribute("aria-pressed", String(Boolean(stepper.timer)));
}

// ---------------------------------------------------------------- results: before and after

function valueCell(x, testId, text = fmt(x)) {
  return element("td", { "data-testid": testId, "data-value": String(x), title: String(x), text });
}

function outputsTable(c) {
  const L = c.outputLayer;
  const t = c.trace;
  const rows = c.a[L].map((a, j) => element("tr", {}, [
    element("th", { scope: "row" }, [formula(act(L, j))]),
    cell(fmt(c.example.targets[j])),
    valueCell(a, `stepper-output-${j}`),
    cell(a.toFixed(3)),
    valueCell(t.outputs_rounded_by_hand[j], `stepper-output-rounded-${j}`, t.outputs_rounded_by_hand[j].toFixed(3)),
    valueCell(t.new_outputs[j], `stepper-new-output-${j}`),
  ]));
  rows.push(element("tr", { className: "bp-total" }, [
    element("th", { scope: "row", text: "loss C" }), cell(""),
    valueCell(t.total_error, "stepper-total-error"), cell(""), cell(""),
    valueCell(t.new_total_error, "stepper-new-total-error"),
  ]));
  return table(["", "target y", "output a", "3 decimals", "by hand", "after the update"], rows);
}

function parameterRows(c) {
  const t = c.trace;
  const rows = c.example.weights.flatMap((layer, l) => layer.flatMap((row, j) => row.map((w, k) => element("tr", {}, [
    element("th", { scope: "row" }, [formula(weightName(c, l, j, k))]),
    cell(fmt(w)), cell(fmt(t.weight_gradients[l][j][k])),
    valueCell(t.new_weights[l][j][k], `stepper-new-weight-${l}-${j}-${k}`),
  ]))));
  if (!c.hasBiases) return rows;
  return rows.concat(c.example.biases.flatMap((layer, l) => layer.map((b, j) => element("tr", {}, [
    element("th", { scope: "row" }, [formula(bias(l + 1, j))]),
    cell(fmt(b)), cell(fmt(t.bias_gradients[l][j])),
    valueCell(t.new_biases[l][j], `stepper-new-bias-${l}-${j}`,
      c.example.update_biases ? fmt(t.new_biases[l][j]) : `${fmt(t.new_biases[l][j])} (unchanged)`),
  ]))));
}

function showResults(c) {
  const notes = c.a[c.outputLayer].flatMap((a, j) =>
    (c.trace.outputs_rounded_by_hand[j].toFixed(3) !== a.toFixed(3) ? [hint(handRoundingText(c, j))] : []));
  $("bp-results").replaceChildren(
    outputsTable(c),
    hint("“By hand” rounds every layer's outputs to 3 decimals before the next layer, as a book worked on paper does."),
    ...notes,
    table(["", "before", "gradient", "after the update"], parameterRows(c), "bp-table bp-parameters"),
    element("p", { className: "hint", "data-testid": "stepper-float-difference",
      "data-value": String(c.trace.float_network_difference), text: floatCheckText(c) }),
  );
}

// ---------------------------------------------------------------- the form: the learner's numbers

function numberInput(value, testId, label) {
  const input = element("input", { type: "number", step: "0.01", "data-testid": testId, "aria-label": label });
  input.value = String(value);
  return input;
}

function labelled(markup, input) {
  return element("label", { className: "bp-number" }, [formula(markup), input]);
}

function weightTable(example, names, l) {
  const rows = example.weights[l];
  const hasBiases = example.biases.length > 0;
  const head = element("tr", {}, [
    element("th", { text: "" }),
    ...rows[0].map((_, k) => element("th", { scope: "col" }, [formula(`from ${act(l, k)}`)])),
    ...(hasBiases ? [element("th", { scope: "col", text: "bias" })] : []),
  ]);
  const body = rows.map((row, j) => element("tr", {}, [
    element("th", { scope: "row" }, [formula(`to ${act(l + 1, j)}`)]),
    ...row.map((w, k) => element("td", {}, [numberInput(w, `stepper-weight-${l}-${j}-${k}`,
      `${names[l]?.[j]?.[k] ?? ""} weight from neuron ${k + 1} of layer ${l + 1} to neuron ${j + 1} of layer ${l + 2}`.trim())])),
    ...(hasBiases ? [element("td", {}, [numberInput(example.biases[l][j], `stepper-bias-${l}-${j}`,
      `bias of neuron ${j + 1} of layer ${l + 2}`)])] : []),
  ]));
  return element("figure", { className: "bp-matrix" }, [
    element("figcaption", {}, [formula(`Into layer ${l + 2}${names.length ? `: ${names[l].flat().join(", ")}` : ""}`)]),
    element("table", {}, [element("thead", {}, [head]), element("tbody", {}, body)]),
  ]);
}

function fillForm(example) {
  const names = nameWeights(example);
  const sizes = [example.inputs.length, ...example.weights.map((rows) => rows.length)];
  $("bp-sizes").value = sizes.join("-");
  $("bp-has-biases").checked = example.biases.length > 0;
  $("bp-rate").value = String(example.rate);
  $("bp-update-biases").checked = example.update_biases;
  $("bp-update-biases").disabled = example.biases.length === 0;
  $("bp-vectors").replaceChildren(
    element("div", { className: "bp-vector" }, [element("span", { text: "inputs" }),
      ...example.inputs.map((x, i) => labelled(act(0, i), numberInput(x, `stepper-input-${i}`, `input ${i + 1}`)))]),
    element("div", { className: "bp-vector" }, [element("span", { text: "targets" }),
      ...example.targets.map((y, j) => labelled(`y_{${j + 1}}`, numberInput(y, `stepper-target-${j}`, `target ${j + 1}`)))]),
  );
  $("bp-matrices").replaceChildren(...example.weights.map((_, l) => weightTable(example, names, l)));
  stepper.form = { names: example.weight_names ?? [], sizes };
  markEdited(false);
}

function markEdited(edited) {
  $("bp-edited").hidden = !edited;
}

// One field's number. The server checks every number too, but a field the page can see is wrong
// is named here instead of sent: the browser logs every refused request as a console error.
function readNumber(testId, { low = -MAX_MAGNITUDE, high = MAX_MAGNITUDE, above = false } = {}) {
  const input = document.querySelector(`#panel-backprop [data-testid="${testId}"]`);
  const value = input.valueAsNumber;
  const label = input.getAttribute("aria-label");
  const refuse = (why) => {
    throw Object.assign(new Error(`${label} ${why}`), { input });
  };
  if (Number.isNaN(value)) refuse("is not a number");
  if (value > high || value < low || (above && value === low)) {
    refuse(`must be ${above ? "above" : "at least"} ${low} and at most ${high}`);
  }
  return value;
}

// The form's numbers as an example for the API; an empty or unreadable field is named, not sent.
function readForm() {
  const read = (testId) => readNumber(testId);
  const [inputs, ...layers] = stepper.form.sizes;
  const hasBiases = $("bp-has-biases").checked;
  const widths = stepper.form.sizes;
  return {
    name: "custom",
    inputs: Array.from({ length: inputs }, (_, i) => read(`stepper-input-${i}`)),
    targets: Array.from({ length: layers.at(-1) }, (_, j) => read(`stepper-target-${j}`)),
    weights: layers.map((rows, l) => Array.from({ length: rows }, (_, j) =>
      Array.from({ length: widths[l] }, (_, k) => read(`stepper-weight-${l}-${j}-${k}`)))),
    biases: hasBiases ? layers.map((rows, l) => Array.from({ length: rows }, (_, j) => read(`stepper-bias-${l}-${j}`))) : [],
    rate: readNumber("stepper-rate", { low: 0, high: MAX_RATE, above: true }),
    update_biases: $("bp-update-biases").checked,
    weight_names: stepper.form.names,
  };
}

function recompute() {
  let example;
  try {
    example = readForm();
  } catch (error) {
    showError(CONTEXT, error);
    error.input?.focus();
    return;
  }
  compute(example, { refill: false });
}

// ---------------------------------------------------------------- the form: another shape

function parseSizes(text) {
  const sizes = text.split(/[-,\s]+/).filter(Boolean).map(Number);
  const fits = sizes.length >= 2 && sizes.length <= MAX_WEIGHTED_LAYERS + 1 &&
    sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_NEURONS);
  if (!fits) {
    throw new Error(`layer sizes must be 2 to ${MAX_WEIGHTED_LAYERS + 1} numbers of 1 to ${MAX_NEURONS} neurons, like 2-2-2`);
  }
  return sizes;
}

// New numbers for a new shape: what was there stays; a new weight gets one of 0.1 … 0.9 (varied,
// so that no two neurons start alike), a new bias 0, a new input or target 0.5.
function reshape(example, sizes, hasBiases) {
  const keep = (values, index, fresh) => (Number.isFinite(values?.[index]) ? values[index] : fresh);
  const layers = sizes.slice(1);
  return {
    ...example,
    inputs: Array.from({ length: sizes[0] }, (_, i) => keep(example.inputs, i, 0.5)),
    targets: Array.from({ length: layers.at(-1) }, (_, j) => keep(example.targets, j, 0.5)),
    weights: layers.map((rows, l) => Array.from({ length: rows }, (_, j) => Array.from({ length: sizes[l] }, (_, k) =>
      keep(example.weights[l]?.[j], k, ((j + 2 * k + 3 * l) % 9 + 1) / 10)))),
    biases: hasBiases ? layers.map((rows, l) => Array.from({ length: rows }, (_, j) => keep(example.biases[l], j, 0))) : [],
    weight_names: [],
  };
}

// The form's numbers as far as they read (an unreadable one is left to reshape's defaults).
function readFormLoosely() {
  try {
    return readForm();
  } catch {
    return stepper.example;
  }
}

function changeShape() {
  let sizes;
  try {
    sizes = parseSizes($("bp-sizes").value);
  } catch (error) {
    showError(CONTEXT, error);
    return;
  }
  const example = reshape(readFormLoosely(), sizes, $("bp-has-biases").checked);
  fillForm(example);
  markEdited(true); // until the server has computed the new shape
  compute(example, { refill: false });
}

// ---------------------------------------------------------------- talking to the server

async function compute(example, { refill }) {
  const request = (stepper.request += 1);
  pause();
  try {
    const answer = await api("/api/backprop", { method: "POST", body: { example } });
    if (request !== stepper.request) return;
    clearError(CONTEXT);
    accept(answer, refill);
  } catch (error) {
    // The last good trace stays on show; the status line says what the server refused.
    if (request === stepper.request) showError(CONTEXT, error);
  }
}

function accept({ example, trace }, refill) {
  stepper.example = example;
  stepper.trace = trace;
  stepper.context = describe(example, trace);
  stepper.steps = buildSteps(stepper.context);
  if (refill) fillForm(example);
  markEdited(false);
  $("bp-about").textContent = EXAMPLES[example.name] ??
    `Your own numbers, edited from ${EXAMPLE_NAMES[stepper.base]}; Reset goes back to it.`;
  showResults(stepper.context);
  showStep(refill ? 0 : stepper.index); // new numbers keep the learner's place in the walk
  const root = $("bp-root");
  stepper.computed += 1;
  root.dataset.example = example.name;
  root.dataset.computed = String(stepper.computed);
}

function loadExample(name) {
  stepper.base = name;
  compute(name, { refill: true });
}

// ---------------------------------------------------------------- the panel

function toolbar() {
  const select = element("select", { id: "bp-example", "data-testid": "stepper-example" }, [
    ...Object.entries(EXAMPLE_NAMES).map(([value, text]) => element("option", { value, text })),
  ]);
  return element("div", { className: "card bp-toolbar" }, [
    element("label", { className: "bp-picker" }, [element("span", { text: "Example" }), select]),
    element("p", { className: "hint", id: "bp-about" }),
  ]);
}

function stepCard() {
  const button = (id, testId, text, className = "") =>
    element("button", { type: "button", id, "data-testid": testId, text, className });
  return element("section", { className: "card bp-step", id: "bp-step-card", "aria-labelledby": "bp-step-title", tabindex: "-1" }, [
    element("div", { className: "bp-controls" }, [
      button("bp-prev", "stepper-prev", "← Prev"),
      button("bp-next", "stepper-next", "Next →", "primary"),
      button("bp-play", "stepper-play", "Play", "bp-play"),
      element("span", { className: "bp-index", id: "bp-step-index", "data-testid": "stepper-step-index", "aria-live": "polite" }),
      element("ol", { className: "bp-dots", id: "bp-dots", "aria-label": "All steps" }),
    ]),
    element("h2", { id: "bp-step-title", "data-testid": "stepper-step-title", className: "bp-title" }),
    element("div", { className: "bp-step-main" }, [
      element("div", { className: "bp-step-body", id: "bp-step-body" }),
      element("aside", { className: "bp-equation-box", id: "bp-equation", "aria-label": "The equation of this step" }),
    ]),
  ]);
}

function formCard() {
  const rate = element("input", {
    type: "number", step: "0.1", id: "bp-rate", "data-testid": "stepper-rate", "aria-label": "learning rate",
  });
  const checkbox = (id, testId, text) => element("label", { className: "bp-check" }, [
    element("input", { type: "checkbox", id, "data-testid": testId }), element("span", { text }),
  ]);
  return element("form", { className: "card bp-form", id: "bp-form", novalidate: "" }, [
    element("h2", { text: "Change the numbers" }),
    element("div", { className: "bp-shape" }, [
      element("label", { className: "bp-number" }, [element("span", { text: "layer sizes" }), element("input", {
        type: "text", id: "bp-sizes", "data-testid": "stepper-sizes", "aria-label": "layer sizes, like 2-2-2", size: "7",
      })]),
      checkbox("bp-has-biases", "stepper-has-biases", "biases"),
    ]),
    element("div", { id: "bp-vectors" }),
    element("div", { className: "bp-matrices", id: "bp-matrices" }),
    element("div", { className: "bp-shape" }, [
      labelled("learning rate η", rate),
      checkbox("bp-update-biases", "stepper-update-biases", "update biases"),
    ]),
    element("div", { className: "row" }, [
      element("button", { type: "submit", className: "primary", "data-testid": "stepper-recompute", text: "Recompute" }),
      element("button", { type: "button", id: "bp-reset", "data-testid": "stepper-reset", text: "Reset" }),
      element("span", { className: "hint", id: "bp-edited", text: "Edited: Recompute to see these numbers." }),
    ]),
  ]);
}

function buildPanel() {
  $("panel-backprop").replaceChildren(element("div", { className: "bp-layout", id: "bp-root", "data-testid": "stepper" }, [
    toolbar(),
    element("div", { className: "bp-side" }, [
      element("div", { className: "card" }, [
        element("h2", { text: "The network" }),
        element("div", { id: "bp-drawing", className: "bp-drawing" }),
        hint("Layer 1 is the input. Values appear as the steps compute them; hover a line for its weight."),
      ]),
      formCard(),
    ]),
    element("div", { className: "bp-main" }, [
      stepCard(),
      element("section", { className: "card", "aria-label": "Before and after the update" }, [
        element("h2", { text: "Before and after the update" }),
        element("div", { id: "bp-results" }),
      ]),
    ]),
  ]));
}

// ← and → step through the walk while the step card has the focus (not while typing a number).
function onStepKey(event) {
  if (event.target.matches("input, select, textarea")) return;
  const move = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
  if (!move) return;
  event.preventDefault();
  goTo(stepper.index + move);
}

function wireEvents() {
  $("bp-example").addEventListener("change", (event) => loadExample(event.target.value));
  $("bp-prev").addEventListener("click", () => goTo(stepper.index - 1));
  $("bp-next").addEventListener("click", () => goTo(stepper.index + 1));
  $("bp-play").addEventListener("click", () => (stepper.timer ? pause() : play()));
  $("bp-dots").addEventListener("click", (event) => {
    const dot = event.target.closest("button");
    if (dot) goTo(Number(dot.textContent) - 1);
  });
  $("bp-step-card").addEventListener("keydown", onStepKey);
  const form = $("bp-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    recompute();
  });
  form.addEventListener("input", (event) => {
    if (event.target.type === "number") markEdited(true);
  });
  $("bp-sizes").addEventListener("change", changeShape);
  $("bp-has-biases").addEventListener("change", changeShape);
  $("bp-reset").addEventListener("click", () => loadExample(stepper.base));
}

export function wireStepper() {
  buildPanel();
  wireEvents();
  showPlayState();
  $("bp-prev").disabled = true;
  $("bp-next").disabled = true;
}

// The first visit loads Mazur's example; later visits find the tab as it was left.
export function showStepper() {
  if (stepper.started) return;
  stepper.started = true;
  loadExample($("bp-example").value);
}
