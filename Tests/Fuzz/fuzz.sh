#!/usr/bin/env bash
# Coverage-guided fuzzing of Moat's decoders with libFuzzer (swiftc -sanitize=fuzzer,address).
#
#   Tests/Fuzz/fuzz.sh build            build every target (or FUZZ_TARGETS) into .build-fuzz/bin
#   Tests/Fuzz/fuzz.sh run              build, then fuzz each target for FUZZ_SECONDS (default 300)
#   Tests/Fuzz/fuzz.sh smoke            build, replay the regressions, fuzz each target FUZZ_SMOKE_SECONDS (default 4)
#   Tests/Fuzz/fuzz.sh replay           build, run every regression input once per target
#   Tests/Fuzz/fuzz.sh minimize T FILE  minimise a crash input of target T (-minimize_crash=1)
#   Tests/Fuzz/fuzz.sh list             print the target names
#
# Why not `swift build`: SwiftPM would rebuild the whole dependency graph (NIO, GRDB, ...) with the
# sanitizers, several minutes on CI; the decoders need only Foundation and a few C shims. Each
# module's decoder files are compiled once into an instrumented static library (-enable-testing,
# so the entries can use `@testable import`), and each target is one small file linked against it.
# The target bodies live in Tests/MoatFuzzRegressionTests/FuzzEntries+*.swift, shared with the
# regression replay that `swift test` runs. The targets whose code needs NIO or MoatCore (milter,
# wire, external) are the exception: SwiftPM builds them and only their dependencies (build_spm_target).
#
# Seeds come from ../shared/corpus (MOAT_CORPUS), picked at run time (never copied into the repo),
# plus the hand-made seeds in Tests/Fuzz/seeds/<target> and the regressions. The growing corpus is
# kept in .build-fuzz/corpus/<target>; crash, leak and timeout inputs go to .build-fuzz/crashes/<target>.
# Leak detection is off (-detect_leaks=0): the Swift runtime's metadata caches and Foundation's
# one-time allocations are reported as leaks by LSan, which would drown real findings.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${FUZZ_OUT:-$ROOT/.build-fuzz}"
CORPUS_ROOT="${MOAT_CORPUS:-$ROOT/../shared/corpus}"
FUZZ_SECONDS="${FUZZ_SECONDS:-300}"
FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-4}"
FUZZ_JOBS="${FUZZ_JOBS:-1}"
SWIFTC="${SWIFTC:-swiftc}"
ENTRIES="Tests/MoatFuzzRegressionTests"
TARGET_DIR="Tests/Fuzz/Targets"
REGRESSIONS="Tests/Fuzz/regressions"
export SWIFT_BACKTRACE="enable=no"   # libFuzzer and ASan report crashes; the Swift backtracer would stall them
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"

