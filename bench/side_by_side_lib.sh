# Shared by the side-by-side scripts (sourced, not run): a scratch folder removed on exit, and
# run NAME COMMAND..., which runs a program under GNU time, echoing its output, and leaves
# $work/NAME.out (its output) and $work/NAME.rss (peak resident memory in KiB).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
  local name=$1; shift
  echo "== $name: $*" >&2
  /usr/bin/time -f %M -o "$work/$name.rss" "$@" | tee "$work/$name.out" >&2
}
