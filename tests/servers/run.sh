#!/usr/bin/env bash
# Starts and stops the server processes of cos-sdk's end-to-end tests (radosgw, moto and the tinyproxy
# instances) in one go.
#
# Usage: tests/servers/run.sh up|down
#   up    installs (if needed) and starts radosgw, moto and tinyproxy, then writes target/test-servers.env with the
#         export lines (COS_TEST_RADOSGW_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, COS_TEST_MOTO_ENDPOINT) for
#         the test runner:  tests/servers/run.sh up && . target/test-servers.env && cargo test ...
#   down  stops both and removes the env file; safe to run when nothing is up.
# Environment: COS_TEST_WORK_DIR (default <repo>/target); COS_TEST_SERVERS=radosgw, moto or tinyproxy (or a
# space-separated list) to bring up only those.
# Installing needs root for apt-get (radosgw) and PyPI access (moto). Everything is bounded by timeouts.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BASE="${COS_TEST_WORK_DIR:-$ROOT/target}"
ENV_FILE="$BASE/test-servers.env"
SERVERS="${COS_TEST_SERVERS:-radosgw moto tinyproxy}"

log() { echo "run.sh: $*" >&2; }

cmd_down() {
  local s
  for s in $SERVERS; do "$HERE/$s.sh" stop || log "stopping $s failed"; done
  rm -f "$ENV_FILE"
}

cmd_up() {
  local t0=$SECONDS s pids=() names=() i failed=0
  mkdir -p "$BASE" "$BASE/servers-log"
  rm -f "$ENV_FILE"
  # pip (moto) runs beside apt-get; the servers installed with apt-get (radosgw, tinyproxy) go one after
  # the other, since apt-get holds its locks while it runs.
  local apt_servers=""
  for s in $SERVERS; do
    case "$s" in
      radosgw|tinyproxy) apt_servers="$apt_servers $s" ;;
      *)
        "$HERE/$s.sh" install >"$BASE/servers-log/$s-install.log" 2>&1 &
        pids+=($!); names+=("$s")
        ;;
    esac
  done
  for s in $apt_servers; do
    "$HERE/$s.sh" install >"$BASE/servers-log/$s-install.log" 2>&1 || { log "installing $s failed:"; cat "$BASE/servers-log/$s-install.log" >&2; failed=1; }
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      log "installing ${names[$i]} failed:"; cat "$BASE/servers-log/${names[$i]}-install.log" >&2; failed=1
    fi
  done
  [ "$failed" -eq 0 ] || exit 1
  log "installed in $((SECONDS - t0)) s"
  local t1=$SECONDS
  pids=(); names=()
  for s in $SERVERS; do
    "$HERE/$s.sh" start >"$BASE/servers-log/$s-start.log" 2>&1 &
    pids+=($!); names+=("$s")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      log "starting ${names[$i]} failed:"; cat "$BASE/servers-log/${names[$i]}-start.log" >&2; failed=1
    fi
  done
  if [ "$failed" -ne 0 ]; then
    cmd_down
    exit 1
  fi
  {
    echo "# Written by tests/servers/run.sh up; removed by tests/servers/run.sh down."
    for s in $SERVERS; do "$HERE/$s.sh" env; done
  } >"$ENV_FILE"
  log "started in $((SECONDS - t1)) s (total $((SECONDS - t0)) s); environment in $ENV_FILE"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
