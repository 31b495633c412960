#!/usr/bin/env bash
# Hot plug with a real peer: moatd runs with no engine; an ICAP manifest (c-icap + clamd with
# Moat's signatures) is dropped in and the daemon reloads through the admin API; the next scans use
# it; the manifest is removed, reloaded, and the scans stop using it. No restart.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MOAT="$MOAT_BIN/moat"

set +e
bash "$REPO/Tests/EndToEnd/peers/start-peer.sh" icap "$WORK/peer" >"$WORK/peer.out" 2>&1
status=$?
set -e
if [ "$status" -eq 77 ]; then echo "skip: $(cat "$WORK/peer.out")"; echo "0 passed, 0 failed"; exit 0; fi
[ "$status" -eq 0 ] || { cat "$WORK/peer.out"; exit 1; }
source "$WORK/peer/icap.env"
for pid in $PIDS; do PIDS_TO_STOP+=("$pid"); done
stop_peer() { for pid in "${PIDS_TO_STOP[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; cleanup; }
trap stop_peer EXIT

MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT" "$ADMIN_PORT"
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
TOKEN=$(cat "$WORK/admin.token")
python3 - "$WORK/eicar.eml" <<'PY'
import base64, sys
eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
open(sys.argv[1], "w").write("From: a@example.com\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream; name=e.com\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(eicar).decode() + "\r\n--b--\r\n")
PY
scan() { curl -s -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/eicar.eml" "$ADMIN/scan" >"$WORK/decision.json"; }
# decision EXPR: a Python expression over the last decision `d` must be true.
decision() { scan && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$WORK/decision.json"; }
reload() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$ADMIN/reload"; }

check "without engines the EICAR message is accepted" decision 'd["action"] == "accept" and d["engines"] == []' 
sed -e 's/^state = "disabled"/state = "active"/' -e "s/^port = 1344/port = $PORT/" "$REPO/engines/icap.toml.example" >"$WORK/engines/icap.toml"
check "reload with the ICAP manifest" test "$(reload)" = 200
check "the next scan uses ICAP and rejects EICAR" decision 'd["action"] == "reject" and [e["engine"] for e in d["engines"]] == ["icap"]'
check "the ICAP engine named the threat" grep -qi 'eicar' "$WORK/decision.json"
rm "$WORK/engines/icap.toml"
check "reload without it" test "$(reload)" = 200
check "scans no longer use it" decision 'd["action"] == "accept" and d["engines"] == []' 
finish
