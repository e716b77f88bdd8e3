# SPDX-License-Identifier: GPL-3.0-or-later
# A virtual screen with a window manager, and a person's hands on the Parafetch window: shared
# by tests/scenario/realwindow/realwindow.sh and scripts/screenshots.sh. Sourced, not run.
#
# The sourcing script sets $parafetch (the executable) and $work (a folder of its own), and
# defines fatal MESSAGE (report and exit). It calls xsession_start WIDTH HEIGHT first and
# xsession_stop on exit.

xsession_tools=(Xvfb openbox xdotool xclip import xprop)
xsession_packages="xvfb openbox xdotool xclip imagemagick x11-utils"

# Prints the first missing tool; false when none is missing.
xsession_missing_tool() {
    local tool
    for tool in "${xsession_tools[@]}"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$tool"
            return 0
        fi
    done
    return 1
}

xvfb_pid=""
wm_pid=""
app_pid=""
window=""
session=0

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_until() {
    local seconds=$1 description=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "timed out after ${seconds}s waiting for: $description"
            return 1
        fi
        sleep 0.1
    done
}

# xsession_start WIDTH HEIGHT: Xvfb and openbox, and a HOME of its own under $work, so no
# setting, last list or run journal of the person running this is read or changed.
xsession_start() {
    mkdir -p "$work/home" "$work/config/Parafetch" "$work/data" "$work/cache" "$work/runtime"
    chmod 700 "$work/runtime"
    rm -f "$work/display"
    Xvfb -displayfd 3 -screen 0 "${1}x${2}x24" -noreset -nolisten tcp 3>"$work/display" \
        >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    wait_until 20 "Xvfb to name its display" test -s "$work/display" \
        || fatal "Xvfb did not start (see $work/xvfb.log)"
    export DISPLAY=":$(head -n 1 "$work/display")"

    export HOME=$work/home
    export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
    export XDG_RUNTIME_DIR=$work/runtime
    export QT_QPA_PLATFORM=xcb LANG=C.UTF-8 LC_ALL=C.UTF-8
    export QT_NO_PROXY=1 no_proxy='*' NO_PROXY='*'
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY QT_QPA_PLATFORMTHEME QT_SCALE_FACTOR \
        QT_SCREEN_SCALE_FACTORS QT_AUTO_SCREEN_SCALE_FACTOR

    openbox --sm-disable >"$work/openbox.log" 2>&1 &
    wm_pid=$!
    wm_ready() { xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id'; }
    wait_until 20 "openbox to manage the screen" wm_ready \
        || fatal "openbox did not start (see $work/openbox.log)"
}

xsession_stop() {
    local pid
    for pid in "$app_pid" "$wm_pid" "$xvfb_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    for pid in "$app_pid" "$wm_pid" "$xvfb_pid"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null
    done
    app_pid=""
    wm_pid=""
    xvfb_pid=""
}

# start_app [ARGUMENT...]: starts Parafetch and waits until its window has the focus.
start_app() {
    session=$((session + 1))
    "$parafetch" "$@" >"$work/app-$session.log" 2>&1 &
    app_pid=$!
    find_window() {
        window=$(xdotool search --all --onlyvisible --pid "$app_pid" --name '^Parafetch$' 2>/dev/null | head -n 1)
        [ -n "$window" ]
    }
    wait_until 30 "the Parafetch window" find_window || fatal "no Parafetch window (see $work/app-$session.log)"
    timeout 5 xdotool windowactivate --sync "$window" 2>/dev/null
    wait_until 10 "the window to have the focus" focused || fatal "the Parafetch window never got the focus"
}

focused() { [ "$(xdotool getactivewindow 2>/dev/null)" = "$window" ]; }

# keys KEY...: typed into the main window, as a person types them. (An activation is given 5 s:
# xdotool's --sync waits for ever on a window that a modal dialog keeps from the focus.)
keys() {
    focused || timeout 5 xdotool windowactivate --sync "$window" 2>/dev/null
    xdotool key --clearmodifiers --delay 60 "$@"
}

app_gone() { ! kill -0 "$app_pid" 2>/dev/null; }

# The clipboard as text; xclip serves it until the window takes it over.
clipboard_set() { xclip -selection clipboard -i "$1" >/dev/null 2>&1; }
clipboard_get() { xclip -selection clipboard -o 2>/dev/null; }

# Edit > Copy Summary (Ctrl+Shift+C), read back from the clipboard into $total $succeeded
# $failed $cancelled. The clipboard first holds a marker, so an old summary is never read.
summary=""
read_summary() {
    echo "(waiting for the summary)" >"$work/marker"
    clipboard_set "$work/marker"
    keys ctrl+shift+c
    copied() {
        summary=$(clipboard_get | sed -n 's/^URLs: \([0-9]*\), succeeded \([0-9]*\), failed \([0-9]*\), cancelled \([0-9]*\)$/\1 \2 \3 \4/p')
        [ -n "$summary" ]
    }
    wait_until 10 "Copy Summary to fill the clipboard" copied || fatal "Edit > Copy Summary put no summary on the clipboard"
    read -r total succeeded failed cancelled <<<"$summary"
}

# until_summary SECONDS DESCRIPTION TEST: reads the summary until the shell test holds.
until_summary() {
    local seconds=$1 description=$2 test=$3
    probe() {
        read_summary
        eval "$test"
    }
    wait_until "$seconds" "$description" probe
}

file_size() { stat -c %s "$1" 2>/dev/null || echo -1; }
