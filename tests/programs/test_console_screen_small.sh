#!/usr/bin/env bash
# The console's screen where it is small, or where the news is long (tmux):
# at 40x10 the title bar says where the next page goes, whole, and so does
# the RECORDING banner; errors (a duration typed wrong, a file that is not
# there) answer on the status line in full with the path as typed, with no
# log pane to hide in; "2 Space" records 2 s; why a page failed stays as the
# speakers said it after they leave; at 30x6 Space refuses to record a page
# nobody sees, and a recording under way is shown; the help and a long
# command line scroll; at 80x24 an error is not cut, the log view (l) shows
# every line whole and goes back to the first; the help has + and - in the
# right order; quitting mid-recording says what was dropped.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
port=$(rig_free_port)

SCREEN_PANE=con
SCREEN_TITLE=" "
SCREEN_KEYS=" Space "
SCREEN_PARTS="  NAME "
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

# screen_says TEXT [-E] — the pane shows TEXT (a pattern with -E), wrapped over
# lines or not: its lines are joined with one space, each trimmed.
screen_says() {
	screen | sed 's/^ *//; s/ *$//' | tr '\n' ' ' | grep -q "${2:--F}" -- "$1"
}

# wait_says TEXT [SECONDS [-E]] — until screen_says TEXT; else print the screen and fail.
wait_says() {
	local text=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 10; i++)); do
		screen_says "$text" "${3:--F}" && return 0
		sleep 0.1
	done
	echo "--- screen:"; screen
	fail "the screen does not say '$text' after ${secs}s"
}

# wait_exit — the console ended; prints its exit status line.
wait_exit() {
	for _ in $(seq 100); do [ -s "$T/exit" ] && { cat "$T/exit"; return 0; }; sleep 0.1; done
	fail "the console did not exit"
}

# pages — how many pages the archive holds.
pages() { find "$T/archive" -name '*-page*.wav' 2>/dev/null | wc -l; }

note "two speakers that play, three that have no output device (they save, and say so)"
tm -f /dev/null new-session -d -x 40 -y 10 -s con \
	"cd '$T' && env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' \
	 LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5
tm send-keys -t con "'$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all -d 1 --chime off --preroll-ms 0 --archive '$T/archive' 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen 'NAME' 10
alsa_speaker hall-1 "$port"
alsa_speaker hall-2 "$port"
rooms=()
for r in room-01 room-02 room-03; do
	mkdir -p "$T/$r"
	run_bg "$T/$r" "$T/$r.log" "$INTERCOM_BIN/intercom-speaker" --headless --name "$r" --save "$T/$r/saved" \
		"127.0.0.1:$port"
	rooms+=("$LAST_PID")
done
for s in hall-1 hall-2 room-01 room-02 room-03; do wait_log "$T/$s.log" "connected to 127\.0\.0\.1:$port" 10; done
grep -q 'no output device' "$T/room-01.log" || fail "room-01 has an output device: $(head -3 "$T/room-01.log")"

note "40x10: the title bar says where the next page goes, whole"
wait_screen '^ next page: 1\.0 s to all speakers *$' 5
tm send-keys -t con Home
wait_screen '^▸ hall-1 ' 2
tm send-keys -t con t
wait_screen '^ intercom   next page: 1\.0 s to hall-1 *$' 2
coherent 40 10

note "2 then Space: a 2 s page, and the banner says where it goes"
tm send-keys -t con 2 Space
wait_screen '^ intercom   next page: 2\.0 s to hall-1' 2
wait_screen '^ ● RECORDING to hall-1 ' 2
wait_says 'page 1: delivered to 1/1, played by 1/1' 10
[ "$(soxi -s "$(archived_page "$T/archive" 1)")" -eq 96000 ] || fail "page 1 is not 2 s long"
tm send-keys -t con t
wait_screen '^ next page: 2\.0 s to all speakers' 2

note "40x10 has no log pane: errors answer on the status line, in full, with the path as typed"
tm send-keys -t con 9 9 9 Enter
wait_says "bad duration '999': give seconds between 0.5 and 300, e.g. 2.5"
tm send-keys -t con ":send nothere/x.wav" Enter
wait_says "cannot send nothere/x.wav: cannot open x.wav: No such file or directory"
coherent 40 10
tm send-keys -t con Down
wait_for 2 screen_lacks 'cannot send'   # the next key: the answer was seen

