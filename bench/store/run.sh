#!/usr/bin/env bash
# Verdict-log write throughput: SQLite and PostgreSQL, each written directly (ScanStore.record in
# batches of 500) and through StoreWriter (enqueue every record, run loop + flush). 50,000 synthetic
# records with 4 engine verdicts each; results go to bench/store/results-<date>.txt.
#
# PostgreSQL runs in a throwaway cluster on loopback (Tests/EndToEnd/postgres.sh) with durable
# settings (fsync and synchronous_commit on, as in production); SQLite runs in WAL mode with
# synchronous=NORMAL (the store's setting). Skipped cleanly when the PostgreSQL binaries are missing.
#
# Until `moat bench store` calls MoatStore.StoreBenchmark.run(store:records:path:), this runs the
# benchmark test in MoatStoreTests. TODO(lead): replace with
#   moat bench store --backend sqlite|postgres --records "$records"
# once the CLI wires StoreBenchmark (release build for real figures).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
package=${PACKAGE_DIR:-$here}          # a package containing the MoatStoreTests target
config=${CONFIG:-release}
records=${RECORDS:-50000}
out="$here/bench/store/results-$(date +%Y%m%d-%H%M%S).txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# store write throughput $(date -u +%FT%TZ) on $(nproc) cores, $config build, $records records" | tee "$out"
flags=()
if [ "$config" = release ]; then flags=(-Xswiftc -enable-testing); fi
(cd "$package" && PG_DURABLE=1 MOAT_BENCH=1 MOAT_BENCH_RECORDS="$records" MOAT_BENCH_OUT="$work/store.txt" \
    swift test -c "$config" "${flags[@]}" --filter StoreBenchmarkTests >"$work/test.log" 2>&1) || {
    tail -n 30 "$work/test.log" >&2
    echo "store benchmark failed" | tee -a "$out"
    exit 1
}
grep -q "PostgreSQL server binaries not found" "$work/test.log" && echo "postgres: skipped (no server binaries)" | tee -a "$out"
tee -a "$out" <"$work/store.txt"
