# shellcheck shell=bash
# Shared harness of the whole-program tests (sourced): a private temp dir
# cleaned on exit, programs started in the background with their own HOME
# (hence their own virtual audio rig), and waiting for log lines or other
# conditions. Tests run in parallel (scripts/run-programs.sh): everything a
# test makes lives in its $T, its ports come from rig_free_port.
#
# Exit status: 0 passed, 77 skipped (`skip REASON`: the machine lacks what the
# test needs), anything else failed.
set -euo pipefail

: "${INTERCOM_BIN:?run through scripts/run-programs.sh or set INTERCOM_BIN}"
: "${INTERCOM_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=../lib/rig.sh
source "$INTERCOM_TOP/tests/lib/rig.sh"

T=$(mktemp -d /tmp/ict.XXXXXX)
PIDS=()
PULSE_DIR=""
# Nothing of the session's runtime directory: libpulse, tmux or JACK would share it between tests.
export XDG_RUNTIME_DIR="$T/xdg-run"
# No system config file (/etc/intercom/*.conf) of this machine: each program starts from its defaults.
export INTERCOM_SYSCONFDIR="$T/no-sysconf"
mkdir -m 700 "$XDG_RUNTIME_DIR"
# Nor the machine's system bus: a console would advertise itself through the
# host's avahi-daemon on its real network. A bus that is not there is what a
# machine without Avahi looks like; test_discovery.sh brings a private one.
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/no-system-bus"
SKIP_STATUS=77

# Our programs a test started outside PIDS (in tmux panes, by a demo script) are
# found by their HOME under $T: asked to stop, then killed. A sanitizer build's
# leak check at exit has been seen to spin forever on a loaded machine, and
# such a process would load every test after it.
reap_leftovers() {
	local p pids=() pid
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in intercom-*) ;; *) continue ;; esac
		tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -q "^HOME=$T/" && pids+=("${p#/proc/}")
	done
	[ "${#pids[@]}" -gt 0 ] || return 0
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for pid in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "# killed $(cat "/proc/$pid/comm" 2>/dev/null) ($pid): still running 3 s after the test" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
}

cleanup() {
	local rc=$?
	for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	reap_leftovers
	for m in "$T"/*; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	[ -n "$PULSE_DIR" ] && rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true
	if { [ "$rc" -ne 0 ] && [ "$rc" -ne "$SKIP_STATUS" ]; } || [ -n "${KEEP_LOGS:-}" ]; then
		for f in "$T"/*.log "$T"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -40 "$f"; }; done
	fi
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $T (KEEP_TMP)"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }
# skip REASON — this machine cannot run the test: "# SKIP: REASON", exit 77 (run-programs.sh says SKIP).
skip() { echo "# SKIP: $*"; exit "$SKIP_STATUS"; }

# realtime_prefixes — sets the arrays allowed and denied: command prefixes under
# which real-time priority 10 is allowed (empty as root; a raised RLIMIT_RTPRIO
# where the hard limit lets us; "none" where nothing can allow it) and refused
# (RLIMIT_RTPRIO 0 and, as root, CAP_SYS_NICE dropped). Skips without the tools.
realtime_prefixes() {
	command -v prlimit >/dev/null || skip "no prlimit"
	command -v chrt >/dev/null || skip "no chrt"
	allowed=() denied=(prlimit --rtprio=0)
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "no setpriv to drop CAP_SYS_NICE"
		denied+=(setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice)
	elif [ "$(ulimit -Hr)" = unlimited ] || [ "$(ulimit -Hr)" -ge 10 ]; then
		allowed=(prlimit --rtprio=10)
	else
		allowed=(none)
	fi
}

# wait_for SECONDS CMD... — run CMD every 50 ms until it succeeds, else fail naming it.
# For a condition a test would otherwise give a fixed sleep to come true.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@" && return 0
	fail "still not true after ${secs}s: $*"
}

# listening PORT — something listens on TCP PORT (any address). Reads /proc, so it
# does not take the one connection a single-shot peer (peer.py) accepts.
listening() {
	local hex
	hex=$(printf ':%04X ' "$1")
	awk -v p="$hex" 'FNR > 1 && $4 == "0A" && index($2 " ", p) { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_log FILE PATTERN [SECONDS] — wait until FILE has a line matching PATTERN (grep -E).
wait_log() {
	local file=$1 pattern=$2 secs=${3:-20} i
	for ((i = 0; i < secs * 10; i++)); do
		grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line matching '$pattern' in $(basename "$file") after ${secs}s"
}

# count_log FILE PATTERN — how many lines match.
count_log() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# wait_count FILE PATTERN N [SECONDS] — wait until N lines of FILE match PATTERN.
wait_count() {
	local file=$1 pattern=$2 n=$3 secs=${4:-20} i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(count_log "$file" "$pattern")" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "fewer than $n lines matching '$pattern' in $(basename "$file") after ${secs}s"
}

# run_bg HOMEDIR LOG CMD... — start CMD in the background with its own HOME; sets LAST_PID.
run_bg() {
	local home=$1 log=$2
	shift 2
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$home" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" "$@" >"$log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# start_console HOMEDIR PORT ARGS... — console reading commands from fifo $T/console.cmd.
# It admits every speaker (--admit $CONSOLE_ADMIT, "all" unless set; CONSOLE_ADMIT= gives
# the console's own default, ask): the tests about approval set it.
start_console() {
	local home=$1 port=$2
	shift 2
	mkdir -p "$home"
	[ -p "$T/console.cmd" ] || mkfifo "$T/console.cmd"
	local admit=()
	[ -n "${CONSOLE_ADMIT-all}" ] && admit=(--admit "${CONSOLE_ADMIT-all}")
	# Pages exactly as long as asked (tests compare lengths): no chime, no pre-roll, unless a test sets
	# CONSOLE_PAGE_OPTS (test_chime.sh, test_preroll.sh).
	local page_opts
	read -ra page_opts <<<"${CONSOLE_PAGE_OPTS---chime off --preroll-ms 0}"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$home" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
		"$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" "${admit[@]}" "${page_opts[@]}" "$@" \
		<"$T/console.cmd" >"$T/console.log" 2>&1 &
	CONSOLE_PID=$!
	PIDS+=("$CONSOLE_PID")
	exec {CONSOLE_FD}>"$T/console.cmd"
	wait_log "$T/console.log" "listening on" 20
}

# console_cmd LINE — type a command at the console.
console_cmd() { printf '%s\n' "$1" >&"$CONSOLE_FD"; }

# alsa_speaker NAME PORT ARGS... — a speaker whose output lands in $T/NAME/out.raw.
alsa_speaker() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	rig_alsa_file "$T/$name" /dev/zero "$T/$name/out.raw"
	run_bg "$T/$name" "$T/$name.log" "$INTERCOM_BIN/intercom-speaker" --headless --name "$name" \
		"$@" "127.0.0.1:$port"
}

# archived_page DIR N — path of page N in an archive directory.
archived_page() { ls "$1"/*-page"$(printf %04d "$2")".wav 2>/dev/null | head -1; }

# rms WAV — RMS amplitude (0..1) of a WAV, from sox.
rms() { sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}'; }
