# shellcheck shell=bash
# Helpers for driving a curses screen in a private tmux server (sourced after
# harness.sh). Set SCREEN_PANE to the tmux target of the program's pane, and
# SCREEN_TITLE / SCREEN_KEYS / SCREEN_PARTS for `coherent`.
command -v tmux >/dev/null || fail "tmux is not installed (make check installs it)"

# A private tmux server; it goes away with the test.
TMUX_SOCK="$T/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# Errexit holds in traps too: nothing here may stop before the harness's cleanup runs.
trap 'rc=$?; set +e; tmux -S "$TMUX_SOCK" kill-server 2>/dev/null; (exit $rc); cleanup' EXIT

# screen — what the pane shows now.
screen() { tm capture-pane -p -t "$SCREEN_PANE"; }

# wait_screen PATTERN [SECONDS] — until the pane shows a line matching PATTERN (grep -E).
wait_screen() {
	local pattern=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		screen >"$T/screen.txt"
		grep -Eq -- "$pattern" "$T/screen.txt" && return 0
		sleep 0.1
	done
	echo "--- screen:"; cat "$T/screen.txt"
	fail "the screen shows no line matching '$pattern' after ${secs}s"
}

# coherent WIDTH HEIGHT [SECONDS] — within SECONDS (default 3) the pane becomes one
# screen of that size: SCREEN_TITLE starts the first line, SCREEN_KEYS the last, each
# of SCREEN_PARTS (separated by |) shows exactly once, and no line is wider than the
# terminal (no leftovers of a larger layout). Polled: a resize or a key takes the
# program a moment to redraw; what counts is that it settles there.
coherent() {
	local w=$1 h=$2 secs=${3:-3} i
	for ((i = 0; i < secs * 20; i++)); do
		_coherent_now "$w" "$h" >"$T/coherent.txt" && return 0
		sleep 0.05
	done
	_coherent_now "$w" "$h" >"$T/coherent.txt" && return 0
	cat "$T/coherent.txt"
	echo "--- screen:"; cat "$T/screen.txt"
	fail "screen not coherent at ${w}x${h} after ${secs}s"
}

# _coherent_now WIDTH HEIGHT — the check itself, once; prints what is wrong.
_coherent_now() {
	local w=$1 h=$2
	screen >"$T/screen.txt"
	python3 - "$T/screen.txt" "$w" "$h" "$SCREEN_TITLE" "$SCREEN_KEYS" "$SCREEN_PARTS" <<'PY'
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
w, h = int(sys.argv[2]), int(sys.argv[3])
title, keys, parts = sys.argv[4], sys.argv[5], sys.argv[6].split("|")
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
errors = []
if len(lines) != h:
    errors.append("%d lines, expected %d" % (len(lines), h))
for i, l in enumerate(lines):
    if width(l) > w:
        errors.append("line %d is %d columns wide" % (i + 1, width(l)))
if not lines or not lines[0].startswith(title):
    errors.append("the title is not the first line")
for what in parts:
    n = sum(what in l for l in lines)
    if n != 1:
        errors.append("'%s' shows %d times" % (what, n))
if not lines or not lines[-1].startswith(keys):
    errors.append("the keys are not on the last line")
for e in errors:
    print("coherent: " + e)
sys.exit(1 if errors else 0)
PY
}

# screen_lacks PATTERN — the pane shows no line matching PATTERN (for wait_for:
# an overlay closed, a notice gone).
screen_lacks() {
	local now
	now=$(screen) || return 1
	! grep -Eq -- "$1" <<<"$now"
}

# tty_sane — the terminal is back in its usual modes (the shell runs stty in it).
tty_sane() {
	rm -f "$T/stty.txt"
	tm send-keys -t "$SCREEN_PANE" "stty -a >$T/stty.txt" Enter
	for _ in $(seq 50); do [ -s "$T/stty.txt" ] && break; sleep 0.1; done
	grep -Eq '(^| )icanon( |$)' "$T/stty.txt" || fail "canonical mode not restored: $(cat "$T/stty.txt")"
	grep -Eq '(^| )echo( |$)' "$T/stty.txt" || fail "echo not restored: $(cat "$T/stty.txt")"
	# The screen turns flow control off; the shell had it on (a new tmux pane does).
	grep -Eq '(^| )ixon( |$)' "$T/stty.txt" || fail "flow control (ixon) not restored: $(cat "$T/stty.txt")"
}
