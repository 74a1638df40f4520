// The page of `neurite serve`: draw a digit, train a network, look inside it.
// It uses only the JSON API described in docs/web-api.md. Each tab is a module under js/;
// this one switches tabs and connects the parts that follow one another.

import { $, currentTab } from "./js/common.js";
import { clearCanvas, clearOutputs, requestPrediction, showClassesOf, whenPredictionShown, wireDraw } from "./js/draw.js";
import { refreshInside, showFeatureMaps } from "./js/inside.js";
import { modelSelect, onModelChanged, refreshModels, selectedModel, whenModelChanges } from "./js/models.js";
import { showPlayground, wirePlayground } from "./js/playground.js";
import { showStepper, wireStepper } from "./js/stepper.js";
import { attachToLiveRun, followContainerWidths, loadSpecs, resetCharts, wireTrain } from "./js/train.js";

// ---------------------------------------------------------------- tabs

const tabs = [...document.querySelectorAll('[role="tab"]')];

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
  if (name === "playground") showPlayground();
  if (name === "backprop") showStepper();
}

// Draw is offered only for a model that takes single-channel pictures (digits, a gray image folder).
function offerDrawFor(model) {
  const draw = tabs.find((tab) => tab.dataset.tab === "draw");
  draw.disabled = Boolean(model) && !model.draw;
  draw.title = draw.disabled ? `${model.name} takes ${model.mnist ? "digits" : "a table or colour pictures"}, not drawings` : "";
  if (draw.disabled && currentTab() === "draw") showTab("inside");
  showClassesOf(model);
}

// Arrow keys move between tabs, as in any tab list (a disabled tab is passed over).
function onTabKey(event) {
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  const open = tabs.filter((tab) => !tab.disabled);
  const index = open.findIndex((tab) => tab.dataset.tab === currentTab());
  const next = open[(index + step + open.length) % open.length];
  next.focus();
  showTab(next.dataset.tab);
}

// ---------------------------------------------------------------- start

function wireEvents() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
    tab.addEventListener("keydown", onTabKey);
  }
  modelSelect.addEventListener("change", onModelChanged);
  whenModelChanges(() => {
    offerDrawFor(selectedModel());
    requestPrediction();
    if (currentTab() === "inside") refreshInside();
  });
  whenPredictionShown(() => {
    if (currentTab() === "inside") showFeatureMaps();
  });
  wireDraw();
  wireTrain();
  wirePlayground();
  wireStepper();
}

function start() {
  wireEvents();
  clearCanvas();
  clearOutputs();
  resetCharts();
  followContainerWidths();
  // A Playground link (its state in the URL's hash) opens the Playground; #backprop the stepper.
  showTab(location.hash.startsWith("#playground") ? "playground" : location.hash === "#backprop" ? "backprop" : "draw");
  refreshModels();
  loadSpecs();
  attachToLiveRun();
}

start();
