#!/usr/bin/env bash
# Secure by default (no pre-shared key): every link is encrypted (an eavesdropper
# on the wire finds no audio), each program has a key pair made on first run
# (mode 0600, refused when others may read it), speakers pin their console's key
# (trust on first use, or --console-key) and refuse a console whose key changed
# with both fingerprints and the one command that accepts it (exit 6, no retry),
# and the console's default (--admit ask) keeps a new speaker waiting — no page,
# no WELCOME, nothing about the others — until the operator approves it
# (headless: pending, approve, refuse, forget; the screen: a and x), remembering
# whom it approved across restarts.
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/screen.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
C="$INTERCOM_BIN/intercom-console"
S="$INTERCOM_BIN/intercom-speaker"
TONE="$INTERCOM_TOP/assets/test-tone.wav"

note "key pairs: made on first run, mode 0600, the same fingerprint after; others' access refused"
mkdir -p "$T/console"
env HOME="$T/console" XDG_STATE_HOME="$T/console/state" "$C" --show-identity >"$T/id1.txt"
grep -q "made now" "$T/id1.txt" || fail "no key made: $(cat "$T/id1.txt")"
[ "$(stat -c %a "$T/console/state/intercom/console.key")" = 600 ] || fail "console key mode is not 600"
[ "$(stat -c %a "$T/console/state/intercom")" = 700 ] || fail "state directory mode is not 700"
env HOME="$T/console" XDG_STATE_HOME="$T/console/state" "$C" --show-identity >"$T/id2.txt"
fp=$(sed -n 's/^intercom-console key fingerprint: //p' "$T/id2.txt")
[ -n "$fp" ] && grep -q "$fp" "$T/id1.txt" || fail "the fingerprint changed: $(cat "$T/id1.txt" "$T/id2.txt")"
cp "$T/console/state/intercom/console.key" "$T/keep.key"
chmod 640 "$T/console/state/intercom/console.key"
rc=0
env HOME="$T/console" XDG_STATE_HOME="$T/console/state" "$C" --headless >"$T/out.txt" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 5 ] && grep -q "open to group or others (mode 640): run chmod 600" "$T/out.txt" \
	|| fail "a readable console key was used: $rc $(cat "$T/out.txt")"
[ "$(wc -l <"$T/out.txt")" -eq 1 ] || fail "more than one line: $(cat "$T/out.txt")"
chmod 600 "$T/console/state/intercom/console.key"
mkdir -p "$T/sp"
env HOME="$T/sp" XDG_STATE_HOME="$T/sp/state" "$S" --name hall --show-identity >"$T/sid.txt"
grep -q "intercom-speaker hall key fingerprint: [0-9a-f ]\{39\}" "$T/sid.txt" || fail "speaker identity: $(cat "$T/sid.txt")"
chmod 604 "$T/sp/state/intercom/speaker-hall.key"
rc=0
env HOME="$T/sp" XDG_STATE_HOME="$T/sp/state" "$S" --headless --name hall 127.0.0.1:1 >"$T/out.txt" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 5 ] && grep -q "speaker-hall.key is open to group or others (mode 604): run chmod 600" "$T/out.txt" \
	|| fail "a readable speaker key was used: $rc $(cat "$T/out.txt")"

