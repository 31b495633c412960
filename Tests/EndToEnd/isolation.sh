#!/usr/bin/env bash
# Crash isolation end to end, through a real Postfix: a test-only engine (adapter "fault", loaded only
# with MOAT_TEST_ENGINES=1) aborts, segfaults, freezes or runs past its deadline on a marker, in the
# scan workers. Asserts: other mail keeps flowing while it crashes; a crashing message is tempfailed
# once, then rejected as poison; so is one that exhausts the worker memory ceiling; a frozen worker
# is killed at the hard limit; kill -9 of a worker mid-scan is retried and answered; the pool returns to full size; moatd's PID never changes; the
# malformed GIF of issue 15 is scanned; and no message is lost (delivered + rejected + deferred = sent).
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT"
cat >>"$WORK/moat.toml" <<'CONF'
[isolation]
workers = 2
dedicated = { blocklist = 1 }
memory_limit_mb = 2048
hard_timeout_grace_ms = 3000
runaway_grace_ms = 1000
restart_backoff_ms = 50
CONF
cat >"$WORK/engines/fault.toml" <<'CONF'
adapter = "fault"
timeout_ms = 4000
CONF
write_blocklist "$WORK/engines"
cp "$REPO/engines/url.toml" "$REPO/engines/filetype.toml" "$WORK/engines/"
sed -i 's/^timeout_ms = .*/timeout_ms = 4000/; s/^image_time_budget_ms = .*/image_time_budget_ms = 2000/' "$WORK/engines/url.toml"
sed -i "s|^public_suffix_list = \"|public_suffix_list = \"$REPO/rules/|; s|^block_list = \"|block_list = \"$REPO/rules/|; s|^allow_list = \"|allow_list = \"$REPO/rules/|; s|^shorteners = \"|shorteners = \"$REPO/rules/|; s|^brands = \"|brands = \"$REPO/rules/|" "$WORK/engines/url.toml"

MOAT_TEST_ENGINES=1 start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"
ORIGINAL_PID=$MOATD_PID

SENT=0; REJECTED=0; DEFERRED=0
# send NAME SWAKS-ARGS...: records the outcome (250, 5xx or 4xx) in the counters.
send() {
    local name=$1; shift
    SENT=$((SENT + 1))
    swaks --server "127.0.0.1:$SMTP_PORT" --from sender@example.com --to user@moat.test \
        --helo client.example --timeout 120 "$@" >"$WORK/$name.swaks" 2>&1 || true
    if grep -q '<\*\* 5' "$WORK/$name.swaks"; then REJECTED=$((REJECTED + 1)); fi
    if grep -q '<\*\* 4' "$WORK/$name.swaks"; then DEFERRED=$((DEFERRED + 1)); fi
}
workers() { pgrep -P "$MOATD_PID" -f 'moatd --worker .*--worker-except blocklist --worker-role pool' | sort; }
dedicated_worker() { pgrep -P "$MOATD_PID" -f 'moatd --worker .*--worker-only blocklist --worker-role pool'; }
pool_full() {
    for _ in $(seq 1 100); do [ "$(workers | wc -l)" -eq 2 ] && return 0; sleep 0.1; done
    return 1
}
replied() { grep -q "<\*\* $2" "$WORK/$1.swaks"; }
accepted() { grep -q "<-  250 2.0.0 Ok: queued" "$WORK/$1.swaks"; }

check "two scan workers started" pool_full
check "the blocklist engine runs in a dedicated worker" dedicated_worker
send clean1 --header "Subject: hello" --body "plain text"
check "clean message accepted through the workers" accepted clean1
send malware1 --body "attached: MOAT-TEST-MALWARE-7f3a"
check "detection by the dedicated pool's engine rejects" replied malware1 "550 5.7.1 Moat test rejection"

