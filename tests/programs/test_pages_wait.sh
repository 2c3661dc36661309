#!/usr/bin/env bash
# Pages that wait, bounded: with --wait-max-age 2 a page for a speaker that is
# offline expires ("page 1 expired for s2"), and the speaker that comes back
# later does not get it; resend --missed then sends it to that speaker only (it
# plays it, the one that had played it does not get it again); a second page
# expired likewise goes to it with resend --missed PAGE; with nobody left who
# missed it, resend --missed says so; resend of a page not kept is refused with
# the fix. --wait-max-pages out of range is refused at start-up with one line.
# The console keeps the speakers it has seen (known-speakers in its state
# directory): restarted, a page waits for one that has not come back since;
# resend of a page it no longer keeps loads that page's file from the archive.
source "$(dirname "$0")/harness.sh"

sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 0.6 sine 440 vol 0.5
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone2.wav" synth 0.4 sine 660 vol 0.5
port=$(rig_free_port)

note "--wait-max-pages 0: refused at start-up, one line naming the fix"
rc=0
env HOME="$T/bad" "$INTERCOM_BIN/intercom-console" --headless --control-socket off --wait-max-pages 0 \
	</dev/null >"$T/bad.out" 2>"$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "--wait-max-pages 0 exited $rc: $(cat "$T/bad.err")"
grep -q "bad number of waiting pages '0': give 1..64, e.g. --wait-max-pages" "$T/bad.err" || fail "message: $(cat "$T/bad.err")"

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -d 2 --wait-max-age 2 --control-socket off
alsa_speaker s1 "$port"
alsa_speaker s2 "$port"
s2_pid=$LAST_PID
wait_log "$T/console.log" "joined.*\(2 connected\)" 20

note "s2 is offline: page 1 waits 2 s for it, then expires"
kill "$s2_pid"
wait_log "$T/console.log" "speaker s2 .*left" 10
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 1 waits for 1 offline speaker \(s2\), at most 2 s" 10
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
wait_log "$T/console.log" "page 1 expired for s2: never delivered, it waited 2 s for it \(--wait-max-age\)" 10
run_bg "$T/s2" "$T/s2-back.log" "$INTERCOM_BIN/intercom-speaker" --headless --name s2 "127.0.0.1:$port"
s2b=$LAST_PID
wait_count "$T/console.log" "speaker s2 .*joined" 2 10
sleep 1 # the test: an expired page must not follow it
[ "$(count_log "$T/s2-back.log" "page [0-9]+ ")" -eq 0 ] || fail "s2 got an expired page: $(cat "$T/s2-back.log")"
grep -q "goes late to s2" "$T/console.log" && fail "an expired page went late"

note "resend --missed: only s2 gets page 1 again"
console_cmd "resend --missed"
wait_log "$T/console.log" "page 2 is page 1 sent again" 10
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 20
wait_log "$T/s2-back.log" "page 2 played" 10
[ "$(count_log "$T/s1.log" "page 2 ")" -eq 0 ] || fail "s1 played page 1 already, yet got it again"
console_cmd "resend --missed"
wait_log "$T/console.log" "nobody missed page 1: every speaker it went to played it" 5

note "an older page: resend --missed PAGE"
kill "$s2b"
wait_count "$T/console.log" "speaker s2 .*left" 2 10
console_cmd "send $T/tone2.wav"
wait_log "$T/console.log" "page 3 expired for s2" 10
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 4 expired for s2" 10
run_bg "$T/s2" "$T/s2-third.log" "$INTERCOM_BIN/intercom-speaker" --headless --name s2 "127.0.0.1:$port"
s2b_third=$LAST_PID
wait_count "$T/console.log" "speaker s2 .*joined" 3 10
console_cmd "resend --missed 3"
wait_log "$T/console.log" "page 5 is page 3 sent again" 10
wait_log "$T/s2-third.log" "page 5 played" 10
[ "$(count_log "$T/s1.log" "page 5 ")" -eq 0 ] || fail "s1 got the resend of page 3 it had played"
# What s2 played is page 3 (the 660 Hz tone), not the latest page.
rig_wav_to_raw "$(archived_page "$T/archive" 3)" "$T/page3.raw"
rig_alsa_file_collect "$T/s2/out.raw" "$T/s2.played.raw"
rig_contains_samples "$T/page3.raw" "$T/s2.played.raw" || fail "s2 did not play page 3"

note "history, and a page that is not kept"
console_cmd history
wait_log "$T/console.log" "  page 1 s2: played" 5
grep -q "  page 4 s2: expired: waited 2 s for it" "$T/console.log" || fail "history lacks page 4's expiry"
console_cmd "resend 77"
wait_log "$T/console.log" "cannot resend page 77: it is not among the 9 pages kept, and page 77 is not in the archive $T/archive" 5

note "the known speakers outlive a restart: a page waits for one not back since"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
known="$T/console/state/intercom/known-speakers"
grep -q "^s1	" "$known" && grep -q "^s2	" "$known" || fail "known-speakers: $(cat "$known" 2>&1)"
kill "$s2b_third"
wait "$s2b_third" || true
cp "$T/console.log" "$T/console-first.log"
start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -d 2 --control-socket off
wait_log "$T/console.log" "2 known speakers from $known" 5
wait_log "$T/console.log" "speaker s1 .*joined" 20
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page [0-9]+ waits for 1 offline speaker \(s2\), at most 600 s" 10

note "resend of a page this run does not keep: its file in the archive, loaded as a page again"
wait_log "$T/console.log" "page [0-9]+: delivered to 1/1, played by 1/1" 10
played=$(count_log "$T/s1.log" "page [0-9]+ played")
console_cmd "resend 3"
wait_log "$T/console.log" "page [0-9]+ loaded from $T/archive/[0-9.-]+-page0003\.wav: 0\.40 s" 10
wait_count "$T/s1.log" "page [0-9]+ played" $((played + 1)) 10
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
