#!/usr/bin/env bash
# Spam engine against SpamAssassin and rspamd on one train/test split of the SpamAssassin public
# corpus (../shared/corpus/spamassassin, labels.tsv): every 5th message of each subset is test, the
# rest train. In one run:
#   1. Bayes trained on the train split: `moat bayes train` for Moat, `sa-learn` for SpamAssassin
#      (rspamd's Bayes needs Redis, which the offline peer does not have: it runs without).
#   2. Accuracy on the test split: `moat bench accuracy` with two spam engines (with and without
#      Bayes) and the peers' verdicts (bench/peers/) as peer rows: precision, recall, F1, FPR.
#   3. Throughput on the test split, 2 messages in flight each: Moat in process (spam engine only),
#      spamd via spamc, rspamd via its HTTP /checkv2 (curl); ratios.
# Writes bench/results/spam-<date>.md and the full report in bench/results/spam-accuracy-<date>/.
# Needs a release build and Debian's spamassassin, spamc and rspamd packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/lib.sh"
. "$root/bench/peers/daemon.sh"
moat=${MOAT:-$root/.build/release/moat}
corpus=${CORPUS:-$root/../shared/corpus/spamassassin}
out=${OUT:-$root/bench/results/spam-$(date +%F).md}
report=${REPORT:-$root/bench/results/spam-accuracy-$(date +%F)}
work=$(mktemp -d)
chmod 755 "$work"   # spamd's children run as nobody and read the Bayes files here
trap 'rm -rf "$work"' EXIT

# 1. The split.
python3 - "$corpus" "$work" <<'PY'
import csv, os, shutil, sys
corpus, work = sys.argv[1], sys.argv[2]
seen = {}
with open(os.path.join(corpus, 'labels.tsv')) as labels, open(os.path.join(work, 'test.tsv'), 'w') as test, \
        open(os.path.join(work, 'test.list'), 'w') as listing:
    for row in csv.DictReader(labels, delimiter='\t'):
        index = seen.get(row['subset'], 0)
        seen[row['subset']] = index + 1
        path = os.path.realpath(os.path.join(corpus, row['path']))
        if index % 5 == 0:
            test.write(f"{path}\t{row['label']}\n")
            listing.write(path + '\n')
        else:
            target = os.path.join(work, 'train', row['label'])
            os.makedirs(target, exist_ok=True)
            shutil.copy(path, os.path.join(target, row['subset'] + '-' + os.path.basename(path)))
PY
train_spam=$(ls "$work/train/spam" | wc -l); train_ham=$(ls "$work/train/ham" | wc -l); tests=$(wc -l <"$work/test.list")

