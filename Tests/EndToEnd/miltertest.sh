#!/usr/bin/env bash
# A second real milter peer: OpenDKIM's miltertest drives moatd through a Lua script.
source "$(dirname "$0")/lib.sh"

MILTER_PORT=$(free_port)
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT"
write_blocklist "$WORK/engines"
cat >"$WORK/engines/disarm.toml" <<'CONF'
adapter = "pattern"
[options]
patterns = ["MOAT-DISARM-ME"]
scope = "parts"
disarm = true
CONF
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"

run_miltertest moatd.lua "$MILTER_PORT" miltertest
check "moatd logged one decision per message" test "$(grep -c 'decision' "$WORK/moatd.log")" -ge 3
finish
