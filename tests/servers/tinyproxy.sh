#!/usr/bin/env bash
# Three tinyproxy instances on 127.0.0.1 for cos-sdk's proxy tests: an open one, one that wants Basic
# credentials, and a strict one that allows CONNECT to port 443 only.
#
# Usage: tests/servers/tinyproxy.sh install|start|stop|status|env
#   install  apt-get the Debian package tinyproxy (no recommends); quick when present.
#   start    the three instances on free ports, each with its config, log and pid file; waits until
#            each accepts connections.
#   stop     stops them; nothing is left running.
#   env      prints the export lines COS_TEST_PROXY_OPEN, COS_TEST_PROXY_AUTH, COS_TEST_PROXY_STRICT
#            (http://127.0.0.1:PORT, no credentials in them) and COS_TEST_PROXY_LOG (the open one's log,
#            where tests find the requests it carried).
# Environment: COS_TEST_WORK_DIR (default <repo>/target) holds tinyproxy/ with configs, logs and pids.
#
# Verified by hand with tinyproxy 1.11.1 (Debian 12):
#   - plain http through it: the absolute-form request is forwarded; the log has
#     "Request (file descriptor N): GET http://127.0.0.1:PORT/... HTTP/1.1".
#   - CONNECT 127.0.0.1:PORT: "200 Connection established"; the log has "CONNECT 127.0.0.1:PORT HTTP/1.1".
#     With no ConnectPort line every port may be tunnelled to.
#   - the auth instance: no credentials -> 407 with Proxy-Authenticate; wrong credentials -> 401 with
#     WWW-Authenticate (a tinyproxy quirk; squid answers 407); right ones -> forwarded.
#     BasicAuth refuses `@` and `:` in the password, so the test password has neither.
#   - the strict instance (ConnectPort 443): CONNECT to any other port -> "403 Access violation".
#   - CONNECT to a closed port -> "500 Unable to connect".
#   - The Debian package does not start a daemon of its own without systemd.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${COS_TEST_WORK_DIR:-$ROOT/target}/tinyproxy"
INSTANCES=(open auth strict)
# The credentials the auth instance accepts; tests/src/servers.rs has the same two strings.
PROXY_USER="cosuser"
PROXY_PASSWORD="proxy-s3cret-7"

. "$HERE/common.sh"

cmd_install() {
  if command -v tinyproxy >/dev/null; then
    log "already installed: $(tinyproxy -v 2>&1)"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "installing needs root (apt-get install tinyproxy)"
  export DEBIAN_FRONTEND=noninteractive
  # Another installer (radosgw.sh) may hold the apt locks: wait for them rather than fail.
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  if ! apt-cache policy tinyproxy 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    timeout 600 "${apt[@]}" update -qq || die "apt-get update failed"
  fi
  timeout 600 "${apt[@]}" install -y -qq --no-install-recommends tinyproxy >/dev/null \
    || die "apt-get install tinyproxy failed; run it by hand to see why"
  command -v tinyproxy >/dev/null || die "tinyproxy still missing after apt-get install"
}

cmd_stop() {
  local name
  for name in "${INSTANCES[@]}"; do
    stop_pidfile "$WORK/$name.pid" "tinyproxy ($name)"
    rm -f "$WORK/$name.port"
  done
}

cmd_start() {
  command -v tinyproxy >/dev/null || die "tinyproxy is not installed; run: $0 install"
  cmd_stop
  mkdir -p "$WORK"
  local name port i
  for name in "${INSTANCES[@]}"; do
    port="$(free_port)"
    rm -f "$WORK/$name.log"
    {
      echo "Port $port"
      echo "Listen 127.0.0.1"
      echo "Timeout 120"
      echo "MaxClients 200"
      echo "LogFile \"$WORK/$name.log\""
      echo "LogLevel Info"
      echo "PidFile \"$WORK/$name.pid\""
      echo "Allow 127.0.0.1"
      echo "DisableViaHeader Yes"
      case "$name" in
        auth) echo "BasicAuth $PROXY_USER $PROXY_PASSWORD" ;;
        strict) echo "ConnectPort 443" ;;
      esac
    } >"$WORK/$name.conf"
    tinyproxy -c "$WORK/$name.conf" || die "tinyproxy ($name) did not start; see $WORK/$name.log"
    for i in $(seq 1 100); do
      if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
        echo "$port" >"$WORK/$name.port"
        break
      fi
      sleep 0.1
    done
    [ -f "$WORK/$name.port" ] || die "tinyproxy ($name) is not listening on $port after 10 s; see $WORK/$name.log"
  done
  log "open, auth and strict proxies on ports $(cat "$WORK/open.port") $(cat "$WORK/auth.port") $(cat "$WORK/strict.port")"
}

cmd_status() {
  local name
  for name in "${INSTANCES[@]}"; do
    if pid_alive "$WORK/$name.pid"; then
      echo "$name: running on port $(cat "$WORK/$name.port" 2>/dev/null)"
    else
      echo "$name: stopped"
    fi
  done
}

cmd_env() {
  local name upper
  for name in "${INSTANCES[@]}"; do
    [ -f "$WORK/$name.port" ] || die "tinyproxy ($name) is not running; run: $0 start"
    upper="$(echo "$name" | tr '[:lower:]' '[:upper:]')"
    echo "export COS_TEST_PROXY_$upper=http://127.0.0.1:$(cat "$WORK/$name.port")"
  done
  echo "export COS_TEST_PROXY_LOG=$WORK/open.log"
}

run_command "$@"
