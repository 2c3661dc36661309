#!/usr/bin/env bash
# Targets, headless and over the control socket: a zone of two speakers gets a
# page and the third speaker (another zone) does not; send --zone for one page
# leaves the console's target alone; a speaker by id; a zone or a speaker that
# matches nobody is refused with one line and no page is made (never widened to
# everyone); status shows the target. A page for a zone whose speaker is offline
# waits ("waits for 1 offline speaker"), status lists it, and when the speaker
# reconnects it plays it: "delivered late (N s)"; history lists both outcomes.
# An RTP target (--rtp to a unicast UDP receiver here, zone=office) is in its
# zone: the office's pages reach it, the hall's do not.
source "$(dirname "$0")/harness.sh"

CTL="$INTERCOM_BIN/intercom-ctl"
json_get() { "$CTL" status --json | python3 -c "import json, sys; s = json.load(sys.stdin); print($1)"; }
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 0.6 sine 440 vol 0.5
port=$(rig_free_port)
rtp_port=$(rig_free_port)
# The RTP target's receiver: how many packets came, kept in a file.
run_bg "$T" "$T/rtp.log" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
n = 0
open(sys.argv[2], "w").write("0")
while True:
    s.recv(2048)
    n += 1
    open(sys.argv[2], "w").write(str(n))
' "$rtp_port" "$T/rtp.count"
wait_for 5 test -f "$T/rtp.count"

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -d 2 \
	--rtp "127.0.0.1:$rtp_port,zone=office,name=office-horn"
alsa_speaker h1 "$port" --zone hall
alsa_speaker h2 "$port" --zone hall
alsa_speaker o1 "$port" --zone office
o1_pid=$LAST_PID
for s in h1 h2 o1; do wait_log "$T/console.log" "speaker $s .*joined" 20; done

note "target zone hall: both hall speakers play, the office does not"
console_cmd "target zone hall"
wait_log "$T/console.log" "next page goes to zone hall only" 5
[ "$(json_get 's["target"]["kind"], s["target"]["zones"]')" = "zone ['hall']" ] || fail "status: $("$CTL" status --json)"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 1: delivered to 2/2, played by 2/2" 20
for s in h1 h2; do wait_log "$T/$s.log" "page 1 played" 5; done
[ "$(count_log "$T/o1.log" "page 1 ")" -eq 0 ] || fail "o1 (office) got page 1, meant for zone hall"
[ "$(cat "$T/rtp.count")" = 0 ] || fail "the office's RTP target got page 1, meant for zone hall"

note "send --zone office: that page only, the target stays"
"$CTL" send --zone office "$T/tone.wav" >"$T/send2.out" || fail "intercom-ctl send --zone exited $?: $(cat "$T/send2.out")"
wait_log "$T/console.log" "page 2: delivered to 2/2, played by 1/1 \(1 RTP: delivered only\)" 20
wait_log "$T/o1.log" "page 2 played" 5
[ "$(cat "$T/rtp.count")" -gt 20 ] || fail "the office's RTP target got $(cat "$T/rtp.count") packets of page 2"
[ "$(count_log "$T/h1.log" "page 2 ")" -eq 0 ] || fail "h1 got page 2, meant for the office"
"$CTL" status >"$T/status.txt"
grep -q "next page to zone hall" "$T/status.txt" || fail "the target changed: $(cat "$T/status.txt")"

note "a speaker by id"
id=$(json_get '[x["id"] for x in s["speakers"] if x["name"] == "h2"][0]')
console_cmd "send --speaker $id $T/tone.wav"
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20
wait_log "$T/h2.log" "page 3 played" 5
[ "$(count_log "$T/h1.log" "page 3 ")" -eq 0 ] || fail "h1 got page 3, meant for h2 (id $id)"

note "targets that match nobody: refused, one line, nothing sent"
console_cmd "target zone attic"
wait_log "$T/console.log" "target not changed: no speaker is in zone attic, connected or known" 5
rc=0
"$CTL" send --zone attic "$T/tone.wav" >"$T/attic.out" 2>"$T/attic.err" || rc=$?
[ "$rc" = 1 ] || fail "send --zone attic exited $rc"
grep -q "not sent: no speaker is in zone attic, connected or known" "$T/attic.err" || fail "attic: $(cat "$T/attic.err")"
[ "$(wc -l <"$T/attic.err")" = 1 ] || fail "more than one line: $(cat "$T/attic.err")"
console_cmd "send --speaker nobody-here $T/tone.wav"
wait_log "$T/console.log" "not sent: no speaker is in nobody-here" 5
console_cmd "send --speaker 999 $T/tone.wav"
wait_log "$T/console.log" "no speaker has the name or id 999: list shows names and ids" 5
console_cmd "send --priority loud $T/tone.wav"
wait_log "$T/console.log" "unknown priority 'loud': use normal, high or emergency" 5
sleep 0.5 # the test: a page made by any of them would be numbered 4 by now
[ -z "$(archived_page "$T/archive" 4)" ] || fail "a refused target still made a page"
grep -q "page 4" "$T/console.log" && fail "a refused target made page 4"

note "a page for the office while o1 is offline waits, and plays when it is back"
kill "$o1_pid"
wait_log "$T/console.log" "speaker o1 .*left" 10
console_cmd "send --zone office $T/tone.wav"
wait_log "$T/console.log" "page 4 waits for 1 offline speaker \(o1\)" 10
wait_log "$T/console.log" "page 4: delivered to 1/1, played by 0/0 \(1 RTP: delivered only\)" 10
[ "$(json_get 's["waiting"][0]["page"], s["waiting"][0]["speaker"]')" = "4 o1" ] || fail "status: $("$CTL" status --json)"
[ "$(json_get 's["offline"][0]["name"], s["offline"][0]["zone"]')" = "o1 office" ] || fail "status: $("$CTL" status --json)"
sleep 1 # the test: it waits a while
run_bg "$T/o1" "$T/o1-back.log" "$INTERCOM_BIN/intercom-speaker" --headless --name o1 --zone office "127.0.0.1:$port"
wait_log "$T/console.log" "page 4 goes late to o1: back online" 20
wait_log "$T/console.log" "page 4 delivered late \([0-9]+ s\) to o1" 20
wait_log "$T/o1-back.log" "page 5 played" 10
wait_log "$T/console.log" "page 5 is page 4 sent again" 5
[ "$(json_get 'len(s["waiting"])')" = 0 ] || fail "still waiting: $("$CTL" status --json)"
for s in h1 h2; do [ "$(count_log "$T/$s.log" "page [45] ")" -eq 0 ] || fail "$s got the office's page"; done

note "history: every page, its outcome on each speaker"
console_cmd history
wait_log "$T/console.log" "  page 4 o1: played late \([0-9]+ s\)" 5
grep -q "page 1 .* to zone hall: played by 2/2" "$T/console.log" || fail "history of page 1: $(grep 'page 1 ' "$T/console.log")"
grep -q "  page 1 h1: played" "$T/console.log" || fail "history lacks h1 on page 1"

console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
