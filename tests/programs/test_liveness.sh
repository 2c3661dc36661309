#!/usr/bin/env bash
# Liveness is whole frames, not bytes: a speaker that trickles bytes is dropped
# by the console, a console that trickles a page is given up by the speaker
# (which holds memory for what arrived, not for the 64 MiB claimed); a page the
# speaker rejects is never "received" (the console's "delivered"); and a console
# stopped with Ctrl-Z for 12 s gets its speakers back at once when it resumes,
# without a backoff or a stray join.
source "$(dirname "$0")/harness.sh"

PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
# vm_kib PID FIELD — a field of /proc/PID/status in KiB (VmSize, VmRSS).
vm_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
# closed_at_5s PID OUT WHO — the peer.py PID, printing into OUT, saw the other end close
# at the 5 s timeout (between 4.5 and 9 s); WHO says what gave it up, for the messages.
closed_at_5s() {
	local took
	wait "$1" || fail "peer.py failed: $(cat "$2")"
	took=$(sed -n 's/^closed //p' "$2")
	[ -n "$took" ] || fail "$3 never gave it up: $(cat "$2")"
	note "$3 gave it up after $took s"
	awk -v t="$took" 'BEGIN { exit !(t >= 4.5 && t < 9) }' || fail "$3 gave it up after $took s, not at 5 s"
}

port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive"

note "a speaker that trickles bytes, never a whole frame, is dropped at the heartbeat timeout"
$PEER probe 127.0.0.1 "$port" trickle >"$T/trickle.out" 2>&1 &
trickler=$!
PIDS+=("$trickler")

note "a console that trickles a page claimed to be 64 MiB: the speaker gives it up, holding little"
tport=$(rig_free_port)
$PEER trickle-console "$tport" >"$T/tcon.out" 2>&1 &
tcon=$!
PIDS+=("$tcon")
wait_for 5 listening "$tport"
alsa_speaker pinned "$tport"
pinned=$LAST_PID
wait_log "$T/pinned.log" "connected to 127.0.0.1:$tport" 10
size0=$(vm_kib "$pinned" VmSize)
rss0=$(vm_kib "$pinned" VmRSS)
wait_log "$T/tcon.out" "page header sent" 5
wait_log "$T/pinned.log" "page 4242 arriving: 67108864 bytes" 5
sleep 1.5 # the test: the page is being trickled; what does the speaker hold?
size1=$(vm_kib "$pinned" VmSize)
rss1=$(vm_kib "$pinned" VmRSS)
note "speaker while a 64 MiB page trickles: VmSize +$((size1 - size0)) KiB, VmRSS +$((rss1 - rss0)) KiB"
[ $((size1 - size0)) -lt $((16 * 1024)) ] ||
	fail "the speaker took $(((size1 - size0) / 1024)) MiB for a page of which a few bytes arrived"

closed_at_5s "$tcon" "$T/tcon.out" "the speaker receiving a trickled page"
grep -q "status page 4242 failed stopped arriving: " "$T/tcon.out" ||
	fail "the speaker did not report the page failed: $(cat "$T/tcon.out")"
wait_log "$T/pinned.log" "disconnected from 127.0.0.1:$tport: page 4242 stopped arriving: [0-9]+ of 67108864 bytes, fewer than 32 KiB in 5 s" 5
kill -TERM "$pinned"

closed_at_5s "$trickler" "$T/trickle.out" "the console with a speaker trickling bytes"
wait_log "$T/console.log" "speaker trickler \(.*\) left: no sign of life for 5 s: [0-9]+ bytes but no whole frame" 5

note "a page the speaker rejects is reported failed, never received (delivered)"
rport=$(rig_free_port)
$PEER rogue-console "$rport" truncated >"$T/rogue.out" 2>&1 &
rogue=$!
PIDS+=("$rogue")
wait_for 5 listening "$rport"
alsa_speaker victim "$rport" --once
wait "$rogue" || fail "rogue console failed: $(cat "$T/rogue.out")"
grep -q "status page 7 failed rejected: truncated" "$T/rogue.out" ||
	fail "no 'rejected' status: $(cat "$T/rogue.out")"
grep -q "status page 7 received" "$T/rogue.out" &&
	fail "the speaker reported a page it rejected as received: $(cat "$T/rogue.out")"

note "a console stopped for 12 s gets its speakers back at once when it resumes"
alsa_speaker s1 "$port"
alsa_speaker s2 "$port"
wait_count "$T/console.log" "speaker s[12] joined" 2 10
kill -STOP "$CONSOLE_PID"
sleep 12 # the test: the console does not run for 12 s (Ctrl-Z, then fg)
mark=$(wc -l <"$T/console.log")
# after_resume PATTERN — lines the console logged since it was resumed that match.
after_resume() { tail -n +"$((mark + 1))" "$T/console.log" | grep -Ec -- "$1" || true; }
back_both() { [ "$(after_resume "speaker s[12] joined")" -ge 2 ]; }
resumed=$(date +%s%N)
kill -CONT "$CONSOLE_PID"
wait_for 3 back_both
note "both speakers back $((($(date +%s%N) - resumed) / 1000000)) ms after the console resumed"
sleep 2 # the test: nothing joins or leaves once they are back
[ "$(after_resume "speaker s[12] joined")" -eq 2 ] ||
	fail "speakers joined more than once after the resume: $(tail -n +"$((mark + 1))" "$T/console.log")"
[ "$(after_resume "left: (no sign of life|.*joined)")" -eq 0 ] ||
	fail "the console dropped a speaker for its own stop: $(tail -n +"$((mark + 1))" "$T/console.log")"
for s in s1 s2; do
	grep -E "retrying in ([1-9]|0\.[6-9])" "$T/$s.log" &&
		fail "$s backed off more than 0.5 s because the console was stopped"
	[ "$(count_log "$T/$s.log" "connected to 127.0.0.1:$port")" -eq 2 ] ||
		fail "$s connected other than once after the stop: $(cat "$T/$s.log")"
done
grep -Eq "the console did not run for 1[0-9]\.[0-9] s" "$T/console.log" || fail "the console did not say it had been stopped"
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 2/2, played by 2/2" 15
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
