#!/usr/bin/env bash
# Per-message time of each MoatExternal adapter versus the peer's own client (spamc, c-icap-client,
# curl to rspamd's /checkv2, clamscan) on the same messages, sequentially, against real loopback
# peers started by Tests/EndToEnd/peers/start-peer.sh. Appends lines to bench/external/results.txt.
# Run from a package that builds MoatExternalTests (see Tests/MoatExternalTests).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MOAT_BENCH=1 MOAT_BENCH_OUT="$HERE/results.txt" swift test --filter 'PeerTests'
cat "$HERE/results.txt"
