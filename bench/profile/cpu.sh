#!/usr/bin/env bash
# CPU time per message of two builds of `moat`, run one after the other in alternating rounds, with
# each build's start-up (one message) subtracted. Steadier on this machine than messages/s: the
# figures in bench/results/profile-2026-12-04*.md come from it.
#
#   BEFORE=/tmp/moat-old AFTER=.build/release/moat bench/profile/cpu.sh ENGINES-DIR LIST [ROUNDS]
#
# ENGINES-DIR: engine manifests (one engine's to compare that engine alone); LIST: message paths,
# one per line. One pass per run (clamav's result cache would flatter later passes), 4 in flight.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
engines=${1:?engines directory}
list=${2:?message list}
rounds=${3:-4}
: "${BEFORE:?path of the build to compare against}"
AFTER=${AFTER:-$root/.build/release/moat}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n 1 "$list" >"$work/one.list"
count=$(grep -c . "$list")
cpu() { # BINARY LIST: user + sys seconds of one run
    (cd "$root" && /usr/bin/time -f "%U %S" -o "$work/time" "$1" bench throughput --engines "$engines" --rules "$root/rules" \
        --concurrency 4 --repeat 1 --list "$2" --label x --no-header >/dev/null 2>&1)
    awk '{ print $1 + $2 }' "$work/time"
}
# Start-up is the least of three runs per build: one run was off by up to a tenth of a second,
# which moved every figure of a 1,000-message round by 0.1 ms.
declare -A startup
for side in BEFORE AFTER; do
    startup[$side]=$(for _ in 1 2 3; do cpu "${!side}" "$work/one.list"; done | sort -n | head -n 1)
done
echo "start-up CPU: before ${startup[BEFORE]} s, after ${startup[AFTER]} s; $count messages per run"
for round in $(seq 1 "$rounds"); do
    line="round $round:"
    for side in BEFORE AFTER; do
        total=$(cpu "${!side}" "$list")
        line+=$(awk -v t="$total" -v s="${startup[$side]}" -v n="$count" -v side="${side,,}" \
            'BEGIN { printf " %s %.3f ms/msg", side, (t - s) * 1000 / n }')
    done
    echo "$line"
done
