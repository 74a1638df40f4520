#!/usr/bin/env bash
# Seed 000's script through neurite's Python module (neurite.nielsen) beside neurite's own CLI,
# PyTorch on the same network and the seed's per-sample numpy code, one after the other in one
# run, and prints a Markdown table: seconds per epoch (median; training only: the module's own
# epoch timer, the CLI's, and the Python programs'), the module's wall time per epoch of SGD
# (with its one conversion of Nielsen's lists and the evaluations), peak resident memory (GNU
# time), test accuracy, and the module's ratios against the others.
#
#   bench/python_side_by_side.sh [--epochs 3] [--numpy-epochs 1] [--threads 2]
#                                [--data data/mnist] [--build build] [--skip-numpy] [--skip-torch]
# Needs the module built (<build>/python/neurite) and Debian's /usr/bin/python3 (numpy, torch).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
epochs=3
numpy_epochs=1
threads=2
data=data/mnist
build=build
python=/usr/bin/python3
skip_numpy=0
skip_torch=0

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --epochs) epochs=$2; shift 2 ;;
    --numpy-epochs) numpy_epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --skip-numpy) skip_numpy=1; shift ;;
    --skip-torch) skip_torch=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
for n in "$epochs" "$numpy_epochs" "$threads"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "epochs and threads must be positive integers, got '$n'" >&2; exit 2; }
done
[[ -f $build/python/neurite/__init__.py ]] ||
  { echo "$build/python/neurite: no Python module (build neurite with pybind11-dev installed)" >&2; exit 1; }
[[ -f $data/train-images-idx3-ubyte || -f $data/train-images-idx3-ubyte.gz ]] ||
  { echo "$data: no MNIST IDX files (pass --data FOLDER)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || apt-get install -y time >/dev/null
if ((!skip_torch)) && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "$python cannot import torch (Debian: apt-get install python3-torch), skipping PyTorch" >&2
  skip_torch=1
fi
export OPENBLAS_NUM_THREADS=1  # as bench/nielsen_side_by_side.sh: numpy's products are too small for threads
source "$repo/bench/side_by_side_lib.sh"  # $work and run()

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { grep '^RESULT' "$work/$1.out" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
mib() { awk '{ printf "%.0f", $1 / 1024 }' "$work/$1.rss"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) printf "n/a"; else printf "%.2f", a / b }'; }

PYTHONPATH="$build/python" run module "$python" bench/python_nielsen.py --data "$data" --epochs "$epochs" --threads "$threads"
# The CLI's JSON log has its epoch seconds unrounded (its epoch lines round to 2 decimals).
run cli "$build/neurite" train --layers 784,30,10 --epochs "$epochs" --batch 10 --rate 3.0 \
  --cost quadratic --seed 1 --threads "$threads" --data "$data" --log "$work/cli.jsonl"
cli_s=$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$work/cli.jsonl" | median | awk '{ printf "%.4f", $1 }')
cli_acc=$(tr '\r' '\n' <"$work/cli.out" | grep -E '^Epoch [0-9]+: ' | tail -1 | awk '{ printf "%.2f", 100 * $3 / $5 }')
if ((!skip_torch)); then
  run pytorch "$python" bench/pytorch_nielsen.py --data "$data" --epochs "$epochs" --threads "$threads"
fi
if ((!skip_numpy)); then
  run numpy "$python" bench/numpy_nielsen.py --data "$data" --epochs "$numpy_epochs"
fi

module_s=$(field module seconds_per_epoch)
echo
echo "Seed 000's network (784-30-10 sigmoid, quadratic cost, batch 10, rate 3.0, 50,000 images);" \
  "$threads threads (numpy: 1); $(date -u +%Y-%m-%d)"
echo
echo "| program | epochs | s/epoch (median, training) | s/epoch (wall of SGD) | peak MiB | test accuracy |"
echo "|---|---|---|---|---|---|"
echo "| seed 000's script on neurite.nielsen | $epochs | $module_s | $(field module wall_per_epoch) | $(mib module) | $(field module accuracy)% |"
echo "| neurite CLI | $epochs | $cli_s | | $(mib cli) | $cli_acc% |"
if ((!skip_torch)); then
  echo "| PyTorch $("$python" -c 'import torch; print(torch.__version__)') | $epochs |" \
    "$(field pytorch seconds_per_epoch) | | $(mib pytorch) | $(field pytorch accuracy)% |"
fi
if ((!skip_numpy)); then
  echo "| the seed's numpy code | $numpy_epochs | $(field numpy seconds_per_epoch) | | $(mib numpy) | $(field numpy accuracy)% |"
fi
echo
echo "| neurite.nielsen vs | speed-up (their s/epoch / the module's) | memory (module peak / theirs) |"
echo "|---|---|---|"
echo "| neurite CLI | $(ratio "$cli_s" "$module_s")x | $(ratio "$(cat "$work/module.rss")" "$(cat "$work/cli.rss")")x |"
if ((!skip_torch)); then
  echo "| PyTorch | $(ratio "$(field pytorch seconds_per_epoch)" "$module_s")x |" \
    "$(ratio "$(cat "$work/module.rss")" "$(cat "$work/pytorch.rss")")x |"
fi
if ((!skip_numpy)); then
  echo "| numpy | $(ratio "$(field numpy seconds_per_epoch)" "$module_s")x |" \
    "$(ratio "$(cat "$work/module.rss")" "$(cat "$work/numpy.rss")")x |"
fi
