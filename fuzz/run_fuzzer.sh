#!/usr/bin/env bash
# Runs one fuzz target for SECONDS under its sanitizers: starts from the seed corpus (read only),
# keeps what it learns in WORK/corpus, writes any finding to WORK/ (crash-*, leak-*, timeout-*,
# oom-*) and exits non-zero on one. Ends with a summary line: executions, coverage, corpus size.
#   fuzz/run_fuzzer.sh BINARY SEEDS WORK SECONDS
set -euo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
# A single input may take 20 s (a model at the size limits); 3 GiB of memory covers the largest
# allocation the documented limits allow, with the sanitizers' overhead.
# The leaks LeakSanitizer may ignore (fontconfig's cache, in the charts) are the tests' list.
suppressions="$(cd "$(dirname "$0")/.." && pwd)/tests/lsan.supp"
status=0
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$suppressions:print_suppressions=0" \
  UBSAN_OPTIONS=print_stacktrace=1 \
  "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1 || status=$?
executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || echo 0)
coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1 || true)
echo "$(basename "$binary"): $executions executions, ${coverage:-no coverage line}, $(ls "$work/corpus" | wc -l) inputs in the corpus"
if [[ $status -ne 0 ]]; then
  echo "FINDING (exit $status); the input is in $work/, the report:"
  grep -m1 -B2 -A25 'ERROR\|==ABORTING\|runtime error\|neurite fuzz:\|answered' "$work/log" || tail -40 "$work/log"
fi
exit $status
