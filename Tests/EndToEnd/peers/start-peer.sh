#!/usr/bin/env bash
# Starts one real scanner peer for MoatExternal's tests, on loopback or a Unix socket only.
# rspamd: RSPAMD_WORKERS sets its normal (and proxy) worker count (default 1); RSPAMD_PROXY=1 also
# starts its milter front end (rspamd_proxy, self_scan) on PROXY.
#
#   start-peer.sh KIND DIR     KIND: clamd | icap (c-icap + clamd) | spamd | spamassassin | rspamd
#
# spamd runs only a test rule set; spamassassin runs Debian's full rule set offline (local tests
# only, no Bayes unless SA_BAYES_PATH names a trained database, no auto-learn, no DNS), as
# bench/peers/ and bench/spam/ use it.
# clamd loads rules/clamav; with CLAMD_SYSTEM_DB=1 also the files of /var/lib/clamav (as Moat's
# clamav engine does with system_database = true).
#
# Writes DIR/KIND.env (PORT=..., SOCKET=..., PIDS="..."), prints it, and exits 0 once the peer
# answers. The daemons run in the foreground of background jobs; the caller stops them with
# `kill -TERM -- -PID` for each PID in PIDS: each daemon leads its own process group (setsid), so
# its worker children stop with it. This script never stops anything. Each daemon's PID is also
# appended to DIR/pids as soon as it starts, so a caller can stop it when the start-up fails.
# Exits 77 with a message when the peer's Debian package is missing (the test then skips).
set -euo pipefail
KIND=$1
DIR=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
mkdir -p "$DIR"
chmod 755 "$DIR"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "skip: $1 not installed (apt-get install $2)" >&2; exit 77; }; }
wait_for() { # wait_for SECONDS PID COMMAND...
    local seconds=$1 pid=$2; shift 2
    for _ in $(seq 1 $((seconds * 10))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { echo "peer $KIND (pid $pid) exited during start-up" >&2; return 1; }
        sleep 0.1
    done
    echo "peer $KIND did not answer within $seconds s" >&2
    return 1
}
port_open() { python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))"; }

