#!/usr/bin/env bash
# moto's S3 server on 127.0.0.1 for cos-sdk's end-to-end tests of the GLACIER restore flow only
# (moto checks no signatures, so nothing about signing is tested against it).
#
# Usage: tests/servers/moto.sh install|start|stop|status|env
#   install  venv in target/moto-venv with the pinned moto, flask and flask-cors from PyPI; quick when present.
#   start    moto_server on a free port in the background (pid file), waits until it answers.
#   stop     stops it; nothing is left running.
#   env      prints `export COS_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT`.
# Environment: COS_TEST_WORK_DIR (default <repo>/target) holds moto-venv/ and moto/ (pid, port, log).
#
# Verified by hand with moto 5.2.5 (any access key and secret are accepted):
#   - PutObject with StorageClass GLACIER, then GetObject -> 403 InvalidObjectState.
#   - RestoreObject with Days 1 and Tier Bulk or Standard -> 202; HEAD then shows
#     `x-amz-restore: ongoing-request="false", expiry-date="..."` (moto restores at once) and GetObject works.
#   - A second RestoreObject on a restored object -> 200.
#   - Tier Accelerated (IBM's tier, not in AWS): moto does not validate Tier at all, so Accelerated (and any
#     other value) gets the same 202 and instant restore. Tests can send it but learn nothing about the tier.
#   - HEAD keeps `x-amz-storage-class: GLACIER` after the restore; moto sends no x-ibm-* headers.
#   - GetObject before the restore is 403 InvalidObjectState (as AWS and COS).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BASE="${COS_TEST_WORK_DIR:-$ROOT/target}"
VENV="$BASE/moto-venv"
WORK="$BASE/moto"
PINS=("moto[s3,server]==5.2.5" "flask==3.1.3" "flask-cors==6.0.5")
START_TIMEOUT="${COS_TEST_MOTO_START_TIMEOUT:-30}"

. "$HERE/common.sh"

installed() {
  [ -x "$VENV/bin/moto_server" ] && "$VENV/bin/python" -c 'import moto, flask, flask_cors, sys; sys.exit(0 if moto.__version__ == "5.2.5" else 1)' 2>/dev/null
}

cmd_install() {
  if installed; then
    log "already installed in $VENV"
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is missing; install it (apt-get install python3 python3-venv)"
  if ! python3 -m venv --clear "$VENV" >/dev/null 2>&1; then
    # Debian's own python3 needs python3-venv for `-m venv`.
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      log "python3 -m venv failed; installing python3-venv"
      DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
        || die "apt-get install python3-venv failed"
      python3 -m venv --clear "$VENV" || die "python3 -m venv $VENV failed"
    else
      die "python3 -m venv $VENV failed; install python3-venv"
    fi
  fi
  log "installing ${PINS[*]} into $VENV"
  timeout 600 "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PINS[@]}" \
    || die "pip install ${PINS[*]} failed; check that PyPI is reachable"
  installed || die "moto is still not importable from $VENV after pip install"
}

cmd_stop() {
  stop_pidfile "$WORK/moto.pid" moto_server
  rm -f "$WORK/endpoint"
}

cmd_start() {
  installed || die "moto is not installed; run: $0 install"
  cmd_stop
  mkdir -p "$WORK"
  local port t0=$SECONDS
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  # setsid: the server outlives this script and is not hit by the caller's terminal signals.
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 </dev/null &
  echo $! >"$WORK/moto.pid"
  until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; do
    pid_alive "$WORK/moto.pid" || die "moto_server exited; see $WORK/moto.log"
    if [ $((SECONDS - t0)) -ge "$START_TIMEOUT" ]; then
      cmd_stop
      die "moto_server did not answer on 127.0.0.1:$port within ${START_TIMEOUT}s; see $WORK/moto.log"
    fi
    sleep 0.2
  done
  echo "http://127.0.0.1:$port" >"$WORK/endpoint"
  log "started in $((SECONDS - t0)) s at http://127.0.0.1:$port"
}

cmd_status() {
  if pid_alive "$WORK/moto.pid"; then echo "moto_server running (pid $(cat "$WORK/moto.pid"))"; else echo "moto_server not running"; fi
}

cmd_env() {
  [ -f "$WORK/endpoint" ] || die "moto is not started; run: $0 start"
  echo "export COS_TEST_MOTO_ENDPOINT=$(cat "$WORK/endpoint")"
}

run_command "$@"
