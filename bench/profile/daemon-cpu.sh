#!/usr/bin/env bash
# CPU time per message of two builds of `moatd`, process by process, in alternating rounds: each
# round starts the build on a fresh store, replays the corpus over milter (`moat bench milter
# --corpus`, after it waits for every engine to be ready and a 200-message warm-up), and reads the
# parent's and each worker's user + system time from /proc before and after. Steadier than the
# messages/s of one replay, which moved by a fifth between runs here.
#
#   BEFORE=/tmp/moatd-old AFTER=.build/release/moatd bench/profile/daemon-cpu.sh ENGINES-DIR LIST [ROUNDS] [CONNECTIONS]
#
# ENGINES-DIR: engine manifests (a spam manifest's bayes_path and cache_dir should be absolute);
# LIST: message paths, one per line, relative to the repository root or absolute.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
engines=${1:?engines directory}
list=${2:?message list}
rounds=${3:-3}
connections=${4:-16}
: "${BEFORE:?path of the moatd build to compare against}"
AFTER=${AFTER:-$root/.build/release/moatd}
moat=$root/.build/release/moat
. "$root/bench/peers/daemon.sh"
count=$(grep -c . "$list")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
admin=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
ticks() { # PID...: "pid ticks" per process (user + system, in clock ticks); a process gone is said
    for p in "$@"; do
        if [ -r "/proc/$p/stat" ]; then awk -v p="$p" '{ print p, $14 + $15 }' "/proc/$p/stat"; else echo "process $p ended during the run" >&2; fi
    done
}
hz=$(getconf CLK_TCK)
echo "$count messages per run, $connections connections; ms of CPU a message: total (parent, workers...)"
for round in $(seq 1 "$rounds"); do
    for side in BEFORE AFTER; do
        rm -rf "$work/store"; mkdir -p "$work/store"
        moatd_config "$work/moat.toml" "$port" "$admin" "$work/store"
        (cd "$root" && exec "${!side}" --config "$work/moat.toml" --engines "$engines" >"$work/moatd.log" 2>&1) &
        pid=$!
        for _ in $(seq 600); do python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && break; sleep 0.1; done
        (cd "$root" && "$moat" bench milter --address "inet:$port@127.0.0.1" --corpus "$list" --connections 4 --messages 200 >/dev/null)
        processes="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
        ticks $processes >"$work/before"
        rate=$(cd "$root" && "$moat" bench milter --address "inet:$port@127.0.0.1" --corpus "$list" --connections "$connections" \
            --messages "$count" --wait-ready 0 | tail -n 1 | awk -F'|' '{ gsub(/ /, "", $5); print $5 }')
        ticks $processes >"$work/after"
        grep -iE "worker exited|replacing a scan worker|hard limit" "$work/moatd.log" >&2 || true
        kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
        join "$work/before" "$work/after" | awk -v n="$count" -v hz="$hz" -v side="${side,,}" -v round="$round" -v rate="$rate" '
            { ms = ($3 - $2) * 1000 / hz / n; total += ms; each = each sprintf(" %.3f", ms) }
            END { printf "round %d %s: %.3f ms (%s ) %s msgs/s\n", round, side, total, each, rate }'
    done
done
