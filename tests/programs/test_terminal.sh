#!/usr/bin/env bash
# The terminal around both screens, as an operator over SSH meets it (tmux;
# the pane's modes read from tmux itself: alternate screen, cursor keys,
# keypad). Ctrl-\ (SIGQUIT) quits like Ctrl-C, telling the peers BYE and
# giving the terminal back (shell modes, icanon, echo, ixon, typed text
# shows), on the screen and headless. After Ctrl-Z and fg every mode is back
# before the next key, so the first arrow is an arrow: the console keeps its
# recording and moves the selection, the speaker turns the volume up; after
# Ctrl-Z, bg, fg too. On terminals without an alternate screen (vt100, linux)
# the last screen stays and the exit's lines and the prompt come below it, on
# lines of their own; arrows work there after fg as well.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
mkdir -p "$T/spk"
rig_alsa_file "$T/spk" /dev/zero "$T/spk/out.raw"
port=$(rig_free_port)

SCREEN_PANE=t
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

# modes — the pane's terminal modes as tmux sees them: alternate screen, cursor keys, keypad.
modes() { tm display-message -p -t t 'alt=#{alternate_on} ckeys=#{keypad_cursor_flag} keypad=#{keypad_flag}'; }
# modes_are WANT — the pane's modes are WANT now (for wait_for).
modes_are() { [ "$(modes)" = "$1" ]; }
SCREEN_MODES="alt=1 ckeys=1 keypad=1"
SHELL_MODES="alt=0 ckeys=0 keypad=0"

# suspended — Ctrl-Z took: the shell said the job stopped and prompts again.
suspended() { screen | awk 'NF { last = $0 } /Stopped/ { s = 1 } END { exit !(s && last ~ /^shell\$ *$/) }'; }
# backgrounded — bg took: the shell says the job runs on ("[1]+ COMMAND &") and prompts again.
backgrounded() { screen | awk 'NF { prev = last; last = $0 } END { exit !(prev ~ / &$/ && last ~ /^shell\$ *$/) }'; }

# stop_and_fg SHOWS [MODES] — Ctrl-Z: the shell says so and has its modes back;
# fg: the program has the terminal again, its MODES (default SCREEN_MODES) on,
# showing SHOWS, before any key is sent (tmux encodes arrows by those modes).
stop_and_fg() {
	tm send-keys -t t C-z
	wait_for 5 suspended
	wait_for 2 modes_are "$SHELL_MODES"
	tm send-keys -t t fg Enter
	wait_for 5 modes_are "${2:-$SCREEN_MODES}"
	wait_screen "$1" 2
}

# wait_exit — the program ended; prints its exit status line.
wait_exit() {
	for _ in $(seq 100); do [ -s "$T/exit" ] && { cat "$T/exit"; return 0; }; sleep 0.1; done
	fail "the program did not exit"
}

# shell_back — the program is gone and the terminal is the shell's again: prompt,
# modes, tty flags, and text typed shows as typed.
shell_back() {
	wait_screen 'shell\$ *$' 5
	wait_for 2 modes_are "$SHELL_MODES"
	tty_sane
	tm send-keys -t t 'echo typed-text-shows'
	wait_screen 'shell\$ echo typed-text-shows$' 2
	tm send-keys -t t C-u
}

# A shell in a 100x30 terminal; each program runs in its own HOME from it.
tm -f /dev/null new-session -d -x 100 -y 30 -s t \
	"env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5

# run_in_pane HOMEDIR CMD — types CMD into the pane's shell with HOME=HOMEDIR, alone
# on its line (bash would go on to the rest of a list once Ctrl-Z stops it).
run_in_pane() {
	tm send-keys -t t "clear; HOME='$1' XDG_DATA_HOME='$1/data' $2 2>'$T/prog.err'" Enter
}

# quiet — the program in the pane wrote nothing on stderr.
quiet() { [ ! -s "$T/prog.err" ] || fail "the program wrote to stderr: $(head -5 "$T/prog.err")"; }

# exit_status — once the shell is back, the status of the program (fg's, if it was stopped).
exit_status() {
	wait_screen 'shell\$ *$' 5
	rm -f "$T/exit"
	tm send-keys -t t "echo exit=\$? >'$T/exit'" Enter
	wait_exit
}

note "the speaker's screen: Ctrl-Z, fg, then Up turns the volume up at once"
start_console "$T/hcon" "$port"
speaker="'$INTERCOM_BIN/intercom-speaker' --name lobby 127.0.0.1:$port"
run_in_pane "$T/spk" "$speaker"
wait_screen 'link +connected to' 10
wait_screen 'volume +0 dB' 2
wait_for 2 modes_are "$SCREEN_MODES"
stop_and_fg 'volume +0 dB'
tm send-keys -t t Up
wait_screen 'volume +\+1 dB' 2

