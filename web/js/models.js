// The model picker in the header: the server's model list and the one chosen from it.

import { $, api, clearError, element, modelPath, showError } from "./common.js";

export const modelSelect = $("model-select");
let models = [];

// Draw and Inside follow the chosen model; app.js connects them, so this module imports neither.
let afterModelChange = () => {};

export function whenModelChanges(listener) {
  afterModelChange = listener;
}

export function selectedModel() {
  return models.find((model) => model.name === modelSelect.value) ?? null;
}

export async function refreshModels() {
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

// The summary, and links that download the model file and its ONNX export (a model trained here
// included).
function describeModel() {
  const model = selectedModel();
  const summary = $("model-summary");
  if (!model) {
    summary.textContent = "No model is loaded yet: train one on the Train tab, or start neurite serve with --model FILE.";
    return;
  }
  const task = model.task && model.task !== "classification" ? ` · ${model.task}` : "";
  summary.replaceChildren(
    `${model.summary} · ${model.parameters.toLocaleString("en")} parameters${task} · `,
    element("a", { href: modelPath(model.name, "model.safetensors"), download: `${model.name}.safetensors`,
                   "data-testid": "download-model", text: "download the model file" }),
    " · ",
    element("a", { href: modelPath(model.name, "model.onnx"), download: `${model.name}.onnx`,
                   "data-testid": "download-onnx", text: "as ONNX" }));
}

export function onModelChanged() {
  describeModel();
  afterModelChange();
}
