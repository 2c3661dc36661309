#!/usr/bin/env bash
# One speaker killed with SIGKILL mid-page and one stopped with SIGSTOP (never
# reads, never answers): the others still receive and play the page in full,
# the console reports the dead and the stuck one, and keeps serving.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_speech "$T/long.wav" "This is a long announcement. It keeps going for a while, so that one speaker can be killed while it plays. Thank you for your patience." 48000 1
port=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: the console has no input, send PATH still works
start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
wait_log "$T/console.log" "talk is disabled until an input device appears, send PATH still works" 5

alsa_speaker good1 "$port"
alsa_speaker good2 "$port"
rig_pulse_client_home "$PULSE_DIR" "$T/victim" mic.monitor spk1
run_bg "$T/victim" "$T/victim.log" "$INTERCOM_BIN/intercom-speaker" --headless --name victim "127.0.0.1:$port"
victim=$LAST_PID
alsa_speaker stuck "$port"
stuck=$LAST_PID
wait_log "$T/console.log" "\(4 connected\)" 20

note "stop one speaker, then page"
kill -STOP "$stuck"
console_cmd "send $T/long.wav"
wait_log "$T/victim.log" "page 1 received" 10
note "kill the paced speaker while it plays"
wait_log "$T/victim.log" "page 1 playing" 10
kill -KILL "$victim"
wait_log "$T/console.log" "page 1 played by good1" 10
wait_log "$T/console.log" "page 1 played by good2" 10
wait_log "$T/console.log" "page 1 failed on victim" 10
wait_log "$T/console.log" "page 1 failed on stuck: no sign of life" 15
wait_log "$T/console.log" "page 1: delivered to [34]/4, played by 2/4" 5

page=$(archived_page "$T/archive" 1)
rig_wav_to_raw "$page" "$T/page.raw"
for s in good1 good2; do
	rig_alsa_file_collect "$T/$s/out.raw" "$T/$s.played.raw"
	rig_contains_samples "$T/page.raw" "$T/$s.played.raw" || fail "$s did not play page 1 whole"
done

note "the console keeps serving: a second page reaches the two good speakers"
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 2: delivered to 2/2, played by 2/2" 15
kill -0 "$CONSOLE_PID" || fail "console died"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
