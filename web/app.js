// The page of `neurite serve`: draw a digit, train a network, look inside it.
// It uses only the JSON API described in docs/web-api.md.

const uPlot = window.uPlot;
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const FINAL_STATES = new Set(["finished", "stopped", "failed"]);

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

// Builds an element; text always goes in through textContent, so server strings stay text.
function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

const hint = (text) => element("p", { className: "hint", text });
const message = (text) => element("p", { className: "message", text });

function formatPercent(fraction, digits = 1) {
  return `${(fraction * 100).toFixed(digits)}%`;
}

function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function modelPath(name, rest) {
  return `/api/models/${encodeURIComponent(name)}/${rest}`;
}

// ---------------------------------------------------------------- API

async function api(path, { method = "GET", body } = {}) {
  const request = body === undefined
    ? { method }
    : { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, request);
  } catch {
    throw new Error("the server did not answer (is neurite serve still running?)");
  }
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.json();
}

// The server's own words from {"error": ...}, or the HTTP status when the body has none.
async function errorMessage(response) {
  try {
    const body = await response.json();
    if (typeof body.error === "string") return body.error;
  } catch {
    // Not JSON: the status line below is all there is.
  }
  return `the server answered ${response.status} ${response.statusText}`.trim();
}

// Asks the server why an image did not load: its {"error": ...} reason, or null when it loads.
async function imageProblem(url) {
  try {
    const response = await fetch(url);
    return response.ok ? null : await errorMessage(response);
  } catch {
    return "The server did not answer (is neurite serve still running?)";
  }
}

// ---------------------------------------------------------------- status line

const statusLine = $("status-line");
const NOTE_SECONDS = 10;
let statusContext = null; // what the error on show is about; null for a note or nothing
let noteTimer = null;

function setStatus(text, kind, context) {
  clearTimeout(noteTimer);
  statusContext = context;
  statusLine.textContent = text;
  statusLine.className = kind ? `status-line ${kind}` : "status-line";
}

function showError(context, error) {
  setStatus(`${context}: ${error.message}`, "error", context);
}

// Good news stays a little while; errors stay until they are fixed or replaced.
function showNote(text) {
  setStatus(text, "note", null);
  noteTimer = setTimeout(() => setStatus("", null, null), NOTE_SECONDS * 1000);
}

// An error goes away once the thing that failed works again.
function clearError(context) {
  if (statusContext === context) setStatus("", null, null);
}

// ---------------------------------------------------------------- tabs

const tabs = [...document.querySelectorAll('[role="tab"]')];

function currentTab() {
  return document.body.dataset.tab;
}

function showTab(name) {
  for (const tab of tabs) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !selected;
  }
  document.body.dataset.tab = name;
  if (name === "inside") refreshInside();
  if (name === "train") attachToLiveRun();
}

// Arrow keys move between tabs, as in any tab list.
function onTabKey(event) {
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  const index = tabs.findIndex((tab) => tab.dataset.tab === currentTab());
  const next = tabs[(index + step + tabs.length) % tabs.length];
  next.focus();
  showTab(next.dataset.tab);
}

// ---------------------------------------------------------------- models

const modelSelect = $("model-select");
let models = [];

function selectedModel() {
  return models.find((model) => model.name === modelSelect.value) ?? null;
}

async function refreshModels() {
  try {
    ({ models } = await api("/api/models"));
    clearError("Could not list the models");
  } catch (error) {
    showError("Could not list the models", error);
    return;
  }
  const previous = modelSelect.value;
  modelSelect.replaceChildren(...models.map((model) =>
    element("option", { value: model.name, text: `${model.name} (${model.kind})` })));
  modelSelect.disabled = models.length === 0;
  if (models.some((model) => model.name === previous)) modelSelect.value = previous;
  if (modelSelect.value !== previous) onModelChanged();
  else describeModel();
}

function describeModel() {
  const model = selectedModel();
  $("model-summary").textContent = model
    ? `${model.summary} · ${model.parameters.toLocaleString("en")} parameters`
    : "No model is loaded yet: train one on the Train tab, or start neurite serve with --model FILE.";
}

