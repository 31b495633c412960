#!/usr/bin/env bash
# SpamAssassin's rule hits on the corpus sample used by MoatSpamTests (every 10th message of
# easy_ham, hard_ham and spam), offline: spamd -L (local tests only), Bayes and auto-learn off.
# Writes rules/spam/fixtures/sa-hits.tsv: "subset/file<TAB>RULE,RULE,...".
# Needs Debian's spamassassin package. Starts its own spamd on a loopback port and stops that PID.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS:-$here/../shared/corpus/spamassassin}
out=${OUT:-$here/rules/spam/fixtures/sa-hits.tsv}
port=${PORT:-17830}
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill "$spamd_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cp /etc/spamassassin/*.pre "$work/"
chmod 644 "$work"/*.pre
cat > "$work/local.cf" <<CF
use_bayes 0
bayes_auto_learn 0
dns_available no
skip_rbl_checks 1
use_razor2 0
use_pyzor 0
use_dcc 0
CF
spamd -L --siteconfigpath="$work" -i 127.0.0.1 -p "$port" -A 127.0.0.1 -m 2 --max-conn-per-child=1000 \
      -x --virtual-config-dir="$work/u" -u nobody -r "$work/spamd.pid" >"$work/spamd.log" 2>&1 &
spamd_pid=$!
for _ in $(seq 1 120); do spamc -p "$port" -K >/dev/null 2>&1 && break; sleep 1; done
: > "$out"
for subset in easy_ham hard_ham spam; do
  ls "$corpus/$subset" | grep -v '^cmds$' | sort | awk 'NR % 10 == 1' | while read -r f; do
    hits=$(spamc -p "$port" -y < "$corpus/$subset/$f" || true)
    printf '%s/%s\t%s\n' "$subset" "$f" "$hits" >> "$out"
  done
done
echo "wrote $(wc -l < "$out") lines to $out"
