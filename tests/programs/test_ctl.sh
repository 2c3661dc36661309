#!/usr/bin/env bash
# intercom-ctl driving a headless console over its control socket: status as
# readable lines and as JSON (checked with python3 -m json.tool) listing the
# speaker; a file sent to a speaker and played by it sample for sample, the
# answer saying the page it became (a file that is not audio: exit 1); text
# to speech piped in (espeak-ng | intercom-ctl send -) and played, its upload
# removed; a silent client, a client sending megabytes of bytes, of one line
# and of commands while a page is sent and served at once; a second console
# on the same socket refused (exit 3), a stale socket replaced; another user
# refused, by the socket's mode and by the uid check; and every exit code of
# intercom-ctl (0, 1, 2, 3, 4) with its one-line message.
source "$(dirname "$0")/harness.sh"

CTL="$INTERCOM_BIN/intercom-ctl"
SOCK="$XDG_RUNTIME_DIR/intercom/console.sock"
client() { python3 "$INTERCOM_TOP/tests/lib/control_client.py" "$@"; }
# ctl_rc ARGS... — intercom-ctl's exit status (its output in $T/ctl.out and $T/ctl.err).
ctl_rc() { local rc=0; "$CTL" "$@" >"$T/ctl.out" 2>"$T/ctl.err" || rc=$?; echo "$rc"; }
# json_get EXPR — a value of the status JSON, by a python expression on s.
json_get() { "$CTL" status --json | python3 -c "import json, sys; s = json.load(sys.stdin); print($1)"; }

rig_speech "$T/speech.wav" "Attention please. The lobby closes in ten minutes." 22050 1
port=$(rig_free_port)

note "no console yet: exit 3, naming the socket and the fix"
[ "$(ctl_rc status)" = 3 ] || fail "intercom-ctl without a console exited $(ctl_rc status)"
grep -q "no console at $SOCK: start intercom-console" "$T/ctl.err" || fail "message: $(cat "$T/ctl.err")"
[ "$(wc -l <"$T/ctl.err")" = 1 ] || fail "more than one line: $(cat "$T/ctl.err")"

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -d 2
wait_log "$T/console.log" "remote control on $SOCK" 5
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"
[ "$(stat -c %a "$(dirname "$SOCK")")" = 700 ] || fail "socket directory mode $(stat -c %a "$(dirname "$SOCK")")"
alsa_speaker s1 "$port" --zone hall
wait_log "$T/console.log" "speaker s1 .*joined" 10

note "status: readable, and JSON that parses and lists the speaker"
"$CTL" status >"$T/status.txt" || fail "status exited $?"
grep -q "^  s1 .*zone hall" "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
"$CTL" status --json >"$T/status.json"
[ "$(wc -l <"$T/status.json")" = 1 ] || fail "status JSON is not one line"
python3 -m json.tool "$T/status.json" >/dev/null || fail "status is not JSON: $(head -c 300 "$T/status.json")"
[ "$(json_get 's["speakers"][0]["name"], s["speakers"][0]["zone"], s["mode"], s["target"]["kind"]')" = "s1 hall page all" ] ||
	fail "status JSON: $(cat "$T/status.json")"
grep -q "control socket" "$T/console.log" && grep "control socket.*status" "$T/console.log" && fail "status was logged"

note "send FILE: the speaker plays it, sample for sample"
(cd "$T" && "$CTL" send speech.wav) >"$T/send.out" || fail "send exited $?"
# The answer waits for the file's load: it says the page it became.
grep -q "^page 1 loaded from $T/speech.wav: 3.2. s 48000 Hz mono 16-bit" "$T/send.out" || fail "send said: $(cat "$T/send.out")"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
wait_log "$T/s1.log" "page 1 played" 10
page=$(archived_page "$T/archive" 1)
rig_wav_to_raw "$page" "$T/page1.raw"
rig_alsa_file_collect "$T/s1/out.raw" "$T/s1.played1.raw"
rig_contains_samples "$T/page1.raw" "$T/s1.played1.raw" || fail "s1 did not play page 1 sample-exact"
[ "$(json_get 's["last_page"]["id"], s["last_page"]["played"], s["speakers"][0]["last_page"]["state"]')" = "1 1 played" ] ||
	fail "status after page 1: $("$CTL" status --json)"

