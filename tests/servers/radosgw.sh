#!/usr/bin/env bash
# Single-node Ceph radosgw cluster on 127.0.0.1 for cos-sdk's end-to-end tests.
#
# Usage: tests/servers/radosgw.sh install|start|stop|status|env
#   install  apt-get the Debian packages (radosgw, ceph-mon, ceph-osd, no recommends); quick when present.
#   start    fresh cluster in target/radosgw: one monitor, one memstore OSD, cephx off, pool size 1,
#            radosgw (beast, tcp_nodelay=1) on a free port, an S3 user with fixed keys, and a GLACIER
#            storage class in the default placement. Waits until the S3 endpoint answers.
#   stop     radosgw first, then the OSD, then the monitor; nothing is left running.
#   status   says whether the daemons run.
#   env      prints the export lines for the test runner (COS_TEST_RADOSGW_*).
# Environment: COS_TEST_WORK_DIR (default <repo>/target) holds radosgw/ with the config, data, logs, pids.
#
# Verified by hand on Debian 12 (ceph 16.2.15 "pacific" from bookworm), as root, no systemd:
#   - install from nothing: ~55 s (apt-get update 4 s, then 63 packages, 69 MB); start: 14-16 s; stop: ~5 s.
#   - bucket create, put/get object, versioning, ListObjectVersions.
#   - object lock bucket (x-amz-bucket-object-lock-enabled: true) with a COMPLIANCE retention: deleting
#     the retained version is refused with 403 AccessDenied; a plain delete only adds a delete marker.
#   - lifecycle Transition to GLACIER (Days 1 = 10 s with `rgw lc debug interval = 10`): HEAD shows
#     `x-amz-storage-class: GLACIER` within about a minute.
#   - a wrong secret key gets 403 SignatureDoesNotMatch.
# Quirks:
#   - The S3 user is created before the GLACIER storage class is added, as one would on a new zone;
#     radosgw reads the zone placement only at startup, so it is started after both (no restart needed).
#   - There is no ceph-mgr: the cluster reports HEALTH_WARN (no active mgr) and PG stats stay "unknown",
#     but I/O works; radosgw does not need the mgr.
#   - memstore keeps everything in memory: every `start` builds a new, empty cluster.
#   - Lifecycle days are scaled to `rgw lc debug interval` seconds, and radosgw only scans buckets
#     every interval, so a rule with Days 1 applies after 10-40 s.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${COS_TEST_WORK_DIR:-$ROOT/target}/radosgw"
CONF="$WORK/ceph.conf"
ACCESS_KEY="cos-sdk-test-access-key"
SECRET_KEY="cos-sdk-test-secret-key-0123456789abcdef"
START_TIMEOUT="${COS_TEST_RADOSGW_START_TIMEOUT:-90}"

log() { echo "radosgw.sh: $*" >&2; }
die() { echo "radosgw.sh: error: $*" >&2; exit 1; }

# Free TCP port on 127.0.0.1 (small race with other programs; start retries are not worth it here).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

