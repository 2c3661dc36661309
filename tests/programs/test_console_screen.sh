#!/usr/bin/env bash
# The console's curses screen in a real terminal (tmux): it lists two speakers
# by name, records with Space while speech plays into its microphone (pulse
# rig), stays coherent while the terminal is resized mid-recording (also below
# 80x24 and below its minimum), shows both speakers reach "played", changes
# the duration with + - and typed digits, pages one speaker alone (T, t, r),
# cancels with Esc, asks before quitting with a page in flight (also on a
# terminal too small for the screen, which then shows the question, and the
# recording under way), keeps serving (speakers, pages, keys) while Ctrl-S is
# pressed or its output is stopped, and gives the terminal back as it found it
# (flow control included) on q, on SIGTERM and on a crash, writing nothing to
# stderr.
# A second run in the C locale with NO_COLOR shows ASCII glyphs and no colour.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
rig_speech "$T/speech.wav" "Attention please. The lobby closes in ten minutes. Thank you." 48000 1
port=$(rig_free_port)

SCREEN_PANE=con
SCREEN_TITLE=" intercom console"
SCREEN_KEYS=" Space "
SCREEN_PARTS="intercom console|  NAME | events |RECORDING"
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

# wait_exit — the console ended; prints its exit status line.
wait_exit() {
	for _ in $(seq 100); do [ -s "$T/exit" ] && { cat "$T/exit"; return 0; }; sleep 0.1; done
	fail "the console did not exit"
}

# A shell in a 100x30 terminal, in the console's HOME (its audio goes to the pulse rig).
tm -f /dev/null new-session -d -x 100 -y 30 -s con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' \
	 LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5
console_cmd="'$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all -d 2 --chime off --preroll-ms 0 --archive '$T/archive'"

note "the screen comes up and lists two speakers by name"
tm send-keys -t con "$console_cmd 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen '^ intercom console' 10
wait_screen 'listening on 127\.0\.0\.1:'"$port" 2
wait_screen 'input: default · 48000 Hz mono 16-bit +encrypted, key [0-9a-f]{8}' 2
alsa_speaker hall-1 "$port" --zone ground
alsa_speaker hall-2 "$port" --zone first
wait_screen 'hall-1 +ground' 10
wait_screen 'hall-2 +first' 10
wait_screen '2 speakers' 2

note "+ and - step the duration by 0.5 s, digits then Enter set it"
tm send-keys -t con + +
wait_screen 'duration 3\.0 s' 2
tm send-keys -t con -
wait_screen 'duration 2\.5 s' 2
tm send-keys -t con 4
wait_screen 'duration in seconds' 2
tm send-keys -t con Enter
wait_screen 'duration 4\.0 s' 2

note "Space records; resizing mid-recording keeps the screen whole"
rig_pulse_play "$PULSE_DIR" "$T/speech.wav" mic &
player=$!
rig_pulse_wait_playing "$PULSE_DIR" mic
tm send-keys -t con Space
wait_screen 'RECORDING to all speakers +00:0[0-3]\.[0-9] / 00:04\.0' 2
tm resize-window -t con -x 80 -y 24
coherent 80 24
# The format stays whole at 80 columns beside the link (the device's name gives way first).
wait_screen "^ (listening )?on 127\.0\.0\.1:$port +input: (.* · )?48000 Hz mono 16-bit +encrypted, key [0-9a-f]{8}" 1
tm resize-window -t con -x 60 -y 15
coherent 60 15
tm resize-window -t con -x 30 -y 6
wait_screen 'terminal too small' 2
tm resize-window -t con -x 100 -y 30
coherent 100 30
wait "$player" || true

note "both rows reach played, and the summary says so"
wait_screen 'page 1: delivered to 2/2, played by 2/2' 15
wait_screen 'hall-1 .* played +- *$' 2
wait_screen 'hall-2 .* played +- *$' 2
tm capture-pane -p -e -t con >"$T/screen-e.txt"
grep -Eq "$(printf '\033')\\[([0-9;]*;)?3[0-7](;|m)" "$T/screen-e.txt" || fail "no colours on a colour terminal"
page=$(archived_page "$T/archive" 1)
[ -f "$page" ] || fail "page 1 not archived"
[ "$(soxi -s "$page")" -eq 192000 ] || fail "page 1 is $(soxi -s "$page") frames, expected 4 s x 48000"
level=$(rms "$page")
awk -v r="$level" 'BEGIN { exit !(r > 0.01) }' || fail "page 1 is silent (RMS $level)"
for s in hall-1 hall-2; do wait_log "$T/$s.log" "page 1 played" 5; done
cp "$T/screen.txt" "$T/screen-after-page.txt"

