#!/usr/bin/env bash
# The milter cost of outbound protection: a release moatd with no engines (so only the protocol,
# the decision and outbound protection are measured), driven by `moat bench milter`:
#   1. unauthenticated mail (inbound: outbound protection returns at once);
#   2. authenticated mail from 100 logins in turn, hijack counters on (caps no one reaches);
#   3. the same with the counters off ([outbound.hijack] enabled = false);
#   4. counters on and every message under send-hold (one held-message row written before the
#      MTA is answered; the release command is /bin/true and the delay outlasts the run).
# Counter rows are written in batches (one per changed sender per save interval): the run reads
# moat_outbound_sender_rows_saved_total and moat_outbound_held_total from /metrics to report the
# store writes per message. Appends to bench/results/outbound-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release
[ -x "$BIN/moatd" ] && [ -x "$BIN/moat" ] || { echo "build first: swift build -c release" >&2; exit 2; }
WORK=$(mktemp -d /tmp/moat-outbound-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
OUT=${OUT:-bench/results/outbound-$(date -u +%Y-%m-%d).md}
MESSAGES=${MESSAGES:-10000}
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/none"

# start_moatd NAME EXTRA-TOML: a fresh daemon (own store) with EXTRA-TOML appended to its configuration.
start_moatd() {
    [ -n "$PID" ] && { kill "$PID"; wait "$PID" 2>/dev/null || true; }
    PORT=$(free_port); ADMIN_PORT=$(free_port)
    cat >"$WORK/$1.toml" <<CONF
log_level = "warning"
[milter]
listen = ["inet:$PORT@127.0.0.1"]
spool_directory = "$WORK/spool"
[store]
path = "$WORK/$1.sqlite"
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
token_file = "$WORK/admin.token"
[outbound.hijack]
caps = { messages = 1000000, recipients = 1000000, recipient_domains = 1000000 }
$2
CONF
    "$BIN/moatd" --config "$WORK/$1.toml" --engines "$WORK/none" >"$WORK/$1.log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$ADMIN_PORT)))" && break; sleep 0.1; done
}
load() { "$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --connections 1,16 --messages "$MESSAGES" --size 4096 "$@"; }
metric() { sleep 6; curl -s -H "Authorization: Bearer $(cat "$WORK/admin.token")" "http://127.0.0.1:$ADMIN_PORT/metrics" |
    awk -v name="$1" '$1 == name { print $2 }'; }
writes() { # messages sent in both runs: 2 × MESSAGES
    local rows held
    rows=$(metric moat_outbound_sender_rows_saved_total); held=$(metric moat_outbound_held_total)
    echo
    echo "Store writes: ${rows:-0} sender-counter rows and ${held:-0} held-message rows for $((2 * MESSAGES)) messages ($(python3 -c "print(round((${rows:-0} + ${held:-0}) / (2 * $MESSAGES), 4))") rows per message)."
}
{
    echo
    echo "## Milter: outbound protection on and off ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "Release moatd with no engines, SQLite store, 4 KB synthetic messages, $MESSAGES per run, loopback; \`moat bench milter\` on the same 2 cores."
    echo
    echo "### 1. Unauthenticated (inbound)"
    start_moatd inbound ""
    load
    echo
    echo "### 2. Authenticated, 100 logins, hijack counters on"
    start_moatd counters ""
    load --logins 100
    writes
    echo
    echo "### 3. Authenticated, 100 logins, hijack counters off"
    start_moatd off "enabled = false"
    load --logins 100
    echo
    echo "### 4. Authenticated, 100 logins, counters on, every message under send-hold"
    start_moatd hold $'[outbound.hold]\ndelay_seconds = 86400\nrelease_command = ["/bin/true"]\nflush_command = []\ndelete_command = ["/bin/true"]'
    load --logins 100
    writes
} | tee -a "$OUT"
