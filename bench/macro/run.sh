#!/usr/bin/env bash
# Macro engine speed by document size: detection (mode = "detect") and disarm (mode = "disarm"),
# in process through the whole pipeline (`moat bench throughput --attach`: MIME decoding included),
# against olevba (oletools) on the same files in the same run. Sizes 100 KB, 1 MB and 20 MB, made
# by make-docs.py from real macro documents in ../shared/corpus/macros (a .docm and an .xlsm).
# Writes bench/results/macro-<date>.md. Needs a release build and the oletools virtualenv
# (`make test` creates .venv-oletools).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/lib.sh"
moat=${MOAT:-$root/.build/release/moat}
olevba=${OLEVBA:-$root/.venv-oletools/bin/olevba}
corpus=${CORPUS:-$root/../shared/corpus/macros}
out=${OUT:-$root/bench/results/macro-$(date +%F).md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sources=("$corpus/oletools_test-data/oleform/oleform-PR314.docm" "$corpus/xlsxwriter_macro/macro01.xlsm")
for mode in detect disarm; do
    mkdir -p "$work/engines-$mode"
    sed "s/^mode = .*/mode = \"$mode\"/" "$root/engines/macro.toml" >"$work/engines-$mode/macro.toml"
done

{
    echo "# Macro engine: documents/s by size, Moat versus olevba ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(machine); moat release build; $("$olevba" --version 2>/dev/null | head -n 1 || echo olevba)."
    echo "Files: ${sources[*]##*/}, padded with one stored picture part to each size. Moat runs at"
    echo "concurrency 1 (a single scan at a time, like olevba) through the whole pipeline: MIME decoding of the"
    echo "base64 attachment, detection, and for disarm the rewritten document, the note part and the part replacement."
    echo "olevba runs once per size over the same file list (one Python start-up for all files)."
    echo
} >"$out"

olevba_rows=()
header=1
for size in 102400 1048576 20971520; do
    label=$((size / 1024))KB
    [ "$size" -ge 1048576 ] && label=$((size / 1048576))MB
    "$root/bench/macro/make-docs.py" "$size" "$work/$label" "${sources[@]}" >/dev/null
    repeat=$((20971520 * 4 / size)); [ "$repeat" -gt 100 ] && repeat=100; [ "$repeat" -lt 3 ] && repeat=3
    for mode in detect disarm; do
        flags=(--engines "$work/engines-$mode" --rules "$root/rules" --attach --concurrency 1 --repeat "$repeat" --label "moat $mode $label")
        [ "$header" = 1 ] || flags+=(--no-header)
        "$moat" bench throughput "${flags[@]}" "$work/$label" | tee "$work/moat.txt" | head -n 3 | grep '^|' >>"$out"
        grep -h '^Verdicts' "$work/moat.txt" | sed "s/^/<!-- $mode $label: /; s/\$/ -->/" >>"$work/notes.txt"
        header=0
    done
    files=()
    for _ in $(seq "$repeat"); do files+=("$work/$label"/*); done
    start=$(date +%s.%N)
    "$olevba" --json "${files[@]}" >"$work/olevba.json" 2>/dev/null || true
    end=$(date +%s.%N)
    found=$(grep -o '"type": "VBA"\|"vba_code_all_modules"\|"macros": \[' "$work/olevba.json" | wc -l)
    olevba_rows+=("$(awk -v l="$label" -v n="${#files[@]}" -v s="$start" -v e="$end" -v sz="$size" -v f="$found" \
        'BEGIN { printf "| olevba %s | %d | %.1f | %.2f | %.2f | %.1f | (macro reports: %d) |", l, n, n * sz / 1e6, e - s, n / (e - s), n * sz / 1e6 / (e - s), f }')")
done
{
    echo
    echo "| olevba set | files | MB | seconds | files/s | MB/s | |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${olevba_rows[@]}"
    echo
    cat "$work/notes.txt"
} >>"$out"
cat "$out"
