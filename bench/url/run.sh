#!/usr/bin/env bash
# URL engine speed: messages/s of URL extraction (text, HTML, headers, PDF, QR in images) on the
# corpus; the share of real phishing messages with a link and with a phishing verdict from links
# alone; and QR-code images/s by image size against zbarimg (zbar-tools) on the same images in the
# same run. Moat runs in process through the whole pipeline with only the url engine (`moat bench
# throughput`; images wrapped as base64 attachments with --attach). zbarimg runs two ways: one
# process per image (how a script calls it) and one process for the whole set (start-up amortised).
# Writes bench/results/url-<date>.md. Needs a release build, qrencode, imagemagick, zbar-tools.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/lib.sh"
moat=${MOAT:-$root/.build/release/moat}
corpus=${CORPUS:-$root/../shared/corpus}
out=${OUT:-$root/bench/results/url-$(date +%F).md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/engines"
cp "$root/engines/url.toml" "$work/engines/"
bench() { "$moat" bench throughput --engines "$work/engines" --rules "$root/rules" "$@"; }

{
    echo "# URL engine: messages/s, and QR images/s by size versus zbarimg ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(machine); moat release build; $(zbarimg --version 2>&1 | head -n 1 | sed 's/^/zbar /')."
    echo
    echo "## URL extraction on the corpus (concurrency 2, engines/url.toml as shipped: QR on, extra passes on)"
    echo
} >"$out"
header=()
for set in phishing spamassassin mime; do
    [ -d "$corpus/$set" ] || continue
    bench --concurrency 2 --label "$set" "${header[@]}" "$corpus/$set" >"$work/run.txt"
    grep '^|' "$work/run.txt" >>"$out"
    header=(--no-header)
done

# QR images: ten payloads per size, plain black-on-white codes scaled to the given width.
for width in 120 300 800 2000 4000; do
    mkdir -p "$work/qr-$width"
    for i in $(seq 0 9); do
        qrencode -o "$work/qr.png" -s 4 -m 4 "https://login-$i.phish.example/verify?session=$RANDOM$RANDOM&i=$i"
        convert "$work/qr.png" -filter point -resize "${width}x${width}" -colorspace Gray "$work/qr-$width/qr$i.png"
    done
done
{
    echo
    echo "## QR images by size (ten PNG images per size, each its own message for Moat; concurrency 1)"
    echo
} >>"$out"
header=()
zrows=()
for width in 120 300 800 2000 4000; do
    repeat=$((4000 / width)); [ "$repeat" -lt 2 ] && repeat=2
    bench --attach --concurrency 1 --repeat "$repeat" --label "moat ${width}px" "${header[@]}" "$work/qr-$width" >"$work/run.txt"
    grep '^|' "$work/run.txt" >>"$out"
    # Each message's only link is the code's: url.qr_only counts the messages whose QR code was read.
    decoded=$(grep -o 'url.qr_only [0-9]*' "$work/run.txt" | awk '{print $2}')
    scans=$(grep '^| moat' "$work/run.txt" | awk -F'|' '{print $3 + 0}')
    header=(--no-header)
    images=("$work/qr-$width"/*.png)
    start=$EPOCHREALTIME
    ok=0
    for image in "${images[@]}"; do zbarimg -q --raw "$image" >/dev/null 2>&1 && ok=$((ok + 1)); done
    each=$(echo "$EPOCHREALTIME - $start" | bc -l)
    start=$EPOCHREALTIME
    all=$(zbarimg -q --raw "${images[@]}" 2>/dev/null | wc -l)
    batch=$(echo "$EPOCHREALTIME - $start" | bc -l)
    zrows+=("$(awk -v w="$width" -v n="${#images[@]}" -v e="$each" -v b="$batch" -v ok="$ok" -v all="$all" -v d="${decoded:-0}" -v s="$scans" \
        'BEGIN { printf "| %dpx | %d | %d/%d | %d | %.1f | %d | %.1f |", w, n, d, s, ok, n / e, all, n / b }')")
done
{
    echo
    echo "| size | images | Moat decoded (scans) | zbarimg decoded (process per image) | images/s | zbarimg decoded (one process) | images/s |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${zrows[@]}"
    echo
    echo "Moat's files/s counts whole messages (MIME decoding, PNG decoding, zbar, URL checks); zbarimg decodes files."
} >>"$out"
# The phishing corpus: in how many messages Moat finds a link, and how many its URL findings alone
# call phishing (or suspicious): one `moat scan --json` run, url engine only.
if [ -d "$corpus/phishing" ]; then
    find "$corpus/phishing" -type f -name '*.eml' | sort >"$work/phishing.list"
    "$moat" scan --engines "$work/engines" --rules "$root/rules" --json $(cat "$work/phishing.list") 2>/dev/null \
        | python3 -c '
import json, sys
total = with_url = phishing = suspicious = 0
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    decision = json.loads(line)
    total += 1
    findings = [f for e in decision.get("engines", []) for f in e.get("findings", [])]
    with_url += any(f["code"] == "url.extracted" for f in findings)
    category = decision.get("category")
    phishing += category == "phishing"
    suspicious += category == "suspicious"
print("\n## The phishing corpus (url engine alone)\n")
print("| messages | with at least one URL | phishing verdict | suspicious verdict |")
print("|---:|---:|---:|---:|")
share = lambda n: "%d (%.1f %%)" % (n, 100.0 * n / max(total, 1))
print("| %d | %s | %s | %s |" % (total, share(with_url), share(phishing), share(suspicious)))
' >>"$out"
fi
cat "$out"
