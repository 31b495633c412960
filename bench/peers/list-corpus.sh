#!/usr/bin/env bash
# Prints the realpath of every message of each CORPUS, one a line, in the order `moat bench accuracy`
# reads them; the rules mirror CorpusLoader in Sources/MoatBench/Corpus.swift:
#   - a file is a manifest: `path<TAB>label[<TAB>...]`, paths relative to the manifest's folder,
#     blank and `#` lines skipped, a first line whose label is not a class skipped (a header);
#   - a folder of class folders (ham, spam, malware, phishing; easy_ham, easy_ham_2, hard_ham = ham;
#     spam_2 = spam), each searched recursively;
#   - else a folder that is itself named like a class.
# Inside class folders, names starting with `.`, `cmds`, README*, SOURCE*, *.tsv and *.md are skipped;
# symbolic links to folders are not followed and another file system is not entered.
#
#   list-corpus.sh CORPUS... >list.txt
set -euo pipefail
export LC_ALL=C
[ $# -ge 1 ] || { echo "usage: $0 CORPUS..." >&2; exit 2; }
CLASSES='ham|easy_ham|easy_ham_2|hard_ham|spam|spam_2|malware|phishing'
is_class() { [[ $1 =~ ^($CLASSES)$ ]]; }
fail() { echo "$1" >&2; exit 1; }

# Files below a class folder, sorted as Swift sorts the paths.
files_under() {
    [ -e "$1" ] || return 0
    find "$1" -xdev -mindepth 1 ! -xtype d ! -xtype l ! -name '.*' ! -name cmds ! -name 'README*' \
        ! -name 'SOURCE*' ! -name '*.tsv' ! -name '*.md' -print | sort
}

folder() {
    local dir=${1%/} child files=""
    [ -n "$dir" ] || dir=/
    for child in easy_ham easy_ham_2 hard_ham ham malware phishing spam spam_2; do  # sorted, as moat reads them
        files+=$(files_under "$dir/$child")$'\n'
    done
    files=$(grep . <<<"$files" || true)
    if [ -z "$files" ] && is_class "$(basename -- "$dir")"; then files=$(files_under "$dir"); fi
    [ -n "$files" ] || fail "$1: no class folders (${CLASSES//|/, }) with messages"
    printf '%s\n' "$files"
}

manifest() {
    local base path
    base=$(dirname -- "$1")
    awk -F'\t' -v file="$1" -v classes="^($CLASSES)\$" '
        function trim(s) { gsub(/^[[:space:]]+|[[:space:]]+$/, "", s); return s }
        trim($0) == "" || trim($0) ~ /^#/ { next }
        NF < 2 { printf "%s:%d: expected path<TAB>label\n", file, NR > "/dev/stderr"; exit 1 }
        tolower(trim($2)) !~ classes {
            if (NR == 1) next
            printf "%s:%d: unknown label \047%s\047\n", file, NR, trim($2) > "/dev/stderr"; exit 1
        }
        { print trim($1) }' "$1" |
    while IFS= read -r path; do
        [[ $path == /* ]] || path=$base/$path
        printf '%s\n' "$path"
    done
}

for corpus in "$@"; do
    if [ -d "$corpus" ]; then folder "$corpus"
    elif [ -e "$corpus" ]; then manifest "$corpus"
    else fail "$corpus: no such file or directory"
    fi | xargs -d '\n' -r realpath -m --
done