# target → module (Message, URL, Macro, Spam) and max input length.
declare -A MODULE=(
    [mime]=Message [addresslist]=Message [rfc2047]=Message [charsets]=Message [uuencode]=Message [qp]=Message [base64]=Message
    [htmllinks]=URL [urlnormalize]=URL [pdflinks]=URL [textlinks]=URL [gif]=URL [image]=URL [qr]=URL
    [cfb]=Macro [zip]=Macro [rtf]=Macro [biff]=Macro [powerpoint]=Macro [vba]=Macro [macro]=Macro
    [received]=Spam [spamhtml]=Spam [urihosts]=Spam [asciipattern]=Spam [dkim]=Auth [authrecords]=Auth [pdf]=PDF [htmldisarm]=HTMLDisarm [consoleform]=Console
    [wire]=SwiftPM [milter]=SwiftPM [external]=SwiftPM
)
# SwiftPM-built targets: their SwiftPM target (Package.swift, under MOAT_FUZZ_SPM) and the entry files
# of Tests/MoatFuzzRegressionTests they share with the regression replay.
declare -A SPM_TARGET=([wire]=FuzzWire [milter]=FuzzMilter [external]=FuzzExternal)
declare -A SPM_ENTRIES=([wire]="FuzzEntries+Wire.swift" [milter]="FuzzEntries+Milter.swift" [external]="FuzzEntries+External.swift")
ALL_TARGETS="mime addresslist rfc2047 charsets uuencode qp base64 htmllinks urlnormalize pdflinks textlinks gif image qr cfb zip rtf biff powerpoint vba macro received spamhtml urihosts asciipattern dkim authrecords pdf htmldisarm consoleform wire milter external"
declare -A MAXLEN=(
    [mime]=65536 [addresslist]=4096 [rfc2047]=4096 [charsets]=8192 [uuencode]=16384 [qp]=8192 [base64]=8192
    [htmllinks]=16384 [urlnormalize]=4096 [pdflinks]=65536 [textlinks]=4096 [gif]=16384 [image]=65536 [qr]=65536
    [cfb]=131072 [zip]=131072 [rtf]=65536 [biff]=16384 [powerpoint]=65536 [vba]=16384 [macro]=131072
    [received]=2048 [spamhtml]=16384 [urihosts]=2048 [asciipattern]=4096 [dkim]=4096 [authrecords]=1024 [pdf]=65536 [htmldisarm]=16384 [consoleform]=4096
    [wire]=8192 [milter]=8192 [external]=8192
)
# Dictionary per target (Tests/Fuzz/dict/<name>.dict).
declare -A DICT=(
    [mime]=mime [addresslist]=mime [rfc2047]=mime [uuencode]=mime [qp]=mime [htmllinks]=html [spamhtml]=html [htmldisarm]=html [textlinks]=url [urlnormalize]=url [urihosts]=url
    [pdflinks]=pdf [pdf]=pdf [rtf]=rtf [received]=received [zip]=zip [macro]=zip
)

targets() { echo "${FUZZ_TARGETS:-$ALL_TARGETS}" | tr ',' ' '; }

