#!/usr/bin/env bash
# Outbound protection through a real Postfix with SASL-authenticated submission (Cyrus SASL with a
# sasldb of test users, `swaks --auth`): authenticated mail takes the outbound direction and
# unauthenticated mail the inbound; a burst from one account over its cap is held in Postfix's
# hold queue (action = "quarantine"; the default 4xx is covered by the unit tests) while another
# account's mail flows; a held message recalled within its delay is never delivered;
# an unrecalled one is delivered after the delay; restarting moatd during the delay loses nothing;
# the mis-send guards refuse a message with many visible external recipients and tag an encrypted
# zip (the password-in-the-next-mail practice).
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)

SMTP_PORT=$(free_port)
SUB_PORT=$(free_port)
MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
mkdir -p "$WORK/engines" "$WORK/notices" "$WORK/sasl"
write_config "$MILTER_PORT" "$ADMIN_PORT"
# Direction is decided for every message once internal networks are configured (loopback is not
# among them here, so only authentication makes mail outbound).
sed -i '/^\[policy\]$/a internal_networks = ["192.0.2.0/24"]' "$WORK/moat.toml"
# The notice command stands in for sendmail: it keeps each notice in a file named after its recipient.
cat >"$WORK/notice.sh" <<SH
#!/bin/sh
cat >"$WORK/notices/\$1"
SH
chmod 755 "$WORK/notice.sh"
cat >>"$WORK/moat.toml" <<CONF
[outbound.hijack]
caps = { messages = 3 }
block_seconds = 600
action = "quarantine"
[outbound.hold]
delays = { "hold.corp.test" = 8 }
release_command = ["/usr/sbin/postsuper", "-c", "$WORK/postfix", "-H", "{queue_id}"]
flush_command = ["/usr/sbin/postqueue", "-c", "$WORK/postfix", "-i", "{queue_id}"]
delete_command = ["/usr/sbin/postsuper", "-c", "$WORK/postfix", "-d", "{queue_id}", "hold"]
notice_command = ["$WORK/notice.sh"]
recall_url = "$ADMIN/outbound/held/{id}/recall"
check_interval_seconds = 0.5
[outbound.guards]
internal_domains = ["corp.test"]
max_visible_external_recipients = 3
visible_recipients_action = "reject"
encrypted_archive_action = "tag"
CONF
write_blocklist "$WORK/engines"
sed -e "s|^policy = .*|policy = \"$REPO/rules/filetype/policy.toml\"|" "$REPO/engines/filetype.toml" >"$WORK/engines/filetype.toml"

start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"
# Submission with SASL (Cyrus, sasldb) on its own port; port SMTP_PORT stays unauthenticated.
# Debian's Postfix reads the Cyrus configuration from <config_directory>/sasl/smtpd.conf.
mkdir -p "$POSTFIX_CONF/sasl"
cat >"$POSTFIX_CONF/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $WORK/sasl/sasldb2
CONF
for user in alice bob carol dave; do
    echo "secret-$user" | saslpasswd2 -p -c -f "$WORK/sasl/sasldb2" -u mx.moat.test "$user"
done
chown postfix "$WORK/sasl/sasldb2"
postconf -c "$POSTFIX_CONF" -e "smtpd_sasl_type = cyrus" "smtpd_sasl_path = smtpd" "smtpd_sasl_local_domain = mx.moat.test"
echo "$SUB_PORT inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject -o smtpd_relay_restrictions=permit_sasl_authenticated,reject" \
    >>"$POSTFIX_CONF/master.cf"
postfix -c "$POSTFIX_CONF" reload >/dev/null 2>&1
wait_port "$SUB_PORT"

# submit USER NAME SWAKS-ARGS...: authenticated submission as USER@corp.test (or the address in --from).
submit() {
    local user=$1 name=$2; shift 2
    swaks --server "127.0.0.1:$SUB_PORT" --auth PLAIN --auth-user "$user" --auth-password "secret-$user" \
        --from "$user@corp.test" --helo client.corp.test --timeout 60 "$@" >"$WORK/$name.swaks" 2>&1
}
inbound() {
    local name=$1; shift
    swaks --server "127.0.0.1:$SMTP_PORT" --from someone@example.org --helo mx.example.org --timeout 60 "$@" >"$WORK/$name.swaks" 2>&1
}
delivered_with() { grep -l -- "$1" $(delivered) 2>/dev/null | head -n 1; }
has_delivery() { [ -n "$(delivered_with "$1")" ]; }
wait_delivery() { for _ in $(seq 1 150); do has_delivery "$1" && return 0; sleep 0.2; done; return 1; }
header_of() { local file; file=$(delivered_with "$1"); [ -n "$file" ] && grep -qE "$2" "$file"; }
api() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
GLOBAL=$(cat "$WORK/admin.token")
in_hold_queue() { postqueue -c "$POSTFIX_CONF" -j | grep -q "\"queue_name\": \"hold\".*$1" ; }

