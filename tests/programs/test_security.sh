#!/usr/bin/env bash
# With a pre-shared key (mixed into the Noise handshake, XXpsk3), only those
# who hold it take part: a speaker with the wrong key or none is refused and
# plays nothing, a console without the key (ours or a rogue one) cannot make a
# keyed speaker play, a recorded session replayed to a speaker is refused, and
# with the right key pages still play sample-exact. The key is also the
# admission ticket (--admit key, its default): these speakers join unasked.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
C="$INTERCOM_BIN/intercom-console"

"$C" --gen-key "$T/key" >/dev/null
"$C" --gen-key "$T/wrong" >/dev/null
[ "$(stat -c %a "$T/key")" = 600 ] || fail "key file mode is $(stat -c %a "$T/key")"
cp "$T/key" "$T/open"; chmod 644 "$T/open"
rc=0; "$C" --headless --key-file "$T/open" >"$T/out.txt" 2>&1 || rc=$?
[ "$rc" -eq 5 ] && grep -q "open to group or others.*chmod 600" "$T/out.txt" || fail "world-readable key accepted: $rc $(cat "$T/out.txt")"
rc=0; "$C" --gen-key "$T/key" >"$T/out.txt" 2>&1 || rc=$?
[ "$rc" -eq 5 ] || fail "--gen-key overwrote an existing key"

port=$(rig_free_port)
mkdir -p "$T/console"
CONSOLE_ADMIT= start_console "$T/console" "$port" --archive "$T/archive" --key-file "$T/key" --codec pcm
wait_log "$T/console.log" "only speakers with it can connect" 5
wait_log "$T/console.log" "new speakers that prove the pre-shared key join without asking" 5
alsa_speaker good "$port" --key-file "$T/key"
wait_log "$T/console.log" "speaker good joined .*authenticated" 10
wait_log "$T/good.log" "link encrypted, console key checked, pre-shared key proven" 5

note "a speaker with the wrong key, and one with none, are refused"
alsa_speaker wrongkey "$port" --key-file "$T/wrong"
alsa_speaker nokey "$port"
wait_log "$T/wrongkey.log" "wrong key\? the console hung up on our key proof" 10
wait_log "$T/console.log" "closed before hello: authentication failed: wrong key" 5
wait_log "$T/nokey.log" "said bye: this console requires a key" 10
wait_log "$T/console.log" "closed before hello: refused: no key" 5

note "pages reach the keyed speaker sample-exact, and no one else"
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 10
rig_wav_to_raw "$(archived_page "$T/archive" 1)" "$T/page.raw"
rig_alsa_file_collect "$T/good/out.raw" "$T/good.played.raw"
rig_contains_samples "$T/page.raw" "$T/good.played.raw" || fail "keyed speaker did not play the page exactly"
for s in wrongkey nokey; do
	[ -e "$T/$s/out.raw" ] && fail "$s opened its output"
	grep -q "received" "$T/$s.log" && fail "$s received a page"
done
grep -q "joined.*wrongkey\|speaker wrongkey joined\|speaker nokey joined" "$T/console.log" && fail "an unauthenticated speaker was listed"

note "a captured session replayed to a speaker is refused"
pport=$(rig_free_port)
$PEER record-proxy "$pport" "$port" "$T/session.bin" &
proxy=$!
wait_for 5 listening "$pport"
alsa_speaker tapped "$pport" --key-file "$T/key" --once
tapped=$LAST_PID
wait_log "$T/console.log" "speaker tapped joined" 10
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait "$tapped" || fail "the tapped speaker did not play its page"
wait "$proxy" || true
[ -s "$T/session.bin" ] || fail "nothing recorded"
grep -q "RIFF" "$T/session.bin" && fail "the page went over the wire in the clear"
rport=$(rig_free_port)
$PEER replay "$rport" "$T/session.bin" >"$T/replay.out" &
replayer=$!
wait_for 5 listening "$rport"
alsa_speaker victim "$rport" --key-file "$T/key"
wait "$replayer"
[ "$(cat "$T/replay.out")" = closed ] || fail "the speaker kept a replayed session open"
wait_log "$T/victim.log" "the console's handshake failed" 5
[ -e "$T/victim/out.raw" ] && fail "the speaker played a replayed session"