note "send -: text to speech through stdin"
espeak-ng --stdout "Closing in ten minutes" | "$CTL" send - >"$T/upload.out" || fail "send - exited $?"
grep -q "^page 2 loaded from $(dirname "$SOCK")/ctl-stdin-pid[0-9]*-" "$T/upload.out" || fail "send - said: $(cat "$T/upload.out")"
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 20
wait_log "$T/s1.log" "page 2 played" 10
level=$(rms "$(archived_page "$T/archive" 2)")
awk -v r="$level" 'BEGIN { exit !(r > 0.01) }' || fail "page 2 is silent (RMS $level)"
wait_for 5 test -z "$(ls "$(dirname "$SOCK")" | grep -v '^console.sock$')"
note "sox through stdin, as FLAC"
sox -n -r 16000 -c 1 -t flac - synth 0.8 sine 660 | "$CTL" send - >"$T/upload2.out" || fail "send - (flac) exited $?"
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20
[ "$(ctl_rc send - </dev/null)" = 1 ] || fail "an empty upload: $(cat "$T/ctl.err")"
grep -q "the upload was empty" "$T/ctl.err" || fail "empty upload: $(cat "$T/ctl.err")"

note "a silent client and megabytes of bytes, of one line and of commands: pages go on"
client "$SOCK" silent >"$T/silent.out" &
silent=$!
client "$SOCK" mega 3 >"$T/mega.out" &
mega=$!
client "$SOCK" megaline 2 >"$T/megaline.out" &
megaline=$!
client "$SOCK" megalines 2 >"$T/megalines.out" &
megalines=$!
sleep 0.5
t0=$(date +%s%N)
"$CTL" send "$T/speech.wav" >/dev/null || fail "send beside the floods exited $?"
"$CTL" status --json | python3 -m json.tool >/dev/null || fail "status beside the floods"
t1=$(date +%s%N)
note "send and status beside them: $(( (t1 - t0) / 1000000 )) ms"
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || fail "the console took $(( (t1 - t0) / 1000000 )) ms to serve beside the floods"
wait_log "$T/console.log" "page 4: delivered to 1/1, played by 1/1" 20
wait "$mega" "$megaline"
grep -q "refused 1 | not a command line: it " "$T/mega.out" || fail "mega: $(cat "$T/mega.out")"
grep -q "refused 1 | line too long: a command is at most 4096 bytes" "$T/megaline.out" || fail "megaline: $(cat "$T/megaline.out")"
wait "$silent"
grep -Eq "^1[0-2]\.[0-9] refused 1 \| closed: nothing came for 10 s" "$T/silent.out" || fail "silent: $(cat "$T/silent.out")"
kill "$megalines" 2>/dev/null || true
wait "$megalines" 2>/dev/null || true
[ "$(ctl_rc status)" = 0 ] || fail "status after the floods: $(cat "$T/ctl.err")"

note "exit codes: 1 the console said no, 2 usage; each one line"
[ "$(ctl_rc bogus)" = 1 ] || fail "an unknown command: $(cat "$T/ctl.err")"
grep -q "^intercom-ctl: unknown command 'bogus'" "$T/ctl.err" || fail "message: $(cat "$T/ctl.err")"
[ "$(ctl_rc talk)" = 1 ] || fail "talk without an input"
grep -q "cannot talk: " "$T/ctl.err" || fail "talk: $(cat "$T/ctl.err")"
echo "not audio" >"$T/notes.wav"
[ "$(ctl_rc send "$T/notes.wav")" = 1 ] || fail "a file that is not audio: $(cat "$T/ctl.out")"
grep -q "^intercom-ctl: cannot send $T/notes.wav: .*Format not recognised" "$T/ctl.err" || fail "not audio: $(cat "$T/ctl.err")"
echo "not audio either" | "$CTL" send - 2>"$T/ctl.err" && fail "send - of text succeeded"
grep -q "cannot send .*ctl-stdin-pid.*Format not recognised" "$T/ctl.err" || fail "send - of text: $(cat "$T/ctl.err")"
[ "$(ctl_rc send "$T/nothing.wav")" = 1 ] || fail "a missing file"
grep -q "cannot read $T/nothing.wav: No such file" "$T/ctl.err" || fail "missing file: $(cat "$T/ctl.err")"
[ "$(ctl_rc --zone hall send x)" = 2 ] || fail "an option before the command"
[ "$(ctl_rc)" = 2 ] || fail "no command"
[ "$(ctl_rc duration 3)" = 0 ] && grep -q "duration set to 3.00 s" "$T/ctl.out" || fail "duration: $(cat "$T/ctl.out" "$T/ctl.err")"
[ "$(json_get 's["duration_s"]')" = 3.0 ] || fail "the duration set is not in the status"

note "a second console on the same socket is refused, exit 3; the first serves on"
rc=0
HOME="$T/console2" XDG_STATE_HOME="$T/console2/state" "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 \
	-p "$(rig_free_port)" --archive "$T/archive2" </dev/null >"$T/second.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "the second console exited $rc: $(cat "$T/second.log")"
grep -q "another intercom-console is running on the control socket $SOCK" "$T/second.log" || fail "$(cat "$T/second.log")"
[ "$(ctl_rc status)" = 0 ] || fail "the first console stopped serving: $(cat "$T/ctl.err")"

