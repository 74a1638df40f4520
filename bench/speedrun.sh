#!/usr/bin/env bash
# The MNIST speed run (issue 20, item 2): `neurite train --model models/speedrun.json` once per
# seed, timed from the command's start to its end (the data already on disk, loading and the
# final test evaluation included), and prints a Markdown table per seed and the distribution:
# mean and worst test accuracy after the last epoch, mean and worst wall time, and how many
# seeds reached the goal (99.0% in at most 3 s).
#
#   bench/speedrun.sh [--seeds 10] [--model models/speedrun.json] [--threads 2]
#                     [--data data/mnist] [--build build]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=10
model=models/speedrun.json
threads=2
data=data/mnist
build=build

usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
for n in "$seeds" "$threads"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "seeds and threads must be positive integers, got '$n'" >&2; exit 2; }
done
[[ -x $build/neurite ]] || { echo "$build/neurite: not built (scripts/run.sh builds it)" >&2; exit 1; }
[[ -f $model ]] || { echo "$model: no such model spec" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "$model, $threads threads, $(date -u +%Y-%m-%d); wall seconds from the command's start to its end"
echo
echo "| seed | test accuracy after the last epoch | wall s |"
echo "|---|---|---|"
for seed in $(seq 1 "$seeds"); do
  /usr/bin/time -f %e -o "$work/time" "$build/neurite" train --model "$model" --data "$data" \
    --seed "$seed" --threads "$threads" --log "$work/log.jsonl" >"$work/out" 2>&1 ||
    { cat "$work/out" >&2; exit 1; }
  # The last epoch record of the log: its accuracy on the watched (test) set.
  accuracy=$(grep '"type":"epoch"' "$work/log.jsonl" | tail -1 |
             sed -E 's/.*"correct":([0-9]+).*"total":([0-9]+).*/\1 \2/' | awk '{ printf "%.2f", 100 * $1 / $2 }')
  echo "| $seed | $accuracy% | $(cat "$work/time") |"
  echo "$accuracy $(cat "$work/time")" >>"$work/results"
done
echo
awk '{ a += $1; t += $2; if (NR == 1 || $1 < worst_a) worst_a = $1; if ($2 > worst_t) worst_t = $2;
       if ($1 >= 99.0 && $2 <= 3.0) goal++ }
     END { printf "accuracy: mean %.2f%%, worst %.2f%%; wall: mean %.2f s, worst %.2f s; %d of %d seeds reached 99.0%% in <= 3 s\n",
           a / NR, worst_a, t / NR, worst_t, goal, NR }' "$work/results"
