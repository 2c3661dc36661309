#!/usr/bin/env bash
# Migration from the original Python intercom (issue 8), with old-style peers
# written from its description (legacy_peer.py): clients on the console's
# --legacy-port receive each page byte-identical to the archived file, next to
# our own speakers; one that stops reading is given up without holding anyone
# up. Our speaker with --legacy plays an old-style server's pages sample-exact,
# one per connection, and rejects a file the server cut short instead of
# playing it.
source "$(dirname "$0")/harness.sh"
LEGACY="python3 $INTERCOM_TOP/tests/programs/legacy_peer.py"
S="$INTERCOM_BIN/intercom-speaker"

# legacy_speaker NAME PORT ARGS... — our speaker on an old server; output in $T/NAME/out.raw.
legacy_speaker() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	rig_alsa_file "$T/$name" /dev/zero "$T/$name/out.raw"
	run_bg "$T/$name" "$T/$name.log" "$S" --headless --name "$name" "$@" --legacy "127.0.0.1:$port"
}

note "console: a speaker of ours, ours on the legacy port, and two old clients"
port=$(rig_free_port)
lport=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: no input, send PATH works
start_console "$T/console" "$port" --legacy-port "$lport" --archive "$T/archive" --codec pcm
wait_log "$T/console.log" "old Python-intercom clients served on 127.0.0.1:$lport" 5
alsa_speaker new "$port"
wait_log "$T/console.log" "speaker new joined" 10
legacy_speaker ours "$lport"
ours=$LAST_PID
wait_log "$T/ours.log" "connected to old server 127.0.0.1:$lport" 10
run_bg "$T" "$T/old1.log" $LEGACY client 127.0.0.1 "$lport" "$T/old1.wav"
old1=$LAST_PID
run_bg "$T" "$T/old2.log" $LEGACY client 127.0.0.1 "$lport" "$T/old2.wav"
old2=$LAST_PID
wait_log "$T/console.log" "legacy speaker .* waiting for a page \(4 connected\)" 10
console_cmd list
wait_log "$T/console.log" "legacy speaker 127\.0\.0\.1:[0-9]+, connected [0-9]+ s, last page none" 5

console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait "$old1" || fail "old client 1 failed: $(cat "$T/old1.log")"
wait "$old2" || fail "old client 2 failed: $(cat "$T/old2.log")"
page=$(archived_page "$T/archive" 1)
[ -f "$page" ] || fail "page 1 not archived"
cmp "$page" "$T/old1.wav" || fail "old client 1 did not get the archived page byte for byte"
cmp "$page" "$T/old2.wav" || fail "old client 2 did not get the archived page byte for byte"
wait_count "$T/console.log" "page 1 delivered to 127\.0\.0\.1:[0-9]+ \(legacy\)" 3 10
wait_log "$T/console.log" "page 1: delivered to 4/4, played by 1/1 \(3 legacy: delivered only\)" 10
rig_wav_to_raw "$page" "$T/page1.raw"
for s in new ours; do
	wait_log "$T/$s.log" "page 1 played" 10
	rig_alsa_file_collect "$T/$s/out.raw" "$T/$s.played.raw"
	rig_contains_samples "$T/page1.raw" "$T/$s.played.raw" || fail "$s did not play page 1 sample-exact"
done

note "an old client that stops reading is given up; nobody waits for it"
# Longer than the console's socket send buffer can ever hold (it grows up to
# tcp_wmem's maximum), so the stalled client really blocks the writes.
wmem=$(awk '{print $3}' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null || echo 4194304)
secs=$((wmem * 3 / 2 / 96000 + 10))
[ "$secs" -le 300 ] || secs=300
sox -D -V1 -n -r 48000 -c 1 -b 16 "$T/long.wav" synth "$secs" sine 440 gain -12
# Our legacy speaker reconnected after page 1: with two more clients, 4 again.
run_bg "$T" "$T/old3.log" $LEGACY client 127.0.0.1 "$lport" "$T/old3.wav"
old3=$LAST_PID
run_bg "$T" "$T/stalled.log" $LEGACY stalled-client 127.0.0.1 "$lport" 60
wait_count "$T/console.log" "legacy speaker .* waiting for a page \(4 connected\)" 2 10
console_cmd "send $T/long.wav"
wait "$old3" || fail "old client 3 failed: $(cat "$T/old3.log")"
cmp "$(archived_page "$T/archive" 2)" "$T/old3.wav" || fail "old client 3 did not get page 2 whole"
wait_log "$T/new.log" "page 2 played" 20
wait_log "$T/ours.log" "page 2 played" 20
wait_log "$T/console.log" "page 2 failed on 127\.0\.0\.1:[0-9]+: not reading: took no bytes for 5 s" 15
wait_log "$T/console.log" "page 2: delivered to 3/4, played by 1/1 \(3 legacy: delivered only\)" 5
kill -0 "$CONSOLE_PID" || fail "console died"
kill -TERM "$ours"
wait "$ours" || fail "our legacy speaker exited with $?"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "speaker --legacy: an old server's pages, one per connection, play sample-exact"
rig_speech "$T/speech.wav" "Attention please. This page comes from the old server." 44100 2
$LEGACY wav "$T/speech.wav" "$T/old.wav"   # 44100 Hz stereo, written as the original did
sport=$(rig_free_port)
# A second apart: back to back, page 2 could cut page 1 off (the newer page wins).
run_bg "$T" "$T/server.log" $LEGACY server "$sport" "$T/old.wav" --count 2 --gap 1
server=$LAST_PID
wait_log "$T/server.log" "listening" 10
legacy_speaker fromold "$sport" --save "$T/saved"
fromold=$LAST_PID
wait_log "$T/fromold.log" "page 2 played" 20
wait "$server" || fail "old server failed: $(cat "$T/server.log")"
[ "$(count_log "$T/server.log" "sent [0-9]+ of [0-9]+ bytes")" -eq 2 ] || fail "the server did not send two pages"
grep -Eq "page 1 received: [0-9.]+ s 44100 Hz stereo 16-bit" "$T/fromold.log" || fail "page 1 not received as 44100 Hz stereo"
kill -TERM "$fromold"
wait "$fromold" || fail "speaker exited with $?"
rig_wav_to_raw "$T/old.wav" "$T/old.raw"
rig_contains_samples "$T/old.raw" "$T/fromold/out.raw" || fail "page 1 from the old server not played sample-exact"
rig_contains_samples "$T/old.raw" "$T/fromold/out.raw.0001" || fail "page 2 from the old server not played sample-exact"
cmp "$T/old.wav" "$(archived_page "$T/saved" 1)" || fail "--save kept something else than the old server sent"

note "a file the old server cuts short is rejected, never played"
tport=$(rig_free_port)
run_bg "$T" "$T/cutserver.log" $LEGACY server "$tport" "$T/old.wav" --truncate
wait_log "$T/cutserver.log" "listening" 10
legacy_speaker cut "$tport" --once --save "$T/cutsaved"
cut=$LAST_PID
rc=0
wait "$cut" || rc=$?
[ "$rc" -eq 1 ] || fail "--once speaker exited $rc after a cut-short page, expected 1"
grep -q "page 1 rejected: truncated: data chunk says" "$T/cut.log" || fail "no 'rejected: truncated' in the speaker's log"
if grep -q "page 1 played" "$T/cut.log"; then fail "the cut-short page was played"; fi
if [ -e "$T/cut/out.raw" ]; then fail "the speaker opened its output for a cut-short page"; fi
if ls "$T/cutsaved"/*.wav >/dev/null 2>&1; then fail "a cut-short page was saved"; fi
note "ok"
