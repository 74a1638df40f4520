#!/usr/bin/env bash
# Installs the page's npm packages (uPlot, and playwright-core for its browser test) into
# web/node_modules, exactly as web/package-lock.json pins them. Does nothing when they are there.
set -euo pipefail
source "$(dirname "$0")/common.sh"
fetch_web_packages
echo "page packages ready: $NEURITE_ROOT/web/node_modules"
