#!/usr/bin/env bash
# moatd's admin API and the CLI that drives it, with real processes and sockets: health, token,
# scan, feedback, live state changes that survive SIGHUP and a restart, metrics.
source "$(dirname "$0")/lib.sh"
MOAT="$MOAT_BIN/moat"

MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT" "$ADMIN_PORT"
write_pattern "$WORK/engines/misfire.toml" spam 6 meeting
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
CLI=(--admin "$ADMIN" --token-file "$WORK/admin.token")
TOKEN=$(cat "$WORK/admin.token")
api() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }

check "health answers without a token" test "$(api "$ADMIN/health")" = 200
check "engines refused without a token" test "$(api "$ADMIN/engines")" = 401
check "engines refused with a wrong token" test "$(api -H "Authorization: Bearer wrong-token-wrong-token" "$ADMIN/engines")" = 401
check "generated token file is private (0600)" test "$(stat -c %a "$WORK/admin.token")" = 600
printf 'From: a@example.com\r\nSubject: notes\r\n\r\nNotes from the meeting.\r\n' >"$WORK/ham.eml"
check "POST /scan answers a decision" test "$(api -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/ham.eml" "$ADMIN/scan")" = 200
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/body")
check "the misfiring engine tagged the ham" grep -q '"action" : "tag"' "$WORK/body"
check "moat feedback ID ham" bash -c "\"$MOAT\" feedback ${CLI[*]} $ID ham | grep -q '\"true_class\" : \"ham\"'"
check "moat engines shows the labelled sample" bash -c "\"$MOAT\" engines ${CLI[*]} | grep -q 'labelled=1'"
check "moat engines shadow" bash -c "\"$MOAT\" engines shadow ${CLI[*]} misfire --reason 'tags meeting notes' | grep -q '\"to\" : \"shadow\"'"
kill -HUP "$MOATD_PID"; sleep 1
check "state survives SIGHUP" bash -c "\"$MOAT\" engines ${CLI[*]} | grep -q 'state=shadow'"
kill -TERM "$MOATD_PID"; wait "$MOATD_PID" 2>/dev/null || true
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
check "state survives a restart" bash -c "\"$MOAT\" engines ${CLI[*]} | grep -q 'state=shadow'"
check "history names the operator and the reason" bash -c "\"$MOAT\" engines history ${CLI[*]} misfire | grep -q 'tags meeting notes'"
check "moat engines enable" bash -c "\"$MOAT\" engines enable ${CLI[*]} misfire --reason fixed | grep -q '\"to\" : \"active\"'"
check "metrics in Prometheus text format" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' $ADMIN/metrics | grep -q '^moat_engine_state{engine=\"misfire\",state=\"active\"} 1'"
check "metrics count the ready scan workers" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' $ADMIN/metrics | grep -qE '^moat_workers_ready\{pool=\"default\"\} [1-9]'"
check "the token never appears in the daemon's log" bash -c "! grep -q '$TOKEN' '$WORK/moatd.log'"
finish
