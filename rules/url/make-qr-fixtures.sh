#!/bin/sh
# Builds QR-code images in PNG, JPEG, GIF and WebP, at several sizes, with noise and rotation.
# Usage: rules/url/make-qr-fixtures.sh OUTDIR [COUNT]
# Needs: qrencode, imagemagick (convert), webp (cwebp). Payloads use reserved .example domains.
set -eu
out=${1:?usage: $0 OUTDIR [COUNT]}
count=${2:-8}
mkdir -p "$out"
i=0
while [ "$i" -lt "$count" ]; do
    payload="https://login-$i.phish.example/verify?id=$i"
    size=$((3 + i % 6))
    base="$out/qr$i"
    qrencode -o "$base.png" -s "$size" -m 4 "$payload"
    printf '%s' "$payload" > "$base.txt"
    case $((i % 4)) in
        0) cp "$base.png" "$base.src.png" ;;
        1) convert "$base.png" -rotate 17 -background white -flatten "$base.src.png" ;;
        2) convert "$base.png" -attenuate 0.4 +noise Gaussian "$base.src.png" ;;
        3) convert "$base.png" -resize 60% -rotate 90 "$base.src.png" ;;
    esac
    convert "$base.src.png" -quality 85 "$base.jpg"
    convert "$base.src.png" "$base.gif"
    cwebp -quiet -q 80 "$base.src.png" -o "$base.webp"
    mv "$base.src.png" "$base.png"
    i=$((i + 1))
done
