#!/usr/bin/env bash
# The test suite: every unit, the seeds' reproductions, gradient checks, bad input, and the
# end-to-end runs on the real MNIST files (label "slow"); then the fast tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer, with every fuzz target for 30 s. Installs what is
# missing and builds first.
#   scripts/test.sh            everything
#   scripts/test.sh -LE slow   skip the slow end-to-end tests (any ctest arguments pass through)
set -euo pipefail
source "$(dirname "$0")/common.sh"
# python3-torch and python3-numpy: the test that PyTorch opens neurite's model files.
# chromium: the page's browser test (driven by playwright-core from web/node_modules).
# python3-onnx: ONNX's own checker on the files `neurite export --onnx` writes; ONNX Runtime
# (npm's onnxruntime-node, tests/onnx) runs them.
install_packages "${NEURITE_PACKAGES[@]}" python3-torch python3-numpy python3-onnx chromium
fetch_mnist
fetch_corpus
fetch_web_packages
fetch_onnxruntime
fetch_vega_datasets
fetch_fashion_mnist
export NEURITE_MNIST="$MNIST_DIR" NEURITE_CORPUS="$KJV_TEXT"
export NEURITE_VEGA="$VEGA_DIR" NEURITE_FASHION_MNIST="$FASHION_MNIST_DIR"

echo "== build (Release) and test"
# Options named explicitly: scripts/main.sh configures the same build folder without tests.
build_neurite "$NEURITE_ROOT/build" -DNEURITE_TESTS=ON -DNEURITE_BENCH=ON
ctest --test-dir "$NEURITE_ROOT/build" --no-tests=error --output-on-failure -j "$(nproc)" "$@"

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer (clang) and test (fast tests, fuzzing)"
# The fuzz targets run 30 s each here (label "fuzz"); scripts/fuzz.sh runs them longer.
build_sanitized
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$SANITIZE_DIR" --no-tests=error --output-on-failure -j "$(nproc)" -LE slow
