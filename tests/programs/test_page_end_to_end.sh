#!/usr/bin/env bash
# Speech goes in at the console (paced PulseAudio input), three speakers receive
# the page and play it on ALSA file devices; what each played equals, sample for
# sample, what the console captured and archived. One speaker is started before
# the console and must connect once it is up; one keeps pages with --save.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
rig_speech "$T/speech.wav" "Attention please. The lobby closes in ten minutes." 48000 1
port=$(rig_free_port)

note "speaker s1 starts before the console"
alsa_speaker s1 "$port"
wait_log "$T/s1.log" "cannot reach 127.0.0.1:$port" 10

start_console "$T/console" "$port" -d 4 --archive "$T/archive" --codec pcm
grep -q "input: " "$T/console.log" || fail "console found no input device on the pulse rig"
grep -q "no input" "$T/console.log" && fail "the console says it has no input, yet it has"
alsa_speaker s2 "$port"
alsa_speaker s3 "$port" --save "$T/saved"
wait_log "$T/console.log" "joined.*\(3 connected\)" 20
wait_log "$T/s1.log" "connected to 127.0.0.1:$port" 5

note "talk while speech plays into the console's microphone"
rig_pulse_play "$PULSE_DIR" "$T/speech.wav" mic &
player=$!
rig_pulse_wait_playing "$PULSE_DIR" mic
console_cmd talk
wait_log "$T/console.log" "page 1 captured" 30
wait "$player" || true
wait_log "$T/console.log" "page 1: delivered to 3/3, played by 3/3" 30

page=$(archived_page "$T/archive" 1)
[ -f "$page" ] || fail "page 1 not archived"
[ "$(soxi -s "$page")" -eq 192000 ] || fail "page is $(soxi -s "$page") frames, expected 4 s x 48000"
level=$(rms "$page")
note "captured page RMS $level"
awk -v r="$level" 'BEGIN { exit !(r > 0.01) }' || fail "captured page is silent (RMS $level)"

rig_wav_to_raw "$page" "$T/page.raw"
for s in s1 s2 s3; do
	wait_log "$T/$s.log" "page 1 played" 10
	rig_alsa_file_collect "$T/$s/out.raw" "$T/$s.played.raw"
	rig_contains_samples "$T/page.raw" "$T/$s.played.raw" || fail "$s did not play the page sample-exact"
done
saved=$(archived_page "$T/saved" 1)
cmp "$page" "$saved" || fail "--save file differs from the console's archive"

note "clean shutdown"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
wait_log "$T/s1.log" "disconnected from .*console said bye" 10
note "ok"
