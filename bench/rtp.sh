#!/usr/bin/env bash
# bench/rtp.sh — RTP paging (issue 17), standalone: writes its numbers into the
# section "RTP paging" of docs/BENCHMARKS.md (or prints them with --print).
#
#   bench/rtp.sh [--print] [SECONDS]      (SECONDS of each run, default 10)
#
# 1. One multicast stream against N unicast speakers, in the same run: a live
#    talk of SECONDS (the console's microphone on a PulseAudio rig) goes to
#    (a) one RTP target only, (b) 10 and (c) 100 light speakers
#    (intercom-bench peers: our protocol, sealed, no audio) only. For each:
#    packets per second on the wire (the namespace's UDP datagrams and TCP
#    segments, /proc/net/snmp: TCP counts the speakers' ACKs too) and the
#    console's CPU (/proc/PID/stat, user + system, % of one core).
# 2. Jitter of our packets measured from outside: a receiver stamps each
#    datagram's arrival in the kernel (SO_TIMESTAMPNS); packet k's slot is
#    the fitted start + k x 20 ms (the median offset: no packet is favoured);
#    the deviation of each from its slot, idle and with two CPU burners
#    (busy loops, one per core, at the console's own priority) beside it.
#    Goal: every packet within 1 ms of its slot.
#
# Runs in a network namespace of its own (unshare --net), so the host's
# routes and counters are untouched; needs root, PulseAudio, python3.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ARGS=("$@")
PRINT=0
if [ "${1:-}" = "--print" ]; then
	PRINT=1
	shift
fi
SECS=${1:-10}

if [ -z "${RTP_BENCH_NETNS:-}" ]; then
	command -v pulseaudio >/dev/null || { echo "bench/rtp.sh: needs pulseaudio (scripts/deps.sh --test)" >&2; exit 1; }
	unshare --net true 2>/dev/null || { echo "bench/rtp.sh: cannot make a network namespace (root?)" >&2; exit 1; }
	make -C "$TOP" -s all bench-build >/dev/null
	RTP_BENCH_NETNS=1 exec unshare --net bash "$0" "${ARGS[@]}"
fi
ip link set lo up
ip route add 224.0.0.0/4 dev lo src 127.0.0.1

export INTERCOM_BIN="$TOP/build/bin"
source "$TOP/tests/lib/rig.sh"
T=$(mktemp -d /tmp/rtpbench.XXXXXX)
export XDG_RUNTIME_DIR="$T/xdg-run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rig_pulse_stop "$T/pa" >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
BENCH="$TOP/build/bench/intercom-bench"
GROUP=224.0.2.60
RPORT=50000
RESULTS="$T/results"
CONSOLE_PREFIX=()
: >"$RESULTS"

rig_pulse_start "$T/pa"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# snmp PROTO FIELD — a counter of /proc/net/snmp (this namespace's).
snmp() {
	awk -v p="$1:" -v f="$2" '$1 == p && !n { for (i = 2; i <= NF; i++) h[i] = $i; n = 1; next }
		$1 == p && n { for (i = 2; i <= NF; i++) if (h[i] == f) print $i }' /proc/net/snmp
}
# cpu_ticks PID — user + system clock ticks of PID so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# console HOME PORT ARGS... — a headless console reading commands from $T/cmd.HOME; sets CON_PID, CON_FD.
console() {
	local home=$1 port=$2
	shift 2
	mkdir -p "$T/$home"
	rig_pulse_client_home "$T/pa" "$T/$home" mic.monitor spk1
	rm -f "$T/cmd.$home" "$T/$home/state/intercom/console.state" # each console's pages from 1
	mkfifo "$T/cmd.$home"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/$home" XDG_STATE_HOME="$T/$home/state" \
		"${CONSOLE_PREFIX[@]}" "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" --admit all \
		--archive "$T/$home/archive" --chunk 256 --chime off --preroll-ms 0 "$@" <"$T/cmd.$home" >"$T/$home.log" 2>&1 &
	CON_PID=$!
	PIDS+=("$CON_PID")
	exec {CON_FD}>"$T/cmd.$home"
	for _ in $(seq 100); do grep -q "listening on" "$T/$home.log" 2>/dev/null && return 0; sleep 0.1; done
	echo "bench/rtp.sh: console $home did not start: $(tail -3 "$T/$home.log")" >&2
	exit 1
}

