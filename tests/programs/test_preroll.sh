#!/usr/bin/env bash
# Pre-roll: the input is always open, so a recorded page begins --preroll-ms
# before the key. A tone plays into the console's microphone and stops; the
# key comes ~0.5 s after it stopped. Without pre-roll the page is silence;
# with `preroll 1000` (and `chime on`) the page is the chime, then the last
# second before the key (the tone's end: sound), then the recording proper
# (silence); its length is exactly chime + pre-roll + duration, the speaker
# plays exactly the archived page, and status and the log say the pre-roll.
# Then page 3 the same where PortAudio's callback thread reads the input
# (INTERCOM_CAPTURE_CALLBACK=1), not the console's loop.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
# 1.5 s of tone, then silence.
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/burst.wav" synth 1.5 sine 500 vol 0.5 pad 0 4
rig_wav_to_raw "$INTERCOM_TOP/assets/chime.wav" "$T/chime.raw"
port=$(rig_free_port)

# rms_of WAV START LENGTH — the RMS amplitude of a stretch of WAV (seconds).
rms_of() { sox "$1" -n trim "$2" "$3" stat 2>&1 | awk '/RMS +amplitude/ {print $3}'; }
# talk_after_tone — the burst into the microphone; the key 2.0 s after it began (~0.5 s after its end).
talk_after_tone() {
	rig_pulse_play "$PULSE_DIR" "$T/burst.wav" mic &
	local player=$!
	rig_pulse_wait_playing "$PULSE_DIR" mic
	sleep 2.0
	console_cmd talk
	wait "$player" || true
}

CONSOLE_PAGE_OPTS="--chime off --preroll-ms 0" start_console "$T/console" "$port" -d 1.5 -c 1 \
	--archive "$T/archive" --codec pcm
grep -q "input: " "$T/console.log" || fail "console found no input device on the pulse rig"
# A paced speaker (real time, a file of what it played): its first sample is placed, never skipped.
mkdir -p "$T/s1"
rig_pulse_file_home "$PULSE_DIR" "$T/s1" /dev/zero "$T/s1/out.raw" mic.monitor spk1
run_bg "$T/s1" "$T/s1.log" "$INTERCOM_BIN/intercom-speaker" --headless --name s1 "127.0.0.1:$port"
wait_log "$T/console.log" "joined" 20

note "no pre-roll: the tone ended before the key, the page is silence"
talk_after_tone
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
page1=$(archived_page "$T/archive" 1)
[ "$(soxi -s "$page1")" -eq 72000 ] || fail "page 1 is $(soxi -s "$page1") frames, not 1.5 s"
r=$(rms_of "$page1" 0 1.5)
note "page 1 RMS $r"
awk -v r="$r" 'BEGIN { exit !(r < 0.01) }' || fail "page 1 holds sound from before the key without pre-roll (RMS $r)"

note "preroll 1000 and the chime: the second before the key is in the page"
console_cmd "preroll 1000"
wait_log "$T/console.log" "pre-roll: 1000 ms" 5
console_cmd "chime on"
console_cmd "status"
wait_log "$T/console.log" '"chime":"on","preroll_ms":1000' 5
talk_after_tone
wait_log "$T/console.log" "recording 3.25 s \(156000 frames: 0.75 s of chime, 1.00 s of pre-roll, then 1.50 s\)" 10
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 20
page2=$(archived_page "$T/archive" 2)
[ "$(soxi -s "$page2")" -eq 156000 ] || fail "page 2 is $(soxi -s "$page2") frames, not 0.75 + 1.0 + 1.5 s"
rig_wav_to_raw "$page2" "$T/page2.raw"
head -c $((36000 * 2)) "$T/page2.raw" | cmp -s - "$T/chime.raw" || fail "page 2 does not begin with the chime"
before=$(rms_of "$page2" 0.75 1.0)
after=$(rms_of "$page2" 1.75 1.5)
note "page 2: pre-roll RMS $before, after the key RMS $after"
awk -v r="$before" 'BEGIN { exit !(r > 0.05) }' || fail "the pre-roll holds no sound from before the key (RMS $before)"
awk -v r="$after" 'BEGIN { exit !(r < 0.01) }' || fail "after the key the page is not silent (RMS $after): the pre-roll was not before it"

note "the speaker played exactly what was archived (and sent)"
rig_alsa_file_collect "$T/s1/out.raw" "$T/played.raw"
rig_contains_samples "$T/page2.raw" "$T/played.raw" >/dev/null || fail "the speaker did not play page 2 as archived"

console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
grep -q "note: the input's host API has no blocking reads" "$T/console.log" &&
	fail "the console said its input is read by the callback thread where the main loop reads it"

note "the same where PortAudio's callback thread reads the input (a host API without blocking reads)"
mv "$T/console.log" "$T/console-read.log"
INTERCOM_CAPTURE_CALLBACK=1 CONSOLE_PAGE_OPTS="--preroll-ms 1000" start_console "$T/console" "$port" \
	-d 1.5 -c 1 --archive "$T/archive" --codec pcm
wait_log "$T/console.log" "note: the input's host API has no blocking reads, so PortAudio's callback thread reads it" 10
wait_log "$T/console.log" "joined" 20
talk_after_tone
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20
page3=$(archived_page "$T/archive" 3)
[ "$(soxi -s "$page3")" -eq 156000 ] || fail "page 3 is $(soxi -s "$page3") frames, not 0.75 + 1.0 + 1.5 s"
before=$(rms_of "$page3" 0.75 1.0)
after=$(rms_of "$page3" 1.75 1.5)
note "page 3: pre-roll RMS $before, after the key RMS $after"
awk -v r="$before" 'BEGIN { exit !(r > 0.05) }' || fail "page 3's pre-roll holds no sound from before the key (RMS $before)"
awk -v r="$after" 'BEGIN { exit !(r < 0.01) }' || fail "after the key page 3 is not silent (RMS $after)"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
