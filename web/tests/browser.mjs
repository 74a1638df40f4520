// What the browser tests share (page_test.mjs, playground_test.mjs): finding elements, waiting
// with a named timeout, screenshots, and failing on any error the page reports.

import path from "node:path";
import os from "node:os";

export const TIMEOUT_MS = 30_000;
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || path.join(os.tmpdir(), "neurite-page-test");

export const byTestId = (id) => `[data-testid="${id}"]`;

// Waits for a condition in the page; a timeout names what was awaited.
export async function waitFor(page, description, condition, argument, timeout = TIMEOUT_MS) {
  try {
    return await page.waitForFunction(condition, argument, { timeout, polling: 100 });
  } catch (error) {
    if (error.name !== "TimeoutError") throw error;
    throw new Error(`timed out after ${timeout / 1000} s waiting for ${description}`);
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name), fullPage: true });
}

// Any JavaScript error or console error in the page: a promise that rejects with it.
export function pageFailures(page) {
  const failed = new Promise((_, reject) => {
    page.on("pageerror", (error) => reject(new Error(`JavaScript error in the page: ${error.message}`)));
    page.on("console", (entry) => {
      if (entry.type() !== "error") return;
      const where = entry.location()?.url;
      reject(new Error(`console error in the page: ${entry.text()}${where ? ` (${where})` : ""}`));
    });
  });
  failed.catch(() => {}); // awaited in each step's race; before that it must not count as unhandled
  return failed;
}

// Runs a test's main: an error it throws is a failure line and exit status 1.
export function runMain(main) {
  main().catch((error) => {
    console.log(`FAIL - ${error.message}`);
    process.exit(1);
  });
}

// Runs the steps, closes the browser and exits with the steps' status.
export async function runStepsAndExit(browser, page, steps, failed) {
  const code = await runSteps(page, steps, failed);
  await browser.close();
  process.exit(code);
}

// Runs the named steps in order, each raced against the page's failures; stops at the first
// failure with a screenshot. Returns the exit code.
export async function runSteps(page, steps, failed) {
  for (const [name, run] of steps) {
    try {
      await Promise.race([run(), failed]);
      console.log(`ok - ${name}`);
    } catch (error) {
      console.log(`FAIL - ${name}: ${error.message}`);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, "failure.png"), fullPage: true }).catch(() => {});
      return 1;
    }
  }
  console.log(`all steps passed; screenshots in ${SCREENSHOT_DIR}`);
  return 0;
}
