#!/usr/bin/env bash
# SpamAssassin's rule hits on the corpus sample used by MoatSpamTests (every 10th message of
# easy_ham, hard_ham and spam), offline: spamd -L (local tests only), Bayes and auto-learn off.
# Writes rules/spam/fixtures/sa-hits.tsv: "subset/file<TAB>RULE,RULE,...".
# Needs Debian's spamassassin package. Starts its own spamd on a free loopback port with
# Tests/EndToEnd/peers/start-peer.sh spamassassin (the offline settings live there) and stops that PID.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS:-$here/../shared/corpus/spamassassin}
out=${OUT:-$here/rules/spam/fixtures/sa-hits.tsv}
work=$(mktemp -d)
chmod 755 "$work"
. "$here/bench/peers/daemon.sh"
trap 'peer_stop "$work/peer"; rm -rf "$work"' EXIT
peer_start spamassassin "$work/peer"
port=$PORT
: > "$out"
for subset in easy_ham hard_ham spam; do
  ls "$corpus/$subset" | grep -v '^cmds$' | sort | awk 'NR % 10 == 1' | while read -r f; do
    hits=$(spamc -p "$port" -y < "$corpus/$subset/$f" || true)
    printf '%s/%s\t%s\n' "$subset" "$f" "$hits" >> "$out"
  done
done
echo "wrote $(wc -l < "$out") lines to $out"
