// The Playground tab: a small network learning a shape in the plane, after TensorFlow
// Playground. Every number drawn here comes from the server (POST /api/playground and its
// step, weight and export routes in docs/web-api.md): this module only asks and draws.
//
// The whole state (data, features, architecture, settings, seeds) lives in the URL's hash, so a
// copied link rebuilds the same network: any change starts a new session at epoch 0.

import { $, api, clearError, currentTab, element, showError } from "./common.js";

const FEATURES = [
  { key: "x1", label: "x₁" }, { key: "x2", label: "x₂" }, { key: "x1sq", label: "x₁²" }, { key: "x2sq", label: "x₂²" },
  { key: "x1x2", label: "x₁x₂" }, { key: "sinx1", label: "sin x₁" }, { key: "sinx2", label: "sin x₂" },
];
const SETS = [
  { key: "circle", label: "Circle" }, { key: "xor", label: "XOR" }, { key: "gauss", label: "Gaussians" },
  { key: "spiral", label: "Spiral" }, { key: "plane", label: "Plane", regression: true },
  { key: "bumps", label: "Bumps", regression: true },
];
const RATES = ["0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
const LAMBDAS = ["0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"];
const LOSSES = { classes: ["cross-entropy", "quadratic"], surface: ["mse", "mae", "huber"] };
const MAX_LAYERS = 6;
const MAX_NEURONS = 8;
const HALF_WIDTH = 6; // the plane is [-6, 6]^2

const DEFAULTS = {
  set: "circle", noise: 0, ratio: 0.5, points: 500, dataSeed: 1,
  features: ["x1", "x2"], hidden: [4, 2], activation: "tanh", loss: "cross-entropy", optimizer: "sgd",
  rate: 0.03, batch: 10, regularization: "none", lambda: 0, seed: 1,
};

let settings = { ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] };
let uploaded = null; // { name, text } of the user's CSV while the "csv" set is chosen
let session = null; // the server's last state, with its id and points
let lossHistory = []; // { epoch, train, test } per state shown
let playing = false;
let generation = 0; // a new session makes older answers stale
let frameTimes = []; // when the last frames were drawn, for the redraw rate
let loop = 0; // the play loop that runs; an older one stops
let wired = false;

// ---------------------------------------------------------------- colours

// Orange (-1) through light grey (0) to blue (+1), as TensorFlow Playground colours its plane.
const PALETTE = (() => {
  const orange = [245, 147, 34], middle = [232, 234, 235], blue = [8, 119, 189];
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 127.5 - 1;
    const [from, to, f] = t < 0 ? [middle, orange, -t] : [middle, blue, t];
    for (let c = 0; c < 3; c++) table[i * 3 + c] = from[c] + (to[c] - from[c]) * f;
  }
  return table;
})();

function colourOf(value) {
  const i = Math.round((Math.max(-1, Math.min(1, value)) + 1) * 127.5) * 3;
  return `rgb(${PALETTE[i]}, ${PALETTE[i + 1]}, ${PALETTE[i + 2]})`;
}

