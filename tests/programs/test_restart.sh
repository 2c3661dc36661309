#!/usr/bin/env bash
# Identity across restarts: page numbers keep increasing after the console
# restarts (its state in $XDG_STATE_HOME/intercom/console.state, replaced
# whole), and the settings the operator changed come back: duration, live or
# pages, the target, priority, chime, pre-roll. An option on the command line wins over
# what was kept; a state file with nonsense in it is survived with a warning.
source "$(dirname "$0")/harness.sh"

sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 0.5 sine 440 vol 0.5
state="$T/console/state/intercom/console.state"
port=$(rig_free_port)

# status_has PATTERN — the console's status (JSON) matches PATTERN.
status_has() {
	local before
	before=$(count_log "$T/console.log" '^[0-9:.]+ \{"console"')
	console_cmd status
	wait_count "$T/console.log" '^[0-9:.]+ \{"console"' $((before + 1)) 5
	grep -E '^[0-9:.]+ \{"console"' "$T/console.log" | tail -1 | grep -Eq -- "$1" ||
		fail "status lacks $1: $(grep -E '\{"console"' "$T/console.log" | tail -1)"
}

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
alsa_speaker s1 "$port" --zone hall
wait_log "$T/console.log" "joined" 20
[ -e "$state" ] && fail "the state was written before anything changed"

note "two pages, and the settings changed"
for n in 1 2; do
	console_cmd "send $T/tone.wav"
	wait_log "$T/console.log" "page $n: delivered to 1/1, played by 1/1" 20
done
console_cmd "duration 7.5"
console_cmd "priority high"
console_cmd "preroll 200"
console_cmd "chime on"
console_cmd "live"
console_cmd "target zone hall"
status_has '"mode":"live","duration_s":7.50,"target":\{"kind":"zone","zones":\["hall"\].*"priority":"high","chime":"on","preroll_ms":200,"page_counter":2'
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
[ -f "$state" ] || fail "no state file at $state"
grep -qx "last_page=2" "$state" || fail "the state does not keep page 2: $(cat "$state")"
ls "$(dirname "$state")" | grep -v -e '^console.state$' -e '^known-speakers$' -e '\.key$' -e '^approved' && fail "a temporary file was left beside the state"

note "restarted: page 3 next, the settings back"
CONSOLE_PAGE_OPTS= start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
wait_log "$T/console.log" "joined" 20
status_has '"mode":"live","duration_s":7.50,"target":\{"kind":"zone","zones":\["hall"\].*"priority":"high","chime":"on","preroll_ms":200,"page_counter":2'
console_cmd "page"
console_cmd "chime off"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20
[ -n "$(archived_page "$T/archive" 3)" ] || fail "page 3 not archived under its number"
[ "$(ls "$T/archive" | wc -l)" -eq 3 ] || fail "the archive does not hold 3 pages: $(ls "$T/archive")"
status_has '"last_page":\{"id":3,"priority":"high"'
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
grep -qx "last_page=3" "$state" || fail "the state does not keep page 3"

note "the command line wins over what was kept"
CONSOLE_PAGE_OPTS="--preroll-ms 0" start_console "$T/console" "$port" --archive "$T/archive" -d 3
status_has '"mode":"page","duration_s":3.00,.*"priority":"high","chime":"off","preroll_ms":0,"page_counter":3'
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "nonsense in the state file: a warning, the rest kept"
printf 'last_page=41\nduration=banana\npriority=urgent\ntarget=zones everywhere\n' >"$state"
CONSOLE_PAGE_OPTS= start_console "$T/console" "$port" --archive "$T/archive"
wait_log "$T/console.log" "warning: .*console.state: 2 settings not understood" 5
wait_log "$T/console.log" "warning: .*console.state: the target kept \(zones everywhere\) is not understood: .*pages go to all speakers" 5
status_has '"target":\{"kind":"all".*"priority":"normal",.*"page_counter":41'
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