note "Down selects the second row; T plays the test tone there only; t and r page it alone"
tm send-keys -t con Down
# The first row is selected until Down moves the marker to the second.
second_row_selected() { screen | awk '/^(▸ |  )hall-[12] / { n++; if (/^▸/) s = n } END { exit !(s == 2) }'; }
wait_for 2 second_row_selected
sel=$(screen | sed -n 's/^▸ \(hall-[12]\) .*/\1/p')
[ -n "$sel" ] || fail "no speaker is selected after Down"
other=hall-1
[ "$sel" = hall-1 ] && other=hall-2
tm send-keys -t con T
wait_screen 'page 2: delivered to 1/1, played by 1/1' 10
wait_log "$T/$sel.log" "page 2 played" 5
tm send-keys -t con t
wait_screen "next page to $sel" 2
tm send-keys -t con r
wait_screen 'page 3: delivered to 1/1, played by 1/1' 10
wait_screen "$sel .* played +#2 played *\$" 2
wait_log "$T/$sel.log" "page 3 played" 5
wait_screen "page 3 is page 1 sent again" 2
[ "$(count_log "$T/$other.log" "page 2 ")" -eq 0 ] || fail "$other got the test tone meant for $sel"
[ "$(count_log "$T/$other.log" "page 3 ")" -eq 0 ] || fail "$other got the resend meant for $sel"
tm send-keys -t con Enter
wait_screen 'next page to all speakers' 2

note "Esc cancels a recording; q asks first while a page is in flight"
tm send-keys -t con Space
wait_screen 'RECORDING' 2
tm send-keys -t con q
wait_screen 'Quit anyway\? \(y/n\)' 2
tm send-keys -t con n
wait_screen '^ Space send now' 2
tm send-keys -t con Escape
wait_screen 'recording cancelled' 2
[ -z "$(archived_page "$T/archive" 4)" ] || fail "a cancelled recording was archived"

note "Ctrl-S stops nothing: for 8 s the speakers stay and a page typed meanwhile plays; Ctrl-Q changes nothing"
played=$(count_log "$T/hall-1.log" 'page [0-9]+ played')
started=$SECONDS
tm send-keys -t con C-s
sleep 1   # the test: the page is typed a while into the 8 s
tm send-keys -t con ":send $T/speech.wav" Enter
wait_count "$T/hall-1.log" 'page [0-9]+ played' $((played + 1)) 15
n=$(sed -En 's/.* page ([0-9]+) played.*/\1/p' "$T/hall-1.log" | tail -1)
wait_screen "page $n: delivered to 2/2, played by 2/2" 5
# The test: the whole 8 s pass with Ctrl-S pressed.
sleep $((8 - (SECONDS - started) > 0 ? 8 - (SECONDS - started) : 0))
for s in hall-1 hall-2; do
	grep -q 'disconnected' "$T/$s.log" && fail "$s lost the console after Ctrl-S: $(grep disconnected "$T/$s.log")"
done
screen | grep -q ' left: ' && fail "a speaker left after Ctrl-S"
tm send-keys -t con C-q
SCREEN_PARTS="intercom console|  NAME | events " coherent 100 30

note "output stopped outside the program (a stalled link): the loop still serves and the screen catches up"
pane_tty=$(tm display-message -p -t con '#{pane_tty}')
python3 -c 'import sys, termios; fd = open(sys.argv[1], "wb"); termios.tcflow(fd, termios.TCOOFF)' "$pane_tty"
tm send-keys -t con + Space
sleep 6   # the test: output stays stopped this long while the loop serves
for s in hall-1 hall-2; do
	grep -q 'disconnected' "$T/$s.log" && fail "$s lost the console while output was stopped"
done
wait_count "$T/hall-1.log" 'page [0-9]+ played' $((played + 2)) 10
n=$(sed -En 's/.* page ([0-9]+) played.*/\1/p' "$T/hall-1.log" | tail -1)
python3 -c 'import sys, termios; fd = open(sys.argv[1], "wb"); termios.tcflow(fd, termios.TCOON)' "$pane_tty"
wait_screen 'duration 4\.5 s' 2
wait_screen "page $n: delivered to 2/2, played by 2/2" 2
SCREEN_PARTS="intercom console|  NAME | events " coherent 100 30

