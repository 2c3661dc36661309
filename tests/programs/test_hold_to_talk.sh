#!/usr/bin/env bash
# Hold-to-talk through the kitty keyboard protocol, driven by a terminal that
# speaks it (tests/lib/kitty_term.py, written from the protocol's text): the
# console probes (CSI ? u, then DA1), pushes its flags (CSI > 27 u) on the
# alternate screen, records while Space is held (press CSI 32 u, repeats
# ignored, release CSI 32;1:3 u ends it early: the page is as long as the
# hold), other keys arrive as CSI u and still work (? opens the help, which
# says Space is held), Ctrl-C as CSI 99;5 u quits as the tty's SIGINT would,
# and the flags are popped (CSI < u) before the screen is left. A terminal
# that answers only DA1, and one that answers nothing, get Space as a toggle
# and no push.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
rig_speech "$T/speech.wav" "Attention please. The lobby closes in ten minutes. Thank you." 48000 1

# has OUT TEXT — the program wrote TEXT (Python escapes) to its terminal.
has() {
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
sys.exit(0 if sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1") in d else 1)' "$1" "$2"
}
# count_of OUT TEXT — how many times.
count_of() {
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
print(d.count(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1")))' "$1" "$2"
}
# term_start NAME ANSWER PORT — the console on a kitty_term pty answering as ANSWER.
term_start() {
	local name=$1 answer=$2 port=$3
	mkfifo "$T/$name.ctl"
	: >"$T/$name.out"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/console" XDG_DATA_HOME="$T/console/data" LANG=C.UTF-8 \
		python3 "$INTERCOM_TOP/tests/lib/kitty_term.py" --answer "$answer" --out "$T/$name.out" \
		--control "$T/$name.ctl" --status "$T/$name.status" -- \
		"$INTERCOM_BIN/intercom-console" -H 127.0.0.1 -p "$port" -d 5 --admit all --chime off --preroll-ms 0 \
		--archive "$T/archive-$name" &
	PIDS+=($!)
	wait_for 10 listening "$port"
}
# type_at NAME TEXT — the terminal sends TEXT (Python escapes).
type_at() { printf 'send %s\n' "$2" >"$T/$1.ctl"; }
exited() { [ -s "$T/$1.status" ]; }
archived() { [ -n "$(archived_page "$1" "$2")" ]; }

note "a terminal with the protocol: the console pushes its flags on the alternate screen"
port=$(rig_free_port)
term_start kitty kitty "$port"
wait_for 5 has "$T/kitty.out" '\x1b[?u\x1b[c'
wait_for 5 has "$T/kitty.out" '\x1b[>27u'
wait_for 5 has "$T/kitty.out" 'hold to talk'
out=$(cat "$T/kitty.out")
[ "${out%%$'\e[?1049h'*}" != "$out" ] || fail "no alternate screen in xterm-256color?"
# the push comes after entering the alternate screen: each screen has its own stack
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
sys.exit(0 if d.find(b"\x1b[?1049h") < d.find(b"\x1b[>27u") else 1)' "$T/kitty.out" \
	|| fail "the flags were pushed before the alternate screen"

alsa_speaker s1 "$port"
wait_log "$T/s1.log" "connected to 127.0.0.1:$port" 10

note "? (as CSI 47;2;63 u) opens the help, which says Space is held; Esc (CSI 27 u) closes it"
type_at kitty '\x1b[47;2;63u'
wait_for 3 has "$T/kitty.out" 'Hold Space to talk'
type_at kitty '\x1b[47;2;63u\x1b[47;2:3u'   # a release of another key does nothing
type_at kitty '\x1b[27u'

note "Space held for 1.5 s (repeats ignored) makes a 1.5 s page of a 5 s duration"
rig_pulse_play "$PULSE_DIR" "$T/speech.wav" mic &
player=$!
rig_pulse_wait_playing "$PULSE_DIR" mic
type_at kitty '\x1b[32u'
wait_for 3 has "$T/kitty.out" 'let go'
# the test: the hold's length is what is measured
for _ in 1 2 3; do sleep 0.4; type_at kitty '\x1b[32;1:2u'; done
sleep 0.3
type_at kitty '\x1b[32;1:3u'
wait_for 10 archived "$T/archive-kitty" 1
wait "$player" || true
secs=$(python3 -c 'import sys, wave; w = wave.open(sys.argv[1]); print(w.getnframes() / w.getframerate())' \
	"$(archived_page "$T/archive-kitty" 1)")
note "page 1 is $secs s"
python3 -c 'import sys; s = float(sys.argv[1]); sys.exit(0 if 1.2 <= s <= 2.2 else 1)' "$secs" \
	|| fail "page 1 is $secs s long, not about the 1.5 s Space was held"
wait_log "$T/s1.log" "page 1 played" 15
[ -z "$(archived_page "$T/archive-kitty" 2)" ] || fail "the repeats or the release made another page"

note "Ctrl-C (CSI 99;5 u) quits as SIGINT would, and the flags are popped before the screen is left"
type_at kitty '\x1b[99;5u'
wait_for 10 exited kitty
cat "$T/kitty.status"
[ "$(count_of "$T/kitty.out" '\x1b[>27u')" = "$(count_of "$T/kitty.out" '\x1b[<u')" ] \
	|| fail "pushed $(count_of "$T/kitty.out" '\x1b[>27u') times, popped $(count_of "$T/kitty.out" '\x1b[<u')"
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
sys.exit(0 if d.rfind(b"\x1b[<u") < d.rfind(b"\x1b[?1049l") else 1)' "$T/kitty.out" \
	|| fail "the flags were popped after leaving the alternate screen"

note "a terminal that answers only DA1 (tmux, xterm): Space is a toggle, nothing pushed"
port=$(rig_free_port)
term_start da1 da1 "$port"
wait_for 5 has "$T/da1.out" '\x1b[?u\x1b[c'
type_at da1 '?'
wait_for 3 has "$T/da1.out" 'Space is a toggle, not a hold'
type_at da1 'x'
type_at da1 'q'
wait_for 10 exited da1
[ "$(cat "$T/da1.status")" = "exit=0" ] || fail "console exited with $(cat "$T/da1.status")"
has "$T/da1.out" '\x1b[>' && fail "flags pushed to a terminal without the protocol"
has "$T/da1.out" '\x1b[<u' && fail "flags popped on a terminal without the protocol"

note "a terminal that answers nothing: the screen is up at once, keys work, toggle"
port=$(rig_free_port)
term_start none none "$port"
wait_for 3 has "$T/none.out" 'intercom console'
type_at none '?'
wait_for 3 has "$T/none.out" 'Space is a toggle, not a hold'
type_at none 'x'
type_at none 'q'
wait_for 10 exited none
[ "$(cat "$T/none.status")" = "exit=0" ] || fail "console exited with $(cat "$T/none.status")"
has "$T/none.out" '\x1b[>' && fail "flags pushed to a terminal that never answered"
note "ok"
