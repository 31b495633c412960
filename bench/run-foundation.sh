#!/usr/bin/env bash
# Parser and pipeline benchmarks on a release build; writes bench/results/foundation-DATE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/moat
[ -x "$BIN" ] || swift build -c release --product moat
CORPUS=${MOAT_CORPUS:-../shared/corpus}
OUT=bench/results/foundation-$(date -u +%Y-%m-%d).md
{
    echo "# Foundation benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m), $(swift --version 2>&1 | head -1)"
    echo
    echo "# Parser"
    echo
    dirs=()
    for d in spamassassin mime phishing; do [ -d "$CORPUS/$d" ] && dirs+=("$CORPUS/$d"); done
    "$BIN" bench parser "${dirs[@]}"
    echo
    echo "# Pipeline overhead (4 KB message, no-op engines)"
    echo
    "$BIN" bench pipeline
} | tee "$OUT"
echo "written to $OUT"
