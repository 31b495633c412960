#!/usr/bin/env bash
# The cost of coordination in a cluster of moatd on one PostgreSQL (see docs/cluster.md):
#   1. notification latency: an engine state changed through node A's API, timed until node B's
#      and C's APIs report it (polled, so the figure includes one HTTP round trip);
#   2. PostgreSQL work per scanned message: transactions committed and rows written per scan
#      (pg_stat_database) while three nodes scan through their admin APIs, and the same for one node;
#   3. a projection of the messages per second one primary serves before it is the bottleneck;
#   4. shared learning: feedback with the message given to node A, timed until node C's local Bayes
#      file counts it, and PostgreSQL commits and rows per lesson.
# BIN=.build/release by default (BIN=.build/debug to try the script); appends to
# bench/results/cluster-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release}
[ -x "$BIN/moatd" ] || { echo "build first: swift build -c release" >&2; exit 2; }
WORK=$(mktemp -d /tmp/moat-cluster-bench.XXXXXX)
chmod 755 "$WORK"
OUT=${OUT:-bench/results/cluster-$(date -u +%Y-%m-%d).md}
SCANS=${SCANS:-600}
CORPUS=${MOAT_CORPUS:-../shared/corpus}
PIDS=()
PG=Tests/EndToEnd/postgres.sh
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; bash "$PG" stop "$WORK/pg" >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
URL=$(PG_DURABLE=1 bash "$PG" start "$WORK/pg")
mkdir -p "$WORK/engines"
printf 'adapter = "pattern"\n[options]\npatterns = ["meeting"]\nscope = "parts"\ncategory = "spam"\nscore = 6\n' >"$WORK/engines/misfire.toml"
cp engines/url.toml engines/filetype.toml "$WORK/engines/"
# The spam engine with SpamAssassin's Bayes rules only, seeded: each node its own Bayes file, kept a
# replica of the shared counts.
for node in a b c; do
    cp -r "$WORK/engines" "$WORK/engines-$node"
    printf 'adapter = "spam"\n[options]\nrules = ["/usr/share/spamassassin/23_bayes.cf"]\nbayes_path = "%s"\nbayes_seed = "%s"\ncache_dir = "%s"\n' \
        "$WORK/bayes-$node.sqlite" "$PWD/models/bayes-seed.tsv" "$WORK/spam-cache-$node" >"$WORK/engines-$node/spam.toml"
done
TOKEN=cluster-bench-token-0123456789
declare -A ADMIN
for node in a b c; do
    ADMIN[$node]=$(free_port)
    cat >"$WORK/$node.toml" <<CONF
log_level = "warning"
[milter]
listen = ["inet:$(free_port)@127.0.0.1"]
spool_directory = "$WORK/spool-$node"
[store]
backend = "postgres"
postgres_url = "$URL"
[cluster]
node_id = "node-$node"
[admin]
listen = "127.0.0.1:${ADMIN[$node]}"
token = "$TOKEN"
CONF
done
for node in a b c; do
    "$BIN/moatd" --config "$WORK/$node.toml" --engines "$WORK/engines-$node" >"$WORK/$node.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:${ADMIN[$node]}/health" && break; sleep 0.1; done
done
sleep 2

python3 - "$TOKEN" "${ADMIN[a]}" "${ADMIN[b]}" "${ADMIN[c]}" "$CORPUS" "$SCANS" "$URL" "$WORK/result.md" "$WORK" <<'PY'
import json, os, sqlite3, subprocess, sys, time, urllib.request, concurrent.futures
token, a, b, c, corpus, scans, url, out, work = sys.argv[1], *sys.argv[2:5], sys.argv[5], int(sys.argv[6]), sys.argv[7], sys.argv[8], sys.argv[9]
def call(port, path, data=None, method=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()
def state(port):
    return json.loads(call(port, "/engines/misfire"))["state"]
lat = {b: [], c: []}
for i in range(60):
    target = "shadow" if i % 2 == 0 else "active"
    start = time.perf_counter()
    call(a, "/engines/misfire/state", json.dumps({"state": target, "reason": "bench"}).encode())
    pending = {b, c}
    while pending:
        for port in list(pending):
            if state(port) == target:
                lat[port].append((time.perf_counter() - start) * 1000)
                pending.discard(port)
    time.sleep(0.05)
def pct(values, p):
    values = sorted(values); return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
both = lat[b] + lat[c]
def pgstat():
    q = "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()"
    x, t = subprocess.check_output(["psql", "-X", "-q", "-t", "-A", "-F", " ", url, "-c", q]).split()
    return int(x), int(t)
paths = [l.split("\t")[0] for l in open(os.path.join(corpus, "spamassassin/labels.tsv")).read().splitlines()[1:]][:scans]
bodies = [open(os.path.join(corpus, "spamassassin", p), "rb").read() for p in paths]
def pg_cpu():
    # CPU seconds used so far by every PostgreSQL server process (clock ticks from /proc).
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in subprocess.check_output(["pgrep", "-x", "postgres"]).split():
        try:
            fields = open(f"/proc/{int(pid)}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks
def run(ports):
    time.sleep(1.0)
    x0, t0, c0 = *pgstat(), pg_cpu()
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: call(ports[i % len(ports)], "/scan", bodies[i]), range(len(bodies))))
    took = time.perf_counter() - start
    time.sleep(1.5)  # the writers' last batches, heartbeats of the same period included
    x1, t1, c1 = *pgstat(), pg_cpu()
    return len(bodies) / took, (x1 - x0), (t1 - t0), took + 2.5, (c1 - c0)
