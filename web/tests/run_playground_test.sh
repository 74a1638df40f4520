#!/usr/bin/env bash
# The Playground and Backprop tabs in a real browser: starts `neurite serve` (no model or data
# needed) on a free loopback port, runs web/tests/playground_test.mjs (playwright-core driving
# Debian's chromium) and stops the server with SIGINT. Screenshots go to OUT_DIR.
#   web/tests/run_playground_test.sh NEURITE_BINARY OUT_DIR
# Exit 77 (skipped) when chromium, Node.js 20 or the page's npm packages are missing.
set -euo pipefail
neurite=$1
out=$2
web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chromium_bin=${CHROMIUM:-/usr/bin/chromium}

skip() { echo "skipped: $*"; exit 77; }
[ -x "$chromium_bin" ] || skip "no chromium at $chromium_bin (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "playwright-core needs Node.js 20 or later"
[ -d "$web/node_modules/playwright-core" ] || skip "no web/node_modules (scripts/fetch_web.sh)"

rm -rf "$out"
mkdir -p "$out"
"$neurite" serve --port 0 --web "$web" > "$out/serve.txt" 2>&1 &
server=$!
trap 'kill -9 $server 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$out/serve.txt" || true)
  [ -n "$url" ] && break
  kill -0 $server 2>/dev/null || { cat "$out/serve.txt"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "neurite serve did not start"; cat "$out/serve.txt"; exit 1; }

NEURITE_URL=$url SCREENSHOT_DIR=$out CHROMIUM=$chromium_bin node "$web/tests/playground_test.mjs"

kill -INT $server
wait $server || { echo "neurite serve exited with status $? after SIGINT"; cat "$out/serve.txt"; exit 1; }
trap - EXIT
