#!/usr/bin/env bash
# Runs examples/mnist_mlp for one epoch and checks it learned: above 9,000 of the 10,000 test
# digits. Exit 77 (skipped) when MNIST is not there.
set -euo pipefail
program=$1
data=${NEURITE_MNIST:-$2}
[ -f "$data/t10k-labels-idx1-ubyte" ] || { echo "MNIST not found in $data"; exit 77; }
out=$("$program" "$data" 1)
echo "$out"
correct=$(sed -n 's/^Epoch 0: \([0-9]*\) .*/\1/p' <<<"$out")
[ -n "$correct" ] && [ "$correct" -gt 9000 ] || { echo "FAIL: expected more than 9000 correct after one epoch"; exit 1; }
