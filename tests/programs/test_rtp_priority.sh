#!/usr/bin/env bash
# A console with an RTP target paces its packets at real-time priority where
# the system allows it (RLIMIT_RTPRIO, as the unit's LimitRTPRIO=10 gives, or
# CAP_SYS_NICE) and says so; where it does not, it runs at normal priority
# with a note naming the limit and how to allow it. Slow work (a file's load)
# stays at normal priority. Allowed: root, or a hard RLIMIT_RTPRIO of 10 or
# more; not allowed: RLIMIT_RTPRIO 0 and (as root) CAP_SYS_NICE dropped.
source "$(dirname "$0")/harness.sh"

realtime_prefixes

# console_with PREFIX N LOG — a headless console with an RTP target, run under PREFIX (an array's name).
console_with() {
	local -n prefix=$1
	local n=$2 log=$3 port
	port=$(rig_free_port)
	mkdir -p "$T/c$n"
	[ -p "$T/c$n.cmd" ] || mkfifo "$T/c$n.cmd"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/c$n" XDG_STATE_HOME="$T/c$n/state" XDG_DATA_HOME="$T/c$n/data" \
		"${prefix[@]}" "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" \
		--admit all --no-advertise --control-socket off --rtp "127.0.0.1:$(rig_free_port)" \
		<"$T/c$n.cmd" >"$log" 2>&1 &
	PIDS+=("$!")
	LAST_PID=$!
	exec {fd}>"$T/c$n.cmd"
	LAST_FD=$fd
	wait_log "$log" "listening on" 20
}

if [ "${allowed[0]-}" != none ]; then
	note "allowed: the loop runs at SCHED_FIFO 10, a file's load at normal priority"
	console_with allowed 10 "$T/rt.log"
	wait_log "$T/rt.log" "RTP packets paced at real-time priority \(SCHED_FIFO 10\)" 5
	[ "$(chrt -p "$LAST_PID" | awk -F': ' '/policy/ { print $2 }')" = SCHED_FIFO ] ||
		fail "the console's main thread is not SCHED_FIFO: $(chrt -p "$LAST_PID")"
	# Four minutes at 96 kHz stereo: its load (decoding, resampling) takes seconds.
	sox -n -r 96000 -c 2 -b 16 "$T/long.flac" synth 240 sine 300-900 vol 0.3
	printf 'send %s\n' "$T/long.flac" >&"$LAST_FD"
	# The load's thread, while it runs: every thread but the loop's own is SCHED_OTHER or its audio's.
	seen=0
	for _ in $(seq 400); do
		for task in /proc/"$LAST_PID"/task/*; do
			tid=${task##*/}
			[ "$tid" = "$LAST_PID" ] && continue
			comm=$(cat "$task/comm" 2>/dev/null) || continue
			policy=$(chrt -p "$tid" 2>/dev/null | awk -F': ' '/policy/ { print $2 }') || continue # gone meanwhile
			case $comm in
			intercom-consol*) seen=1; [ "$policy" = SCHED_OTHER ] || fail "thread $tid ($comm) runs $policy" ;;
			esac
		done
		grep -q "page 1 loaded" "$T/rt.log" && break
		sleep 0.02
	done
	[ "$seen" = 1 ] || fail "no thread of the file's load was seen while it loaded"
	printf 'quit\n' >&"$LAST_FD"
	wait "$LAST_PID" || fail "the console exited with $?"
fi

note "RLIMIT_RTPRIO 0 (and no CAP_SYS_NICE): normal priority, a note that names the limit and the fix"
console_with denied 0 "$T/normal.log"
wait_log "$T/normal.log" "note: RTP packets paced at normal priority, .*RLIMIT_RTPRIO is 0\): allow it with LimitRTPRIO=10 in the service, or ulimit -r 10" 5
[ "$(chrt -p "$LAST_PID" | awk -F': ' '/policy/ { print $2 }')" = SCHED_OTHER ] || fail "policy: $(chrt -p "$LAST_PID")"
printf 'quit\n' >&"$LAST_FD"
wait "$LAST_PID" || fail "the console exited with $?"
note "ok"