note "the default asks: a new speaker waits, hears nothing, learns nothing, until approved"
port=$(rig_free_port)
CONSOLE_ADMIT= start_console "$T/console" "$port" --archive "$T/archive" --codec pcm # the raw samples: in the clear they would show
wait_log "$T/console.log" "this console's key: $fp" 5
wait_log "$T/console.log" "a new speaker waits for your approval: it shows as NAME \(ab12cd34\) asks to join" 5
alsa_speaker lobby "$port"
lobby_pid=$LAST_PID
wait_log "$T/console.log" "speaker lobby \([0-9a-f]{8}\) from 127\.0\.0\.1:[0-9]+ asks to join: approve [0-9]+" 10
wait_log "$T/lobby.log" "first contact, its key $fp is pinned" 5
wait_log "$T/lobby.log" "waiting for the operator of .* to approve this speaker" 5
id=$(sed -n 's/.*speaker lobby (.* asks to join: approve \([0-9]*\),.*/\1/p' "$T/console.log" | head -1)
console_cmd "send $TONE"
wait_log "$T/console.log" "page 1 archived as" 10
console_cmd pending
wait_log "$T/console.log" "speaker $id: lobby \([0-9a-f]{8}\) from .* asks to join, fingerprint" 5
wait_log "$T/console.log" "1 speaker\(s\) ask to join" 5
console_cmd list
wait_log "$T/console.log" "0 speaker\(s\) connected" 5
[ -e "$T/lobby/out.raw" ] && fail "a speaker waiting for approval opened its output"
grep -Eq "connected to|WELCOME|page" "$T/lobby.log" && fail "a waiting speaker was told something: $(cat "$T/lobby.log")"
console_cmd "approve 999"
wait_log "$T/console.log" "no speaker 999 asks to join" 5
console_cmd "approve $id"
wait_log "$T/console.log" "approved speaker lobby \([0-9a-f ]{39}\): its key is remembered" 5
wait_log "$T/console.log" "speaker lobby joined from" 5
wait_log "$T/lobby.log" "connected to 127\.0\.0\.1:$port .* link encrypted, console key checked" 5
grep -q " lobby$" "$T/console/state/intercom/approved-speakers" || fail "the approval was not kept"