note "a stopped console: exit 4 after --timeout"
kill -STOP "$CONSOLE_PID"
t0=$(date +%s%N)
rc=$(ctl_rc --timeout 1 status)
t1=$(date +%s%N)
kill -CONT "$CONSOLE_PID"
[ "$rc" = 4 ] || fail "a stopped console: exit $rc, $(cat "$T/ctl.err")"
grep -q "did not answer within 1.0 s" "$T/ctl.err" || fail "timeout: $(cat "$T/ctl.err")"
[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] || fail "--timeout 1 took $(( (t1 - t0) / 1000000 )) ms"

note "a killed console leaves a stale socket: exit 3; the next console replaces it"
kill -KILL "$CONSOLE_PID"
wait "$CONSOLE_PID" 2>/dev/null || true
[ -S "$SOCK" ] || fail "no stale socket left to test with"
[ "$(ctl_rc status)" = 3 ] || fail "a stale socket: $(cat "$T/ctl.err")"
grep -q "nobody listens on $SOCK" "$T/ctl.err" || fail "stale: $(cat "$T/ctl.err")"
exec {CONSOLE_FD}>&-
rm -f "$T/console.cmd"
start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
[ "$(ctl_rc status)" = 0 ] || fail "the console over a stale socket: $(cat "$T/ctl.err")"

note "quit through the socket: the console stops and removes its socket"
[ "$(ctl_rc quit)" = 0 ] || fail "quit: $(cat "$T/ctl.err")"
wait "$CONSOLE_PID" || fail "console exited with $?"
[ -e "$SOCK" ] && fail "the socket is left behind"

note "the default place unusable (no runtime directory): the console runs without remote control, and says so"
exec {CONSOLE_FD}>&-
rm -f "$T/console.cmd"
# A file where the directory should be (a missing one the audio libraries would make).
XDG_RUNTIME_DIR="$T/notes.wav" start_console "$T/console" "$port" --archive "$T/archive"
grep -q "warning: no remote control (intercom-ctl): cannot make the control socket's directory $T/notes.wav/intercom: Not a directory" \
	"$T/console.log" || fail "no warning: $(head -12 "$T/console.log")"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "a socket asked for by name must be had: exit 3"
rc=0
HOME="$T/console" XDG_STATE_HOME="$T/console/state" "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 \
	-p "$port" --archive "$T/archive" --control-socket "$T/notes.wav/c.sock" </dev/null >"$T/named.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "an unusable --control-socket: exit $rc, $(cat "$T/named.log")"
grep -q "cannot listen on the control socket $T/notes.wav/c.sock: Not a directory" "$T/named.log" || fail "$(cat "$T/named.log")"

note "another user: refused by the socket's mode, then by the uid check"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	pub="$T/pub"
	mkdir -m 755 "$pub"
	chmod 711 "$T"
	exec {CONSOLE_FD}>&-
	rm -f "$T/console.cmd"
	start_console "$T/console" "$port" --archive "$T/archive" --control-socket "$pub/console.sock"
	# nobody runs its own copy (the sanitizer run's wrapper lives where nobody may not look).
	real=$(sed -n 's/.*exec "\([^"]*\)".*/\1/p' "$CTL" 2>/dev/null || true)
	cp "${real:-$CTL}" "$pub/intercom-ctl"
	chmod 755 "$pub/intercom-ctl"
	as_nobody() { local rc=0; setpriv --reuid=nobody --regid=nogroup --clear-groups "$pub/intercom-ctl" --socket "$pub/console.sock" "$@" >"$T/ctl.out" 2>"$T/ctl.err" || rc=$?; echo "$rc"; }
	[ "$(as_nobody status)" = 3 ] || fail "nobody on a 0600 socket: $(cat "$T/ctl.err")"
	grep -q "permission denied: it is another user's console" "$T/ctl.err" || fail "mode: $(cat "$T/ctl.err")"
	chmod 666 "$pub/console.sock"
	[ "$(as_nobody status)" = 3 ] || fail "nobody past the mode: $(cat "$T/ctl.err")"
	grep -q "refused: uid $(id -u nobody) is not the console's user (uid 0)" "$T/ctl.err" || fail "uid: $(cat "$T/ctl.err")"
	wait_log "$T/console.log" "control socket: client \(pid [0-9]*\) dropped: refused: uid" 5
	[ "$(ctl_rc --socket "$pub/console.sock" status)" = 0 ] || fail "the owner after nobody: $(cat "$T/ctl.err")"
	console_cmd quit
	wait "$CONSOLE_PID" || fail "console exited with $?"
else
	note "(skipped the other-user part: needs root, setpriv and a nobody user)"
fi
note "ok"
