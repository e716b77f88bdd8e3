#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The habits CI enforces: every C++ file formatted by .clang-format, and clang-tidy (.clang-tidy)
# clean on core/, ui/ and app/. Uses the dev build's compile_commands.json (builds it if missing).
# Usage: scripts/lint.sh [format|tidy]   (both by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

what=${1:-all}
parafetch_install_missing clang-format clang-tidy
status=0

if [ "$what" = all ] || [ "$what" = format ]; then
    mapfile -t sources < <(git ls-files '*.cpp' '*.h')
    if ! clang-format --dry-run --Werror "${sources[@]}"; then
        echo "lint: the files above differ from .clang-format; run: git clang-format (or clang-format -i FILE)" >&2
        status=1
    else
        echo "lint: format clean (${#sources[@]} files)"
    fi
fi

if [ "$what" = all ] || [ "$what" = tidy ]; then
    [ -f build/dev/compile_commands.json ] || parafetch_build dev
    # AUTOMOC's generated sources must exist for the headers they include.
    cmake --build --preset dev --parallel "$(nproc)" >/dev/null
    if ! run-clang-tidy -quiet -p build/dev -j "$(nproc)" "$PWD/(core|ui|app)/.*\\.cpp\$" \
        >build/dev/clang-tidy.log 2>&1; then
        grep -E "(warning|error):" build/dev/clang-tidy.log | sort -u >&2 || cat build/dev/clang-tidy.log >&2
        echo "lint: clang-tidy found the problems above (.clang-tidy says which checks run)" >&2
        status=1
    else
        echo "lint: clang-tidy clean"
    fi
fi
exit $status
