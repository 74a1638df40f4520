// Browser test of the Backprop stepper tab: Mazur's numbers to the digits he prints, every step
// reachable with Next and Prev, Rashid's outputs (with the book's hand rounding), and a recompute
// after an edited input. Called by a driver that has opened the page (playground_test.mjs; for
// byTestId, waitFor and screenshot: web/tests/browser.mjs).

// A number shown by the stepper: its data-value holds the full precision.
async function valueOf(page, byTestId, testId) {
  const text = await page.getAttribute(byTestId(testId), "data-value");
  if (text === null) throw new Error(`${testId} has no data-value`);
  return Number(text);
}

async function assertRounds(page, byTestId, assert, testId, expected, decimals) {
  const value = await valueOf(page, byTestId, testId);
  assert.equal(value.toFixed(decimals), expected.toFixed(decimals), `${testId} is ${value}, not ${expected} to ${decimals} decimals`);
}

// Waits until the stepper has accepted one more trace than `count`, of the example named.
async function waitForTrace(page, waitFor, description, count, example) {
  await waitFor(page, description, ([count_, example_]) => {
    const root = document.querySelector('[data-testid="stepper"]');
    return root && Number(root.dataset.computed ?? 0) > count_ && (!example_ || root.dataset.example === example_);
  }, [count, example]);
}

const computedCount = (page) => page.$eval('[data-testid="stepper"]', (root) => Number(root.dataset.computed ?? 0));
const stepIndex = (page, byTestId) => page.textContent(byTestId("stepper-step-index"));

async function testMazurNumbers(page, { byTestId, assert }) {
  const check = (testId, expected, decimals) => assertRounds(page, byTestId, assert, testId, expected, decimals);
  await check("stepper-total-error", 0.298371109, 9);
  const total = await page.textContent(byTestId("stepper-total-error"));
  assert.equal(total.trim(), "0.298371109", "the total error is not shown to 9 significant digits");
  // Mazur's updated weights, w1 … w8 (weights[l][j][k], layer by layer, row by row).
  await check("stepper-new-weight-1-0-0", 0.35891648, 8); // w5
  await check("stepper-new-weight-1-0-1", 0.408666186, 9); // w6
  await check("stepper-new-weight-1-1-0", 0.511301270, 9); // w7
  await check("stepper-new-weight-1-1-1", 0.561370121, 9); // w8
  await check("stepper-new-weight-0-0-0", 0.149780716, 9); // w1
  await check("stepper-new-weight-0-0-1", 0.19956143, 8); // w2
  await check("stepper-new-weight-0-1-0", 0.24975114, 8); // w3
  await check("stepper-new-weight-0-1-1", 0.29950229, 8); // w4
  // He leaves the biases unchanged.
  for (const [id, bias] of [["0-0", 0.35], ["0-1", 0.35], ["1-0", 0.6], ["1-1", 0.6]]) {
    assert.equal(await valueOf(page, byTestId, `stepper-new-bias-${id}`), bias, `bias ${id} changed`);
  }
}

// Next until it is disabled (every index seen once, in order), then Prev once.
async function testStepping(page, { byTestId, assert }) {
  const first = await stepIndex(page, byTestId);
  const [start, count] = first.split("/").map((part) => Number(part.trim()));
  assert.equal(start, 1, `the stepper does not start at step 1 (${first})`);
  assert.ok(count >= 10, `Mazur's walk has only ${count} steps`);
  assert.ok(await page.isDisabled(byTestId("stepper-prev")), "Prev is enabled at the first step");
  const titles = new Set([await page.textContent(byTestId("stepper-step-title"))]);
  for (let k = 2; k <= count; k += 1) {
    await page.click(byTestId("stepper-next"));
    assert.equal((await stepIndex(page, byTestId)).trim(), `${k} / ${count}`);
    titles.add(await page.textContent(byTestId("stepper-step-title")));
  }
  assert.ok(await page.isDisabled(byTestId("stepper-next")), "Next is enabled at the last step");
  assert.ok(titles.size >= 8, `only ${titles.size} different step titles`);
  await page.click(byTestId("stepper-prev"));
  assert.equal((await stepIndex(page, byTestId)).trim(), `${count - 1} / ${count}`);
}

async function testRashid(page, { byTestId, waitFor, assert }) {
  const before = await computedCount(page);
  await page.selectOption(byTestId("stepper-example"), "rashid");
  await waitForTrace(page, waitFor, "Rashid's trace", before, "rashid");
  const expected = [0.726, 0.709, 0.778];
  for (const [j, output] of expected.entries()) await assertRounds(page, byTestId, assert, `stepper-output-${j}`, output, 3);
  // The book prints 0.708: it rounds the hidden outputs to 3 decimals before the output layer.
  await assertRounds(page, byTestId, assert, "stepper-output-rounded-1", 0.708, 3);
}

async function testRecompute(page, { byTestId, waitFor, assert }) {
  const output = await valueOf(page, byTestId, "stepper-output-0");
  const before = await computedCount(page);
  await page.fill(byTestId("stepper-input-0"), "0.5");
  await page.click(byTestId("stepper-recompute"));
  await waitForTrace(page, waitFor, "the trace of the edited input", before);
  const changed = await valueOf(page, byTestId, "stepper-output-0");
  assert.notEqual(changed, output, "output 1 did not change after input 1 was edited");
  // 0.9 → 0.5 lowers every hidden input of Rashid's positive weights, so the output falls.
  assert.ok(changed < output, `output 1 rose from ${output} to ${changed}`);
}

export async function testStepper(page, { byTestId, waitFor, screenshot, assert }) {
  const tools = { byTestId, waitFor, assert };
  await page.click(byTestId("tab-backprop"));
  await waitForTrace(page, waitFor, "Mazur's trace", 0, "mazur");
  await testMazurNumbers(page, tools);
  await testStepping(page, tools);
  await screenshot(page, "backprop-mazur.png");
  await testRashid(page, tools);
  await testRecompute(page, tools);
  await screenshot(page, "backprop-rashid.png");
}
