#!/usr/bin/env bash
# Installs what is missing, builds, and starts Parafetch. With no arguments it runs the
# offline demo; any arguments are passed to parafetch (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

parafetch_install_missing
parafetch_build release >/dev/null
if [ $# -eq 0 ]; then
    # The demo list holds deliberate 404s and 500s, so exit code 1 is its normal ending.
    status=0
    build/release/app/parafetch --headless --demo || status=$?
    [ "$status" -le 1 ] && exit 0
    exit "$status"
fi
exec build/release/app/parafetch "$@"
