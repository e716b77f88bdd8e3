#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the README's pictures of the real window: resources/screenshots/
# window-{1366x768,1920x1080}-{running,done}.png, the whole screen (Xvfb with openbox) while
# `parafetch --demo` runs and once it has finished, the window at the size it opens with.
# Usage: scripts/screenshots.sh [PATH_TO_PARAFETCH]   (build/dev/app/parafetch by default)
# Needs Xvfb, openbox, xdotool, xclip, ImageMagick and x11-utils (scripts/setup.sh installs them).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
parafetch=${1:-build/dev/app/parafetch}
if [ ! -x "$parafetch" ]; then
    echo "usage: $0 [PATH_TO_PARAFETCH] (build it first: cmake --preset dev && cmake --build --preset dev)" >&2
    exit 2
fi
parafetch=$(cd "$(dirname "$parafetch")" && pwd)/$(basename "$parafetch")

source tests/scenario/realwindow/xsession.sh
if missing=$(xsession_missing_tool); then
    echo "error: $missing is missing (Debian packages: $xsession_packages)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/parafetch-screenshots.XXXXXX")
trap 'xsession_stop; rm -rf "$work"' EXIT
fatal() {
    echo "error: $*" >&2
    exit 1
}

# The demo's 60 URLs take about two seconds at the default 16 workers. Nothing is typed into
# the window (Copy Summary would put its note in the status bar): the bodies are saved to a
# folder of the script's, and the saved files tell how far the run is. "Running" is a moment
# with 20 or more of its 57 bodies saved and still some to come when the grab starts (the
# retried failures keep the run going a second longer); a machine too slow or too fast to be
# caught there is tried again.
MaxAttempts=5
RunningFrom=20

saved_count() { find "$work/out" -type f ! -name '*.part' | wc -l; }

# The summary dock (the right quarter of the window's top half) no longer changes: the run is
# over and its last figures are painted. Three equal grabs about half a second apart span several 10 Hz
# refreshes; the blinking text cursor of the URL box is outside the grabbed part.
summary_still=0
summary_last=""
summary_settled() {
    local x y w h
    eval "$(xdotool getwindowgeometry --shell "$window")"
    x=$((X + WIDTH * 3 / 4)) y=$Y w=$((WIDTH / 4)) h=$((HEIGHT / 2))
    local sum
    sum=$(import -window root -crop "${w}x${h}+${x}+${y}" rgb:- 2>/dev/null | md5sum)
    if [ "$sum" = "$summary_last" ]; then summary_still=$((summary_still + 1)); else summary_still=0; fi
    summary_last=$sum
    [ "$summary_still" -ge 2 ] && ! ls "$work/out"/*.part >/dev/null 2>&1 && return 0
    sleep 0.3
    return 1
}

# shoot WIDTH HEIGHT: both pictures at one screen size; false if the moment was missed.
shoot() {
    local width=$1 height=$2
    local name=$repo/resources/screenshots/window-${width}x${height}
    rm -rf "$work/out" "$work/config" "$work/data"
    mkdir -p "$work/out" "$work/config/Parafetch"
    printf '[fetch]\noutputDirectory=%s\n' "$work/out" >"$work/config/Parafetch/parafetch.conf"
    xsession_start "$width" "$height"
    start_app --demo
    mid_run() { [ "$(saved_count)" -ge $RunningFrom ]; }
    wait_until 60 "$RunningFrom files saved" mid_run || fatal "the demo run saved nothing at ${width}x${height} (see $work/app-$session.log)"
    local caught
    caught=$(saved_count)
    import -window root "$work/running.png"
    summary_still=0
    summary_last=""
    wait_until 60 "the demo run to end" summary_settled || fatal "the demo run did not end at ${width}x${height}"
    import -window root "$work/done.png"
    xsession_stop
    [ "$caught" -lt "$(saved_count)" ] || return 1
    mv "$work/running.png" "$name-running.png"
    mv "$work/done.png" "$name-done.png"
    echo "$name-running.png ($caught files saved)"
    echo "$name-done.png ($(saved_count) files saved)"
}

for size in "1366 768" "1920 1080"; do
    attempt=1
    until shoot $size; do
        attempt=$((attempt + 1))
        [ $attempt -le $MaxAttempts ] || fatal "the demo run was never caught mid-way at ${size/ /x}"
        echo "missed the middle of the run at ${size/ /x}; again ($attempt of $MaxAttempts)"
    done
done

# The README's close-up of the summary, its histogram and the throughput graph: the right-hand
# docks of the finished run at 1920×1080, where the window opens at 1280 px wide in the middle.
convert "$repo/resources/screenshots/window-1920x1080-done.png" -crop 340x520+1393+172 +repage \
    "$repo/resources/screenshots/summary-throughput.png" || fatal "could not crop the summary"
echo "$repo/resources/screenshots/summary-throughput.png"