function onModelChanged() {
  describeModel();
  requestPrediction();
  if (currentTab() === "inside") refreshInside();
}

// ---------------------------------------------------------------- Draw

const STROKE_WIDTH = 24; // about an eighth of a digit drawn full size: MNIST's pen, relative to the digit
const SENT_SIZE = 140; // the drawing travels as 140×140: enough detail, a small request

const canvas = $("draw-canvas");
const pen = canvas.getContext("2d");
const sampler = element("canvas", { width: SENT_SIZE, height: SENT_SIZE });
const samplerContext = sampler.getContext("2d", { willReadFrequently: true });
const preview = $("mnist-preview").getContext("2d");

const sketch = { hasInk: false, version: 0, pointerId: null, last: null };
const prediction = { inFlight: false, sentVersion: -1, sentModel: null, image: null };
const bars = DIGITS.map(createProbabilityBar);

function createProbabilityBar(digit) {
  const fill = element("div", { className: "bar-fill" });
  const value = element("span", { className: "bar-value" });
  const row = element("div", { className: "bar", "data-testid": `prob-bar-${digit}`, "data-probability": 0 }, [
    element("span", { className: "bar-label", text: String(digit) }),
    element("div", { className: "bar-track" }, [fill]),
    value,
  ]);
  $("prob-bars").append(row);
  return { row, fill, value };
}

function clearCanvas() {
  pen.fillStyle = "#000";
  pen.fillRect(0, 0, canvas.width, canvas.height);
  pen.strokeStyle = pen.fillStyle = "#fff";
  pen.lineWidth = STROKE_WIDTH;
  pen.lineCap = "round";
  pen.lineJoin = "round";
}

// Pointer position in canvas pixels, whatever size CSS gives the canvas.
function canvasPoint(event) {
  const box = canvas.getBoundingClientRect();
  return {
    x: (event.clientX - box.left) * (canvas.width / box.width),
    y: (event.clientY - box.top) * (canvas.height / box.height),
  };
}

function drawDot({ x, y }) {
  pen.beginPath();
  pen.arc(x, y, STROKE_WIDTH / 2, 0, 2 * Math.PI);
  pen.fill();
}

function drawLine(from, to) {
  pen.beginPath();
  pen.moveTo(from.x, from.y);
  pen.lineTo(to.x, to.y);
  pen.stroke();
}

// Fast strokes deliver several positions per event; using them all keeps curves round.
function coalescedEvents(event) {
  const events = event.getCoalescedEvents?.() ?? [];
  return events.length > 0 ? events : [event];
}

function onPointerDown(event) {
  if (event.button !== 0 || sketch.pointerId !== null) return;
  canvas.setPointerCapture(event.pointerId);
  sketch.pointerId = event.pointerId;
  sketch.last = canvasPoint(event);
  drawDot(sketch.last);
  inkChanged();
}

function onPointerMove(event) {
  if (event.pointerId !== sketch.pointerId) return;
  for (const part of coalescedEvents(event)) {
    const point = canvasPoint(part);
    drawLine(sketch.last, point);
    sketch.last = point;
  }
  inkChanged();
}

function onPointerEnd(event) {
  if (event.pointerId === sketch.pointerId) sketch.pointerId = null;
}

function inkChanged() {
  sketch.hasInk = true;
  sketch.version += 1;
  requestPrediction();
}

function clearDrawing() {
  clearCanvas();
  sketch.hasInk = false;
  sketch.version += 1;
  requestPrediction();
}

// The canvas scaled to SENT_SIZE² with smoothing; the red channel is the ink (white on black).
function drawingPixels() {
  samplerContext.imageSmoothingEnabled = true;
  samplerContext.imageSmoothingQuality = "high";
  samplerContext.drawImage(canvas, 0, 0, SENT_SIZE, SENT_SIZE);
  const rgba = samplerContext.getImageData(0, 0, SENT_SIZE, SENT_SIZE).data;
  const pixels = new Array(SENT_SIZE * SENT_SIZE);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = rgba[i * 4];
  return { width: SENT_SIZE, height: SENT_SIZE, pixels };
}