# Module sources: just the decoder files, so nothing pulls in MoatCore or NIO.
module_sources() {
    case "$1" in
    Message) ls Sources/MoatMessage/*.swift ;;
    # zlib, once; the Macro and URL modules import it.
    Compression) ls Sources/MoatCompression/*.swift ;;
    # libarchive's wrapper, once; the Macro module imports it.
    Archive) ls Sources/MoatArchive/*.swift ;;
    URL)
        local e=Sources/MoatURL/Extraction
        echo $e/ExtractedURL.swift $e/HTMLEntities.swift $e/HTMLLinkScanner.swift $e/Inflater.swift \
            $e/PDFLinkScanner.swift $e/TextLinkScanner.swift $e/URLExtractionLimits.swift Sources/MoatURL/Engine/URLEngineError.swift
        ls Sources/MoatURL/Images/*.swift Sources/MoatURL/Normalization/*.swift ;;
    Macro) ls Sources/MoatMacro/CompoundFile/*.swift Sources/MoatMacro/Formats/*.swift \
        Sources/MoatMacro/Inspection/*.swift Sources/MoatMacro/VBA/*.swift ;;
    Spam) echo Sources/MoatSpam/Relays/ReceivedParser.swift Sources/MoatSpam/Relays/Relay.swift \
        Sources/MoatSpam/Text/HTMLRendering.swift Sources/MoatSpam/Text/HTMLColor.swift \
        Sources/MoatSpam/Regex/PerlPattern.swift Sources/MoatSpam/Regex/PCRE2Pattern.swift Sources/MoatSpam/Regex/RequiredLiteral.swift \
        Sources/MoatSpam/Regex/ASCIIPattern.swift \
        Sources/MoatSpam/Evals/URIHost.swift Sources/MoatSpam/Evals/RegistryBoundaries.swift ;;
    # The parsers only: the verifier and keys need swift-crypto, which is built by SwiftPM.
    Auth) echo Sources/MoatAuth/DKIMSignature.swift Sources/MoatAuth/DKIMCanonicalizer.swift Sources/MoatAuth/SPFRecord.swift \
            Sources/MoatAuth/SPFMacro.swift Sources/MoatAuth/SPFResult.swift Sources/MoatAuth/DMARCRecord.swift \
            Sources/MoatDNS/IPAddress.swift Sources/MoatDNS/DNSRecord.swift Sources/MoatDNS/DNSRecordType.swift ;;
    # The qpdf walker (C++, compiled below) and its Swift face; the engine needs MoatCore.
    PDF) echo Sources/MoatPDF/PDFInspection.swift ;;
    HTMLDisarm) echo Sources/MoatHTMLDisarm/HTMLSanitizer.swift Sources/MoatHTMLDisarm/HTMLSmuggling.swift ;;
    Console) echo Sources/MoatConsole/FormDecoding.swift Sources/MoatConsole/ConsoleLanguage.swift ;;
    esac
}

swift_flags() {
    echo -parse-as-library -O -wmo -g -enable-testing -sanitize=fuzzer,address -swift-version 6 \
        -I "$OUT/modules" -I "$ROOT/Sources/CPNG" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CTurboJPEG" -I "$ROOT/Sources/CWebP" \
        -I "$ROOT/Sources/CZbar" -I "$ROOT/Sources/CZXingShim/include" -I "$ROOT/Sources/CQPDFShim/include" -I "$ROOT/Sources/CArchive" -I "$ROOT/Sources/CPCRE2" $(pkg-config --cflags-only-I libpng 2>/dev/null | sed 's/-I/-Xcc -I/g')
}

# True if $1 is missing or older than any of the remaining files.
stale() {
    local product="$1"; shift
    [ -e "$product" ] || return 0
    local f; for f in "$@"; do [ "$f" -nt "$product" ] && return 0; done
    return 1
}

build_module() {
    local m="$1" name="Moat$1" sources
    if [ "$m" = Macro ] || [ "$m" = URL ]; then build_module Compression || return 1; fi
    # The url and spam text scanners build strings with MoatMessage's String(encoding:).
    if [ "$m" = URL ] || [ "$m" = Spam ]; then build_module Message || return 1; fi
    if [ "$m" = Macro ]; then build_module Archive || return 1; fi
    sources=$(module_sources "$m")
    mkdir -p "$OUT/modules" "$OUT/lib"
    if [ "$m" = URL ] && stale "$OUT/lib/zxing_shim.o" "$ROOT/Sources/CZXingShim/zxing_shim.cpp"; then
        # The C face of zxing-cpp (a C++ target in SwiftPM), linked into the URL targets.
        "${CLANGXX:-clang++}" -std=c++17 -O1 -g -fsanitize=address -I "$ROOT/Sources/CZXingShim/include" \
            -c "$ROOT/Sources/CZXingShim/zxing_shim.cpp" -o "$OUT/lib/zxing_shim.o" || return 1
    fi
    if [ "$m" = PDF ] && stale "$OUT/lib/qpdf_shim.o" "$ROOT/Sources/CQPDFShim/qpdf_shim.cpp"; then
        # The C face of qpdf (a C++ target in SwiftPM), linked into the pdf target with libqpdf.
        "${CLANGXX:-clang++}" -std=c++17 -O1 -g -fsanitize=address -I "$ROOT/Sources/CQPDFShim/include" \
            -c "$ROOT/Sources/CQPDFShim/qpdf_shim.cpp" -o "$OUT/lib/qpdf_shim.o" || return 1
    fi
    # shellcheck disable=SC2086
    stale "$OUT/lib/lib$name.a" $sources || return 0
    echo "fuzz: compiling $name (instrumented)"
    # shellcheck disable=SC2086,SC2046
    "$SWIFTC" $(swift_flags) -module-name "$name" -emit-library -static -emit-module \
        -emit-module-path "$OUT/modules/$name.swiftmodule" -o "$OUT/lib/lib$name.a" $sources
}

# A target whose code needs MoatCore, and so NIO: SwiftPM builds it and its dependencies, every
# Swift module with coverage and ASan (`--sanitize=fuzzer` alone would instrument for coverage, and
# its separate `-sanitize=address` flag would replace that: hence the combined flag), in a scratch
# folder of its own. About a minute the first time on 2 cores.
build_spm_target() {
    local t="$1" product="${SPM_TARGET[$1]}" dir="$ROOT/Tests/Fuzz/SwiftPM/$1" f
    mkdir -p "$dir/Shared" "$OUT/bin"
    for f in ${SPM_ENTRIES[$t]} BlackHole.swift; do
        cmp -s "$ROOT/$ENTRIES/$f" "$dir/Shared/$f" || cp "$ROOT/$ENTRIES/$f" "$dir/Shared/$f"
    done
    echo "fuzz: building $t with SwiftPM (instrumented)"
    MOAT_FUZZ_SPM=1 swift build --package-path "$ROOT" --scratch-path "$OUT/spm" --manifest-cache local \
        --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product "$product" >"$OUT/spm-$t.log" 2>&1 ||
        { tail -n 30 "$OUT/spm-$t.log" >&2; return 1; }
    cp "$OUT/spm/debug/$product" "$OUT/bin/$t"
}

build_target() {
    local t="$1" m="${MODULE[$1]:-}"
    [ -n "$m" ] || { echo "fuzz: unknown target '$t' (try: $ALL_TARGETS)" >&2; return 1; }
    if [ "$m" = SwiftPM ]; then build_spm_target "$t"; return; fi
    build_module "$m" || return 1
    local files=("$ROOT/$TARGET_DIR/$t.swift" "$ROOT/$ENTRIES/FuzzEntries+$m.swift" "$ROOT/$ENTRIES/BlackHole.swift")
    mkdir -p "$OUT/bin" "$OUT/tmp"
    stale "$OUT/bin/$t" "${files[@]}" "$OUT/lib/libMoat$m.a" || return 0
    echo "fuzz: linking $t"
    # Linking with -g leaves the module's debug files in the working directory: use a scratch one.
    # shellcheck disable=SC2046
    local extra=()
    if [ "$m" = Macro ]; then extra=(-lMoatCompression -lMoatArchive -lz -larchive); fi
    if [ "$m" = URL ]; then extra=(-lMoatCompression -lMoatMessage -lz "$OUT/lib/zxing_shim.o" -lZXing -lstdc++); fi
    if [ "$m" = Spam ]; then extra=(-lMoatMessage); fi
    if [ "$m" = PDF ]; then extra=("$OUT/lib/qpdf_shim.o" -lqpdf -lstdc++); fi
    (cd "$OUT/tmp" && "$SWIFTC" $(swift_flags) -module-name "Fuzz_$t" "${files[@]}" \
        -L "$OUT/lib" -lMoat$m "${extra[@]}" -use-ld=lld -o "$OUT/bin/$t")
}

build_all() {
    local t; for t in $(targets); do build_target "$t" || { echo "fuzz: BUILD FAILED for target $t" >&2; return 1; }; done
}

# Links up to $3 corpus files (size <= max length) matching find expression into seed dir $2.
pick() {
    local dir="$1" count="$2" maxlen="$3"; shift 3
    [ -d "$CORPUS_ROOT" ] || return 0
    find "$CORPUS_ROOT" -type f -size -"$((maxlen / 1024 + 1))"k "$@" 2>/dev/null | sort | head -n "$count" |
        while read -r f; do ln -sf "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"; done
}

# Header lines carved out of messages (for targets that read one header value).
carve_headers() {
    local dir="$1" pattern="$2" count="$3"
    [ -d "$CORPUS_ROOT" ] || return 0
    local n=0 f
    find "$CORPUS_ROOT/spamassassin" "$CORPUS_ROOT/mime" -type f -size -64k 2>/dev/null | sort | head -n 400 |
        while read -r f; do
            awk -v pat="$pattern" 'BEGIN{IGNORECASE=1} /^$/{exit} /^[ \t]/{ if (keep) cur = cur " " $0; next }
                { if (keep) print cur; keep = ($0 ~ pat); cur = $0; sub(/^[^:]*:[ \t]*/, "", cur) }
                END { if (keep) print cur }' "$f" 2>/dev/null
        done | sort -u | head -n "$count" | while IFS= read -r line; do
            n=$((n + 1)); printf '%s' "$line" >"$dir/h$(printf '%s' "$line" | md5sum | cut -c1-16)"
        done
}

