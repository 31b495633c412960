#!/usr/bin/env bash
# The moat CLI as a user runs it: exit statuses, JSON output, explain, engines, stdin, bad configuration.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MOAT="$MOAT_BIN/moat"
cd "$REPO"
# The shipped manifests, minus the spam engine: a debug build compiles the ~2,700 stock
# SpamAssassin rules far too slowly to pay that once per command here (its own tests cover it).
mkdir -p "$WORK/engines"
for manifest in engines/*.toml; do
    case "$manifest" in *spam.toml) ;; *) cp "$manifest" "$WORK/engines/" ;; esac
done
MOAT_ARGS=(--engines "$WORK/engines")

printf 'From: a@example.com\r\nTo: b@example.org\r\nSubject: lunch\r\n\r\nSee you at noon.\r\n' >"$WORK/clean.eml"
python3 - "$WORK/eicar.eml" <<'PY'
import base64, sys
eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
open(sys.argv[1], "w").write(
    "From: a@example.com\r\nSubject: =?ISO-2022-JP?B?GyRCOiEbKEI=?=\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
    "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*=UTF-8''%E8%AB%8B%E6%B1%82.com\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(eicar).decode() + "\r\n--b--\r\n")
PY
status_of() { set +e; "$@" >"$WORK/out" 2>"$WORK/err"; echo $?; set -e; }

check "clean message: exit 0" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" "$WORK/clean.eml")" -eq 0
check "clean message: decision printed" grep -q "clean.eml: accept" "$WORK/out"
check "EICAR message: exit 1" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" "$WORK/eicar.eml")" -eq 1
check "EICAR message: reject with the signature and part" grep -q "Moat.Test.EICAR.*\[part 2\]" "$WORK/out"
check "missing file: exit 2 with a message" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" "$WORK/nope.eml")" -eq 2
check "missing file: error names the file" grep -q "cannot read .*nope.eml: no such file" "$WORK/err"
check "stdin is read when no file is given" test "$(status_of bash -c "\"$MOAT\" scan --engines $WORK/engines < \"$WORK/eicar.eml\"")" -eq 1
check "JSON: one valid object per message" bash -c "\"$MOAT\" scan --engines $WORK/engines --json \"$WORK/clean.eml\" \"$WORK/eicar.eml\" | python3 -c '
import json, sys
docs = [json.loads(line) for line in sys.stdin]
assert [d[\"action\"] for d in docs] == [\"accept\", \"reject\"], docs
assert docs[1][\"engines\"][0][\"findings\"][0][\"part_path\"] == \"2\"
assert docs[1][\"category\"] == \"malware\"
'"
check "explain: MIME tree with the decoded RFC 2231 filename" bash -c "\"$MOAT\" explain --engines $WORK/engines \"$WORK/eicar.eml\" | grep -q 'name=\"請求.com\"'"
check "engines: lists clamav with its signature count" bash -c "\"$MOAT\" engines --local --engines $WORK/engines | grep -q 'signatures: [1-9]'"
printf '[policy]\nreject_reply = "250 fine"\n' >"$WORK/bad.toml"
check "bad configuration: exit 2" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" --config "$WORK/bad.toml" "$WORK/clean.eml")" -eq 2
check "bad configuration: error names file and key" grep -q "bad.toml: policy.reject_reply" "$WORK/err"
printf '[policy]\ntag_score = 4\nreject_scor = 9\n[admin]\nlisten = "127.0.0.1:7358"\n' >"$WORK/typo.toml"
check "a mistyped key: exit 2" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" --config "$WORK/typo.toml" "$WORK/clean.eml")" -eq 2
check "a mistyped key: the error names the key, its line and the likely key" \
    grep -q "typo.toml: policy.reject_scor: line 3: unknown key (did you mean reject_score?)" "$WORK/err"
check "a mistyped key: moatd refuses to start (exit 78) and says why" bash -c "
    status=0; timeout 60 \"$MOAT_BIN/moatd\" --config \"$WORK/typo.toml\" --engines \"$WORK/engines\" >\"$WORK/moatd-typo.log\" 2>&1 || status=\$?
    test \$status -eq 78 && grep -q 'reject_scor: line 3: unknown key' \"$WORK/moatd-typo.log\""
mkdir -p "$WORK/typo-engines"
printf 'adapter = "pattern"\ntimout_ms = 50\n[options]\npatterns = ["x"]\n' >"$WORK/typo-engines/typo.toml"
check "a mistyped manifest key: exit 2 naming the manifest, key and line" bash -c "
    status=0; \"$MOAT\" scan --engines \"$WORK/typo-engines\" \"$WORK/clean.eml\" >/dev/null 2>\"$WORK/typo-engines.err\" || status=\$?
    test \$status -eq 2 && grep -q 'typo.toml: timout_ms: line 2: unknown key (did you mean timeout_ms?)' \"$WORK/typo-engines.err\""
check "a mistyped manifest key: moatd refuses to start (exit 78)" bash -c "
    status=0; timeout 60 \"$MOAT_BIN/moatd\" --engines \"$WORK/typo-engines\" --listen inet:1@127.0.0.1 >\"$WORK/moatd-typo2.log\" 2>&1 || status=\$?
    test \$status -eq 78 && grep -q 'timout_ms: line 2: unknown key' \"$WORK/moatd-typo2.log\""

# Accuracy with a peer's verdicts beside the engines, and --record into a throwaway store.
MOAT="$MOAT" bash bench/peers/list-corpus.sh bench/corpus-sample | awk -F/ '{ print $0 "\t" ($(NF-1) == "spam" ? "spam" : "clean") "\t1.5" }' >"$WORK/peer.tsv"
printf '[store]\npath = "%s"\n' "$WORK/bench.sqlite" >"$WORK/store.toml"
check "bench accuracy with --peer and --record: exit 0" test "$(status_of "$MOAT" bench accuracy "${MOAT_ARGS[@]}" --config "$WORK/store.toml" \
    --out "$WORK/accuracy" --record --peer oracle="$WORK/peer.tsv" bench/corpus-sample)" -eq 0
check "bench accuracy: the peer row is in the table" grep -q "^peer:oracle .* 15 .* 0 .* 20 .* 0 " "$WORK/out"
check "bench accuracy: peer metrics in accuracy.json" python3 -c '
import json, sys
peer = json.load(open(sys.argv[1]))["peers"]["oracle"]
any = peer["metrics"]["categories"]["any"]
assert (any["tp"], any["fp"], any["tn"], any["fn"], peer["missing"]) == (15, 0, 20, 0, 0), peer' "$WORK/accuracy/accuracy.json"
check "bench accuracy --record: 35 scans and 35 labels in the store" python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
scans, = db.execute("select count(*) from scans").fetchone()
labels, = db.execute("select count(*) from feedback where source = ?", ("corpus:bench",)).fetchone()
assert (scans, labels) == (35, 35), (scans, labels)' "$WORK/bench.sqlite"
# In-process throughput on files as attachments, logged through the daemon's store path.
printf '[store]\npath = "%s"\n' "$WORK/throughput.sqlite" >"$WORK/throughput.toml"
check "bench throughput --attach --store: exit 0" test "$(status_of "$MOAT" bench throughput "${MOAT_ARGS[@]}" --config "$WORK/throughput.toml" \
    --attach --store --repeat 2 --label attachments "$WORK/eicar.eml" "$WORK/clean.eml")" -eq 0
check "bench throughput: one row for 4 scans and ClamAV found the attached EICAR twice" bash -c "grep -q '^| attachments | 4 |' '$WORK/out' && grep -q 'clamav=malware 2' '$WORK/out'"
# moat links mimalloc in place of glibc's malloc: a build or link order that loses it shows here.
check "bench throughput: the process allocates with mimalloc" grep -q '^Allocator: mimalloc [0-9]' "$WORK/out"
check "bench throughput --store: 4 records written and in the SQLite file" python3 -c '
import sqlite3, sys
out = open(sys.argv[1]).read()
assert "Store: 4 records written" in out, out
assert sqlite3.connect(sys.argv[2]).execute("select count(*) from scans").fetchone()[0] == 4' "$WORK/out" "$WORK/throughput.sqlite"
printf '[store]\nbackend = "postgres"\n' >"$WORK/no-pg.toml"
check "bench throughput --store with an unusable [store]: exit 2 naming the store" test "$(status_of "$MOAT" bench throughput "${MOAT_ARGS[@]}" --config "$WORK/no-pg.toml" --store "$WORK/clean.eml")" -eq 2
check "bench throughput --store: the error says the store could not be opened" grep -q "moat: cannot open the store: .*postgres_url" "$WORK/err"
printf 'not-a-path\tmaybe\t1\n' >"$WORK/bad-peer.tsv"
check "bench accuracy: a malformed peer file is exit 2" test "$(status_of "$MOAT" bench accuracy "${MOAT_ARGS[@]}" --out "$WORK/acc2" --peer x="$WORK/bad-peer.tsv" bench/corpus-sample)" -eq 2
check "bench accuracy: the error names the peer file and line" grep -q "bad-peer.tsv:1: expected" "$WORK/err"
# The learned combiner: train on the 35-message sample with these engines (no spam engine here, so
# the findings barely separate ham from spam), decide with it, and refuse models that cannot be used.
check "train: a model that acts on too little unwanted mail is refused (exit 1, nothing written)" test "$(status_of "$MOAT" train "${MOAT_ARGS[@]}" \
    --corpus bench/corpus-sample --holdout-percent 0 --folds 3 --min-feature-count 2 --out "$WORK/refused.json")" -eq 1
check "train: the refusal says why and what to change" bash -c "grep -q 'refused: on the validation folds the model acts on' '$WORK/err' && grep -q -- '--min-recall' '$WORK/err' && [ ! -e '$WORK/refused.json' ]"
check "train: exit 0 with cross-validated figures" test "$(status_of "$MOAT" train "${MOAT_ARGS[@]}" --corpus bench/corpus-sample \
    --holdout-percent 0 --folds 3 --target-ham-rate 0.5 --min-recall 0 --min-feature-count 2 --out "$WORK/model.json")" -eq 0
check "train: the report names the folds, the ham rate and the written model" bash -c "grep -q '^| 3 |' '$WORK/out' && grep -q 'ham flagged' '$WORK/out' && grep -q 'model written to' '$WORK/out'"
check "train: the model names its engines and its validation" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["schema"] == "moat.verdict-model/1" and sorted(m["engines"]) == ["clamav", "filetype", "macro", "url"], m["engines"]
assert m["provenance"]["folds"] == 3 and "ham_flagged" in m["validation"]' "$WORK/model.json"
# Operator feedback in the store trains too: bench accuracy --record above left 35 labelled scans.
check "train --from-store: exit 0 on the recorded, labelled scans" test "$(status_of "$MOAT" train "${MOAT_ARGS[@]}" --config "$WORK/store.toml" \
    --from-store --folds 3 --target-ham-rate 0.5 --min-recall 0 --min-feature-count 2 --out "$WORK/store-model.json")" -eq 0
check "train --from-store: the model's provenance counts the store's scans by label" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["provenance"]["messages"] == {"store:ham": 20, "store:spam": 15}, m["provenance"]["messages"]' "$WORK/store-model.json"
printf '[policy]\nmodel = "%s"\n' "$WORK/model.json" >"$WORK/model.toml"
check "scan with the model: EICAR still rejected (malware keeps its action)" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" --config "$WORK/model.toml" --json "$WORK/eicar.eml")" -eq 1
check "scan with the model: JSON carries the model's explanation and an X-Moat-Model header" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).readline())
assert d["action"] == "reject" and d["category"] == "malware", d["action"]
m = d["model"]
assert abs(m["bias"] + sum(c["value"] * c["weight"] for c in m["contributions"]) - d["score"]) < 1e-9
assert any(h["name"] == "X-Moat-Model" for h in d["headers"])' "$WORK/out"
printf '{ "schema": "moat.verdict-model/1", "weights": ' >"$WORK/broken-model.json"
printf '[policy]\nmodel = "%s"\n' "$WORK/broken-model.json" >"$WORK/broken-model.toml"
check "scan with a malformed model: exit 2 naming the file" test "$(status_of "$MOAT" scan "${MOAT_ARGS[@]}" --config "$WORK/broken-model.toml" "$WORK/clean.eml")" -eq 2
check "scan with a malformed model: the error names the model file" grep -q "broken-model.json: not a verdict model" "$WORK/err"
check "moatd with a malformed model: exit 78" test "$(status_of "$MOAT_BIN/moatd" --config "$WORK/broken-model.toml" --engines "$WORK/engines")" -eq 78
mkdir -p "$WORK/fewer-engines"
cp "$WORK/engines/filetype.toml" "$WORK/fewer-engines/"
printf '[policy]\nmodel = "%s"\n[isolation]\nmode = "in_process"\n[milter]\nlisten = ["inet:%s@127.0.0.1"]\n[admin]\nlisten = "127.0.0.1:%s"\ntoken_file = "%s/token"\n[store]\npath = "%s/mismatch.sqlite"\n' \
    "$WORK/model.json" "$(free_port)" "$(free_port)" "$WORK" "$WORK" >"$WORK/mismatch.toml"
check "moatd with a model trained on engines it does not configure: exit 78" test "$(status_of "$MOAT_BIN/moatd" --config "$WORK/mismatch.toml" --engines "$WORK/fewer-engines")" -eq 78
check "moatd with a mismatched model: the log names the missing engines" grep -q "clamav" "$WORK/err"
# moat config check: what moatd would refuse, found before it starts; every problem listed.
check "config check: the shipped manifests have no problems" test "$(status_of "$MOAT" config check "${MOAT_ARGS[@]}" --build)" -eq 0
check "config check: names every engine" grep -q "no problems; 4 engine(s) in $WORK/engines, all started: clamav (clamav, active)" "$WORK/out"
printf '[outbound.hold]\ncommand_timeout_seconds = 1e300\n' >"$WORK/huge-timeout.toml"
check "config check: an out-of-range setting, exit 2" test "$(status_of "$MOAT" config check --config "$WORK/huge-timeout.toml" "${MOAT_ARGS[@]}")" -eq 2
check "config check: the error names file, table and limit" grep -q "huge-timeout.toml: outbound.hold: .*at most 86400" "$WORK/err"
mkdir -p "$WORK/bad-engines"
printf 'adapter = "filetype"\ntimeout_ms = 9223372036854775807\n' >"$WORK/bad-engines/a.toml"
printf 'adapter = "nosuch"\n' >"$WORK/bad-engines/b.toml"
printf 'name = "d"\nadapter = "macro"\n' >"$WORK/bad-engines/c.toml"
printf 'adapter = "macro"\n' >"$WORK/bad-engines/d.toml"
check "config check: bad manifests, exit 2" test "$(status_of "$MOAT" config check --engines "$WORK/bad-engines")" -eq 2
check "config check: every manifest problem listed" bash -c "grep -q '3 problem(s)' '$WORK/err' && grep -q 'a.toml: timeout_ms' '$WORK/err' \
    && grep -q \"b.toml: adapter: unknown adapter 'nosuch'\" '$WORK/err' && grep -q \"d.toml: name: engine name 'd' is used twice\" '$WORK/err'"
# moat auth keygen: a 0600 PEM key, the TXT record to publish, no overwriting.
"$MOAT" auth keygen --out "$WORK/arc.key" --domain example.org --selector arc2026 >"$WORK/keygen.out"
check "auth keygen prints the selector's TXT record" grep -q '^arc2026._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p=MII' "$WORK/keygen.out"
check "auth keygen writes the key readable by its owner only" test "$(stat -c %a "$WORK/arc.key")" = 600
check "auth keygen's key is an RSA key openssl reads" openssl pkey -in "$WORK/arc.key" -noout
check "auth keygen refuses to overwrite a key: exit 2" test "$(status_of "$MOAT" auth keygen --out "$WORK/arc.key" --domain example.org --selector arc2026)" -eq 2
finish
