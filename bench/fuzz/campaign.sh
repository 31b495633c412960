#!/usr/bin/env bash
# A fuzzing campaign: every target in turn (one process at a time, so it fits a 2-core machine
# beside a build), each for its own budget, then a Markdown table of executions, exec/s, corpus
# size and crash files, written to bench/results/fuzz-campaign-table.md.
#
#   bench/fuzz/campaign.sh                 default budgets (about 50 minutes in all)
#   CAMPAIGN_SCALE=4 bench/fuzz/campaign.sh  every budget × 4
#   FUZZ_TARGETS=mime,gif bench/fuzz/campaign.sh
#
# Budgets are sized from exec/s so the fast decoders pass 1 million executions; the slow ones
# (whole messages, HTML, Office documents) get longer but reach fewer. The corpus in
# .build-fuzz/corpus/<target> carries over between runs, so repeated campaigns go deeper.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${FUZZ_OUT:-$ROOT/.build-fuzz}"
SCALE="${CAMPAIGN_SCALE:-1}"
TABLE="${CAMPAIGN_TABLE:-$ROOT/bench/results/fuzz-campaign-table.md}"

declare -A BUDGET=(
    [qp]=30 [base64]=30 [biff]=60 [rfc2047]=90 [charsets]=90 [uuencode]=90 [gif]=90 [image]=90 [received]=90
    [cfb]=180 [powerpoint]=180 [vba]=180 [qr]=150 [pdflinks]=180 [urlnormalize]=180 [mime]=240 [rtf]=180
    [macro]=180 [zip]=180 [htmllinks]=150 [textlinks]=120 [spamhtml]=150
)

bash Tests/Fuzz/fuzz.sh build || exit 1
targets="${FUZZ_TARGETS:-$(bash Tests/Fuzz/fuzz.sh list)}"
: >"$OUT/stats.tsv"
failed=""
for t in $(echo "$targets" | tr ',' ' '); do
    seconds=$(( ${BUDGET[$t]:-120} * SCALE ))
    FUZZ_TARGETS="$t" FUZZ_SECONDS="$seconds" bash Tests/Fuzz/fuzz.sh run || failed="$failed $t"
done

{
    echo "| target | seconds | executions | exec/s | corpus | crash files |"
    echo "|---|---:|---:|---:|---:|---:|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$OUT/stats.tsv"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(swiftc --version 2>&1 | head -1); one fuzzing process at a time."
} >"$TABLE"
cat "$TABLE"
[ -z "$failed" ] || { echo "campaign: targets with crash inputs:$failed (see $OUT/crashes/)"; exit 1; }
