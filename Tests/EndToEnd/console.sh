#!/usr/bin/env bash
# The web console in a real browser: Chromium driven by Selenium (Debian's chromium, chromium-driver
# and python3-selenium) against a running moatd whose store was filled by scanning SpamAssassin
# corpus messages (the sample in bench/corpus-sample), with a private Postfix holding quarantined mail. console.py signs in, reads the
# engines' precision, reports a decision and sees the figures change, shadows an engine and sees
# the next scan say so, releases (delivered by Postfix) and deletes quarantined mail, switches to
# Japanese, checks accessibility basics, and writes a screenshot of every page.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# The SpamAssassin-corpus sample kept in the repository (20 ham, 15 spam): the same store on every machine.
SAMPLE=$REPO/bench/corpus-sample
SHOTS=${MOAT_CONSOLE_SHOTS:-$REPO/.build/e2e-console}
rm -rf "$SHOTS" && mkdir -p "$SHOTS"

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    check "$tool is installed (make deps)" test -x "$tool"
done
check "python3-selenium is installed (make deps)" /usr/bin/python3 -c 'import selenium'

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT" "$ADMIN_PORT"
cat >>"$WORK/moat.toml" <<CONF
release_command = ["/bin/sh", "-c", "postsuper -c $WORK/postfix -H \\"\$1\\" && postqueue -c $WORK/postfix -i \\"\$1\\"", "release", "{queue_id}"]
CONF
# A phishing blocklist (quarantine), an engine that misfires on common words, and the url engine.
write_pattern "$WORK/engines/blocklist.toml" phishing 3 QUARANTINE-ME
write_pattern "$WORK/engines/misfire.toml" spam 6 click free money
cp "$REPO/engines/url.toml" "$WORK/engines/url.toml"

start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"
TOKEN=$(cat "$WORK/admin.token")

# Fill the store: the 35 sample messages through the admin API.
count=0
while IFS=$'\t' read -r path _; do
    curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" --data-binary @"$SAMPLE/$path" "$ADMIN/scan" && count=$((count + 1))
done < <(tail -n +2 "$SAMPLE/labels.tsv")
check "35 sample messages scanned into the store" test "$count" -eq 35

# Two messages through Postfix that the blocklist quarantines (held in Postfix's hold queue).
for n in 1 2; do
    swaks --server "127.0.0.1:$SMTP_PORT" --from "sender$n@example.com" --to user@moat.test --helo client.example \
        --header "Subject: held message $n <script>alert($n)</script>" --body "Please verify QUARANTINE-ME now ($n)." >"$WORK/held$n.swaks" 2>&1
done
held_in_postfix() { [ "$(postqueue -c "$WORK/postfix" -j | grep -c '"queue_name": "hold"')" -ge 2 ]; }
for _ in $(seq 1 50); do held_in_postfix && break; sleep 0.2; done
check "Postfix holds both quarantined messages" held_in_postfix
sleep 0.5

set +e
/usr/bin/python3 "$(dirname "$0")/console.py" --url "$ADMIN" --token "$TOKEN" --shots "$SHOTS" \
    --maildir "$WORK/mail/box" >"$WORK/console.out" 2>&1
status=$?
set -e
cat "$WORK/console.out"
check "the browser test passed" test "$status" -eq 0
check "the browser test reached its end" grep -q "console: all checks passed" "$WORK/console.out"
check "a screenshot of every page" test "$(find "$SHOTS" -name '*.png' | wc -l)" -ge 8
check "the released message was delivered by Postfix" wait_delivered 1
check "the delivered message is the released one" bash -c "cat \"$WORK\"/mail/box/new/* | grep -q 'QUARANTINE-ME'"
check "the token never appears in the daemon's log" bash -c "! grep -q '$TOKEN' '$WORK/moatd.log'"
finish
