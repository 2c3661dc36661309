#!/usr/bin/env bash
# make demo — the whole system on this machine, sound card or not: a tmux
# session with the console (left) and two speakers (right) on virtual audio
# devices (tests/lib/rig.sh: a private PulseAudio daemon), speech played into
# the console's microphone in a loop. Press Space in the console to talk.
#
#   scripts/demo.sh          install what is missing, build, start, attach;
#                            leaving the session (Ctrl-b d, or q in every pane) stops it all
#   scripts/demo.sh stop     stop a demo started with DEMO_NO_ATTACH=1
#
# Environment (for tests and the curious): DEMO_NO_ATTACH=1 starts it and returns;
# DEMO_DIR (default: a new /tmp/icdemo.XXXXXX), DEMO_TMUX_SOCKET (default
# /tmp/intercom-demo-$UID.sock), INTERCOM_BIN (default: build/bin, built here).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sock=${DEMO_TMUX_SOCKET:-/tmp/intercom-demo-$(id -u).sock}
state="$sock.dir"    # names the demo's directory, for stop
tm() { tmux -S "$sock" "$@"; }

# Stops everything the demo started: the tmux server (and the programs in it),
# the speech loop, the sound daemon; then removes its directory.
demo_stop() {
	local dir
	dir=$(cat "$state" 2>/dev/null || true)
	tm kill-server 2>/dev/null || true
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		if [ -s "$dir/speech.pid" ]; then
			kill "$(cat "$dir/speech.pid")" 2>/dev/null || true
		fi
		# shellcheck source=../tests/lib/rig.sh
		source "$top/tests/lib/rig.sh"
		[ -s "$dir/pa/pulse.pid" ] && rig_pulse_stop "$dir/pa" >/dev/null 2>&1 || true
		rm -rf "$dir"
	fi
	rm -f "$state" "$sock"
}

if [ "${1:-}" = stop ]; then
	demo_stop
	exit 0
fi

if tm has-session -t demo 2>/dev/null; then
	echo "demo: one is already running: tmux -S $sock attach (or: scripts/demo.sh stop)" >&2
	exit 1
fi

if [ -z "${INTERCOM_BIN:-}" ]; then
	"$top/scripts/deps.sh" --test
	make -C "$top" --no-print-directory all >/dev/null
	bin="$top/build/bin"
else
	bin=$INTERCOM_BIN
fi
command -v tmux >/dev/null || { echo "demo: tmux is missing (scripts/deps.sh --test installs it)" >&2; exit 1; }

# shellcheck source=../tests/lib/rig.sh
source "$top/tests/lib/rig.sh"
dir=${DEMO_DIR:-$(mktemp -d /tmp/icdemo.XXXXXX)}   # short: the sound daemon's socket lives in it
mkdir -p "$dir"
echo "$dir" >"$state"
trap 'rc=$?; [ $rc -eq 0 ] || demo_stop; exit $rc' EXIT

echo "demo: starting a private sound server with virtual devices in $dir"
rig_pulse_start "$dir/pa"
rig_pulse_client_home "$dir/pa" "$dir/console" mic.monitor spk3
rig_pulse_client_home "$dir/pa" "$dir/lobby" mic.monitor spk1
rig_pulse_client_home "$dir/pa" "$dir/hall" mic.monitor spk2
rig_speech "$dir/speech.wav" "Attention please. This is the intercom demo. The lobby closes in ten minutes. Thank you." 48000 1

# The microphone hears the announcement over and over, so a page always has speech in it.
(
	trap 'exit 0' TERM
	while rig_pulse_play "$dir/pa" "$dir/speech.wav" mic; do sleep 1; done
) </dev/null >/dev/null 2>&1 &
echo $! >"$dir/speech.pid"

port=$(rig_free_port)
# Each program gets its own HOME: its audio set-up (the rig) and its state stay in $dir.
run() {
	local home=$1
	shift
	# No config file of this machine's either (/etc/intercom, ~/.config/intercom): the demo's own settings.
	printf 'env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER HOME=%q XDG_DATA_HOME=%q LANG=%q INTERCOM_SYSCONFDIR=%q' \
		"$home" "$home/data" "${LANG:-C.UTF-8}" "$home/no-sysconf"
	printf ' %q' "$@"
}
# The demo's speakers are this script's own, on this machine: the console admits them
# without asking (--admit all; a real console asks its operator, or takes --key-file).
# Its control socket is the demo's own, so a console you run meanwhile keeps yours.
console_args=(-H 127.0.0.1 -p "$port" --admit all -d 4 --archive "$dir/archive" --control-socket "$dir/console.sock")
# Until the console has its screen, it runs headless: Enter talks.
if grep -q "curses screen is not built yet" "$bin/intercom-console" 2>/dev/null; then
	console_args=(--headless "${console_args[@]}")
	talk="Enter"
else
	talk="Space"
fi
cols=$(tput cols 2>/dev/null || echo 160)
lines=$(tput lines 2>/dev/null || echo 45)
[ "$cols" -ge 120 ] || cols=120
[ "$lines" -ge 30 ] || lines=30

tm -f /dev/null new-session -d -s demo -x "$cols" -y "$lines" -n intercom \
	"$(run "$dir/console" "$bin/intercom-console" "${console_args[@]}")"
tm set-option -t demo mouse on >/dev/null
tm set-option -t demo status-style "bg=blue,fg=white" >/dev/null
tm set-option -t demo status-left " intercom demo " >/dev/null
tm set-option -t demo status-left-length 20 >/dev/null
tm set-option -t demo status-right "$talk (left) talks · click a pane · Ctrl-b d leaves and stops the demo " >/dev/null
tm set-option -t demo status-right-length 100 >/dev/null
# Speakers to the right, one above the other; they find the console within a second.
# The console keeps the 80 columns its header and table are laid out for; the
# speakers share what is left (45 % on a wide terminal).
speakers_w=$((cols * 45 / 100))
[ $((cols - speakers_w - 1)) -ge 80 ] || speakers_w=$((cols - 81))
tm split-window -h -t demo -l "$speakers_w" "$(run "$dir/lobby" "$bin/intercom-speaker" --name lobby --zone ground "127.0.0.1:$port")"
tm split-window -v -t demo "$(run "$dir/hall" "$bin/intercom-speaker" --name hall --zone first "127.0.0.1:$port")"
tm select-pane -t demo:0.0

cat <<EOF
demo: console on 127.0.0.1:$port (left), speakers "lobby" and "hall" (right).
      Speech plays into the console's microphone in a loop: press $talk in the
      console to record 4 s and send it; watch both speakers play it.
      The speakers play into virtual devices: watch their meters, there is no sound.
      From another terminal: $bin/intercom-ctl --socket $dir/console.sock status
EOF
if [ -n "${DEMO_NO_ATTACH:-}" ] || [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "demo: running; attach with: tmux -S $sock attach    stop with: scripts/demo.sh stop"
	trap - EXIT
	exit 0
fi
tm attach -t demo || true
demo_stop
trap - EXIT
echo "demo: stopped"
