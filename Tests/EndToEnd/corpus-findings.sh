#!/usr/bin/env bash
# Decisions and finding codes on the whole shared corpus, compared with the recorded baseline
# (Tests/Baselines/corpus-findings.tsv): a speed refactor must not change what Moat finds.
#
#   corpus-findings.sh [MOAT]            # compare (exit 1 and print the differences on a change)
#   corpus-findings.sh MOAT --record     # rewrite the baseline; say why in the commit message
# MOAT defaults to $MOAT_BIN/moat (how `make e2e-test` runs every script).
#
# The engines are the default five with nothing that changes from machine to machine: ClamAV
# without the system database (freshclam), the spam engine without Bayes (training state).
# Messages (SpamAssassin, phishing, MIME test suites) are scanned as they are; AV samples, Office
# documents and QR images as base64 attachments. Paths in the baseline are relative to the corpus.
set -euo pipefail
export LC_ALL=C
MOAT=$(realpath "${1:-$MOAT_BIN/moat}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
BASELINE=$ROOT/Tests/Baselines/corpus-findings.tsv
if [ ! -d "$CORPUS/spamassassin" ]; then
    echo "corpus-findings: no shared corpus at $CORPUS; nothing to compare (the corpus is not part of the repository)"
    exit 0
fi
WORK=$(mktemp -d /tmp/moat-findings.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/engines"
for manifest in clamav filetype macro spam url; do cp "$ROOT/engines/$manifest.toml" "$WORK/engines/"; done
sed -i 's/^system_database = .*/system_database = false/' "$WORK/engines/clamav.toml"
sed -i -e 's/^use_bayes = .*/use_bayes = false/' -e "s|^cache_dir = .*|cache_dir = \"$ROOT/var/spam-cache\"|" "$WORK/engines/spam.toml"

cd "$CORPUS"
awk -F'\t' 'NR > 1 { print "spamassassin/" $1 }' spamassassin/labels.tsv >"$WORK/messages.list"
find phishing mime -type f ! -name '*.txt' ! -name LICENSE ! -name '*.md' | sort >>"$WORK/messages.list"
find av macros qr -type f ! -name '*.txt' ! -name '*.md' ! -name '*.tsv' ! -name COPYING | sort >"$WORK/attachments.list"
run() { # LIST OUT [--attach]
    "$MOAT" bench throughput --engines "$WORK/engines" --rules "$ROOT/rules" --concurrency 2 --list "$1" \
        --findings "$2" "${@:3}" >"$2.log" 2>&1 || { cat "$2.log" >&2; exit 1; }
}
run "$WORK/messages.list" "$WORK/messages.tsv"
run "$WORK/attachments.list" "$WORK/attachments.tsv" --attach
cat "$WORK/messages.tsv" "$WORK/attachments.tsv" >"$WORK/findings.tsv"
count=$(wc -l <"$WORK/findings.tsv")
if [ "${2:-}" = --record ]; then
    cp "$WORK/findings.tsv" "$BASELINE"
    echo "corpus-findings: recorded $count files in $BASELINE"
    exit 0
fi
if ! diff -u "$BASELINE" "$WORK/findings.tsv" >"$WORK/diff"; then
    echo "corpus-findings: decisions or findings changed on $(grep -c '^+[^+]' "$WORK/diff") of $count files:" >&2
    head -n 60 "$WORK/diff" >&2
    exit 1
fi
echo "corpus-findings: $count files, decisions and findings identical to the baseline"
