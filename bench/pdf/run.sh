#!/usr/bin/env bash
# PDF disarm by document size (100 KB, 1 MB, 20 MB, each with an opening script and a launch
# link): the pdf engine in process (`moat bench throughput --attach`: the document wrapped in a
# message, parsed, inspected, disarmed, read back and re-encoded), against `qpdf in.pdf out.pdf`
# rewriting the same files (qpdf alone: no MIME, no inspection, no read-back). One at a time.
# Appends to bench/results/pdf-<date>.md.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
BIN=.build/release
[ -x "$BIN/moat" ] || { echo "build first: swift build -c release" >&2; exit 2; }
OUT=${OUT:-bench/results/pdf-$(date -u +%Y-%m-%d).md}
WORK=$(mktemp -d /tmp/moat-pdf-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/engines"
cp engines/optional/pdf.toml "$WORK/engines/"

# Documents of about 100 KB, 1 MB and 20 MB (Tests/EndToEnd/make-pdf.py: text pages, an opening
# script, a launch link).
for spec in 100KB:100000:40 1MB:1000000:10 20MB:20000000:3; do
    IFS=: read -r label size count <<<"$spec"
    mkdir -p "$WORK/$label"
    # A different text in each, so no cache can answer for a document seen before.
    for n in $(seq 0 $((count - 1))); do python3 Tests/EndToEnd/make-pdf.py "$WORK/$label/doc$(printf %02d "$n").pdf" --bytes "$size" --seed "$n"; done
done

{
echo
echo "## PDF disarm by size ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "Machine: $(nproc) cores; moat release build $(git rev-parse --short HEAD); $(qpdf --version | head -n 1). Each document: text pages, an opening script, a launch link. One document at a time."
echo
echo "| size | documents | Moat pdf engine docs/s | MB/s | qpdf rewrite docs/s | MB/s | Moat / qpdf |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for label in 100KB 1MB 20MB; do
    files=("$WORK/$label"/*.pdf)
    bytes=$(cat "${files[@]}" | wc -c)
    row=$("$BIN/moat" bench throughput --engines "$WORK/engines" --attach --concurrency 1 --label "$label" --no-header "${files[@]}" 2>/dev/null | head -n 1)
    seconds=$(awk -F'|' '{ gsub(/ /, "", $6); print $6 }' <<<"$row")
    start=$(date +%s.%N)
    for f in "${files[@]}"; do qpdf "$f" "$WORK/out.pdf"; done
    qseconds=$(echo "$(date +%s.%N) - $start" | bc -l)
    python3 - "$label" "${#files[@]}" "$bytes" "$seconds" "$qseconds" <<'PY'
import sys
label, n, size, moat, peer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
mb = size / 1e6
print("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f× |" % (label, n, n / moat, mb / moat, n / peer, mb / peer, peer / moat))
PY
done
} | tee -a "$OUT"
