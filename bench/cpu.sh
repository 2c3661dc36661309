# bench/cpu.sh — section 11 of docs/BENCHMARKS.md: CPU and system calls while
# recording (the console, its input stream armed) and while playing (a speaker
# playing a long page), each beside the native PulseAudio client doing the same
# on the same device in the same window: parec recording the same source,
# paplay playing into the same sink. Sourced by bench/run.sh, which defines T,
# B, BIN, S, PIDS, PULSE_DIR, start_console, stop_pid, wait_for, has_line, say, fail.

# cpu_pa DIR PROGRAM ARGS... — a pulse client of the rig in DIR, in the
# background (exec'd: $! is the client itself); sets CPU_PA_PID.
cpu_pa() {
	local dir=$1
	shift
	(
		exec env -u PULSE_SERVER -u XDG_CONFIG_HOME HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
			"$@" --server="unix:$dir/native" </dev/null >/dev/null 2>>"$T/cpu-pa.log"
	) &
	CPU_PA_PID=$!
	PIDS+=("$CPU_PA_PID")
}

# cpu_counter — how system calls are counted here: perf (a tracepoint count, no
# cost to the program), else strace -c (ptrace: slows the program, counts right),
# else none.
cpu_counter() {
	if command -v perf >/dev/null 2>&1 &&
		perf stat -x, -e raw_syscalls:sys_enter -o /dev/null -- true >/dev/null 2>&1; then
		echo perf
	elif command -v strace >/dev/null 2>&1; then
		echo strace
	else
		echo none
	fi
}

# cpu_syscalls COUNTER NAME PID SECONDS — system calls per second of all of
# PID's threads over SECONDS, and the getpid among them: samples
# sys.NAME.total and sys.NAME.getpid.
cpu_syscalls() {
	local counter=$1 name=$2 pid=$3 secs=$4 out="$T/cpu-sys.$2"
	case $counter in
	perf)
		perf stat -x, -e raw_syscalls:sys_enter,syscalls:sys_enter_getpid -p "$pid" -o "$out" \
			-- sleep "$secs" >/dev/null 2>&1 || return 0
		awk -F, -v n="$name" -v s="$secs" '
			$3 == "raw_syscalls:sys_enter" { print "sample sys." n ".total", $1 / s }
			$3 == "syscalls:sys_enter_getpid" { print "sample sys." n ".getpid", $1 / s }' "$out" >>"$S"
		;;
	strace)
		timeout -s INT "$secs" strace -c -f -p "$pid" -o "$out" >/dev/null 2>&1 || true
		awk -v n="$name" -v s="$secs" '
			$NF == "total" { print "sample sys." n ".total", $4 / s }
			$NF == "getpid" { print "sample sys." n ".getpid", $4 / s }' "$out" >>"$S"
		;;
	esac
}

# cpu_measure SECONDS SLICES NAME=PID NAME=PID — CPU (intercom-bench idle) and,
# in the same window, system calls of both processes.
cpu_measure() {
	local secs=$1 slices=$2 a=$3 b=$4 counter jobs=()
	counter=$(cpu_counter)
	cpu_syscalls "$counter" "${a%%=*}" "${a#*=}" "$secs" &
	jobs+=($!)
	cpu_syscalls "$counter" "${b%%=*}" "${b#*=}" "$secs" &
	jobs+=($!)
	"$B" idle "$secs" "$slices" "$a" "$b" >>"$S" || fail "idle failed"
	wait "${jobs[@]}" || true
}

# cpu_figures SECONDS SLICES — the whole section on its own pulse rig.
cpu_figures() {
	local secs=$1 slices=$2 port rig="$T/pcpu" page_s con spk parec paplay
	PULSE_DIR=$rig
	rig_pulse_start "$rig" || fail "cannot start the pulse rig for the CPU figures"
	rig_pulse_client_home "$rig" "$T/cpu-con" mic.monitor spk1
	rig_pulse_client_home "$rig" "$T/cpu-spk" mic.monitor spk1
	page_s=$((secs + 20))
	"$B" wav "$T/cpu.wav" 48000 1 "$page_s" || fail "cannot write the CPU page"

	port=$(rig_free_port)
	start_console cpu "$port" HOME="$T/cpu-con"
	con=$CON_PID
	say "CPU while recording: the console's capture beside parec on mic.monitor, ${secs} s"
	printf 'duration %s\ntalk\n' "$page_s" >&"$CON_FD"
	wait_for 10 has_line "$T/cpu.log" "recording " || fail "the console did not start recording"
	cpu_pa "$rig" parec --device=mic.monitor --raw --format=s16le --rate=48000 --channels=1 \
		--latency-msec=20 --client-name=bench-parec
	parec=$CPU_PA_PID
	sleep 1
	cpu_measure "$secs" "$slices" rec="$con" parec="$parec"
	printf 'cancel\n' >&"$CON_FD"
	stop_pid "$parec"

	say "CPU while playing: a speaker playing a ${page_s} s page beside paplay into spk1, ${secs} s"
	mkdir -p "$T/cpu-spk"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/cpu-spk" \
		"$BIN/intercom-speaker" --headless --name cpu "127.0.0.1:$port" \
		>"$T/cpu-spk.log" 2>"$T/cpu-spk.err" &
	spk=$!
	PIDS+=("$spk")
	wait_for 20 has_line "$T/cpu.log" "speaker cpu joined" || fail "the speaker did not join"
	printf 'send %s\n' "$T/cpu.wav" >&"$CON_FD"
	wait_for 30 has_line "$T/cpu-spk.log" "page [0-9]+ playing" || fail "the speaker did not play the page"
	cpu_pa "$rig" paplay --device=spk1 --client-name=bench-paplay "$T/cpu.wav"
	paplay=$CPU_PA_PID
	sleep 1
	cpu_measure "$secs" "$slices" play="$spk" paplay="$paplay"
	stop_pid "$paplay"
	stop_pid "$spk"
	printf 'quit\n' >&"$CON_FD"
	wait "$con" || fail "console exited with $?"
	exec {CON_FD}>&-
	rig_pulse_stop "$rig" >/dev/null 2>&1 || true
	PULSE_DIR=
}
