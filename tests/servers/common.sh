# Helpers shared by the server scripts in this folder; sourced, not run. The caller sets `set -euo pipefail`.

NAME="$(basename "$0")"
log() { echo "$NAME: $*" >&2; }
die() { echo "$NAME: error: $*" >&2; exit 1; }

# A free TCP port on 127.0.0.1 (small race with other programs; start retries are not worth it here).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Whether the process of pid file $1 runs.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the daemon whose pid file is $1 (named $2 in messages): TERM, up to 10 s, then KILL.
stop_pidfile() {
  local pidfile="$1" name="$2" pid i
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) did not stop in 10 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$pidfile"
}

# Runs the command $1 names (install, start, stop, status or env) as the sourcing script's cmd_$1.
run_command() {
  case "${1:-}" in
    install | start | stop | status | env) "cmd_$1" ;;
    *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
  esac
}
