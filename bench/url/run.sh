#!/bin/sh
# QR decoding throughput: Moat (URLExtractor.readQRCodes: libpng/TurboJPEG/libwebp/GIF + zbar,
# with the extra phone-view passes) against zbarimg (ImageMagick + zbar) on the same images.
# Usage: bench/url/run.sh [IMAGE_DIR]   (default: ../shared/corpus/qr, else generated fixtures)
# Writes bench/url/results-<date>.txt. Run from the repository root; needs zbar-tools.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/../shared/corpus/qr}
if [ ! -d "$dir" ]; then
    dir=$(mktemp -d)
    "$root/rules/url/make-qr-fixtures.sh" "$dir" 32
fi
out="$root/bench/url/results-$(date +%Y%m%d-%H%M%S).txt"
list=$(mktemp)
find "$dir" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' -o -name '*.gif' -o -name '*.webp' \) \
    ! -path '*/falsepositives-*' | sort > "$list"
n=$(wc -l < "$list")
start=$(date +%s.%N)
decoded=0
while IFS= read -r f; do
    if zbarimg -q --raw -Sdisable -Sqrcode.enable "$f" > /dev/null 2>&1; then decoded=$((decoded + 1)); fi
done < "$list"
end=$(date +%s.%N)
zline=$(awk -v n="$n" -v d="$decoded" -v s="$start" -v e="$end" 'BEGIN { printf "zbarimg images=%d decoded=%d seconds=%.3f images_per_s=%.1f (one process per image)", n, d, e - s, n / (e - s) }')
echo "$zline" | tee "$out"
mout=$(mktemp)
( cd "$root" && MOAT_QR_BENCH_DIR="$dir" MOAT_QR_BENCH_OUT="$mout" swift test -c release --filter QRBenchmarkTests > /dev/null 2>&1 ) || true
if [ -s "$mout" ]; then cat "$mout" | tee -a "$out"; else echo "moat: swift test --filter QRBenchmarkTests failed" | tee -a "$out"; fi
rm -f "$list" "$mout"
