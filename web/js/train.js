// The Train tab: start a run of a model spec, control it, and follow any run live in charts.

import { $, api, clearError, element, formatDuration, formatPercent, showError, showNote } from "./common.js";
import { refreshModels } from "./models.js";

const uPlot = window.uPlot; // a classic script before the page's modules
const FINAL_STATES = new Set(["finished", "stopped", "failed"]);

// ---------------------------------------------------------------- charts

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

export function resetCharts() {
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
export function followContainerWidths() {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const width = Math.floor(entry.contentRect.width);
      if (width > 0) training.charts[entry.target.id]?.setSize({ width, height: CHART_HEIGHT });
    }
  });
  for (const id of ["cost-chart", "accuracy-chart", "norms-chart"]) observer.observe($(id));
}

// ---------------------------------------------------------------- runs

const specSelect = $("spec-select");
const SETTING_INPUTS = { epochs: "train-epochs", rate: "train-rate", batch: "train-batch", train_size: "train-size" };

export async function loadSpecs() {
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
export async function attachToLiveRun() {
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

export function wireTrain() {
  specSelect.addEventListener("change", prefillSettings);
  $("train-start").addEventListener("click", startRun);
  $("train-pause").addEventListener("click", () => controlRun("pause"));
  $("train-resume").addEventListener("click", () => controlRun("resume"));
  $("train-stop").addEventListener("click", () => controlRun("stop"));
}
