#!/usr/bin/env bash
# Under systemd (JOURNAL_STREAM naming stdout), every log line carries an
# sd-daemon priority prefix: <6> events, <5> what the operator should look at
# (a speaker asking to join, an unauthenticated RTP target), <4> what failed
# and was survived (a file that cannot be sent, no input device), <3> what
# stops the program.
# Without JOURNAL_STREAM (or when it names another file) no line has one.
source "$(dirname "$0")/harness.sh"

port=$(rig_free_port)
# The console's stdout is $T/console.log: made first, so its inode is known (> keeps it).
: >"$T/console.log"
export JOURNAL_STREAM="$(stat -c %d "$T/console.log"):$(stat -c %i "$T/console.log")"
CONSOLE_ADMIT=ask start_console "$T/console" "$port" --control-socket off --no-advertise \
	--rtp 127.0.0.1:"$(rig_free_port)"
grep -q "^<6>.*listening on" "$T/console.log" || fail "no <6> on 'listening on': $(head -3 "$T/console.log")"
grep -q "^<5>.*UNAUTHENTICATED" "$T/console.log" || fail "the RTP target's warning is not <5>: $(grep UNAUTH "$T/console.log")"
alsa_speaker s1 "$port"
wait_log "$T/console.log" "^<5>.*speaker s1 .*asks to join" 10
console_cmd "send $T/no-such-file.wav"
wait_log "$T/console.log" "^<4>.*cannot send $T/no-such-file.wav" 10
grep -q "^<4>.*no input" "$T/console.log" || fail "no input device is not <4>: $(grep 'no input' "$T/console.log")"
console_cmd "approve"
wait_log "$T/console.log" "^<6>.*speaker s1 .*joined" 10
bad=$(grep -v "^<[3-6]>" "$T/console.log" || true)
[ -z "$bad" ] || fail "lines without a priority: $bad"

note "an error that stops the program: <3> on stderr"
: >"$T/err.log"
JOURNAL_STREAM="$(stat -c %d "$T/err.log"):$(stat -c %i "$T/err.log")" \
	"$INTERCOM_BIN/intercom-console" --headless --port 0 >/dev/null 2>>"$T/err.log" && fail "port 0 accepted"
grep -q "^<3>.*port" "$T/err.log" || fail "the start-up error is not <3>: $(cat "$T/err.log")"

note "JOURNAL_STREAM naming another file: plain lines"
export JOURNAL_STREAM="1:1"
"$INTERCOM_BIN/intercom-console" --headless --port 0 2>"$T/plain.log" >/dev/null && fail "port 0 accepted"
grep -q "^<" "$T/plain.log" && fail "a prefix without the journal: $(cat "$T/plain.log")"
note "ok"
