#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and starts Parafetch. With no arguments it opens the
# window on the offline demo (or, without a display, runs the demo headless); any arguments
# are passed to parafetch (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

parafetch_install_missing
parafetch_build release >/dev/null
parafetch=build/release/app/parafetch
if [ $# -gt 0 ]; then
    exec "$parafetch" "$@"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec "$parafetch" --demo
fi
echo "No display: running the demo headless. (With a display, this opens the window.)"
# The demo list holds deliberate 404s and 500s, so exit code 1 is its normal ending.
status=0
"$parafetch" --headless --demo || status=$?
[ "$status" -le 1 ] && exit 0
exit "$status"
