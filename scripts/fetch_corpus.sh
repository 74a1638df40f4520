#!/usr/bin/env bash
# Extracts the King James Bible (Debian's bible-kjv) to data/kjv.txt, the default text of
# `neurite lm train`, and checks its SHA-256. Does nothing when it is already there and intact.
set -euo pipefail
source "$(dirname "$0")/common.sh"
fetch_corpus
echo "corpus ready: $KJV_TEXT"
