#!/usr/bin/env bash
# Spam engine throughput: Moat (stock rules, Bayes off) vs SpamAssassin's spamd -L (offline) on
# the same corpus sample (every 10th message of easy_ham, hard_ham and spam: 325 messages).
# Results go to bench/results/spam-<date>.txt.
#
# Moat side: `moat bench throughput` (release build) with only the spam engine (Bayes off), on the
# same file list spamc gets. The first run compiles the Hyperscan databases (cached afterwards);
# load time is not part of the throughput figure.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS:-$here/../shared/corpus/spamassassin}
port=${PORT:-17831}
mkdir -p "$here/bench/results"
out="$here/bench/results/spam-$(date +%Y%m%d-%H%M%S).txt"
work=$(mktemp -d); chmod 755 "$work"
trap 'kill "${spamd_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "# spam throughput $(date -u +%FT%TZ) on $(nproc) cores" | tee "$out"
files=()
for subset in easy_ham hard_ham spam; do
  while read -r f; do files+=("$corpus/$subset/$f"); done < <(ls "$corpus/$subset" | grep -v '^cmds$' | sort | awk 'NR % 10 == 1')
done
printf '%s\n' "${files[@]}" >"$work/list.txt"
mkdir -p "$work/engines"
sed -e 's|^bayes_path.*||' -e 's|^use_bayes.*|use_bayes = false|' "$here/engines/spam.toml" >"$work/engines/spam.toml"
[ -x "$here/.build/release/moat" ] || (cd "$here" && swift build -c release --product moat)
echo "## Moat (release, spam engine only, 2 scans in flight)" | tee -a "$out"
(cd "$here" && .build/release/moat bench throughput --engines "$work/engines" --concurrency 2 --list "$work/list.txt") | tee -a "$out"
cp /etc/spamassassin/*.pre "$work/"; chmod 644 "$work"/*.pre
printf 'use_bayes 0\nbayes_auto_learn 0\ndns_available no\nskip_rbl_checks 1\n' > "$work/local.cf"
spamd -L --siteconfigpath="$work" -i 127.0.0.1 -p "$port" -A 127.0.0.1 -m 2 -u nobody \
      -x --virtual-config-dir="$work/u" >"$work/spamd.log" 2>&1 &
spamd_pid=$!
for _ in $(seq 1 120); do spamc -p "$port" -K >/dev/null 2>&1 && break; sleep 1; done
start=$(date +%s.%N)
printf '%s\n' "${files[@]}" | xargs -P 2 -I{} sh -c "spamc -p $port -c < '{}' >/dev/null || true"
end=$(date +%s.%N)
echo "spamd messages=${#files[@]} seconds=$(echo "$end - $start" | bc) msgs_per_s=$(echo "scale=1; ${#files[@]} / ($end - $start)" | bc)" | tee -a "$out"
