#!/usr/bin/env bash
# What tenancy costs a scan: the default pipeline (clamav, filetype, macro, spam, url) over the same
# messages with no tenants, with 1, and with 10,000 (policy lookup per recipient, effective
# policies built once per change), with one recipient per message and with five recipients in five
# different tenants (five decisions per scan, merged). Release build; the rows alternate so a
# noisy machine does not favour one of them.
#
#   bench/tenants/run.sh         # writes bench/results/tenants-<date>.md
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
moat=$root/.build/release/moat
corpus=${CORPUS:-$root/../shared/corpus/spamassassin}
out=${OUT:-$root/bench/results/tenants-$(date +%F).md}
N=${N:-1000}
CONCURRENCY=${CONCURRENCY:-4}
ROUNDS=${ROUNDS:-2}
[ -x "$moat" ] || { echo "build first: swift build -c release" >&2; exit 2; }
work=$(mktemp -d /tmp/moat-tenants-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
awk -F'\t' -v dir="$corpus" -v n="$N" 'NR > 1 && (NR - 2) % 3 == 0 && printed++ < n { print dir "/" $1 }' "$corpus/labels.tsv" >"$work/test.list"
mkdir -p "$work/engines"
for m in clamav filetype macro spam url; do cp "$root/engines/$m.toml" "$work/engines/"; done
row() { # LABEL TENANTS RECIPIENTS [--no-header]
    (cd "$root" && "$moat" bench throughput --engines "$work/engines" --rules "$root/rules" --concurrency "$CONCURRENCY" \
        --tenants "$2" --recipients "$3" --list "$work/test.list" --label "$1" ${4:-} 2>/dev/null | grep '^|')
}
{
    echo "# Tenancy cost, $(date +%F)"
    echo
    echo "$N SpamAssassin-corpus messages (every third of labels.tsv), default engines, concurrency $CONCURRENCY, release build,"
    echo "$ROUNDS rounds with the rows interleaved. \`tenants\`: synthetic tenants t0..tN-1 (even: reject_score 8 and macro"
    echo "reject; odd: tag never, spam quarantined); \`rcpt\`: envelope recipients per message, each in a different tenant."
    echo
    echo '```'
    header="--"
    for round in $(seq 1 "$ROUNDS"); do
        row "none r$round" 0 1 $([ "$header" = "--" ] && echo "" || echo --no-header)
        header=done
        row "1-tenant-1-rcpt r$round" 1 1 --no-header
        row "10000-tenants-1-rcpt r$round" 10000 1 --no-header
        row "10000-tenants-5-rcpt r$round" 10000 5 --no-header
    done
    echo '```'
    echo
    echo "Decisions alone (\`moat bench tenants\`, 200,000 synthetic messages: spam 6.5, macro with a disarmed part, url"
    echo "clean), against one Aggregator.decide under the global policy; the directory is built once per tenant change:"
    echo
    for t in 1 10000; do for r in 1 5; do
        "$moat" bench tenants --tenants "$t" --recipients "$r" | { [ "$t$r" = 11 ] && cat || tail -n 1; }
    done; done
} | tee "$out"
