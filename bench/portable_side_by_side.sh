#!/usr/bin/env bash
# The native build (-march=native) against the portable one (NEURITE_NATIVE=OFF, what a package
# or a Python wheel ships), side by side in one run, on the three workloads of "How close to the
# machine": Nielsen's 784-30-10 (batch 10, one core), seed 001's CNN and the MNIST-rows LSTM. The
# portable build runs each kernel family this CPU has (NEURITE_KERNELS); prints a Markdown table of
# seconds per epoch (the best of --repeats runs, taken in turns) and each against the native build,
# and whether the test accuracy came out on the same bits.
#
#   bench/portable_side_by_side.sh [--native build/neurite] [--portable build-portable/neurite]
#                                  [--repeats 3] [--data data/mnist]
# Without a portable binary it builds one (library and command only) in build-portable/.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
native=build/neurite
portable=build-portable/neurite
repeats=3
data=data/mnist
usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --native) native=$2; shift 2 ;;
    --portable) portable=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "--repeats must be a positive integer, got '$repeats'" >&2; exit 2; }
[[ -x $native ]] || { echo "$native: no native neurite binary (build it, or pass --native PATH)" >&2; exit 1; }
[[ -f $data/train-images-idx3-ubyte || -f $data/train-images-idx3-ubyte.gz ]] ||
  { echo "$data: no MNIST IDX files (pass --data FOLDER)" >&2; exit 1; }
if [[ ! -x $portable ]]; then
  echo "building the portable library and command in $(dirname "$portable")/" >&2
  cmake -S . -B "$(dirname "$portable")" -DCMAKE_BUILD_TYPE=Release -DNEURITE_NATIVE=OFF -DNEURITE_TESTS=OFF \
    -DNEURITE_BENCH=OFF -DNEURITE_EXAMPLES=OFF -DNEURITE_PYTHON=OFF >/dev/null
  cmake --build "$(dirname "$portable")" -j "$(nproc)" --target neurite_cli >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The families this CPU runs, widest first, as the portable binary reports them.
families=()
for family in avx512 avx2 sse; do
  [[ $(NEURITE_KERNELS=$family "$portable" --version) == *"(kernels: $family)"* ]] && families+=("$family")
done

declare -A workload=(
  [nielsen]="train --layers 784,30,10 --epochs 3 --batch 10 --rate 3.0 --cost quadratic --seed 1 --threads 1"
  [cnn]="train --model models/seed001-cnn.json --epochs 1 --train-size 20000 --threads 2"
  [lstm]="train --model models/mnist-rows-lstm.json --epochs 1 --train-size 6000 --threads 2"
)
names=(nielsen cnn lstm)
describe() {
  case $1 in
    nielsen) echo "Nielsen 784-30-10, batch 10, 1 core (median of 3 epochs)" ;;
    cnn) echo "seed 001 CNN, 20,000 images, 2 cores" ;;
    lstm) echo "MNIST-rows LSTM 128, 6,000 images, 2 cores" ;;
  esac
}

# time_of NAME BINARY FAMILY: seconds of one epoch (the median of the run's epochs, unrounded),
# and the last accuracy line, from the run's JSON log.
time_of() {
  local log=$work/log.jsonl
  rm -f "$log"
  # shellcheck disable=SC2086
  NEURITE_KERNELS=$3 "$2" ${workload[$1]} --data "$data" --log "$log" >/dev/null 2>&1
  local seconds accuracy
  seconds=$(sed -n 's/.*"seconds":\([0-9.e-]*\).*/\1/p' "$log" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  accuracy=$(grep -o '"accuracy":[0-9.e-]*' "$log" | tail -1 | cut -d: -f2)
  echo "$seconds $accuracy"
}

declare -A best accuracy
for ((r = 1; r <= repeats; ++r)); do
  for name in "${names[@]}"; do
    for run in native "${families[@]/#/portable-}"; do
      if [[ $run == native ]]; then result=$(time_of "$name" "$native" ""); else result=$(time_of "$name" "$portable" "${run#portable-}"); fi
      read -r seconds acc <<<"$result"
      key=$name/$run
      if [[ -z ${best[$key]:-} ]] || awk -v a="$seconds" -v b="${best[$key]}" 'BEGIN { exit !(a < b) }'; then best[$key]=$seconds; fi
      accuracy[$key]=$acc
      echo "run $r: $key ${seconds} s, accuracy $acc" >&2
    done
  done
done

header="| workload | native ($("$native" --version | sed 's/.*kernels: \(.*\))/\1/')) |"
rule="|---|---|"
for family in "${families[@]}"; do header+=" portable, $family |"; rule+="---|"; done
echo
echo "$header"
echo "$rule"
for name in "${names[@]}"; do
  row="| $(describe "$name") | $(printf '%.3f' "${best[$name/native]}") s |"
  for family in "${families[@]}"; do
    key=$name/portable-$family
    same=$([[ ${accuracy[$key]} == "${accuracy[$name/native]}" ]] && echo "same accuracy" || echo "accuracy ${accuracy[$key]} vs ${accuracy[$name/native]}")
    row+=" $(printf '%.3f' "${best[$key]}") s ($(awk -v a="${best[$key]}" -v b="${best[$name/native]}" 'BEGIN { printf "%.2f", a / b }')x, $same) |"
  done
  echo "$row"
done
