#!/usr/bin/env bash
# File-type engine speed: attachments/s and MB/s by archive depth (0 = plain files, 1..4 = zips
# nested that deep around the same five files), and time and peak memory on two zip bombs, which
# must stay bounded by the engine's limits (max_expanded_bytes, max_ratio...), not by the bomb.
# In process through the whole pipeline with only the file-type engine (`moat bench throughput
# --attach`). Writes bench/results/filetype-<date>.md. Needs a release build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/lib.sh"
moat=${MOAT:-$root/.build/release/moat}
out=${OUT:-$root/bench/results/filetype-$(date +%F).md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$root/bench/filetype/make-sets.py" "$work/sets" >"$work/sets.txt"
mkdir -p "$work/engines" "$work/engines-small"
cp "$root/engines/filetype.toml" "$work/engines/"
# The same engine with limits an eighth of the defaults: memory and time should follow the limits.
sed 's/^# max_expanded_bytes = .*/max_expanded_bytes = 16777216/; s/^# max_member_bytes = .*/max_member_bytes = 4194304/' \
    "$root/engines/filetype.toml" >"$work/engines-small/filetype.toml"
engines=$work/engines
run() { # label, concurrency, repeat, dir, [--no-header]
    "$moat" bench throughput --engines "$engines" --rules "$root/rules" --attach --label "$1" \
        --concurrency "$2" --repeat "$3" "${@:5}" "$4" >"$work/run.txt"
    grep '^|' "$work/run.txt" >>"$out"
    grep -h '^Findings' "$work/run.txt" | sed "s/^/<!-- $1: /; s/\$/ -->/" >>"$work/notes.txt" || true
}

{
    echo "# File-type engine: attachments/s by archive depth, and zip bombs ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(machine); moat release build;"
    echo "libmagic $(file --version | head -n 1 | sed 's/^file-//'), $(bsdtar --version 2>/dev/null | head -n 1 || echo libarchive)."
    echo "Each attachment is a base64 MIME part; MB counts the attachment files. Sets (make-sets.py):"
    sed 's/^/- /' "$work/sets.txt"
    echo
    echo "## By archive depth (concurrency 2)"
    echo
} >"$out"
header=()
for depth in 0 1 2 3 4; do
    run "depth $depth" 2 25 "$work/sets/depth-$depth" "${header[@]}"
    header=(--no-header)
done
{
    echo
    echo "## Zip bombs (one scan at a time; limits as shipped in engines/filetype.toml)"
    echo
} >>"$out"
run "42.zip (256 GiB claimed)" 1 3 "$work/sets/bomb-42"
run "flat 4 GiB of zeros" 1 3 "$work/sets/bomb-flat" --no-header
engines=$work/engines-small
run "42.zip, limits /8 (16 MiB expanded, 4 MiB per member)" 1 3 "$work/sets/bomb-42" --no-header
run "flat, limits /8" 1 3 "$work/sets/bomb-flat" --no-header
{ echo; cat "$work/notes.txt"; } >>"$out"
cat "$out"
