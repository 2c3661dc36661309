#!/usr/bin/env bash
# Live talk, measured from outside on the skew rig: two speakers and the
# console's microphone land on one PulseAudio sink's clock. In live mode a
# talk plays on both speakers as it is spoken: each chirp played into the
# microphone comes out of both speakers together (within a generous 5 ms),
# the set latency after it went in (within -5/+40 ms: the bench reports the
# real figure), at most a tenth of a talk's frames concealed (none or the first
# on an idle machine; the sanitizer build on a busy one drops more); back in
# page mode a talk is recorded first, then played. In the last live talk one
# speaker is stopped for a moment (its output underruns, as a loaded machine's
# does): it must come back in step, not play the rest of the talk late. Each
# chirp comes 0.7 s into its talk, after a stream's start has settled.
source "$(dirname "$0")/harness.sh"

command -v pulseaudio >/dev/null || skip "no pulseaudio (scripts/deps.sh --test installs it)"
command -v parec >/dev/null || skip "no parec (pulseaudio-utils)"
PY=$(rig_skew_python 2>/dev/null) || skip "no python3 with numpy (python3-numpy)"
SKEW="$INTERCOM_TOP/tests/lib/skew.py"
LATENCY_MS=100
TALKS=4
STALL_MS=300

PULSE_DIR="$T/pa"
rig_skew_start "$PULSE_DIR" 2
sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/chirp.wav" synth 0.3 sine 300-6000 vol 0.5
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor mic
rig_pulse_client_home "$PULSE_DIR" "$T/A" mic.monitor s1
rig_pulse_client_home "$PULSE_DIR" "$T/B" mic.monitor s2
port=$(rig_free_port)
# 256-frame buffers: a 1024-frame capture buffer alone is 21 ms of the latency.
start_console "$T/console" "$port" --archive "$T/archive" --chunk 256 --live-latency-ms "$LATENCY_MS" -d 3
run_bg "$T/A" "$T/A.log" "$INTERCOM_BIN/intercom-speaker" --headless --name A "127.0.0.1:$port"
run_bg "$T/B" "$T/B.log" "$INTERCOM_BIN/intercom-speaker" --headless --name B "127.0.0.1:$port"
B_PID=$LAST_PID
wait_log "$T/console.log" "\(2 connected\)" 10
wait_log "$T/A.log" "clock locked" 15
wait_log "$T/B.log" "clock locked" 15

console_cmd live
wait_log "$T/console.log" "mode: live" 5
rig_skew_record_start "$PULSE_DIR" "$T/rec.raw"
note "$TALKS live talks: each chirp into the microphone comes out of both speakers"
for ((i = 1; i <= TALKS; i++)); do
	console_cmd talk
	wait_log "$T/console.log" "talking live to 2 speakers, $LATENCY_MS ms behind" 5
	wait_log "$T/A.log" "page $i playing" 5
	wait_log "$T/B.log" "page $i playing" 5
	# A loaded machine's output can underrun as its stream starts (the sanitizer build
	# beside another test does): the chirp comes once that is mended (0.5 s after).
	sleep 0.7
	if ((i == TALKS)); then
		note "talk $i: B stopped for $STALL_MS ms, then the chirp"
		kill -STOP "$B_PID"
		sleep "$(awk -v ms="$STALL_MS" 'BEGIN { print ms / 1000 }')"
		kill -CONT "$B_PID"
		# B finds its output's new timeline (half a second once three late wakes found it) and skips the stall.
		wait_log "$T/B.log" "page $i: the output stalled .*: skipped [0-9.]+ ms to keep time" 5
	fi
	rig_pulse_play "$PULSE_DIR" "$T/chirp.wav" mic || fail "cannot play into the microphone"
	wait_log "$T/console.log" "page $i: delivered to 2/2, played by 2/2" 20
	sleep 0.5 # the test: silence between two talks' bursts in the recording
done
rig_skew_record_stop "$PULSE_DIR" "$T/rec.raw"
"$PY" "$SKEW" events "$T/rec.raw" 3 --chans 0,1,2 >"$T/events.txt"
sed 's/^/#   /' "$T/events.txt"
[ "$(grep -c '^event ' "$T/events.txt")" = "$TALKS" ] || fail "not $TALKS bursts of sound in the recording"
for ch in 0 1 2; do
	[ "$(grep -c "^onset [0-9]* $ch " "$T/events.txt")" = "$TALKS" ] || fail "channel $ch did not sound in every talk"
done
# skew E 1: B - A; skew E 2: mic - A (negative: the microphone came first).
awk '$1 == "skew" && $3 == 1 { print $4 }' "$T/events.txt" >"$T/skew.txt"
awk '$1 == "skew" && $3 == 2 { print -$4 }' "$T/events.txt" >"$T/m2e.txt"
note "skew B - A (ms): $(tr '\n' ' ' <"$T/skew.txt"); mouth to ear (ms): $(tr '\n' ' ' <"$T/m2e.txt")"
awk '{ a = $1 < 0 ? -$1 : $1; if (a > 5) bad = 1 } END { exit bad }' "$T/skew.txt" ||
	fail "the two speakers were more than 5 ms apart"
awk -v l="$LATENCY_MS" '{ if ($1 < l - 5 || $1 > l + 40) bad = 1 } END { exit bad }' "$T/m2e.txt" ||
	fail "mouth to ear was not ${LATENCY_MS} ms (-5/+40)"
# B's stopped talk conceals what fell due while it was stopped: not counted here.
for s in A B; do
	sed -En 's/.*page ([0-9]+) live: ([0-9]+) of ([0-9]+) frames concealed.*/\1 \2 \3/p' "$T/$s.log" |
		awk -v s="$s" -v stalled="$TALKS" '!(s == "B" && $1 == stalled) && $2 * 10 > $3 {
			print "# " s " concealed " $2 " of " $3 " frames in talk " $1; bad = 1 } END { exit bad }' ||
		fail "$s concealed more than a tenth of a talk"
done
grep -q "page $TALKS: DAC timeline .*skipped [0-9.]* ms to keep time" "$T/B.log" ||
	fail "B's page line does not say it skipped to keep time after its output underran"

note "page mode again: a talk is recorded, then played"
console_cmd page
wait_log "$T/console.log" "mode: pages" 5
page=$((TALKS + 1))
console_cmd talk
wait_log "$T/console.log" "page $page streamed as opus" 10
grep -q "talking live" <(sed -n "/page $((page - 1)): delivered/,\$p" "$T/console.log") &&
	fail "page $page went live in page mode"
wait_log "$T/console.log" "page $page: delivered to 2/2, played by 2/2" 20
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
