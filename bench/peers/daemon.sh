# Sourced by every script that runs a peer daemon (bench/peers/*.sh, bench/spam/*.sh): starts it
# with Tests/EndToEnd/peers/start-peer.sh and stops exactly what that script started.

PEERS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# peer_start KIND DIR: the daemon on loopback or a private Unix socket; sources DIR/KIND.env
# (PORT or SOCKET, PIDS). Returns start-peer.sh's status (77: the Debian package is missing),
# with its log on standard error.
peer_start() {
    local status=0
    bash "$PEERS_ROOT/Tests/EndToEnd/peers/start-peer.sh" "$1" "$2" >"$2.log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then cat "$2.log" >&2; return "$status"; fi
    . "$2/$1.env"
}

# peer_stop DIR: each daemon start-peer.sh recorded in DIR/pids leads its own process group; TERM
# the group, wait up to 5 s, then KILL it, and only while that PID still leads its group.
peer_stop() {
    local pid pids
    pids=$(cat "$1/pids" 2>/dev/null || true)
    for pid in $pids; do
        if peer_leads_group "$pid"; then kill -TERM -- "-$pid" || true; fi
    done
    for pid in $pids; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if peer_leads_group "$pid"; then kill -KILL -- "-$pid" || true; fi
    done
}
peer_leads_group() { [ "$(ps -o pgid= -p "$1" 2>/dev/null | tr -d ' ')" = "$1" ]; }

# moatd_config FILE PORT ADMIN-PORT DIR: a moatd configuration for a benchmark run, milter on
# loopback PORT, admin API on ADMIN-PORT, spool and store under DIR, warnings only in the log.
moatd_config() {
    cat >"$1" <<CONF
log_level = "warning"
rules_directory = "$PEERS_ROOT/rules"
[milter]
listen = ["inet:$2@127.0.0.1"]
spool_directory = "$4/spool"
[admin]
listen = "127.0.0.1:$3"
token_file = "$4/admin.token"
[store]
path = "$4/moat.sqlite"
CONF
}
