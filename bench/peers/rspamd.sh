#!/usr/bin/env bash
# rspamd as a benchmark peer: a private rspamd, offline (see README.md), and one POST /checkv2 per
# message with curl: spam when the action is reject, add header or rewrite subject, or the score
# reaches the add header threshold of /etc/rspamd/actions.conf (6); else clean.
#
#   rspamd.sh LIST OUT
. "$(dirname "$0")/lib.sh"
THRESHOLD=$(sed -n 's/^ *add_header *= *\([0-9.]*\).*/\1/p' /etc/rspamd/actions.conf 2>/dev/null | head -1)
THRESHOLD=${THRESHOLD:-6}
start_peer rspamd
scan() { curl -sSf --max-time "$TIMEOUT" --data-binary @- "http://127.0.0.1:$PORT/checkv2"; }
verdict() {
    local reply action score
    reply=$(<"$REPLY_FILE")
    [ "$1" = 0 ] && [[ $reply == *'"action":"'* ]] || { echo error; return; }
    action=${reply#*\"action\":\"} action=${action%%\"*}  # the first "action" and "score" are the message's
    score=${reply#*\"score\":} score=${score%%,*}
    case $action in
    reject | "add header" | "rewrite subject") echo spam ;;
    *) awk -v s="$score" -v t="$THRESHOLD" 'BEGIN { print (s + 0 >= t + 0 ? "spam" : "clean") }' ;;
    esac
}
run_list rspamd "$(rspamd --version | sed -n 's/^Rspamd daemon version //p')" \
    "private config (Tests/EndToEnd/peers/start-peer.sh rspamd): no Redis, DNS to a dead loopback port (0.2 s), rbl spf dkim dkim_signing dmarc arc asn once_received fuzzy_check hfilter surbl emails mx_check dcc neural ratelimit greylist replies reputation url_redirector and exporters off, phishing without feeds; spam at action reject/add header/rewrite subject or score >= $THRESHOLD"
