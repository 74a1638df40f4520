#!/usr/bin/env bash
# Trains the same character language model with neurite and with PyTorch, one after the other in
# one run and the same environment: a 1-layer LSTM (hidden 256) over one-hot characters of the
# King James Bible, windows of 64 characters, batch 32, Adam 2e-3, gradient clipping at norm 5.
# Prints a Markdown table: characters per second (training only), the mean training loss over
# the last report's steps (equal steps, so equal loss means equal learning), peak resident
# memory (GNU time), and the neurite/PyTorch ratio against the goal (>= 3x the characters/s, issue 20).
#
#   bench/lm_side_by_side.sh [--steps 300] [--threads 2] [--neurite build/neurite]
#                            [--text data/kjv.txt] [--python /usr/bin/python3]
# The same settings can come from the environment: STEPS, THREADS, NEURITE, TEXT, TORCH_PYTHON.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
steps=${STEPS:-300}
threads=${THREADS:-2}
neurite=${NEURITE:-build/neurite}
text=${TEXT:-data/kjv.txt}
python=${TORCH_PYTHON:-/usr/bin/python3}

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --neurite) neurite=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
for n in "$steps" "$threads"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "steps and threads must be positive integers, got '$n'" >&2; exit 2; }
done
[[ -x $neurite ]] || { echo "$neurite: no neurite binary (build neurite_cli, or pass --neurite PATH)" >&2; exit 1; }
[[ -f $text ]] || { echo "$text: missing (scripts/fetch_corpus.sh makes data/kjv.txt)" >&2; exit 1; }
source "$repo/scripts/common.sh"
[[ -x /usr/bin/time ]] || install_packages time
"$python" -c 'import torch' 2>/dev/null ||
  { echo "$python cannot import torch (Debian: apt-get install python3-torch; or pass --python)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1
source "$repo/bench/side_by_side_lib.sh"  # $work and run()

report=$((steps < 100 ? steps : 100))
run neurite "$neurite" lm train --text "$text" --layers 1 --hidden 256 --sequence 64 --batch 32 --rate 0.002 \
  --clip-norm 5 --steps "$steps" --report-every "$report" --sample 0 --threads "$threads" --out "$work/lm.model"
run pytorch "$python" bench/torch_char_lm.py --text "$text" --hidden 256 --sequence 64 --batch 32 --rate 0.002 \
  --clip-norm 5 --steps "$steps" --report-every "$report" --threads "$threads"

# The last progress line of each: "step S: loss L nats/char ... R chars/s".
last_step() { grep '^step ' "$work/$1.out" | tail -1; }
loss_of() { last_step "$1" | sed -n 's/.*loss \([0-9.]*\) nats.*/\1/p'; }
rate_of() { last_step "$1" | sed -n 's/.* \([0-9]*\) chars\/s.*/\1/p'; }
mib() { awk '{ printf "%.0f", $1 / 1024 }' "$work/$1.rss"; }
ratio=$(awk -v a="$(rate_of neurite)" -v b="$(rate_of pytorch)" 'BEGIN { printf "%.2f", a / b }')
met=$(awk -v r="$ratio" 'BEGIN { print (r >= 3) ? "yes" : "no" }')
torch_version=$("$python" -c 'import torch; print(torch.__version__)')

echo
echo "1-layer LSTM 256, one-hot input, sequence 64, batch 32, Adam 2e-3, clip 5, $steps steps, $threads threads;" \
  "OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset};" \
  "$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| program | characters/s (training) | loss after $steps steps (nats/char, mean of the last $report) | peak MiB |"
echo "|---|---|---|---|"
echo "| neurite, $threads threads | $(rate_of neurite) | $(loss_of neurite) | $(mib neurite) |"
echo "| PyTorch $torch_version, $threads threads | $(rate_of pytorch) | $(loss_of pytorch) | $(mib pytorch) |"
echo
echo "| neurite / PyTorch | ratio | goal | met |"
echo "|---|---|---|---|"
echo "| characters/s | ${ratio}x | >= 3x | $met |"