// At most one request in flight: when it returns, the latest drawing goes if it changed.
function requestPrediction() {
  const model = modelSelect.value;
  if (!sketch.hasInk || !model) {
    clearOutputs();
    return;
  }
  if (prediction.inFlight) return;
  if (prediction.sentVersion === sketch.version && prediction.sentModel === model) return;
  sendPrediction(model);
}

async function sendPrediction(model) {
  prediction.inFlight = true;
  prediction.sentVersion = sketch.version;
  prediction.sentModel = model;
  try {
    const answer = await api("/api/predict", { method: "POST", body: { model, drawing: drawingPixels() } });
    clearError("Prediction failed");
    if (sketch.hasInk && answer.model === modelSelect.value) showPrediction(answer);
  } catch (error) {
    showError("Prediction failed", error);
  } finally {
    prediction.inFlight = false;
  }
  requestPrediction();
}

function showPrediction(answer) {
  if (answer.empty) {
    clearOutputs();
    return;
  }
  drawPreview(answer.image);
  $("predicted-digit").textContent = String(answer.digit);
  showProbabilities(answer.probabilities, answer.digit);
  $("forward-ms").textContent = `Forward pass: ${answer.milliseconds.toFixed(2)} ms`;
  prediction.image = answer.image;
  if (currentTab() === "inside") showFeatureMaps();
}

function showProbabilities(probabilities, top) {
  bars.forEach((bar, digit) => {
    const probability = probabilities?.[digit] ?? 0;
    bar.row.setAttribute("data-probability", String(probability));
    bar.row.classList.toggle("top", digit === top);
    bar.fill.style.width = formatPercent(probability);
    bar.value.textContent = probabilities ? formatPercent(probability) : "";
  });
}

function drawPreview(image) {
  const picture = preview.createImageData(28, 28);
  image.forEach((value, i) => picture.data.set([value, value, value, 255], i * 4));
  preview.putImageData(picture, 0, 0);
}

function clearOutputs() {
  preview.fillStyle = "#000";
  preview.fillRect(0, 0, 28, 28);
  $("predicted-digit").textContent = "";
  showProbabilities(null, null);
  $("forward-ms").textContent = "";
  prediction.image = null;
}

// ---------------------------------------------------------------- Train: charts

const CHART_HEIGHT = 200;
const WHOLE_EPOCHS = [1, 2, 5, 10, 20, 50]; // tick steps of the per-epoch charts
const NORM_COLOURS = ["#3b6fd4", "#d0703c", "#3c9a6b", "#a355b8", "#b59a2c", "#d04c6c", "#4aa3b5", "#777"];

const training = {
  specs: [],
  run: null, // the run on show: its status, kept current by the event stream
  stream: null,
  batches: [], // batch events: the cost chart
  epochs: [], // epoch events: the accuracy and gradient charts
  charts: {},
};

// uPlot hands a log axis null for ticks it leaves unlabelled.
function tickLabels(format) {
  return (_chart, ticks) => ticks.map((tick) => (tick == null ? "" : format(tick)));
}

// The x axis spans the whole run from the start, so the curve fills it as training goes.
// (The data's own end, not uPlot's max, which it pads when there is a single point.)
function epochRange(chart) {
  return [0, Math.max(training.run?.epochs ?? 1, chart.data[0].at(-1) ?? 0)];
}

// Accuracy reads best against 100% at the top, starting a little below the worst epoch.
function accuracyRange(_chart, min) {
  return [min == null ? 0 : Math.max(0, Math.floor((min - 1) / 5) * 5), 100];
}