# talk_run NAME SPEAKERS ARGS... — a live talk of SECS to what ARGS and SPEAKERS give;
# results: NAME udp_pps tcp_pps cpu_pct.
talk_run() {
	local name=$1 n=$2 port
	shift 2
	port=$(rig_free_port)
	console "$name" "$port" -d "$((SECS + 1))" "$@"
	local peers=""
	if [ "$n" -gt 0 ]; then
		"$BENCH" peers "127.0.0.1:$port" "$n" --stream --name "b$name" >"$T/peers.$name.log" 2>&1 &
		peers=$!
		PIDS+=("$peers")
		for _ in $(seq 200); do grep -q "($n connected)" "$T/$name.log" && break; sleep 0.1; done
	fi
	printf 'live\n' >&"$CON_FD"
	sleep 0.3
	printf 'talk\n' >&"$CON_FD"
	for _ in $(seq 50); do grep -q "talking live" "$T/$name.log" && break; sleep 0.1; done
	sleep 0.5 # past the start: the measured window is the talk's steady state
	local u0 t0 c0 u1 t1 c1 ms0 ms1
	u0=$(snmp Udp OutDatagrams) t0=$(snmp Tcp OutSegs) c0=$(cpu_ticks "$CON_PID") ms0=$(date +%s%N)
	sleep "$((SECS - 2))"
	u1=$(snmp Udp OutDatagrams) t1=$(snmp Tcp OutSegs) c1=$(cpu_ticks "$CON_PID") ms1=$(date +%s%N)
	local hz
	hz=$(getconf CLK_TCK)
	awk -v n="$name" -v u="$((u1 - u0))" -v t="$((t1 - t0))" -v c="$((c1 - c0))" -v hz="$hz" \
		-v ns="$((ms1 - ms0))" 'BEGIN { s = ns / 1e9; printf "%s %.1f %.1f %.2f\n", n, u / s, t / s, 100 * c / hz / s }' \
		>>"$RESULTS"
	for _ in $(seq 100); do grep -q "page 1: delivered" "$T/$name.log" && break; sleep 0.1; done
	printf 'quit\n' >&"$CON_FD"
	wait "$CON_PID" || true
	[ -n "$peers" ] && { kill "$peers" 2>/dev/null || true; wait "$peers" 2>/dev/null || true; }
	return 0
}

echo "bench/rtp.sh: live talks of $SECS s (one RTP stream, 10 and 100 unicast speakers)" >&2
talk_run rtp 0 --rtp "$GROUP:$RPORT"
talk_run uni10 10
talk_run uni100 100

