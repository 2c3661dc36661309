#!/usr/bin/env bash
# A page over a slow link: the speaker's screen shows it arriving ("receiving
# page N (n% of SIZE)", the percentage growing), and the page still plays whole
# once it is in.
source "$(dirname "$0")/harness.sh"
PEER="python3 $INTERCOM_TOP/tests/programs/peer.py"
SCREEN_PANE=spk
SCREEN_TITLE=" intercom speaker"
SCREEN_KEYS=" +/- volume"
SCREEN_PARTS="intercom speaker"
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

port=$(rig_free_port)
mkdir -p "$T/console"
start_console "$T/console" "$port" --archive "$T/archive" --codec wav
pport=$(rig_free_port)
# 64 KiB/s: a 5 s page of 48 kHz mono (469 KiB) takes about 7 s to arrive.
$PEER slow-proxy "$pport" "$port" 65536 &
PIDS+=($!)
wait_for 5 listening "$pport"

mkdir -p "$T/spk"
rig_alsa_file "$T/spk" /dev/zero "$T/spk/out.raw"
tm -f /dev/null new-session -d -x 100 -y 30 -s spk \
	"env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER HOME='$T/spk' LANG=C.UTF-8 \
	 '$INTERCOM_BIN/intercom-speaker' --name slow-1 127.0.0.1:$pport 2>'$T/speaker.err'"
wait_screen 'link +connected to 127\.0\.0\.1' 10
wait_log "$T/console.log" "speaker slow-1 joined" 5

sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/page.wav" synth 5 sine 330 vol 0.5
console_cmd "send $T/page.wav"
python3 - "$TMUX_SOCK" <<'PY' || fail "the page was not seen arriving with a growing percentage"
import re, subprocess, sys, time
sock = sys.argv[1]
seen, deadline = [], time.time() + 30
while time.time() < deadline:
    text = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-t", "spk"],
                          capture_output=True, text=True).stdout
    m = re.search(r"now +receiving page 1 \((\d+)% of ", text)
    if m:
        seen.append(int(m.group(1)))
    elif seen and re.search(r"now +(playing|waiting)", text):
        break
    time.sleep(0.2)
print("percentages seen:", seen)
ok = len(set(seen)) >= 3 and all(b >= a for a, b in zip(seen, seen[1:]))
sys.exit(0 if ok else 1)
PY
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
rig_wav_to_raw "$(archived_page "$T/archive" 1)" "$T/page.raw"
rig_alsa_file_collect "$T/spk/out.raw" "$T/played.raw"
rig_contains_samples "$T/page.raw" "$T/played.raw" || fail "the slow page did not play whole"
tm send-keys -t spk q
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
