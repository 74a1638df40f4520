#!/usr/bin/env bash
# A prediction's round trip through `neurite serve` on this machine, against the page's goals
# (under 5 ms for an MLP, under 20 ms for seed 001's CNN). Trains the two models unless given,
# starts the server on a free loopback port, runs bench_serve (Google Benchmark) against it,
# stops the server with SIGINT, and prints a table of the median round trips.
#
#   bench/serve_round_trip.sh [--neurite build-bench/neurite] [--bench build-bench/bench/bench_serve]
#                             [--mlp FILE] [--cnn FILE] [--data data/mnist] [--repetitions 5]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
neurite=build-bench/neurite
bench=build-bench/bench/bench_serve
mlp=""
cnn=""
data=data/mnist
repetitions=5
usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --neurite) neurite=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --mlp) mlp=$2; shift 2 ;;
    --cnn) cnn=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
[[ $repetitions =~ ^[1-9][0-9]*$ ]] || { echo "--repetitions must be a positive integer, got '$repetitions'" >&2; exit 2; }
for f in "$neurite" "$bench"; do [ -x "$f" ] || { echo "$f is missing: build it first (docs/benchmarks.md)" >&2; exit 2; }; done

work=$(mktemp -d)
trap 'kill -9 ${server:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -z "$mlp" ]; then
  mlp=$work/mlp.safetensors
  "$neurite" train --layers 784,100,10 --cost cross-entropy --rate 0.5 --epochs 1 --data "$data" --out "$mlp" >/dev/null
fi
if [ -z "$cnn" ]; then
  cnn=$work/cnn.safetensors
  "$neurite" train --model models/seed001-cnn.json --epochs 1 --data "$data" --out "$cnn" >/dev/null
fi
# The models are named after their files' stems on the page; copy them to fixed names.
cp "$mlp" "$work/mlp.model"
cp "$cnn" "$work/cnn.model"

"$neurite" serve --port 0 --model "$work/mlp.model" --model "$work/cnn.model" --data "$data" > "$work/serve.txt" 2>&1 &
server=$!
url=""
for _ in $(seq 100); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/serve.txt" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "neurite serve did not start:" >&2; cat "$work/serve.txt" >&2; exit 1; }

NEURITE_SERVE_URL=$url NEURITE_SERVE_MODELS=mlp,cnn "$bench" --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true --benchmark_out="$work/serve.json" --benchmark_out_format=json >&2
kill -INT $server
wait $server

echo
echo "prediction round trips through neurite serve on loopback, median of $repetitions; $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
python3 - "$work/serve.json" <<'PY'
import json, sys
rows = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"]
goal = {"mlp": 5.0, "cnn": 20.0}
print("| model | input | connection | round trip (ms) | network forward (ms) | goal | met |")
print("|---|---|---|---|---|---|---|")
for b in rows:
    _, model, kind, connection = b["run_name"].split("/")[:4]  # then "real_time"
    ms = b["real_time"]
    print(f"| {model} | {kind} | {connection} | {ms:.3f} | {b['forward_ms']:.3f} | < {goal[model]:g} ms | {'yes' if ms < goal[model] else 'no'} |")
PY
