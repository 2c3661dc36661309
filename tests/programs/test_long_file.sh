#!/usr/bin/env bash
# send PATH with a long file at another rate: decoding and resampling it takes
# a while, and the console keeps serving meanwhile (commands answered, speakers'
# heartbeats kept) instead of stalling its loop; then the page goes out whole.
# Streamed as PCM (23 MB, 12,000 frames at once, more than a link queues) it
# still reaches the speaker whole and plays, and its transfer times the link:
# the same page again plays at a time, not on arrival.
source "$(dirname "$0")/harness.sh"
port=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: no input, send PATH works
start_console "$T/console" "$port" --archive "$T/archive"
alsa_speaker s1 "$port"
wait_log "$T/console.log" "speaker s1 joined" 15

# Four minutes of 96 kHz stereo: the console converts it to 48 kHz mono.
sox -n -r 96000 -c 2 -b 16 "$T/long.flac" synth 240 sine 300-900 vol 0.3
console_cmd "send $T/long.flac"
console_cmd list
wait_log "$T/console.log" "page 1 loaded from $T/long.flac: 240.00 s 48000 Hz mono" 60
awk -v f="$T/long.flac" '
	/speaker\(s\) connected/ && !listed { listed = NR }
	index($0, "page 1 loaded from " f) && !loaded { loaded = NR }
	END { exit !(listed && loaded && listed < loaded) }' "$T/console.log" ||
	fail "the console answered 'list' only after the file was loaded: its loop stalled while loading"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 30
grep -q "disconnected" "$T/s1.log" && fail "the speaker lost the console while the file was loading"
page=$(archived_page "$T/archive" 1)
[ "$(soxi -s "$page")" -eq $((240 * 48000)) ] || fail "page 1 is $(soxi -s "$page") frames, expected 240 s x 48000"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "the same file streamed as PCM: 23 MB in 12,000 frames fed at once"
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive-pcm" --codec pcm
alsa_speaker s2 "$port"
wait_log "$T/console.log" "speaker s2 joined" 15
console_cmd "send $T/long.flac"
wait_log "$T/console.log" "page [0-9]+ streamed as pcm: 12000 frames" 60
wait_log "$T/console.log" "page [0-9]+: delivered to 1/1, played by 1/1" 60
grep -q "not reading" "$T/console.log" && fail "the link's queue overflowed: $(grep 'not reading' "$T/console.log")"
page=$(ls "$T/archive-pcm"/*.wav | head -1)
[ "$(soxi -s "$page")" -eq $((240 * 48000)) ] || fail "the PCM page is $(soxi -s "$page") frames, expected 240 s x 48000"

note "that stream timed the link: the same 23 MB again plays at a time, not on arrival"
# Untimed, a link is assumed at 20 Mbit/s: 23 MB would take 9.2 s, past the 3 s a page waits.
wait_log "$T/s2.log" "clock locked to the console's" 20
console_cmd "send $T/long.flac"
for _ in $(seq 600); do
	[ "$(grep -Ec "page [0-9]+ plays (at|on arrival)" "$T/console.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c "streamed as pcm: 12000 frames" "$T/console.log")" = 2 ] || fail "the second PCM page was not streamed"
last=$(grep -E "page [0-9]+ plays (at|on arrival)" "$T/console.log" | tail -1)
note "second page: $last"
case $last in
*"plays at +"*) ;;
*) fail "the second long page did not play at a time: $last" ;;
esac
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
