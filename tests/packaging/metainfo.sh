#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The AppStream metadata the package installs validates (appstreamcli, no network), and what it
# names is there: each screenshot under resources/screenshots, the desktop file it launches with
# the icon it names, the release of this version.
# Exits 77 (skipped) without appstreamcli (Debian: appstream).
# Usage: metainfo.sh METAINFO SOURCE_DIR VERSION
set -uo pipefail

metainfo=$1 source_dir=$2 version=$3
command -v appstreamcli >/dev/null 2>&1 || {
    echo "SKIP: appstreamcli is missing (Debian: appstream)"
    exit 77
}
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

if appstreamcli validate --no-net --explain "$metainfo"; then
    echo "PASS: appstreamcli validate --no-net"
else
    fail "appstreamcli validate --no-net"
fi

screenshots=$(grep -oE '<image[^>]*>[^<]+' "$metainfo" | sed 's/.*>//')
[ -n "$screenshots" ] || fail "no screenshots"
for url in $screenshots; do
    path=${url#*/resources/screenshots/}
    [ "$path" != "$url" ] && [ -f "$source_dir/resources/screenshots/$path" ] \
        || fail "screenshot $url names no file in resources/screenshots"
done

desktop_id=$(sed -n 's|.*<launchable type="desktop-id">\(.*\)</launchable>.*|\1|p' "$metainfo")
desktop_file=$source_dir/resources/$desktop_id
if [ -z "$desktop_id" ] || [ ! -f "$desktop_file" ]; then
    fail "the launchable '$desktop_id' is not a desktop file in resources/"
else
    icon=$(sed -n 's|.*<icon type="stock">\(.*\)</icon>.*|\1|p' "$metainfo")
    grep -qx "Icon=$icon" "$desktop_file" || fail "the icon '$icon' is not the desktop file's"
    [ -f "$source_dir/resources/icons/$icon.svg" ] || fail "no resources/icons/$icon.svg"
fi

grep -q "<release version=\"$version\" date=\"[0-9-]*\"" "$metainfo" \
    || fail "no release $version with a date"

if [ "$failures" -gt 0 ]; then
    echo "$failures failed"
    exit 1
fi
echo "PASS: the screenshots, the desktop file, its icon and release $version are there"
