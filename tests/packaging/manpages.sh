#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The generated manual pages render without a warning (groff -ww, and man as lintian runs it),
# and they and the bash completion name every option that --help names, and no other.
# Exits 77 (skipped) without groff.
# Usage: manpages.sh PARAFETCH BASH_COMPLETION PAGE...
set -uo pipefail

parafetch=$1 completion=$2
shift 2
command -v groff >/dev/null 2>&1 || {
    echo "SKIP: groff is missing (Debian: groff-base)"
    exit 77
}
export LC_ALL=C.UTF-8
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# The options --help lists: "  -j, --jobs <N>  …" gives -j and --jobs.
help_options=$("$parafetch" --help | grep -oE '^  (-[^ ,]+, )?--[^ ]+' | tr -d ',' | tr ' ' '\n' \
    | grep -v '^$' | sort -u)
[ -n "$help_options" ] || fail "no options found in parafetch --help"

for page in "$@"; do
    name=$(basename "$page")
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$warnings" ] || fail "$name: groff -ww: $warnings"
    if command -v man >/dev/null 2>&1; then
        # As lintian's manual page check runs it.
        warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
        [ -z "$warnings" ] || fail "$name: man --warnings: $warnings"
    fi
    rendered=$(groff -man -Tutf8 -P-cbou "$page" 2>/dev/null) # plain text: no bold, no underline
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS; do
        grep -q "^$section" <<<"$rendered" || fail "$name: no $section section"
    done
    # The option paragraphs' tags: "\fB\-j\fR, \fB\-\-jobs\fR \fIN\fR".
    page_options=$(grep -A1 '^\.TP' "$page" | grep -oE '\\fB(\\-)+([^\\]|\\-)+' | sed -e 's/^\\fB//' \
        -e 's/\\-/-/g' | sort -u)
    if [ "$page_options" != "$help_options" ]; then
        fail "$name: its options differ from --help's:"
        diff <(echo "$help_options") <(echo "$page_options") | sed 's/^/    /'
    else
        echo "PASS: $name renders cleanly and lists the $(wc -l <<<"$page_options") option names of --help"
    fi
done

completion_options=$(grep -oE "compgen -W '-[^']*'" "$completion" | sed -e "s/^compgen -W '//" \
    -e "s/'$//" | tr ' ' '\n' | sort -u)
if [ "$completion_options" != "$help_options" ]; then
    fail "the bash completion's options differ from --help's:"
    diff <(echo "$help_options") <(echo "$completion_options") | sed 's/^/    /'
else
    echo "PASS: the bash completion offers the option names of --help"
fi

if [ "$failures" -gt 0 ]; then
    echo "$failures failed"
    exit 1
fi
