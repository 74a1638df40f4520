// Browser test of the Playground and Backprop tabs against a running `neurite serve` (no model
// or data needed):
//
//   NEURITE_URL=http://127.0.0.1:8123 SCREENSHOT_DIR=out/playground node web/tests/playground_test.mjs
//
// The spiral learned to 95% test accuracy by 2 hidden layers of 8 tanh neurons with the sine
// features; a copied link rebuilding the same network and the same first step; a weight edited
// by hand; XOR learned by 2-8-8-1 on 500 points, then played on at 30 redraws a second or more
// and under 5 ms of server time a step; the model downloaded; the stepper's numbers against
// Mazur's and Rashid's. Prints one line per
// step; exits 1 on the first failure.

import assert from "node:assert/strict";
import fs from "node:fs";
import { chromium } from "playwright-core";
import { byTestId, pageFailures, runMain, runStepsAndExit, screenshot, SCREENSHOT_DIR, waitFor } from "./browser.mjs";

const BASE_URL = process.env.NEURITE_URL;
const LEARN_TIMEOUT_MS = 90_000;
const MIN_REDRAWS_PER_SECOND = 30;
const MAX_SERVER_MS = 5;
const MEASURE_SECONDS = 4;

const valueOf = (page, id) => page.$eval(byTestId(id), (node) => Number(node.dataset.value));

// Waits until the Playground shows a fresh session at epoch 0 whose link holds `expected`.
async function settled(page, expected) {
  await waitFor(page, `a new network with ${expected.join(", ")}`, (parts) => {
    const link = document.querySelector('[data-testid="playground-link"]').value;
    const epoch = document.querySelector('[data-testid="playground-epoch"]').textContent;
    return epoch === "0" && parts.every((part) => link.includes(part));
  }, expected);
}

const epochOf = async (page) => Number(await page.textContent(byTestId("playground-epoch")));

// Pauses, and waits for the last step on its way to be drawn.
async function pause(page) {
  await page.click(byTestId("playground-play"));
  for (let epoch = await epochOf(page); ; ) {
    await page.waitForTimeout(300);
    const now = await epochOf(page);
    if (now === epoch) return;
    epoch = now;
  }
}

// Plays until the test accuracy, read while paused, reaches `floor` (it wavers from epoch to
// epoch). Returns the accuracy and the epoch.
async function playUntil(page, floor) {
  const started = Date.now();
  let accuracy = 0;
  while (accuracy < floor && Date.now() - started < LEARN_TIMEOUT_MS) {
    await page.click(byTestId("playground-play"));
    await waitFor(page, `test accuracy ${floor}`, (least) =>
      Number(document.querySelector('[data-testid="playground-test-accuracy"]').dataset.value) >= least,
    floor, LEARN_TIMEOUT_MS);
    await pause(page);
    accuracy = await valueOf(page, "playground-test-accuracy");
  }
  return { accuracy, epoch: await epochOf(page) };
}