# 2. Bayes for both.
"$moat" bayes train --path "$work/moat-bayes.sqlite" --spam "$work/train/spam" --ham "$work/train/ham" >"$work/moat-train.txt"
mkdir -p "$work/sa-bayes" "$work/sa-site"
cp /etc/spamassassin/*.pre "$work/sa-site/"
printf 'use_bayes 1\nbayes_auto_learn 0\ndns_available no\nskip_rbl_checks 1\n' >"$work/sa-site/local.cf"
sa_start=$EPOCHREALTIME
sa-learn -L --siteconfigpath "$work/sa-site" --dbpath "$work/sa-bayes" --spam "$work/train/spam" >"$work/sa-train.txt"
sa-learn -L --siteconfigpath "$work/sa-site" --dbpath "$work/sa-bayes" --ham "$work/train/ham" >>"$work/sa-train.txt"
sa_train=$(echo "$EPOCHREALTIME - $sa_start" | bc -l)
chmod -R a+rwX "$work/sa-bayes"

mkdir -p "$work/engines" "$work/engines-throughput"
sed -e "s|^bayes_path = .*|bayes_path = \"$work/moat-bayes.sqlite\"|" -e "s|^cache_dir = .*|cache_dir = \"$root/var/spam-cache\"|" \
    "$root/engines/spam.toml" >"$work/engines/spam.toml"
cp "$work/engines/spam.toml" "$work/engines-throughput/spam.toml"
{ echo 'name = "spam_no_bayes"'; sed 's|^use_bayes = .*|use_bayes = false|' "$work/engines/spam.toml"; } >"$work/engines/spam_no_bayes.toml"

# 3. Peers on the test split.
SA_BAYES_PATH="$work/sa-bayes/bayes" bash "$root/bench/peers/spamassassin.sh" "$work/test.list" "$work/peer-sa-bayes.tsv"
bash "$root/bench/peers/spamassassin.sh" "$work/test.list" "$work/peer-sa.tsv"
bash "$root/bench/peers/rspamd.sh" "$work/test.list" "$work/peer-rspamd.tsv"
"$moat" bench accuracy --engines "$work/engines" --rules "$root/rules" --concurrency 2 --out "$report" \
    --peer "spamassassin+bayes=$work/peer-sa-bayes.tsv" --peer "spamassassin=$work/peer-sa.tsv" \
    --peer "rspamd=$work/peer-rspamd.tsv" "$work/test.tsv" >"$work/accuracy.txt" 2>/dev/null
sed -i "s|$work/||g" "$report"/accuracy.*

# 4. Throughput, 2 in flight each, the same test messages.
"$moat" bench throughput --engines "$work/engines-throughput" --rules "$root/rules" --concurrency 2 --list "$work/test.list" >"$work/moat-throughput.txt"
moat_rate=$(awk -F'|' '/^\| corpus/ {gsub(/ /, "", $7); print $7}' "$work/moat-throughput.txt")
peer_rate() { # KIND SCAN-COMMAND: messages/s of 2 parallel clients over the test list
    local kind=$1 dir=$work/peer-$1 start
    peer_start "$kind" "$dir" >/dev/null
    start=$EPOCHREALTIME
    PORT=$PORT xargs -P 2 -I{} sh -c "$2 < '{}' >/dev/null 2>&1 || true" <"$work/test.list"
    echo "$tests / ($EPOCHREALTIME - $start)" | bc -l
    peer_stop "$dir"
}
sa_rate=$(SA_BAYES_PATH="$work/sa-bayes/bayes" peer_rate spamassassin 'spamc -x -c -p $PORT')
rspamd_rate=$(peer_rate rspamd 'curl -s --data-binary @- http://127.0.0.1:$PORT/checkv2')

{
    echo "# Spam engine versus SpamAssassin and rspamd ($(date -u +%FT%TZ))"
    echo
    echo "Machine: $(machine); moat release build; $(spamd --version | head -n 1); rspamd $(rspamd --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -n 1)."
    echo "Corpus: $(basename "$corpus") public corpus; test = every 5th message of each subset ($tests messages),"
    echo "train = the rest ($train_spam spam, $train_ham ham). Offline: no DNS, no network tests; rspamd without"
    echo "Redis (so without Bayes, fuzzy and reputation) — see bench/peers/README.md."
    echo
    echo "Bayes training: Moat \`$(cat "$work/moat-train.txt")\`; sa-learn $(printf '%.0f' "$sa_train") s."
    echo
    echo "## Accuracy on the test split (spam vs ham; full report in $(basename "$report")/)"
    echo
    echo '```'
    cat "$work/accuracy.txt"
    echo '```'
    echo
    echo "## Throughput on the test split (2 messages in flight each)"
    echo
    echo "| scanner | messages/s | Moat's ratio |"
    echo "|---|---:|---:|"
    printf '| Moat spam engine (stock rules + Moat rules + Bayes) | %.1f | 1 |\n' "$moat_rate"
    printf '| spamd + spamc (stock rules, Bayes, offline) | %.1f | %.1f× |\n' "$sa_rate" "$(echo "$moat_rate / $sa_rate" | bc -l)"
    printf '| rspamd /checkv2 via curl (offline, no Redis) | %.1f | %.2f× |\n' "$rspamd_rate" "$(echo "$moat_rate / $rspamd_rate" | bc -l)"
    echo
    echo "Moat row detail:"
    echo
    grep '^|' "$work/moat-throughput.txt"
} >"$out"
cat "$out"
