// What every part of the page shares: DOM helpers, the JSON API, the status line.

export const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

export const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

// Builds an element; text always goes in through textContent, so server strings stay text.
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

export const hint = (text) => element("p", { className: "hint", text });
export const message = (text) => element("p", { className: "message", text });

export function formatPercent(fraction, digits = 1) {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function modelPath(name, rest) {
  return `/api/models/${encodeURIComponent(name)}/${rest}`;
}

// ---------------------------------------------------------------- API

export async function api(path, { method = "GET", body } = {}) {
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
export async function imageProblem(url) {
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

export function showError(context, error) {
  setStatus(`${context}: ${error.message}`, "error", context);
}

// Good news stays a little while; errors stay until they are fixed or replaced.
export function showNote(text) {
  setStatus(text, "note", null);
  noteTimer = setTimeout(() => setStatus("", null, null), NOTE_SECONDS * 1000);
}

// An error goes away once the thing that failed works again.
export function clearError(context) {
  if (statusContext === context) setStatus("", null, null);
}

// The tab on show; app.js sets it when it switches tabs.
export function currentTab() {
  return document.body.dataset.tab;
}
