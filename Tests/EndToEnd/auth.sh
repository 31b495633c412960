#!/usr/bin/env bash
# Sender authentication end to end through real Postfix: moatd with the auth engine, whose DNS is
# a dnsmasq on loopback serving SPF, DKIM key and DMARC records (no query leaves the machine).
# Asserts: a forged message from a p=reject domain is rejected per policy; a message signed by
# dkimpy from an SPF-authorised client is delivered with Authentication-Results (spf, dkim and dmarc
# pass) and without the forged Authentication-Results it arrived with; a message signed by OpenDKIM's
# own milter (opendkim in signing mode, driven by miltertest) verifies in Moat, and fails once tampered.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)

SMTP_PORT=$(free_port)
MILTER_PORT=$(free_port)
DNS_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# A DKIM key (openssl) and its DNS record.
openssl genrsa -out "$WORK/dkim.key" 2048 2>/dev/null
KEY=$(openssl rsa -in "$WORK/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
# The gateway's ARC sealing key.
openssl genrsa -out "$WORK/arc.key" 2048 2>/dev/null
ARC_KEY=$(openssl rsa -in "$WORK/arc.key" -pubout -outform DER 2>/dev/null | base64 -w0)
txt() { # txt NAME TEXT: a dnsmasq txt-record line, the text cut into 255-octet strings
    python3 - "$1" "$2" <<'PY'
import sys
name, text = sys.argv[1], sys.argv[2]
print("txt-record=%s,%s" % (name, ",".join('"%s"' % text[i:i + 255] for i in range(0, len(text), 255))))
PY
}
{
    printf 'no-resolv\nno-hosts\nno-daemon\nlisten-address=127.0.0.1\nbind-interfaces\nport=%s\n' "$DNS_PORT"
    printf 'user=root\ngroup=root\nlocal-ttl=300\nlog-queries\nlog-facility=%s\n' "$WORK/dns.log"
    printf 'local=/forged.test/\nlocal=/signed.test/\n'
    txt forged.test "v=spf1 ip4:192.0.2.0/24 -all"
    txt _dmarc.forged.test "v=DMARC1; p=reject"
    txt signed.test "v=spf1 ip4:127.0.0.0/8 -all"
    txt sel._domainkey.signed.test "v=DKIM1; k=rsa; p=$KEY"
    txt _dmarc.signed.test "v=DMARC1; p=reject; adkim=s"
    printf 'local=/odk.test/\n'
    txt odk.test "v=spf1 ip4:127.0.0.0/8 -all"
    txt odk._domainkey.odk.test "v=DKIM1; k=rsa; p=$KEY"
    printf 'local=/gw.test/\n'
    txt arc._domainkey.gw.test "v=DKIM1; k=rsa; p=$ARC_KEY"
} >"$WORK/dnsmasq.conf"
/usr/sbin/dnsmasq --conf-file="$WORK/dnsmasq.conf" &
PIDS+=("$!")
for _ in $(seq 1 50); do grep -q started "$WORK/dns.log" 2>/dev/null && break; sleep 0.1; done

mkdir -p "$WORK/engines"
write_config "$MILTER_PORT"
# The shipped combiner was trained without the auth engine: the hand-set policy decides here.
sed -i 's/^\[policy\]$/[policy]\nmodel = ""/' "$WORK/moat.toml"
sed -e "s|^dns_servers = .*|dns_servers = [\"127.0.0.1@$DNS_PORT\"]|" \
    -e 's|^# authserv_id = .*|authserv_id = "mx.moat.test"|' \
    -e "s|^public_suffix_list = .*|public_suffix_list = \"$REPO/rules/url/public_suffix_list.dat\"|" \
    "$REPO/engines/optional/auth.toml" >"$WORK/engines/auth.toml"
sed -i "s|^# arc_seal = .*|arc_seal = { domain = \"gw.test\", selector = \"arc\", key_file = \"$WORK/arc.key\" }|" "$WORK/engines/auth.toml"
grep -q '^arc_seal = ' "$WORK/engines/auth.toml"

start_moatd "$WORK/moat.toml" "$WORK/engines"
wait_port "$MILTER_PORT"
start_postfix "$SMTP_PORT" "$MILTER_PORT"

# 1. From a p=reject domain whose SPF does not list 127.0.0.1, unsigned: DMARC fails, rejected.
set +e
swaks --server "127.0.0.1:$SMTP_PORT" --from alice@forged.test --to user@moat.test --helo client.example \
    --header "From: Alice <alice@forged.test>" --header "Subject: wire the money" --body "Today, please." \
    --timeout 60 >"$WORK/forged.swaks" 2>&1
status=$?
set -e
check "forged p=reject mail rejected (swaks exit 26)" test "$status" -eq 26
check "the reject carries the policy reply" grep -q "<\*\* 550 5.7.1 Moat test rejection" "$WORK/forged.swaks"
check "moatd decided reject for category policy from the auth engine" grep -q "decision.action=reject decision.category=policy decision.engines=.*auth=policy" "$WORK/moatd.log"
check "the SPF and DMARC queries went to the loopback server" grep -q "_dmarc.forged.test" "$WORK/dns.log"

# 2. Signed by dkimpy (d=signed.test), SPF-authorised client, carrying a forged A-R with our id.
printf 'From: Bob <bob@signed.test>\r\nTo: user@moat.test\r\nSubject: minutes\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\nMessage-ID: <m1@signed.test>\r\n\r\nThe minutes are below.\r\n' |
    dkimsign --hcanon relaxed --bcanon relaxed sel signed.test "$WORK/dkim.key" >"$WORK/signed.eml"
{ printf 'Authentication-Results: mx.moat.test; dkim=pass header.d=bank.test (forged)\r\n'; cat "$WORK/signed.eml"; } >"$WORK/signed-forged.eml"
swaks --server "127.0.0.1:$SMTP_PORT" --from bob@signed.test --to user@moat.test --helo client.example \
    --data "$WORK/signed-forged.eml" --timeout 60 >"$WORK/signed.swaks" 2>&1 || true
check "signed message accepted by Postfix" grep -q "<-  250 2.0.0 Ok: queued" "$WORK/signed.swaks"
check "signed message delivered" wait_delivered 1
# The delivered copy and its Authentication-Results header, unfolded.
delivered | tail -n 1 | xargs cat >"$WORK/signed.delivered"
awk '/^Authentication-Results:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { printf "%s", $0; next } { if (on) print ""; on = 0 }' \
    "$WORK/signed.delivered" >"$WORK/ar.txt"
check "Authentication-Results names the gateway" grep -q '^Authentication-Results: mx.moat.test;' "$WORK/ar.txt"
check "spf=pass for the envelope sender" grep -q 'spf=pass .*smtp.mailfrom=bob@signed.test' "$WORK/ar.txt"
check "dkim=pass with header.d=signed.test" grep -q 'dkim=pass header.d=signed.test header.s=sel' "$WORK/ar.txt"
check "dmarc=pass for the From domain" grep -q 'dmarc=pass (p=reject) header.from=signed.test' "$WORK/ar.txt"
check "the forged Authentication-Results is gone" bash -c "! grep -q 'bank.test' '$WORK/signed.delivered'"
# The DKIM signature still verifies on the delivered copy (dkimpy, key from a file-backed lookup).
/usr/bin/python3 - "$WORK/signed.delivered" "$KEY" <<'PY' >"$WORK/dkimverify.out" 2>&1 || true
import sys, dkim
message = open(sys.argv[1], "rb").read()
record = b"v=DKIM1; k=rsa; p=" + sys.argv[2].encode()
print("verified" if dkim.verify(message, dnsfunc=lambda name, timeout=5: record) else "failed")
PY
check "dkimpy still verifies the delivered message" grep -q verified "$WORK/dkimverify.out"
# The ARC set moatd sealed validates in dkimpy's arc_verify (key record as published).
/usr/bin/python3 - "$WORK/signed.delivered" "$ARC_KEY" <<'PY' >"$WORK/arcverify.out" 2>&1 || true
import sys, dkim
message = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
record = b"v=DKIM1; k=rsa; p=" + sys.argv[2].encode()
cv, results, reason = dkim.arc_verify(message, dnsfunc=lambda name, timeout=5: record)
print(cv.decode(), reason)
PY
check "the delivered message carries an ARC set (i=1, cv=none) from gw.test" grep -q '^ARC-Seal: i=1; a=rsa-sha256; .*cv=none; d=gw.test; s=arc' "$WORK/signed.delivered"
check "dkimpy's arc_verify accepts the ARC set moatd sealed" grep -q '^pass' "$WORK/arcverify.out"

# 3. Signed by OpenDKIM (its milter in signing mode, relaxed/relaxed, rsa-sha256, same key as odk.test publishes).
ODK_PORT=$(free_port)
cat >"$WORK/opendkim.conf" <<CONF
Mode s
Domain odk.test
Selector odk
KeyFile $WORK/dkim.key
Socket inet:$ODK_PORT@127.0.0.1
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
Background no
Syslog no
RequireSafeKeys no
InternalHosts 127.0.0.1
UserID root
PidFile $WORK/opendkim.pid
CONF
/usr/sbin/opendkim -x "$WORK/opendkim.conf" -f >"$WORK/opendkim.log" 2>&1 &
PIDS+=("$!")
wait_port "$ODK_PORT"
miltertest -s "$(dirname "$0")/opendkim-sign.lua" -D port="$ODK_PORT" >"$WORK/odk-signature.txt" 2>"$WORK/odk-miltertest.err" || true
check "opendkim signed the message (rsa-sha256, d=odk.test)" grep -q '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=odk.test; s=odk;' "$WORK/odk-signature.txt"
odk_message() { # odk_message BODY-LINE-2: the signed message, with the body opendkim signed or another
    sed 's/$/\r/' "$WORK/odk-signature.txt"
    printf 'From: Carol <carol@odk.test>\r\nTo: user@moat.test\r\nSubject: signed by opendkim\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n'
    printf 'Message-ID: <odk1@odk.test>\r\n\r\nSigned by OpenDKIM'"'"'s milter.\r\n%s\r\n' "$1"
}
odk_message "Second line." >"$WORK/odk.eml"
odk_message "Second line, changed." >"$WORK/odk-tampered.eml"
ar_of_latest() { # the latest delivery's Authentication-Results, unfolded
    delivered | tail -n 1 | xargs cat | awk '/^Authentication-Results:/ { on = 1; printf "%s", $0; next } on && /^[ \t]/ { printf "%s", $0; next } { if (on) print ""; on = 0 }'
}
swaks --server "127.0.0.1:$SMTP_PORT" --from carol@odk.test --to user@moat.test --helo client.example \
    --data "$WORK/odk.eml" --timeout 60 >"$WORK/odk.swaks" 2>&1 || true
check "OpenDKIM-signed message delivered" wait_delivered 2
ar_of_latest >"$WORK/odk-ar.txt"
check "Moat verifies OpenDKIM's signature (dkim=pass header.d=odk.test)" grep -q 'dkim=pass header.d=odk.test header.s=odk' "$WORK/odk-ar.txt"
swaks --server "127.0.0.1:$SMTP_PORT" --from carol@odk.test --to user@moat.test --helo client.example \
    --data "$WORK/odk-tampered.eml" --timeout 60 >"$WORK/odk-tampered.swaks" 2>&1 || true
if wait_delivered 3; then
    ar_of_latest >"$WORK/odk-tampered-ar.txt"
    check "the tampered body fails (dkim=fail header.d=odk.test)" grep -q 'dkim=fail .*header.d=odk.test' "$WORK/odk-tampered-ar.txt"
else
    check "the tampered body is refused (DMARC reject)" grep -q "<\*\* 550" "$WORK/odk-tampered.swaks"
fi

finish
