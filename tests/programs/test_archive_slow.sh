#!/usr/bin/env bash
# The console archives each page off its loop, sending it meanwhile: while
# the disk holds a page's fsync (tests/lib/hold_fsync.c, preloaded), the
# console keeps answering commands and heartbeats (its speaker stays
# connected past the heartbeat timeout), the speaker holds the page and plays
# nothing that is not on disk yet, and pages asked for meanwhile (a file, a
# resend) go out after it, in order. Quitting while a page is held cancels
# it, and the speaker never plays it.
source "$(dirname "$0")/harness.sh"

# The console runs with the shim preloaded (after the sanitizer's runtime, if any).
cc -shared -fPIC -O2 -o "$T/hold_fsync.so" "$INTERCOM_TOP/tests/lib/hold_fsync.c" -ldl ||
	fail "cannot build the fsync shim"
real_console="$INTERCOM_BIN/intercom-console"
if [ -n "${INTERCOM_PRELOAD:-}" ]; then
	# A sanitizer run's wrapper sets LD_PRELOAD itself: call what it calls.
	real_console=$(sed -n 's/^LD_PRELOAD=".*" exec "\(.*\)" "\$@"$/\1/p' "$real_console")
	[ -x "$real_console" ] || fail "cannot find the console behind $INTERCOM_BIN/intercom-console"
fi
mkdir -p "$T/bin"
printf '#!/bin/sh\nINTERCOM_TEST_HOLD_FSYNC="%s" LD_PRELOAD="%s" exec "%s" "$@"\n' \
	"$T/hold" "${INTERCOM_PRELOAD:+$INTERCOM_PRELOAD }$T/hold_fsync.so" "$real_console" >"$T/bin/intercom-console"
chmod +x "$T/bin/intercom-console"
ln -s "$INTERCOM_BIN/intercom-speaker" "$T/bin/intercom-speaker"
INTERCOM_BIN="$T/bin"

for n in 1 2 3; do
	sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone$n.wav" synth 0.5 sine $((300 * n)) vol 0.3
done
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive"
alsa_speaker s1 "$port"
wait_log "$T/console.log" "speaker s1 joined" 15

note "the disk holds page 1: the console keeps serving, nothing unarchived plays"
touch "$T/hold"
console_cmd "send $T/tone1.wav"
wait_log "$T/console.log" "page 1 loaded from" 10
console_cmd "send $T/tone2.wav"
wait_log "$T/console.log" "page 2 loaded from" 10
console_cmd resend
console_cmd list
wait_log "$T/console.log" "1 speaker\\(s\\) connected" 5
# Longer than the heartbeat timeout (5 s): a loop waiting on the disk would lose its speaker.
sleep 6
console_cmd list
wait_count "$T/console.log" "1 speaker\\(s\\) connected" 2 5
grep -q "disconnected" "$T/s1.log" && fail "s1 lost the console while the disk held: $(grep disconnected "$T/s1.log")"
grep -q " left: " "$T/console.log" && fail "a speaker left while the disk held"
[ "$(count_log "$T/console.log" "archived as")" -eq 0 ] || fail "a page was archived while the disk held"
grep -Eq "page 1 received" "$T/s1.log" || fail "s1 did not get page 1 while it was archived"
[ "$(count_log "$T/s1.log" "page [0-9]+ (playing|played)")" -eq 0 ] || fail "s1 played a page that was not archived yet"
[ "$(count_log "$T/s1.log" "page [23] (arriving|received)")" -eq 0 ] || fail "page 2 or 3 overtook page 1"

note "the disk lets go: pages 1, 2 and page 2 again (page 3) go out archived, in order"
rm "$T/hold"
wait_log "$T/console.log" "page 3 is page 2 sent again \\(archived as " 10
wait_log "$T/s1.log" "page 3 (played|interrupted)" 10
order=$(sed -En 's/.* page ([0-9]+) received.*/\1/p' "$T/s1.log" | tr '\n' ' ')
[ "$order" = "1 2 3 " ] || fail "s1 received pages in the order '$order', expected '1 2 3 '"
for n in 1 2; do
	[ -f "$(archived_page "$T/archive" "$n")" ] || fail "page $n was not archived"
done
[ -z "$(archived_page "$T/archive" 3)" ] || fail "page 3 (a resend) was archived again"

note "quitting while the disk holds a page cancels it"
touch "$T/hold"
console_cmd "send $T/tone3.wav"
wait_log "$T/console.log" "page 4 loaded from" 10
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
grep -q "not played, the console is stopping: page 4 (still being archived)" "$T/console.log" ||
	fail "quitting did not say page 4 was not played"
grep -q "console stopped" "$T/console.log" || fail "the console did not stop cleanly"
wait_log "$T/s1.log" "page 4 cancelled: the console is stopping" 5
[ "$(count_log "$T/s1.log" "page 4 (playing|played)")" -eq 0 ] || fail "s1 played page 4, which was never archived"
rm -f "$T/hold"
note "ok"
