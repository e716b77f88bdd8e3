#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The real window driven as a person drives it: Xvfb (1366x768) with openbox, xdotool for the
# keyboard, xclip for the clipboard, a loopback demo server, and a temporary HOME.
#
# Run 1: paste a list, Add, Start, Pause, Resume, Retry Failed, export CSV through the file
#        dialog, check the CSV and the saved files, close.
# Run 2: close mid-run (answering the quit question if there is one), start again and restore
#        what the window offers (the last list, or the run kept with its partial files), kill -9
#        mid-run, start again and restore the journaled run; then exactly one file per successful
#        URL, no "name (1)" copies, no .part left, every body intact.
#
# Usage: tests/scenario/realwindow/realwindow.sh PATH_TO_PARAFETCH
# Exit: 0 passed, 1 failed (screenshots and logs are kept and their folder printed), 77 skipped
# (a tool is missing), 2 bad usage.
# State is read as a person reads it: Edit > Copy Summary into the clipboard, the export, and
# the files in the output folder. Waits poll with a deadline; no sleep is a proof of anything.
set -uo pipefail

parafetch=${1:-}
if [ -z "$parafetch" ] || [ ! -x "$parafetch" ]; then
    echo "usage: $0 PATH_TO_PARAFETCH" >&2
    exit 2
fi
parafetch=$(cd "$(dirname "$parafetch")" && pwd)/$(basename "$parafetch")

source "$(dirname "${BASH_SOURCE[0]}")/xsession.sh"
if missing=$(xsession_missing_tool); then
    echo "SKIP: $missing is missing (Debian packages: $xsession_packages)"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/parafetch-realwindow.XXXXXX")
shots=$work/screenshots
out=$work/downloads
mkdir -p "$shots" "$out"

server_pid=""
failures=()
step=0

cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    xsession_stop
    if [ ${#failures[@]} -eq 0 ] && [ -z "${PARAFETCH_KEEP_REALWINDOW:-}" ]; then
        rm -rf "$work"
    else
        echo "Screenshots: $shots"
        echo "Logs, downloads and exports: $work"
    fi
}
trap cleanup EXIT

say() { echo "-- $*"; }

shot() {
    step=$((step + 1))
    import -window root "$shots/$(printf '%02d' "$step")-$1.png" 2>/dev/null
}

# A broken promise: noted, the run goes on so that one run shows every broken one.
check_failed() {
    failures+=("$*")
    echo "FAIL: $*" | tee -a "$work/failures.txt"
    shot "fail"
}

# Nothing after this step can be tried.
fatal() {
    failures+=("$*")
    echo "FAIL: $*" | tee -a "$work/failures.txt"
    shot "fatal"
    echo "Failed checks:"
    printf '  - %s\n' "${failures[@]}"
    exit 1
}

# --- the display, the window manager, the server ------------------------------------------

say "Xvfb 1366x768 with openbox"
xsession_start 1366 768

say "demo server on 127.0.0.1"
"$parafetch" --demo-server --port 0 >"$work/server.log" 2>&1 &
server_pid=$!
server_ready() { grep -q 'http://127.0.0.1:[0-9]*/' "$work/server.log"; }
wait_until 20 "the demo server's address" server_ready || fatal "the demo server did not start (see $work/server.log)"
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -n 1)

# Settings a person chose earlier in the Settings dialog: two workers (so a run lasts long
# enough to pause it), no automatic retries (so Retry Failed has work), bodies saved to $out.
cat >"$work/config/Parafetch/parafetch.conf" <<EOF
[fetch]
concurrency=2
retries=0
outputDirectory=$out
EOF

# --- the window ---------------------------------------------------------------------------

# Waits for the process to end and checks it did not crash.
wait_app_exit() {
    wait_until "$1" "Parafetch to quit" app_gone || return 1
    local rc=0
    wait "$app_pid" || rc=$?
    app_pid=""
    if [ "$rc" -ge 128 ]; then
        check_failed "session $session ended by signal $((rc - 128)) (exit $rc; see $work/app-$session.log)"
    fi
    return 0
}

