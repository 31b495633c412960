# Sourced by the peer scripts (spamassassin.sh, rspamd.sh, clamd.sh), which define
#   scan FILE          run the peer's client on one message (stdin is the message; output is kept)
#   verdict STATUS     print clean|spam|malware|phishing|error from the client's exit status and
#                      its output in "$REPLY_FILE"
# and then call start_peer KIND and run_list NAME VERSION SETTINGS.
set -euo pipefail
export LC_ALL=C  # EPOCHREALTIME with a '.'
[ $# -eq 2 ] || { echo "usage: $0 LIST OUT" >&2; exit 2; }
LIST=$1
OUT=$2
[ -r "$LIST" ] || { echo "$0: cannot read $LIST" >&2; exit 2; }
TIMEOUT=${PEER_TIMEOUT:-30}  # seconds a client may take on one message; beyond it: timeout
WORK=$(mktemp -d /tmp/moat-peer.XXXXXX)
chmod 755 "$WORK"  # spamd's children run as nobody
REPLY_FILE=$WORK/reply

. "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"
trap 'peer_stop "$WORK/peer"; rm -rf "$WORK"' EXIT

# start_peer KIND: the daemon on loopback or a private Unix socket; sets PORT or SOCKET.
# Exits 77 (skip) when the peer's Debian package is missing.
start_peer() {
    echo "starting $1 ..." >&2
    peer_start "$1" "$WORK/peer" || exit $?
}

# run_list NAME VERSION SETTINGS: scans every message of LIST, one at a time, and writes OUT.
run_list() {
    local path start end us status prediction
    # One unrecorded scan first, so the first message is not charged for the daemon's warm-up.
    path=$(head -1 "$LIST")
    if [ -r "$path" ]; then scan "$path" <"$path" >/dev/null 2>&1 || true; fi
    printf '# peer=%s version=%s date=%s offline: %s\n' "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$3" >"$OUT"
    while IFS= read -r path || [ -n "$path" ]; do
        [ -n "$path" ] || continue
        path=$(realpath -m -- "$path")
        status=0 us=0 prediction=error
        if [ -r "$path" ] && [ ! -d "$path" ]; then
            start=$EPOCHREALTIME
            scan "$path" <"$path" >"$REPLY_FILE" 2>&1 || status=$?
            end=$EPOCHREALTIME
            us=$((${end/./} - ${start/./}))
            if [ "$status" != 0 ] && [ "$us" -ge $((TIMEOUT * 1000000)) ]; then
                prediction=timeout
            else
                prediction=$(verdict "$status")
            fi
        else
            echo "cannot read" >"$REPLY_FILE"
        fi
        [ "$prediction" != error ] || echo "$1: error on $path: $(head -c 300 "$REPLY_FILE")" >&2
        printf '%s\t%s\t%d.%03d\n' "$path" "$prediction" $((us / 1000)) $((us % 1000)) >>"$OUT"
    done <"$LIST"
    awk -F'\t' -v peer="$1" -v out="$OUT" '!/^#/ { n++; c[$2]++; ms += $3 }
        END { printf "%s: %d messages", peer, n; for (p in c) printf ", %s %d", p, c[p];
              printf ", mean %.1f ms -> %s\n", n ? ms / n : 0, out }' "$OUT" >&2
}
