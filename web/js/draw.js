// The Draw tab: a canvas to draw a digit on, and the chosen model's answer as it is drawn.

import { $, DIGITS, api, clearError, element, formatPercent, showError } from "./common.js";
import { modelSelect, selectedModel } from "./models.js";

const STROKE_WIDTH = 24; // about an eighth of a digit drawn full size: MNIST's pen, relative to the digit
const SENT_SIZE = 140; // the drawing travels as 140×140: enough detail, a small request

const canvas = $("draw-canvas");
const pen = canvas.getContext("2d");
const sampler = element("canvas", { width: SENT_SIZE, height: SENT_SIZE });
const samplerContext = sampler.getContext("2d", { willReadFrequently: true });
const preview = $("mnist-preview").getContext("2d");

const sketch = { hasInk: false, version: 0, pointerId: null, last: null };
const prediction = { inFlight: false, sentVersion: -1, sentModel: null, image: null };
// One bar per class of the chosen model (the digits until a model says otherwise).
let classes = DIGITS.map(String);
let bars = classes.map(createProbabilityBar);

// A model with other classes than the ten digits gets a bar for each of its own.
export function showClassesOf(model) {
  const wanted = model?.classes?.length ? model.classes : DIGITS.map(String);
  if (wanted.join("\n") === classes.join("\n")) return;
  classes = wanted;
  $("prob-bars").replaceChildren();
  bars = classes.map(createProbabilityBar);
  clearOutputs();
}

// Inside's feature maps follow each answer; app.js connects them, so Draw does not import Inside.
let afterPrediction = () => {};

export function whenPredictionShown(listener) {
  afterPrediction = listener;
}

// The 28×28 image the server made of the drawing on show, or null.
export const drawnImage = () => prediction.image;

function createProbabilityBar(name, index) {
  const fill = element("div", { className: "bar-fill" });
  const value = element("span", { className: "bar-value" });
  const row = element("div", { className: "bar", "data-testid": `prob-bar-${index}`, "data-probability": 0 }, [
    element("span", { className: "bar-label", text: name }),
    element("div", { className: "bar-track" }, [fill]),
    value,
  ]);
  $("prob-bars").append(row);
  return { row, fill, value };
}

export function clearCanvas() {
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
export function requestPrediction() {
  const model = modelSelect.value;
  if (!sketch.hasInk || !model || selectedModel()?.draw === false) {  // a model of tables takes no drawing
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
  $("predicted-digit").textContent = classes[answer.digit] ?? String(answer.digit);
  showProbabilities(answer.probabilities, answer.digit);
  $("forward-ms").textContent = `Forward pass: ${answer.milliseconds.toFixed(2)} ms`;
  prediction.image = answer.image;
  afterPrediction();
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

export function clearOutputs() {
  preview.fillStyle = "#000";
  preview.fillRect(0, 0, 28, 28);
  $("predicted-digit").textContent = "";
  showProbabilities(null, null);
  $("forward-ms").textContent = "";
  prediction.image = null;
}

export function wireDraw() {
  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerEnd);
  canvas.addEventListener("pointercancel", onPointerEnd);
  canvas.addEventListener("lostpointercapture", onPointerEnd);
  $("clear-button").addEventListener("click", clearDrawing);
}
