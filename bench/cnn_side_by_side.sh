#!/usr/bin/env bash
# Trains seed 001's CNN (models/seed001-cnn.json: conv 16 5x5 + pool, conv 32 5x5 + pool, dense
# 100 sigmoid, dense 10; Adam 1e-3, softmax cross-entropy, batch 50, 60,000 training images) with
# neurite and with PyTorch, one after the other in one run and the same environment, and prints
# Markdown tables: seconds per epoch (median, training only), peak resident memory (GNU time),
# test accuracy after each epoch, training time to reach 99.0% test accuracy, and neurite/PyTorch
# ratios against issue 20's goals (epoch time <= 0.4x PyTorch's, peak memory <= 1/5 of PyTorch's).
#
#   bench/cnn_side_by_side.sh [--epochs 2] [--threads 2] [--neurite build/neurite]
#                             [--data data/mnist] [--train-size N] [--python /usr/bin/python3]
# --train-size N trains on the first N images only (a quick check of the plumbing; the figures
# then mean nothing). The same settings can come from the environment: EPOCHS, THREADS, NEURITE,
# DATA, TRAIN_SIZE, TORCH_PYTHON. Relative paths are taken from the repository root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epochs=${EPOCHS:-2}
threads=${THREADS:-2}
neurite=${NEURITE:-build/neurite}
data=${DATA:-data/mnist}
train_size=${TRAIN_SIZE:-60000}
python=${TORCH_PYTHON:-/usr/bin/python3}  # Debian's python with python3-torch, not a pyenv one

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --neurite) neurite=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --train-size) train_size=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
for n in "$epochs" "$threads" "$train_size"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "epochs, threads and train size must be positive integers, got '$n'" >&2; exit 2; }
done
((train_size <= 60000)) || { echo "--train-size: at most 60000, got $train_size" >&2; exit 2; }
[[ -x $neurite ]] || { echo "$neurite: no neurite binary (build neurite_cli, or pass --neurite PATH)" >&2; exit 1; }
[[ -f models/seed001-cnn.json ]] || { echo "models/seed001-cnn.json: missing" >&2; exit 1; }
[[ -f $data/train-images-idx3-ubyte || -f $data/train-images-idx3-ubyte.gz ]] ||
  { echo "$data: no MNIST IDX files (pass --data FOLDER)" >&2; exit 1; }
# Peak memory comes from GNU time (-f %M: maximum resident set size of the process, KiB). When it
# is missing, Debian's `time` package is installed the way the other scripts install packages.
if [[ ! -x /usr/bin/time ]]; then
  # shellcheck source=../scripts/common.sh
  source "$repo/scripts/common.sh"
  install_packages time
  [[ -x /usr/bin/time ]] || { echo "/usr/bin/time: still missing after installing 'time'" >&2; exit 1; }
fi
"$python" -c 'import torch' 2>/dev/null ||
  { echo "$python cannot import torch (Debian: apt-get install python3-torch; or pass --python)" >&2; exit 1; }

# OpenBLAS's own thread pool would compete with PyTorch's threads; neurite keeps OpenBLAS at one
# thread itself, so this changes nothing for it. Everything else in the environment
# (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE included) is left as it is, the same for both.
export OPENBLAS_NUM_THREADS=1

source "$repo/bench/side_by_side_lib.sh"  # $work and run()

size_args=()
((train_size == 60000)) || size_args=(--train-size "$train_size")
run neurite "$neurite" train --model models/seed001-cnn.json --data "$data" --epochs "$epochs" \
  --threads "$threads" --seed 1 --log "$work/neurite.jsonl" "${size_args[@]}"
# The same RESULT line as torch_cnn.py's, from neurite's log (epoch seconds, test accuracies).
"$python" bench/neurite_log_result.py "$work/neurite.jsonl" | tee -a "$work/neurite.out" >&2
run pytorch "$python" bench/torch_cnn.py --data "$data" --epochs "$epochs" --threads "$threads" --seed 1 \
  "${size_args[@]}"

# field NAME KEY: a value from NAME's RESULT line.
field() { grep '^RESULT' "$work/$1.out" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
mib() { awk '{ printf "%.0f", $1 / 1024 }' "$work/$1.rss"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) printf "n/a"; else printf "%.2f", a / b }'; }
# meets RATIO LIMIT: yes / no.
meets() { awk -v r="$1" -v l="$2" 'BEGIN { if (r == "n/a") print "n/a"; else print (r + 0 <= l + 0) ? "yes" : "no" }'; }
accuracies() { field "$1" accuracies | sed 's/,/%, /g; s/$/%/; s/-%/-/g'; }
to_99() {
  local s; s=$(field "$1" time_to_99)
  if [[ $s == not_reached ]]; then echo "not reached"; else echo "$s s (epoch $(field "$1" epoch_to_99))"; fi
}

torch_version=$("$python" -c 'import torch; print(torch.__version__)')
time_ratio=$(ratio "$(field neurite seconds_per_epoch)" "$(field pytorch seconds_per_epoch)")
memory_ratio=$(ratio "$(cat "$work/neurite.rss")" "$(cat "$work/pytorch.rss")")

echo
echo "seed 001 CNN, Adam 1e-3, batch 50, $train_size training images, $epochs epochs, $threads threads;" \
  "OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset};" \
  "$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1);" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
((train_size == 60000)) || echo "(--train-size $train_size: a plumbing check, not a measurement)"
echo
echo "| program | epochs | s/epoch (median, training only) | peak MiB | test accuracy after each epoch | training time to 99.0% |"
echo "|---|---|---|---|---|---|"
echo "| neurite, $threads threads | $(field neurite epochs) | $(field neurite seconds_per_epoch) | $(mib neurite) |" \
  "$(accuracies neurite) | $(to_99 neurite) |"
echo "| PyTorch $torch_version, $threads threads | $(field pytorch epochs) | $(field pytorch seconds_per_epoch) |" \
  "$(mib pytorch) | $(accuracies pytorch) | $(to_99 pytorch) |"
echo
echo "| neurite / PyTorch | ratio | goal | met |"
echo "|---|---|---|---|"
echo "| s/epoch | ${time_ratio}x | <= 0.4x | $(meets "$time_ratio" 0.4) |"
echo "| peak memory | ${memory_ratio}x | <= 0.2x (1/5) | $(meets "$memory_ratio" 0.2) |"