note "on a terminal too small for the screen, the quit question and the help still show"
tm send-keys -t con Space
wait_screen 'RECORDING' 2
tm resize-window -t con -x 30 -y 6
wait_screen '^terminal too small: 30x6' 2
wait_screen '^needs 40x7' 1
wait_screen '^● RECORDING to all speakers' 1   # it is sent when it ends: it shows
wait_screen 'Esc cancels, q quits' 1
tm send-keys -t con q
wait_screen '^Quitting drops the recording,' 2
wait_screen '^unsent\. Quit anyway\? \(y/n\)' 1
wait_screen '^terminal too small: 30x6' 1
grep -q 'q quits' "$T/screen.txt" && fail "the notice says q quits while q answers a question"
tm send-keys -t con n
wait_screen 'Esc cancels, q quits' 2
grep -q 'Quit anyway' "$T/screen.txt" && fail "the question stayed after n"
tm send-keys -t con '?'
wait_screen '^help is open: any key closes' 2
tm send-keys -t con x
wait_screen 'Esc cancels, q quits' 2
grep -q 'help is open' "$T/screen.txt" && fail "the help stayed open after a key"
tm resize-window -t con -x 100 -y 30
wait_screen 'RECORDING' 2
tm send-keys -t con Escape
wait_screen 'recording cancelled' 2

note "? shows the help, which says Space is a toggle (tmux passes no key releases); any key closes it"
tm send-keys -t con '?'
wait_screen 'Space is a toggle, not a hold' 2
screen_lacks 'hold to talk' || fail "tmux has no key releases, yet the console offers hold-to-talk"
tm send-keys -t con x
wait_for 2 screen_lacks 'Space is a toggle'   # the help closes

note "q restores the terminal"
tm send-keys -t con q
[ "$(wait_exit)" = "exit=0" ] || fail "console exited with $(cat "$T/exit")"
wait_screen 'shell\$' 5
screen | grep -q '^ intercom console' && fail "the screen was not cleared on exit"
tty_sane
[ ! -s "$T/console.err" ] || fail "the console wrote to stderr: $(head -5 "$T/console.err")"

note "C locale and NO_COLOR: ASCII glyphs, no colour; SIGTERM restores the terminal"
rm -f "$T/exit"
tm send-keys -t con "clear; LC_ALL=C NO_COLOR=1 $console_cmd 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen 'hall-2 ' 10
screen >"$T/screen.txt"
grep -q '^> hall-[12] ' "$T/screen.txt" || { cat "$T/screen.txt"; fail "no ASCII selection marker"; }
grep -Eq '^  input \.{10}' "$T/screen.txt" || { cat "$T/screen.txt"; fail "no ASCII meter"; }
LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/screen.txt" && fail "non-ASCII characters in the C locale"
tm capture-pane -p -e -t con >"$T/screen-e.txt"
grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48)(;|m)" "$T/screen-e.txt" && fail "colours despite NO_COLOR"
grep -q "$(printf '\033')\\[[0-9;]*7" "$T/screen-e.txt" || fail "no reverse video for the title bar without colour"
console_pid=$(pgrep -n -f "intercom-console -H 127.0.0.1 -p $port" || true)
[ -n "$console_pid" ] || fail "cannot find the console's pid"
kill -TERM "$console_pid"
[ "$(wait_exit)" = "exit=0" ] || fail "console exited with $(cat "$T/exit") on SIGTERM"
wait_screen 'shell\$' 5
tty_sane
[ ! -s "$T/console.err" ] || fail "the console wrote to stderr: $(head -5 "$T/console.err")"

note "even a crash (SIGSEGV) gives the terminal back"
rm -f "$T/exit"
tm send-keys -t con "clear; $console_cmd 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen '^ intercom console' 10
console_pid=$(pgrep -n -f "intercom-console -H 127.0.0.1 -p $port" || true)
[ -n "$console_pid" ] || fail "cannot find the console's pid"
kill -SEGV "$console_pid"
[ "$(wait_exit)" != "exit=0" ] || fail "the console did not crash"
wait_screen 'shell\$' 5
screen | grep -q '^ intercom console' && fail "the screen was left up after the crash"
tty_sane
note "ok"