note "the speaker's screen: Ctrl-Z, bg (it runs on, off the terminal), fg, then Up at once"
tm send-keys -t t C-z
wait_for 5 suspended
tm send-keys -t t bg Enter
wait_for 5 backgrounded
wait_for 2 modes_are "$SHELL_MODES"
tm send-keys -t t fg Enter
wait_screen 'volume +\+1 dB' 5
wait_for 2 modes_are "$SCREEN_MODES"
tm send-keys -t t Up
wait_screen 'volume +\+2 dB' 2
grep -q 'speaker lobby .*left' "$T/console.log" && fail "the speaker lost its link: $(grep left "$T/console.log")"

note "the speaker's screen: Ctrl-\\ says BYE to the console and gives the terminal back"
tm send-keys -t t "C-\\"
[ "$(exit_status)" = "exit=0" ] || fail "the speaker exited with $(cat "$T/exit") on Ctrl-\\"
wait_log "$T/console.log" "speaker lobby .* left: .*said bye: speaker shutting down" 5
shell_back
quiet

note "headless, SIGQUIT is an orderly quit too: the console tells its speakers BYE"
alsa_speaker hall-1 "$port" --zone ground
wait_log "$T/console.log" "speaker hall-1 .*joined" 10
kill -QUIT "$CONSOLE_PID"
wait_log "$T/console.log" "console stopped" 5
wait "$CONSOLE_PID" || fail "the headless console exited with $? on SIGQUIT"
grep -q "caught signal $(kill -l QUIT), shutting down" "$T/console.log" || fail "SIGQUIT was not what stopped the console"
wait_log "$T/hall-1.log" "disconnected from .*console said bye: console shutting down" 5

note "the console's screen: Space records; Ctrl-Z, fg, then Down moves the selection, the recording goes on"
# The same console as the headless one above (its key, in its state directory): hall-1
# pinned that key, and would refuse another at this address.
console="XDG_STATE_HOME='$T/hcon/state' '$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all -d 60 --archive '$T/archive'"
run_in_pane "$T/console" "$console"
wait_screen '^ intercom console' 10
alsa_speaker hall-2 "$port" --zone first
wait_screen 'hall-1 +ground' 15
wait_screen 'hall-2 +first' 10
wait_for 2 modes_are "$SCREEN_MODES"
wait_screen '2 speakers' 2
# selected NAME — the marker is on NAME's row.
selected() { screen | grep -q "^▸ $1 "; }
tm send-keys -t t Home
wait_for 2 selected hall-1
tm send-keys -t t Space
wait_screen 'RECORDING' 2
stop_and_fg 'RECORDING'
tm send-keys -t t Down
wait_for 2 selected hall-2
screen | grep -q 'recording cancelled' && fail "the first arrow after fg was read as Esc"
wait_screen 'RECORDING' 1

note "the console's screen: Ctrl-\\ tells the speakers BYE and gives the terminal back"
tm send-keys -t t "C-\\"
[ "$(exit_status)" = "exit=0" ] || fail "the console exited with $(cat "$T/exit") on Ctrl-\\"
# hall-1 heard it from the headless console already.
wait_count "$T/hall-1.log" "disconnected from .*console said bye: console shutting down" 2 5
wait_count "$T/hall-2.log" "disconnected from .*console said bye: console shutting down" 1 5
shell_back
quiet

# quits_below WHAT KEYS WORD — q on a terminal without an alternate screen: WHAT
# exits 0, its keys line (starting with KEYS) stays whole, a line below it says
# WORD (the exit's log) and the prompt comes after that, each on a line of its
# own; the tty's modes are the shell's.
quits_below() {
	tm send-keys -t t q
	[ "$(exit_status)" = "exit=0" ] || fail "the $1 exited with $(cat "$T/exit")"
	screen >"$T/screen.txt"
	awk -v keys="$2" -v word="$3" '
		index($0, keys) == 1 { k = NR }
		k && NR > k && index($0, word) { w = NR }
		w && NR > w && /^shell\$/ { p = NR }
		END { exit !(k && w && p) }' "$T/screen.txt" ||
		{ cat "$T/screen.txt"; fail "the $1's exit did not end below its screen"; }
	tty_sane
	quiet
}

note "TERM=vt100 (no alternate screen): Ctrl-Z and fg keep the arrows; q leaves the screen and ends below it"
run_in_pane "$T/spk" "TERM=vt100 $speaker"
wait_screen 'link +disconnected' 10
wait_screen 'volume +\+2 dB' 2
wait_for 2 modes_are "alt=0 ckeys=1 keypad=1"
# The old screen stays on the terminal meanwhile: the modes say when the program has it again.
stop_and_fg 'volume +\+2 dB' "alt=0 ckeys=1 keypad=1"
tm send-keys -t t Up
wait_screen 'volume +\+3 dB' 2
quits_below speaker ' +/- volume  m mute' 'speaker stopped'

note "TERM=linux (no alternate screen): the console's q leaves the screen and ends below it"
run_in_pane "$T/console" "TERM=linux $console"
wait_screen '^ intercom console' 10
wait_screen '2 speakers' 15
quits_below console ' Space ' 'console stopped'
note "ok"