cmd_install() {
  local missing=()
  for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "already installed ($(ceph-mon --version 2>/dev/null | awk '{print $3}'))"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "installing needs root (apt-get); missing: ${missing[*]}"
  log "installing radosgw ceph-mon ceph-osd (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq || die "apt-get update failed; check the Debian mirror in /etc/apt/sources.list*"
  timeout 600 apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null \
    || die "apt-get install radosgw ceph-mon ceph-osd failed; run it by hand to see why"
  command -v radosgw >/dev/null || die "radosgw still missing after apt-get install"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the daemon whose pid file is $1: TERM, up to 10 s, then KILL.
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

cmd_stop() {
  [ -d "$WORK" ] || return 0
  # radosgw before the monitor: without a monitor its shutdown hangs.
  stop_pidfile "$WORK/run/client.rgw.pid" radosgw
  stop_pidfile "$WORK/run/osd.0.pid" ceph-osd
  stop_pidfile "$WORK/run/mon.a.pid" ceph-mon
  rm -f "$WORK/endpoint"
}

# Runs "$@" until it succeeds or $1 seconds pass.
retry_for() {
  local secs="$1"; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

ceph_cli() { timeout 20 ceph -c "$CONF" --connect-timeout 10 "$@"; }
rgw_admin() { timeout 60 radosgw-admin -c "$CONF" "$@"; }

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd.0 up'; }
s3_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

cmd_start() {
  command -v radosgw >/dev/null || die "radosgw is not installed; run: $0 install"
  local t0=$SECONDS
  cmd_stop
  rm -rf "$WORK"
  mkdir -p "$WORK"/{run,log,mon/ceph-a,osd/ceph-0,rgw}
  local fsid mon_port rgw_port osd_uuid
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  mon_port="$(free_port)"
  rgw_port="$(free_port)"
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port="$(free_port)"; done

  cat >"$CONF" <<EOF
# Generated by tests/servers/radosgw.sh: single-node test cluster, data in memory, no authentication.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
# Without cephx there is no session key, so "secure" connection mode cannot work; radosgw as a daemon
# would otherwise ask the monitor for secure mode only and retry forever.
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
run dir = $WORK/run
pid file = $WORK/run/\$name.pid
admin socket = $WORK/run/\$name.asok
log file = $WORK/log/\$name.log
crash dir = $WORK/log/crash
keyring = /dev/null
# A daemon that cannot reach the monitor gives up after 30 s instead of 300 s.
client mount timeout = 30
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0

[mon]
mon data = $WORK/mon/\$cluster-\$id
mon cluster log file = $WORK/log/cluster.log

[osd]
osd data = $WORK/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 4294967296
osd max object name len = 460
osd max object namespace len = 64
osd op num threads per shard = 1

[client.rgw]
rgw data = $WORK/rgw
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw lc debug interval = 10
rgw dns name = localhost
rgw enable usage log = false
rgw thread pool size = 64
EOF

  # Monitor.
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$WORK/monmap" >/dev/null \
    || die "monmaptool failed"
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$WORK/monmap" >"$WORK/log/mon-mkfs.out" 2>&1 \
    || die "ceph-mon --mkfs failed; see $WORK/log/mon-mkfs.out"
  timeout 60 ceph-mon -c "$CONF" -i a >"$WORK/log/mon.out" 2>&1 || die "ceph-mon failed to start; see $WORK/log/mon.a.log"
  retry_for 30 ceph_cli mon stat || die "the monitor did not answer in 30 s; see $WORK/log/mon.a.log"

  # One OSD on memstore.
  ceph_cli osd new "$osd_uuid" >/dev/null || die "ceph osd new failed; see $WORK/log/mon.a.log"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$WORK/log/osd-mkfs.out" 2>&1 \
    || die "ceph-osd --mkfs failed; see $WORK/log/osd-mkfs.out"
  timeout 60 ceph-osd -c "$CONF" -i 0 >"$WORK/log/osd.out" 2>&1 || die "ceph-osd failed to start; see $WORK/log/osd.0.log"
  retry_for 60 osd_up || die "osd.0 did not come up in 60 s; see $WORK/log/osd.0.log"

  # S3 user (this also creates the default zonegroup, zone and their pools), then the GLACIER class.
  rgw_admin user create --uid=cos-sdk-test --display-name="cos-sdk tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$WORK/log/user-create.out" 2>&1 \
    || die "radosgw-admin user create failed; see $WORK/log/user-create.out"
  rgw_admin zonegroup placement add --rgw-zonegroup=default --placement-id=default-placement \
    --storage-class=GLACIER >"$WORK/log/placement.out" 2>&1 \
    || die "radosgw-admin zonegroup placement add failed; see $WORK/log/placement.out"
  rgw_admin zone placement add --rgw-zone=default --placement-id=default-placement \
    --storage-class=GLACIER --data-pool=default.rgw.glacier.data >>"$WORK/log/placement.out" 2>&1 \
    || die "radosgw-admin zone placement add failed; see $WORK/log/placement.out"

  # radosgw reads the placement targets at startup, so it starts after they exist.
  timeout 60 radosgw -c "$CONF" -n client.rgw >"$WORK/log/rgw.out" 2>&1 \
    || die "radosgw failed to start; see $WORK/log/client.rgw.log"
  local deadline=$((t0 + START_TIMEOUT))
  until s3_answers "$rgw_port"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      cmd_stop
      die "radosgw did not answer on 127.0.0.1:$rgw_port within ${START_TIMEOUT}s; see $WORK/log/client.rgw.log"
    fi
    pid_alive "$WORK/run/client.rgw.pid" || [ ! -f "$WORK/run/client.rgw.pid" ] \
      || die "radosgw exited; see $WORK/log/client.rgw.log"
    sleep 0.3
  done
  echo "http://127.0.0.1:$rgw_port" >"$WORK/endpoint"
  log "started in $((SECONDS - t0)) s at http://127.0.0.1:$rgw_port (work dir $WORK)"
}

cmd_status() {
  local name
  for name in mon.a osd.0 client.rgw; do
    if pid_alive "$WORK/run/$name.pid"; then echo "$name running (pid $(cat "$WORK/run/$name.pid"))"
    else echo "$name not running"; fi
  done
}

cmd_env() {
  [ -f "$WORK/endpoint" ] || die "radosgw is not started; run: $0 start"
  echo "export COS_TEST_RADOSGW_ENDPOINT=$(cat "$WORK/endpoint")"
  echo "export COS_TEST_RADOSGW_ACCESS_KEY=$ACCESS_KEY"
  echo "export COS_TEST_RADOSGW_SECRET_KEY=$SECRET_KEY"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
