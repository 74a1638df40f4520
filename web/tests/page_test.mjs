// Browser test of the neurite page against a running `neurite serve`.
//
//   NEURITE_URL=http://127.0.0.1:8123 NEURITE_MODEL=seed003 SCREENSHOT_DIR=out/page \
//     node web/tests/page_test.mjs
//
// NEURITE_MODEL must be a trained sigmoid MLP (backquery needs one); NEURITE_SPEC (default
// nielsen-ch3) is trained for one epoch on 2,000 images; NEURITE_CNN_MODEL (optional) is a CNN
// whose feature maps are checked; NEURITE_TABLE_MODEL (optional) a classifier of seattle-weather's
// table (no Draw tab, a 5x5 confusion matrix with the class names); CHROMIUM is the browser to drive
// (default /usr/bin/chromium). Prints one line per step; exits 1 on the first failure.

import assert from "node:assert/strict";
import fs from "node:fs";
import { chromium } from "playwright-core";
import { byTestId, pageFailures, runMain, runStepsAndExit, screenshot, SCREENSHOT_DIR, waitFor } from "./browser.mjs";

const BASE_URL = process.env.NEURITE_URL;
const MODEL = process.env.NEURITE_MODEL;
const CNN_MODEL = process.env.NEURITE_CNN_MODEL; // optional: a CNN for the feature-map step
const TABLE_MODEL = process.env.NEURITE_TABLE_MODEL; // optional: a model of a table
const SPEC = process.env.NEURITE_SPEC || "nielsen-ch3";
const TRAIN_TIMEOUT_MS = 120_000;

// The status line turns red with the API's error; a test that passes must not see one.
async function assertNoStatusError(page) {
  const line = page.locator(byTestId("status-line"));
  if (await line.evaluate((node) => node.classList.contains("error"))) {
    assert.fail(`the page reports an error: ${await line.textContent()}`);
  }
}

// A 7 in one stroke: the top bar left to right, then the diagonal down to the lower left.
async function drawSeven(page) {
  const box = await page.locator(byTestId("draw-canvas")).boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(0.2, 0.18));
  await page.mouse.down();
  await page.mouse.move(...at(0.8, 0.18), { steps: 15 });
  await page.mouse.move(...at(0.4, 0.88), { steps: 20 });
  await page.mouse.up();
}

async function testDraw(page) {
  await waitFor(page, `model ${MODEL} in the model list`,
    (name) => [...document.querySelectorAll('[data-testid="model-select"] option')].some((o) => o.value === name), MODEL);
  await page.selectOption(byTestId("model-select"), MODEL);
  await drawSeven(page);
  await waitFor(page, "the predicted digit 7",
    () => document.querySelector('[data-testid="predicted-digit"]').textContent.trim() === "7");
  const probabilities = await page.$$eval('[data-testid^="prob-bar-"]',
    (bars) => bars.map((bar) => [bar.dataset.testid, Number(bar.dataset.probability)]));
  const [top] = probabilities.reduce((best, bar) => (bar[1] > best[1] ? bar : best));
  assert.equal(top, "prob-bar-7", `the highest bar is ${top}, not prob-bar-7 (${JSON.stringify(probabilities)})`);
  await assertNoStatusError(page);
  await screenshot(page, "draw.png");
}

async function testTrain(page) {
  await page.click(byTestId("tab-train"));
  await waitFor(page, `spec ${SPEC} in the spec list`,
    (name) => [...document.querySelectorAll('[data-testid="spec-select"] option')].some((o) => o.value === name), SPEC);
  await page.selectOption(byTestId("spec-select"), SPEC);
  await page.fill(byTestId("train-epochs"), "1");
  await page.fill(byTestId("train-size"), "2000");
  const batch = await page.inputValue(byTestId("train-batch"));
  assert.ok(Number(batch) >= 1, `the batch size is not filled in from the spec (it reads "${batch}")`);
  assert.ok(await page.isEnabled(byTestId("train-start")), "Start is disabled: is another training running on the server?");
  await page.click(byTestId("train-start"));

  const ended = await waitFor(page, "the training to end", () => {
    const state = document.querySelector('[data-testid="train-progress"]').dataset.state;
    return ["finished", "stopped", "failed"].includes(state) && state;
  }, undefined, TRAIN_TIMEOUT_MS);
  const state = await ended.jsonValue();
  const progress = await page.textContent(byTestId("train-progress"));
  assert.equal(state, "finished", `the training ended as ${state}: ${progress.trim()}`);

  const points = (id) => page.$eval(byTestId(id), (node) => Number(node.dataset.points));
  assert.ok(await points("cost-chart") > 0, "the cost chart has no points");
  assert.ok(await points("accuracy-chart") >= 1, "the accuracy chart has no point");
  await assertNoStatusError(page);
  await screenshot(page, "train.png");
}

async function testInside(page) {
  await page.click(byTestId("tab-inside"));
  await waitFor(page, "the ten backquery images (or a message)", () => {
    if (document.querySelector('[data-testid="backquery-message"]')) return true;
    const images = [...Array(10).keys()].map((d) => document.querySelector(`[data-testid="backquery-${d}"]`));
    return images.every((image) => image && image.complete && image.naturalWidth > 0);
  });
  const refusal = await page.$(byTestId("backquery-message"));
  if (refusal) assert.fail(`backquery refused for ${MODEL}: ${await refusal.textContent()}`);

  await waitFor(page, "the first-layer filters image", () => {
    const image = document.querySelector('[data-testid="filters-img"]');
    return !image.hidden && image.complete && image.naturalWidth > 0;
  });

  await waitFor(page, "the confusion matrix", () => document.querySelector('[data-testid="confusion-table"]'),
    undefined, TRAIN_TIMEOUT_MS);
  const cell = await mostCommonMistake(page);
  await page.click(byTestId(cell));
  await waitFor(page, `the gallery of ${cell}`, () => {
    const images = [...document.querySelectorAll('[data-testid="gallery"] img')];
    return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
  });
  await assertNoStatusError(page);
  await screenshot(page, "inside.png");
}

