#!/usr/bin/env bash
# bench/run.sh [--smoke] BUILD_DIR — runs every benchmark against the
# programs in BUILD_DIR/bin and BUILD_DIR/bench/intercom-bench, then prints one
# table: figure, median, min-max, baseline, ratio, target, met?
# docs/BENCHMARKS.md says what each figure means and how to read it.
#
# --smoke: every step once at a tiny size (make check); never judges time.
# Knobs (environment): BENCH_REPS, BENCH_SIZES, BENCH_SLOW_REPS, BENCH_IDLE_S,
# BENCH_IDLE_SLICES, BENCH_K2L_REPS, BENCH_RELIST_N, BENCH_CLOCK_S, BENCH_CLOCK_SESSIONS,
# BENCH_SKEW_PAGES, BENCH_DRIFT_S, BENCH_CAP_REPS, BENCH_ARRIVAL_BIN, BENCH_LIVE_TALKS, BENCH_LIVE_MS,
# BENCH_CODEC_REPS, BENCH_CODEC_S, BENCH_CPU_S, BENCH_CPU_SLICES, BENCH_NETNS_REPS, BENCH_NETNS_RATE,
# BENCH_NETNS_{WAV,STREAM,PCM}_ARGS, BENCH_ONLY=skew|codec|cpu|netns,
# BENCH_SKEW_PARTS (section 9's parts to run: "proof pages capture live drift", the default).
# Results and logs: BUILD_DIR/bench/results/.
set -euo pipefail

smoke=0
if [ "${1:-}" = --smoke ]; then
	smoke=1
	shift
fi
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091 # tests/lib/rig.sh
source "$top/tests/lib/rig.sh"

B="$build/bench/intercom-bench"
BIN="$build/bin"
RES="$build/bench/results"
ARCH="$build/bench/archive" # on the build's disk, not a tmpfs: fsync must cost what it costs
for p in "$B" "$BIN/intercom-console" "$BIN/intercom-speaker"; do
	[ -x "$p" ] || { echo "bench: $p is missing (make bench-build)" >&2; exit 1; }
done

if [ "$smoke" = 1 ]; then
	REPS=1 SIZES=1,3 SLOW_N=3 SLOW_REPS=1 SEALED_N=3 SEALED_REPS=1 SCALE=0.01 IDLE_S=1 IDLE_SLICES=1
	RECONNECT_N=5 RECONNECT_REPS=1
	MEM_N1=3 MEM_N2=4 K2L_REPS=1 K2L_SECONDS=0.5 K2L_TALK_REPS=1
	RELIST_N=2 RELIST_EVERY=1 CLOCK_S=1.5 CLOCK_SESSIONS=1
	SKEW_PAGES=1 DRIFT_S=3 DRIFT_EVERY=1 CAP_REPS=1 PROOF_OFFS=0,20 SKEW_NS=2 CAP_BIG=2 ARRIVAL=0
	CODEC_REPS=1 CODEC_S=1 CPU_S=1 CPU_SLICES=1
	NETNS_REPS=1 NETNS_SECS=1 NETNS_PEERS=2 NETNS_BYTES=1000000 NETNS_FLOWS=4
	LIVE_TALKS=1 LIVE_BIG=2 LIVE_MS=80
else
	REPS=${BENCH_REPS:-7} SIZES=${BENCH_SIZES:-1,10,100,500} SLOW_N=100
	SLOW_REPS=${BENCH_SLOW_REPS:-5} SEALED_N=100 SEALED_REPS=${BENCH_SEALED_REPS:-7}
	RECONNECT_N=${BENCH_RECONNECT_N:-1000} RECONNECT_REPS=${BENCH_RECONNECT_REPS:-3}
	SCALE=1 IDLE_S=${BENCH_IDLE_S:-30}
	IDLE_SLICES=${BENCH_IDLE_SLICES:-6} MEM_N1=100 MEM_N2=500
	K2L_REPS=${BENCH_K2L_REPS:-7} K2L_SECONDS=10 K2L_TALK_REPS=${BENCH_K2L_TALK_REPS:-3}
	RELIST_N=${BENCH_RELIST_N:-600} RELIST_EVERY=100
	SKEW_PAGES=${BENCH_SKEW_PAGES:-20} DRIFT_S=${BENCH_DRIFT_S:-300} DRIFT_EVERY=5 CAP_REPS=${BENCH_CAP_REPS:-5}
	SKEW_NS="2 10" CAP_BIG=100 ARRIVAL=1 PROOF_OFFS=0,5,20,50
	CLOCK_S=${BENCH_CLOCK_S:-20} CLOCK_SESSIONS=${BENCH_CLOCK_SESSIONS:-2}
	CODEC_REPS=${BENCH_CODEC_REPS:-7} CODEC_S=${BENCH_CODEC_S:-30}
	CPU_S=${BENCH_CPU_S:-30} CPU_SLICES=${BENCH_CPU_SLICES:-6}
	LIVE_TALKS=${BENCH_LIVE_TALKS:-10} LIVE_BIG=99 LIVE_MS=${BENCH_LIVE_MS:-80}
	NETNS_REPS=${BENCH_NETNS_REPS:-3} NETNS_SECS=10 NETNS_PEERS=98 NETNS_BYTES=50000000 NETNS_FLOWS=100