# 1. Direction: authenticated submission is outbound, unauthenticated mail inbound.
submit alice first --to r1@moat.test --header "Subject: first-outbound" --body "hello"
check "authenticated submission accepted" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/first.swaks"
check "authenticated message delivered" wait_delivery "first-outbound"
check "it took the outbound policy (X-Moat-Direction: outbound)" header_of "first-outbound" '^X-Moat-Direction: outbound'
inbound plain --to r1@moat.test --header "Subject: plain-inbound" --body "hello"
check "unauthenticated message delivered" wait_delivery "plain-inbound"
check "it took the inbound policy (X-Moat-Direction: inbound)" header_of "plain-inbound" '^X-Moat-Direction: inbound'

# 2. A burst from alice over her cap (3 messages an hour): the 4th is held; bob's mail flows.
queue_id_of() { sed -n 's/.*Ok: queued as \([0-9A-F]*\).*/\1/p' "$WORK/$1.swaks" | head -n 1; }
submit alice burst2 --to r2@moat.test --header "Subject: burst-2" --body "x"
submit alice burst3 --to r3@moat.test --header "Subject: burst-3" --body "x"
submit alice burst4 --to r4@moat.test --header "Subject: burst-4" --body "x"
check "the message over the cap waits in Postfix's hold queue" in_hold_queue "$(queue_id_of burst4)"
check "Postfix logged the milter's hold" grep -q "milter-hold: END-OF-MESSAGE .*to=<r4@moat.test>" "$WORK/maillog"
check "the operator's quarantine lists it with the reason" bash -c \
    "curl -s -H 'Authorization: Bearer $GLOBAL' $ADMIN/quarantine | grep -q 'messages 4 in this window over the cap 3'"
submit alice burst5 --to r5@moat.test --header "Subject: burst-5" --body "x"
check "alice stays paused: her next message is held too" in_hold_queue "$(queue_id_of burst5)"
submit bob bob --to r1@moat.test --header "Subject: bob-flows" --body "x"
check "bob's message meanwhile is delivered" wait_delivery "bob-flows"
check "burst-3 was delivered (within the cap)" wait_delivery "burst-3"
check "burst-4 was never delivered" bash -c "! grep -lq 'burst-4' $WORK/mail/box/new/* 2>/dev/null"
check "GET /outbound/alerts names alice" bash -c "[ \"\$(curl -s -o $WORK/alerts -w '%{http_code}' -H 'Authorization: Bearer $GLOBAL' $ADMIN/outbound/alerts)\" = 200 ] && grep -q '\"sender\" : \"alice' $WORK/alerts"
check "GET /outbound/senders/blocked lists alice" bash -c "curl -s -H 'Authorization: Bearer $GLOBAL' $ADMIN/outbound/senders/blocked | grep -q '\"sender\" : \"alice'"
check "the alert is a metric" bash -c "curl -s -H 'Authorization: Bearer $GLOBAL' $ADMIN/metrics | grep -q 'moat_outbound_alerts_total{.*metric=\"messages\"'"
check "moatd logged the departure" grep -q "outbound sender departed from its baseline" "$WORK/moatd.log"

# 3. Send-hold (8 s for hold.corp.test): a recalled message is never delivered.
submit carol recall --from carol@hold.corp.test --to r1@moat.test --header "Subject: recall-me" --body "wrong recipient"
check "held message accepted by Postfix" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/recall.swaks"
RECALL_QID=$(queue_id_of recall)
check "it waits in Postfix's hold queue" in_hold_queue "$RECALL_QID"
for _ in $(seq 1 50); do [ -s "$WORK/notices/carol@hold.corp.test" ] && break; sleep 0.1; done
TOKEN=$(sed -n 's/^Recall-Token: \([0-9a-f]*\).*/\1/p' "$WORK/notices/carol@hold.corp.test" | head -n 1)
HELD_ID=$(sed -n 's/^Reference: \([0-9a-f]*\).*/\1/p' "$WORK/notices/carol@hold.corp.test" | head -n 1)
check "the sender got a notice with a recall token" test -n "$TOKEN"
check "a wrong token is refused (403)" test "$(api -X POST -d '{"token":"0000"}' "$ADMIN/outbound/held/$HELD_ID/recall")" = 403
check "the sender recalls it with the token (200)" test "$(api -X POST -d "{\"token\":\"$TOKEN\"}" "$ADMIN/outbound/held/$HELD_ID/recall")" = 200
check "the recall is recorded" grep -q '"state" : "recalled"' "$WORK/body"
check "a second recall is a conflict (409)" test "$(api -X POST -d "{\"token\":\"$TOKEN\"}" "$ADMIN/outbound/held/$HELD_ID/recall")" = 409

