#!/usr/bin/env bash
# Runs one example and checks what it printed:
#   run_examples.sh NAME BIN_DIR MNIST_FOLDER
# mnist_mlp: one epoch, above 9,000 of 10,000; seed_cnn: one epoch on 5,000 images, above 9,000;
# predict_image: the first test digit (a 7) through the model mnist_mlp saved; char_lstm: the
# built-in rhyme, loss below 1 nat per character; run_config: one epoch on 20,000 images, above
# 9,000, then a bad value named by its key; own_table: seattle-weather.csv, at least 70% on its
# test split; data_parallel (run_examples.sh data_parallel BIN_DIR MPIRUN): the same weights on 1
# and 3 processes. Exit 77 (skipped) when MNIST (or the table) is missing.
set -euo pipefail
name=$1 bin=$2
data=${NEURITE_MNIST:-$3}
fail() { echo "FAIL: $*"; exit 1; }
needs_mnist() { [ -f "$data/t10k-images-idx3-ubyte" ] || { echo "MNIST not found in $data"; exit 77; }; }
correct_after_epoch_0() { sed -n 's/^Epoch 0: \([0-9]*\) .*/\1/p' <<<"$1"; }

case $name in
  mnist_mlp)
    needs_mnist
    out=$("$bin/mnist_mlp" "$data" 1) && echo "$out"
    [ "$(correct_after_epoch_0 "$out")" -gt 9000 ] || fail "expected more than 9000 correct after one epoch" ;;
  seed_cnn)
    needs_mnist
    out=$("$bin/seed_cnn" "$data" 5000) && echo "$out"
    [ "$(correct_after_epoch_0 "$out")" -gt 9000 ] || fail "expected more than 9000 correct after one epoch" ;;
  predict_image)
    needs_mnist
    [ -f mnist_mlp.safetensors ] || "$bin/mnist_mlp" "$data" 1 >/dev/null
    # The first test image as a binary PGM: the IDX file's header is 16 bytes, then 28x28 bytes.
    { printf "P5\n28 28\n255\n"; head -c 800 "$data/t10k-images-idx3-ubyte" | tail -c 784; } > seven.pgm
    out=$("$bin/predict_image" mnist_mlp.safetensors seven.pgm) && echo "$out"
    grep -qx "predicted: 7" <<<"$out" || fail "expected the first test digit to be read as a 7" ;;
  run_config)
    needs_mnist
    out=$("$bin/run_config" "$data") && echo "$out"
    [ "$(correct_after_epoch_0 "$out")" -gt 9000 ] || fail "expected more than 9000 correct after one epoch"
    grep -q '"optimizer":"adam"' <<<"$out" || fail "the model file does not record the configuration"
    err=$("$bin/run_config" "$data" '{"epochs": 0}' 2>&1) && fail "epochs 0 was accepted"
    grep -qx "error: epochs must be positive, got 0" <<<"$err" || fail "unexpected error: $err" ;;
  own_table)
    table=${NEURITE_VEGA:-$(dirname "$data")/vega}/seattle-weather.csv
    [ -f "$table" ] || { echo "$table not found"; exit 77; }
    out=$("$bin/own_table" "$table" weather date) && echo "$out"
    accuracy=$(sed -n 's/^test accuracy \([0-9]*\)\..*/\1/p' <<<"$out")
    [ "${accuracy:-0}" -ge 70 ] || fail "expected a test accuracy of at least 70%"
    grep -q '^sun ' <<<"$out" || fail "expected a line for the class sun" ;;
  data_parallel)  # the third argument is mpirun here
    mpirun=(timeout 100 "$3" --allow-run-as-root --oversubscribe --mca btl self,vader)
    one=$("${mpirun[@]}" -np 1 "$bin/data_parallel") && echo "$one"
    three=$("${mpirun[@]}" -np 3 "$bin/data_parallel") && echo "$three"
    sum_of() { sed -n 's/^[0-9]* process\(es\)\{0,1\}, weight sum //p' <<<"$1"; }
    [ -n "$(sum_of "$one")" ] && [ "$(sum_of "$one")" = "$(sum_of "$three")" ] ||
      fail "1 and 3 processes ended with other weights" ;;
  char_lstm)
    out=$("$bin/char_lstm") && echo "$out"
    loss=$(grep '^step' <<<"$out" | tail -1 | awk '{print $4}')
    awk -v l="$loss" 'BEGIN { exit !(l < 1.0) }' || fail "the last loss $loss is not below 1 nat per character" ;;
  *) fail "unknown example $name" ;;
esac
