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

skip() { echo "skipped: $*"; exit 77; }
[ -x "$chromium_bin" ] || skip "no chromium at $chromium_bin (apt-get install chromium)"
command -v node >/dev/null || skip "no node"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "playwright-core needs Node.js 20 or later"
[ -d "$web/node_modules/playwright-core" ] || skip "no web/node_modules (scripts/fetch_web.sh)"
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

"$neurite" serve --port 0 --model "$out/mlp.safetensors" --model "$out/cnn.safetensors" "${table_args[@]}" --data "$data" --specs "$repo/models" --web "$web" \
  > "$out/serve.txt" 2>&1 &
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

env "${table_env[@]}" NEURITE_URL=$url NEURITE_MODEL=mlp NEURITE_CNN_MODEL=cnn SCREENSHOT_DIR=$out CHROMIUM=$chromium_bin \
  node "$web/tests/page_test.mjs"

kill -INT $server
for _ in $(seq 100); do kill -0 $server 2>/dev/null || break; sleep 0.1; done
if kill -0 $server 2>/dev/null; then echo "neurite serve did not stop on SIGINT"; exit 1; fi
wait $server || { echo "neurite serve exited with status $? after SIGINT"; cat "$out/serve.txt"; exit 1; }
trap - EXIT
echo "server stopped cleanly; screenshots in $out"