note "a console without the key, ours or a rogue one, cannot make a keyed speaker play"
rport=$(rig_free_port)
mkdir -p "$T/rogue"
# Beside the test's console: no control socket of its own (the default one is taken).
env HOME="$T/rogue" "$C" --headless -H 127.0.0.1 -p "$rport" --archive "$T/rogue/a" --control-socket off </dev/null >"$T/rogue.log" 2>&1 &
PIDS+=($!)
wait_log "$T/rogue.log" "listening on" 10
alsa_speaker keyed2 "$rport" --key-file "$T/key"
wait_log "$T/keyed2.log" "a peer that has not proven its key said bye: this console has no key" 10
rport=$(rig_free_port)
$PEER rogue-console "$rport" truncated,no-handshake >"$T/rogue2.out" 2>&1 &
PIDS+=($!)
wait_for 5 listening "$rport"
alsa_speaker keyed3 "$rport" --key-file "$T/key"
wait_log "$T/keyed3.log" "console sent WELCOME before its handshake" 10
for s in keyed2 keyed3; do [ -e "$T/$s/out.raw" ] && fail "$s played for a console without the key"; done

note "a peer without the key cannot make a keyed speaker take in a page, nor hold it"
rport=$(rig_free_port)
$PEER stall-console "$rport" big-page >"$T/stall1.out" 2>&1 &
stall=$!
wait_for 5 listening "$rport"
alsa_speaker keyed4 "$rport" --key-file "$T/key"
wait "$stall"
grep -q "^closed" "$T/stall1.out" || fail "the keyed speaker kept reading a 60 MiB frame from a peer without the key"
grep -q "^frame 5$\|^frame 4$" "$T/stall1.out" && fail "the keyed speaker reported on a page from a peer without the key"
grep -q "arriving" "$T/keyed4.log" && fail "the keyed speaker shows a page from a peer without the key as arriving"
wait_log "$T/keyed4.log" "frame larger than the limit" 5
kill -TERM "$LAST_PID"
rport=$(rig_free_port)
$PEER stall-console "$rport" trickle >"$T/stall2.out" 2>&1 &
stall=$!
wait_for 5 listening "$rport"
# A 3 s WELCOME deadline (--welcome-timeout; above the peer's 2 s trickle), not the default 10 s.
alsa_speaker keyed5 "$rport" --key-file "$T/key" --welcome-timeout 3
wait "$stall"
took=$(sed -n 's/^closed //p' "$T/stall2.out")
note "a peer trickling a byte every 2 s was dropped after $took s"
awk -v t="$took" 'BEGIN { exit !(t >= 2.5 && t < 7) }' || fail "the trickling peer was dropped after $took s, not at the 3 s deadline"
wait_log "$T/keyed5.log" "no WELCOME within 3 s of connecting \(the handshake not done\)" 5
kill -TERM "$LAST_PID"

console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "the console's screen says the links are encrypted, with a pre-shared key"
sock="$T/tmux.sock"
sport=$(rig_free_port)
tmux -S "$sock" -f /dev/null new-session -d -s keyed -x 100 -y 24 \
	"env HOME=$T/console LANG=C.UTF-8 $C -H 127.0.0.1 -p $sport --archive $T/archive2 --key-file $T/key"
shown=""
for _ in $(seq 50); do
	shown=$(tmux -S "$sock" capture-pane -p -t keyed 2>/dev/null || true)
	grep -q "encrypted, key [0-9a-f]\{8\} + psk" <<<"$shown" && break
	sleep 0.1
done
tmux -S "$sock" send-keys -t keyed q
# The session is the console: it ends when the console has quit.
session_gone() { ! tmux -S "$sock" has-session -t keyed 2>/dev/null; }
wait_for 5 session_gone
tmux -S "$sock" kill-server 2>/dev/null || true
grep -q "encrypted, key [0-9a-f]\{8\} + psk" <<<"$shown" || fail "screen does not show the key: $shown"
note "ok"