function createChart(containerId, series, { y = {}, yValues, xStep } = {}) {
  const container = $(containerId);
  training.charts[containerId]?.destroy();
  training.charts[containerId] = new uPlot({
    width: container.clientWidth || 400,
    height: CHART_HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: epochRange }, y },
    axes: [
      { label: "epochs", values: tickLabels((tick) => String(+tick.toFixed(2))), ...(xStep && { incrs: xStep }) },
      { size: 60, ...(yValues && { values: yValues }) },
    ],
    series: [{ label: "epochs", value: (_chart, x) => (x == null ? "–" : x.toFixed(2)) }, ...series],
  }, [[], ...series.map(() => [])], container);
}

function createCostChart() {
  createChart("cost-chart", [{
    label: "cost", stroke: "#3b6fd4", width: 1.5, points: { show: false },
    value: (_chart, y) => (y == null ? "–" : y.toFixed(4)),
  }]);
}

function createAccuracyChart() {
  const percent = (y) => (y == null ? "–" : `${y.toFixed(2)}%`);
  createChart("accuracy-chart", [{
    label: "accuracy", stroke: "#3c9a6b", width: 2, points: { show: true, size: 7 },
    value: (_chart, y) => percent(y),
  }], { y: { range: accuracyRange }, yValues: tickLabels((tick) => `${+tick.toFixed(2)}%`), xStep: WHOLE_EPOCHS });
}

// One series per weight matrix, named by its layer ("0.weight" is layer 0).
function createNormsChart(keys) {
  createChart("norms-chart", keys.map((key, i) => ({
    label: `layer ${key.replace(/\.weight$/, "")}`,
    stroke: NORM_COLOURS[i % NORM_COLOURS.length],
    width: 2,
    points: { show: true, size: 6 },
    value: (_chart, y) => (y == null ? "–" : y.toPrecision(3)),
  })), { y: { distr: 3 }, yValues: tickLabels((tick) => tick.toExponential(0)), xStep: WHOLE_EPOCHS });
}

function setChartData(containerId, data) {
  training.charts[containerId].setData(data);
  $(containerId).setAttribute("data-points", String(data[0].length));
}

function weightKeys(gradientNorms) {
  return Object.keys(gradientNorms ?? {}).filter((key) => key.endsWith(".weight"));
}

function resetCharts() {
  training.batches = [];
  training.epochs = [];
  createCostChart();
  createAccuracyChart();
  createNormsChart([]);
  for (const id of ["cost-chart", "accuracy-chart", "norms-chart"]) $(id).setAttribute("data-points", "0");
}

function drawCostChart() {
  setChartData("cost-chart", [
    training.batches.map((batch) => batch.epoch + batch.done / batch.total),
    training.batches.map((batch) => batch.cost),
  ]);
}

function drawEpochCharts() {
  const epochNumbers = training.epochs.map((epoch) => epoch.epoch + 1);
  setChartData("accuracy-chart", [epochNumbers, training.epochs.map((epoch) => epoch.accuracy * 100)]);

  const keys = weightKeys(training.epochs[0]?.gradient_norms);
  if (training.charts["norms-chart"].series.length !== keys.length + 1) createNormsChart(keys);
  // A log scale cannot show zero: such a point is left out.
  const norm = (epoch, key) => (epoch.gradient_norms?.[key] > 0 ? epoch.gradient_norms[key] : null);
  setChartData("norms-chart", [epochNumbers, ...keys.map((key) => training.epochs.map((epoch) => norm(epoch, key)))]);
}

// Charts follow their container's width (which is 0 while the Train tab is hidden).
function followContainerWidths() {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const width = Math.floor(entry.contentRect.width);
      if (width > 0) training.charts[entry.target.id]?.setSize({ width, height: CHART_HEIGHT });
    }
  });
  for (const id of ["cost-chart", "accuracy-chart", "norms-chart"]) observer.observe($(id));
}

// ---------------------------------------------------------------- Train: runs

const specSelect = $("spec-select");
const SETTING_INPUTS = { epochs: "train-epochs", rate: "train-rate", batch: "train-batch", train_size: "train-size" };

async function loadSpecs() {
  try {
    ({ specs: training.specs } = await api("/api/specs"));
  } catch (error) {
    showError("Could not list the model specs", error);
    return;
  }
  specSelect.replaceChildren(...training.specs.map((spec) =>
    element("option", { value: spec.name, text: `${spec.name} (${spec.kind})` })));
  prefillSettings();
}

