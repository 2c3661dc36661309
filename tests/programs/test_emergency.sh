#!/usr/bin/env bash
# Emergency pages on a muted speaker, on its screen (tmux) and a paced file rig:
# turned down to -20 dB and muted (m), a normal page is received and reported
# muted, nothing is played; an emergency page plays anyway, at the floor
# (--emergency-floor-db -6: what reaches the device peaks at the page's peak
# times 10^(-6/20), measured with sox), the screen says !! EMERGENCY !! and
# that it plays through the mute, and the console counts it played; after it
# the speaker is muted as before: the next normal page is muted again. Then the
# console's screen: `:priority emergency` puts [EMERGENCY] beside where the next
# page goes, and the page's outcome begins with EMERGENCY.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
mkdir -p "$T/spk"
rig_pulse_file_home "$PULSE_DIR" "$T/spk" /dev/zero "$T/spk/out.raw" mic.monitor spk1
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 2 sine 440 vol 0.5 fade 0.05 2 0.05
port=$(rig_free_port)

SCREEN_PANE=spk
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

# peak RAWFILE — the largest amplitude in a raw 48 kHz mono 16-bit file (0..1).
peak() { sox -t raw -r 48000 -e signed-integer -b 16 -c 1 "$1" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}'; }

start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -c 1
tm -f /dev/null new-session -d -x 100 -y 30 -s spk \
	"env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER HOME='$T/spk' LANG=C.UTF-8 \
	 '$INTERCOM_BIN/intercom-speaker' --name lobby-1 --emergency-floor-db -6 127.0.0.1:$port 2>'$T/speaker.err'"
wait_screen "link +connected to 127\.0\.0\.1:$port" 15
wait_log "$T/console.log" "lobby-1 clock locked|clock locked.*lobby-1" 15

note "turned down to -20 dB and muted"
for _ in $(seq 20); do tm send-keys -t spk -; done
wait_screen 'volume +-20 dB' 3
tm send-keys -t spk m
wait_screen 'muted: pages are received, not played' 3

note "a normal page: muted, nothing played"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 1 muted on lobby-1" 15
[ ! -e "$T/spk/out.raw" ] || fail "a muted speaker opened its output for a normal page"

note "an emergency page: played through the mute, at the floor"
console_cmd "priority emergency"
console_cmd "send $T/tone.wav"
wait_screen '!! EMERGENCY page 2 !! \(plays through the mute\)' 10
tm capture-pane -p -t spk >"$T/emergency-screen.txt"
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 15
[ -e "$T/spk/out.raw" ] || fail "the emergency page opened no output"
page_peak=$(sox "$(archived_page "$T/archive" 2)" -n stat 2>&1 | awk '/Maximum amplitude/ {print $3}')
out_peak=$(peak "$T/spk/out.raw")
note "page peak $page_peak, played peak $out_peak (floor -6 dB: x0.501)"
awk -v p="$page_peak" -v o="$out_peak" 'BEGIN { r = o / p; exit !(r > 0.49 && r < 0.51) }' ||
	fail "the emergency page did not play at the -6 dB floor (peak $out_peak of $page_peak)"

note "after it, muted as before"
wait_screen 'muted: pages are received, not played' 5
console_cmd "priority normal"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 3 muted on lobby-1" 15
[ ! -e "$T/spk/out.raw.0001" ] || fail "the speaker played a normal page after the emergency, muted"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "the console's screen: the next page's priority in its title, the outcome says EMERGENCY"
tm new-window -d -t spk -n con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' \
	 XDG_STATE_HOME='$T/console/state' LANG=C.UTF-8 '$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port \
	 --admit all --chime off --preroll-ms 0 -c 1 --codec pcm --archive '$T/archive' 2>'$T/console.err'"
tm resize-window -t spk:con -x 100 -y 30 2>/dev/null || true
SCREEN_PANE=spk:con
wait_screen 'lobby-1 ' 15
# Kept from the headless console before it: priority normal, and the pages went on from 3.
tm send-keys -t spk:con : 'priority emergency' Enter
wait_screen '^ intercom console .*next page to all speakers \[EMERGENCY\]' 5
tm send-keys -t spk:con : "send $T/tone.wav" Enter
wait_screen '^ EMERGENCY page 4: delivered to 1/1, played by 1/1' 15
tm capture-pane -p -t spk:con >"$T/console-screen.txt"
SCREEN_PANE=spk
wait_screen '#4 .* played' 5
note "ok"
