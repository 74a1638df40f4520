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
source "$web/tests/serve_for_test.sh"
require_browser "$web"

rm -rf "$out"
mkdir -p "$out"
start_server "$neurite" "$out/serve.txt" --web "$web"
NEURITE_URL=$url SCREENSHOT_DIR=$out CHROMIUM=$chromium_bin node "$web/tests/playground_test.mjs"
stop_server "$out/serve.txt"
