#!/usr/bin/env bash
# Data-parallel training against threads, side by side in one run on this machine: the seed CNN
# (models/seed001-cnn.json) and best-cnn (models/best-cnn.json), one epoch each, as
#   1 process x 1 thread      neurite train --threads 1
#   1 process x 2 threads     neurite train --threads 2          (what a plain run does here)
#   2 processes x 1 thread    mpirun -np 2 neurite train         (2 shards per batch)
# repeated --rounds times in turn (the best round is kept: the machines are shared and noisy).
# Prints a Markdown table: training samples per second (evaluation excluded), the 2-process run
# against the 2-thread process (goal: within 10%), the scaling efficiency
# throughput(2 processes) / (2 x throughput(1 process x 1 thread)), and the seconds each epoch
# spent waiting in communication (process 0's).
#
#   bench/distributed_side_by_side.sh [--rounds 2] [--seed-samples 60000] [--best-samples 20000]
#                                     [--neurite build/neurite] [--data data/mnist]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=2 seed_samples=60000 best_samples=20000 neurite=build/neurite data=data/mnist
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seed-samples) seed_samples=$2; shift 2 ;;
    --best-samples) best_samples=$2; shift 2 ;;
    --neurite) neurite=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$repo"
source "$repo/bench/side_by_side_lib.sh"
export NEURITE_MNIST=$data
mpirun=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader)

# "Epoch 0: 9857 / 10000  (4.91 s, rate 0.001, 0.12 s waiting)" -> "4.91 0.12"
epoch_figures() {
  local seconds waited
  seconds=$(sed -n 's/^Epoch 0: [^(]*(\([0-9.]*\) s.*/\1/p' "$1" | head -1)
  waited=$(sed -n 's/^Epoch 0: .*, \([0-9.]*\) s waiting.*/\1/p' "$1" | head -1)
  echo "$seconds ${waited:-0}"
}

declare -A best_seconds waiting
for round in $(seq 1 "$rounds"); do
  for model in seed001-cnn best-cnn; do
    samples=$seed_samples
    [ "$model" = best-cnn ] && samples=$best_samples
    flags=(train --model "$model" --epochs 1 --train-size "$samples" --seed 1)
    run "$model-1x1-$round" "$neurite" "${flags[@]}" --threads 1 > /dev/null
    run "$model-1x2-$round" "$neurite" "${flags[@]}" --threads 2 > /dev/null
    run "$model-2x1-$round" "${mpirun[@]}" -np 2 "$neurite" "${flags[@]}" --threads 1 > /dev/null
    for setup in 1x1 1x2 2x1; do
      read -r seconds waited < <(epoch_figures "$work/$model-$setup-$round.out")
      key="$model $setup"
      if [ -z "${best_seconds[$key]:-}" ] || (($(awk -v a="$seconds" -v b="${best_seconds[$key]}" 'BEGIN {print (a < b)}'))); then
        best_seconds[$key]=$seconds
        waiting[$key]=${waited:-0}
      fi
    done
  done
done

echo
echo "| model | samples | 1 process x 1 thread | 1 process x 2 threads | 2 processes x 1 thread | 2 processes / 2 threads | scaling efficiency | waiting (2 processes) |"
echo "|---|---|---|---|---|---|---|---|"
for model in seed001-cnn best-cnn; do
  samples=$seed_samples
  [ "$model" = best-cnn ] && samples=$best_samples
  awk -v m="$model" -v n="$samples" -v t11="${best_seconds[$model 1x1]}" -v t12="${best_seconds[$model 1x2]}" \
      -v t21="${best_seconds[$model 2x1]}" -v w="${waiting[$model 2x1]}" 'BEGIN {
    r11 = n / t11; r12 = n / t12; r21 = n / t21
    printf "| %s | %d | %.0f/s | %.0f/s | %.0f/s | %.2f | %.0f%% | %.2f s of %.2f s (%.1f%%) |\n",
           m, n, r11, r12, r21, r21 / r12, 100 * r21 / (2 * r11), w, t21, 100 * w / t21
  }'
done