// A first run on this page should be short: one epoch on at most 10,000 images.
function prefillSettings() {
  const spec = training.specs.find((candidate) => candidate.name === specSelect.value);
  if (!spec) return;
  const defaults = spec.defaults ?? {};
  $("spec-about").textContent = spec.about ?? "";
  $("train-epochs").value = 1;
  $("train-rate").value = defaults.rate ?? "";
  $("train-batch").value = defaults.batch ?? "";
  $("train-size").value = defaults.train_size ? Math.min(defaults.train_size, 10000) : "";
  updateButtons();
}

// Empty fields are left out, so the spec's own value is kept.
function readSettings() {
  const settings = { spec: specSelect.value };
  for (const [field, inputId] of Object.entries(SETTING_INPUTS)) {
    const text = $(inputId).value.trim();
    if (text !== "") settings[field] = Number(text);
  }
  return settings;
}

async function startRun() {
  $("train-start").disabled = true;
  try {
    const status = await api("/api/runs", { method: "POST", body: readSettings() });
    clearError("Could not start the training");
    attachRun(status);
    refreshRuns();
  } catch (error) {
    showError("Could not start the training", error);
    updateButtons();
  }
}

async function controlRun(action) {
  const context = `Could not ${action} the training`;
  try {
    applyStatus(await api(`/api/runs/${training.run.id}/${action}`, { method: "POST" }));
    clearError(context);
  } catch (error) {
    showError(context, error);
  }
}

function isLive(run) {
  return Boolean(run) && !FINAL_STATES.has(run.state);
}

async function refreshRuns() {
  try {
    const { runs } = await api("/api/runs");
    clearError("Could not list the runs");
    showRunList(runs);
    return runs;
  } catch (error) {
    showError("Could not list the runs", error);
    return [];
  }
}

// A run that is going (started here, elsewhere, or by `neurite train --log`) is shown live.
async function attachToLiveRun() {
  if (isLive(training.run)) return;
  const live = (await refreshRuns()).findLast(isLive);
  if (live && !isLive(training.run)) attachRun(live);
}

function attachRun(status) {
  training.stream?.close();
  training.run = { ...status };
  resetCharts();
  showProgress();
  // A stream opened without Last-Event-ID starts at event 0, so the charts get the whole history.
  const stream = new EventSource(`/api/runs/${status.id}/events`);
  stream.addEventListener("batch", (event) => onBatch(JSON.parse(event.data)));
  stream.addEventListener("epoch", (event) => onEpoch(JSON.parse(event.data)));
  stream.addEventListener("state", (event) => onState(JSON.parse(event.data)));
  stream.addEventListener("error", () => onStreamError(stream));
  training.stream = stream;
}

// EventSource reconnects by itself (sending Last-Event-ID); say so only while it is down.
function onStreamError(stream) {
  const lost = new Error(stream.readyState === EventSource.CLOSED
    ? "the connection is closed; reload the page to follow the training"
    : "the connection was lost, trying again");
  showError("Live training updates", lost);
}

function onBatch(batch) {
  clearError("Live training updates");
  const { epoch, done, total, progress, elapsed_seconds, eta_seconds } = batch;
  Object.assign(training.run, { epoch, done, total, progress, elapsed_seconds, eta_seconds });
  training.batches.push(batch);
  drawCostChart();
  showProgress();
}

function onEpoch(epoch) {
  clearError("Live training updates");
  training.epochs.push(epoch);
  drawEpochCharts();
  showProgress();
}

function onState({ state, error, model }) {
  clearError("Live training updates");
  const wasLive = isLive(training.run);
  Object.assign(training.run, { state, error, model });
  if (state === "finished") training.run.progress = 1;
  showProgress();
  refreshRuns();
  if (!FINAL_STATES.has(state)) return;
  training.stream.close();
  training.stream = null;
  if (wasLive) announceEnd(training.run);
}

