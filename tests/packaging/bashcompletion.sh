#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The generated bash completion answers as bash asks it: sourced into a clean bash, _parafetch is
# called with COMP_WORDS and COMP_CWORD set, as bash sets them on Tab, in a folder of known files.
# Usage: bashcompletion.sh COMPLETION_FILE
set -uo pipefail

completion=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
touch run.json report.txt old.csv trace.har notes.txt urls.txt 'with space.json'
mkdir exports

# shellcheck source=/dev/null
source "$completion" || {
    echo "FAIL: cannot source $completion"
    exit 1
}
failures=0

# expect 'TITLE' 'EXPECTED…' -- WORD…: completes the last WORD (the cursor's) of the command line.
expect() {
    local title=$1 expected=()
    shift
    while [ "$1" != -- ]; do
        expected+=("$1")
        shift
    done
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _parafetch parafetch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd' ')
    local want
    want=$(printf '%s\n' "${expected[@]}" | sort | paste -sd' ')
    if [ "$got" = "$want" ]; then
        echo "PASS: $title"
    else
        echo "FAIL: $title"
        echo "  expected: $want"
        echo "  got:      $got"
        failures=$((failures + 1))
    fi
}

complete -p parafetch >/dev/null 2>&1 || {
    echo "FAIL: no completion registered for parafetch"
    failures=$((failures + 1))
}
complete -p parafetch-window >/dev/null 2>&1 || {
    echo "FAIL: no completion registered for parafetch-window"
    failures=$((failures + 1))
}

expect "--he offers every option that begins so" \
    --head --header --headless --help -- parafetch --he
expect "--hel completes to --help" --help -- parafetch --hel
expect "--headl completes to --headless" --headless -- parafetch --headl
expect "--exp completes to --export" --export -- parafetch --headless --exp
expect "--qu completes to --quiet" --quiet -- parafetch --qu
expect "a hidden option is not offered" -- parafetch --screenshot-s
expect "-i offers every file and folder" \
    exports notes.txt old.csv report.txt run.json trace.har urls.txt 'with space.json' -- parafetch -i ''
expect "--input offers the files that begin with the word" \
    urls.txt -- parafetch --headless --input u
expect "--export offers .json, .csv and .har files and folders" \
    exports old.csv run.json trace.har 'with space.json' -- parafetch --export ''
expect "--export=VALUE, split at the = as bash does" \
    run.json -- parafetch --export = r
expect "--what-if offers .json files and folders" \
    exports run.json 'with space.json' -- parafetch --what-if ''
expect "--timeline offers .csv files and folders" \
    exports old.csv -- parafetch --headless --timeline ''
expect "-o offers folders only" exports -- parafetch -o ''
expect "--if-exists offers its policies" overwrite rename skip -- parafetch --if-exists ''
expect "--if-exists completes a policy" skip -- parafetch --if-exists s
expect "-j takes a number: nothing offered" -- parafetch -j ''
expect "--fail-if takes a rule: nothing offered" -- parafetch --fail-if ''
expect "a flag's next word is a URL or a list file" \
    exports notes.txt old.csv report.txt run.json trace.har urls.txt 'with space.json' -- parafetch --headless ''
expect "after a value, options again" --timeline --timeout -- parafetch -j 4 --tim

if [ "$failures" -gt 0 ]; then
    echo "$failures failed"
    exit 1
fi
echo "all passed"
