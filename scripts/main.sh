#!/usr/bin/env bash
# The main job: trains the seed's 784-30-10 network on MNIST (Nielsen's run: sigmoid, quadratic
# cost, mini-batch 10, eta 3.0, 30 epochs), printing "Epoch j: N / 10000" after each epoch, then
# evaluates the saved model. Installs what is missing and builds first.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages "${NEURITE_PACKAGES[@]}"
fetch_mnist
fetch_web_packages  # uPlot, for the page of `neurite serve`
build_neurite "$NEURITE_ROOT/build" -DNEURITE_TESTS=OFF -DNEURITE_BENCH=OFF
mkdir -p "$NEURITE_ROOT/out"
cd "$NEURITE_ROOT"
build/neurite train --layers 784,30,10 --epochs 30 --batch 10 --rate 3.0 --cost quadratic \
  --seed 1 --data data/mnist --out out/nielsen.safetensors "$@"
build/neurite eval out/nielsen.safetensors --data data/mnist
