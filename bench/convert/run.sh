#!/usr/bin/env bash
# Conversion latency per document type: the convert engine in process (`moat bench throughput
# --attach`: the document wrapped in a message, parsed, converted by LibreOffice in its own network
# and PID namespaces, re-encoded into the replacement part) against `soffice --convert-to` run by
# hand on the same files (LibreOffice alone, same profile reuse, no namespaces, no MIME). One at a
# time (the engine's default concurrency). Documents are made here by LibreOffice from text, so
# every type has the same content. Appends to bench/results/convert-<date>.md.
# BIN defaults to the release build; conversion time is LibreOffice's, so a debug build measures
# the same within noise.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release}
[ -x "$BIN/moat" ] || { echo "build first: swift build -c release (or BIN=.build/debug)" >&2; exit 2; }
OUT=${OUT:-bench/results/convert-$(date -u +%Y-%m-%d).md}
COUNT=${COUNT:-5}
WORK=$(mktemp -d /tmp/moat-convert-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/engines" "$WORK/src" "$WORK/peer"
sed -e "s|^# work_directory.*|work_directory = \"$WORK/convert\"|" engines/optional/convert.toml >"$WORK/engines/convert.toml"
sed -e 's|^to = "pdf".*|to = "text"|' -e 's|^# extensions.*|extensions = ["pdf"]|' "$WORK/engines/convert.toml" >"$WORK/text.toml"
mkdir -p "$WORK/engines-text" && mv "$WORK/text.toml" "$WORK/engines-text/convert.toml"
SOFFICE=(soffice -env:UserInstallation=file://$WORK/peer-profile --headless --norestore --nolockcheck --nodefault --nofirststartwizard)

# Sources: three pages of text, a 40-row table, a three-slide presentation (flat ODF).
python3 - "$WORK/src" <<'PY'
import sys
out = sys.argv[1]
words = "the quarterly figures are attached please review the totals before the meeting".split()
text = "\n\n".join(" ".join(words[(i + j) % len(words)] for j in range(120)) for i in range(30))
open(out + "/doc.txt", "w").write(text)
open(out + "/table.csv", "w").write("\n".join(f"{i},item {i},{i * 3.5:.2f},{i * 7}" for i in range(40)))
slides = "".join(f'<draw:page draw:name="s{i}"><draw:frame svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="5cm"><draw:text-box><text:p>Slide {i}: {" ".join(words)}</text:p></draw:text-box></draw:frame></draw:page>' for i in range(3))
open(out + "/slides.fodp", "w").write(
    '<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">'
    f'<office:body><office:presentation>{slides}</office:presentation></office:body></office:document>')
PY
for target in docx doc odt rtf; do "${SOFFICE[@]}" --convert-to "$target" --outdir "$WORK/src" "$WORK/src/doc.txt" >/dev/null 2>&1; done
for target in xlsx xls ods; do "${SOFFICE[@]}" --convert-to "$target" --outdir "$WORK/src" "$WORK/src/table.csv" >/dev/null 2>&1; done
for target in pptx ppt odp; do "${SOFFICE[@]}" --convert-to "$target" --outdir "$WORK/src" "$WORK/src/slides.fodp" >/dev/null 2>&1; done
"${SOFFICE[@]}" --convert-to pdf --outdir "$WORK/src" "$WORK/src/doc.docx" >/dev/null 2>&1
cp rules/macro/fixtures/autoopen-docm.eml "$WORK/docm.eml"
python3 - "$WORK/docm.eml" "$WORK/src/invoice.docm" <<'PY'
import email, sys
part = next(p for p in email.message_from_binary_file(open(sys.argv[1], "rb")).walk() if p.get_filename())
open(sys.argv[2], "wb").write(part.get_payload(decode=True))
PY

{
echo
echo "## Conversion latency by document type ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "Machine: $(nproc) cores; moat $(basename "$BIN") build $(git rev-parse --short HEAD); $(soffice --version | head -n 1). $COUNT documents of each type, one at a time; the first conversion of a run (profile creation) is not counted. Peer: \`soffice --headless --convert-to\` by hand, same files, same profile reuse."
echo
echo "| type | to | source KB | Moat convert engine ms/doc | soffice alone ms/doc | Moat / soffice |"
echo "|---|---|---:|---:|---:|---:|"
for source in invoice.docm doc.docx doc.doc doc.odt doc.rtf table.xlsx table.xls table.ods slides.pptx slides.ppt slides.odp doc.pdf; do
    ext=${source##*.}
    to=pdf; engines="$WORK/engines"
    [ "$ext" = pdf ] && { to=text; engines="$WORK/engines-text"; }
    rm -rf "$WORK/files" && mkdir -p "$WORK/files"
    for n in $(seq 1 "$COUNT"); do cp "$WORK/src/$source" "$WORK/files/$n-$source"; done
    # Warm: one conversion so the profile exists, for both.
    "$BIN/moat" bench throughput --engines "$engines" --attach --concurrency 1 --no-header "$WORK/files/1-$source" >/dev/null 2>&1
    row=$("$BIN/moat" bench throughput --engines "$engines" --attach --concurrency 1 --label "$ext" --no-header "$WORK/files" 2>/dev/null | head -n 1)
    seconds=$(awk -F'|' '{ gsub(/ /, "", $6); print $6 }' <<<"$row")
    if [ "$ext" = pdf ]; then peer=(pdftotext -enc UTF-8); else peer=("${SOFFICE[@]}" --convert-to pdf --outdir "$WORK/peer"); fi
    "${peer[@]}" "$WORK/files/1-$source" $([ "$ext" = pdf ] && echo "$WORK/peer/out.txt") >/dev/null 2>&1
    start=$(date +%s.%N)
    for f in "$WORK/files"/*; do "${peer[@]}" "$f" $([ "$ext" = pdf ] && echo "$WORK/peer/out.txt") >/dev/null 2>&1; done
    peer_seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
    python3 - "$ext" "$to" "$(stat -c %s "$WORK/src/$source")" "$COUNT" "$seconds" "$peer_seconds" <<'PY'
import sys
ext, to, size, n, moat, peer = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
print("| %s | %s | %.0f | %.0f | %.0f | %.2f× |" % (ext, to, size / 1024, moat / n * 1000, peer / n * 1000, moat / peer))
PY
done
} | tee -a "$OUT"