# 4. An unrecalled message is delivered after its delay, not before.
submit carol later --from carol@hold.corp.test --to r1@moat.test --header "Subject: deliver-later" --body "fine"
sleep 2
check "not delivered during the delay" bash -c "! grep -lq 'deliver-later' $WORK/mail/box/new/* 2>/dev/null"
check "delivered once the delay ends" wait_delivery "deliver-later"
check "the delivered copy says it was held" header_of "deliver-later" '^X-Moat-Hold: 8 s'
check "the recalled message was never delivered" bash -c "! grep -lq 'recall-me' $WORK/mail/box/new/* 2>/dev/null"
check "the recalled message is gone from the hold queue" bash -c "! postqueue -c '$POSTFIX_CONF' -j | grep -q '$RECALL_QID'"
check "GET /outbound/held shows one released and one recalled" bash -c \
    "curl -s -H 'Authorization: Bearer $GLOBAL' $ADMIN/outbound/held >$WORK/held.json && grep -q '\"state\" : \"released\"' $WORK/held.json && grep -q '\"state\" : \"recalled\"' $WORK/held.json"

# 5. Restart moatd during the delay: the held message is still released.
submit carol restart --from carol@hold.corp.test --to r1@moat.test --header "Subject: survive-restart" --body "x"
check "held before the restart" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/restart.swaks"
cp "$WORK/moatd.log" "$WORK/moatd-first.log"
kill -TERM "$MOATD_PID"
wait "$MOATD_PID" 2>/dev/null || true
check "moatd stopped during the delay" grep -q "moatd stopped" "$WORK/moatd.log"
check "not delivered while moatd was down" bash -c "! grep -lq 'survive-restart' $WORK/mail/box/new/* 2>/dev/null"
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"
check "delivered after the restart, when the delay ended" wait_delivery "survive-restart"
submit alice burst6 --to r6@moat.test --header "Subject: burst-6" --body "x"
check "alice is still paused after the restart (counters in the store)" in_hold_queue "$(queue_id_of burst6)"

# The operator checks alice's account and lifts the pause from the CLI: her mail flows again.
# (Postfix reports the login with its SASL realm: alice@mx.moat.test.)
CLI=(--admin "$ADMIN" --token-file "$WORK/admin.token")
check "moat outbound alerts names alice" bash -c "'$MOAT_BIN/moat' outbound alerts --sender alice@mx.moat.test ${CLI[*]} | grep -q 'observed'"
check "moat outbound held --state released lists the released messages" bash -c "'$MOAT_BIN/moat' outbound held --state released ${CLI[*]} | grep -q 'deliver-later'"
check "moat outbound unblock alice" "$MOAT_BIN/moat" outbound unblock alice@mx.moat.test "${CLI[@]}"
submit alice unblocked --to r7@moat.test --header "Subject: after-unblock" --body "x"
check "alice's next message is delivered" wait_delivery "after-unblock"

# 6. Mis-send guards: four external recipients visible in To are refused with the reason; an
#    encrypted zip is tagged.
set +e; submit dave visible --to a@moat.test,b@moat.test,c@moat.test,d@moat.test --header "Subject: visible" --body "x"; set -e
check "many visible external recipients: refused with the reason" grep -q "<\*\* 550 5.7.1 4 external recipients are visible to each other in To/Cc" "$WORK/visible.swaks"
echo "quarterly figures" >"$WORK/figures.txt"
(cd "$WORK" && zip -q -P secret figures.zip figures.txt)
submit dave ppap --to r1@moat.test --header "Subject: ppap-zip" --body "the password follows in another mail" --attach "@$WORK/figures.zip"
check "encrypted zip delivered" wait_delivery "ppap-zip"
check "and tagged by the guard" header_of "ppap-zip" '^X-Moat-Guard: encrypted_archive; tag;'

finish
