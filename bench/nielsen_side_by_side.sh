#!/usr/bin/env bash
# Trains Nielsen's 784-30-10 network (sigmoid, quadratic cost, mini-batch SGD, batch 10, rate 3.0)
# with neurite, PyTorch and the seed's per-sample algorithm in numpy, one after the other in the
# same run and the same environment, and prints a Markdown table: seconds per epoch (median over
# the epochs run; training only, evaluation excluded), peak resident memory of the whole process
# (GNU time), test accuracy after the last epoch, and neurite's ratios against the other two.
#
#   bench/nielsen_side_by_side.sh [--epochs 3] [--numpy-epochs 1] [--torch-epochs E]
#                                 [--threads 2] [--data data/mnist] [--neurite build/neurite]
#                                 [--python /usr/bin/python3] [--skip-numpy] [--skip-torch]
# The same settings can come from the environment: EPOCHS, NUMPY_EPOCHS, TORCH_EPOCHS, THREADS,
# DATA, NEURITE, TORCH_PYTHON. Relative paths are taken from the repository root.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epochs=${EPOCHS:-3}
numpy_epochs=${NUMPY_EPOCHS:-1}
torch_epochs=${TORCH_EPOCHS:-}
threads=${THREADS:-2}
data=${DATA:-data/mnist}
neurite=${NEURITE:-build/neurite}
python=${TORCH_PYTHON:-/usr/bin/python3}  # Debian's python with python3-torch, not a pyenv one
skip_numpy=0
skip_torch=0

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --numpy-epochs) numpy_epochs=$2; shift 2 ;;
    --torch-epochs) torch_epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --neurite) neurite=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    --skip-numpy) skip_numpy=1; shift ;;
    --skip-torch) skip_torch=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
torch_epochs=${torch_epochs:-$epochs}
cd "$repo"
for n in "$epochs" "$numpy_epochs" "$torch_epochs" "$threads"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "epochs and threads must be positive integers, got '$n'" >&2; exit 2; }
done
[[ -x $neurite ]] || { echo "$neurite: no neurite binary (build it, or pass --neurite PATH)" >&2; exit 1; }
[[ -f $data/train-images-idx3-ubyte || -f $data/train-images-idx3-ubyte.gz ]] ||
  { echo "$data: no MNIST IDX files (pass --data FOLDER)" >&2; exit 1; }
if ! command -v /usr/bin/time >/dev/null; then
  echo "installing GNU time (Debian package 'time') for peak-memory measurements" >&2
  apt-get install -y time >/dev/null
fi
if ((!skip_torch)) && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "$python cannot import torch (Debian: apt-get install python3-torch), skipping PyTorch" >&2
  skip_torch=1
fi

# OpenBLAS's own thread pool would compete with PyTorch's threads (and numpy's products are far
# too small to gain from it); neurite keeps OpenBLAS at one thread itself. Everything else in the
# environment (OPENBLAS_CORETYPE included) is left as the machine sets it, the same for all three.
export OPENBLAS_NUM_THREADS=1

source "$repo/bench/side_by_side_lib.sh"  # $work and run()

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# neurite prints "Epoch j: N / 10000  (S s)" for every epoch (a progress bar only on a terminal;
# carriage returns are turned into line breaks in case one shows up); its JSON log has the
# seconds unrounded.
run neurite "$neurite" train --layers 784,30,10 --epochs "$epochs" --batch 10 --rate 3.0 \
  --cost quadratic --seed 1 --threads "$threads" --data "$data" --log "$work/neurite.jsonl"
tr '\r' '\n' <"$work/neurite.out" >"$work/neurite.lines"
neurite_s=$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$work/neurite.jsonl" | median)
neurite_acc=$(grep -E '^Epoch [0-9]+: ' "$work/neurite.lines" | tail -1 |
  awk '{ printf "%.2f", 100 * $3 / $5 }')

# The Python programs end with "RESULT seconds_per_epoch=S accuracy=P epochs=E".
field() { grep '^RESULT' "$work/$1.out" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
if ((!skip_torch)); then
  run pytorch "$python" bench/pytorch_nielsen.py --data "$data" --epochs "$torch_epochs" --threads "$threads"
fi
if ((!skip_numpy)); then
  run numpy "$python" bench/numpy_nielsen.py --data "$data" --epochs "$numpy_epochs"
fi

mib() { awk '{ printf "%.0f", $1 / 1024 }' "$work/$1.rss"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) printf "n/a"; else printf "%.2f", a / b }'; }

echo
echo "784-30-10 sigmoid, quadratic cost, batch 10, rate 3.0, 50,000 training images; $threads threads" \
  "(numpy: 1); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(date -u +%Y-%m-%d)"
echo
echo "| program | epochs | s/epoch (median) | peak MiB | test accuracy |"
echo "|---|---|---|---|---|"
echo "| neurite | $epochs | $neurite_s | $(mib neurite) | $neurite_acc% |"
if ((!skip_torch)); then
  echo "| PyTorch $("$python" -c 'import torch; print(torch.__version__)'), $threads threads | $torch_epochs |" \
    "$(field pytorch seconds_per_epoch) | $(mib pytorch) | $(field pytorch accuracy)% |"
fi
if ((!skip_numpy)); then
  echo "| numpy, per-sample backprop | $numpy_epochs | $(field numpy seconds_per_epoch) | $(mib numpy) |" \
    "$(field numpy accuracy)% |"
fi
echo
echo "| neurite vs | speed-up (their s/epoch / ours) | memory (our peak / theirs) |"
echo "|---|---|---|"
if ((!skip_torch)); then
  echo "| PyTorch | $(ratio "$(field pytorch seconds_per_epoch)" "$neurite_s")x |" \
    "$(ratio "$(cat "$work/neurite.rss")" "$(cat "$work/pytorch.rss")")x |"
fi
if ((!skip_numpy)); then
  echo "| numpy | $(ratio "$(field numpy seconds_per_epoch)" "$neurite_s")x |" \
    "$(ratio "$(cat "$work/neurite.rss")" "$(cat "$work/numpy.rss")")x |"
fi
