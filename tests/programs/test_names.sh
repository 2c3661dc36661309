#!/usr/bin/env bash
# Names that lie are refused. A speaker's --name or --zone with a bidi control
# (U+202E, which makes the rest of a line read backwards), an invisible format
# character or a noncharacter stops it at start-up, the character named and
# not printed; a peer saying HELLO with one is refused as malformed and none of
# it reaches the console's log. A second speaker with the name of one
# connected is refused with a reason it shows, the first keeping the name (so
# "played by honest1" names one speaker), and gets in once the name is free.
# And a speaker without an output device says so once, not nested.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
S="$INTERCOM_BIN/intercom-speaker"

# The characters, as UTF-8 bytes (any locale): RLO, RLM, LRI, ALM, zero-width
# space, zero-width joiner, word joiner, BOM, soft hyphen, line separator, tag,
# and the noncharacter U+FFFE.
declare -A LIARS=(
	[U+202E]=$'\xe2\x80\xae' [U+200F]=$'\xe2\x80\x8f' [U+2066]=$'\xe2\x81\xa6'
	[U+061C]=$'\xd8\x9c' [U+200B]=$'\xe2\x80\x8b' [U+200D]=$'\xe2\x80\x8d'
	[U+2060]=$'\xe2\x81\xa0' [U+FEFF]=$'\xef\xbb\xbf' [U+00AD]=$'\xc2\xad'
	[U+2028]=$'\xe2\x80\xa8' [U+E0001]=$'\xf3\xa0\x80\x81' [U+FFFE]=$'\xef\xbf\xbe'
)

note "the speaker refuses such a --name or --zone at start-up, naming the character"
for cp in "${!LIARS[@]}"; do
	for opt in --name --zone; do
		rc=0
		"$S" --headless "$opt" "honest${LIARS[$cp]}1" 127.0.0.1:1 </dev/null >"$T/out.txt" 2>&1 || rc=$?
		[ "$rc" -eq 2 ] || fail "$opt with $cp: exit $rc, expected 2: $(cat "$T/out.txt")"
		grep -q "bad ${opt#--} 'honest?1': it has $cp, " "$T/out.txt" ||
			fail "$opt with $cp: $(cat "$T/out.txt")"
		grep -qF "${LIARS[$cp]}" "$T/out.txt" && fail "$opt with $cp: the character was printed"
	done
done
"$S" --headless --name "honest${LIARS[U+202E]}1" 127.0.0.1:1 2>&1 | sed 's/^/#   /' || true

note "no output device, pages saved: the speaker says so in so many words, once"
mkdir -p "$T/deaf"
run_bg "$T/deaf" "$T/deaf.log" "$S" --headless --name deaf --save "$T/deaf/saved" 127.0.0.1:1
wait_log "$T/deaf.log" "pages will be saved to" 10
kill -TERM "$LAST_PID"
line=$(grep "pages will be saved to" "$T/deaf.log")
note "${line#* }"
[ "$(grep -o "output device" <<<"$line" | wc -l)" -eq 1 ] || fail "said more than once: $line"

note "a HELLO naming such a character is refused, and nothing of it is logged"
port=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: no input, send PATH works
start_console "$T/console" "$port" --archive "$T/archive"
alsa_speaker honest1 "$port"
first=$LAST_PID
wait_log "$T/console.log" "speaker honest1 joined" 10
# From an address of its own, as a liar elsewhere on the LAN: more than the 10
# lines in 10 s said per address, so the console summarises the rest.
LIAR=127.0.0.7
for cp in "${!LIARS[@]}"; do
	got=$($PEER hello "$port" "honest${LIARS[$cp]}1" "zone" "$LIAR")
	[[ "$got" = "bye malformed HELLO: "*"printable UTF-8"* ]] || fail "a HELLO naming $cp: $got"
	got=$($PEER hello "$port" "liar" "zone${LIARS[$cp]}" "$LIAR")
	[[ "$got" = "bye malformed HELLO: "*"printable UTF-8"* ]] || fail "a HELLO with $cp in its zone: $got"
done
note "$got"
wait_count "$T/console.log" "connection from $LIAR:[0-9]+ closed before hello: malformed HELLO" 10 5
for cp in "${!LIARS[@]}"; do
	grep -qF "${LIARS[$cp]}" "$T/console.log" && fail "$cp reached the console's log"
done
grep -q "joined" <(grep -v "speaker honest1 joined" "$T/console.log") && fail "a liar joined"

note "a second speaker named honest1 is refused with the reason; the first keeps the name"
mkdir -p "$T/twin"
rig_alsa_file "$T/twin" /dev/zero "$T/twin/out.raw"
run_bg "$T/twin" "$T/twin.log" "$S" --headless --name honest1 "127.0.0.1:$port"
twin=$LAST_PID
wait_log "$T/twin.log" "console said bye: the name honest1 is taken by another speaker: give this one another --name" 10
wait_log "$T/console.log" "connection from 127\.0\.0\.1:[0-9]+ closed before hello: refused: the name honest1 is taken \(by 127\.0\.0\.1:[0-9]+\)" 5
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 10
wait_log "$T/honest1.log" "page 1 played" 5
[ -e "$T/twin/out.raw" ] && fail "the twin played the page"
[ "$(count_log "$T/console.log" "speaker honest1 joined")" -eq 1 ] || fail "two speakers joined as honest1"

note "once the first leaves, the name is free: the second gets in"
kill -TERM "$first"
wait_log "$T/console.log" "speaker honest1 \(127\.0\.0\.1:[0-9]+\) left" 10
wait_count "$T/console.log" "speaker honest1 joined" 2 15
kill -0 "$twin" || fail "the twin exited"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
