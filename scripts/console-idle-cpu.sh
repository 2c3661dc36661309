#!/usr/bin/env bash
# Measures what an idle console screen costs: CPU time (utime + stime from
# /proc/PID/stat, all threads) and bytes written to the terminal, over a
# window of SECONDS (default 30), with the meter running on a silent paced
# microphone (the PulseAudio rig) and two speakers connected (ALSA file rig).
# Then the same with speech playing into the microphone all along (the meter
# moving, no recording), and the headless console idle, for comparison.
# Usage: scripts/console-idle-cpu.sh [SECONDS]   (after make; needs make test-deps)
set -euo pipefail
secs=${1:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
export INTERCOM_BIN="${INTERCOM_BIN:-$top/build/bin}" INTERCOM_TOP="$top"
source "$top/tests/programs/harness.sh"
TMUX_SOCK="$T/tmux.sock"
tm() { tmux -S "$TMUX_SOCK" "$@"; }
# Errexit holds in traps too: nothing here may stop before the harness's cleanup runs.
trap 'rc=$?; set +e; tmux -S "$TMUX_SOCK" kill-server 2>/dev/null; (exit $rc); cleanup' EXIT

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
rig_pulse_client_home "$PULSE_DIR" "$T/console" mic.monitor spk1
hz=$(getconf CLK_TCK)

# cpu_ticks PID — utime + stime of every thread so far, in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# measure PID LABEL [BYTES_FILE] — one line: CPU % of one core over the window, bytes out.
measure() {
	local pid=$1 label=$2 out=${3:-} a b bytes_a=0 bytes_b=0
	sleep 3 # let start-up and the speakers' joining settle
	a=$(cpu_ticks "$pid")
	[ -n "$out" ] && bytes_a=$(stat -c %s "$out")
	sleep "$secs"
	b=$(cpu_ticks "$pid")
	[ -n "$out" ] && bytes_b=$(stat -c %s "$out")
	awk -v t=$((b - a)) -v hz="$hz" -v s="$secs" -v l="$label" -v by=$((bytes_b - bytes_a)) \
		'BEGIN { printf "%-9s %5.2f%% of one core (%d ticks of 1/%d s in %d s), %d bytes to the terminal\n", l, 100 * t / hz / s, t, hz, s, by }'
}

port=$(rig_free_port)
tm -f /dev/null new-session -d -x 100 -y 30 -s con \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console' XDG_DATA_HOME='$T/console/data' LANG=C.UTF-8 \
	 INTERCOM_SYSCONFDIR='$T/no-sysconf' \
	 '$INTERCOM_BIN/intercom-console' -H 127.0.0.1 -p $port --admit all --archive '$T/archive'"
tm pipe-pane -t con -o "cat >>'$T/tty.out'"
for _ in $(seq 50); do pid=$(pgrep -n -f "intercom-console -H 127.0.0.1 -p $port" || true); [ -n "$pid" ] && break; sleep 0.1; done
[ -n "$pid" ] || fail "the console did not start"
alsa_speaker idle-1 "$port"
alsa_speaker idle-2 "$port"
touch "$T/tty.out"
measure "$pid" screen "$T/tty.out"
rig_speech "$T/speech.wav" "Attention please. The lobby closes in ten minutes. Thank you for your patience." 48000 1
( while :; do rig_pulse_play "$PULSE_DIR" "$T/speech.wav" mic || break; done ) &
talker=$!
measure "$pid" "+speech" "$T/tty.out"
kill "$talker" 2>/dev/null || true
tm send-keys -t con q

port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive2"
alsa_speaker idle-3 "$port"
alsa_speaker idle-4 "$port"
measure "$CONSOLE_PID" headless
console_cmd quit