function announceEnd(run) {
  refreshModels();
  if (run.state === "failed") showError("The training failed", new Error(run.error ?? "no reason given"));
  else if (run.model) showNote(`Training ${run.state}: the model ${run.model} is now in the model list.`);
  else showNote(`Training ${run.state}.`);
}

function applyStatus(status) {
  Object.assign(training.run, status);
  showProgress();
}

function showProgress() {
  const run = training.run;
  const box = $("train-progress");
  box.setAttribute("data-state", run.state);
  const percent = Math.round((run.progress ?? 0) * 100);
  $("progress-fill").style.width = `${percent}%`;
  box.querySelector('[role="progressbar"]').setAttribute("aria-valuenow", String(percent));
  const name = [`Run ${run.id}`, run.spec].filter(Boolean).join(": ");
  $("progress-label").textContent = run.source === "log" ? `${name}, trained by neurite train (following its log)` : name;
  $("progress-text").textContent = progressText(run, percent);
  $("progress-detail").textContent = progressDetail();
  updateButtons();
}

function progressText(run, percent) {
  const epochs = run.epochs ?? 1;
  const where = `epoch ${Math.min((run.epoch ?? 0) + 1, epochs)} of ${epochs}`;
  switch (run.state) {
    case "running": {
      const left = run.eta_seconds == null ? null : `${formatDuration(run.eta_seconds)} left`;
      return [where, `${percent}%`, left].filter(Boolean).join(" · ");
    }
    case "paused": return `paused · ${where} · ${percent}%`;
    case "finished": return `finished · ${epochs} ${epochs === 1 ? "epoch" : "epochs"} in ${formatDuration(run.elapsed_seconds ?? 0)}`;
    case "stopped": return `stopped · ${where} · ${percent}%`;
    case "failed": return `failed · ${run.error ?? "no reason given"}`;
    default: return run.state;
  }
}

function progressDetail() {
  const parts = [];
  const lastBatch = training.batches.at(-1);
  if (lastBatch) parts.push(`cost ${lastBatch.cost.toFixed(4)}`);
  const lastEpoch = training.epochs.at(-1);
  if (lastEpoch) parts.push(`test accuracy ${formatPercent(lastEpoch.accuracy, 2)} after epoch ${lastEpoch.epoch + 1}`);
  return parts.join(" · ");
}

// Log runs belong to another process: the page can only watch them.
function updateButtons() {
  const run = training.run;
  const controllable = isLive(run) && run.source !== "log";
  const start = $("train-start");
  start.disabled = isLive(run) || !specSelect.value;
  start.title = isLive(run) ? "One training at a time: this one can start when the current run ends." : "";
  $("train-pause").disabled = !(controllable && run.state === "running");
  $("train-resume").disabled = !(controllable && run.state === "paused");
  $("train-stop").disabled = !controllable;
}

function showRunList(runs) {
  const recent = runs.slice(-8).reverse();
  $("runs-list").replaceChildren(...(recent.length > 0 ? recent.map(runItem) : [element("li", { className: "hint", text: "No runs yet." })]));
}

function runItem(run) {
  const what = [`Run ${run.id}`, run.spec, run.source === "log" ? "command line" : null, run.model ? `→ ${run.model}` : null];
  return element("li", {}, [
    element("span", { className: "run-state", "data-state": run.state, text: run.state }),
    element("span", { text: what.filter(Boolean).join(" · ") }),
  ]);
}

// ---------------------------------------------------------------- Inside

const inside = { model: null, featureModel: null, featureImage: null };

function refreshInside() {
  const model = selectedModel();
  if (!model) return;
  if (inside.model !== model.name) {
    inside.model = model.name;
    showFilters(model);
    showBackquery(model);
    showConfusion(model);
    resetGallery();
  }
  showFeatureMaps();
}

// Answers that come back after the model was changed are dropped.
const isShown = (model) => inside.model === model.name;