# restore_offered WHEN: presses the Restore button of the banner the window shows at start, by
# its underlined letter, as a person does: the run journal's (Re&store, Alt+S) or the last
# list's. A restore that puts the list back into the URL box is added with Ctrl+Return.
restored() {
    read_summary
    [ "$total" -gt 0 ] && return 0
    keys ctrl+Return
    read_summary
    [ "$total" -gt 0 ]
}
restore_offered() {
    local key
    for key in alt+s alt+o; do
        keys "$key"
        wait_until 3 "$key to restore" restored && return 0
    done
    # The last list's &Restore: Alt+R is also the Run menu's. Escape closes the menu if it
    # opened instead.
    keys alt+r Escape
    wait_until 3 "alt+r to restore" restored && return 0
    # Where Alt+R is ambiguous it only moves the focus to the button: Space presses it.
    keys space
    if wait_until 10 "Space to restore" restored; then
        check_failed "Alt+R, the Restore button's underlined letter, does not restore the last list $1: the Run menu has Alt+R too, so it only moves the focus (Space then restores)"
        return 0
    fi
    fatal "no Restore offered $1 brought any URL back"
}

# paste_and_add FILE: the list into the clipboard, Alt+U to the URL box, Ctrl+V, Ctrl+Return.
paste_and_add() {
    clipboard_set "$1"
    keys alt+u ctrl+a ctrl+v ctrl+Return
}

# --- run 1: paste, Add, Start, Pause, Resume, Retry Failed, export ------------------------

list1=$work/list1.txt
for i in $(seq -w 1 30); do
    echo "$base/delay/300/bytes/1$i,r1-$i.bin"
done >"$list1"
echo "$base/flaky/realwindow/1,flaky.txt" >>"$list1" # 503 once, then 200
echo "$base/status/404" >>"$list1"                    # fails every time
run1_total=32

say "run 1: paste $run1_total URLs, Add, Start"
start_app
shot "run1-empty"
paste_and_add "$list1"
until_summary 20 "$run1_total URLs in the queue" '[ "$total" -eq $run1_total ]' \
    || fatal "pasting $run1_total URLs and pressing Ctrl+Return did not queue them (summary: $summary)"
shot "run1-added"
keys F5
until_summary 30 "the first URLs to finish" '[ $((succeeded + failed)) -ge 2 ]' \
    || fatal "Start (F5) fetched nothing"
shot "run1-running"

