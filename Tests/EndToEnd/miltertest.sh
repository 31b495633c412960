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

set +e
miltertest -s "$(dirname "$0")/moatd.lua" -D port="$MILTER_PORT" >"$WORK/miltertest.out" 2>&1
status=$?
set -e
cat "$WORK/miltertest.out"
check "miltertest script exits 0" test "$status" -eq 0
check "miltertest reached the end of the script" grep -q "miltertest: all checks passed" "$WORK/miltertest.out"
check "moatd logged one decision per message" test "$(grep -c 'decision' "$WORK/moatd.log")" -ge 3
finish