// The model list says which pictures a model has, so the page asks only for those: no request
// is refused (which the browser would log as an error), and none is made twice.
function showFilters(model) {
  const image = $("filters-img");
  const note = $("filters-message");
  image.hidden = true;
  note.hidden = true;
  if (!model.filters) {
    note.textContent = `${model.name} has no dense or conv first layer whose weights can be drawn.`;
    note.hidden = false;
    return;
  }
  image.onerror = async () => {
    if (!isShown(model)) return;
    image.hidden = true;
    note.textContent = (await imageProblem(image.src)) ?? "the filters could not be drawn";
    note.hidden = false;
  };
  enlargeWhenLoaded(image, 360);
  image.src = modelPath(model.name, "filters.png");
  image.hidden = false;
}

// Small pictures (5×5 filters, 14×14 maps) are scaled by a whole factor so each pixel stays sharp.
function enlargeWhenLoaded(image, targetWidth) {
  image.style.width = "";
  image.onload = () => {
    const factor = Math.max(1, Math.floor(targetWidth / image.naturalWidth));
    image.style.width = `${image.naturalWidth * factor}px`;
  };
}

// Backquery undoes dense and sigmoid layers only (seed 003), so other models get one message
// instead of ten refused images.
function showBackquery(model) {
  const area = $("backquery");
  if (!model.backquery) {
    area.replaceChildren(element("p", {
      className: "message",
      "data-testid": "backquery-message",
      text: `${model.name} is not a network of dense and sigmoid layers only; backquery (seed 003) runs ` +
        "backwards through exactly those.",
    }));
    return;
  }
  area.replaceChildren(...DIGITS.map((digit) => element("figure", {}, [
    element("img", {
      src: modelPath(model.name, `backquery/${digit}.png`),
      alt: `The picture the network finds most like a ${digit}`,
      "data-testid": `backquery-${digit}`,
    }),
    element("figcaption", { text: String(digit) }),
  ])));
}

async function showFeatureMaps() {
  const model = selectedModel();
  const image = prediction.image;
  if (!model || (inside.featureModel === model.name && inside.featureImage === image)) return;
  inside.featureModel = model.name;
  inside.featureImage = image;
  const area = $("feature-maps");
  if (!model.feature_maps) {
    area.replaceChildren(hint("This model has no convolutional layers, so it makes no feature maps. Pick a CNN to see them."));
    return;
  }
  if (!image) {
    area.replaceChildren(hint("Draw a digit on the Draw tab to see what the convolutional layers make of it."));
    return;
  }
  const stillWanted = () => inside.featureModel === model.name && inside.featureImage === image;
  try {
    const { layers } = await api(modelPath(model.name, "feature-maps"), { method: "POST", body: { image } });
    if (stillWanted()) area.replaceChildren(...layers.map(featureMapFigure));
  } catch (error) {
    if (stillWanted()) area.replaceChildren(message(error.message));
  }
}

function featureMapFigure(layer) {
  const image = element("img", { alt: `Feature maps of layer ${layer.index}` });
  enlargeWhenLoaded(image, 540);
  // Only a PNG data URL is accepted as the picture's source.
  if (String(layer.png).startsWith("data:image/png;base64,")) image.src = layer.png;
  return element("figure", { className: "feature-layer" }, [
    element("figcaption", { text: `Layer ${layer.index}: ${layer.summary} · ${layer.channels} channels` }),
    image,
  ]);
}

async function showConfusion(model) {
  const area = $("confusion-area");
  const summary = $("confusion-summary");
  summary.textContent = "";
  area.replaceChildren(hint("Running the network on the 10,000 test images…"));
  try {
    const confusion = await api(modelPath(model.name, "confusion"));
    if (!isShown(model)) return;
    summary.textContent = `${confusion.correct.toLocaleString("en")} of ${confusion.total.toLocaleString("en")} right (${formatPercent(confusion.correct / confusion.total, 2)}).`;
    area.replaceChildren(confusionTable(model, confusion.matrix));
  } catch (error) {
    if (isShown(model)) area.replaceChildren(message(error.message));
  }
}