note "why a page failed stays its reason once the speakers that said it have left"
tm send-keys -t con Space
wait_screen 'RECORDING to all speakers' 2
failed="page 2: delivered to 5/5, played by 2/5, failed on room-0[123] and 2 others: saved, not played: no output device"
wait_says "$failed" 15 -E
kill -TERM "${rooms[@]}"
wait_for 10 screen_lacks '^(  |▸ )room-0|NAME +[0-9]+-[0-9]+/'   # two speakers left, both shown
wait_says "$failed" 2 -E
screen_says "that left" && fail "the reasons became a count of those that left"

note "the help and a long command line scroll at 40x10"
tm send-keys -t con '?'
wait_screen 'keys 1-[0-9]+/[0-9]+' 2
tm send-keys -t con NPage
wait_screen 'keys [2-9][0-9]*-[0-9]+/[0-9]+' 2
tm send-keys -t con End
wait_screen 'keys [0-9]+-([0-9]+)/\1 ' 2
wait_screen " q +quit \(asks first" 1
tm send-keys -t con x
wait_for 2 screen_lacks 'keys '
tm send-keys -t con ":send /a/long/way/down/to/the/very/last/x.wav"
wait_screen '^ :….*/very/last/x\.wav█' 2
tm send-keys -t con Escape

note "30x6: Space records nothing it cannot show, and says so"
before=$(pages)
tm resize-window -t con -x 30 -y 6
wait_screen '^terminal too small: 30x6' 2
tm send-keys -t con Space
wait_says "not recording: the terminal is too small to show a recording (it needs 40x7)" 2
sleep 1.5   # the test: a page recorded now would be in the archive by then
[ "$(pages)" -eq "$before" ] || fail "a page was recorded on a screen too small to show it"
tm send-keys -t con t
wait_says "key ignored: the terminal is too small" 2

note "a recording under way shows on a screen too small for the rest; Esc cancels it"
tm resize-window -t con -x 40 -y 10
tm send-keys -t con 3 0 Enter
wait_screen '^ next page: 30\.0 s to all speakers' 2
tm send-keys -t con Space
wait_screen 'RECORDING' 2
tm resize-window -t con -x 30 -y 6
wait_says "RECORDING to all speakers" 2
tm send-keys -t con Escape
wait_for 2 screen_lacks 'RECORDING'
tm resize-window -t con -x 80 -y 24
coherent 80 24

note "80x24: an error is not cut; PREV PAGE says which page it shows"
wait_screen '  NAME .* PREV PAGE' 2
tm send-keys -t con ":send nothere/x.wav" Enter
wait_says "cannot send nothere/x.wav: cannot open x.wav: No such file or directory"
coherent 80 24

note "l: every event whole, full screen, back to the first one"
tm send-keys -t con l
wait_screen '^── events [0-9]+-[0-9]+ of [0-9]+ ' 2
wait_says "cannot send nothere/x.wav: cannot open x.wav: No such file or directory"
tm send-keys -t con Home
wait_screen '^── events 1-' 2
wait_screen '^ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} intercom-console .* listening on 127\.0\.0\.1:' 2
tm send-keys -t con End q
coherent 80 24

note "the help says + is longer and - shorter"
tm send-keys -t con '?'
wait_screen '\+ Right +duration 0\.5 s longer' 2
wait_screen '- Left +duration 0\.5 s shorter' 1
tm send-keys -t con x

note "quitting mid-recording asks, then says what was dropped (a second run, never resized)"
tm send-keys -t con q
[ "$(wait_exit)" = "exit=0" ] || fail "console exited with $(cat "$T/exit")"
rm -f "$T/exit"
tm send-keys -t con "clear; '$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all -d 30 --chime off --preroll-ms 0 --archive '$T/archive' 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen 'NAME' 10
tm send-keys -t con Space
wait_screen 'RECORDING to all speakers' 2
tm send-keys -t con q
wait_screen 'Quitting drops the recording, unsent\. Quit anyway\? \(y/n\)' 2
tm send-keys -t con y
[ "$(wait_exit)" = "exit=0" ] || fail "console exited with $(cat "$T/exit")"
wait_says 'not sent, the console is stopping: the recording under way \([0-9.]+ s of 30\.00 s\)' 5 -E
tty_sane
[ ! -s "$T/console.err" ] || fail "the console wrote to stderr: $(head -5 "$T/console.err")"
note "ok"
