#!/usr/bin/env bash
# Faults a console left running for months will meet: a flood of connections
# that never say hello, more speakers than allowed, a console restart, the
# sound server going away and coming back, and SIGTERM. (A full archive:
# test_archive_full.sh, which needs root.)
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
port=$(rig_free_port)
# A 2 s HELLO deadline (--hello-timeout) so the flood below ends in seconds, not 10.
start_console "$T/console" "$port" --archive "$T/archive" --max-speakers 3 -d 1 --hello-timeout 2
grep -q "input: " "$T/console.log" || fail "no input on the pulse rig"
for s in s1 s2 s3; do alsa_speaker "$s" "$port"; done
wait_log "$T/console.log" "\(3 connected\)" 20

note "a fourth speaker is over --max-speakers 3: refused with the reason"
alsa_speaker s4 "$port"
wait_log "$T/s4.log" "console said bye: console full: 3 speakers connected" 10
wait_log "$T/console.log" "closed before hello: refused: 3 speakers connected, the limit" 5
kill -TERM "$LAST_PID"

note "a flood of 300 connections that never say hello"
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$CONSOLE_PID/status")
echo 5 >"/proc/$CONSOLE_PID/clear_refs"   # the peak (VmHWM) starts again from here
python3 - "$port" >"$T/flood.log" 2>&1 <<'PY' &
import select, socket, sys, time
socks = []
for _ in range(300):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
    except OSError as e:
        print("connect failed:", e)
# Until the console has closed every one (the last at its 2 s HELLO deadline), 15 s at most.
open_socks, closed, deadline = list(socks), 0, time.time() + 15
while open_socks and time.time() < deadline:
    ready, _, _ = select.select(open_socks, [], [], 0.5)
    for s in ready:
        try:
            if s.recv(1) == b"":
                closed += 1
                open_socks.remove(s)
        except OSError:  # reset, not closed: counts against the console
            open_socks.remove(s)
print("opened", len(socks), "closed by console", closed)
PY
flood=$!
wait_log "$T/console.log" "64 connections have not said hello yet: each newer one takes the place of the oldest" 10
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 3/3, played by 3/3" 10
wait_log "$T/console.log" "no HELLO within 2 s" 10
wait "$flood"
grep -q "opened 300 closed by console 300" "$T/flood.log" || fail "flood: $(cat "$T/flood.log")"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$CONSOLE_PID/status")
note "console peak RSS after the flood: $rss KiB, $((rss - rss_before)) KiB over its RSS before it"
# At most 64 waiting connections of a few KiB each, plus the page sent meanwhile.
[ $((rss - rss_before)) -lt 8192 ] || fail "the flood grew the console by $((rss - rss_before)) KiB"

note "the console restarts: every speaker is back within the backoff cap"
kill -TERM "$CONSOLE_PID"
wait "$CONSOLE_PID" || fail "console exited with $? on SIGTERM"
for s in s1 s2 s3; do wait_log "$T/$s.log" "disconnected from .*console said bye: console shutting down" 5; done
sleep 3   # the test: speakers back off while the console is away (their delay grows)
before=$(count_log "$T/s1.log" "connected to 127.0.0.1")
# The same HOME: page numbers go on from the console before (page 1 was its), this one's first is 2.
start_console "$T/console" "$port" --archive "$T/archive" -d 1
wait_log "$T/console.log" "\(3 connected\)" 12
[ "$(count_log "$T/s1.log" "connected to 127.0.0.1")" -gt "$before" ] || fail "s1 did not reconnect"

note "the sound server goes away: talk is refused, a speaker on it reports failed, both recover"
rig_pulse_client_home "$PULSE_DIR" "$T/paspk" mic.monitor spk2
run_bg "$T/paspk" "$T/paspk.log" "$INTERCOM_BIN/intercom-speaker" --headless --name paspk "127.0.0.1:$port"
wait_log "$T/console.log" "speaker paspk joined" 10
# Mid-recording: what was recorded is kept and sent, marked as cut short.
console_cmd "duration 6"
console_cmd talk
wait_log "$T/console.log" "recording 6.00 s" 5
sleep 1   # the test: a second recorded before the server goes away
rig_pulse_stop "$PULSE_DIR"
wait_log "$T/console.log" "input device .* stopped working; talk is disabled" 10
wait_log "$T/console.log" "page 2 captured \(cut short: input device failed\)" 5
wait_log "$T/console.log" "page 2 failed on paspk: output device" 10
wait_log "$T/console.log" "page 2: delivered to 4/4, played by 3/4" 10
console_cmd talk
wait_log "$T/console.log" "cannot talk: input device lost" 5
# Away long enough for the console to list the devices afresh (after 6 s); the
# next listing, the one that finds the server back, comes 12 s after that.
wait_log "$T/console.log" "input device still missing: listing the audio devices afresh" 10
rig_pulse_start "$PULSE_DIR"
wait_log "$T/console.log" "input device .* is back; talk is enabled" 20
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 3: delivered to 4/4, played by 4/4" 15

note "resend while a speaker is still playing: each copy's outcome lands on its own page"
sox -n -r 48000 -c 1 -b 16 "$T/tone4.wav" synth 4 sine 440 vol 0.3
console_cmd "send $T/tone4.wav"
wait_log "$T/paspk.log" "page 4 playing" 10
# The unpaced file speakers play a page the moment its time comes: once they have,
# only the paced one is still playing (a loaded machine may run their timers late).
for s in s1 s2 s3; do wait_log "$T/$s.log" "page 4 played" 5; done
console_cmd resend
wait_log "$T/console.log" "page 5 is page 4 sent again" 5
wait_log "$T/paspk.log" "page 4 interrupted" 5
wait_log "$T/console.log" "page 4: delivered to 4/4, played by 3/4" 10
wait_log "$T/console.log" "page 5: delivered to 4/4, played by 4/4" 15
wait_log "$T/paspk.log" "page 5 played" 5

note "SIGTERM: speakers told bye, clean exit"
kill -TERM "$CONSOLE_PID"
wait "$CONSOLE_PID" || fail "console exited with $? on SIGTERM"
grep -q "console stopped" "$T/console.log" || fail "console did not stop cleanly"
note "ok"