seeds() {
    local t="$1" dir="$OUT/seeds/$1" max="${MAXLEN[$1]}"
    [ -d "$dir" ] && return 0
    mkdir -p "$dir"
    case "$t" in
    mime|charsets|uuencode|qp|base64|textlinks)
        pick "$dir" 300 "$max" -path '*/mime/*'
        pick "$dir" 100 "$max" -path '*/spamassassin/*' -name '0*' ;;
    rfc2047) carve_headers "$dir" '^(subject|from|to|content-type|content-disposition):' 300 ;;
    received) carve_headers "$dir" '^received:' 400 ;;
    asciipattern)
        # Body rules' patterns as the stock rule files write them (between the slashes).
        sed -n 's|^[[:space:]]*body[[:space:]]\{1,\}[A-Z_0-9]\{1,\}[[:space:]]\{1,\}/\(.*\)/[a-z]*[[:space:]]*$|\1|p' /usr/share/spamassassin/*.cf 2>/dev/null |
            sort -u | head -n 400 | while IFS= read -r line; do printf '%s' "$line" >"$dir/p$(printf '%s' "$line" | md5sum | cut -c1-16)"; done ;;
    dkim) carve_headers "$dir" '^(dkim-signature|subject|from):' 300 ;;
    authrecords)
        # SPF records of the RFC 7208 suite, and DMARC records.
        grep -o '"v=spf1[^"]*"' "$ROOT/Tests/MoatAuthTests/Fixtures/rfc7208-tests.json" | tr -d '"' | sort -u |
            while IFS= read -r line; do printf '%s' "$line" >"$dir/s$(printf '%s' "$line" | md5sum | cut -c1-16)"; done
        printf 'v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r' >"$dir/dmarc1"
        printf 'v=DMARC1; rua=mailto:x@example.org' >"$dir/dmarc2" ;;
    urlnormalize|urihosts) carve_headers "$dir" 'https?://' 400 ;;
    htmllinks|spamhtml|htmldisarm)
        pick "$dir" 200 "$max" -path '*/phishing/*'
        pick "$dir" 100 "$max" -path '*/spamassassin/*' -path '*spam*' ;;
    pdflinks) pick "$dir" 10 "$max" -iname '*.pdf' ;;
    consoleform)
        printf 'csrf=abc&token=t%%2Bk+1&name=ops' >"$dir/form"
        printf 'since=2026-12-01T10%%3A00&subject=%%3Cscript%%3E&page=2' >"$dir/query"
        printf 'moat_session=x; moat_lang=ja; a=b=c' >"$dir/cookie"
        printf 'ja-JP,ja;q=0.9,en;q=0.8' >"$dir/language" ;;
    gif|image|qr) pick "$dir" 200 "$max" -path '*/qr/*' \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.webp' -o -iname '*.gif' \) ;;
    cfb|biff|powerpoint|vba|macro|zip|rtf)
        pick "$dir" 150 "$max" -path '*/macros/*' ! -name '*.txt' ! -name '*.tsv' ! -name '*.md' ;;
    esac
}

fuzz_args() {
    local t="$1" dict="${DICT[$1]:-}"
    local args=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=0 -max_len="${MAXLEN[$t]}"
        -artifact_prefix="$OUT/crashes/$t/" -print_final_stats=1)
    [ -n "$dict" ] && args+=(-dict="$ROOT/Tests/Fuzz/dict/$dict.dict")
    echo "${args[@]}"
}

# Prints the crash inputs of target $1 and how to reproduce them; returns 1 if there are any.
report_crashes() {
    local t="$1" found=0 f
    for f in "$OUT/crashes/$t"/*; do
        [ -f "$f" ] || continue
        found=1
        echo "FUZZ FAILURE: target '$t' crashed, hung or ran out of memory on input $f"
        echo "  reproduce: $OUT/bin/$t $f"
        echo "  minimise:  Tests/Fuzz/fuzz.sh minimize $t $f"
        echo "  then commit the minimised input under $REGRESSIONS/$t/, fix the decoder and delete $f"
    done
    return $found
}

# Runs one target for $2 seconds; fails on any crash input.
fuzz_one() {
    local t="$1" seconds="$2" log="$OUT/logs/$1.log"
    mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t" "$OUT/logs" "$REGRESSIONS/$t" "Tests/Fuzz/seeds/$t"
    seeds "$t"
    local corpora=("$OUT/corpus/$t" "$OUT/seeds/$t" "$ROOT/Tests/Fuzz/seeds/$t" "$ROOT/$REGRESSIONS/$t")
    # shellcheck disable=SC2046
    local parallel=()
    # -jobs > 1 forks workers that write fuzz-N.log into the current directory: keep those in logs/.
    [ "$FUZZ_JOBS" -gt 1 ] && parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    (cd "$OUT/logs" && "$OUT/bin/$t" $(fuzz_args "$t") -max_total_time="$seconds" ${parallel[@]+"${parallel[@]}"} \
        "${corpora[@]}") >"$log" 2>&1
    local rc=$?
    local stats
    stats=$(grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$log" |
        sed 's/stat:://' | tr '\n' ' ')
    local crashes; crashes=$(find "$OUT/crashes/$t" -type f | wc -l)
    echo "fuzz: $t ${seconds}s rc=$rc corpus=$(ls "$OUT/corpus/$t" | wc -l) crashes=$crashes $stats"
    # One line per run for bench/fuzz/campaign.sh: target, seconds, executions, exec/s, corpus, crash files, rc.
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" \
        "$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')" \
        "$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')" \
        "$(ls "$OUT/corpus/$t" | wc -l)" "$crashes" "$rc" >>"$OUT/stats.tsv"
    if ! report_crashes "$t" || [ $rc -ne 0 ]; then
        [ $rc -ne 0 ] && { echo "  libFuzzer exited $rc; log: $log"; grep -m5 -E "ERROR|SUMMARY|Fatal error|deadly" "$log" | sed 's/^/  /'; }
        return 1
    fi
}

# Every committed regression input, once, through the instrumented target.
replay() {
    local t failed=0 f
    for t in $(targets); do
        for f in "$REGRESSIONS/$t"/*; do
            [ -f "$f" ] || continue
            if ! "$OUT/bin/$t" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 "$f" >"$OUT/logs/replay-$t.log" 2>&1; then
                echo "FUZZ FAILURE: regression input $f fails target '$t' again (log: $OUT/logs/replay-$t.log)"
                failed=1
            fi
        done
    done
    return $failed
}

cmd="${1:-run}"
case "$cmd" in
list) echo $ALL_TARGETS ;;
build) build_all ;;
replay) build_all && mkdir -p "$OUT/logs" && replay ;;
run|smoke)
    build_all || exit 1
    mkdir -p "$OUT/logs"
    seconds=$FUZZ_SECONDS; [ "$cmd" = smoke ] && seconds=$FUZZ_SMOKE_SECONDS
    failed=""
    replay || failed="regressions"
    for t in $(targets); do fuzz_one "$t" "$seconds" || failed="$failed $t"; done
    if [ -n "$failed" ]; then echo "fuzz: FAILED:$failed (crash inputs under $OUT/crashes/<target>/)"; exit 1; fi
    echo "fuzz: all targets clean" ;;
minimize)
    t="${2:?target}"; input="${3:?crash input}"
    build_target "$t" || exit 1
    mkdir -p "$OUT/minimized/$t"
    "$OUT/bin/$t" -minimize_crash=1 -runs=20000 -timeout=10 -detect_leaks=0 \
        -exact_artifact_path="$OUT/minimized/$t/$(basename "$input")" "$input"
    echo "fuzz: minimised input: $OUT/minimized/$t/$(basename "$input")" ;;
*) echo "usage: $0 {build|run|smoke|replay|minimize TARGET FILE|list}" >&2; exit 2 ;;
esac
