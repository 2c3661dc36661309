#!/usr/bin/env bash
# Priorities (docs/PROTOCOL.md, PRIORITY). On a paced speaker (real time, a file
# of what it played): a high page is not cut off by a normal one sent while it
# plays; the normal one waits its turn and plays whole afterwards, and both
# reach the device sample-exact. A high page sent while a normal one plays
# takes over (interrupted), as any newer page did before priorities. The
# console's tally is of its latest page only: page 1's outcome is the speaker's to say.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
mkdir -p "$T/s1"
rig_pulse_file_home "$PULSE_DIR" "$T/s1" /dev/zero "$T/s1/out.raw" mic.monitor spk1
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/long.wav" synth 3 sine 440 vol 0.5 fade 0.05 3 0.05
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/short.wav" synth 1 sine 880 vol 0.5 fade 0.05 1 0.05
port=$(rig_free_port)

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -c 1
run_bg "$T/s1" "$T/s1.log" "$INTERCOM_BIN/intercom-speaker" --headless --name s1 "127.0.0.1:$port"
wait_log "$T/console.log" "joined" 20
wait_log "$T/console.log" "s1.*clock locked|clock locked.*s1" 15

note "a high page, then a normal one while it plays: the normal one waits its turn"
console_cmd "priority high"
wait_log "$T/console.log" "priority of next pages: high" 5
console_cmd "send $T/long.wav"
wait_log "$T/s1.log" "page 1 playing" 15
console_cmd "priority normal"
console_cmd "send $T/short.wav"
wait_log "$T/s1.log" "page 2 \(normal\) waits: page 1 \(high\) plays first" 10
# The console tallies its latest page only (page 1's is closed when page 2 is sent, and says why):
# the speaker says how page 1 went.
wait_log "$T/console.log" "page 1: .*\(the next page, of lower priority, waits for it on each speaker" 5
wait_log "$T/s1.log" "page 1 played \(3.00 s\)" 15
wait_log "$T/s1.log" "page 2 plays now, after the page before it" 5
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 15
grep -q "page 1 interrupted" "$T/s1.log" && fail "the normal page cut off the high one"

for n in 1 2; do
	rig_wav_to_raw "$(archived_page "$T/archive" "$n")" "$T/page$n.raw"
done
[ -f "$T/s1/out.raw.0001" ] || fail "the second page opened no stream of its own"
rig_contains_samples "$T/page1.raw" "$T/s1/out.raw" >/dev/null || fail "the high page did not play whole, sample-exact"
rig_contains_samples "$T/page2.raw" "$T/s1/out.raw.0001" >/dev/null || fail "the normal page did not play whole after it"

note "a normal page, then a high one while it plays: the high one takes over"
console_cmd "send $T/long.wav"
wait_log "$T/s1.log" "page 3 playing" 15
console_cmd "priority high"
console_cmd "send $T/short.wav"
wait_log "$T/s1.log" "page 3 interrupted" 10
wait_log "$T/console.log" "page 4: delivered to 1/1, played by 1/1" 15
grep -q "page 4 .* waits" "$T/s1.log" && fail "the high page waited for a normal one"

console_cmd "status"
wait_log "$T/console.log" '"priority":"high"' 5
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
