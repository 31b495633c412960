#!/usr/bin/env bash
# Two organisations behind one moatd, through a real Postfix: tenants created and given policies
# with `moat tenants` on the running daemon; one message to a recipient of each, where acme refuses
# macro documents (macro_mode = "reject") and globex takes them disarmed: acme's recipient is
# removed (milter DELRCPT) and the removal logged, globex's recipient gets the disarmed document.
# Then the admin API route by route with tenant-scoped tokens: a tenant's token reads and releases
# its own mail only (403 otherwise) and none of the gateway's own routes; the global token all.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MOAT="$MOAT_BIN/moat"

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="http://127.0.0.1:$ADMIN_PORT"
ACME_TOKEN=acme-operator-token-5d1f0c
GLOBEX_TOKEN=globex-operator-token-8e2a9b
mkdir -p "$WORK/engines"
write_config "$MILTER_PORT" "$ADMIN_PORT"
printf 'tenant_tokens = [{ tenant = "acme", token = "%s" }, { tenant = "globex", token = "%s" }]\n' \
    "$ACME_TOKEN" "$GLOBEX_TOKEN" >>"$WORK/moat.toml"
# Senders learn which recipients a tenant refused: a notice through Postfix's own sendmail.
sed -i "/^\[milter\]\$/a removal_notice_command = [\"/usr/sbin/sendmail\", \"-C\", \"$WORK/postfix\", \"-f\", \"\"]\nremoval_notice_from = \"postmaster@moat.test\"" "$WORK/moat.toml"
# Outbound mail (authenticated clients) has its own section: a bulk sender is refused going out.
printf '[policy.outbound]\nblock_senders = ["bulk@acme.test"]\nreject_reply = "550 5.7.1 Outbound refused"\n' >>"$WORK/moat.toml"
sed -e "s|^note_template = .*|note_template = \"$REPO/rules/macro/note.en.txt\"|" "$REPO/engines/macro.toml" >"$WORK/engines/macro.toml"
cat >"$WORK/engines/hold.toml" <<'CONF'
adapter = "pattern"
[options]
patterns = ["MOAT-HOLD-ME"]
scope = "parts"
category = "phishing"
score = 1
CONF
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"
# Each tenant's domain delivers into its own Maildir.
printf '/@acme\\.test$/ acme/\n/@globex\\.test$/ globex/\n/./ box/\n' >"$POSTFIX_CONF/vmailbox"
postconf -c "$POSTFIX_CONF" -e "virtual_mailbox_domains = moat.test acme.test globex.test" \
    "virtual_mailbox_maps = regexp:$POSTFIX_CONF/vmailbox"
postfix -c "$POSTFIX_CONF" reload >/dev/null 2>&1
CLI=(--admin "$ADMIN" --token-file "$WORK/admin.token")
api() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
as() { local token=$1; shift; api -H "Authorization: Bearer $token" "$@"; }
GLOBAL=$(cat "$WORK/admin.token")

# Tenants and policies, live.
printf 'macro_mode = "reject"\nreject_score = 8\nblock_senders = ["partner@moat.test"]\n' >"$WORK/acme.toml"
printf '{"macro_mode": "disarm", "on_detect": {"suspicious": "tag"}}\n' >"$WORK/globex.json"
check "moat tenants create acme (TOML policy)" "$MOAT" tenants create acme --name "Acme Ltd" --domain acme.test --policy "$WORK/acme.toml" --actor alice "${CLI[@]}"
check "moat tenants create globex (JSON policy)" "$MOAT" tenants create globex --domain globex.test --policy "$WORK/globex.json" "${CLI[@]}"
"$MOAT" tenants diff acme "${CLI[@]}" >"$WORK/acme.diff"
check "diff shows acme's overrides" grep -q "macro_mode: engine's mode → reject" "$WORK/acme.diff"
check "diff shows acme's threshold" grep -q "reject_score: .* → 8.00" "$WORK/acme.diff"
printf 'macro_mode = "reject"\nreject_scor = 3\n' >"$WORK/typo.toml"
set +e; "$MOAT" tenants set-policy acme "$WORK/typo.toml" "${CLI[@]}" >"$WORK/typo.out" 2>&1; status=$?; set -e
check "a policy with a typo is refused" test "$status" -ne 0
check "the refusal names the wrong key" grep -q "reject_scor" "$WORK/typo.out"
check "the API refuses it too, naming the key (422)" test "$(as "$GLOBAL" -X PUT -d '{"reject_scor": 3}' "$ADMIN/tenants/acme/policy")" = 422
check "the 422 names the key" grep -q "reject_scor" "$WORK/body"
"$MOAT" tenants show acme "${CLI[@]}" >"$WORK/acme.show"
check "acme's running policy is unchanged" grep -q '"macro_mode" : "reject"' "$WORK/acme.show"
check "a domain owned twice is refused (409)" test "$(as "$GLOBAL" -X POST -d '{"domain": "acme.test"}' "$ADMIN/tenants/globex/domains")" = 409
check "moat tenants add-address gives acme one globex address" "$MOAT" tenants add-address acme boss@globex.test "${CLI[@]}"
check "the address is acme's" bash -c "'$MOAT' tenants show acme ${CLI[*]} | grep -q 'boss@globex.test'"
check "moat tenants remove-address takes it back" "$MOAT" tenants remove-address acme boss@globex.test "${CLI[@]}"
check "removing a domain a tenant does not have is a 404" bash -c "! '$MOAT' tenants remove-domain acme nothere.test ${CLI[*]} 2>/dev/null"
"$MOAT" tenants changes acme "${CLI[@]}" >"$WORK/acme.changes"
check "the change log names who created acme" grep -q '"actor" : "alice"' "$WORK/acme.changes"

