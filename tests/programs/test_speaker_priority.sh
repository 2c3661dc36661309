#!/usr/bin/env bash
# A speaker's output stream threads (libpulse's "threaded-ml" through the
# pulse plugin, and PortAudio's callback thread) run at SCHED_FIFO 10 where
# the system allows it (RLIMIT_RTPRIO, as the unit's LimitRTPRIO=10 gives, or
# CAP_SYS_NICE): their wake times are the DAC timeline a timed page's first
# sample is placed by. The speaker's own loop stays at normal priority. Where
# it is not allowed the stream still plays, at normal priority, and a timed
# page's end says so once, with the limit and the fix.
source "$(dirname "$0")/harness.sh"

realtime_prefixes

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
port=$(rig_free_port)
start_console "$T/console" "$port" --codec pcm
sox -n -r 48000 -c 1 -b 16 "$T/page.wav" synth 3 sine 440 vol 0.3

# policies PID — "TID COMM POLICY" for each of PID's threads.
policies() {
	local task tid
	for task in /proc/"$1"/task/*; do
		tid=${task##*/}
		printf '%s %s %s\n' "$tid" "$(cat "$task/comm" 2>/dev/null)" \
			"$(chrt -p "$tid" 2>/dev/null | awk -F': ' '/policy/ { print $2 }')"
	done
}

# speaker_with PREFIX NAME — a headless speaker on the pulse rig (spk1), run under PREFIX (an array's name).
speaker_with() {
	local -n prefix=$1
	local name=$2
	mkdir -p "$T/$name"
	rig_pulse_client_home "$PULSE_DIR" "$T/$name" mic.monitor spk1
	run_bg "$T/$name" "$T/$name.log" "${prefix[@]}" "$INTERCOM_BIN/intercom-speaker" --headless --name "$name" \
		"127.0.0.1:$port"
	SPEAKER_PID=$LAST_PID
	wait_log "$T/console.log" "$name.* joined" 20
	# Timed pages only: the DAC timeline (and the note) are theirs.
	wait_log "$T/$name.log" "clock locked to the console's" 20
}

# page_watch PID LOG PAGE — sends a page and, while the speaker plays it, writes its threads' policies to $T/threads.
page_watch() {
	local pid=$1 log=$2 page=$3
	console_cmd "send $T/page.wav"
	wait_log "$log" "page $page playing" 20
	for _ in $(seq 200); do
		policies "$pid" >"$T/threads"
		grep -q threaded-ml "$T/threads" && return 0
		sleep 0.02
	done
	fail "no output stream thread seen in speaker $pid while page $page played: $(tr "\n" ";" <"$T/threads")"
}

if [ "${allowed[0]-}" != none ]; then
	note "allowed: the output stream's threads at SCHED_FIFO, the loop at SCHED_OTHER"
	speaker_with allowed rt
	page_watch "$SPEAKER_PID" "$T/rt.log" 1
	cat "$T/threads" >&2
	awk -v main="$SPEAKER_PID" '
		$1 == main { if ($3 != "SCHED_OTHER") bad = bad " the loop runs " $3 ";"; next }
		$2 == "threaded-ml" || $2 ~ /^intercom-speak/ { audio++; if ($3 != "SCHED_FIFO") bad = bad " " $2 " runs " $3 ";" }
		END { if (audio < 2) bad = bad " " audio " audio thread(s) seen;"; if (bad) { print bad; exit 1 } }' \
		"$T/threads" || fail "threads while playing:$(awk -v main="$SPEAKER_PID" '$1 != main' "$T/threads" | tr '\n' ';')"
	[ "$(chrt -p "$(awk '$2 == "threaded-ml" { print $1; exit }' "$T/threads")" | awk -F': ' '/priority/ { print $2 }')" = 10 ] ||
		fail "libpulse's thread is not at priority 10"
	wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
	wait_log "$T/rt.log" "page 1: DAC timeline from" 5
	grep -q "note: the output's audio threads run at a normal priority" "$T/rt.log" &&
		fail "the speaker said its threads run at a normal priority where they run real-time"
	kill "$SPEAKER_PID"
	wait "$SPEAKER_PID" || true
	page=2
else
	page=1
fi

note "RLIMIT_RTPRIO 0 (and no CAP_SYS_NICE): it plays at normal priority, and says so once with the fix"
speaker_with denied normal
page_watch "$SPEAKER_PID" "$T/normal.log" "$page"
awk '$2 == "threaded-ml" || $2 ~ /^intercom-speak/ { if ($3 != "SCHED_OTHER") { print $2 " runs " $3; exit 1 } }' "$T/threads" ||
	fail "a thread runs real-time where it is not allowed"
wait_log "$T/console.log" "page $page: delivered to 1/1, played by 1/1" 20
wait_log "$T/normal.log" "note: the output's audio threads run at a normal priority \(real-time priority 10 not allowed \(RLIMIT_RTPRIO is 0\): allow it with LimitRTPRIO=10 in the service, or ulimit -r 10\)" 5
console_cmd "send $T/page.wav"
wait_log "$T/console.log" "page $((page + 1)): delivered to 1/1, played by 1/1" 20
[ "$(grep -c "note: the output's audio threads run at a normal priority" "$T/normal.log")" = 1 ] ||
	fail "the note was not said exactly once over two pages"
note "ok"