function confusionTable(model, matrix) {
  // Mistakes are shaded against the largest mistake, so the rare ones still show.
  const largestMistake = Math.max(1, ...matrix.flatMap((row, actual) => row.filter((_, predicted) => predicted !== actual)));
  const head = element("tr", {}, [
    element("th", { className: "corner", text: "true ↓ answer →" }),
    ...DIGITS.map((digit) => element("th", { scope: "col", text: String(digit) })),
  ]);
  const rows = matrix.map((row, actual) => element("tr", {}, [
    element("th", { scope: "row", text: String(actual) }),
    ...row.map((count, predicted) => confusionCell(actual, predicted, count, largestMistake)),
  ]));
  const table = element("table", { className: "confusion", "data-testid": "confusion-table" }, [
    element("thead", {}, [head]),
    element("tbody", {}, rows),
  ]);
  const openCell = (event) => {
    const cell = event.target.closest("td");
    if (cell) showGallery(model, cell);
  };
  table.addEventListener("click", openCell);
  table.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    openCell(event);
  });
  return table;
}

function confusionCell(actual, predicted, count, largestMistake) {
  const cell = element("td", {
    "data-testid": `confusion-cell-${actual}-${predicted}`,
    "data-actual": actual,
    "data-predicted": predicted,
    tabindex: 0,
    title: `${count} test images of a ${actual} answered ${predicted}`,
    text: String(count),
  });
  if (actual === predicted) cell.classList.add("diagonal");
  else if (count > 0) cell.style.setProperty("--shade", Math.sqrt(count / largestMistake).toFixed(3));
  else cell.classList.add("zero");
  return cell;
}

function resetGallery() {
  $("gallery-title").textContent = "Test images";
  $("gallery").replaceChildren(hint("Click a cell of the confusion matrix."));
}

async function showGallery(model, cell) {
  const { actual, predicted } = cell.dataset;
  for (const chosen of cell.closest("table").querySelectorAll("td.chosen")) chosen.classList.remove("chosen");
  cell.classList.add("chosen");
  const title = $("gallery-title");
  const gallery = $("gallery");
  title.textContent = `True ${actual}, answered ${predicted}`;
  gallery.replaceChildren(hint("Loading…"));
  try {
    const found = await api(modelPath(model.name, `gallery?actual=${actual}&predicted=${predicted}&limit=100`));
    if (!isShown(model) || !cell.classList.contains("chosen")) return;
    const shown = found.images.length < found.count ? `, the first ${found.images.length} shown` : "";
    title.textContent = `True ${actual}, answered ${predicted}: ${found.count} ${found.count === 1 ? "image" : "images"}${shown}`;
    gallery.replaceChildren(...(found.images.length > 0
      ? found.images.map(({ index }) => galleryFigure(Number(index)))
      : [hint("No test image falls in this cell.")]));
  } catch (error) {
    if (isShown(model)) gallery.replaceChildren(message(error.message));
  }
}

function galleryFigure(index) {
  return element("figure", {}, [
    element("img", { src: `/api/mnist/test/${index}.png`, alt: `Test image ${index}`, width: 56, height: 56 }),
    element("figcaption", { text: String(index) }),
  ]);
}

// ---------------------------------------------------------------- start

function wireEvents() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
    tab.addEventListener("keydown", onTabKey);
  }
  modelSelect.addEventListener("change", onModelChanged);
  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerEnd);
  canvas.addEventListener("pointercancel", onPointerEnd);
  canvas.addEventListener("lostpointercapture", onPointerEnd);
  $("clear-button").addEventListener("click", clearDrawing);
  specSelect.addEventListener("change", prefillSettings);
  $("train-start").addEventListener("click", startRun);
  $("train-pause").addEventListener("click", () => controlRun("pause"));
  $("train-resume").addEventListener("click", () => controlRun("resume"));
  $("train-stop").addEventListener("click", () => controlRun("stop"));
}

function start() {
  wireEvents();
  clearCanvas();
  clearOutputs();
  resetCharts();
  followContainerWidths();
  showTab("draw");
  refreshModels();
  loadSpecs();
  attachToLiveRun();
}

start();
