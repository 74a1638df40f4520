#!/usr/bin/env bash
# The page in a real browser, end to end: trains a small sigmoid MLP and seed 001's CNN on MNIST,
# starts `neurite serve` with them on a free loopback port, runs web/tests/page_test.mjs
# (playwright-core driving Debian's chromium: draw a 7, train from the page, open the inside
# views of both models), and stops the server with SIGINT, which must end it cleanly.
# Screenshots go to OUT_DIR.
#   web/tests/run_page_test.sh NEURITE_BINARY OUT_DIR
# Exit 77 (skipped) when chromium, Node.js 20 or the page's npm packages are missing
# (scripts/test.sh installs them).
set -euo pipefail
neurite=$1
out=$2
web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$web/.." && pwd)"
data=${NEURITE_MNIST:-$repo/data/mnist}
chromium_bin=${CHROMIUM:-/usr/bin/chromium}

source "$web/tests/serve_for_test.sh"
require_browser "$web"  # also defines skip
[ -f "$data/t10k-images-idx3-ubyte" ] || [ -f "$data/t10k-images-idx3-ubyte.gz" ] || skip "no MNIST in $data"

rm -rf "$out"
mkdir -p "$out"
"$neurite" train --layers 784,100,10 --cost cross-entropy --rate 0.5 --epochs 3 --train-size 30000 \
  --data "$data" --out "$out/mlp.safetensors" > "$out/train.txt"
tail -n 2 "$out/train.txt"
"$neurite" train --model "$repo/models/seed001-cnn.json" --epochs 1 --train-size 3000 --data "$data" \
  --out "$out/cnn.safetensors" > "$out/train-cnn.txt"

# A model of a table, when Vega's seattle-weather.csv is there (scripts/test.sh fetches it).
table=${NEURITE_VEGA:-$repo/data/vega}/seattle-weather.csv
table_args=() table_env=()
if [ -f "$table" ]; then
  "$neurite" train --data "$table" --ignore date --epochs 5 --out "$out/weather.safetensors" > "$out/train-weather.txt"
  table_args=(--model "$out/weather.safetensors") table_env=(NEURITE_TABLE_MODEL=weather)
fi

start_server "$neurite" "$out/serve.txt" --model "$out/mlp.safetensors" --model "$out/cnn.safetensors" "${table_args[@]}" \
  --data "$data" --specs "$repo/models" --web "$web"

env "${table_env[@]}" NEURITE_URL=$url NEURITE_MODEL=mlp NEURITE_CNN_MODEL=cnn SCREENSHOT_DIR=$out CHROMIUM=$chromium_bin \
  node "$web/tests/page_test.mjs"

stop_server "$out/serve.txt"
echo "server stopped cleanly; screenshots in $out"