start_clamd() {
    need clamd clamav-daemon
    mkdir -p "$DIR/clamdb"
    cp "$ROOT"/rules/clamav/*.{hdb,ndb,ldb,cdb} "$DIR/clamdb/" 2>/dev/null || true
    if [ "${CLAMD_SYSTEM_DB:-0}" = 1 ]; then
        find /var/lib/clamav -maxdepth 1 -type f -exec ln -s {} "$DIR/clamdb/" \;
    fi
    cat >"$DIR/clamd.conf" <<CONF
LocalSocket $DIR/clamd.sock
DatabaseDirectory $DIR/clamdb
TemporaryDirectory ${CLAMD_TMPDIR:-$DIR}
Foreground yes
LogFile $DIR/clamd.log
MaxThreads 4
CONF
    setsid clamd -c "$DIR/clamd.conf" >"$DIR/clamd.out" 2>&1 &
    CLAMD_PID=$!; echo "$CLAMD_PID" >>"$DIR/pids"
    wait_for 60 "$CLAMD_PID" test -S "$DIR/clamd.sock"
}

case "$KIND" in
clamd)
    start_clamd
    printf 'SOCKET=%s\nPIDS="%s"\n' "$DIR/clamd.sock" "$CLAMD_PID" >"$DIR/clamd.env"
    ;;
icap)
    need c-icap c-icap
    [ -f /usr/lib/x86_64-linux-gnu/c_icap/virus_scan.so ] || { echo "skip: libc-icap-mod-virus-scan not installed" >&2; exit 77; }
    start_clamd
    PORT=$(free_port)
    MODULES=$(dirname "$(dpkg -L libc-icap-mod-virus-scan | grep '/virus_scan.so$' | head -1)")
    cat >"$DIR/c-icap.conf" <<CONF
PidFile $DIR/c-icap.pid
CommandsSocket $DIR/c-icap.ctl
Port 127.0.0.1:$PORT
ServerName moat-test
Timeout 30
MaxKeepAliveRequests 100
KeepAliveTimeout 60
StartServers 1
MaxServers 2
MinSpareThreads 4
MaxSpareThreads 8
ThreadsPerChild 8
TmpDir $DIR
MaxMemObject 131072
DebugLevel 1
ModulesDir $MODULES
ServicesDir $MODULES
TemplateDir /usr/share/c_icap/templates/
LoadMagicFile /etc/c-icap/c-icap.magic
ServerLog $DIR/c-icap-server.log
AccessLog $DIR/c-icap-access.log
Module common clamd_mod.so
clamd_mod.ClamdSocket $DIR/clamd.sock
Service avscan virus_scan.so
virus_scan.DefaultEngine clamd
virus_scan.ScanFileTypes TEXT DATA EXECUTABLE ARCHIVE GIF JPEG MSOFFICE
virus_scan.Allow204Responces on
virus_scan.SendPercentData 0
virus_scan.MaxObjectSize 20M
CONF
    setsid c-icap -N -f "$DIR/c-icap.conf" >"$DIR/c-icap.out" 2>&1 &
    ICAP_PID=$!; echo "$ICAP_PID" >>"$DIR/pids"
    wait_for 30 "$ICAP_PID" port_open "$PORT"
    printf 'PORT=%s\nSOCKET=%s\nPIDS="%s %s"\n' "$PORT" "$DIR/clamd.sock" "$ICAP_PID" "$CLAMD_PID" >"$DIR/icap.env"
    ;;
spamd)
    need spamd spamassassin
    PORT=$(free_port)
    mkdir -p "$DIR/sa-rules" "$DIR/sa-site"
    # Only the plugins the test rules need: no network tests, no Bayes, no auto-whitelist.
    cat >"$DIR/sa-rules/10_moat.cf" <<'CONF'
required_score 5.0
dns_available no
use_bayes 0
body MOAT_TEST /MOAT-SPAM-TEST-7f3a/
describe MOAT_TEST Moat's spam test string
score MOAT_TEST 10
header MOAT_TEST_SUBJECT Subject =~ /moat spam test/i
describe MOAT_TEST_SUBJECT Moat's spam test subject
score MOAT_TEST_SUBJECT 1.5
clear_report_template
report Content analysis details:   (_SCORE_ points, _REQD_ required)
report
report " pts rule name              description"
report  ---- ---------------------- --------------------------------------------------
report _SUMMARY_
CONF
    : >"$DIR/sa-site/local.cf"
    # The .pre files load the core plugins (Check, at least); without them spamd cannot scan.
    cp /etc/spamassassin/*.pre "$DIR/sa-site/"
    setsid spamd -L -x --listen "127.0.0.1:$PORT" -C "$DIR/sa-rules" --siteconfigpath "$DIR/sa-site" \
        --max-children 2 --min-children 1 -s "$DIR/spamd.log" -u nobody >"$DIR/spamd.out" 2>&1 &
    SPAMD_PID=$!; echo "$SPAMD_PID" >>"$DIR/pids"
    wait_for 60 "$SPAMD_PID" port_open "$PORT"
    printf 'PORT=%s\nPIDS="%s"\n' "$PORT" "$SPAMD_PID" >"$DIR/spamd.env"
    ;;
spamassassin)
    need spamd spamassassin
    need spamc spamc
    PORT=$(free_port)
    mkdir -p "$DIR/sa-site"
    cp /etc/spamassassin/*.pre "$DIR/sa-site/"
    chmod 644 "$DIR/sa-site"/*.pre
    cat >"$DIR/sa-site/local.cf" <<'CONF'
use_bayes 0
bayes_auto_learn 0
dns_available no
skip_rbl_checks 1
use_razor2 0
use_pyzor 0
use_dcc 0
CONF
    # A Bayes database trained beforehand (sa-learn --dbpath DIR): SA_BAYES_PATH=DIR/bayes turns it on.
    if [ -n "${SA_BAYES_PATH:-}" ]; then
        printf 'use_bayes 1\nbayes_path %s\nbayes_file_mode 0666\n' "$SA_BAYES_PATH" >>"$DIR/sa-site/local.cf"
    fi
    setsid spamd -L -x --siteconfigpath "$DIR/sa-site" --listen "127.0.0.1:$PORT" -A 127.0.0.1 \
        --max-children 2 --min-children 1 --max-conn-per-child 1000 -s "$DIR/spamd.log" \
        $([ "$(id -u)" = 0 ] && echo "-u nobody") >"$DIR/spamd.out" 2>&1 &
    SPAMD_PID=$!; echo "$SPAMD_PID" >>"$DIR/pids"
    # Loading the full rule set takes a few seconds; PING needs a ready child.
    wait_for 120 "$SPAMD_PID" spamc -p "$PORT" -K
    printf 'PORT=%s\nPIDS="%s"\n' "$PORT" "$SPAMD_PID" >"$DIR/spamassassin.env"
    ;;
rspamd)
    need rspamd rspamd
    PORT=$(free_port); CONTROLLER=$(free_port); PROXY=$(free_port); DEAD=$(free_port)
    L="$DIR/rspamd-local"
    mkdir -p "$L/local.d" "$L/override.d" "$DIR/rspamd-db" "$DIR/rspamd-run" "$DIR/rspamd-log"
    chmod 777 "$DIR/rspamd-db" "$DIR/rspamd-run" "$DIR/rspamd-log"
    cat >"$L/local.d/options.inc" <<CONF
dns { nameserver = ["${RSPAMD_DNS:-127.0.0.1:$DEAD}"]; timeout = ${RSPAMD_DNS_TIMEOUT:-0.2s}; retransmits = 1; sockets = ${RSPAMD_DNS_SOCKETS:-1}; }
CONF
    echo "bind_socket = \"127.0.0.1:$PORT\"; count = ${RSPAMD_WORKERS:-1};" >"$L/override.d/worker-normal.inc"
    echo "bind_socket = \"127.0.0.1:$CONTROLLER\"; count = 1;" >"$L/override.d/worker-controller.inc"
    if [ "${RSPAMD_PROXY:-0}" = 1 ]; then
        # rspamd's own milter front end (rspamd_proxy, milter = yes) scanning in process (self_scan).
        cat >"$L/override.d/worker-proxy.inc" <<CONF
bind_socket = "127.0.0.1:$PROXY"; milter = yes; timeout = 120s; count = ${RSPAMD_WORKERS:-1};
upstream "local" { default = yes; self_scan = yes; }
CONF
    else
        echo "bind_socket = \"127.0.0.1:$PROXY\"; enabled = false;" >"$L/override.d/worker-proxy.inc"
    fi
    echo 'enabled = false;' >"$L/override.d/worker-fuzzy.inc"
    # Every module that asks DNS, another server or Redis for each message, and DKIM signing;
    # phishing keeps its local checks (link text versus target) without the OpenPhish and PhishTank feeds.
    # RSPAMD_AUTH=1 keeps spf, dkim, dmarc and arc on (with RSPAMD_DNS naming a loopback server):
    # the sender-authentication comparison in bench/auth/run.sh.
    for module in rbl spf dkim dkim_signing dmarc arc asn once_received fuzzy_check hfilter surbl emails mx_check dcc \
        neural ratelimit greylist replies reputation url_redirector rspamd_update history_redis \
        clickhouse elastic metadata_exporter p0f antivirus external_services bimi spamtrap; do
        if [ "${RSPAMD_AUTH:-0}" = 1 ]; then case $module in spf|dkim|dmarc|arc) continue ;; esac; fi
        echo 'enabled = false;' >"$L/override.d/$module.conf"
    done
    echo 'openphish_enabled = false; phishtank_enabled = false;' >"$L/override.d/phishing.conf"
    echo 'type = "console"; level = "error";' >"$L/override.d/logging.inc"
    setsid rspamd -f -i -u root -g root --var=LOCAL_CONFDIR="$L" --var=DBDIR="$DIR/rspamd-db" --var=RUNDIR="$DIR/rspamd-run" \
        --var=LOGDIR="$DIR/rspamd-log" >"$DIR/rspamd.out" 2>&1 &
    RSPAMD_PID=$!; echo "$RSPAMD_PID" >>"$DIR/pids"
    # The first start compiles Hyperscan databases (about 20 s).
    wait_for 120 "$RSPAMD_PID" curl -sf "http://127.0.0.1:$PORT/ping"
    if [ "${RSPAMD_PROXY:-0}" = 1 ]; then
        wait_for 60 "$RSPAMD_PID" port_open "$PROXY"
    fi
    printf 'PORT=%s\nPROXY=%s\nPIDS="%s"\n' "$PORT" "$PROXY" "$RSPAMD_PID" >"$DIR/rspamd.env"
    ;;
*)
    echo "unknown peer kind $KIND" >&2
    exit 2
    ;;
esac
cat "$DIR/$KIND.env"
