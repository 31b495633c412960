#!/usr/bin/env bash
# End to end with a real MTA: a throwaway Postfix on loopback with smtpd_milters pointing at moatd.
# Asserts: clean mail is delivered with Moat's headers; a detected message is rejected with the
# configured reply; a disarmed attachment is delivered replaced; a PDF with JavaScript and a launch
# action is delivered without them (checked with qpdf); forged X-Moat headers are removed;
# an engine disabled by SIGHUP mid-test loses no mail; moatd down means tempfail, not loss.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT"
write_blocklist "$WORK/engines"
cat >"$WORK/engines/clamav.toml" <<CONF
adapter = "clamav"
on_error = "tempfail"
[options]
databases = ["$REPO/rules/clamav"]
system_database = false
CONF
cat >"$WORK/engines/disarm.toml" <<'CONF'
adapter = "pattern"
[options]
patterns = ["MOAT-DISARM-ME"]
scope = "parts"
category = "suspicious"
score = 1
disarm = true
CONF
cp "$REPO/engines/optional/pdf.toml" "$WORK/engines/pdf.toml"

start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"

send() { # send NAME EXTRA-SWAKS-ARGS...: prints swaks output to $WORK/NAME.swaks, returns swaks' status
    local name=$1; shift
    swaks --server "127.0.0.1:$SMTP_PORT" --from sender@example.com --to user@moat.test \
        --helo client.example --timeout 60 "$@" >"$WORK/$name.swaks" 2>&1
}
latest() { delivered | tail -n 1 | xargs cat; }
latest_has() { latest | grep -qE "$1"; }
latest_lacks() { ! latest | grep -qE "$1"; }
# The X-Moat-Engines header of the latest delivery, unfolded.
latest_engines() {
    latest | awk '/^X-Moat-Engines:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next } { on = 0 }' | grep -qE "$1"
}

# 1. Clean message, carrying a forged verdict header: delivered, Moat headers added, forgery removed.
send clean --header "Subject: quarterly figures" --header "X-Moat-Verdict: accept (forged)" --body "Figures attached tomorrow."
check "clean message accepted by Postfix" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/clean.swaks"
check "clean message delivered" wait_delivered 1
check "delivered message has X-Moat-Verdict: accept" latest_has '^X-Moat-Verdict: accept'
check "delivered message has X-Moat-Id" latest_has '^X-Moat-Id: [0-9a-f]{32}'
check "per-engine results header lists both engines" latest_engines 'blocklist=clean; clamav=clean; disarm=clean; pdf=clean'
check "forged X-Moat-Verdict removed" latest_lacks 'forged'

