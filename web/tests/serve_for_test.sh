# What the browser tests' runners share (sourced): the checks that skip a test on a machine
# without a browser, and `neurite serve` started on a free loopback port.

# Exit 77 (skipped) when chromium, Node.js 20 or the page's npm packages are missing
# (scripts/test.sh installs them).
require_browser() {
  local web=$1
  skip() { echo "skipped: $*"; exit 77; }
  [ -x "$chromium_bin" ] || skip "no chromium at $chromium_bin (apt-get install chromium)"
  command -v node >/dev/null || skip "no node"
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "playwright-core needs Node.js 20 or later"
  [ -d "$web/node_modules/playwright-core" ] || skip "no web/node_modules (scripts/fetch_web.sh)"
}

# start_server NEURITE LOG ARGS...: runs `NEURITE serve --port 0 ARGS...`, its output in LOG;
# sets $server (its process) and $url, and kills it if the runner exits early.
start_server() {
  local neurite=$1 log=$2
  shift 2
  "$neurite" serve --port 0 "$@" > "$log" 2>&1 &
  server=$!
  trap 'kill -9 $server 2>/dev/null || true' EXIT
  url=""
  for _ in $(seq 100); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$log" || true)
    [ -n "$url" ] && break
    kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "neurite serve did not start"; cat "$log"; exit 1; }
}

# stop_server LOG: SIGINT, which must end it cleanly within 10 s.
stop_server() {
  local log=$1
  kill -INT $server
  for _ in $(seq 100); do kill -0 $server 2>/dev/null || break; sleep 0.1; done
  if kill -0 $server 2>/dev/null; then echo "neurite serve did not stop on SIGINT"; exit 1; fi
  wait $server || { echo "neurite serve exited with status $? after SIGINT"; cat "$log"; exit 1; }
  trap - EXIT
}
