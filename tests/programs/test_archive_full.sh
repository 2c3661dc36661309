#!/usr/bin/env bash
# The archive fills up (a 100 KiB tmpfs): talk is refused up front with the
# reason, and a file too big to archive is not sent to anyone. Mounting the
# tmpfs needs root: without it the test skips.
source "$(dirname "$0")/harness.sh"

mkdir -p "$T/full"
mount -t tmpfs -o size=100k tmpfs "$T/full" 2>/dev/null ||
	skip "cannot mount a tmpfs here (needs root)"
# cleanup unmounts it.

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/full" --max-speakers 3 -d 2
grep -q "input: " "$T/console.log" || fail "no input on the pulse rig"
for s in s1 s2 s3; do alsa_speaker "$s" "$port"; done
wait_log "$T/console.log" "\(3 connected\)" 15

note "the archive fills up: talk refused up front, a file too big is not sent"
console_cmd talk
wait_log "$T/console.log" "cannot talk: archive: .*is full: .*free some space" 5
rig_speech "$T/big.wav" "This page is far too long to fit in a hundred kilobytes of archive space." 48000 1
console_cmd "send $T/big.wav"
wait_log "$T/console.log" "page 1 NOT played: cannot archive it: .*resend" 5
# Sent while it was archived, held, and cancelled: never played.
wait_log "$T/s1.log" "page 1 cancelled: the console cannot archive it: " 5
[ "$(count_log "$T/s1.log" "page 1 (playing|played)")" -eq 0 ] || fail "an unarchived page was played"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
