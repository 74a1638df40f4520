#!/usr/bin/env bash
# The installed package as a user sees it (ctest's Install.FindPackageConsumer):
#   run_install_test.sh CMAKE BUILD_DIR CXX_COMPILER SOURCE_DIR
# installs BUILD_DIR to a temporary prefix, then configures, builds and runs this folder's project
# against it with find_package(neurite). Checks that the program prints what it should, that
# none of neurite's own flags reached its compile or link lines, that the package files name no
# dependency of the command, tests or charts, and that the installed command finds its library
# and the page's files. The temporary folder is removed on success and kept on failure.
set -euo pipefail
cmake=$1
build=$2
cxx=$3
source_dir=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/neurite-install-test.XXXXXX")
prefix=$work/prefix
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# logged LOG COMMAND...: runs it quietly; on failure shows the log and stops.
logged() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "$*"; exit 1; }
}

trap 'if ((failures == 0)); then rm -rf "$work"; else echo "kept $work" >&2; fi' EXIT
trap 'failures=$((failures + 1))' ERR

echo "== cmake --install $build --prefix $prefix"
logged "$work/install.log" "$cmake" --install "$build" --prefix "$prefix"
config=$(find "$prefix" -name neuriteConfig.cmake)
libdir=$(dirname "$(find "$prefix" -name 'libneurite.so')")
[ -n "$config" ] || fail "no neuriteConfig.cmake under $prefix"

echo "== the consumer project"
logged "$work/configure.log" "$cmake" -S "$here" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
found=$(sed -n 's/^neurite_DIR:PATH=//p' "$work/consumer/CMakeCache.txt")
[ "$found" = "$(dirname "$config")" ] || fail "find_package(neurite) found $found, not the temporary prefix"
logged "$work/build.log" "$cmake" --build "$work/consumer"
output=$("$work/consumer/consumer")
echo "$output"
expected='hand-built (1, 2): 0.7732 0.7732
mlp (784) -> dense(30) -> sigmoid -> dense(10) -> sigmoid: 23860 parameters, output (4, 10)
from its architecture: (784) -> dense(30) -> sigmoid -> dense(10) -> sigmoid'
[ "$output" = "$expected" ] || fail "the consumer printed something else; expected:"$'\n'"$expected"

echo "== neurite's own flags stay out of the consumer"
commands="$work/consumer/compile_commands.json"
[ -s "$commands" ] || fail "no $commands"
lines=("$commands")
link="$work/consumer/CMakeFiles/consumer.dir/link.txt"  # the link line, with Makefiles
[ -f "$link" ] && lines+=("$link")
for flag in -march=native -ffp-contract -fno-math-errno -fsanitize -fno-semantic-interposition -Werror; do
  if grep -q -e "$flag" "${lines[@]}"; then fail "$flag reaches the consumer"; fi
done

echo "== the package files name only the public dependencies"
for dep in CLI11 httplib cairo GTest benchmark; do
  if grep -qi -e "$dep" "$(dirname "$config")"/*.cmake; then fail "the package files mention $dep"; fi
done

echo "== the umbrella header includes every core header (viz/ and mpi/ are components of their own)"
umbrella="$prefix/include/neurite/neurite.h"
while read -r header; do
  grep -qx "#include \"neurite/$header\"" "$umbrella" || fail "neurite/neurite.h does not include neurite/$header"
done < <(cd "$prefix/include/neurite" && find . -name '*.h' -not -path './viz/*' -not -path './mpi/*' -not -name neurite.h | sed 's|^\./||')

if [ -x "$prefix/bin/neurite" ]; then
  echo "== the installed command"
  lib=$(ldd "$prefix/bin/neurite" | awk '$1 ~ /^libneurite\.so/ {print $3}')
  [ -n "$lib" ] && [ "$(realpath "$(dirname "$lib")")" = "$(realpath "$libdir")" ] || fail "the installed neurite loads libneurite from '$lib', not $libdir"
  perceptron=$("$prefix/bin/neurite" perceptron)
  grep -qx "1 and 1 = 1" <<<"$perceptron" || fail "the installed neurite perceptron printed: $perceptron"
  shared=(web/index.html web/app.js web/style.css web/playground.css web/stepper.css models/best-mlp.json)
  shared+=(web/js/common.js web/js/models.js web/js/draw.js web/js/train.js web/js/inside.js)
  shared+=(web/js/playground.js web/js/stepper.js)
  # uPlot only when the source has it (scripts/fetch_web.sh); configure warns when it does not.
  if [ -d "$source_dir/web/node_modules/uplot" ]; then
    shared+=(web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css)
  fi
  for f in "${shared[@]}"; do
    [ -f "$prefix/share/neurite/$f" ] || fail "share/neurite/$f is not installed"
  done
fi

package=$(find "$prefix" -path '*/neurite/_core*.so' -printf '%h\n' | head -1)
if [ -d "$build/python/neurite" ]; then
  echo "== the installed Python module"
  [ -n "$package" ] || fail "the Python package neurite is not installed"
  if [ -n "$package" ]; then
    lib=$(ldd "$package"/_core*.so | awk '$1 ~ /^libneurite\.so/ {print $3}')
    [ -n "$lib" ] && [ "$(realpath "$(dirname "$lib")")" = "$(realpath "$libdir")" ] || fail "the installed module loads libneurite from '$lib', not $libdir"
    printed=$(PYTHONPATH=$(dirname "$package") /usr/bin/python3 -c '
import neurite
from neurite.perceptron import Perceptron
p = Perceptron(2, lambda x: 1 if x > 0 else 0)
p.train([[1, 1], [0, 0], [1, 0], [0, 1]], [1, 0, 0, 0], 10, 0.1)
print(neurite.__file__)
print("1 and 1 = %d" % p.predict([1, 1]))') || fail "the installed module does not import"
    grep -q "^$package/__init__.py\$" <<<"$printed" || fail "python imported neurite from elsewhere: $printed"
    grep -qx "1 and 1 = 1" <<<"$printed" || fail "the installed module's perceptron printed: $printed"
  fi
fi

((failures == 0)) || exit 1
echo "PASS"