# 1. abort(): clean mail sent alongside still flows; the message is tempfailed, then rejected as poison.
send abort1 --header "Subject: crash" --body "X-Moat-Fault: abort" &
for i in 1 2 3; do send "during$i" --header "Subject: during $i" --body "message $i" & done
wait_jobs() { for job in $(jobs -p); do [ "$job" = "$MOATD_PID" ] || wait "$job" || true; done; }
wait_jobs
# Background sends updated their own copies of the counters: recount from the transcripts.
check "crashing message tempfailed the first time (on_engine_crash)" replied abort1 "451 4.7.1"
for i in 1 2 3; do check "message $i sent during the crash accepted" accepted "during$i"; done
check "moatd logged the poison message" grep -q "poison message: it killed a worker again when scanned alone" "$WORK/moatd.log"
send abort2 --header "Subject: crash again" --body "X-Moat-Fault: abort"
check "the same content is rejected as poison on the retry" replied abort2 "554 5.7.0 Message content crashed the fault scanner twice"
check "moatd PID unchanged after the aborts" kill -0 "$ORIGINAL_PID"
stored() { # stored PATTERN: a scan in the store whose isolation note matches
    python3 - "$WORK/moat.sqlite" "$1" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM scans WHERE isolation LIKE ?", ("%" + sys.argv[2] + "%",)).fetchone()
sys.exit(0 if rows[0] > 0 else 1)
PY
}
check "the store records the engine crash with the scan" stored "isolation.engine_crash: the fault engine crashed its worker twice"
check "the store records the poison decision" stored "isolation.poison: poison message"

check "pool back to two workers after the aborts" pool_full

# 2. A segfault: the same, with a different body so it is a new message.
send segv1 --body "X-Moat-Fault: segv"
check "segfaulting message tempfailed first" replied segv1 "451 4.7.1"
send segv2 --body "X-Moat-Fault: segv"
check "segfaulting message rejected as poison next" replied segv2 "554 5.7.0"
check "worker exits counted by signal in the log" grep -q "killed by signal 11 (SIGSEGV)" "$WORK/moatd.log"

# 2b. An engine that allocates without bound: its worker dies at memory_limit_mb, the daemon does not.
send oom1 --body "X-Moat-Fault: oom"
check "message exhausting the worker memory ceiling tempfailed first" replied oom1 "451 4.7.1"
send oom2 --body "X-Moat-Fault: oom"
check "message exhausting the memory ceiling rejected as poison next" replied oom2 "554 5.7.0"
check "moatd PID unchanged after the memory ceiling" kill -0 "$ORIGINAL_PID"

# 3. A frozen worker (SIGSTOP, as a deadlock in C code): killed at the hard limit, scan answered.
send freeze1 --body "X-Moat-Fault: freeze"
check "frozen worker killed at the hard limit" grep -q "scan overran its hard limit; worker killed" "$WORK/moatd.log"
check "message whose scan hung is answered (delivered: fault ignores errors)" accepted freeze1

# 4. kill -9 of a worker in the middle of a scan: the scan is retried and answered.
send slow1 --body "X-Moat-Fault: slow" &
sleep 1.5
victim=$(workers | head -n 1)
kill -9 $victim 2>/dev/null || true
wait_jobs
check "scan interrupted by kill -9 retried and answered" accepted slow1
check "moatd logged the retry" grep -q "worker died during a scan; retrying it alone" "$WORK/moatd.log"
check "pool back to two workers after kill -9" pool_full
check "killed worker replaced by a new process" bash -c "! pgrep -P $MOATD_PID -f 'moatd --worker' | grep -qx '$victim'"

# 5. An engine spinning past its deadline on a blocking thread: its worker is replaced, mail flows.
send spin1 --body "X-Moat-Fault: spin"
check "spinning engine answered as a timeout" accepted spin1
sleep 2
check "worker with a runaway thread asked to be replaced" grep -q "replacing a scan worker" "$WORK/moatd.log"
check "pool back to two workers after the runaway" pool_full

