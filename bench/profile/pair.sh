#!/usr/bin/env bash
# Two builds of `moat` side by side on the same messages, one core each, at the same time: the
# machine's drift (±20 % within minutes here) then hits both alike, where runs one after the other
# compare noise. Prints messages/s per round; compare within a round.
#
#   BEFORE=/tmp/moat-old AFTER=.build/release/moat bench/profile/pair.sh ENGINES-DIR LIST [ROUNDS] [REPEAT]
#
# ENGINES-DIR: engine manifests (for example one engine's, to compare that engine alone);
# LIST: message paths, one per line (bench/pipeline/run.sh's test.list is the usual one).
# Keep REPEAT at 1 when clamav is among the engines: later passes hit its result cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
engines=${1:?engines directory}
list=${2:?message list}
rounds=${3:-3}
repeat=${4:-1}
: "${BEFORE:?path of the build to compare against}"
AFTER=${AFTER:-$root/.build/release/moat}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
    for side in before after; do
        binary=$BEFORE
        [ "$side" = after ] && binary=$AFTER
        (cd "$root" && "$binary" bench throughput --engines "$engines" --rules "$root/rules" --concurrency 1 --repeat "$repeat" \
            --list "$list" --label "$side" --no-header 2>/dev/null | head -n 1 | awk -F'|' '{ gsub(/ /, "", $7); print $7 }' >"$out/$side") &
    done
    wait
    echo "round $round: before $(cat "$out/before") msgs/s, after $(cat "$out/after") msgs/s"
done
