#!/usr/bin/env bash
# intercom-ctl driving a console with its screen up (in tmux): the status
# JSON lists the speaker the screen shows; a file sent through the socket is
# paged and the screen shows it played; a duration set remotely shows in the
# header; a refused command answers the client (exit 1) and shows on the
# status line; a page asked for while the terminal is too small for the
# screen still goes; quit through the socket ends the console cleanly, writing
# nothing to stderr.
source "$(dirname "$0")/harness.sh"

CTL="$INTERCOM_BIN/intercom-ctl"
rig_speech "$T/speech.wav" "The lobby closes in ten minutes." 48000 1
port=$(rig_free_port)

SCREEN_PANE=con
SCREEN_TITLE=" intercom console"
SCREEN_KEYS=" Space "
SCREEN_PARTS="intercom console|  NAME | events "
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

mkdir -p "$T/console"
tm -f /dev/null new-session -d -x 100 -y 30 -s con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' \
	 XDG_STATE_HOME='$T/console/state' XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' LANG=C.UTF-8 PS1='shell\$ ' \
	 bash --norc --noprofile"
wait_screen 'shell\$' 5
tm send-keys -t con "'$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all -d 2 --codec pcm \
--archive '$T/archive' 2>'$T/console.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen '^ intercom console' 10
wait_for 5 test -S "$XDG_RUNTIME_DIR/intercom/console.sock"
alsa_speaker hall-1 "$port" --zone ground
wait_screen 'hall-1 +ground' 10

note "status through the socket lists what the screen shows"
"$CTL" status --json >"$T/status.json" || fail "status exited $?"
python3 -m json.tool "$T/status.json" >/dev/null || fail "status is not JSON: $(cat "$T/status.json")"
python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); assert [(p["name"], p["zone"]) for p in s["speakers"]] == [("hall-1", "ground")], s' \
	"$T/status.json" || fail "status JSON: $(cat "$T/status.json")"

note "a file sent through the socket plays, and the screen shows it"
"$CTL" send "$T/speech.wav" >"$T/send.out" || fail "send exited $?"
wait_screen 'page 1: delivered to 1/1, played by 1/1' 20
wait_screen 'control socket \(pid [0-9]+\): send ' 2
wait_log "$T/hall-1.log" "page 1 played" 10
page=$(archived_page "$T/archive" 1)
rig_wav_to_raw "$page" "$T/page1.raw"
rig_alsa_file_collect "$T/hall-1/out.raw" "$T/played.raw"
rig_contains_samples "$T/page1.raw" "$T/played.raw" || fail "hall-1 did not play page 1 sample-exact"
coherent 100 30

note "a duration set through the socket shows in the header"
"$CTL" duration 7.5 >/dev/null || fail "duration exited $?"
wait_screen 'duration 7\.5 s' 2

note "a refused command: exit 1 for the client, the reason on the status line"
rc=0
"$CTL" bogus 2>"$T/bogus.err" || rc=$?
[ "$rc" = 1 ] || fail "bogus exited $rc"
grep -q "unknown command 'bogus'" "$T/bogus.err" || fail "bogus: $(cat "$T/bogus.err")"
wait_screen "unknown command 'bogus'" 2

note "on a terminal too small for the screen a page from the socket still goes (keys would be refused)"
tm resize-window -t con -x 30 -y 6
wait_screen 'too small' 3
"$CTL" send "$T/speech.wav" >/dev/null || fail "send on a small terminal exited $?"
wait_log "$T/hall-1.log" "page 2 played" 20
tm resize-window -t con -x 100 -y 30
coherent 100 30

note "quit through the socket: the console ends, its terminal given back"
"$CTL" quit >/dev/null || fail "quit exited $?"
for _ in $(seq 100); do [ -s "$T/exit" ] && break; sleep 0.1; done
[ "$(cat "$T/exit")" = "exit=0" ] || fail "the console exited $(cat "$T/exit" 2>/dev/null)"
wait_screen 'shell\$' 5
[ -s "$T/console.err" ] && fail "the console wrote to stderr: $(cat "$T/console.err")"
[ -e "$XDG_RUNTIME_DIR/intercom/console.sock" ] && fail "the socket is left behind"
note "ok"