# 1. One macro document to a recipient of each tenant.
swaks --server "127.0.0.1:$SMTP_PORT" --from accounts@moat.test --to alice@acme.test,bob@globex.test --helo client.example \
    --data "$REPO/rules/macro/fixtures/autoopen-docm.eml" --timeout 60 >"$WORK/docm.swaks" 2>&1 || true
check "Postfix accepted the message (the other tenant keeps it)" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/docm.swaks"
box() { find "$WORK/mail/$1/new" -type f 2>/dev/null; }
wait_box() { for _ in $(seq 1 100); do [ -n "$(box "$1")" ] && return 0; sleep 0.2; done; return 1; }
check "globex's recipient got it" wait_box globex
sleep 1
check "acme's recipient got nothing" test -z "$(box acme)"
GLOBEX_COPY=$(box globex | head -n 1)
check "delivered to bob only" grep -q "^Delivered-To: bob@globex.test" "$GLOBEX_COPY"
check "the document was disarmed for globex (delivered as .docx)" grep -q 'filename="invoice.docx"' "$GLOBEX_COPY"
check "the macro document itself is gone" bash -c "! grep -q 'filename=\"invoice.docm\"' '$GLOBEX_COPY'"
check "globex's copy says whose policy decided" grep -q "^X-Moat-Tenant: globex" "$GLOBEX_COPY"
check "moatd logged the removed recipient with acme's reply" grep -q "decision.recipients=alice@acme.test decision.removal_reply=550 5.7.1 .*recipients removed: their tenant refused the message" "$WORK/moatd.log"
check "moatd logged each tenant's decision" grep -q 'decision.action=reject decision.category=malware .*tenant.id=acme .*tenant decision' "$WORK/moatd.log"
check "Postfix delivered to bob" grep -q 'to=<bob@globex.test>.*status=sent' "$WORK/maillog"
check "Postfix never tried alice (the recipient was removed, not bounced)" bash -c "! grep -q 'to=<alice@acme.test>' '$WORK/maillog'"
# A refusal by acme's sender block list (category policy): the sender is told which recipient did
# not get it. The macro refusal above (malware) sent no notice: such senders are mostly forged.
swaks --server "127.0.0.1:$SMTP_PORT" --from partner@moat.test --to alice@acme.test,bob@globex.test --helo client.example \
    --header "Subject: agenda" --body "The agenda." --timeout 60 >"$WORK/agenda.swaks" 2>&1 || true
