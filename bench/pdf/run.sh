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

# make SIZE-KB COUNT DIR: COUNT documents of about SIZE-KB, pages of text, an open action and a launch link.
python3 - "$WORK" <<'PY'
import os, random, sys
root = sys.argv[1]
random.seed(7)
words = "invoice quarterly figures revenue forecast meeting schedule attached please review".split()
def document(size):
    page_text = lambda: "BT /F1 10 Tf 40 800 Td 12 TL " + " ".join("(%s) '" % " ".join(random.choice(words) for _ in range(12)) for _ in range(60)) + " ET"
    pages = max(1, size // 7000)
    objects = ["<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
               "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        annots = " /Annots [<< /Type /Annot /Subtype /Link /Rect [40 40 200 60] /A << /S /Launch /F (cmd.exe) >> >>]" if i == 0 else ""
        objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R%s >>" % (5 + 2 * i, annots))
        text = page_text()
        objects.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
    out, offsets = b"%PDF-1.7\n", []
    for i, body in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, body.encode())
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
for label, size, count in (("100KB", 100_000, 40), ("1MB", 1_000_000, 10), ("20MB", 20_000_000, 3)):
    os.makedirs(os.path.join(root, label))
    for n in range(count):
        open(os.path.join(root, label, "doc%02d.pdf" % n), "wb").write(document(size))
PY

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
