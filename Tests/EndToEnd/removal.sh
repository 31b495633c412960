#!/usr/bin/env bash
# Hot removal works out of the box: with the shipped ClamAV manifest (only its signatures pointed
# at the repository's test database), 200 EICAR detections labelled ham through the admin API
# take ClamAV out of the vote (shadow) by its shipped [removal] policy, recorded as the policy's
# doing; `moat engines` shows the policy.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MOAT="$MOAT_BIN/moat"
MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines"
cp "$REPO/engines/clamav.toml" "$WORK/engines/clamav.toml"
sed -i -e "s|^databases = \[\"clamav\"\]|databases = [\"$REPO/rules/clamav\"]|" -e 's/^system_database = true/system_database = false/' "$WORK/engines/clamav.toml"
check "the shipped ClamAV manifest carries a removal policy" grep -q '^\[removal\]' "$WORK/engines/clamav.toml"
write_config "$MILTER_PORT" "$ADMIN_PORT"
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
TOKEN=$(cat "$WORK/admin.token")
CLI=(--admin "$ADMIN" --token-file "$WORK/admin.token")
check "moat engines shows the policy" bash -c "\"$MOAT\" engines ${CLI[*]} | grep -q 'removal: shadow when precision < 0.9 over >= 200 labelled; disabled when errors+timeouts > 50% of >= 100 scans'"

printf 'From: a@example.com\r\nTo: b@example.net\r\nSubject: test file\r\n\r\nX5O!P%%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\r\n' >"$WORK/eicar.eml"
state() { curl -s -H "Authorization: Bearer $TOKEN" "$ADMIN/engines/clamav" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
python3 - "$ADMIN" "$TOKEN" "$WORK/eicar.eml" >"$WORK/labels.out" <<'PY'
import json, sys, urllib.request
admin, token, path = sys.argv[1:4]
body = open(path, "rb").read()
def call(route, data, kind):
    request = urllib.request.Request(admin + route, data=data, headers={"Authorization": "Bearer " + token, "Content-Type": kind})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())
detected = 0
for n in range(200):
    decision = call("/scan", body, "message/rfc822")
    if any(v["engine"] == "clamav" and v["verdict"] == "malware" for v in decision["engines"]):
        detected += 1
    call("/feedback", json.dumps({"id": decision["id"], "class": "ham"}).encode(), "application/json")
print(detected)
PY
check "ClamAV called all 200 messages malware" test "$(cat "$WORK/labels.out")" = 200
is_shadow() { [ "$(state)" = shadow ]; }
check "the shipped policy put ClamAV in shadow" is_shadow
by_policy() { "$MOAT" engines history "${CLI[@]}" clamav | python3 -c '
import json, sys
changes = json.load(sys.stdin)
sys.exit(0 if any(c["actor"] == "policy" and c["to"] == "shadow" and "precision" in c["reason"] for c in changes) else 1)'; }
check "the history says the policy did it, and why" by_policy
finish