// Plays for MEASURE_SECONDS, reading the page's redraw rate (frames drawn in the last second)
// and the server's time for the last step twice a second.
async function measureSpeed(page) {
  const samples = { redraws: [], serverMs: [] };
  await page.click(byTestId("playground-play"));
  await page.waitForTimeout(1000); // a whole second of frames behind the first reading
  for (let i = 0; i < MEASURE_SECONDS * 2; i++) {
    await page.waitForTimeout(500);
    samples.redraws.push(await valueOf(page, "playground-fps"));
    samples.serverMs.push(await valueOf(page, "playground-server-ms"));
  }
  await pause(page);
  return samples;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function testSpiral(page) {
  await page.click(byTestId("tab-playground"));
  await waitFor(page, "the first network", () => document.querySelector('[data-testid="playground-test-loss"]').dataset.value);
  await page.click(byTestId("playground-set-spiral"));
  await page.click(byTestId("playground-feature-sinx1"));
  await page.click(byTestId("playground-feature-sinx2"));
  for (let i = 0; i < 4; i++) await page.click(byTestId("playground-add-neuron-0"));
  for (let i = 0; i < 6; i++) await page.click(byTestId("playground-add-neuron-1"));
  await page.selectOption(byTestId("playground-optimizer"), "adam");
  await page.selectOption(byTestId("playground-rate"), "0.03");
  await settled(page, ["data=spiral", "features=x1%2Cx2%2Csinx1%2Csinx2", "hidden=8%2C8", "activation=tanh", "optimizer=adam"]);
  assert.equal(await page.locator('[data-testid^="playground-neuron-1-"]').count(), 8, "the second hidden layer does not have 8 neurons");
  const run = await playUntil(page, 0.95);
  console.log(`  spiral: ${(run.accuracy * 100).toFixed(1)}% test accuracy at epoch ${run.epoch}`);
  assert.ok(run.accuracy >= 0.95, `the spiral reached only ${run.accuracy} test accuracy`);
  // One more epoch by Step, alone on the page: the server's time shown is a lone step's.
  await page.click(byTestId("playground-step"));
  await waitFor(page, `epoch ${run.epoch + 1}`, (epoch) =>
    document.querySelector('[data-testid="playground-epoch"]').textContent === String(epoch), run.epoch + 1);
  await screenshot(page, "playground-spiral.png");
}

// Reset gives the same initial weights; a new page opened from the link gives the same network
// and, after one step, the same numbers.
async function testLink(context, page) {
  const firstWeight = () => valueOf(page, "playground-link-0-0-0");
  await page.click(byTestId("playground-reset"));
  await waitFor(page, "the reset network at epoch 0", () => document.querySelector('[data-testid="playground-epoch"]').textContent === "0");
  const initial = await firstWeight();
  await page.click(byTestId("playground-step"));
  await waitFor(page, "epoch 1", () => document.querySelector('[data-testid="playground-epoch"]').textContent === "1");
  const stepped = { loss: await valueOf(page, "playground-test-loss"), weight: await firstWeight() };
  await page.click(byTestId("playground-reset"));
  await waitFor(page, "the reset network at epoch 0", () => document.querySelector('[data-testid="playground-epoch"]').textContent === "0");
  assert.equal(await firstWeight(), initial, "Reset did not give the same initial weights");

  const link = await page.inputValue(byTestId("playground-link"));
  assert.match(link, /#playground\?.*data=spiral/);
  const other = await context.newPage();
  const failed = pageFailures(other);
  await Promise.race([(async () => {
    await other.goto(link);
    await waitFor(other, "the Playground from the link", () => document.querySelector('[data-testid="playground-test-loss"]').dataset.value);
    assert.equal(await valueOf(other, "playground-link-0-0-0"), initial, "the link did not rebuild the same initial weights");
    await other.click(byTestId("playground-step"));
    await waitFor(other, "epoch 1", () => document.querySelector('[data-testid="playground-epoch"]').textContent === "1");
    assert.equal(await valueOf(other, "playground-test-loss"), stepped.loss, "the first step's test loss differs");
    assert.equal(await valueOf(other, "playground-link-0-0-0"), stepped.weight, "the first step's weight differs");
  })(), failed]);
  await other.close();
}

// A point a third of the way along a link: apart from its neighbours, short of where it crosses others.
async function pointOn(page, testId) {
  return page.$eval(byTestId(testId), (path) => {
    const p = path.getPointAtLength(path.getTotalLength() * 0.35);
    const m = path.getScreenCTM();
    return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
  });
}

async function testWeightEdit(page) {
  const { x, y } = await pointOn(page, "playground-link-1-1-0");
  await page.mouse.move(x, y);
  assert.match(await page.textContent(byTestId("playground-link-value")), /^Weight from neuron 1 of layer 1 to neuron 2 of layer 2: /);
  await page.mouse.click(x, y);
  await page.fill(byTestId("playground-weight-editor"), "2.5");
  await page.press(byTestId("playground-weight-editor"), "Enter");
  await waitFor(page, "the edited weight", () => document.querySelector('[data-testid="playground-link-1-1-0"]').dataset.value === "2.5");
  await screenshot(page, "playground-edited.png");
}

async function testXor(page) {
  await page.click(byTestId("playground-feature-sinx1"));
  await page.click(byTestId("playground-feature-sinx2"));
  await page.click(byTestId("playground-set-xor"));
  await settled(page, ["data=xor", "features=x1%2Cx2&"]);
  const run = await playUntil(page, 0.95);
  console.log(`  xor: ${(run.accuracy * 100).toFixed(1)}% test accuracy at epoch ${run.epoch}`);
  assert.ok(run.accuracy >= 0.95, `XOR reached only ${run.accuracy} test accuracy`);
  assert.equal(await page.locator('[data-testid^="playground-link-0-"]').count(), 16, "the network is not 2-8-8-1");
  const speed = await measureSpeed(page);
  const redraws = median(speed.redraws), serverMs = median(speed.serverMs);
  console.log(`  2-8-8-1 on 500 points, ${MEASURE_SECONDS} s of play: redraws a second ${speed.redraws.map((r) => r.toFixed(0)).join(" ")} ` +
    `(median ${redraws.toFixed(1)}); server ms a step ${speed.serverMs.map((m) => m.toFixed(2)).join(" ")} (median ${serverMs.toFixed(2)})`);
  assert.ok(redraws >= MIN_REDRAWS_PER_SECOND, `the boundary was redrawn ${redraws} times a second, under ${MIN_REDRAWS_PER_SECOND}`);
  assert.ok(serverMs < MAX_SERVER_MS, `the server took ${serverMs} ms a step, over ${MAX_SERVER_MS}`);
  await page.check(byTestId("playground-show-test"));
  await screenshot(page, "playground-xor.png");
}

// The model downloads as a safetensors file (its header's length, then JSON naming the features).
async function testExport(page) {
  const href = await page.getAttribute(byTestId("playground-export-model"), "href");
  const header = await page.evaluate(async (url) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  }, href);
  assert.ok(header.__metadata__.neurite.includes('"x1"'), "the model file does not name its feature columns");
}

async function main() {
  if (!BASE_URL) {
    console.error("Set NEURITE_URL (a running neurite serve).");
    process.exit(1);
  }
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const failed = pageFailures(page);
  const steps = [
    ["open the page", () => page.goto(BASE_URL)],
    ["the spiral learned by 2 x 8 tanh with sin features", () => testSpiral(page)],
    ["a copied link rebuilds the same network and first step", () => testLink(context, page)],
    ["a weight edited by clicking its link", () => testWeightEdit(page)],
    ["XOR learned by 2-8-8-1, fast enough to feel live", () => testXor(page)],
    ["the model downloads", () => testExport(page)],
    ["the Backprop stepper gives Mazur's and Rashid's numbers", async () => {
      const { testStepper } = await import("./stepper_steps.mjs");
      await testStepper(page, { byTestId, waitFor, screenshot, assert });
    }],
  ];
  await runStepsAndExit(browser, page, steps, failed);
}

runMain(main);
