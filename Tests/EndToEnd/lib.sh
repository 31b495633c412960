# Shared helpers for the end-to-end scripts: a throwaway Postfix instance and a moatd, both on loopback.
# Every process started here is recorded and stopped by PID on exit.

set -euo pipefail
MOAT_BIN=${MOAT_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.build/debug}
WORK=$(mktemp -d /tmp/moat-e2e.XXXXXX)
chmod 755 "$WORK"
PIDS=()
POSTFIX_CONF=""
FAILED=0
PASSED=0

# A process that does not stop within 90 s of SIGTERM (moatd's shutdown_timeout_ms, then as long
# again for cancellation) is a failure, killed so the run goes on, not a hang of the whole suite.
cleanup() {
    local hung=0
    if [ -n "$POSTFIX_CONF" ]; then postfix -c "$POSTFIX_CONF" stop >/dev/null 2>&1 || true; fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "FAIL - process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)) did not stop within 90 s of SIGTERM"
            kill -9 "$pid" 2>/dev/null || true
            hung=1
        fi
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_WORK:-0}" != 1 ]; then rm -rf "$WORK"; fi
    # Only a hang changes the script's status: otherwise it keeps its own (an EXIT trap that
    # calls `exit` replaces it, and scripts chain this function after their own cleanup).
    if [ "$hung" = 1 ]; then exit 1; fi
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
    local port=$1
    for _ in $(seq 1 100); do
        if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "port $port did not open" >&2
    return 1
}

check() {
    local name=$1; shift
    if "$@"; then
        echo "ok - $name"; PASSED=$((PASSED + 1))
    else
        echo "FAIL - $name"; FAILED=$((FAILED + 1))
    fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# write_config MILTER_PORT [ADMIN_PORT]: $WORK/moat.toml for a test daemon: milter on loopback,
# private spool and store, the tests' reject reply; the admin API only when a port is given.
write_config() {
    local milter_port=$1 admin_port=${2:-}
    cat >"$WORK/moat.toml" <<CONF
[milter]
listen = ["inet:$milter_port@127.0.0.1"]
spool_directory = "$WORK/spool"
spool_threshold_bytes = 65536
[policy]
reject_reply = "550 5.7.1 Moat test rejection"
[store]
path = "$WORK/moat.sqlite"
flush_interval_ms = 20
CONF
    if [ -n "$admin_port" ]; then
        printf '[admin]\nlisten = "127.0.0.1:%s"\ntoken_file = "%s/admin.token"\n' "$admin_port" "$WORK" >>"$WORK/moat.toml"
    else
        printf '[admin]\nenabled = false\n' >>"$WORK/moat.toml"
    fi
}

# write_blocklist ENGINES_DIR: a pattern engine that calls MOAT-TEST-MALWARE-7f3a in any part malware.
write_blocklist() {
    cat >"$1/blocklist.toml" <<'CONF'
adapter = "pattern"
timeout_ms = 5000
[options]
patterns = ["MOAT-TEST-MALWARE-7f3a"]
scope = "parts"
category = "malware"
score = 10
CONF
}

# write_pattern FILE CATEGORY SCORE PATTERN... [-- EXTRA-TOML]: a pattern engine manifest that calls
# any part holding one of the patterns CATEGORY with SCORE; lines after `--` are appended (a [removal] table).
write_pattern() {
    local file=$1 category=$2 score=$3; shift 3
    local patterns=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do patterns+=("\"$1\""); shift; done
    [ "${1:-}" = -- ] && { shift; extra=("$@"); }
    {
        printf 'adapter = "pattern"\n[options]\npatterns = [%s]\nscope = "parts"\ncategory = "%s"\nscore = %s\n' \
            "$(IFS=,; echo "${patterns[*]}")" "$category" "$score"
        for line in "${extra[@]}"; do printf '%s\n' "$line"; done
    } >"$file"
}

# start_moatd CONFIG ENGINES_DIR: starts moatd in the background, logs to $WORK/moatd.log.
start_moatd() {
    "$MOAT_BIN/moatd" --config "$1" --engines "$2" >"$WORK/moatd.log" 2>&1 &
    MOATD_PID=$!
    PIDS+=("$MOATD_PID")
}

# start_postfix SMTP_PORT MILTER_PORT: a private Postfix that delivers every recipient of moat.test
# into one Maildir, $WORK/mail/box/.
start_postfix() {
    local smtp_port=$1 milter_port=$2
    POSTFIX_CONF=$WORK/postfix
    mkdir -p "$POSTFIX_CONF" "$WORK/queue" "$WORK/data" "$WORK/mail"
    chown postfix "$WORK/data"
    chown nobody:nogroup "$WORK/mail"
    cp /etc/postfix/dynamicmaps.cf "$POSTFIX_CONF/" 2>/dev/null || true
    cat >"$POSTFIX_CONF/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $WORK/queue
data_directory = $WORK/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.moat.test
mydomain = moat.test
myorigin = moat.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
virtual_mailbox_domains = moat.test
virtual_mailbox_base = $WORK/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
maillog_file_prefixes = /var, /dev/stdout, /tmp
maillog_file = $WORK/maillog
smtpd_milters = inet:127.0.0.1:$milter_port
milter_protocol = 6
milter_default_action = tempfail
milter_content_timeout = 60s
smtputf8_enable = no
biff = no
CONF
    sed -e "s/^smtp      inet.*/$smtp_port      inet  n       -       n       -       -       smtpd/" \
        -e 's/^\(postlog .*\)$/\1/' /etc/postfix/master.cf >"$POSTFIX_CONF/master.cf"
    grep -q '^postlog' "$POSTFIX_CONF/master.cf" || \
        echo "postlog   unix-dgram n  -       n       -       1       postlogd" >>"$POSTFIX_CONF/master.cf"
    # POSTFIX_REINJECT_PORT: a second listener without the milter, where released mail is re-injected.
    if [ -n "${POSTFIX_REINJECT_PORT:-}" ]; then
        echo "127.0.0.1:$POSTFIX_REINJECT_PORT inet n - n - - smtpd -o smtpd_milters= -o non_smtpd_milters=" >>"$POSTFIX_CONF/master.cf"
    fi
    postfix -c "$POSTFIX_CONF" check
    postfix -c "$POSTFIX_CONF" start
    wait_port "$smtp_port"
}

# run_miltertest SCRIPT PORT NAME: runs Tests/EndToEnd/SCRIPT with miltertest against moatd on PORT,
# output in $WORK/NAME.out (printed), and checks that it exits 0 having reached its last check.
run_miltertest() {
    local script=$1 port=$2 name=$3 status
    set +e
    miltertest -s "$(dirname "${BASH_SOURCE[0]}")/$script" -D port="$port" -D dir="$(dirname "${BASH_SOURCE[0]}")" >"$WORK/$name.out" 2>&1
    status=$?
    set -e
    cat "$WORK/$name.out"
    check "miltertest $script exits 0" test "$status" -eq 0
    check "miltertest $script reached the end of its checks" grep -q "miltertest: all checks passed" "$WORK/$name.out"
}

# Messages delivered so far (one file each).
delivered() {
    find "$WORK/mail/box/new" -type f -printf '%T@ %p\n' 2>/dev/null | sort -n | cut -d' ' -f2-
}

# wait_delivered N: waits until N messages are in the Maildir.
wait_delivered() {
    for _ in $(seq 1 100); do
        [ "$(delivered | wc -l)" -ge "$1" ] && return 0
        sleep 0.2
    done
    return 1
}
