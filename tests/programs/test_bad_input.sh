#!/usr/bin/env bash
# Bad input from the user and from the network: each gets its documented
# outcome (a one-line message and exit code, or a logged and dropped
# connection), nothing crashes, the other speakers are not disturbed, and a
# speaker never plays a page it could not check.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
C="$INTERCOM_BIN/intercom-console"
S="$INTERCOM_BIN/intercom-speaker"
mkdir -p "$T/home"
export HOME="$T/home" XDG_DATA_HOME="$T/home/data"

# expect_exit CODE PATTERN CMD... — CMD exits with CODE and prints one line matching PATTERN.
expect_exit() {
	local code=$1 pattern=$2 rc=0
	shift 2
	"$@" </dev/null >"$T/out.txt" 2>&1 || rc=$?
	[ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code: $(cat "$T/out.txt")"
	grep -Eq -- "$pattern" "$T/out.txt" || fail "'$*' said '$(cat "$T/out.txt")', expected /$pattern/"
}

note "user errors: one line naming the cause and the fix, documented exit code"
expect_exit 2 "unknown option '--bogus'" "$C" --bogus
expect_exit 2 "bad duration '0.1'" "$C" --headless -d 0.1
expect_exit 2 "a 174.77 s page at 192000 Hz x 1 channels, with its headers, is over the 64 MiB limit: give -d 174.7 or less" "$C" --headless -r 192000 -d 174.77
expect_exit 2 "bad port '70000'" "$S" --headless -p 70000 localhost
expect_exit 7 "no console address given, and no avahi-daemon to find one over mDNS .*: give the console's address" "$S" --headless
expect_exit 2 "-p needs the console's address" "$S" --headless -p 2000
expect_exit 0 "--duration" "$C" --help
expect_exit 0 "intercom-speaker [0-9]" "$S" --version
port=$(rig_free_port)
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
PIDS+=($!)
wait_for 5 listening "$port"
expect_exit 3 "port $port on 127.0.0.1 is in use.*-p" "$C" --headless -H 127.0.0.1 -p "$port" --archive "$T/a0"
expect_exit 3 "not on this machine" "$C" --headless -H 192.0.2.1 -p "$(rig_free_port)" --archive "$T/a0"
expect_exit 4 "no input device matches 'nosuchmic'" "$C" --headless -i nosuchmic -p "$(rig_free_port)" --archive "$T/a0"
expect_exit 4 "no output device.*--save" "$S" --headless 127.0.0.1:1
expect_exit 4 "no output device matches 'nosuchspeaker'" "$S" --headless -o nosuchspeaker 127.0.0.1:1
touch "$T/file"
expect_exit 5 "archive: cannot create directory .*Not a directory" "$C" --headless --archive "$T/file/x" -p "$(rig_free_port)"
[ "$(wc -l <"$T/out.txt")" -eq 1 ] || fail "error message is more than one line: $(cat "$T/out.txt")"

note "hostile bytes at the console: each connection dropped with a logged reason"
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive"
alsa_speaker good "$port"
wait_log "$T/console.log" "speaker good joined" 10
for kind in garbage oversize oversize-page truncated version bad-name; do
	[ "$($PEER probe 127.0.0.1 "$port" "$kind")" = closed ] || fail "console kept a '$kind' connection open"
done
[ "$($PEER probe 127.0.0.1 "$port" unknown-type)" = pong ] || fail "an unknown message type was not skipped"
wait_log "$T/console.log" "closed before hello: protocol error: not an intercom peer" 5
wait_log "$T/console.log" "closed before hello: protocol error: frame larger than the limit" 5
wait_log "$T/console.log" "closed before hello: protocol error: another protocol version \\(run the same intercom release" 5
wait_log "$T/console.log" "closed before hello: malformed HELLO" 5
wait_log "$T/console.log" "closed in the middle of a HELLO frame" 5
wait_log "$T/console.log" "speaker probe .*left: protocol error: frame larger than the limit" 5

note "the good speaker still gets its page"
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 10
console_cmd "send /nonexistent/page.wav"
wait_log "$T/console.log" "cannot send /nonexistent/page.wav: .*page.wav" 5
console_cmd send
wait_log "$T/console.log" "send needs a file: send \[OPTS\] PATH" 5
console_cmd "duration 0"
wait_log "$T/console.log" "bad duration '0'" 5
# The format here is 48 kHz mono: 300 s fits. At 192 kHz stereo it would not (see above).
console_cmd "duration 300"
wait_log "$T/console.log" "duration set to 300.00 s" 5
console_cmd "talk"
wait_log "$T/console.log" "cannot talk: no input device" 5
kill -0 "$CONSOLE_PID" || fail "console died"

note "a speaker that stops reading is dropped once over its queue bound; the others receive every page"
sox -n -r 48000 -c 1 -b 16 "$T/big.wav" synth 60 sine 500 vol 0.2
$PEER probe 127.0.0.1 "$port" no-read >"$T/noread.out" 2>&1 &
noread=$!
wait_log "$T/console.log" "speaker no-read joined" 10
for _ in 1 2 3 4 5; do console_cmd "send $T/big.wav"; done
wait_log "$T/console.log" "speaker no-read .*left: not reading: " 60
# Each newer page takes over from the one playing (README): every one must arrive whole.
wait_count "$T/good.log" "page [0-9]+ received: 60\\.00 s" 5 60
wait "$noread"
grep -q "^dropped" "$T/noread.out" || fail "the non-reading peer was not dropped: $(cat "$T/noread.out")"

note "a rogue console's bad pages are rejected by the speaker and never played"
for kind in truncated aiff adpcm; do
	rport=$(rig_free_port)
	$PEER rogue-console "$rport" "$kind" >"$T/rogue.out" 2>&1 &
	rogue=$!
	wait_for 5 listening "$rport"
	rm -rf "$T/victim"
	alsa_speaker victim "$rport" --once
	victim=$LAST_PID
	wait "$rogue" || fail "rogue console failed: $(cat "$T/rogue.out")"
	rc=0
	wait "$victim" || rc=$?
	[ "$rc" -eq 1 ] || fail "--once speaker exited $rc after a rejected page, expected 1"
	grep -q "status page 7 failed rejected: " "$T/rogue.out" || fail "no 'rejected' status for a $kind page: $(cat "$T/rogue.out")"
	if [ "$kind" = truncated ]; then grep -q "rejected: truncated" "$T/rogue.out" || fail "truncated page not reported as truncated"; fi
	grep -q "page 7 rejected" "$T/victim.log" || fail "speaker did not log the rejection"
	if [ -e "$T/victim/out.raw" ]; then fail "speaker opened its output for a $kind page"; fi
done
note "after a bad page the speaker drops the link, once the console has the reason, and makes it afresh"
rport=$(rig_free_port)
$PEER rogue-console "$rport" truncated,wait-close >"$T/rogue.out" 2>&1 &
rogue=$!
wait_for 5 listening "$rport"
rm -rf "$T/victim2"
alsa_speaker victim2 "$rport"
wait "$rogue" || fail "rogue console failed: $(cat "$T/rogue.out")"
grep -q "status page 7 failed rejected: truncated" "$T/rogue.out" || fail "no reason before the drop: $(cat "$T/rogue.out")"
grep -q "^closed" "$T/rogue.out" || fail "the speaker kept the link to a console that sent a bad page"
wait_log "$T/victim2.log" "disconnected from 127.0.0.1:$rport: console sent a bad page \\(truncated" 5
kill -TERM "$LAST_PID"

console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
