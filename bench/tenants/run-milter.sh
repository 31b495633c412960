#!/usr/bin/env bash
# The milter cost of tenants on multi-recipient mail: a release moatd with no engines (so only
# the protocol, the decisions and the edits are measured), driven by `moat bench milter`:
#   1. no tenants, one recipient;
#   2. two tenants, one recipient in each, both keeping the message (two decisions, merged);
#   3. the same, one tenant refusing it (its recipient removed with DELRCPT).
# Appends to bench/results/tenants-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.build/release
[ -x "$BIN/moatd" ] && [ -x "$BIN/moat" ] || { echo "build first: swift build -c release" >&2; exit 2; }
WORK=$(mktemp -d /tmp/moat-tenant-milter.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(free_port); ADMIN_PORT=$(free_port)
OUT=${OUT:-bench/results/tenants-$(date -u +%Y-%m-%d).md}
MESSAGES=${MESSAGES:-10000}
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/none"
cat >"$WORK/moat.toml" <<CONF
log_level = "warning"
[milter]
listen = ["inet:$PORT@127.0.0.1"]
spool_directory = "$WORK/spool"
[store]
path = "$WORK/moat.sqlite"
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
token_file = "$WORK/admin.token"
CONF
"$BIN/moatd" --config "$WORK/moat.toml" --engines "$WORK/none" >"$WORK/moatd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$ADMIN_PORT)))" && break; sleep 0.1; done
CLI=(--admin "http://127.0.0.1:$ADMIN_PORT" --token-file "$WORK/admin.token")
load() { "$BIN/moat" bench milter --address "inet:$PORT@127.0.0.1" --connections 1,16 --messages "$MESSAGES" --size 4096 "$@"; }
{
    echo
    echo "## Milter: per-tenant decisions and recipient removal ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "Release moatd with no engines, 4 KB synthetic messages, $MESSAGES per run, loopback; \`moat bench milter\` on the same 2 cores."
    echo
    echo "### 1. No tenants, one recipient"
    load --recipients user@moat.test
    "$BIN/moat" tenants create acme --domain acme.test "${CLI[@]}" >/dev/null
    "$BIN/moat" tenants create globex --domain globex.test "${CLI[@]}" >/dev/null
    echo
    echo "### 2. Two tenants, a recipient in each, both keep the message"
    load --recipients u@acme.test,u@globex.test
    printf '{"block_senders": ["sender@example.com"]}' >"$WORK/block.json"
    "$BIN/moat" tenants set-policy acme "$WORK/block.json" "${CLI[@]}" >/dev/null
    echo
    echo "### 3. Two tenants, acme refuses: its recipient removed (DELRCPT), globex keeps the message"
    load --recipients u@acme.test,u@globex.test
} | tee -a "$OUT"
