#!/usr/bin/env bash
# The auth engine's throughput with a cold and a warm DNS cache, against a DNS server on loopback
# (dnsmasq) that answers for every name: the SpamAssassin-corpus messages' own domains get
# NXDOMAIN (their 2002 records are gone), as a gateway sees for most mail, and one fixture domain
# has SPF, a DKIM key and DMARC. Release build; the whole default pipeline with and without auth.
#
#   bench/auth/run.sh            # writes bench/results/auth-<date>.md
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
moat=$root/.build/release/moat
corpus=${CORPUS:-$root/../shared/corpus/spamassassin}
out=${OUT:-$root/bench/results/auth-$(date +%F).md}
N=${N:-1000}
CONCURRENCY=${CONCURRENCY:-4}
[ -x "$moat" ] || { echo "build first: swift build -c release" >&2; exit 2; }
work=$(mktemp -d /tmp/moat-auth-bench.XXXXXX)
trap 'kill $dns_pid 2>/dev/null || true; peer_stop "$work/rspamd-off" 2>/dev/null || true; peer_stop "$work/rspamd-auth" 2>/dev/null || true; rm -rf "$work"' EXIT
awk -F'\t' -v dir="$corpus" -v n="$N" 'NR > 1 && (NR - 2) % 3 == 0 && printed++ < n { print dir "/" $1 }' "$corpus/labels.tsv" >"$work/test.list"

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
{
    printf 'no-resolv\nno-hosts\nno-daemon\nlisten-address=127.0.0.1\nbind-interfaces\nport=%s\nuser=root\ngroup=root\n' "$port"
    printf 'local-ttl=300\nneg-ttl=300\nlocal=/#/\nlog-queries\nlog-facility=%s\n' "$work/dns.log"
    printf 'txt-record=example.com,"v=spf1 ip4:192.0.2.0/24 -all"\ntxt-record=_dmarc.example.com,"v=DMARC1; p=none"\n'
} >"$work/dnsmasq.conf"
/usr/sbin/dnsmasq --conf-file="$work/dnsmasq.conf" &
dns_pid=$!
for _ in $(seq 1 50); do grep -q started "$work/dns.log" 2>/dev/null && break; sleep 0.1; done

mkdir -p "$work/auth" "$work/all"
sed -e "s|^dns_servers = .*|dns_servers = [\"127.0.0.1@$port\"]|" "$root/engines/optional/auth.toml" >"$work/auth/auth.toml"
for m in clamav filetype macro spam url; do cp "$root/engines/$m.toml" "$work/all/"; done
cp "$work/auth/auth.toml" "$work/all/"
printf '[policy]\nmodel = ""\n' >"$work/moat.toml"
row() { # LABEL ENGINES REPEAT
    (cd "$root" && "$moat" bench throughput --config "$work/moat.toml" --engines "$2" --rules "$root/rules" --concurrency "$CONCURRENCY" \
        --repeat "$3" --client-address 192.0.2.25 --helo mail.example.net --list "$work/test.list" --label "$1" --no-header 2>/dev/null | head -n 1)
}
queries() { grep -c 'query\[' "$work/dns.log" || true; }
{
    echo "# The auth engine: throughput against a loopback DNS server ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(nproc) cores; moat release build $(git -C "$root" rev-parse --short HEAD); dnsmasq $(/usr/sbin/dnsmasq --version | head -n 1 | awk '{print $3}') on 127.0.0.1 (local TTL 300 s, negative TTL 300 s)."
    echo "Messages: $(wc -l <"$work/test.list") from $corpus (every third line of labels.tsv); client 192.0.2.25 for SPF; $CONCURRENCY in flight."
    echo "A new \`moat\` process per row: \"cold\" starts with an empty libunbound cache; \"warm\" is two passes timed together, the second answered from the cache."
    echo
    echo "| set | files | MB | concurrency | seconds | files/s | MB/s | p50 ms | p95 ms | p99 ms | mean ms per engine | RSS before MB | peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
} >"$out"
before=$(queries); row "auth alone, cold cache" "$work/auth" 1 | tee -a "$out"; cold=$(( $(queries) - before ))
before=$(queries); row "auth alone, cold then warm (2 passes)" "$work/auth" 2 | tee -a "$out"; warm=$(( $(queries) - before ))
(cd "$root" && "$moat" bench throughput --engines "$work/all" --config "$work/moat.toml" --rules "$root/rules" --concurrency 1 --label warmup \
    "$(head -n 1 "$work/test.list")" >/dev/null 2>&1)
row "default five engines" "$root/engines" 1 | tee -a "$out"
row "default five + auth" "$work/all" 1 | tee -a "$out"

# rspamd on the same messages and the same DNS server: its offline configuration, then the same
# with its spf, dkim, dmarc and arc modules on (client 192.0.2.25, HELO mail.example.net as above).
. "$root/bench/peers/daemon.sh"
rspamd_rate() { # DIR AUTH
    RSPAMD_WORKERS=2 RSPAMD_DNS="127.0.0.1:$port" RSPAMD_DNS_TIMEOUT=2s RSPAMD_DNS_SOCKETS=16 RSPAMD_AUTH=$2 peer_start rspamd "$1"
    local rport=$PORT
    read -r n secs _ < <(python3 "$root/bench/peers/client.py" "$rport" "$work/test.list" "$CONCURRENCY" --ip 192.0.2.25 --helo mail.example.net)
    peer_stop "$1"
    echo "$n $secs"
}
read -r n1 s1 < <(rspamd_rate "$work/rspamd-off" 0)
read -r n2 s2 < <(rspamd_rate "$work/rspamd-auth" 1)
moat_five=$(grep '^| default five engines ' "$out" | awk -F'|' '{ gsub(/ /, "", $7); print $7 }')
moat_auth=$(grep '^| default five + auth ' "$out" | awk -F'|' '{ gsub(/ /, "", $7); print $7 }')
{
    echo
    echo "## Against rspamd's own modules (same messages, same DNS server, same concurrency)"
    echo
    echo "| | without sender authentication, msgs/s | with it, msgs/s | cost of adding it |"
    echo "|---|---:|---:|---:|"
    printf '| Moat (five default engines; + auth) | %.1f | %.1f | %.1f %% |\n' "$moat_five" "$moat_auth" "$(echo "100 * (1 - $moat_auth / $moat_five)" | bc -l)"
    r1=$(echo "$n1 / $s1" | bc -l); r2=$(echo "$n2 / $s2" | bc -l)
    printf '| rspamd 3.4 (offline configuration; + spf, dkim, dmarc, arc) | %.1f | %.1f | %.1f %% |\n' "$r1" "$r2" "$(echo "100 * (1 - $r2 / $r1)" | bc -l)"
} >>"$out"
{
    echo
    echo "DNS queries that reached the server: $cold for the cold pass over $(wc -l <"$work/test.list") messages, $warm for the two-pass row (its second pass from libunbound's cache)."
} >>"$out"
cat "$out"
