#!/bin/bash
# Checks that libneurite.so can run on any x86-64 CPU: outside the kernel families
# (src/ops/isa.h) no function uses an AVX instruction, and in the SSE and AVX2 families none
# uses more than its family may. A stray one would be an out-of-line copy of an inline function
# or template compiled with a family's flags and kept by the linker for everyone (SIGILL on an
# older CPU), or a family file compiled with the wrong flags.
#
#   tests/check_kernel_families.sh LIBRARY OBJECT_LISTS PORTABLE
# OBJECT_LISTS is a folder of neurite.txt, neurite_kernels_sse.txt and neurite_kernels_avx2.txt,
# each naming a part's object files (tests/CMakeLists.txt writes them).
# PORTABLE is ON for a build without -march=native. In a native build (OFF) the code outside the
# families may use what this CPU has, and so may ops/family_dispatch.h's variants (there they are
# all the build's own code), so only the files compiled per family are checked.
#
# Two views: the library, by function name (a family's code sits in a namespace named after it),
# and the family's object files, whose every function must fit the family (clang names its
# outlined OpenMP regions .omp_outlined., without the namespace).
set -euo pipefail
library=$1 lists=$2 portable=$3
[[ "$portable" == ON || "$portable" == OFF ]] || { echo "usage: $0 LIBRARY OBJECT_LISTS ON|OFF" >&2; exit 2; }

# check FILE ALLOWED: prints each function beyond its family; ALLOWED is "by-name" (the library),
# "none" (the rest of the library's objects: no AVX but in family_dispatch.h's variants, named
# after their family) or the family every function of FILE belongs to (sse, avx2).
check() {
  objdump -d -C --no-show-raw-insn "$1" | awk -v portable="$portable" -v allowed="$2" -v file="$1" '
    /^[0-9a-f]+ <.*>:$/ { name = substr($0, index($0, "<") + 1); sub(/>:$/, "", name); first = 1; skip_to = ""; next }
    /^ +[0-9a-f]+:\t/ {
      address = $1; sub(/:$/, "", address)
      split($0, field, "\t"); instruction = field[2]
      # UBSan (-fsanitize=function) starts each function with a jump over 6 bytes of type hash,
      # which objdump decodes as whatever they look like ("vmwrite"): skip to the jump target.
      if (first) {
        first = 0
        if (instruction ~ /^jmp +[0-9a-f]+ <.*\+0x8>$/) { split(instruction, target, " "); skip_to = target[2]; next }
      }
      if (skip_to != "") {
        if (length(address) < length(skip_to) || (length(address) == length(skip_to) && address "" < skip_to "")) next
        skip_to = ""
      }
      split(instruction, word, " "); mnemonic = word[1]
      avx512 = instruction ~ /%zmm|%k[0-7]|\{1to[0-9]+\}/
      avx = avx512 || mnemonic ~ /^v/ || instruction ~ /%ymm/
      if (!avx) next
      family = allowed
      if (allowed == "by-name" || allowed == "none") {  # the rest of the library holds family_dispatch.h variants
        if (allowed == "by-name" && name ~ /^\.omp_outlined/) next  # checked in the object files
        family = name ~ /::avx512::/ ? "avx512" : name ~ /::avx2::/ ? "avx2" : name ~ /::sse::/ ? "sse" : "none"
        if (portable != "ON" && (family == "none" || name ~ /neurite::kernels::avx2::run</)) next
      }
      if (family == "avx512" || (family == "avx2" && !avx512)) next
      if (!(name in seen)) { seen[name] = 1; printf "%s: %s: %s\n", file, name, instruction }
    }'
}

report=$(
  check "$library" by-name
  while read -r object; do check "$object" sse; done <"$lists/neurite_kernels_sse.txt"
  while read -r object; do check "$object" avx2; done <"$lists/neurite_kernels_avx2.txt"
  if [[ "$portable" == ON ]]; then
    while read -r object; do check "$object" none; done <"$lists/neurite.txt"
  fi
)
objects=$(cat "$lists"/neurite_kernels_sse.txt "$lists"/neurite_kernels_avx2.txt | grep -c '\.o$' || true)
if ((objects == 0)); then echo "no kernel family objects listed in $lists" >&2; exit 1; fi
if [[ -n "$report" ]]; then
  echo "$report"
  echo "$(wc -l <<<"$report") function(s) use instructions beyond their kernel family"
  exit 1
fi
echo "every AVX instruction is inside its kernel family ($objects family objects and the library checked)"