fi
NETNS_RATE=${BENCH_NETNS_RATE:-100mbit}

# Scratch (rigs, logs, the speakers' output files) on a tmpfs when there is one: on a
# disk, the ALSA file rig's output would be dirty data that the console's archive
# fsync must flush too (ext4 data=ordered), a cost a speaker on its own machine
# never puts on the console.
scratch=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch=/dev/shm
T=$(mktemp -d "$scratch/icb.XXXXXX")
# No system config file (/etc/intercom/*.conf) of this machine: the programs start from their defaults.
export INTERCOM_SYSCONFDIR="$T/no-sysconf"
# The consoles' control sockets (and anything else of the runtime directory) are the
# bench's own: a console the user runs meanwhile keeps its socket, and so do they.
export XDG_RUNTIME_DIR="$T/xdg-run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
PIDS=()
PULSE_DIR=""
mkdir -p "$RES" "$ARCH"
S="$RES/samples.txt"
: >"$S"

cleanup() {
	local rc=$? pid
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	tmux -S "$T/tmux.sock" kill-server 2>/dev/null || true
	[ -n "${NETNS_DIR:-}" ] && rig_netns_stop "$NETNS_DIR"
	[ -n "$PULSE_DIR" ] && { rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true; }
	cp "$T"/*.log "$T"/*.err "$RES"/ 2>/dev/null || true
	rm -rf "$T" "$ARCH"
	[ "$rc" -ne 0 ] && echo "bench: failed; logs in $RES" >&2
	exit "$rc"
}
trap cleanup EXIT

say() { echo "# $*" >&2; }
fail() { echo "bench: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND... — until COMMAND succeeds.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
has_line() { grep -Eq -- "$2" "$1" 2>/dev/null; }
count_is() { [ "$(grep -Ec -- "$2" "$1" 2>/dev/null || true)" -ge "$3" ]; }

# Sections 1-9 measure whole pages (what they were defined on, before streamed
# pages became the console's default): their consoles send them whole.
BENCH_CONSOLE_ARGS=(--codec wav)

# Every console of the bench sends pages without the chime and the pre-roll (both on
# by default): a page is the recording alone, as the measures below were defined.
# start_console NAME PORT [ENV...] — a headless console on the pulse rig's mic,
# reading commands from $T/NAME.cmd (fd in CON_FD); sets CON_PID.
# BENCH_CONSOLE_ARGS: more options for the console (an array; a section may set its own).
start_console() {
	local name=$1 port=$2
	shift 2
	mkfifo "$T/$name.cmd"
	# Each console numbers its pages from 1 (the measures name page 1): none goes on from the last.
	find "$T" -name console.state -delete
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/console-home" XDG_DATA_HOME="$T/data" "$@" \
		"$BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" --admit all --archive "$ARCH" \
		--chime off --preroll-ms 0 "${BENCH_CONSOLE_ARGS[@]}" \
		<"$T/$name.cmd" >"$T/$name.log" 2>"$T/$name.err" &
	CON_PID=$!
	PIDS+=("$CON_PID")
	exec {CON_FD}>"$T/$name.cmd"
	wait_for 20 has_line "$T/$name.log" "listening on" || fail "console $name did not start"
	has_line "$T/$name.log" "input: " || fail "console $name found no input device on the pulse rig"
}

# start_speaker NAME PORT [ENV...] — intercom-speaker on an ALSA file rig (unpaced); sets SPK_PID.
start_speaker() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	rig_alsa_file "$T/$name" /dev/zero "$T/$name/out.raw"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/$name" "$@" \
		"$BIN/intercom-speaker" --headless --name "$name" "127.0.0.1:$port" \
		>"$T/$name.log" 2>"$T/$name.err" &
	SPK_PID=$!
	PIDS+=("$SPK_PID")
}

# start_peers PORT N NAME — N light bench speakers; sets PEERS_PID once all are introduced.
start_peers() {
	"$B" peers "127.0.0.1:$1" "$2" --name "$3" >"$T/peers-$3.out" 2>"$T/peers-$3.log" &
	PEERS_PID=$!
	PIDS+=("$PEERS_PID")
	wait_for 60 has_line "$T/peers-$3.out" "^ready" || fail "bench peers $3 did not all connect"
}

screen_started() {
	SCREEN_PID=$(pgrep -n -f "intercom-console -H 127.0.0.1 -p $port " || true)
	[ -n "$SCREEN_PID" ] && tmux -S "$T/tmux.sock" capture-pane -p -t screen | grep -q "dBFS"
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
sample() { echo "sample $1 $2" >>"$S"; }

# BENCH_ONLY=skew: only the skew rig's figures (section 9); BENCH_ONLY=codec: only the
# stream codec's (section 10); BENCH_ONLY=cpu: only CPU while recording and playing
# (section 11); BENCH_ONLY=netns: only the network rig's (section 12); the others read
# "not measured".
if [ -z "${BENCH_ONLY:-}" ]; then
# ---------------------------------------------------------------- 1, 4, 5
say "fan-out: N = $SIZES, $REPS runs each, station and raw alternating; slow speaker N = $SLOW_N"
"$B" fanout --sizes "$SIZES" --reps "$REPS" --slow-n "$SLOW_N" --slow-reps "$SLOW_REPS" \
	--sealed-n "$SEALED_N" --sealed-reps "$SEALED_REPS" \
	--reconnect-n "$RECONNECT_N" --reconnect-reps "$RECONNECT_REPS" \
	--scale "$SCALE" >>"$S" || fail "fanout failed"

# ---------------------------------------------------------------- 3, 4
PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR" || fail "cannot start the pulse rig"
rig_pulse_client_home "$PULSE_DIR" "$T/console-home" mic.monitor spk1
MIC_PID=$(cat "$PULSE_DIR/holder.mic.pid")
"$B" wav "$T/page.wav" 48000 1 "$K2L_SECONDS" || fail "cannot write the test page"
page_kib=$(($(stat -c %s "$T/page.wav") / 1024))

port=$(rig_free_port)
start_console idle "$port"
sleep 1
say "idle: headless console, its mic stream running, 0 speakers, ${IDLE_S} s"
"$B" idle "$IDLE_S" "$IDLE_SLICES" console0="$CON_PID" mic0="$MIC_PID" >>"$S" || fail "idle failed"
rss0=$(status_kib "$CON_PID" VmRSS)
sample mem.rss0 "$rss0"

start_speaker spk-idle "$port"
IDLE_SPK=$SPK_PID
start_peers "$port" 1 base
BASE_PID=$PEERS_PID
start_peers "$port" $((MEM_N1 - 2)) a
PEERS_A=$PEERS_PID
wait_for 60 has_line "$T/idle.log" "\\($MEM_N1 connected\\)" || fail "$MEM_N1 speakers did not connect"
sleep 1
say "idle: console with $MEM_N1 speakers, one of them a real idle speaker, ${IDLE_S} s"
"$B" idle "$IDLE_S" "$IDLE_SLICES" console100="$CON_PID" mic100="$MIC_PID" speaker="$IDLE_SPK" \
	base="$BASE_PID" >>"$S" || fail "idle failed"
rss1=$(status_kib "$CON_PID" VmRSS)
sample mem.rss100 "$rss1"

start_peers "$port" $((MEM_N2 - MEM_N1)) b
PEERS_B=$PEERS_PID
wait_for 60 has_line "$T/idle.log" "\\($MEM_N2 connected\\)" || fail "$MEM_N2 speakers did not connect"
sleep 1
rss2=$(status_kib "$CON_PID" VmRSS)
sample mem.rss500 "$rss2"
say "memory: a page to $MEM_N2 speakers"
echo 5 >"/proc/$CON_PID/clear_refs"
printf 'send %s\n' "$T/page.wav" >&"$CON_FD"
wait_for 60 count_is "$T/idle.log" "page 1 delivered to" "$MEM_N2" ||
	fail "page 1 did not reach $MEM_N2 speakers"
hwm=$(status_kib "$CON_PID" VmHWM)
sample mem.page_hwm "$hwm"
sample mem.page_kib "$page_kib"
sample mem.per_speaker "$(awk -v a="$rss2" -v b="$rss0" -v n="$MEM_N2" 'BEGIN { print (a - b) / n }')"
sample mem.page_per_speaker "$(awk -v h="$hwm" -v b="$rss0" -v p="$page_kib" -v n="$MEM_N2" \
	'BEGIN { print (h - b - p) / n }')"
sample mem.page_copies "$(awk -v h="$hwm" -v b="$rss2" -v p="$page_kib" 'BEGIN { print (h - b) / p }')"
printf 'quit\n' >&"$CON_FD"
wait "$CON_PID" || fail "console exited with $?"
for pid in "$PEERS_A" "$PEERS_B" "$BASE_PID" "$IDLE_SPK"; do stop_pid "$pid"; done
exec {CON_FD}>&-

# The screen up: the input stream is always open there, feeding the live meter.
port=$(rig_free_port)
find "$T" -name console.state -delete
tmux -S "$T/tmux.sock" -f /dev/null new-session -d -x 100 -y 30 -s screen \
	"env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME='$T/console-home' XDG_DATA_HOME='$T/data' LANG=C.UTF-8 \
	 '$BIN/intercom-console' -H 127.0.0.1 -p $port --admit all --archive '$ARCH' --chime off --preroll-ms 0 \
	 ${BENCH_CONSOLE_ARGS[*]} 2>'$T/screen.err'"
SCREEN_PID=
wait_for 20 screen_started || fail "the console screen did not start"
sleep 1
say "idle: console screen up, meter running on the mic, 0 speakers, ${IDLE_S} s"
"$B" idle "$IDLE_S" "$IDLE_SLICES" screen0="$SCREEN_PID" micS="$MIC_PID" >>"$S" || fail "idle failed"
start_peers "$port" "$MEM_N1" screen
SCREEN_PEERS=$PEERS_PID
sleep 1
say "idle: console screen up, meter running, $MEM_N1 speakers, ${IDLE_S} s"
"$B" idle "$IDLE_S" "$IDLE_SLICES" screen100="$SCREEN_PID" micS100="$MIC_PID" >>"$S" || fail "idle failed"
stop_pid "$SCREEN_PEERS"
tmux -S "$T/tmux.sock" send-keys -t screen q
for _ in $(seq 50); do kill -0 "$SCREEN_PID" 2>/dev/null || break; sleep 0.1; done
tmux -S "$T/tmux.sock" kill-server 2>/dev/null || true

# ---------------------------------------------------------------- 2
say "key to loudspeaker: $K2L_REPS pages of ${K2L_SECONDS} s, console (pulse mic) -> speaker (ALSA file rig)"
port=$(rig_free_port)
start_console k2l "$port" INTERCOM_TRACE=1
start_speaker spk-k2l "$port" INTERCOM_TRACE=1
K2L_SPK=$SPK_PID
wait_for 20 has_line "$T/k2l.log" "joined" || fail "speaker did not join the console"
for ((i = 1; i <= K2L_REPS; i++)); do
	printf 'send %s\n' "$T/page.wav" >&"$CON_FD"
	wait_for 30 has_line "$T/spk-k2l.log" "page $i played" || fail "page $i was not played"
	# The baselines in the same conditions, page by page.
	"$B" floor "$T/page.wav" "$ARCH" 1 >>"$S" || fail "floor failed"
done
# The same from a real capture on the (silent, paced) microphone: measured from the
# moment its last buffer reached the audio callback, so the pump noticing counts too.
say "key to loudspeaker: $K2L_TALK_REPS recordings of ${K2L_SECONDS} s (talk)"
printf 'duration %s\n' "$K2L_SECONDS" >&"$CON_FD"
for ((j = 1; j <= K2L_TALK_REPS; j++)); do
	printf 'talk\n' >&"$CON_FD"
	wait_for 60 has_line "$T/spk-k2l.log" "page $((K2L_REPS + j)) played" ||
		fail "recording $j was not played"
done
printf 'quit\n' >&"$CON_FD"
wait "$CON_PID" || fail "console exited with $?"
stop_pid "$K2L_SPK"
exec {CON_FD}>&-
# trace EVENT US PAGE, from both programs (one CLOCK_MONOTONIC): per page, the splits in ms.
grep -h '^trace ' "$T/k2l.err" "$T/spk-k2l.err" | awk '
	{ t[$4, $2] = $3; pages[$4] = 1 }
	function ms(a, b, p) { return (t[p, b] - t[p, a]) / 1000 }
	END {
		for (p in pages) {
			if (!((p, "samples_ready") in t) || !((p, "first_sample") in t)) continue
			if ((p, "captured") in t) {
				print "sample k2l_talk.total", ms("captured", "first_sample", p)
				print "sample k2l_talk.pump", ms("captured", "samples_ready", p)
				print "sample k2l_talk.rest", ms("samples_ready", "first_sample", p)
				continue
			}
			print "sample k2l.total", ms("samples_ready", "first_sample", p)
			print "sample k2l.encode_send", ms("samples_ready", "sending", p)
			print "sample k2l.encode", ms("samples_ready", "encoded", p)
			print "sample k2l.archive", ms("sending", "committed", p)
			print "sample k2l.transfer", ms("sending", "page_whole", p)
			print "sample k2l.decode", ms("page_whole", "decoded", p)
			print "sample k2l.device", ms("decoded", "first_sample", p)
		}
	}' >>"$S"
grep -q '^sample k2l.total' "$S" || fail "no key-to-loudspeaker trace (INTERCOM_TRACE lines missing)"
grep -q '^sample k2l_talk.total' "$S" || fail "no key-to-loudspeaker trace of a recording"

# ---------------------------------------------------------------- 7
# What a console without an input device does every 6-60 s: PortAudio terminated and
# started again, the input looked for. Ours (audio_terminate, audio_init,
# audio_find_device) against plain PortAudio in the same configuration: no audio
# device at all (the issue's case), the ALSA file rig, the pulse rig (still running).
say "re-listing the audio devices: $RELIST_N times each, ours and plain PortAudio, on 3 configurations"
mkdir -p "$T/relist-none" "$T/relist-file"
rig_alsa_file "$T/relist-file" /dev/zero "$T/relist-file/out.raw"
for cfg in none file pulse; do
	home="$T/relist-$cfg"
	[ "$cfg" = pulse ] && home="$T/console-home"
	for mode in ours plain; do
		label=$cfg mode_args=()
		if [ "$mode" = plain ]; then
			label=$cfg.plain mode_args=(--plain)
		fi
		env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$home" "$B" relist "${mode_args[@]}" \
			--label "$label" --every "$RELIST_EVERY" "$RELIST_N" >>"$S" 2>>"$T/relist.log" ||
			fail "relist $label failed"
	done
done

# ---------------------------------------------------------------- 8
# The shared clock on one machine: both ends read one CLOCK_MONOTONIC, so the
# true offset is 0. A pinger feeding clock_sync and a console-like answerer over
# loopback TCP (conn_common_frame), idle, then with two spinning processes per core.
say "shared clock: $CLOCK_SESSIONS sessions of ${CLOCK_S} s idle, then as many under CPU load"
"$B" clocksync --seconds "$CLOCK_S" --sessions "$CLOCK_SESSIONS" >>"$S" 2>>"$T/clocksync.log" ||
	fail "clocksync failed"

fi # BENCH_ONLY

# ---------------------------------------------------------------- 10
if [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = codec ]; then
# The stream codec on speech: espeak-ng's voice reading an announcement (13 s,
# repeated to CODEC_S), coded as 20 ms frames at 48 kHz mono; pcm is the baseline.
say "stream codec: $CODEC_REPS runs of ${CODEC_S} s of speech, pcm and opus (24/32/64 kbit/s, complexity 0/5/10)"
espeak-ng -w "$T/speech.wav" -s 160 "Attention please. The nine fifteen service to the north platform \
is delayed by ten minutes. Passengers for the airport should change at the central station. \
We apologise for any inconvenience this may cause. Thank you." || fail "espeak-ng could not speak"
"$B" codec --reps "$CODEC_REPS" --seconds "$CODEC_S" "$T/speech.wav" >>"$S" || fail "codec failed"
fi

if [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = skew ]; then

# ---------------------------------------------------------------- 9 (skew rig)
# shellcheck source=skew.sh
source "$top/bench/skew.sh"
SKEW_PARTS=${BENCH_SKEW_PARTS:-proof pages capture live drift}
skew_part() { [[ " $SKEW_PARTS " == *" $1 "* ]]; }
skew_part proof && skew_prove "${PROOF_OFFS//,/ }"
arrival_bin=
if [ "$ARRIVAL" = 1 ]; then
	arrival_bin=$(skew_arrival_bin)
fi
skew_part pages && for n in $SKEW_NS; do
	say "start skew: $n speakers, $SKEW_PAGES pages, timed$([ -n "$arrival_bin" ] && echo ', then on arrival')"
	skew_pages timed "$BIN" "$n" "$SKEW_PAGES"
	[ -n "$arrival_bin" ] && skew_pages arrival "$arrival_bin" "$n" "$SKEW_PAGES"
done
skew_part capture && for n in 10 "$CAP_BIG"; do
	[ "$smoke" = 1 ] && [ "$n" = 10 ] && continue
	nreal=$n npeers=0
	[ "$n" -gt 10 ] && nreal=2 npeers=$((n - 2))
	say "end of capture -> all playing: $nreal speakers on the rig + $npeers bench peers, $CAP_REPS recordings of 1 s"
	skew_capture timed "$BIN" "$nreal" "$npeers" "$CAP_REPS"
	[ -n "$arrival_bin" ] && skew_capture arrival "$arrival_bin" "$nreal" "$npeers" "$CAP_REPS"
done
if skew_part live; then
say "live talk: mouth to ear, 1 and $((LIVE_BIG + 1)) speakers, $LIVE_TALKS talks each, idle, under CPU load, through a delaying relay"
skew_live 0 "$LIVE_TALKS" 0
skew_live "$LIVE_BIG" "$LIVE_TALKS" 0
skew_live 0 "$LIVE_TALKS" 1
skew_live "$LIVE_BIG" "$LIVE_TALKS" 1
skew_live 0 "$LIVE_TALKS" 0 1
fi
if skew_part drift; then
say "drift: a ${DRIFT_S} s page, one speaker's clock 100 ppm fast (libfaketime)"
skew_drift "$DRIFT_S" "$DRIFT_EVERY"
fi
rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true
PULSE_DIR=
fi # BENCH_ONLY skew

# ---------------------------------------------------------------- 11
# CPU and system calls while recording and while playing, beside parec/paplay on the
# same pulse rig in the same window (its own rig: nothing else plays there).
if [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = cpu ]; then
# shellcheck source=cpu.sh
source "$top/bench/cpu.sh"
cpu_figures "$CPU_S" "$CPU_SLICES"
fi

# ---------------------------------------------------------------- 12 (network rig)
if [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = netns ]; then
# shellcheck source=skew.sh
source "$top/bench/skew.sh"
# shellcheck source=netns.sh
source "$top/bench/netns.sh"
if ! why=$(rig_netns_usable); then
	say "network rig: skipped, $why (section 12 reads \"not measured\")"
else
	netns_rig
	say "network rig proof: raw TCP, $NETNS_REPS x (one flow unshaped, one flow at $NETNS_RATE, $NETNS_FLOWS flows at once)"
	netns_prove "$NETNS_REPS" "$NETNS_BYTES" "$NETNS_FLOWS" $((NETNS_SECS * 96000 + 44))
	netns_done
	say "end of capture -> all playing over $NETNS_RATE: 2 speakers + $NETNS_PEERS peers, $NETNS_REPS pages of ${NETNS_SECS} s"
	netns_capture wav "$NETNS_PEERS" "$NETNS_REPS" "$NETNS_SECS" "$NETNS_WAV_ARGS" "$NETNS_WAV_CMDS"
	netns_capture stream "$NETNS_PEERS" "$NETNS_REPS" "$NETNS_SECS" "$NETNS_STREAM_ARGS" "$NETNS_STREAM_CMDS"
	netns_capture pcm "$NETNS_PEERS" "$NETNS_REPS" "$NETNS_SECS" "$NETNS_PCM_ARGS" "$NETNS_PCM_CMDS"
fi
rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true
PULSE_DIR=
fi # BENCH_ONLY netns

# ---------------------------------------------------------------- the table
spec="$T/spec"
{
	IFS=, read -ra ns <<<"$SIZES"
	for pg in mono10 stereo5; do
		[ $pg = mono10 ] && desc="10 s 48k mono" || desc="5 s 44.1k stereo"
		for n in "${ns[@]}"; do
			tgt=-
			[ "$n" -ge 100 ] && tgt="ratio<=1.3"
			echo "fan-out $desc, N=$n|fanout.$pg.n$n.station|fanout.$pg.n$n.raw|ms|$tgt"
		done
	done
	last=${ns[${#ns[@]}-1]}
	echo "page memory in fan-out, N=$last (heap)|fanout.mono10.n$last.heap_kib|fanout.mono10.frame_kib|KiB|ratio<=1.5"
	echo "slow speaker: N=$SLOW_N, one never reads|slow.with|slow.without|ms|ratio<=1.5"
	echo "fan-out with a pre-shared key, N=$SEALED_N (both sealed)|sealed.key|sealed.plain|ms|-"
	echo "$RECONNECT_N speakers connecting at once, all listed|reconnect.noise.ms|reconnect.tcp.ms|ms|-"
	echo "  console CPU per connection|reconnect.noise.cpu_us_per_conn|reconnect.tcp.cpu_us_per_conn|us|-"
	echo "  the console's side of one handshake|reconnect.console_handshake_us|-|us|-"
	echo "key to loudspeaker, ${K2L_SECONDS} s page|k2l.total|floor.archive+fanout.mono10.n1.raw+floor.copy|ms|<=20"
	echo "  encode, then sent|k2l.encode_send|-|ms|-"
	echo "    encode|k2l.encode|-|ms|-"
	echo "  archive (fsync), alongside the transfer|k2l.archive|floor.archive|ms|-"
	echo "  transfer|k2l.transfer|fanout.mono10.n1.raw|ms|-"
	echo "  decode|k2l.decode|floor.copy|ms|-"
	echo "  device start|k2l.device|-|ms|-"
	echo "key to loudspeaker, ${K2L_SECONDS} s recording (talk)|k2l_talk.total|floor.archive+fanout.mono10.n1.raw+floor.copy|ms|<=20"
	echo "  the capture's end noticed (pump)|k2l_talk.pump|-|ms|-"
	echo "  then encode to first sample|k2l_talk.rest|-|ms|-"
	echo "console CPU idle, screen up, 0 speakers|idle.screen0.cpu|idle.micS.cpu|%|<=2"
	echo "  main thread (the poll loop, the screen)|idle.screen0.main_cpu|-|%|-"
	echo "console CPU idle, screen up, $MEM_N1 speakers|idle.screen100.cpu|idle.micS100.cpu|%|<=2"
	echo "  main thread (the poll loop, the screen)|idle.screen100.main_cpu|-|%|-"
	echo "console CPU idle, headless, 0 speakers|idle.console0.cpu|idle.mic0.cpu|%|<=0.5"
	echo "  main thread (the poll loop)|idle.console0.main_cpu|-|%|-"
	echo "console CPU idle, headless, $MEM_N1 speakers|idle.console100.cpu|idle.mic100.cpu|%|<=0.5"
	echo "  main thread (the poll loop)|idle.console100.main_cpu|-|%|-"
	echo "speaker CPU idle|idle.speaker.cpu|idle.base.cpu|%|<=0.2"
	echo "console wake-ups, screen up, 0 speakers|idle.screen0.wakeups|idle.micS.wakeups|/s|-"
	echo "console wake-ups, headless, 0 speakers|idle.console0.wakeups|idle.mic0.wakeups|/s|-"
	echo "  main thread|idle.console0.main_wakeups|-|/s|-"
	echo "console wake-ups, headless, $MEM_N1 speakers|idle.console100.wakeups|idle.mic100.wakeups|/s|-"
	echo "  main thread|idle.console100.main_wakeups|-|/s|-"
	echo "speaker wake-ups|idle.speaker.wakeups|idle.base.wakeups|/s|-"
	echo "console RSS, 0 speakers|mem.rss0|-|KiB|-"
	echo "console RSS, $MEM_N1 speakers|mem.rss100|mem.rss0|KiB|-"
	echo "console RSS, $MEM_N2 speakers|mem.rss500|mem.rss0|KiB|-"
	echo "  growth per connected speaker|mem.per_speaker|-|KiB|<=64"
	echo "console peak RSS, page to $MEM_N2|mem.page_hwm|mem.rss500|KiB|-"
	echo "  page memory (copies of the page)|mem.page_copies|-|x|-"
	echo "  per speaker beyond the page|mem.page_per_speaker|-|KiB|<=64"
	echo "re-listing the devices, no device: RSS growth each|relist.none.rss_per|relist.none.plain.rss_per|KiB|<=1"
	echo "  heap growth each|relist.none.heap_per|relist.none.plain.heap_per|KiB|-"
	echo "  CPU each|relist.none.cpu_ms|relist.none.plain.cpu_ms|ms|-"
	echo "re-listing, ALSA file rig: RSS growth each|relist.file.rss_per|relist.file.plain.rss_per|KiB|<=1"
	echo "re-listing, pulse rig: RSS growth each|relist.pulse.rss_per|relist.pulse.plain.rss_per|KiB|<=1"
	echo "clock offset error, idle (truth 0)|clock.idle.err_us|clock.idle.raw_us|us|<=100"
	echo "  uncertainty claimed|clock.idle.unc_us|-|us|-"
	echo "  exchanges over it, per session|clock.idle.over|-|n|<=0"
	echo "  connect to locked|clock.idle.lock_ms|-|ms|-"
	echo "clock offset error, CPU load (truth 0)|clock.load.err_us|clock.load.raw_us|us|<=100"
	echo "  uncertainty claimed|clock.load.unc_us|-|us|-"
	echo "  exchanges over it, per session|clock.load.over|-|n|<=0"
	echo "  connect to locked|clock.load.lock_ms|clock.idle.lock_ms|ms|-"
	echo "skew rig proof, one stream: error at $PROOF_OFFS ms|rig.proof.one_err|-|ms|<=0.05"
	echo "  two paplay started together: error|rig.proof.two_err|-|ms|<=10"
	for n in $SKEW_NS; do
		echo "start skew, $n speakers (latest - earliest)|skew.n$n.timed|skew.n$n.arrival|ms|<=1"
		echo "  pages not started by all $n (expired, late)|skew.n$n.timed.incomplete|skew.n$n.arrival.incomplete|pages|-"
	done
	echo "skew after a ${DRIFT_S} s page, one clock +100 ppm|drift.end|drift.start|ms|<=1"
	for n in 1 $((LIVE_BIG + 1)); do
		base=-
		[ "$n" -gt 1 ] && base=live.n1 # the same talk to one speaker, in the same run
		echo "live mouth to ear, $n speaker(s), $LIVE_MS ms set|live.n$n|$base|ms|<=100"
		echo "  frames concealed per talk|live.n$n.concealed|-|frames|-"
		echo "  console CPU while talking live|live.n$n.console_cpu|live.n1.console_cpu|%|-"
		echo "  with 2 busy loops on the 2 cores|live.n$n.load|live.n$n|ms|<=100"
		echo "    frames concealed per talk|live.n$n.load.concealed|-|frames|-"
	done
	echo "live mouth to ear through a relay adding 10-30 ms each way|live.n1.relay|live.n1|ms|<=100"
	echo "  frames concealed per talk|live.n1.relay.concealed|-|frames|-"
	for n in 10 "$CAP_BIG"; do
		[ "$smoke" = 1 ] && [ "$n" = 10 ] && continue
		echo "end of capture -> all $n playing|cap.n$n.timed|cap.n$n.arrival|ms|-"
	done
	echo "network rig proof: one TCP flow at $NETNS_RATE (tbf)|net.tbf.mbps|net.free.mbps|Mbit/s|-"
	echo "  $NETNS_FLOWS flows of a ${NETNS_SECS} s page (PCM) at once|net.tbf.flows_ms|-|ms|-"
	echo "end of capture -> all $((NETNS_PEERS + 2)) playing, ${NETNS_SECS} s page, $NETNS_RATE: streamed opus|cap.net.stream|cap.net.wav|ms|<=250"
	echo "  streamed pcm|cap.net.pcm|cap.net.wav|ms|-"
	echo "  whole-WAV pages|cap.net.wav|-|ms|-"
	echo "  last copy whole, streamed opus (console's log)|cap.net.stream.last_ms|cap.net.wav.last_ms|ms|-"
	echo "  last copy whole, streamed pcm (console's log)|cap.net.pcm.last_ms|cap.net.wav.last_ms|ms|-"
	echo "  last copy whole, whole-WAV (console's log)|cap.net.wav.last_ms|-|ms|-"
	echo "stream codec, opus 32k: encode + decode a 20 ms frame|codec.opus32.us|codec.pcm.us|us|-"
	echo "  encode (the console, once per stream)|codec.opus32.enc_us|codec.pcm.enc_us|us|-"
	echo "  decode (each speaker)|codec.opus32.dec_us|codec.pcm.dec_us|us|-"
	echo "  conceal a lost frame|codec.opus32.plc_us|codec.pcm.plc_us|us|-"
	echo "  % of a core per live stream|codec.opus32.core|codec.pcm.core|%|-"
	echo "  encode at complexity 0|codec.opus32.c0.enc_us|-|us|-"
	echo "  encode at complexity 10|codec.opus32.c10.enc_us|codec.opus32.enc_us|us|-"
	echo "stream bytes per second of audio, opus 24k|codec.opus24.Bps|codec.pcm.Bps|B/s|-"
	echo "  opus 32k (default)|codec.opus32.Bps|codec.pcm.Bps|B/s|-"
	echo "  opus 64k|codec.opus64.Bps|codec.pcm.Bps|B/s|-"
	echo "  pcm 48 kHz mono|codec.pcm.Bps|-|B/s|-"
	echo "CPU while recording (console)|idle.rec.cpu|idle.parec.cpu|%|ratio<=1.5"
	echo "  main thread (poll loop, drains the capture)|idle.rec.main_cpu|-|%|-"
	echo "  libpulse's thread (threaded-ml)|idle.rec.pulse_cpu|idle.parec.cpu|%|-"
	echo "  PortAudio's callback thread|idle.rec.other_cpu|-|%|-"
	echo "  wake-ups|idle.rec.wakeups|idle.parec.wakeups|/s|-"
	echo "  system calls|sys.rec.total|sys.parec.total|/s|-"
	echo "    of them getpid|sys.rec.getpid|sys.parec.getpid|/s|-"
	echo "CPU while playing (speaker)|idle.play.cpu|idle.paplay.cpu|%|ratio<=1.5"
	echo "  main thread (poll loop, progress, drift)|idle.play.main_cpu|-|%|-"
	echo "  libpulse's thread (threaded-ml)|idle.play.pulse_cpu|idle.paplay.cpu|%|-"
	echo "  PortAudio's callback thread|idle.play.other_cpu|-|%|-"
	echo "  wake-ups|idle.play.wakeups|idle.paplay.wakeups|/s|-"
	echo "  system calls|sys.play.total|sys.paplay.total|/s|-"
	echo "    of them getpid|sys.play.getpid|sys.paplay.getpid|/s|-"
} >"$spec"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "intercom benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) x ${cpu:-unknown CPU}, Linux $(uname -r)$([ "$smoke" = 1 ] && echo ', SMOKE (tiny sizes, times mean nothing)')"
	echo "fan-out $((3 * REPS)) runs ($REPS at N = 500), slow speaker $SLOW_REPS, key to loudspeaker $K2L_REPS, idle ${IDLE_S} s in $IDLE_SLICES slices, re-listing $RELIST_N, clock sync $CLOCK_SESSIONS x ${CLOCK_S} s per phase, stream codec $CODEC_REPS x ${CODEC_S} s, CPU while recording/playing ${CPU_S} s in $CPU_SLICES slices; median (min-max)"
	awk -v smoke="$smoke" '
	function fmt(v) {
		if (v == "") return "-"
		a = v < 0 ? -v : v
		if (a >= 1000) return sprintf("%.0f", v)
		if (a >= 100) return sprintf("%.1f", v)
		if (a >= 10) return sprintf("%.2f", v)
		if (a >= 0.1) return sprintf("%.3f", v)
		return sprintf("%.4f", v)
	}
	function median(k,   n, i, j, x, arr) {
		n = cnt[k]
		if (!n) return ""
		for (i = 1; i <= n; i++) arr[i] = val[k, i]
		for (i = 2; i <= n; i++) { x = arr[i]; for (j = i - 1; j >= 1 && arr[j] > x; j--) arr[j + 1] = arr[j]; arr[j + 1] = x }
		lo[k] = arr[1]; hi[k] = arr[n]
		return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
	}
	# A baseline may be a sum of medians: "a+b+c".
	function base(spec,   parts, n, i, s, m) {
		if (spec == "-") return ""
		n = split(spec, parts, "+")
		s = 0
		for (i = 1; i <= n; i++) { m = median(parts[i]); if (m == "") return ""; s += m }
		return s
	}
	FILENAME == ARGV[1] { if ($1 == "sample") { k = $2; val[k, ++cnt[k]] = $3 } ; next }
	{
		split($0, f, "|")
		m = median(f[2])
		if (m == "") { rows[++nr] = f[1] "\t(not measured)\t\t\t\t" f[5] "\t"; next }
		b = base(f[3])
		ratio = (b != "" && b != 0) ? m / b : ""
		met = "-"
		if (f[5] ~ /^ratio<=/) { t = substr(f[5], 8) + 0; met = ratio == "" ? "?" : (ratio <= t ? "yes" : "NO") }
		else if (f[5] ~ /^<=/) { t = substr(f[5], 3) + 0; met = m <= t ? "yes" : "NO" }
		tgt = f[5] == "-" ? "-" : (f[5] ~ /^ratio/ ? f[5] : f[5] " " f[4])
		if (smoke) met = "-"
		median(f[2])
		rows[++nr] = f[1] "\t" fmt(m) " " f[4] "\t" fmt(lo[f[2]]) "-" fmt(hi[f[2]]) "\t" \
			(b == "" ? "-" : fmt(b) " " f[4]) "\t" (ratio == "" ? "-" : sprintf("%.2f", ratio)) "\t" tgt "\t" met
	}
	END {
		hdr = "figure\tmedian\tmin-max\tbaseline\tratio\ttarget\tmet?"
		ncol = split(hdr, h, "\t")
		for (c = 1; c <= ncol; c++) w[c] = length(h[c])
		for (r = 1; r <= nr; r++) { split(rows[r], x, "\t"); for (c = 1; c <= ncol; c++) if (length(x[c]) > w[c]) w[c] = length(x[c]) }
		line(hdr)
		sep = ""; for (c = 1; c <= ncol; c++) { s = ""; for (i = 0; i < w[c]; i++) s = s "-"; sep = sep (c > 1 ? "\t" : "") s }
		line(sep)
		for (r = 1; r <= nr; r++) line(rows[r])
	}
	function line(s,   x, c, out) {
		split(s, x, "\t"); out = ""
		for (c = 1; c <= ncol; c++) out = out sprintf(c == 1 ? "%-" w[c] "s" : "  %-" w[c] "s", x[c])
		sub(/ +$/, "", out); print out
	}' "$S" "$spec"
} | tee "$RES/table.txt"
