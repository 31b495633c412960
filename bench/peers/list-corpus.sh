#!/usr/bin/env bash
# Prints the realpath of every message of each CORPUS, one a line, in the order `moat bench accuracy`
# reads them: `moat bench corpus` lists them with the loader the accuracy run uses (folders of
# class folders, manifests, skip rules), so peer verdicts always line up with Moat's messages.
#
#   list-corpus.sh CORPUS... >list.txt
# Uses $MOAT, else the release build, else the debug build of this repository.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 CORPUS..." >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
moat=${MOAT:-$root/.build/release/moat}
[ -x "$moat" ] || moat=$root/.build/debug/moat
[ -x "$moat" ] || { echo "$0: no moat binary (swift build first, or set MOAT)" >&2; exit 1; }
"$moat" bench corpus "$@" | cut -f1 | while IFS= read -r path; do realpath -- "$path"; done
