#!/usr/bin/env bash
# The cost of crash isolation, measured: the same real messages through a release moatd with engines
# in worker processes and in process, back to back; resident memory of the parent and each worker,
# with the default engines and with a large generated ClamAV signature set; and a soak of
# SOAK_MESSAGES messages with RSS sampled every 10 s. Writes bench/results/isolation-DATE.md.
#   MESSAGES=3000 SOAK_MESSAGES=200000 SIGNATURES=2000000 SECTIONS="throughput memory soak" bash bench/isolation/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
BIN=.build/release
[ -x "$BIN/moatd" ] && [ -x "$BIN/moat" ] || swift build -c release
MESSAGES=${MESSAGES:-3000}
SOAK_MESSAGES=${SOAK_MESSAGES:-200000}
SIGNATURES=${SIGNATURES:-2000000}
SECTIONS=" ${SECTIONS:-throughput memory soak} "
CORPUS=${CORPUS:-../shared/corpus/spamassassin}
WORK=$(mktemp -d /tmp/moat-isolation.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
OUT=${OUT:-bench/results/isolation-$(date -u +%Y-%m-%d).md}
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# start MODE ENGINES_DIR [WORKERS]: a release moatd in isolation mode MODE (process or in_process),
# with the default worker count unless WORKERS is given.
start() {
    cat >"$WORK/moat.toml" <<CONF
log_level = "warning"
[milter]
listen = ["inet:$PORT@127.0.0.1"]
spool_directory = "$WORK/spool"
[store]
path = "$WORK/moat.sqlite"
[admin]
enabled = false
[isolation]
mode = "$1"
CONF
    [ -n "${3:-}" ] && echo "workers = $3" >>"$WORK/moat.toml"
    "$BIN/moatd" --config "$WORK/moat.toml" --engines "$2" >"$WORK/moatd.log" 2>&1 &
    PID=$!
    for _ in $(seq 600); do python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" 2>/dev/null && return 0; sleep 0.2; done
    echo "moatd did not start:" >&2; cat "$WORK/moatd.log" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
workers() { pgrep -P "$PID" -f -- '--worker-role pool' || true; }
memory_row() { # memory_row LABEL: parent and per-worker RSS (kB)
    local list="" total
    total=$(kb "$PID" VmRSS)
    for w in $(workers); do
        list="$list $(ps -o args= -p "$w" | grep -o -- '--worker-only [a-z]*' | cut -d' ' -f2 || echo default):$(kb "$w" VmRSS)"
        total=$((total + $(kb "$w" VmRSS)))
    done
    echo "| $1 | $(kb "$PID" VmRSS) | ${list:- -} | $total |"
}

# The same 1,000 real messages for every run: every third of the SpamAssassin corpus's ham and spam.
find "$CORPUS/easy_ham" "$CORPUS/hard_ham" "$CORPUS/spam" -type f | sort | awk 'NR % 3 == 0 && ++n <= 1000' >"$WORK/corpus.txt"
mkdir -p "$WORK/engines" "$WORK/bigsigs" "$WORK/clamav-big" "$WORK/light"
for e in clamav filetype macro spam url; do cp "engines/$e.toml" "$WORK/engines/"; done
sed -i "s|databases = \\[\"clamav\"\\]|databases = [\"$PWD/rules/clamav\"]|; s|system_database = true|system_database = false|" "$WORK/engines/clamav.toml"

{
echo "# Crash isolation: cost of the process boundary, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(machine); release build; loopback TCP; load from \`moat bench milter --corpus\` on the same 2 cores."
echo "Corpus: 1,000 SpamAssassin-corpus messages (every third of easy_ham, hard_ham, spam), $MESSAGES sends per row."
echo "Engines: clamav (rules/clamav), filetype, macro, spam, url — the default set."
echo
if [[ $SECTIONS == *" throughput "* ]]; then
echo "## Throughput and latency: worker processes versus in process"
echo
for connections in 4 16; do
    for mode in in_process process; do
        start "$mode" "$WORK/engines"
        "$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections 1 --messages 200 >/dev/null # warm-up
        echo "### $mode, $connections connections"
        echo
        "$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections "$connections" --messages "$MESSAGES" | tee "$WORK/$mode-$connections.txt"
        echo
        stop
    done
    rate() { awk -F'|' '/^\| [0-9]/ {gsub(/ /, "", $5); print $5}' "$1"; }
    p99() { awk -F'|' '/^\| [0-9]/ {gsub(/ /, "", $7); print $7}' "$1"; }
    echo "Ratio at $connections connections (workers / in process): throughput $(echo "scale=3; $(rate "$WORK/process-$connections.txt") / $(rate "$WORK/in_process-$connections.txt")" | bc), p99 latency $(echo "scale=3; $(p99 "$WORK/process-$connections.txt") / $(p99 "$WORK/in_process-$connections.txt")" | bc)"
    echo
done
fi

if [[ $SECTIONS == *" memory "* ]]; then
echo "## Resident memory (kB)"
echo
echo "| configuration | parent | each worker | total |"
echo "|---|---:|---|---:|"
start in_process "$WORK/engines"
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections 4 --messages 500 >/dev/null
echo "| default engines, in process (after 500 messages) | $(kb "$PID" VmRSS) | - | $(kb "$PID" VmRSS) |"
stop
start process "$WORK/engines"
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections 4 --messages 500 >/dev/null
memory_row "default engines, default workers (after 500 messages)"
stop

# A large signature set: SIGNATURES MD5 hash signatures (.hdb) plus 20,000 body signatures (.ndb),
# since the official database cannot be fetched offline.
python3 - "$WORK/bigsigs" "$SIGNATURES" <<'PY'
import hashlib, random, sys
out, count = sys.argv[1], int(sys.argv[2])
random.seed(15)
with open(out + "/big.hdb", "w") as f:
    for i in range(count):
        f.write("%s:%d:Moat.Bench.Hash-%d\n" % (hashlib.md5(b"%d" % i).hexdigest(), random.randrange(100, 10**6), i))
with open(out + "/big.ndb", "w") as f:
    for i in range(20000):
        f.write("Moat.Bench.Body-%d:0:*:%s\n" % (i, "".join(random.choice("0123456789abcdef") for _ in range(32))))
PY
cat >"$WORK/clamav-big/clamav.toml" <<CONF
adapter = "clamav"
timeout_ms = 30000
[options]
databases = ["$WORK/bigsigs"]
system_database = false
CONF
for mode in in_process process; do
    start "$mode" "$WORK/clamav-big"
    "$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections 4 --messages 300 >/dev/null
    if [ "$mode" = process ]; then memory_row "$SIGNATURES hash + 20,000 body signatures, default workers"
    else echo "| $SIGNATURES hash + 20,000 body signatures, in process | $(kb "$PID" VmRSS) | - | $(kb "$PID" VmRSS) |"; fi
    stop
done
echo
echo "The clamav engine runs in a dedicated pool (isolation.dedicated = { clamav = 1 }): one compiled database however many default workers run."
echo
fi

if [[ $SECTIONS == *" soak "* ]]; then
echo "## Soak: $SOAK_MESSAGES messages through the workers"
echo
cp engines/filetype.toml "$WORK/light/"
cp "$WORK/engines/clamav.toml" "$WORK/light/"
start process "$WORK/light"
echo "Engines clamav (rules/clamav) and filetype; 16 connections; corpus messages in turn; RSS sampled every 10 s."
echo
echo "| seconds | parent kB | workers kB |"
echo "|---:|---:|---|"
"$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --corpus "$WORK/corpus.txt" --connections 16 --messages "$SOAK_MESSAGES" --max-seconds 1800 >"$WORK/soak.txt" &
LOADER=$!
elapsed=0
while kill -0 "$LOADER" 2>/dev/null; do
    list=""; for w in $(workers); do list="$list $(kb "$w" VmRSS)"; done
    echo "| $elapsed | $(kb "$PID" VmRSS) |$list |"
    sleep 10; elapsed=$((elapsed + 10))
done
wait "$LOADER"
echo
cat "$WORK/soak.txt"
echo
echo "Worker restarts during the soak: $(grep -c 'scan worker exited' "$WORK/moatd.log" || true)"
stop
fi
} | tee "$OUT"