// A map from the server ({side, scale, bytes}: one base64 byte per cell) painted into a canvas.
function paintMap(canvas, map) {
  const bytes = Uint8Array.from(atob(map.bytes), (c) => c.charCodeAt(0));
  const cells = document.createElement("canvas");
  cells.width = cells.height = map.side;
  const context = cells.getContext("2d");
  const image = context.createImageData(map.side, map.side);
  for (let i = 0; i < bytes.length; i++) {
    image.data.set(PALETTE.subarray(bytes[i] * 3, bytes[i] * 3 + 3), i * 4);
    image.data[i * 4 + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  const target = canvas.getContext("2d");
  target.imageSmoothingEnabled = true;
  target.imageSmoothingQuality = "high"; // a 40-cell map drawn 8 times larger: smooth, not blocky
  target.drawImage(cells, 0, 0, canvas.width, canvas.height);
}

// ---------------------------------------------------------------- the URL

function toHash() {
  const s = settings;
  const fields = {
    data: s.set, noise: s.noise, ratio: s.ratio, points: s.points, dseed: s.dataSeed,
    features: s.features.join(","), hidden: s.hidden.join(","), activation: s.activation, loss: s.loss,
    optimizer: s.optimizer, rate: s.rate, batch: s.batch, reg: s.regularization, lambda: s.lambda, seed: s.seed,
  };
  return `#playground?${new URLSearchParams(fields)}`;
}

// The settings a link holds; anything missing or unreadable keeps its default (the server
// checks every value again).
function fromHash(hash) {
  const query = new URLSearchParams(hash.replace(/^#playground\??/, ""));
  const s = { ...DEFAULTS, features: [...DEFAULTS.features], hidden: [...DEFAULTS.hidden] };
  const number = (key, fallback) => (query.has(key) && Number.isFinite(Number(query.get(key))) ? Number(query.get(key)) : fallback);
  const text = (key, fallback) => query.get(key) || fallback;
  s.set = text("data", s.set);
  s.noise = number("noise", s.noise);
  s.ratio = number("ratio", s.ratio);
  s.points = number("points", s.points);
  s.dataSeed = number("dseed", s.dataSeed);
  if (query.has("features")) {
    const listed = query.get("features").split(",");
    s.features = FEATURES.map((f) => f.key).filter((key) => listed.includes(key)); // in the network's order
  }
  if (query.has("hidden")) s.hidden = query.get("hidden").split(",").filter(Boolean).map(Number).slice(0, MAX_LAYERS);
  s.activation = text("activation", s.activation);
  s.loss = text("loss", s.loss);
  s.optimizer = text("optimizer", s.optimizer);
  s.rate = number("rate", s.rate);
  s.batch = number("batch", s.batch);
  s.regularization = text("reg", s.regularization);
  s.lambda = number("lambda", s.lambda);
  s.seed = number("seed", s.seed);
  return s;
}

function isRegression() {
  if (settings.set === "csv") return Boolean(session?.data?.regression);
  return Boolean(SETS.find((s) => s.key === settings.set)?.regression);
}

// ---------------------------------------------------------------- sessions

function requestBody() {
  const s = settings;
  const data = { set: s.set, points: s.points, noise: s.noise, train_ratio: s.ratio, seed: s.dataSeed };
  if (s.set === "csv") Object.assign(data, { csv: uploaded.text, csv_name: uploaded.name });
  const network = {
    features: s.features, hidden: s.hidden, activation: s.activation, loss: s.loss, optimizer: s.optimizer,
    rate: s.rate, batch: s.batch, regularization: s.regularization, lambda: s.lambda, seed: s.seed,
  };
  if (s.set === "csv" && uploaded.fresh) delete network.loss; // classes or a surface: the server tells

  return { data, network, output_side: 40, neuron_side: 12 };
}

// A new session from the settings: the same settings always give the same network at epoch 0.
async function restart() {
  const mine = ++generation;
  try {
    const state = await api("/api/playground", { method: "POST", body: requestBody() });
    if (mine !== generation) return;
    clearError("Playground");
    if (uploaded) uploaded.fresh = false;
    session = state;
    settings.loss = state.network.loss;
    showSettings();
    rememberInUrl(); // the link names the network on show
    lossHistory = [];
    buildDiagram();
    show(state);
    if (playing) play();
  } catch (error) {
    if (mine === generation) showError("Playground", error);
  }
}

function rememberInUrl() {
  if (settings.set !== "csv") window.history.replaceState(null, "", toHash()); // a link cannot carry the file
  $("pg-link").value = location.href;
}

async function step(epochs) {
  const mine = generation;
  const state = await api(`/api/playground/${session.id}/step`, { method: "POST", body: { epochs } });
  if (mine === generation) show(state);
  return mine === generation;
}

// Trains an epoch a frame while playing and the tab is on show. The next step is asked for as
// soon as an answer arrives, so the server trains while the page draws; each answer is drawn
// in a frame of its own, so the redraw rate counts frames that reached the screen.
async function play() {
  const mine = generation, me = ++loop;
  const current = () => playing && mine === generation && me === loop;
  const request = () => api(`/api/playground/${session.id}/step`, { method: "POST", body: { epochs: 1 } });
  let next = request();
  while (next) { // once paused, the step already asked for is still drawn: the page ends where the server is
    if (currentTab() !== "playground") setPlaying(false);
    let state;
    try {
      state = await next;
    } catch (error) {
      if (mine === generation && me === loop) {
        showError("Playground", error);
        setPlaying(false);
      }
      return;
    }
    if (mine !== generation) return;
    next = current() ? request() : null;
    show(state);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

function setPlaying(on) {
  playing = on;
  $("pg-play").textContent = on ? "Pause" : "Play";
  $("pg-play").setAttribute("aria-pressed", String(on));
  frameTimes = [];
  if (on) play();
}

// ---------------------------------------------------------------- drawing a state

function show(state) {
  // Two answers of one session may cross (a step on its way when Play is pressed again): an
  // older epoch never replaces a newer one.
  if (!state.data && state.id === session.id && state.epoch < session.epoch) return;
  if (state.data) session = state;
  else Object.assign(session, state);
  const last = lossHistory.at(-1);
  if (!last || last.epoch !== state.epoch) lossHistory.push({ epoch: state.epoch, train: state.losses.train, test: state.losses.test });
  $("pg-epoch").textContent = String(state.epoch);
  showLosses(state.losses);
  drawLossChart();
  drawHeatmap(state);
  updateDiagram(state);
  $("pg-export-model").href = `/api/playground/${state.id}/model.safetensors`;
  $("pg-export-data").href = `/api/playground/${state.id}/data.csv?split=test`;
  $("pg-server-ms").textContent = state.milliseconds.toFixed(2);
  $("pg-server-ms").dataset.value = String(state.milliseconds);
  countFrame();
}

function showLosses(losses) {
  const set = (id, value, text) => {
    $(id).textContent = text;
    $(id).dataset.value = String(value);
  };
  set("pg-test-loss", losses.test, losses.test.toFixed(3));
  set("pg-train-loss", losses.train, losses.train.toFixed(3));
  const accuracy = losses.test_accuracy;
  $("pg-accuracy-line").hidden = accuracy === null;
  if (accuracy !== null) set("pg-test-accuracy", accuracy, `${(accuracy * 100).toFixed(1)}%`);
}

function countFrame() {
  const now = performance.now();
  frameTimes.push(now);
  while (frameTimes.length > 2 && now - frameTimes[0] > 1000) frameTimes.shift();
  if (frameTimes.length < 5) return;
  const rate = ((frameTimes.length - 1) * 1000) / (now - frameTimes[0]);
  $("pg-fps").textContent = rate.toFixed(0);
  $("pg-fps").dataset.value = String(rate);
}

function drawLossChart() {
  const canvas = $("pg-loss-chart");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.points = String(lossHistory.length);
  if (lossHistory.length < 2) return;
  const top = Math.max(...lossHistory.map((h) => Math.max(h.train, h.test)), 1e-9);
  const x = (i) => (i / (lossHistory.length - 1)) * (canvas.width - 2) + 1;
  const y = (v) => canvas.height - 2 - (Math.min(v, top) / top) * (canvas.height - 4);
  for (const [key, colour] of [["train", "#9aa0a6"], ["test", "#1f2328"]]) {
    context.beginPath();
    lossHistory.forEach((h, i) => (i === 0 ? context.moveTo(x(i), y(h[key])) : context.lineTo(x(i), y(h[key]))));
    context.strokeStyle = colour;
    context.lineWidth = 1.5;
    context.stroke();
  }
}

function drawHeatmap(state) {
  const canvas = $("pg-heatmap");
  paintMap(canvas, state.maps.output);
  const context = canvas.getContext("2d");
  const scale = canvas.width / (2 * HALF_WIDTH);
  const showTest = $("pg-show-test").checked;
  const regression = session.data.regression;
  for (const [x1, x2, label, train] of session.data.points) {
    if (!train && !showTest) continue;
    context.beginPath();
    context.arc((x1 + HALF_WIDTH) * scale, (HALF_WIDTH - x2) * scale, 3, 0, 2 * Math.PI);
    context.fillStyle = colourOf(regression ? label : label * 2 - 1);
    context.fill();
    context.lineWidth = 1;
    context.strokeStyle = train ? "#ffffff" : "#1f2328";
    context.stroke();
  }
}

// ---------------------------------------------------------------- the network diagram

const NODE = 36; // a neuron's picture, in pixels
const ROW = 46;
const COLUMN = 118;
const LEFT = 64; // room for the features' names
const SVG_NS = "http://www.w3.org/2000/svg";
let links = []; // { layer, to, from, x1, y1, x2, y2, path } of the diagram on show

// Where each neuron sits: columns of features, hidden layers and the output.
function layout() {
  const active = FEATURES.filter((f) => settings.features.includes(f.key));
  const columns = [FEATURES.map((f) => ({ feature: f, active: active.includes(f) })), ...settings.hidden.map((n) => Array.from({ length: n }, () => ({}))), [{}]];
  const height = Math.max(FEATURES.length, MAX_NEURONS) * ROW + 30;
  return {
    columns,
    height,
    width: LEFT + (columns.length - 1) * COLUMN + NODE + 8,
    at: (c, i) => ({ x: LEFT + c * COLUMN, y: 30 + i * ROW + (columns[c].length === 1 && c > 0 ? (height - 30) / 2 - ROW / 2 : 0) }),
  };
}

function buildDiagram() {
  const diagram = $("pg-diagram");
  diagram.replaceChildren();
  const plan = layout();
  diagram.style.width = `${plan.width}px`;
  diagram.style.height = `${plan.height}px`;
  // The links are painted on a canvas each frame (updating SVG strokes made each frame cost
  // 35 ms of painting); invisible SVG paths above it take the pointer.
  const drawn = element("canvas", { className: "pg-links", width: plan.width, height: plan.height, "data-testid": "playground-links" });
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("width", plan.width);
  svg.setAttribute("height", plan.height);
  svg.classList.add("pg-links", "pg-hits");
  diagram.append(drawn, svg);
  drawLinks(svg, plan);
  plan.columns.forEach((column, c) => {
    if (c > 0 && c < plan.columns.length - 1) diagram.append(layerControls(c - 1, plan));
    column.forEach((node, i) => diagram.append(nodeElement(node, c, i, plan)));
  });
  $("pg-layer-count").textContent = `${settings.hidden.length} hidden layer${settings.hidden.length === 1 ? "" : "s"}`;
  $("pg-add-layer").disabled = settings.hidden.length >= MAX_LAYERS;
  $("pg-remove-layer").disabled = settings.hidden.length === 0;
}

// Links from each active node of one column to every node of the next. Weighted layer l goes
// from column l to column l + 1; its inputs are the active features (l = 0) or neurons.
function drawLinks(svg, plan) {
  links = [];
  for (let c = 0; c + 1 < plan.columns.length; c++) {
    const sources = plan.columns[c].map((node, i) => ({ node, i })).filter(({ node }) => c > 0 || node.active);
    sources.forEach(({ i }, from) => {
      plan.columns[c + 1].forEach((_, to) => {
        const a = plan.at(c, i), b = plan.at(c + 1, to);
        const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2;
        const path = document.createElementNS(SVG_NS, "path");
        path.setAttribute("d", `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`);
        links.push({ layer: c, to, from, x1, y1, x2, y2, path });
        path.dataset.layer = String(c);
        path.dataset.to = String(to);
        path.dataset.from = String(from);
        path.dataset.testid = `playground-link-${c}-${to}-${from}`;
        path.setAttribute("data-testid", path.dataset.testid);
        path.addEventListener("mouseenter", () => describeLink(path));
        path.addEventListener("click", (event) => editWeight(event, c, to, from));
        svg.append(path);
      });
    });
  }
}

function nodeElement(node, c, i, plan) {
  const { x, y } = plan.at(c, i);
  const last = c === plan.columns.length - 1;
  const box = element("div", { className: "pg-node" });
  box.style.left = `${x}px`;
  box.style.top = `${y}px`;
  const canvas = element("canvas", { width: NODE, height: NODE });
  box.append(canvas);
  if (c === 0) {
    box.classList.add("pg-feature");
    box.classList.toggle("inactive", !node.active);
    box.setAttribute("role", "checkbox");
    box.setAttribute("aria-checked", String(node.active));
    box.setAttribute("tabindex", "0");
    box.setAttribute("data-testid", `playground-feature-${node.feature.key}`);
    box.title = `${node.feature.label}: click to ${node.active ? "leave it out" : "give it to the network"}`;
    box.append(element("span", { className: "pg-feature-label", text: node.feature.label }));
    const toggle = () => toggleFeature(node.feature.key);
    box.addEventListener("click", toggle);
    box.addEventListener("keydown", (event) => (event.key === " " || event.key === "Enter") && (event.preventDefault(), toggle()));
  } else {
    const layer = c - 1; // the weighted layer that feeds this neuron
    box.setAttribute("data-testid", last ? "playground-output-node" : `playground-neuron-${layer}-${i}`);
    box.addEventListener("click", (event) => editWeight(event, layer, i, -1));
    if (last) box.classList.add("pg-output-node");
  }
  return box;
}

function layerControls(hidden, plan) {
  const { x } = plan.at(hidden + 1, 0);
  const controls = element("div", { className: "pg-layer-buttons" });
  controls.style.left = `${x - 14}px`;
  const count = settings.hidden[hidden];
  const add = element("button", { type: "button", text: "+", "aria-label": `Add a neuron to layer ${hidden + 1}`, "data-testid": `playground-add-neuron-${hidden}` });
  const remove = element("button", { type: "button", text: "−", "aria-label": `Remove a neuron from layer ${hidden + 1}`, "data-testid": `playground-remove-neuron-${hidden}` });
  add.disabled = count >= MAX_NEURONS;
  remove.disabled = count <= 1;
  add.addEventListener("click", () => changeNeurons(hidden, 1));
  remove.addEventListener("click", () => changeNeurons(hidden, -1));
  controls.append(remove, element("span", { text: `${count}` }), add);
  return controls;
}

// Each frame: the pictures of the features and neurons, and the links' colour and width.
function updateDiagram(state) {
  const diagram = $("pg-diagram");
  if (state.maps.features) { // sent with a new session only: training does not change them
    const features = [...diagram.querySelectorAll(".pg-feature:not(.inactive) canvas")];
    features.forEach((canvas, k) => state.maps.features[k] && paintMap(canvas, state.maps.features[k]));
  }
  state.maps.layers.forEach((layer, h) => layer.forEach((map, i) => {
    const canvas = diagram.querySelector(`[data-testid="playground-neuron-${h}-${i}"] canvas`);
    if (canvas) paintMap(canvas, map);
  }));
  const output = diagram.querySelector('[data-testid="playground-output-node"] canvas');
  if (output) paintMap(output, state.maps.output);
  paintLinks(state.weights);
  state.weights.forEach((layer, l) => layer.biases.forEach((b, i) => {
    const id = l === state.weights.length - 1 ? "playground-output-node" : `playground-neuron-${l}-${i}`;
    const node = diagram.querySelector(`[data-testid="${id}"]`);
    if (node) node.title = `bias ${b.toPrecision(4)}: click to change it`;
  }));
}

// Blue for a positive weight, orange for a negative one, thicker for a larger one.
function paintLinks(weights) {
  const canvas = $("pg-diagram").querySelector("canvas.pg-links");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  for (const link of links) {
    const w = weights[link.layer]?.weights[link.to]?.[link.from];
    if (w === undefined) continue;
    link.path.dataset.value = String(w);
    const middle = (link.x1 + link.x2) / 2;
    context.beginPath();
    context.moveTo(link.x1, link.y1);
    context.bezierCurveTo(middle, link.y1, middle, link.y2, link.x2, link.y2);
    context.strokeStyle = w >= 0 ? "#0877bd" : "#f59322";
    context.globalAlpha = 0.85;
    context.lineWidth = Math.min(1 + Math.abs(w) * 2.5, 9);
    context.stroke();
  }
}

function describeLink(path) {
  const { layer, to, from } = path.dataset;
  const source = Number(layer) === 0 ? settings.features[Number(from)] : `neuron ${Number(from) + 1} of layer ${layer}`;
  $("pg-link-value").textContent =
    `Weight from ${source} to ${Number(layer) === settings.hidden.length ? "the output" : `neuron ${Number(to) + 1} of layer ${Number(layer) + 1}`}: ${Number(path.dataset.value).toPrecision(6)}`;
}

// A number box where the click was; Enter sets the weight (from -1: the bias), Escape leaves it.
function editWeight(event, layer, to, from) {
  event.stopPropagation();
  document.querySelector(".pg-editor")?.remove();
  const weights = session?.weights?.[layer];
  if (!weights) return;
  const current = from < 0 ? weights.biases[to] : weights.weights[to][from];
  const input = element("input", { type: "number", step: "any", className: "pg-editor", "data-testid": "playground-weight-editor",
    "aria-label": from < 0 ? "New bias" : "New weight" });
  input.value = String(Number(current.toPrecision(6)));
  const box = $("pg-diagram").getBoundingClientRect();
  input.style.left = `${event.clientX - box.left}px`;
  input.style.top = `${event.clientY - box.top}px`;
  $("pg-diagram").append(input);
  input.focus();
  input.select();
  let open = true;
  const close = () => open && ((open = false), input.remove()); // removing it blurs it: once only
  input.addEventListener("keydown", async (key) => {
    if (key.key === "Escape") close();
    if (key.key !== "Enter") return;
    const value = Number(input.value);
    close();
    if (input.value.trim() === "" || !Number.isFinite(value)) return;
    try {
      const mine = generation;
      const state = await api(`/api/playground/${session.id}/weight`, { method: "POST", body: { layer, to, from, value } });
      if (mine === generation) show(state);
    } catch (error) {
      showError("Playground", error);
    }
  });
  input.addEventListener("blur", close);
}

// ---------------------------------------------------------------- controls

function toggleFeature(key) {
  const on = settings.features.includes(key);
  if (on && settings.features.length === 1) return; // the network needs one input at least
  settings.features = on ? settings.features.filter((f) => f !== key) : FEATURES.map((f) => f.key).filter((f) => f === key || settings.features.includes(f));
  restart();
}

function changeNeurons(hidden, by) {
  settings.hidden[hidden] = Math.max(1, Math.min(MAX_NEURONS, settings.hidden[hidden] + by));
  restart();
}

function changeLayers(by) {
  if (by > 0 && settings.hidden.length < MAX_LAYERS) settings.hidden.push(2);
  if (by < 0) settings.hidden.pop();
  restart();
}

function fillSelect(select, values) {
  select.replaceChildren(...values.map((v) => element("option", { value: v, text: v })));
}

function chooseSet(key) {
  settings.set = key;
  const losses = isRegression() ? LOSSES.surface : LOSSES.classes;
  if (!losses.includes(settings.loss)) settings.loss = losses[0];
  showSettings();
  restart();
}

// The controls show `settings` (after a link is opened, or the data type changes the losses).
function showSettings() {
  const s = settings;
  for (const button of $("pg-sets").children) button.setAttribute("aria-checked", String(button.dataset.set === s.set));
  fillSelect($("pg-loss"), isRegression() ? LOSSES.surface : LOSSES.classes);
  const value = (id, v) => ($(id).value = String(v));
  value("pg-rate", s.rate);
  value("pg-activation", s.activation);
  value("pg-loss", s.loss);
  value("pg-optimizer", s.optimizer);
  value("pg-batch", s.batch);
  value("pg-regularization", s.regularization);
  value("pg-lambda", s.lambda);
  value("pg-seed", s.seed);
  value("pg-ratio", Math.round(s.ratio * 100));
  value("pg-noise", Math.round(s.noise * 100));
  value("pg-points", s.points);
  value("pg-data-seed", s.dataSeed);
  $("pg-ratio-value").textContent = `${Math.round(s.ratio * 100)}%`;
  $("pg-noise-value").textContent = `${Math.round(s.noise * 100)}`;
}

function onSetting(id, apply) {
  $(id).addEventListener("change", () => {
    apply($(id).value);
    showSettings();
    restart();
  });
}

async function onUpload() {
  const file = $("pg-csv").files[0];
  if (!file) return;
  uploaded = { name: file.name, text: await file.text(), fresh: true };
  chooseSet("csv");
}

export function wirePlayground() {
  fillSelect($("pg-rate"), RATES);
  fillSelect($("pg-lambda"), LAMBDAS);
  for (const set of SETS) {
    const button = element("button", { type: "button", role: "radio", text: set.label, "data-testid": `playground-set-${set.key}` });
    button.dataset.set = set.key;
    button.addEventListener("click", () => chooseSet(set.key));
    $("pg-sets").append(button);
  }
  $("pg-play").addEventListener("click", () => setPlaying(!playing));
  $("pg-step").addEventListener("click", () => {
    setPlaying(false);
    if (session) step(1).catch((error) => showError("Playground", error));
  });
  $("pg-reset").addEventListener("click", () => restart());
  $("pg-add-layer").addEventListener("click", () => changeLayers(1));
  $("pg-remove-layer").addEventListener("click", () => changeLayers(-1));
  $("pg-show-test").addEventListener("change", () => session && drawHeatmap(session));
  $("pg-csv").addEventListener("change", onUpload);
  onSetting("pg-rate", (v) => (settings.rate = Number(v)));
  onSetting("pg-activation", (v) => (settings.activation = v));
  onSetting("pg-loss", (v) => (settings.loss = v));
  onSetting("pg-optimizer", (v) => (settings.optimizer = v));
  onSetting("pg-batch", (v) => (settings.batch = Math.max(1, Math.min(100, Math.round(Number(v)) || 1))));
  onSetting("pg-regularization", (v) => (settings.regularization = v));
  onSetting("pg-lambda", (v) => (settings.lambda = Number(v)));
  onSetting("pg-seed", (v) => (settings.seed = Math.max(0, Math.round(Number(v)) || 0)));
  onSetting("pg-ratio", (v) => (settings.ratio = Number(v) / 100));
  onSetting("pg-noise", (v) => (settings.noise = Number(v) / 100));
  onSetting("pg-points", (v) => (settings.points = Number(v)));
  onSetting("pg-data-seed", (v) => (settings.dataSeed = Math.max(0, Math.round(Number(v)) || 0)));
  $("pg-link").addEventListener("focus", () => $("pg-link").select());
  if (location.hash.startsWith("#playground")) settings = fromHash(location.hash);
  if (settings.set === "csv") settings.set = DEFAULTS.set; // a link cannot carry the file
  wired = true;
}

// The first showing starts a session; later ones go on with it.
export function showPlayground() {
  if (!wired) return;
  showSettings();
  if (!session) restart();
  else $("pg-link").value = location.href;
}