say "run 1: Pause"
keys ctrl+p
# Paused: what was in flight finishes, nothing new starts. The count stays put over ten
# readings of the summary (several times the slowest URL of this list) with URLs still queued.
stable=0
previous=-1
paused_probe() {
    read_summary
    local done=$((succeeded + failed + cancelled))
    if [ "$done" -eq "$previous" ]; then stable=$((stable + 1)); else stable=0; fi
    previous=$done
    [ "$stable" -ge 10 ]
}
if wait_until 30 "the paused run to settle" paused_probe; then
    shot "run1-paused"
    if [ "$previous" -ge "$run1_total" ]; then
        check_failed "Pause (Ctrl+P) did not stop the run: all $run1_total URLs finished"
    fi
    if ls "$out"/*.part >/dev/null 2>&1; then
        check_failed "paused with nothing in flight, yet .part files are left: $(ls "$out"/*.part | xargs -n1 basename | tr '\n' ' ')"
    fi
    [ "$(find "$out" -type f | wc -l)" -eq "$succeeded" ] \
        || check_failed "paused: $succeeded succeeded but $(find "$out" -type f | wc -l) files saved"
else
    check_failed "Pause (Ctrl+P): the run never stood still"
fi

say "run 1: Resume"
keys ctrl+shift+p
until_summary 60 "the run to end" '[ $((succeeded + failed + cancelled)) -eq $run1_total ]' \
    || fatal "after Resume (Ctrl+Shift+P) the run did not end (summary: $summary)"
shot "run1-finished"
[ "$succeeded" -eq 30 ] && [ "$failed" -eq 2 ] \
    || check_failed "run 1 before Retry Failed: expected 30 succeeded and 2 failed, got $succeeded and $failed"

say "run 1: Retry Failed"
keys ctrl+shift+r
until_summary 30 "the retried URLs to end" '[ "$succeeded" -eq 31 ] && [ $((succeeded + failed + cancelled)) -eq $run1_total ]' \
    || check_failed "Retry Failed (Ctrl+Shift+R): the URL that failed once should now succeed (summary: $summary)"
[ "$failed" -eq 1 ] || check_failed "after Retry Failed, only /status/404 should be failed (failed: $failed)"
shot "run1-retried"

say "run 1: File > Export Results as CSV"
csv=$work/run1.csv
keys ctrl+e
dialog=""
find_dialog() {
    dialog=$(xdotool search --all --onlyvisible --pid "$app_pid" --name '^Export Results' 2>/dev/null | head -n 1)
    [ -n "$dialog" ]
}
wait_until 20 "the Export Results dialog" find_dialog || fatal "Ctrl+E opened no Export Results dialog"
wait_until 10 "the dialog to have the focus" eval '[ "$(xdotool getactivewindow)" = "$dialog" ]' \
    || timeout 5 xdotool windowactivate --sync "$dialog"
# The file name box has the focus: select what is there and type the path.
xdotool key --clearmodifiers ctrl+a
xdotool type --delay 20 "$csv"
shot "run1-export-dialog"
xdotool key --clearmodifiers Return
wait_until 20 "the CSV export" test -s "$csv" || fatal "typing $csv and Return in the export dialog wrote no file"
dialog_gone() { ! xdotool search --all --onlyvisible --pid "$app_pid" --name '^Export Results' >/dev/null 2>&1; }
wait_until 10 "the export dialog to close" dialog_gone || check_failed "the export dialog stayed open"

# field NAME LINE: a CSV field by header name (this list has no commas or quotes in fields).
header=$(head -n 1 "$csv")
column() { tr ',' '\n' <<<"$header" | grep -n -x "$1" | cut -d: -f1; }
state_col=$(column state)
http_col=$(column httpStatus)
bytes_col=$(column bytes)
name_col=$(column fileName)
saved_col=$(column savedPath)
url_col=$(column url)
if [ -z "$state_col" ] || [ -z "$http_col" ] || [ -z "$bytes_col" ] || [ -z "$saved_col" ] || [ -z "$url_col" ]; then
    check_failed "the CSV header lacks url/state/httpStatus/bytes/savedPath: $header"
else
    rows=$(($(wc -l <"$csv") - 1))
    [ "$rows" -eq "$run1_total" ] || check_failed "the CSV has $rows rows for $run1_total URLs"
    for i in $(seq -w 1 30); do
        row=$(grep -F "$base/delay/300/bytes/1$i," "$csv" | head -n 1)
        got=$(cut -d, -f"$state_col,$http_col,$bytes_col,$saved_col" <<<"$row")
        [ "$got" = "succeeded,200,1$i,$out/r1-$i.bin" ] \
            || check_failed "CSV row of r1-$i.bin: expected succeeded,200,1$i,$out/r1-$i.bin, got '$got'"
    done
    row=$(grep -F "$base/flaky/realwindow/1," "$csv" | head -n 1)
    got=$(cut -d, -f"$state_col,$http_col,$saved_col" <<<"$row")
    [ "$got" = "succeeded,200,$out/flaky.txt" ] || check_failed "CSV row of the retried URL: got '$got'"
    row=$(grep -F "$base/status/404," "$csv" | head -n 1)
    got=$(cut -d, -f"$state_col,$http_col" <<<"$row")
    [ "$got" = "failed,404" ] || check_failed "CSV row of /status/404: expected failed,404, got '$got'"
fi

say "run 1: close (nothing running: no question)"
keys alt+F4
wait_app_exit 20 || fatal "Alt+F4 with no run going did not close the window"

# --- run 2: close mid-run, restore the last list, kill -9, restore the journal -------------

# The first and the last URL stop sending part-way and hold the connection (the server does
# this to the first request of each tag only), so a run is surely mid-way when it is closed or
# killed, with a .part of a known size.
first=300000
first_cut=100000
last=200000
last_cut=50000
list2=$work/list2.txt
{
    echo "$base/resumable/$first?stall=$first_cut&tag=first"
    for i in $(seq -w 1 20); do
        echo "$base/delay/400/bytes/2$i,r2-$i.bin"
    done
    echo "$base/resumable/$last?stall=$last_cut&tag=last"
} >"$list2"
run2_total=22

say "run 2: paste $run2_total URLs, Add, Start"
start_app
shot "run2-start"
# The last list of run 1 is offered; this is a new list.
paste_and_add "$list2"
until_summary 20 "$run2_total URLs in the queue" '[ "$total" -eq $run2_total ]' \
    || fatal "run 2's list was not queued (summary: $summary)"
keys F5
mid_run_2a() {
    [ "$(file_size "$out/$first.part")" -eq "$first_cut" ] && [ "$(ls "$out"/r2-*.bin 2>/dev/null | wc -l)" -ge 3 ]
}
wait_until 60 "the first URL held at $first_cut bytes and three r2 files saved" mid_run_2a \
    || fatal "run 2 never reached its mid-run point ($first.part at $first_cut bytes)"
shot "run2-mid-run"

say "run 2: Alt+F4 mid-run"
keys alt+F4
question=""
asked_or_gone() {
    app_gone && return 0
    question=$(xdotool search --all --onlyvisible --pid "$app_pid" --name . 2>/dev/null | grep -v -x "$window" | head -n 1)
    [ -n "$question" ]
}
wait_until 20 "a question or the end of Parafetch" asked_or_gone || fatal "Alt+F4 mid-run neither asked nor closed"
if [ -n "$question" ] && ! app_gone; then
    say "asked: $(xdotool getwindowname "$question" 2>/dev/null); Return takes the default"
    shot "run2-quit-question"
    timeout 5 xdotool windowactivate --sync "$question" 2>/dev/null
    xdotool key --clearmodifiers Return
else
    check_failed "closing mid-run did not ask (Cancel and quit / keep partial files and quit / keep running: issue 11, point 4)"
fi
wait_app_exit 30 || fatal "Parafetch did not quit after Alt+F4 mid-run and the default answer"
if [ "$(file_size "$out/$first.part")" -ne "$first_cut" ]; then
    check_failed "closing mid-run did not keep $first.part (size now $(file_size "$out/$first.part"), expected $first_cut): the next start cannot continue it (issue 11, point 4)"
fi

say "run 2: start again, restore what is offered (the last list, or the run kept with its partial files), Start"
start_app
shot "run2-restart-banner"
restore_offered "after closing mid-run"
shot "run2-restored"
keys F5
# Everything but the last URL ends; the last one holds at $last_cut bytes.
mid_run_2b() {
    [ "$(file_size "$out/$last.part")" -eq "$last_cut" ] || return 1
    read_summary
    [ $((succeeded + failed + cancelled)) -eq $((total - 1)) ]
}
wait_until 60 "all but the last URL finished, the last held at $last_cut bytes" mid_run_2b \
    || fatal "run 2 after restore never reached its second mid-run point (summary: $summary)"
shot "run2-before-kill"

say "run 2: kill -9 mid-run"
kill -9 "$app_pid"
wait "$app_pid" 2>/dev/null
app_pid=""

say "run 2: start again, restore the journaled run, Start"
start_app
shot "run2-journal-banner"
restore_offered "after kill -9"
keys F5
until_summary 60 "the restored run to end" '[ $((succeeded + failed + cancelled)) -eq "$total" ] && ! ls "$out"/*.part >/dev/null 2>&1' \
    || check_failed "the restored run did not end with no .part left (summary: $summary; files: $(ls "$out" | tr '\n' ' '))"
shot "run2-done"
[ "$succeeded" -eq "$total" ] || check_failed "the restored run: $succeeded of $total succeeded"
keys alt+F4
wait_app_exit 30 || fatal "Alt+F4 after the run did not close the window"

# --- what is on disk ----------------------------------------------------------------------

say "the output folder: one file per successful URL, no copies, no .part, bodies intact"
expected=$work/expected.txt
{
    for i in $(seq -w 1 30); do echo "r1-$i.bin"; done
    echo flaky.txt
    for i in $(seq -w 1 20); do echo "r2-$i.bin"; done
    echo "$first"
    echo "$last"
} | sort >"$expected"
(cd "$out" && find . -mindepth 1 -printf '%P\n' | sort) >"$work/actual.txt"
if ! diff -u "$expected" "$work/actual.txt" >"$work/files.diff"; then
    check_failed "the output folder is not one file per successful URL (- missing, + extra):
$(tail -n +3 "$work/files.diff" | grep '^[-+]')"
fi
for i in $(seq -w 1 30); do
    [ ! -e "$out/r1-$i.bin" ] || [ "$(file_size "$out/r1-$i.bin")" -eq "1$i" ] || check_failed "r1-$i.bin has $(file_size "$out/r1-$i.bin") bytes, expected 1$i"
done
for i in $(seq -w 1 20); do
    [ ! -e "$out/r2-$i.bin" ] || [ "$(file_size "$out/r2-$i.bin")" -eq "2$i" ] || check_failed "r2-$i.bin has $(file_size "$out/r2-$i.bin") bytes, expected 2$i"
done
# The two resumed bodies against the same bodies fetched in one go.
mkdir -p "$work/reference"
"$parafetch" --headless -q -o "$work/reference" "$base/resumable/$first" "$base/resumable/$last" \
    >"$work/reference.log" 2>&1 || check_failed "the reference fetch failed (see $work/reference.log)"
for name in "$first" "$last"; do
    if [ -e "$out/$name" ] && ! cmp -s "$out/$name" "$work/reference/$name"; then
        check_failed "$name, continued after a close or a kill, differs from the same body fetched in one go"
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "Failed checks:"
    printf '  - %s\n' "${failures[@]}"
    exit 1
fi
echo "PASS: the real window did what a person asked, and nothing was lost or fetched twice"
exit 0