note "an eavesdropper on the wire finds no audio"
pport=$(rig_free_port)
$PEER record-proxy "$pport" "$port" "$T/wire.bin" &
proxy=$!
wait_for 5 listening "$pport"
CONSOLE_ADMIT= alsa_speaker tapped "$pport" --once
tapped=$LAST_PID
wait_log "$T/console.log" "speaker tapped .* asks to join: approve [0-9]+" 10
tid=$(sed -n 's/.*speaker tapped (.* asks to join: approve \([0-9]*\),.*/\1/p' "$T/console.log" | head -1)
console_cmd "approve $tid"
wait_log "$T/console.log" "speaker tapped joined" 10
console_cmd "send $TONE"
wait "$tapped" || fail "the tapped speaker did not play its page"
wait "$proxy" || true
n=$(ls "$T/archive"/*.wav | wc -l)
page=$(archived_page "$T/archive" "$n")
python3 - "$page" "$T/wire.bin" <<'EOF' || fail "the page's audio is on the wire in the clear"
import sys
wav, wire = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert len(wire) > len(wav) // 2, "the capture holds too little to judge: %d bytes" % len(wire)
pcm = wav[44:]
# Any 64 bytes of the samples, from anywhere in the page, would be found.
for at in range(0, len(pcm) - 64, len(pcm) // 50):
    assert pcm[at:at + 64] not in wire, "samples at %d are in the capture" % at
assert b"RIFF" not in wire and b"WAVE" not in wire
EOF

note "refused: closed, and refused at once when it comes back"
alsa_speaker intruder "$port"
wait_log "$T/console.log" "speaker intruder .* asks to join: approve [0-9]+" 10
iid=$(sed -n 's/.*speaker intruder (.* asks to join: approve \([0-9]*\),.*/\1/p' "$T/console.log" | head -1)
console_cmd "refuse $iid"
wait_log "$T/console.log" "refused speaker intruder" 5
wait_log "$T/intruder.log" "refused by the console's operator" 5
wait_log "$T/console.log" "refused: the operator refused key" 15
[ -e "$T/intruder/out.raw" ] && fail "the refused speaker opened its output"
kill -TERM "$LAST_PID"

note "approved speakers are remembered: after a restart they join unasked"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
CONSOLE_ADMIT= start_console "$T/console" "$port" --archive "$T/archive"
wait_log "$T/console.log" "speaker lobby joined" 15
grep -q "speaker lobby .* asks to join" "$T/console.log" && fail "an approved speaker asked again"
note "forget: it is closed and asks again"
console_cmd "forget $fp"
wait_log "$T/console.log" "nothing to forget as" 5
sfp=$(grep -h "speaker lobby joined from" "$T/console.log" | sed -n 's/.*, key \([0-9a-f]*\)$/\1/p' | tail -1)
afp=$(awk '$2 == "lobby" { print $1 }' "$T/console/state/intercom/approved-speakers")
[ -n "$afp" ] || fail "no approved key for lobby"
# forget by the id the list shows is the headless way; here by the key's fingerprint.
lfp=$(grep -h "this speaker's fingerprint is" "$T/lobby.log" | tail -1 | sed 's/.*fingerprint is //')
console_cmd "forget $lfp"
wait_log "$T/console.log" "forgot speaker lobby, and closed its link: it asks to join again" 5
wait_log "$T/console.log" "speaker lobby \($sfp\) from .* asks to join" 15

note "a console with another key at the pinned address is refused, loudly, and not retried"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
mkdir -p "$T/impostor"
start_console "$T/impostor" "$port" --archive "$T/archive-impostor"
ifp=$(sed -n "s/.*this console's key: \([0-9a-f ]*\) (speakers.*/\1/p" "$T/console.log")
[ -n "$ifp" ] && [ "$ifp" != "$fp" ] || fail "the impostor has the same key"
lobby_rc=0
wait "$lobby_pid" || lobby_rc=$?
[ "$lobby_rc" -eq 6 ] || fail "the speaker facing another key exited $lobby_rc, not 6"
grep -q "REFUSED the console at 127.0.0.1:$port: ITS KEY HAS CHANGED, from $fp" "$T/lobby.log" \
	|| fail "the changed key was not refused: $(tail -5 "$T/lobby.log")"
grep -q "to $ifp; someone may be posing as the console" "$T/lobby.log" || fail "the new fingerprint is not named"
grep -q "run: intercom-speaker --forget-console 127.0.0.1:$port" "$T/lobby.log" || fail "the fix is not named"
[ "$(grep -c "REFUSED the console" "$T/lobby.log")" -le 2 ] || fail "the speaker kept trying"
grep -q "speaker lobby joined" "$T/console.log" && fail "the impostor got a speaker"
note "its exit status is 6, and the message is on stderr too"
rc=0
env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/lobby" XDG_DATA_HOME="$T/lobby/data" XDG_STATE_HOME="$T/lobby/state" \
	"$S" --headless --name lobby "127.0.0.1:$port" >"$T/again.log" 2>"$T/again.err" </dev/null || rc=$?
[ "$rc" -eq 6 ] || fail "the speaker exited $rc, not 6"
grep -q "intercom-speaker: REFUSED the console" "$T/again.err" || fail "nothing on stderr: $(cat "$T/again.err")"
env HOME="$T/lobby" XDG_STATE_HOME="$T/lobby/state" "$S" --forget-console "127.0.0.1:$port" >"$T/forget.txt"
grep -q "forgot the key of console 127.0.0.1:$port" "$T/forget.txt" || fail "forget-console: $(cat "$T/forget.txt")"
note "--console-key: the wrong one is refused, the right one served"
rc=0
env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/lobby" XDG_STATE_HOME="$T/lobby/state" \
	"$S" --headless --name lobby --console-key "$fp" --save "$T/saved" "127.0.0.1:$port" >"$T/ck.log" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 6 ] && grep -q "its key is $ifp, not the --console-key $fp" "$T/ck.log" || fail "wrong --console-key: $rc $(cat "$T/ck.log")"
alsa_speaker pinned "$port" --console-key "$ifp"
wait_log "$T/console.log" "speaker pinned joined" 10
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "approval from the screen: the asking speaker is shown, a approves"
mkdir -p "$T/scr"
sport=$(rig_free_port)
SCREEN_PANE=con
tm -f /dev/null new-session -d -x 110 -y 30 -s con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/scr' XDG_STATE_HOME='$T/scr/state' LANG=C.UTF-8 \
	 '$C' -H 127.0.0.1 -p $sport --archive '$T/archive-scr' 2>'$T/scr.err'"
wait_screen 'encrypted, key [0-9a-f]{8}' 10
alsa_speaker desk "$sport"
wait_screen 'desk \([0-9a-f]{8}\) asks to join: a approves, x refuses' 10
wait_screen '0 speakers' 2
tm send-keys -t con a
wait_screen 'approved speaker desk' 5
wait_screen 'desk +' 5
wait_log "$T/desk.log" "connected to 127\.0\.0\.1:$sport" 5
tm send-keys -t con q
session_gone() { ! tm has-session -t con 2>/dev/null; }
wait_for 5 session_gone
note "ok"
