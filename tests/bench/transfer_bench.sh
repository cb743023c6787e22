#!/usr/bin/env bash
# Transfer benchmark: a 1 GiB upload and download through cos-sdk's transfer manager and through
# ibm-cos-sdk (Python), each in its own process, against one embedded s3s server on 127.0.0.1.
# Prints one JSON line per client: throughput each way and peak RSS. Not a test; figures vary by machine.
#
# Usage: tests/bench/transfer_bench.sh [SIZE_MIB]   (default 1024)
# Needs: cargo, python3 with venv; installs ibm-cos-sdk==2.16.2 into target/bench-venv on first run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIZE_MIB="${1:-1024}"
WORK="$ROOT/target/transfer-bench"
VENV="$ROOT/target/bench-venv"
BIN="$ROOT/target/release/examples/transfer_bench"

cargo build --release -q -p cos-sdk-tests --example transfer_bench
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import ibm_boto3' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q ibm-cos-sdk==2.16.2
fi

rm -rf "$WORK"
mkdir -p "$WORK/server"
FILE="$WORK/data.bin"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$FILE"

"$BIN" serve "$WORK/server" > "$WORK/server.out" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/server.out" ] && break; sleep 0.1; done
read -r URL ACCESS SECRET < "$WORK/server.out"
echo "server: $URL" >&2

"$BIN" client "$URL" bench-rust "$FILE"
"$BIN" client "$URL" bench-rust-unsigned "$FILE" unsigned
"$BIN" client "$URL" bench-rust-crc32c "$FILE" unsigned crc32c
"$VENV/bin/python" "$HERE/transfer_bench.py" "$URL" "$ACCESS" "$SECRET" bench-python "$FILE"
