#!/usr/bin/env bash
# make demo's script, as a newcomer would use it: it starts the console and two
# speakers side by side in tmux on virtual devices with speech in the console's
# microphone; Space in the console records a page that both speakers play and
# the console counts; "stop" leaves nothing behind.
source "$(dirname "$0")/harness.sh"
command -v tmux >/dev/null || fail "tmux is not installed (make check installs it)"

export DEMO_DIR="$T/demo" DEMO_TMUX_SOCKET="$T/demo.sock" DEMO_NO_ATTACH=1
trap 'rc=$?; "$INTERCOM_TOP/scripts/demo.sh" stop; (exit $rc); cleanup' EXIT
tm() { tmux -S "$DEMO_TMUX_SOCKET" "$@"; }

"$INTERCOM_TOP/scripts/demo.sh" >"$T/demo.log" 2>&1 || { cat "$T/demo.log"; fail "demo.sh failed"; }
grep -q "press Space in the" "$T/demo.log" || { cat "$T/demo.log"; fail "the demo does not say how to talk"; }
[ "$(tm list-panes -t demo | wc -l)" -eq 3 ] || fail "expected three panes"

# pane_wait PANE PATTERN [SECONDS]
pane_wait() {
	local pane=$1 pattern=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		tm capture-pane -p -t "demo:0.$pane" >"$T/pane.txt"
		grep -Eq -- "$pattern" "$T/pane.txt" && return 0
		sleep 0.1
	done
	echo "--- pane $pane:"; cat "$T/pane.txt"
	fail "pane $pane shows no line matching '$pattern' after ${secs}s"
}

note "the console lists both speakers; both speakers are connected"
pane_wait 0 '^ intercom console' 10
pane_wait 0 'lobby +ground' 10
pane_wait 0 'hall +first' 5
pane_wait 1 'link +connected to 127\.0\.0\.1' 5
pane_wait 2 'link +connected to 127\.0\.0\.1' 5

note "Space in the console: both speakers play the page, with speech in it"
tm send-keys -t demo:0.0 Space
pane_wait 0 'RECORDING' 3
pane_wait 0 'page 1: delivered to 2/2, played by 2/2' 20
pane_wait 1 '#1 .* played' 3
pane_wait 2 '#1 .* played' 3
page=$(archived_page "$DEMO_DIR/archive" 1)
[ -f "$page" ] || fail "page 1 not archived"
level=$(rms "$page")
note "page RMS $level"
awk -v r="$level" 'BEGIN { exit !(r > 0.01) }' || fail "the page is silent: no speech in the microphone"

note "stop leaves nothing behind"
"$INTERCOM_TOP/scripts/demo.sh" stop
tm has-session -t demo 2>/dev/null && fail "the demo's tmux session still runs"
[ ! -e "$DEMO_DIR" ] || fail "the demo's directory is still there"
note "ok"
