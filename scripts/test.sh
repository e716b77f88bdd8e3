#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what is missing, builds, and runs every test with CTest.
# Usage: scripts/test.sh [PRESET]   (dev by default; also release, asan, and tsan, which builds
# and runs only the engine and scenario tests under ThreadSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

preset=${1:-dev}
parafetch_install_missing
parafetch_build "$preset"
ctest --preset "$preset" --parallel "$(nproc)"
