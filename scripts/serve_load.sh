#!/usr/bin/env bash
# `neurite serve` under load and abuse for a full minute (issue 15): 200 clients on loopback mix
# predictions, page trainings, malformed requests, one-byte-a-second clients and idle
# connections, then SIGTERM. Prints the figures; exits non-zero when the server misses a
# criterion (tests/serve_load.cpp says which). Builds nothing: it runs build/tests/serve_load,
# which needs a build with tests (scripts/test.sh makes one), and MNIST in data/mnist or
# $NEURITE_MNIST. ctest runs the same program for 20 s (Serve.UnderLoadAndAbuse).
#
#   scripts/serve_load.sh [--build DIR] [--seconds 60] [--max-rss-mib 1024]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build
args=(--seconds 60)
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --seconds|--max-rss-mib) args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
program=$build/tests/serve_load
[ -x "$program" ] || { echo "$program is missing: build with tests first (scripts/test.sh)" >&2; exit 2; }
export NEURITE_MNIST=${NEURITE_MNIST:-$repo/data/mnist}
exec "$program" "${args[@]}"
