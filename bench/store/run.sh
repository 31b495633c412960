#!/usr/bin/env bash
# The store: verdict-log write throughput (SQLite and PostgreSQL, directly and through the daemon's
# StoreWriter; `moat bench store`), and scan latency with and without the store on the scan path
# (`moat bench throughput --store`: the supervisor and writer moatd uses, fed by every decision).
#
# PostgreSQL runs in a throwaway cluster on loopback (Tests/EndToEnd/postgres.sh) with durable
# settings (fsync and synchronous_commit on, as in production); SQLite runs in WAL mode with
# synchronous=NORMAL (the store's setting). PostgreSQL rows are skipped when its binaries are missing.
# Writes bench/results/store-<date>.md. Needs a release build.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/lib.sh"
moat=${MOAT:-$root/.build/release/moat}
records=${RECORDS:-50000}
corpus=${CORPUS:-$root/../shared/corpus/spamassassin}
out=${OUT:-$root/bench/results/store-$(date +%F).md}
work=$(mktemp -d)
chmod 755 "$work"   # the PostgreSQL server runs as postgres and needs to reach $work/pg
pg=""
trap '[ -n "$pg" ] && bash "$root/Tests/EndToEnd/postgres.sh" stop "$work/pg"; rm -rf "$work"' EXIT

printf '[store]\nbackend = "sqlite"\npath = "%s"\n' "$work/bench.sqlite" >"$work/sqlite.toml"
printf '[store]\nbackend = "sqlite"\npath = "%s"\n' "$work/scan.sqlite" >"$work/scan-sqlite.toml"
backends=(sqlite)
if url=$(PG_DURABLE=1 bash "$root/Tests/EndToEnd/postgres.sh" start "$work/pg" 2>/dev/null); then
    pg=started
    printf '[store]\nbackend = "postgres"\npostgres_url = "%s"\n' "$url" >"$work/postgres.toml"
    scan_url=$(bash "$root/Tests/EndToEnd/postgres.sh" createdb "$work/pg" scans)
    printf '[store]\nbackend = "postgres"\npostgres_url = "%s"\n' "$scan_url" >"$work/scan-postgres.toml"
    backends+=(postgres)
fi

{
    echo "# Store: write throughput and the scan path with and without it ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(machine); moat release build;"
    echo "SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)') (WAL, synchronous=NORMAL);"
    if [ -n "$pg" ]; then
        echo "PostgreSQL $(ls -d /usr/lib/postgresql/*/ | sort -V | tail -n 1 | xargs basename), durable (fsync, synchronous_commit on), loopback."
    else
        echo "PostgreSQL: not installed (rows skipped)."
    fi
    echo
    echo "## Write throughput ($records synthetic records, 4 engine verdicts each, batches of 500)"
    echo
    echo '```'
} >"$out"
for backend in "${backends[@]}"; do "$moat" bench store --config "$work/$backend.toml" --records "$records" >>"$out"; done
{
    echo '```'
    echo
    echo "## Scan latency with and without the store ($(basename "$corpus"), shipped engines, concurrency 4, 2 passes)"
    echo
} >>"$out"
flags=(--engines "$root/engines" --rules "$root/rules" --concurrency 4 --repeat 2)
"$moat" bench throughput "${flags[@]}" --label "no store" "$corpus" >"$work/run.txt"
grep '^|' "$work/run.txt" >>"$out"
for backend in "${backends[@]}"; do
    "$moat" bench throughput "${flags[@]}" --config "$work/scan-$backend.toml" --store --label "$backend store" --no-header "$corpus" >"$work/run.txt"
    grep '^|' "$work/run.txt" >>"$out"
    grep '^Store:' "$work/run.txt" | sed "s|$work/||" >>"$work/notes.txt"
done
# Once more without the store: the first run warms caches, so the store rows sit between two baselines.
"$moat" bench throughput "${flags[@]}" --label "no store (again)" --no-header "$corpus" >"$work/run.txt"
grep '^|' "$work/run.txt" >>"$out"
{ echo; cat "$work/notes.txt"; } >>"$out"
cat "$out"