# 2. A malware attachment (base64): rejected at end of data with the configured reply.
python3 - "$WORK/malware.eml" <<'PY'
import base64, sys
payload = base64.encodebytes(b"MZ\x90\x00 fake dropper MOAT-TEST-MALWARE-7f3a \x00\x01").decode()
open(sys.argv[1], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=\"invoice.pdf.exe\"\r\n"
    "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + payload.replace("\n", "\r\n") + "--b1--\r\n")
PY
set +e; send malware --data "$WORK/malware.eml"; status=$?; set -e
check "malware message rejected (swaks exit 26)" test "$status" -eq 26
check "reject carries the configured reply" grep -q "<\*\* 550 5.7.1 Moat test rejection" "$WORK/malware.swaks"
check "Postfix logged the milter reject" grep -q "milter-reject: END-OF-MESSAGE" "$WORK/maillog"

# 2b. The EICAR test file as an attachment, base64: ClamAV in process rejects it.
python3 - "$WORK/eicar.eml" <<'PY'
import base64, sys
eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
open(sys.argv[1], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: test file\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=\"eicar.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(eicar).decode() + "\r\n--b1--\r\n")
PY
set +e; send eicar --data "$WORK/eicar.eml"; status=$?; set -e
check "EICAR attachment rejected by the clamav engine" test "$status" -eq 26
check "EICAR reject carries the configured reply" grep -q "<\*\* 550 5.7.1 Moat test rejection" "$WORK/eicar.swaks"
check "moatd logged the clamav detection" grep -q "clamav=malware" "$WORK/moatd.log"

# 3. A disarmed attachment: delivered, the part replaced by the note, the text part intact.
python3 - "$WORK/disarm.eml" <<'PY'
import sys
big = "".join("line %05d of the attached report, padding so the body spans several milter chunks\r\n" % i for i in range(2000))
open(sys.argv[1], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nKEEP-THIS-TEXT\r\n"
    "--b1\r\nContent-Type: text/x-script; name=\"run.txt\"\r\nContent-Disposition: attachment; filename=\"run.txt\"\r\n\r\n"
    "MOAT-DISARM-ME\r\n" + big + "--b1--\r\n")
PY
send disarm --data "$WORK/disarm.eml"
check "disarm message delivered" wait_delivered 2
check "delivered body has the replacement note" latest_has 'was removed by the mail gateway'
check "dangerous part gone from the delivered body" latest_lacks 'line 01999 of the attached report'
check "other part kept" latest_has 'KEEP-THIS-TEXT'
check "spool directory left empty" bash -c "[ -z \"\$(ls -A $WORK/spool)\" ]"

# 3b. A PDF whose opening runs JavaScript and whose link launches a program: delivered disarmed.
python3 "$REPO/Tests/EndToEnd/make-pdf.py" "$WORK/report.pdf"
python3 - "$WORK/report.pdf" "$WORK/pdf.eml" <<'PY'
import base64, sys
payload = base64.encodebytes(open(sys.argv[1], "rb").read()).decode().replace("\n", "\r\n")
open(sys.argv[2], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: pdf report\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nReport attached.\r\n"
    "--b1\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n" + payload + "--b1--\r\n")
PY
send pdf --data "$WORK/pdf.eml"
check "PDF message delivered" wait_delivered 3
latest_pdf() { # writes the delivered message's PDF attachment to $WORK/delivered.pdf
    latest | python3 -c 'import email, sys
m = email.message_from_binary_file(sys.stdin.buffer)
parts = [p for p in m.walk() if p.get_content_type() == "application/pdf"]
open(sys.argv[1], "wb").write(parts[0].get_payload(decode=True)) if parts else sys.exit(1)' "$WORK/delivered.pdf"
}
check "the delivered message still carries report.pdf" latest_pdf
check "qpdf --check passes on the delivered PDF" qpdf --check "$WORK/delivered.pdf"
check "qpdf sees no JavaScript or launch action left" bash -c "! qpdf --json=2 --json-key=qpdf '$WORK/delivered.pdf' | grep -qE '\"/(JS|JavaScript|Launch|OpenAction)\"'"
check "pdftoppm still renders its page" bash -c "pdftoppm -r 10 -png '$WORK/delivered.pdf' '$WORK/page' && ls '$WORK'/page*.png >/dev/null"
check "the recipient is told what was removed" bash -c "cat \$(ls -t $WORK/mail/box/new/* | head -n 1) | python3 -c 'import email, sys
m = email.message_from_binary_file(sys.stdin.buffer)
sys.exit(0 if any(\"removed active content\" in (p.get_payload(decode=True) or b\"\").decode(\"utf-8\", \"replace\") for p in m.walk() if p.get_content_type() == \"text/plain\") else 1)'"

# 4. Disable the blocklist engine with SIGHUP while mail flows: nothing is lost.
for i in $(seq 1 5); do send "flow$i" --header "Subject: flow $i" --body "message $i" & done
sed -i '1i state = "disabled"' "$WORK/engines/blocklist.toml"
kill -HUP "$MOATD_PID"
for i in $(seq 6 10); do send "flow$i" --header "Subject: flow $i" --body "message $i" & done
wait_jobs() { for job in $(jobs -p); do [ "$job" = "$MOATD_PID" ] || wait "$job" || true; done; }
wait_jobs
check "all 10 messages sent around the reload were delivered" wait_delivered 13
check "moatd logged the reload" grep -q "engines reloaded" "$WORK/moatd.log"
set +e; send after-reload --data "$WORK/malware.eml"; status=$?; set -e
check "disabled engine no longer rejects" test "$status" -eq 0
only_disarm_ran() { wait_delivered 14 && latest_engines 'X-Moat-Engines: clamav=[^;]*; disarm=clean; pdf=clean$'; }
check "message after reload carries only the active engine" only_disarm_ran

# 4b. `moat scan --deliver` writes what Postfix delivers: a forged verdict removed, Moat's headers
# added after the last header, the disarmed part replaced (only Postfix's own trace headers and the
# scan id differ).
python3 - "$WORK/deliver.eml" <<'PY'
import sys
open(sys.argv[1], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: deliver check\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <deliver-check@example.com>\r\nX-Moat-Verdict: accept (forged)\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\nKEEP-THIS-TEXT\r\n"
    "--b2\r\nContent-Type: text/x-script; name=\"run.txt\"\r\nContent-Disposition: attachment; filename=\"run.txt\"\r\n\r\n"
    "MOAT-DISARM-ME\r\nsecond line\r\n--b2--\r\n")
PY
send deliver --data "$WORK/deliver.eml"
check "the --deliver message was delivered by Postfix" wait_delivered 15
# swaks ends DATA with an empty line of its own: the message Postfix received is the file plus CRLF.
mkdir -p "$WORK/as-sent"
{ cat "$WORK/deliver.eml"; printf '\r\n'; } >"$WORK/as-sent/deliver.eml"
"$MOAT_BIN/moat" scan --config "$WORK/moat.toml" --engines "$WORK/engines" --deliver "$WORK/delivered-by-moat" "$WORK/as-sent/deliver.eml" \
    >"$WORK/deliver.out" 2>"$WORK/deliver.err" || true
check "moat scan --deliver wrote the message" test -s "$WORK/delivered-by-moat/deliver.eml"
check "moat scan --deliver output equals what Postfix delivered" python3 - "$(delivered | tail -n 1)" "$WORK/delivered-by-moat/deliver.eml" <<'PY'
import re, sys
def normal(path):
    text = open(path, "rb").read().replace(b"\r\n", b"\n").decode("utf-8", "replace")
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    # Postfix's own trace headers (Return-Path, Delivered-To, Received...) come before the message's first header.
    first = next(i for i, line in enumerate(lines) if line.startswith("From: "))
    head = "\n".join(lines[first:])
    return re.sub(r"X-Moat-Id: [0-9a-f]+", "X-Moat-Id: ID", head) + "\n\n" + body
postfix, moat = normal(sys.argv[1]), normal(sys.argv[2])
if postfix != moat:
    import difflib
    sys.stderr.write("".join(difflib.unified_diff(postfix.splitlines(True), moat.splitlines(True), "postfix", "moat")))
    sys.exit(1)
assert "forged" not in moat and "was removed by the mail gateway" in moat and "X-Moat-Verdict:" in moat, moat
PY

# 5. moatd stopped (SIGTERM, graceful): Postfix tempfails, nothing is accepted unscanned.
kill -TERM "$MOATD_PID"
wait "$MOATD_PID" 2>/dev/null || true
check "moatd exits cleanly on SIGTERM" grep -q "moatd stopped" "$WORK/moatd.log"
set +e; send down --body "while moatd is down"; status=$?; set -e
check "with moatd down Postfix answers 451 (tempfail)" grep -q "<\*\* 451 4.7.1" "$WORK/down.swaks"

finish
