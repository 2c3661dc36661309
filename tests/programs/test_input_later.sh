#!/usr/bin/env bash
# A console started before its sound server (systemd bringing it up ahead of the
# user's audio session) has no input at first: talk is refused, send works. Once
# the server is up the console finds the microphone by itself, and talk records
# and sends a page, with no restart.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
mkdir -p "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
port=$(rig_free_port)
start_console "$T/console" "$port" -d 1 --archive "$T/archive"
wait_log "$T/console.log" "no input: .*talk is disabled until an input device appears" 5
alsa_speaker s1 "$port"
wait_log "$T/console.log" "speaker s1 joined" 15
console_cmd talk
wait_log "$T/console.log" "cannot talk: " 5
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 15

note "the sound server starts: the console finds its microphone"
rig_pulse_start "$PULSE_DIR"
wait_log "$T/console.log" "input: default, 48000 Hz mono 16-bit; talk is enabled" 10
rig_speech "$T/speech.wav" "Testing, one two three." 48000 1
rig_pulse_play "$PULSE_DIR" "$T/speech.wav" mic &
player=$!
console_cmd talk
wait_log "$T/console.log" "page 2 captured" 10
wait "$player" || true
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 15
page=$(archived_page "$T/archive" 2)
[ -n "$page" ] || fail "page 2 was not archived"
level=$(rms "$page")
note "page 2 RMS $level"
awk -v r="$level" 'BEGIN { exit !(r > 0.005) }' || fail "page 2 is silent (RMS $level): the microphone was not really open"
note "the speakers are listed by name as people read it, whatever order they joined in"
alsa_speaker lobby-10 "$port"
wait_log "$T/console.log" "speaker lobby-10 joined" 10
alsa_speaker lobby-2 "$port"
wait_log "$T/console.log" "speaker lobby-2 joined" 10
console_cmd list
wait_log "$T/console.log" "3 speaker\\(s\\) connected" 5
order=$(sed -n 's/.* speaker \(lobby-10\|lobby-2\|s1\) zone .*/\1/p' "$T/console.log" | tr '\n' ' ')
[ "$order" = "lobby-2 lobby-10 s1 " ] || fail "list order is '$order', expected lobby-2 lobby-10 s1"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