// A CNN on the 7 drawn in the first step: a feature-map sheet per conv layer, and a message
// instead of backquery pictures (which only dense-and-sigmoid networks have).
async function testCnnInside(page) {
  await page.click(byTestId("tab-draw"));
  await page.selectOption(byTestId("model-select"), CNN_MODEL);
  await waitFor(page, `${CNN_MODEL}'s answer`,
    () => /^[0-9]$/.test(document.querySelector('[data-testid="predicted-digit"]').textContent.trim()));
  await page.click(byTestId("tab-inside"));
  await waitFor(page, "feature maps of two conv layers", () => {
    const images = [...document.querySelectorAll('[data-testid="feature-maps"] img')];
    return images.length === 2 && images.every((image) => image.complete && image.naturalWidth > 0);
  });
  await waitFor(page, "the backquery message", () => document.querySelector('[data-testid="backquery-message"]'));
  await assertNoStatusError(page);
  await screenshot(page, "inside-cnn.png");
}

// A model of a table: Draw is not offered, Inside shows its confusion matrix with the class names,
// and every model listed (the one trained on the page included) downloads as a model file.
async function testTableModel(page) {
  await page.selectOption(byTestId("model-select"), TABLE_MODEL);
  await waitFor(page, "the Draw tab disabled and Inside shown", () =>
    document.querySelector('[data-testid="tab-draw"]').disabled && document.body.dataset.tab === "inside");
  await waitFor(page, "the 5x5 confusion matrix", () =>
    document.querySelectorAll('[data-testid="confusion-table"] td').length === 25, undefined, TRAIN_TIMEOUT_MS);
  const headers = await page.$$eval('[data-testid="confusion-table"] thead th[scope="col"]', (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(headers, ["drizzle", "fog", "rain", "snow", "sun"]);
  const downloads = await page.evaluate(async () => {
    const { models } = await (await fetch("/api/models")).json();
    return Promise.all(models.map(async ({ name, source }) => {
      const response = await fetch(`/api/models/${encodeURIComponent(name)}/model.safetensors`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const headerLength = bytes.length >= 8 ? Number(new DataView(bytes.buffer).getBigUint64(0, true)) : -1;
      // The ONNX export: field 1 (ir_version) = 8 first; or 422 for a model that cannot be exported.
      const onnx = await fetch(`/api/models/${encodeURIComponent(name)}/model.onnx`);
      const onnxBytes = new Uint8Array(await onnx.arrayBuffer());
      const onnxOk = onnx.status === 200 ? onnxBytes[0] === 0x08 && onnxBytes[1] === 8 : onnx.status === 422;
      return { name, source, status: response.status, fits: headerLength > 0 && headerLength + 8 <= bytes.length,
               onnx: onnx.status, onnxOk };
    }));
  });
  for (const d of downloads) assert.ok(d.status === 200 && d.fits, `${d.name} did not download as a model file: ${JSON.stringify(d)}`);
  for (const d of downloads) assert.ok(d.onnxOk, `${d.name}'s ONNX download is wrong: ${JSON.stringify(d)}`);
  assert.ok(downloads.some((d) => d.onnx === 200), `no model downloaded as ONNX: ${JSON.stringify(downloads)}`);
  assert.equal(await page.$$eval(byTestId("download-onnx"), (links) => links.length), 1);
  assert.ok(downloads.some((d) => d.source === "run"), `no model trained on the page was listed: ${JSON.stringify(downloads)}`);
  await assertNoStatusError(page);
  await screenshot(page, "inside-table.png");
}

// The off-diagonal cell with the most images (a perfect model leaves only the diagonal).
async function mostCommonMistake(page) {
  return page.$$eval('[data-testid^="confusion-cell-"]', (cells) => {
    const counted = cells.map((cell) => ({ id: cell.dataset.testid, count: Number(cell.textContent), mistake: cell.dataset.actual !== cell.dataset.predicted }));
    const mistakes = counted.filter((cell) => cell.mistake && cell.count > 0);
    const pool = mistakes.length > 0 ? mistakes : counted;
    return pool.reduce((best, cell) => (cell.count > best.count ? cell : best)).id;
  });
}

async function main() {
  if (!BASE_URL || !MODEL) {
    console.error("Set NEURITE_URL (a running neurite serve) and NEURITE_MODEL (a trained MLP it has loaded).");
    process.exit(1);
  }
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const failed = pageFailures(page);

  const steps = [
    ["open the page", () => page.goto(BASE_URL)],
    [`draw a 7 and ${MODEL} answers 7`, () => testDraw(page)],
    [`train ${SPEC} for one epoch on 2,000 images`, () => testTrain(page)],
    ["inside: backquery, filters, confusion matrix and gallery", () => testInside(page)],
  ];
  if (CNN_MODEL) steps.push([`inside ${CNN_MODEL}: feature maps of the drawing`, () => testCnnInside(page)]);
  if (TABLE_MODEL) steps.push([`${TABLE_MODEL}: no drawing, named 5x5 confusion, every model downloads`, () => testTableModel(page)]);
  await runStepsAndExit(browser, page, steps, failed);
}

runMain(main);
