#!/usr/bin/env bash
# Fuzzes every reader of outside input (fuzz/fuzz_*.cpp) for SECONDS each (default 600), one after
# another, with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer; builds them first, in
# the sanitizer build scripts/test.sh uses (clang, build-sanitize/). Prints a line per target
# (executions, coverage) and exits non-zero when any target found something; its input is kept in
# build-sanitize/fuzz/state/<reader>/.
#   scripts/fuzz.sh [SECONDS] [READER...]     e.g. scripts/fuzz.sh 60 idx csv
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_packages "${NEURITE_PACKAGES[@]}"
fetch_web_packages  # the http target serves the page's files
seconds=${1:-600}
shift || true
build_sanitized
build="$SANITIZE_DIR"
readers=("$@")
if [[ ${#readers[@]} -eq 0 ]]; then
  for source in "$NEURITE_ROOT"/fuzz/fuzz_*.cpp; do readers+=("$(basename "$source" .cpp | sed 's/^fuzz_//')"); done
fi
failed=0
for reader in "${readers[@]}"; do
  bash "$NEURITE_ROOT/fuzz/run_fuzzer.sh" "$build/fuzz/fuzz_$reader" "$NEURITE_ROOT/fuzz/corpus/$reader" \
    "$build/fuzz/state/$reader" "$seconds" || failed=1
done
exit $failed
