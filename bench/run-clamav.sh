#!/usr/bin/env bash
# In-process ClamAV (moat) versus clamd (clamdscan --stream, and a 4-connection INSTREAM client)
# with the same database on the same corpus, in one run. Writes bench/results/clamav-DATE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
[ -x "$BIN/moat" ] || swift build -c release --product moat
CORPUS=${MOAT_CORPUS:-../shared/corpus}
WORK=$(mktemp -d /tmp/moat-clambench.XXXXXX)
OUT=bench/results/clamav-$(date -u +%Y-%m-%d).md
CLAMD_PID=""
cleanup() { [ -n "$CLAMD_PID" ] && kill "$CLAMD_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

find "$CORPUS/spamassassin" "$CORPUS/phishing" -type f ! -name '*.txt' ! -name '*.tsv' ! -name LICENSE | sort >"$WORK/list.txt"
count=$(wc -l <"$WORK/list.txt")
mkdir -p "$WORK/db" "$WORK/parts" "$WORK/raw"
cp rules/clamav/*.ndb rules/clamav/*.hdb rules/clamav/*.ldb rules/clamav/*.cdb "$WORK/db/"
for mode in parts raw; do
    scan_parts=$([ "$mode" = parts ] && echo true || echo false)
    cat >"$WORK/$mode/clamav.toml" <<CONF
adapter = "clamav"
[options]
databases = ["$WORK/db"]
system_database = false
scan_parts = $scan_parts
cache_entries = 0
CONF
done
cat >"$WORK/clamd.conf" <<CONF
LocalSocket $WORK/clamd.sock
DatabaseDirectory $WORK/db
Foreground yes
MaxThreads 4
StreamMaxLength 100M
LogFile $WORK/clamd.log
PidFile $WORK/clamd.pid
TemporaryDirectory $WORK
CONF

{
echo "# ClamAV: in process versus clamd, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Corpus: $count messages (SpamAssassin public corpus + phishing_pot), database: rules/clamav"
echo "(Moat's own signatures; no official database offline). Machine: $(nproc) cores. libclamav $(clamscan --version | cut -d/ -f1)."
echo "Verdict cache disabled in the Moat runs (cache_entries = 0) so every message is really scanned."
echo
echo "## Moat, in process (\`moat bench throughput\`, 4 scans in flight)"
echo
echo "Whole message plus every decoded part (the shipped default, scan_parts = true):"
echo
"$BIN/moat" bench throughput --engines "$WORK/parts" --concurrency 4 --list "$WORK/list.txt"
echo
echo "Whole message only (scan_parts = false, the same work clamd does):"
echo
"$BIN/moat" bench throughput --engines "$WORK/raw" --concurrency 4 --list "$WORK/list.txt" | tee "$WORK/moat-raw.txt"
echo
# libclamav keeps a cache of clean results inside the engine: a fresh clamd for each client run,
# so no run is answered from the previous one's cache.
start_clamd() {
    rm -f "$WORK/clamd.sock"
    clamd -c "$WORK/clamd.conf" >/dev/null 2>&1 &
    CLAMD_PID=$!
    for _ in $(seq 200); do [ -S "$WORK/clamd.sock" ] && break; sleep 0.1; done
}
stop_clamd() { kill "$CLAMD_PID"; wait "$CLAMD_PID" 2>/dev/null || true; CLAMD_PID=""; }
echo "## clamd (same database, MaxThreads 4, Unix socket, fresh daemon per run)"
echo
start_clamd
start=$(date +%s.%N)
clamdscan --config-file="$WORK/clamd.conf" --stream --no-summary --file-list="$WORK/list.txt" >"$WORK/clamdscan.out" 2>&1 || true
end=$(date +%s.%N)
cs=$(echo "$end - $start" | bc)
stop_clamd
start_clamd
read -r n secs found < <(python3 bench/peers/client.py 0 "$WORK/list.txt" 4 --clamd "$WORK/clamd.sock")
stop_clamd
moat_rate=$(awk -F'|' 'NR==3 {gsub(/ /,"",$6); print $6}' "$WORK/moat-raw.txt")
echo "| client | messages | seconds | messages/s | detections |"
echo "|---|---:|---:|---:|---:|"
echo "| clamdscan --stream (one process, sequential) | $count | $cs | $(echo "$count / $cs" | bc) | $(grep -c FOUND "$WORK/clamdscan.out" || true) |"
echo "| INSTREAM client, 4 connections (Python) | $n | $secs | $(echo "$n / $secs" | bc) | $found |"
echo
echo "Ratio Moat in process (whole message only) / clamd INSTREAM at 4 connections: $(echo "scale=2; $moat_rate / ($n / $secs)" | bc)"
} | tee "$OUT"
echo "written to $OUT"
