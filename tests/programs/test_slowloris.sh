#!/usr/bin/env bash
# A slowloris: one peer keeps more than the console's 64 places for connections
# that have not said hello yet filled with silent ones, re-opening each one the
# console closes at once and renewing its own before the 10 s hello deadline.
# A new speaker still joins within seconds and plays a page sent meanwhile, and
# speakers reconnecting after a console restart all get back in.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"

port=$(rig_free_port)
mkdir -p "$T/console"   # no audio config: no input, send PATH works
start_console "$T/console" "$port" --archive "$T/archive"
for s in s1 s2; do alsa_speaker "$s" "$port"; done
wait_log "$T/console.log" "\(2 connected\)" 10

note "96 silent connections, each re-opened as soon as it is closed"
run_bg "$T" "$T/slowloris.log" $PEER slowloris "$port" 96 45
loris=$LAST_PID
flood_start=$(date +%s)
wait_log "$T/console.log" "64 connections have not said hello yet" 10
sleep 2   # the flood at full pace: every place taken, closed ones pouring back in

start=$(date +%s%N)
alsa_speaker late "$port"
wait_log "$T/console.log" "speaker late joined" 5
note "a new speaker joined under the flood in $(( ($(date +%s%N) - start) / 1000000 )) ms"
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 1: delivered to 3/3, played by 3/3" 15
wait_log "$T/late.log" "page 1 played" 5

note "the console restarts under the flood: every speaker is back"
kill -TERM "$CONSOLE_PID"
wait "$CONSOLE_PID" || fail "console exited with $? on SIGTERM"
mv "$T/console.log" "$T/console-before.log"
sleep 1   # speakers back off while the console is away
start=$(date +%s%N)
# The same HOME: page numbers go on (page 2 next).
start_console "$T/console" "$port" --archive "$T/archive"
wait_log "$T/console.log" "\(3 connected\)" 15
note "3 speakers back after the restart in $(( ($(date +%s%N) - start) / 1000000 )) ms"
wait_log "$T/console.log" "64 connections have not said hello yet" 10
console_cmd "send $INTERCOM_TOP/assets/test-tone.wav"
wait_log "$T/console.log" "page 2: delivered to 3/3, played by 3/3" 15

kill -TERM "$loris"
wait "$loris" || true
note "slowloris: $(cat "$T/slowloris.log")"
# One line a second at most about the connections closed to make room.
lines=$(cat "$T/console-before.log" "$T/console.log" | grep -c "have not said hello yet" || true)
secs=$(( $(date +%s) - flood_start + 1 ))
[ "$lines" -le "$secs" ] || fail "$lines lines about the flood in $secs s"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