notice() { grep -l 'Not delivered to some recipients: agenda' "$WORK"/mail/box/new/* 2>/dev/null | head -n 1; }
for _ in $(seq 1 100); do [ -n "$(notice)" ] && break; sleep 0.2; done
NOTICE=$(notice)
check "the sender got a notice naming the refused recipient" grep -q 'alice@acme.test: 550 5.7.1' "${NOTICE:-/dev/null}"
check "the notice went to the envelope sender" grep -q '^Delivered-To: partner@moat.test' "${NOTICE:-/dev/null}"
check "the notice is marked automatic (no notice loops)" grep -q '^Auto-Submitted: auto-replied' "${NOTICE:-/dev/null}"
check "no notice for the refusal as malware" bash -c "! grep -l 'Invoice 2026-1129' '$WORK'/mail/box/new/* 2>/dev/null | xargs -r grep -l 'Not delivered' | grep -q ."
SHARED_ID=$(sed -n 's/^X-Moat-Id: //p' "$GLOBEX_COPY" | tr -d '\r')

# 2. A message for globex alone, and one it holds in quarantine.
swaks --server "127.0.0.1:$SMTP_PORT" --from partner@example.com --to bob@globex.test --helo client.example \
    --header "Subject: lunch" --body "Lunch on Friday?" --timeout 60 >"$WORK/lunch.swaks" 2>&1 || true
check "globex-only message delivered" bash -c "for _ in \$(seq 1 100); do [ \$(find '$WORK/mail/globex/new' -type f | wc -l) -ge 3 ] && exit 0; sleep 0.2; done; exit 1"
LUNCH_ID=$(grep -l "Subject: lunch" "$WORK"/mail/globex/new/* | head -n 1 | xargs sed -n 's/^X-Moat-Id: //p' | tr -d '\r')
swaks --server "127.0.0.1:$SMTP_PORT" --from partner@example.com --to bob@globex.test --helo client.example \
    --header "Subject: verify your account" --body "MOAT-HOLD-ME now" --timeout 60 >"$WORK/hold.swaks" 2>&1 || true
held_id() { as "$GLOBEX_TOKEN" "$ADMIN/quarantine" >/dev/null; sed -n 's/.*"id" : "\([^"]*\)".*/\1/p' "$WORK/body" | head -n 1; }
for _ in $(seq 1 50); do [ -n "$(held_id)" ] && break; sleep 0.2; done
HELD_ID=$(held_id)
check "globex's quarantine lists the held message" test -n "$HELD_ID"

# 3. Route by route.
check "acme reads a decision with acme recipients" test "$(as "$ACME_TOKEN" "$ADMIN/decisions/$SHARED_ID")" = 200
check "acme cannot read globex's decision (403)" test "$(as "$ACME_TOKEN" "$ADMIN/decisions/$LUNCH_ID")" = 403
check "globex reads its decision" test "$(as "$GLOBEX_TOKEN" "$ADMIN/decisions/$LUNCH_ID")" = 200
check "the global token reads any decision" test "$(as "$GLOBAL" "$ADMIN/decisions/$LUNCH_ID")" = 200
as "$ACME_TOKEN" "$ADMIN/decisions" >/dev/null
check "acme's decision list leaves out globex-only mail" bash -c "grep -q '$SHARED_ID' '$WORK/body' && ! grep -q '$LUNCH_ID' '$WORK/body'"
as "$ACME_TOKEN" "$ADMIN/quarantine" >/dev/null
check "acme's quarantine list is empty" bash -c "! grep -q '$HELD_ID' '$WORK/body'"
check "acme cannot preview globex's quarantined message (403)" test "$(as "$ACME_TOKEN" "$ADMIN/quarantine/$HELD_ID")" = 403
check "acme cannot release it (403)" test "$(as "$ACME_TOKEN" -X POST "$ADMIN/quarantine/$HELD_ID/release")" = 403
check "acme cannot delete it (403)" test "$(as "$ACME_TOKEN" -X DELETE "$ADMIN/quarantine/$HELD_ID")" = 403
check "acme cannot give feedback on globex's mail (403)" test "$(as "$ACME_TOKEN" -X POST -d "{\"id\": \"$LUNCH_ID\", \"class\": \"spam\"}" "$ADMIN/feedback")" = 403
check "globex previews its quarantined message" test "$(as "$GLOBEX_TOKEN" "$ADMIN/quarantine/$HELD_ID")" = 200
check "globex releases it" test "$(as "$GLOBEX_TOKEN" -X POST "$ADMIN/quarantine/$HELD_ID/release")" = 200
check "globex gives feedback on its mail" test "$(as "$GLOBEX_TOKEN" -X POST -d "{\"id\": \"$LUNCH_ID\", \"class\": \"ham\"}" "$ADMIN/feedback")" = 200
as "$GLOBEX_TOKEN" "$ADMIN/tenants/globex/statistics" >/dev/null
check "globex's feedback counts in globex's engine figures" grep -q '"samples" : 1' "$WORK/body"
as "$ACME_TOKEN" "$ADMIN/tenants/acme/statistics" >/dev/null
check "and not in acme's" bash -c "! grep -q '\"samples\" : [1-9]' '$WORK/body'"
as "$GLOBAL" "$ADMIN/statistics" >/dev/null
check "and in the gateway's" grep -q '"samples" : 1' "$WORK/body"
check "acme cannot read globex's figures (403)" test "$(as "$ACME_TOKEN" "$ADMIN/tenants/globex/statistics")" = 403
check "the global token deletes any quarantined message" test "$(as "$GLOBAL" -X DELETE "$ADMIN/quarantine/$HELD_ID")" = 200
for route in "GET /engines" "GET /engines/macro" "POST /engines/macro/state" "GET /state-changes" "GET /statistics" \
             "POST /reload" "GET /model" "POST /model/train" "GET /metrics" "POST /tenants" "DELETE /tenants/acme" \
             "POST /tenants/acme/domains" "DELETE /tenants/acme/domains/acme.test" "POST /tenants/acme/addresses"; do
    set -- $route
    check "acme's token is refused $route (403)" test "$(as "$ACME_TOKEN" -X "$1" -d '{}' "$ADMIN$2")" = 403
done
as "$GLOBAL" "$ADMIN/metrics" >/dev/null
check "per-tenant decisions are in the metrics" grep -q 'moat_tenant_decisions_total{tenant="acme",action="reject"} 2' "$WORK/body"
check "acme reads its own tenant" test "$(as "$ACME_TOKEN" "$ADMIN/tenants/acme")" = 200
check "acme cannot read globex's tenant (403)" test "$(as "$ACME_TOKEN" "$ADMIN/tenants/globex")" = 403
check "acme cannot read globex's change log (403)" test "$(as "$ACME_TOKEN" "$ADMIN/tenants/globex/changes")" = 403
check "acme sets its own policy" test "$(as "$ACME_TOKEN" -X PUT -d '{"macro_mode": "reject", "reject_score": 9}' "$ADMIN/tenants/acme/policy")" = 200
check "acme cannot set globex's policy (403)" test "$(as "$ACME_TOKEN" -X PUT -d '{}' "$ADMIN/tenants/globex/policy")" = 403
as "$GLOBAL" "$ADMIN/tenants/acme/changes" >/dev/null
check "acme's own change is logged as acme's" grep -q '"actor" : "acme:operator"' "$WORK/body"
as "$ACME_TOKEN" "$ADMIN/tenants" >/dev/null
check "acme's tenant list holds acme only" bash -c "grep -q '\"id\" : \"acme\"' '$WORK/body' && ! grep -q '\"id\" : \"globex\"' '$WORK/body'"
check "a wrong token is refused (401)" test "$(as "not-a-token-at-all-0000" "$ADMIN/decisions")" = 401

# 3b. A second real milter peer (OpenDKIM's miltertest): the same refusal (DELRCPT for acme only),
# and outbound mail from an authenticated client (decided by the sender's tenant and [policy.outbound]).
check "acme blocks partner@moat.test again" test "$(as "$GLOBAL" -X PUT -d '{"block_senders": ["partner@moat.test"]}' "$ADMIN/tenants/acme/policy")" = 200
# DELRCPT for acme's recipient, the message accepted for globex; outbound by the sender's tenant.
run_miltertest tenants-milter.lua "$MILTER_PORT" delrcpt

# 4. Tenants survive a restart (the store), and a deleted tenant's mail falls back to the global policy.
kill -TERM "$MOATD_PID"; wait "$MOATD_PID" 2>/dev/null || true
cp "$WORK/moatd.log" "$WORK/moatd-first.log"
start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$ADMIN_PORT"
check "tenants are back after a restart" bash -c "'$MOAT' tenants list ${CLI[*]} | grep -q '\"id\" : \"globex\"'"
check "moatd logged the tenants it loaded" grep -q "tenant.count=2 .*tenants loaded" "$WORK/moatd.log"
check "moat tenants delete" "$MOAT" tenants delete globex "${CLI[@]}"
check "a deleted tenant is gone" test "$(as "$GLOBAL" "$ADMIN/tenants/globex")" = 404

finish