# jitter RUN — a page of SECS to the group, arrivals stamped from outside; results: jitter RUN ...
sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/page.wav" synth "$SECS" sine 440 vol 0.3
jitter() {
	local run=$1 port
	port=$(rig_free_port)
	console "jit$run" "$port" --rtp "$GROUP:$RPORT"
	python3 - "$GROUP" "$RPORT" "$run" >>"$RESULTS" <<'PY' &
import socket, struct, sys
group, port, run = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; older Pythons lack the name
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind((group, port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton("0.0.0.0"))
s.settimeout(15)
arr = []
try:
    while True:
        data, anc, _, _ = s.recvmsg(2048, 64)
        for lvl, typ, val in anc:
            if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                arr.append(sec * 1e3 + nsec / 1e6)
        s.settimeout(1.5)
except socket.timeout:
    pass
n = len(arr)
if n < 10:
    print("jitter %s 0 nan nan nan nan" % run)
    sys.exit(0)
off = sorted(a - k * 20.0 for k, a in enumerate(arr))
origin = off[n // 2]
dev = sorted(abs(a - k * 20.0 - origin) for k, a in enumerate(arr))
within = sum(1 for d in dev if d <= 1.0)
print("jitter %s %d %.3f %.3f %.3f %.2f" % (run, n, dev[n // 2], dev[int(n * 0.99) - 1], dev[-1], 100.0 * within / n))
PY
	local rx=$!
	sleep 0.5
	printf 'send %s\n' "$T/page.wav" >&"$CON_FD"
	wait "$rx" || true
	printf 'quit\n' >&"$CON_FD"
	wait "$CON_PID" || true
}
echo "bench/rtp.sh: packet timing of a $SECS s page, idle and under load" >&2
# The console raises its loop to SCHED_FIFO 10 where it may (realtime.h). The rows at
# an ordinary priority take that away: RLIMIT_RTPRIO 0 and, for root, no CAP_SYS_NICE.
ordinary=(prlimit --rtprio=0)
[ "$(id -u)" = 0 ] && ordinary+=(setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice)
CONSOLE_PREFIX=("${ordinary[@]}")
jitter idle
burners=()
for _ in $(seq "$(nproc)"); do
	( while :; do :; done ) &
	burners+=($!)
	PIDS+=($!)
done
jitter load
# The same load, the console given a higher priority than the burners (nice -10), as a
# paging host would give it: what that remedy buys.
CONSOLE_PREFIX=(nice -n -10 "${ordinary[@]}")
jitter nice
# As shipped: the console asks for SCHED_FIFO 10 itself (allowed here as the unit's
# LimitRTPRIO=10 allows it), so the scheduler runs its wake-up before any ordinary process.
CONSOLE_PREFIX=()
jitter fifo
grep -q "RTP packets paced at real-time priority" "$T/jitfifo.log" || fifo_denied=1
for run in idle load nice; do
	grep -q "note: RTP packets paced at normal priority" "$T/jit$run.log" || {
		echo "bench/rtp.sh: the $run row's console was not at an ordinary priority: $(grep -m1 'RTP packets' "$T/jit$run.log")" >&2
		exit 1
	}
done
CONSOLE_PREFIX=()
kill "${burners[@]}" 2>/dev/null || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

row() { awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2) }' "$RESULTS"; }
read -r rtp_udp rtp_tcp rtp_cpu < <(row rtp)
read -r u10_udp u10_tcp u10_cpu < <(row uni10)
read -r u100_udp u100_tcp u100_cpu < <(row uni100)
read -r _ _ ji_n ji_p50 ji_p99 ji_max ji_in < <(awk '$1 == "jitter" && $2 == "idle"' "$RESULTS")
read -r _ _ jl_n jl_p50 jl_p99 jl_max jl_in < <(awk '$1 == "jitter" && $2 == "load"' "$RESULTS")
read -r _ _ jn_n jn_p50 jn_p99 jn_max jn_in < <(awk '$1 == "jitter" && $2 == "nice"' "$RESULTS")
read -r _ _ jf_n jf_p50 jf_p99 jf_max jf_in < <(awk '$1 == "jitter" && $2 == "fifo"' "$RESULTS")
fifo_row="| the same, the console as shipped: its loop at SCHED_FIFO 10 | $jf_n | $jf_p50 ms | $jf_p99 ms | $jf_max ms | $jf_in % |"
[ "${fifo_denied:-0}" = 1 ] && fifo_row="| the same, the console as shipped (real-time priority NOT allowed here: ordinary) | $jf_n | $jf_p50 ms | $jf_p99 ms | $jf_max ms | $jf_in % |"
SECTION="$T/section.md"
cat >"$SECTION" <<EOF
## RTP paging (issue 17)

\`bench/rtp.sh\` (standalone; this section is its output), $(date -u +%Y-%m-%d), $(nproc) cores
shared with other work: load average $load_before before the run, $load_after after
(the burners included). In a network namespace of its own on loopback.

**One multicast stream against N unicast speakers**, each a live talk of $SECS s from the
console's microphone (PulseAudio rig), measured over its steady $((SECS - 2)) s. RTP: one
target, PCMU (the console resamples 48 kHz to 8 kHz and encodes each 20 ms). Unicast:
light bench speakers (our protocol, sealed, opus frames), no RTP target. Packets per
second from the namespace's counters (\`/proc/net/snmp\`; TCP counts both directions,
the speakers' ACKs included); CPU is the console's, user + system, % of one core.

| run | UDP datagrams/s | TCP segments/s | console CPU |
| --- | ---: | ---: | ---: |
| 1 RTP multicast group | $rtp_udp | $rtp_tcp | $rtp_cpu % |
| 10 unicast speakers | $u10_udp | $u10_tcp | $u10_cpu % |
| 100 unicast speakers | $u100_udp | $u100_tcp | $u100_cpu % |

One group costs 50 packets a second whatever the number of endpoints on it (the
network copies them); unicast costs a stream per speaker.

**Packet timing, measured from outside.** A receiver stamps each datagram's arrival in
the kernel (\`SO_TIMESTAMPNS\`); packet k's slot is the fitted start + k x 20 ms (the
median offset); deviation of each packet from its slot, for a $SECS s page (PCMU):

| run | packets | median | 99th percentile | worst | within 1 ms |
| --- | ---: | ---: | ---: | ---: | ---: |
| no burners (the load above), ordinary priority | $ji_n | $ji_p50 ms | $ji_p99 ms | $ji_max ms | $ji_in % |
| $(nproc) CPU burners beside it, ordinary priority | $jl_n | $jl_p50 ms | $jl_p99 ms | $jl_max ms | $jl_in % |
| the same, the console at nice -10 | $jn_n | $jn_p50 ms | $jn_p99 ms | $jn_max ms | $jn_in % |
$fifo_row

The console sends each packet from a timerfd armed for its slot on the monotonic clock
(\`peer_rtp.c\`), not from the poll loop's millisecond timeout, and never in bursts: a
late wake-up delays that one packet, not the schedule. How late a wake-up is, on a
machine whose cores are busy, is the scheduler's: at the priority of the processes
beside it the console waits its turn. So with RTP targets the console asks for
SCHED_FIFO 10 for its loop (the last row; the unit's \`LimitRTPRIO=10\` allows it, and
without it the console says so), and starts its threads for slow work (file loads,
archive writes) at an ordinary priority.
EOF
if [ "$PRINT" = 1 ]; then
	cat "$SECTION"
	exit 0
fi
DOC="$TOP/docs/BENCHMARKS.md"
python3 - "$DOC" "$SECTION" <<'PY'
import sys
doc, sec = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
head = "## RTP paging (issue 17)"
if head in text:
    start = text.index(head)
    nxt = text.find("\n## ", start + len(head))
    text = text[:start] + sec + ("\n" + text[nxt + 1:] if nxt >= 0 else "")
else:
    text = text.rstrip("\n") + "\n\n" + sec
open(doc, "w").write(text)
PY
echo "bench/rtp.sh: wrote the section \"RTP paging\" of docs/BENCHMARKS.md" >&2
