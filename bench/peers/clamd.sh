#!/usr/bin/env bash
# clamd as a benchmark peer: a private clamd on a Unix socket with rules/clamav plus the system
# database (/var/lib/clamav), as Moat's clamav engine loads them, and `clamdscan --fdpass` per
# message: exit 1 (FOUND) malware, 0 (OK) clean, else error.
#
#   clamd.sh LIST OUT
. "$(dirname "$0")/lib.sh"
export CLAMD_SYSTEM_DB=1
start_peer clamd
scan() { clamdscan -c "$WORK/peer/clamd.conf" --fdpass --no-summary "$1"; }
verdict() {
    case $1 in
    0) echo clean ;;
    1) if grep -q ' FOUND$' "$REPLY_FILE"; then echo malware; else echo error; fi ;;
    *) echo error ;;
    esac
}
run_list clamd "$(clamdscan -c "$WORK/peer/clamd.conf" --version)" \
    "private clamd, Unix socket, databases: rules/clamav + $(find /var/lib/clamav -maxdepth 1 -type f | wc -l) files of /var/lib/clamav, clamd defaults otherwise, clamdscan --fdpass"
