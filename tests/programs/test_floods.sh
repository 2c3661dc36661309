#!/usr/bin/env bash
# Connect-and-reset floods do not fill the disk: connections reset at once
# (SO_LINGER 0), half of them saying HELLO first, or against a keyed console
# from a peer without the key, get a few lines per address and cause (joined,
# left, closed before hello) and then one summary line when the 10 s window
# closes, while real speakers still join and play a page. Before, a 5 s flood
# wrote 54,000 lines (4.8 MB). Also: a speaker with the wrong key is told
# apart on the console, and its own line says so first.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
C="$INTERCOM_BIN/intercom-console"
FLOOD_S=4
# The flood comes from an address of its own, as another host on the LAN would;
# the speakers connect from 127.0.0.1.
FLOODER=127.0.0.9
# Lines about the flooder's address: 3 causes x 10 lines, 3 summaries, and the
# line a second about connections closed to make room (admission).
MAX_FLOOD_LINES=45

# flood MODE — floods the console for FLOOD_S s from FLOODER while a new speaker
# (SPEAKER_ARGS) joins and a page plays on both; then checks the summary and the count.
flood() {
	local mode=$1 start n
	run_bg "$T" "$T/flood-$mode.out" $PEER reset-flood "$port" "$FLOOD_S" "$mode" "$FLOODER"
	local flooder=$LAST_PID
	wait_log "$T/console.log" "connection from $FLOODER:[0-9]+ closed before hello" 10
	start=$(date +%s%N)
	alsa_speaker "late-$mode" "$port" "${SPEAKER_ARGS[@]}"
	wait_log "$T/console.log" "speaker late-$mode joined" 10
	note "a new speaker joined under the $mode flood in $(( ($(date +%s%N) - start) / 1000000 )) ms"
	console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
	# Its number: a flood speaker that said HELLO is a known speaker, and a page left
	# waiting for one may go late (a number of its own) when another comes back.
	wait_log "$T/console.log" "page [0-9]+ loaded from $INTERCOM_TOP/assets/test-tone.wav" 15
	n=$(grep -E "page [0-9]+ loaded from $INTERCOM_TOP/assets/test-tone.wav" "$T/console.log" | tail -1 |
		sed -E 's/.*page ([0-9]+) loaded.*/\1/')
	# Both real speakers play it (a flood speaker listed at that instant may be a target
	# too: it runs the handshake and says HELLO, then resets, so it joins for a moment).
	wait_log "$T/console.log" "page $n played by (s1|good)$" 15
	wait_log "$T/console.log" "page $n played by late-$mode$" 15
	wait_log "$T/late-$mode.log" "page $n played" 5
	wait "$flooder" || fail "the flood peer failed: $(cat "$T/flood-$mode.out")"
	note "flood ($mode): $(cat "$T/flood-$mode.out")"
	local sent
	sent=$(awk '{ n = 0; for (i = 1; i < NF; i += 2) if ($i != "failed") n += $(i + 1); print n }' "$T/flood-$mode.out")
	[ "$sent" -ge 200 ] || fail "the flood made only $sent connections: nothing was tested"
	# The window runs 10 s from the flood's first line; the summary comes when it closes.
	wait_log "$T/console.log" "\.\.\. and [0-9,]+ more connections from $FLOODER closed before hello in the last 10 s" 20
	if [ "$mode" = mixed ]; then
		wait_log "$T/console.log" "\.\.\. and [0-9,]+ more speakers from $FLOODER left in the last 10 s" 5
	fi
	local lines
	lines=$(count_log "$T/console.log" "$FLOODER")
	note "$lines lines about $FLOODER for $sent connections"
	grep "$FLOODER" "$T/console.log" | grep -F "..." | sed 's/^/#   /'
	[ "$lines" -le "$MAX_FLOOD_LINES" ] || fail "$lines lines about the flood (at most $MAX_FLOOD_LINES)"
	grep -q "speaker s1 .*left\|speaker good .*left" "$T/console.log" && fail "a speaker left under the flood"
	return 0
}

note "a console without a key, flooded with resets, half after a HELLO"
port=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: no input, send PATH works
start_console "$T/console" "$port" --archive "$T/archive"
alsa_speaker s1 "$port"
wait_log "$T/console.log" "speaker s1 joined" 10
SPEAKER_ARGS=()
flood mixed
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
mv "$T/console.log" "$T/console-plain.log"

note "a keyed console, flooded by a peer without the key"
"$C" --gen-key "$T/key" >/dev/null
"$C" --gen-key "$T/wrong" >/dev/null
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive-keyed" --key-file "$T/key"
alsa_speaker good "$port" --key-file "$T/key"
wait_log "$T/console.log" "speaker good joined .*authenticated" 10

note "a speaker with the wrong key: the console says a wrong key is likely, the speaker says it first"
alsa_speaker wrongkey "$port" --key-file "$T/wrong"
wrongkey=$LAST_PID
wait_log "$T/console.log" "connection from 127\.0\.0\.1:[0-9]+ closed before hello: .*wrong key" 10
wait_log "$T/wrongkey.log" "wrong key" 10
line=$(grep "wrong key" "$T/wrongkey.log" | head -1)
[ "$(printf '%s' "${line%%wrong key*}" | wc -m)" -le 70 ] || fail "'wrong key' is past the 70th column: $line"
kill -TERM "$wrongkey"
wait "$wrongkey" || true

SPEAKER_ARGS=(--key-file "$T/key")
flood keyed
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
