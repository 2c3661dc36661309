#!/usr/bin/env bash
# Targets and the page history on the console's screen (tmux): z on a selected
# speaker pages its zone and the header says so; a page typed at ":" goes to
# that zone only; t adds a speaker; a zone that matches nobody is refused on the
# status line; a page for the zone while its speaker is offline shows "waiting
# for 1", and plays when it reconnects ("delivered late"); H opens the history,
# which lists the pages and, for the one picked, each speaker's outcome; r there
# sends the picked page again. Screens for README.md are kept with
# SCREENSHOTS=DIR.
source "$(dirname "$0")/harness.sh"

sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 0.6 sine 440 vol 0.5
port=$(rig_free_port)

SCREEN_PANE=con
SCREEN_TITLE=" intercom console"
SCREEN_KEYS=" Space "
SCREEN_PARTS="intercom console|  NAME | events "
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

# shot NAME — keeps the screen for README.md when SCREENSHOTS is set.
shot() { [ -z "${SCREENSHOTS-}" ] || screen >"$SCREENSHOTS/$1.txt"; }

mkdir -p "$T/console"
rig_alsa_file "$T/console" /dev/zero "$T/console/out.raw"
tm -f /dev/null new-session -d -x 100 -y 30 -s con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' \
	 XDG_STATE_HOME='$T/console/state' LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5
tm send-keys -t con "'$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all --codec pcm --archive '$T/archive' 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen '^ intercom console' 10
alsa_speaker hall-1 "$port" --zone hall
alsa_speaker hall-2 "$port" --zone hall
alsa_speaker office-1 "$port" --zone office
office_pid=$LAST_PID
wait_screen '3 speakers' 10
wait_screen 'next page to all speakers' 2

note "z on office-1 pages its zone; the header says so; a page goes there only"
tm send-keys -t con Down Down Down
wait_screen '^▸ office-1 ' 2
tm send-keys -t con z
wait_screen 'next page to zone office' 2
tm send-keys -t con ":send $T/tone.wav" Enter
wait_screen 'page 1: delivered to 1/1, played by 1/1' 15
wait_log "$T/office-1.log" "page 1 played" 5
for s in hall-1 hall-2; do [ "$(count_log "$T/$s.log" "page 1 ")" -eq 0 ] || fail "$s got the office's page"; done
shot targets-zone

note "t adds the selected speaker; t again takes it out"
tm send-keys -t con Up
wait_screen '^▸ hall-2 ' 2
tm send-keys -t con t
wait_screen 'next page to zone office \+ hall-2' 2
tm send-keys -t con t
wait_screen 'next page to zone office( |$)' 2

note "a zone that matches nobody: refused on the status line, the target stays"
tm send-keys -t con ":target zone attic" Enter
wait_screen 'target not changed: no speaker is in zone attic' 2
wait_screen 'next page to zone office' 1

note "office-1 offline: the page waits for it, the screen says so"
kill "$office_pid"
wait_screen '2 speakers' 10
tm send-keys -t con ":send $T/tone.wav" Enter
wait_screen 'page 2 .*waiting for 1' 10
shot targets-waiting
run_bg "$T/office-1" "$T/office-1-back.log" "$INTERCOM_BIN/intercom-speaker" --headless --name office-1 \
	--zone office "127.0.0.1:$port"
wait_screen 'page 2 delivered late \([0-9]+ s\) to office-1' 15
wait_log "$T/office-1-back.log" "page 3 played" 5

note "H: the history; the picked page's speakers; r sends it again"
tm send-keys -t con H
wait_screen 'page history' 2
wait_screen 'page 2 .* to zone office: played by 1/1' 2
wait_screen '^ +office-1: played late \([0-9]+ s\)' 2
shot history
tm send-keys -t con Down
wait_screen '▸ page 1 ' 2
wait_screen '^ +office-1: played$' 2
tm send-keys -t con r
wait_log "$T/office-1-back.log" "page 4 played" 10
tm send-keys -t con Escape
wait_screen 'page 4: delivered to 1/1, played by 1/1' 5
coherent 100 30
wait_screen 'page 4 is page 1 sent again' 2

tm send-keys -t con q
wait_for 5 test -s "$T/exit"
[ "$(cat "$T/exit")" = "exit=0" ] || fail "console: $(cat "$T/exit")"
[ ! -s "$T/console.err" ] || fail "the console wrote to stderr: $(cat "$T/console.err")"
note "ok"