# 6. The malformed GIF of issue 15 (LZW minimum code size 11, first code 0x7FF): scanned, moatd up.
python3 - "$WORK/gif.eml" <<'PY'
import base64, sys
gif = bytes.fromhex("474946383961" "0400" "0400" "00" "00" "00") + b"\x2c" + bytes(4) + b"\x04\x00\x04\x00\x00" + b"\x0b\x03\xff\x07\x00\x00\x3b"
open(sys.argv[1], "w").write(
    "From: sender@example.com\r\nTo: user@moat.test\r\nSubject: picture\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee picture\r\n"
    "--b1\r\nContent-Type: image/gif; name=\"p.gif\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode(gif).decode() + "\r\n--b1--\r\n")
PY
send gif --data "$WORK/gif.eml"
check "malformed GIF message answered" accepted gif

# 6b. The MTA abandons a message mid-scan (ABORT, then a dropped connection): moatd cancels the
# scan, and the engine in the worker sees the cancellation. The fault engine's deadline is raised
# to a minute first (SIGHUP), so a cancellation logged within 20 s cannot be that deadline.
sed -i 's/^timeout_ms = .*/timeout_ms = 60000/' "$WORK/engines/fault.toml"
kill -HUP "$MOATD_PID"
reloaded() { for _ in $(seq 1 100); do [ "$(grep -c 'engines reloaded' "$WORK/moatd.log")" -ge 1 ] && return 0; sleep 0.2; done; return 1; }
check "the fault engine's deadline raised by a reload" reloaded
logged_within() { # PATTERN COUNT: the log holds COUNT lines matching PATTERN within 20 s
    for _ in $(seq 1 100); do [ "$(grep -c "$1" "$WORK/moatd.log")" -ge "$2" ] && return 0; sleep 0.2; done; return 1
}
check "an MTA sends ABORT during the scan" python3 "$(dirname "$0")/milter-abandon.py" "$MILTER_PORT" abort "abandoned one"
check "moatd cancels the aborted scan" logged_within "the MTA aborted the message during its scan; scan cancelled" 1
check "the engine in the worker sees its scan cancelled" logged_within "fault engine: scan cancelled while lingering" 1
check "an MTA drops the connection during the scan" python3 "$(dirname "$0")/milter-abandon.py" "$MILTER_PORT" drop "abandoned two"
check "moatd cancels the scan of the dropped connection" logged_within "the MTA closed the connection during a scan; scan cancelled" 1
check "the engine in the worker sees that scan cancelled too" logged_within "fault engine: scan cancelled while lingering" 2
no_abandoned_scans() {
    python3 - "$WORK/moat.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
total = db.execute("SELECT count(*) FROM scans").fetchone()[0]
abandoned = db.execute("SELECT count(*) FROM scans WHERE subject LIKE 'abandoned%'").fetchone()[0]
sys.exit(0 if total > 0 and abandoned == 0 else 1)
PY
}
check "no decision was recorded for the abandoned messages" no_abandoned_scans

# 7. Clean mail after all of it; nothing lost.
send clean2 --header "Subject: after" --body "still here"
check "clean message accepted after every fault" accepted clean2
check "moatd PID unchanged at the end" kill -0 "$ORIGINAL_PID"
REJECTED=$(grep -l '<\*\* 5' "$WORK"/*.swaks | wc -l)
DEFERRED=$(grep -l '<\*\* 4' "$WORK"/*.swaks | wc -l)
ACCEPTED=$(grep -l '<-  250 2.0.0 Ok: queued' "$WORK"/*.swaks | wc -l)
SENT=$(ls "$WORK"/*.swaks | wc -l)
check "every accepted message delivered" wait_delivered "$ACCEPTED"
DELIVERED=$(delivered | wc -l)
echo "# sent $SENT: delivered $DELIVERED, rejected $REJECTED, deferred $DEFERRED"
check "no message lost (delivered + rejected + deferred = sent)" test $((DELIVERED + REJECTED + DEFERRED)) -eq "$SENT"
finish
