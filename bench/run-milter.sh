#!/usr/bin/env bash
# Milter throughput, latency and memory of a release moatd on loopback; writes bench/results/milter-DATE.md.
# Load comes from `moat bench milter`, an MTA-side client that speaks milter v6 as Postfix does.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
[ -x "$BIN/moatd" ] && [ -x "$BIN/moat" ] || swift build -c release
WORK=$(mktemp -d /tmp/moat-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
OUT=bench/results/milter-$(date -u +%Y-%m-%d).md
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

start() { # start ENGINES_DIR
    cat >"$WORK/moat.toml" <<CONF
log_level = "warning"
[milter]
listen = ["inet:$PORT@127.0.0.1"]
spool_directory = "$WORK/spool"
CONF
    "$BIN/moatd" --config "$WORK/moat.toml" --engines "$1" >"$WORK/moatd.log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" && break; sleep 0.1; done
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

mkdir -p "$WORK/none" "$WORK/engines"
cp engines/clamav.toml "$WORK/engines/"
sed -i "s|databases = \\[\"clamav\"\\]|databases = [\"$PWD/rules/clamav\"]|; s|system_database = true|system_database = false|" "$WORK/engines/clamav.toml"

{
echo "# Milter benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; release build; loopback TCP; load generator \`moat bench milter\` on the same 2 cores."
echo
echo "## Pass-through (no engines), 4 KB messages"
echo
start "$WORK/none"
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --connections 1,16,64 --messages 20000 --size 4096
echo
echo "Peak RSS of moatd after the runs: $(kb "$PID" VmHWM) kB"
stop
echo
echo "## ClamAV in process (rules/clamav), 4 KB messages"
echo
start "$WORK/engines"
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --connections 1,16,64 --messages 10000 --size 4096
stop
echo
echo "## Memory"
echo
start "$WORK/none"
idle=$(kb "$PID" VmRSS)
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --idle 1000 --hold 6 >/dev/null &
LOADER=$!
sleep 4
held=$(kb "$PID" VmRSS)
wait "$LOADER"
echo "| measure | value |"
echo "|---|---:|"
echo "| RSS idle, no connections | $idle kB |"
echo "| RSS with 1000 idle negotiated connections | $held kB |"
echo "| per idle connection | $(( (held - idle) * 1024 / 1000 )) bytes |"
stop
start "$WORK/none"
base=$(kb "$PID" VmRSS)
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --connections 64 --messages 128 --size 10485760 | tail -n 1 >"$WORK/big.txt"
peak=$(kb "$PID" VmHWM)
echo "| 64 concurrent 10 MB messages (128 sent): RSS before | $base kB |"
echo "| ... peak RSS (VmHWM) | $peak kB |"
echo "| ... throughput row | $(cat "$WORK/big.txt") |"
echo
echo "Spool threshold 1 MiB (bodies above it go to disk while they arrive); max_scan_bytes_in_flight 512 MiB bounds what is parsed and scanned at once (a message costs about 3× its size)."
stop
} | tee "$OUT"
echo "written to $OUT"
