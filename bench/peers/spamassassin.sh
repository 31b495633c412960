#!/usr/bin/env bash
# SpamAssassin as a benchmark peer: a private spamd with Debian's full rule set, offline (see
# README.md), and `spamc -c` per message: exit 1 spam (score >= required_score, 5.0), 0 clean.
#
#   spamassassin.sh LIST OUT
. "$(dirname "$0")/lib.sh"
start_peer spamassassin
scan() { spamc -x -c -d 127.0.0.1 -p "$PORT" -t "$TIMEOUT"; }
verdict() { case $1 in 0) echo clean ;; 1) echo spam ;; *) echo error ;; esac; }
# SA_BAYES_PATH=DIR/bayes (a database sa-learn --dbpath DIR built beforehand) turns Bayes on.
bayes="use_bayes 0"
if [ -n "${SA_BAYES_PATH:-}" ]; then bayes="use_bayes 1 (bayes_path $SA_BAYES_PATH, trained beforehand)"; fi
run_list spamassassin "$(spamd --version | sed -n 's/^SpamAssassin Server version //p')" \
    "spamd -L (local tests only), $bayes, bayes_auto_learn 0, dns_available no, skip_rbl_checks 1, no Razor/Pyzor/DCC, required_score 5.0, spamc -c (messages over 500 KB not scanned)"
