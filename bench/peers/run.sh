#!/usr/bin/env bash
# Runs every peer (spamassassin, rspamd, clamd) on the messages of the corpora, one after another,
# writes OUTDIR/list.txt and OUTDIR/peer-NAME.tsv, and prints the arguments for
# `moat bench accuracy CORPUS... --peer NAME=FILE ...`. A peer whose package is missing is skipped.
#
#   run.sh OUTDIR CORPUS...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR CORPUS..." >&2; exit 2; }
mkdir -p "$1"
OUTDIR=$(cd "$1" && pwd)
shift
"$HERE/list-corpus.sh" "$@" >"$OUTDIR/list.txt"
echo "$(wc -l <"$OUTDIR/list.txt") messages" >&2
args=()
for peer in spamassassin rspamd clamd; do
    status=0
    "$HERE/$peer.sh" "$OUTDIR/list.txt" "$OUTDIR/peer-$peer.tsv" || status=$?
    case $status in
    0) args+=(--peer "$peer=$OUTDIR/peer-$peer.tsv") ;;
    77) echo "skipped $peer (its Debian package is not installed)" >&2 ;;
    *) echo "$peer failed (exit $status); no results for it" >&2 ;;
    esac
done
[ ${#args[@]} -gt 0 ] || { echo "no peer ran" >&2; exit 1; }
echo "pass to moat bench accuracy:" >&2
printf '%q ' "${args[@]}"
echo