one = run([a])
three = run([a, b, c])
# Shared learning: each lesson is a message not yet learned, scanned on A, then reported as spam
# on A with the message; timed until node C's local Bayes file counts it.
spam_paths = [l.split("\t")[0] for l in open(os.path.join(corpus, "spamassassin/labels.tsv")).read().splitlines()[1:] if l.split("\t")[1] == "spam"]
lessons = [open(os.path.join(corpus, "spamassassin", p), "rb").read() for p in spam_paths[-40:]]
def nspam_c():
    with sqlite3.connect(os.path.join(work, "bayes-c.sqlite")) as db:
        return db.execute("SELECT nspam FROM bayes_vars").fetchone()[0]
learn_lat, learned = [], 0
time.sleep(1.0)
x0, t0 = pgstat()
for body in lessons:
    call(a, "/scan", body)
    before = nspam_c()
    start = time.perf_counter()
    answer = json.loads(call(a, "/feedback?class=spam", body))
    if answer.get("learned") != ["spam"]:
        continue  # already learned (a duplicate in the corpus)
    learned += 1
    while nspam_c() == before:
        time.sleep(0.002)
    learn_lat.append((time.perf_counter() - start) * 1000)
x1, t1 = pgstat()
with open(out, "w") as f:
    f.write("| measure | value |\n|---|---:|\n")
    f.write(f"| state change on A seen through B's and C's APIs, p50 | {pct(both, 50):.1f} ms |\n")
    f.write(f"| same, p99 (n={len(both)}) | {pct(both, 99):.1f} ms |\n")
    for name, (rate, commits, rows, seconds, cpu) in (("one node", one), ("three nodes", three)):
        f.write(f"| {name}: scans/s through the admin API (6 in flight, {len(bodies)} SpamAssassin messages) | {rate:.0f} |\n")
        f.write(f"| {name}: PostgreSQL commits per scan (heartbeats of {seconds:.1f} s included) | {commits / len(bodies):.3f} |\n")
        f.write(f"| {name}: rows written per scan | {rows / len(bodies):.2f} |\n")
        f.write(f"| {name}: PostgreSQL commits/s during the run | {commits / seconds:.0f} |\n")
        f.write(f"| {name}: PostgreSQL server CPU per scan (all its processes, heartbeats included) | {cpu * 1000 / len(bodies):.3f} ms |\n")
    cpu_per_scan = three[4] / len(bodies)
    if cpu_per_scan > 0:
        f.write(f"| projection: scans/s one PostgreSQL primary serves per core before it is the bottleneck (1 / CPU per scan, three nodes) | {1 / cpu_per_scan:.0f} |\n")
    if learn_lat:
        f.write(f"| lesson (feedback with the message) on A until C's local Bayes file counts it, p50 | {pct(learn_lat, 50):.1f} ms |\n")
        f.write(f"| same, p99 (n={len(learn_lat)}) | {pct(learn_lat, 99):.1f} ms |\n")
        f.write(f"| PostgreSQL commits per lesson (scan, feedback, learning, three replicas' reads) | {(x1 - x0) / learned:.1f} |\n")
        f.write(f"| rows written per lesson | {(t1 - t0) / learned:.0f} |\n")
PY
{
    echo "# Cluster coordination cost ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
    echo
    echo "Machine: $(nproc) cores, $(uname -r); moat $BIN build ${BUILD_REV:-$(git rev-parse --short HEAD)}; PostgreSQL $(psql -V | awk '{print $3}') on loopback (fsync on); three moatd, engines filetype, url, pattern, spam (Bayes rules only, seeded, shared learning)."
    echo
    cat "$WORK/result.md"
} | tee -a "$OUT"
