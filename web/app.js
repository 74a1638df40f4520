// The page of `neurite serve`: draw a digit, train a network, look inside it.
// It uses only the JSON API described in docs/web-api.md. Each tab is a module under js/;
// this one switches tabs and connects the parts that follow one another.

import { $, currentTab } from "./js/common.js";
import { clearCanvas, clearOutputs, requestPrediction, whenPredictionShown, wireDraw } from "./js/draw.js";
import { refreshInside, showFeatureMaps } from "./js/inside.js";
import { modelSelect, onModelChanged, refreshModels, whenModelChanges } from "./js/models.js";
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

// ---------------------------------------------------------------- start

function wireEvents() {
  for (const tab of tabs) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
    tab.addEventListener("keydown", onTabKey);
  }
  modelSelect.addEventListener("change", onModelChanged);
  whenModelChanges(() => {
    requestPrediction();
    if (currentTab() === "inside") refreshInside();
  });
  whenPredictionShown(() => {
    if (currentTab() === "inside") showFeatureMaps();
  });
  wireDraw();
  wireTrain();
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
