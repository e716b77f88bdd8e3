#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package and checks it: the release build of the two executables and of
# what the package installs beside them (manual pages, completions, changelog: target
# parafetch_docs), cpack -G DEB, then lintian on the .deb (its whole output printed) and
# appstreamcli on the AppStream metadata inside it. Fails on a lintian error or warning.
# Usage: scripts/package.sh        -> build/release/parafetch_VERSION-REVISION_ARCH.deb
# Install it with: apt install ./build/release/parafetch_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

parafetch_install_missing lintian appstream
cmake --preset release >/dev/null
cmake --build --preset release --parallel "$(nproc)" --target parafetch parafetch-window parafetch_docs

cd build/release
rm -f parafetch_*.deb
cpack -G DEB
deb=$(ls parafetch_*.deb)

echo "lintian $deb:"
status=0
# Info and pedantic tags shown too. lintian warns when run as root: not about the package.
report=$(lintian --display-info --pedantic --fail-on error,warning "$deb" 2>&1) || status=$?
grep -v '^running with root privileges is not recommended!$' <<<"$report" || true
[ "$status" -eq 0 ] && echo "lintian: no errors or warnings"
echo "overridden (resources/debian/lintian-overrides):"
grep -v -e '^#' -e '^$' ../../resources/debian/lintian-overrides | sed 's/^/  /'

contents=$(mktemp -d)
trap 'rm -rf "$contents"' EXIT
dpkg-deb -x "$deb" "$contents"
appstreamcli validate --no-net "$contents"/usr/share/metainfo/*.metainfo.xml || status=1

echo "package: build/release/$deb"
exit "$status"
