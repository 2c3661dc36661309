# shellcheck shell=bash
# tests/lib/rig.sh — virtual audio rigs for whole-program tests (source it).
#
# The machines have no sound card. These functions build throw-away audio
# devices that a PortAudio program finds as its ALSA "default" device when it
# runs with HOME=<a home dir the test made>. Every function takes explicit
# paths, prints nothing on success (except rig_free_port and
# rig_contains_samples, which print their answer on stdout), prints
# "rig: ..." on stderr and returns non-zero on failure (2 = bad usage).
# Nothing is exported and no variables are set; state lives in files under
# the directories given.
#
# Functions
#   rig_alsa_file HOMEDIR INFILE OUTFILE [numbered|truncate]     (rig 1)
#   rig_pulse_file_home DIR HOMEDIR INFILE OUTFILE SOURCE SINK [MODE] (rig 1b)
#   rig_alsa_file_collect OUTFILE DEST
#   rig_pulse_start DIR            rig_pulse_stop DIR            (rig 2)
#   rig_pulse_client_home DIR HOMEDIR SOURCE SINK
#   rig_pulse_play DIR WAVFILE SINK    rig_pulse_wait_playing DIR SINK [SECONDS]
#   rig_pulse_record_start DIR SOURCE OUTWAV    rig_pulse_record_stop DIR OUTWAV
#   rig_skew_start DIR N    rig_skew_record_start DIR RAW    rig_skew_record_stop DIR RAW
#   rig_skew_prove DIR TOLERANCE_MS OFFSET_MS...    rig_skew_python    (rig 3)
#   rig_speech OUTWAV TEXT [RATE [CHANNELS]]   (defaults 48000 1; 16-bit)
#   rig_free_port
#   rig_wav_to_raw WAV RAW
#   rig_contains_samples RAW_NEEDLE RAW_HAYSTACK
#
# Run the program under test as
#     env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$home" prog ...
# alsa-lib also reads $XDG_CONFIG_HOME/alsa/asoundrc, libpulse reads
# $XDG_CONFIG_HOME/pulse/client.conf (instead of ~/.config/pulse) and
# PULSE_SERVER; a stray value of those could steer the program elsewhere.
# Nothing else is needed (no PULSE_SERVER, no XDG_RUNTIME_DIR). Paths given to
# these functions must not contain newlines; keep pulse DIRs short (unix
# socket paths are limited to 108 bytes).
#
# ---------------------------------------------------------------------------
# 1. ALSA file rig (rig_alsa_file): no daemon, sample-exact, UNPACED.
#    pcm.!default is `type asym`: playback = `type file` over `null` writing
#    OUTFILE, capture = `type file` over `null` reading INFILE. Findings with
#    PortAudio 19.6 + alsa-lib 1.2.8 (Debian 12):
#    - Format: `null` accepts every format/rate/channel count, so no plug
#      conversion happens: OUTFILE holds exactly what the program wrote, in its
#      own format (paInt16/48000/1 -> S16_LE 48 kHz mono; 44100 stereo,
#      22050, 8000 also land unconverted, interleaved). `format "raw"` is
#      alsa-lib's default; it is set anyway.
#    - Priming: PortAudio fills the whole ALSA buffer with silence before it
#      starts, so OUTFILE begins with one buffer of zeros: 520 frames at
#      48 kHz with defaultLowOutputLatency, 3000 with suggestedLatency 0.05,
#      12000 with 0.2, 2048 with framesPerBuffer 1024. The end holds whatever
#      the program's last callback wrote (PortAudio adds no padding). So
#      compare with rig_contains_samples, not cmp.
#    - Flush: the plugin writes the file one ALSA buffer behind the program;
#      the rest is written on Pa_StopStream/Pa_CloseStream. A program killed
#      before closing its stream loses up to one buffer at the end.
#    - Second stream in the same process: with alsa-lib's default
#      (MODE=truncate) each stream open re-creates OUTFILE (O_TRUNC), so the
#      second page replaces the first. alsa-lib has no append option:
#      `truncate false` opens with O_EXCL and, when the name exists, uses
#      OUTFILE.0001, OUTFILE.0002, ... (one file per stream open, in order).
#      MODE=numbered (the default here) does that and deletes stale OUTFILE*
#      first; rig_alsa_file_collect concatenates them into one file. (The
#      plugin's "|command" pipe mode could append, but asynchronously: the
#      data may land after the program has exited, pages may interleave.)
#    - Files are created when a stream is opened (hw_params), not by
#      Pa_Initialize's device probe.
#    - Pacing: NONE. `null` completes every transfer at once: 1 s of playback
#      is written in ~5 ms; a stream that stays open runs ~1000-1300x real
#      time and spins one core at 100%. An open INPUT stream burns a core
#      for as long as it is open; an open OUTPUT stream also writes ~100 MB
#      of zeros per second into OUTFILE. Fine for a program that opens its
#      streams only for a page; use rig 1b for one that keeps them open.
#      Timing assertions are meaningless on this rig.
#    - Capture: INFILE is opened anew at every stream open (and by
#      Pa_Initialize's probe) and read from its start. After its end the
#      program does NOT get silence but stale samples (the last ALSA buffer
#      again and again). Pad INFILE, or pass /dev/zero for an endless silent
#      mic. The capture side's own copy goes to /dev/null (the plugin would
#      otherwise write everything captured to its `file`, ~100 MB/s here).
#    - No ctl is defined: PortAudio does not open one.
#
# 1b. Paced file rig (rig_pulse_file_home): the same `type file` PCMs over
#    `type pulse` slaves of a rig-2 daemon. OUTFILE still gets exactly the
#    program's samples (in the program's format), and the stream runs in
#    real time (1 s takes 1 s; an idle open stream costs ~5-8% CPU and
#    writes 96 kB/s). The pulse plugin has no mmap, so PortAudio uses
#    read/write access and does NOT prime: OUTFILE starts with the first
#    sample the program wrote. Numbered/truncate and INFILE behave as in 1,
#    except that after INFILE's end capture gave zeros (silent SOURCE).
#    Playback is also heard in SINK (record SINK.monitor if wanted).
#
# 2. PulseAudio rig (rig_pulse_*): a private daemon, PACED (real time).
#    rig_pulse_start runs `pulseaudio -n` as the current user — root works:
#    it only warns "not intended to be run as root"; libpulse never
#    autospawns for root anyway and client.conf says autospawn = no — with
#    HOME=DIR/home, XDG_RUNTIME_DIR=DIR/run, socket DIR/native (anonymous
#    auth, no cookie needed), no realtime/high priority, no SHM (avoids a
#    memfd error in the log), never exits when idle. Log: DIR/pulse.log.
#    Null sinks mic, spk1, spk2, spk3, each s16le 48000 Hz mono, no
#    rewinds. Starting takes ~0.3 s. A program's "microphone" is the source
#    mic.monitor: what rig_pulse_play plays into sink mic. A speaker's
#    output is recorded from spkN.monitor.
#    - Gotcha (fixed here): a null sink nobody listens to renders in 2 s
#      blocks, so a new client waited 0-2 s for its first data, and
#      PortAudio busy-polled meanwhile (50-97% CPU; 2 s of capture took
#      3.7 s). rig_pulse_start therefore keeps a 20 ms `parec` on every
#      monitor (DIR/holder.*.pid) and suspends+resumes each sink once. Since
#      then capture starts within ~20 ms, runs in real time, and an idle
#      open input stream costs ~5% CPU.
#    - The daemon and its helpers are double-forked (not children of the
#      test script, so a bare `wait` does not hang on them). Under this
#      machine's init they stay zombies for a while after being killed;
#      the rig treats zombies as gone.
#    rig_pulse_client_home routing: while the daemon named in libpulse's
#    client.conf answers, alsa-lib's hook /etc/alsa/conf.d/99-pulse.conf
#    loads /usr/share/alsa/pulse-alsa.conf, whose pcm.!default (plain
#    `type pulse`) WINS over the one in ~/.asoundrc. So the routing that
#    really works is HOMEDIR/.config/pulse/client.conf: default-server =
#    unix:DIR/native, default-sink = SINK, default-source = SOURCE,
#    autospawn = no. ~/.asoundrc carries the same routing (asym of two
#    `type pulse` PCMs with server and device, ctl type pulse) for a system
#    without that hook. No environment variable is needed. Verified: a
#    program capturing from spk3.monitor does not hear speech played into
#    mic; playback to spk1 is heard on spk1.monitor and not on spk2.monitor.
#    Exactness through pulse (48 kHz mono s16, 100% volume, no resampling):
#    the sinks are loaded with norewinds=1 — without it a stream starting on
#    a running sink made it rewind, and the monitor (which cannot take back
#    what it already delivered) lost the first 300-620 samples. With it,
#    paplay -> mic -> PortAudio capture and PortAudio playback -> spk1 ->
#    parec were sample-exact in every run on an idle machine (10 runs). But
#    it is real time: with the 2 cores kept busy, underruns inserted silence
#    in 1/3 to 1/2 of the runs. Assert exactness only via rig 1/1b (whose file
#    records what the program wrote, whatever the timing); on rig 2 assert
#    "has sound" or compare loosely. Stopping the recorder right after the
#    playing program exited still caught the whole page in those runs; a
#    short sleep (0.2 s) before rig_pulse_record_stop costs little.
#    The file rigs write a client.conf whose default server does not exist,
#    so that hook can never replace them.
#
# 3. Skew rig (rig_skew_*): rig 2's daemon, but every sink plays into ONE null
#    sink `rec` of N+1 channels (aux0..auxN): mono module-remap-sink sinks
#    s1..sN onto channels 0..N-1, `mic` onto channel N. One parec of
#    rec.monitor (N+1 channels) therefore records every speaker, and the
#    console's microphone, on the one clock of that sink; tests/lib/skew.py
#    finds each burst (an "event") and the lag of every channel behind the
#    first by cross-correlation (parabolic peak: sub-sample). Findings:
#    - Blocks: a null sink renders in blocks of its smallest requested
#      latency; a stream that starts lands on the next block boundary. With a
#      5 ms recorder, two paplay started 0-4 ms apart read 0.000 ms, 5-7 ms
#      read 5.000: starts are quantised. The recorder therefore asks for 1 ms
#      (RIG_SKEW_LATENCY_MS): starts then read to the millisecond, and what a
#      running stream places (silence, then the first sample) reads exactly.
#    - Proof (rig_skew_prove, run by test_timed_playout.sh and the bench): a
#      chirp on channels 0 and 1 of ONE stream into rec, OFFSET apart in its
#      samples, read 0/5/20/50 ms as 0.0000/5.0000/20.0000/50.0000 in every
#      run: the recording and the analysis add nothing. Two independent
#      paplay into s1 and s2, started together, B's file beginning with
#      OFFSET of silence, read OFFSET within -8..+3 ms (three runs): that
#      spread is paplay's own start-up (process start, connection,
#      prebuffer), not the rig, so it is the proof's tolerance for them.
#    - The analysis needs python3-numpy; on a machine where pyenv or a venv
#      shadows Debian's python3, rig_skew_python finds /usr/bin/python3.
#
# Pa_Initialize prints ~80 lines of junk on stderr on every rig (81 with
# rig 2, 85 with rig 1): PortAudio probes every PCM alsa-lib defines and the
# JACK host API. ALSA lib lines: "cannot find card '0'", "Unknown PCM
# cards.pcm.front/rear/surround*/iec958/hdmi/modem/phoneline", "Unknown PCM
# sysdefault/dmix", pcm_oss "Cannot open device /dev/dsp", pcm_usb_stream
# "Invalid card 'card'", pcm_a52 "a52 is only for playback", and on the file
# rigs 2x pulse.c "PulseAudio: Unable to connect: Connection refused" (the
# probe of pcm "pulse"); JACK lines: "Cannot connect to server socket err =
# No such file or directory", "Cannot connect to server request channel",
# "jack server is not running or cannot be started", "JackShmReadWritePtr::
# ~JackShmReadWritePtr - Init not done for -1, skipping unlock" (3-6x each).
# Pa_Initialize takes ~0.04 s on every rig once warm (0.07-0.15 s cold).
# ---------------------------------------------------------------------------

_rig_err() { printf 'rig: %s\n' "$*" >&2; }

# Run a command as a client of the private pulse daemon in DIR.
_rig_pa() {
	local dir=$1 prog=$2
	shift 2
	env -u PULSE_SERVER -u XDG_CONFIG_HOME HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
		"$prog" --server="unix:$dir/native" "$@"
}

# Escape a string for a double-quoted alsa-lib config string.
_rig_alsa_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# Is PID alive (and not a zombie)?
_rig_alive() {
	local pid=$1 st
	[ -r "/proc/$pid/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Stop PID with SIGNAL, then SIGKILL after ~5 s; only if its comm is COMM.
_rig_kill() {
	local pid=$1 sig=$2 comm=$3 i
	_rig_alive "$pid" || return 0
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$comm" ]; then
		return 0 # pid was reused by something else: not ours any more
	fi
	kill -s "$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_rig_alive "$pid" || return 0
		sleep 0.05
	done
	kill -s KILL "$pid" 2>/dev/null
	for ((i = 0; i < 40; i++)); do
		_rig_alive "$pid" || return 0
		sleep 0.05
	done
	_rig_err "process $pid ($comm) did not exit"
	return 1
}

# ---------------------------------------------------------------- ALSA file

# _rig_file_home FN HOMEDIR INFILE OUTFILE MODE PLAYSLAVE CAPSLAVE — write the
# .asoundrc of a file rig whose `type file` PCMs sit over the given slave PCM
# definitions (alsa-lib config text).
_rig_file_home() {
	local fn=$1 home=$2 in=$3 out=$4 mode=$5 pslave=$6 cslave=$7 trunc f
	case $mode in
	numbered) trunc=false ;;
	truncate) trunc=true ;;
	*)
		_rig_err "$fn: MODE must be numbered or truncate, not '$mode'"
		return 2
		;;
	esac
	if [[ $in != /* || $out != /* ]]; then
		_rig_err "$fn: INFILE and OUTFILE must be absolute paths"
		return 2
	fi
	if [ ! -r "$in" ]; then
		_rig_err "$fn: INFILE '$in' is not readable"
		return 1
	fi
	if [ ! -d "$(dirname "$out")" ]; then
		_rig_err "$fn: directory of OUTFILE '$out' does not exist"
		return 1
	fi
	if [[ $out == *%* || $out == \|* ]]; then
		_rig_err "$fn: OUTFILE must not contain '%' or start with '|'"
		return 2
	fi
	# Point libpulse's default server at nothing, so alsa-lib's 99-pulse.conf
	# hook (which replaces pcm.!default with plain "pulse" whenever libpulse's
	# default server answers) can never replace this rig.
	if ! mkdir -p "$home/.config/pulse" ||
		! printf 'autospawn = no\ndefault-server = unix:%s/.config/pulse/no-server-here\n' "$home" \
			>"$home/.config/pulse/client.conf"; then
		_rig_err "$fn: cannot write $home/.config/pulse/client.conf"
		return 1
	fi
	if [ "$mode" = numbered ]; then
		rm -f "$out"
		for f in "$out".[0-9][0-9][0-9][0-9]; do
			[ -e "$f" ] && rm -f "$f"
		done
	fi
	cat >"$home/.asoundrc" <<EOF || { _rig_err "$fn: cannot write $home/.asoundrc"; return 1; }
# written by tests/lib/rig.sh $fn (mode $mode)
pcm.!default {
	type asym
	playback.pcm {
		type file
		slave.pcm $pslave
		file $(_rig_alsa_str "$out")
		format "raw"
		truncate $trunc
		perm 0644
	}
	capture.pcm {
		type file
		slave.pcm $cslave
		file "/dev/null"
		infile $(_rig_alsa_str "$in")
		format "raw"
	}
	hint {
		show on
		description "rig: file playback, file capture"
	}
}
EOF
}

# rig_alsa_file HOMEDIR INFILE OUTFILE [MODE] — unpaced file rig (see header).
# MODE: numbered (default) — one file per stream open: OUTFILE, OUTFILE.0001,
#       ...; stale ones are deleted now.  truncate — every stream open
#       re-creates OUTFILE (only the last stream survives).
rig_alsa_file() {
	if [ $# -lt 3 ] || [ $# -gt 4 ]; then
		_rig_err "usage: rig_alsa_file HOMEDIR INFILE OUTFILE [numbered|truncate]"
		return 2
	fi
	_rig_file_home rig_alsa_file "$1" "$2" "$3" "${4:-numbered}" '"null"' '"null"'
}

# rig_pulse_file_home DIR HOMEDIR INFILE OUTFILE SOURCE SINK [MODE] — paced
# file rig: the same file PCMs, over `type pulse` slaves of the daemon in DIR
# (playback also sounds in SINK, capture is clocked by SOURCE). MODE as above.
rig_pulse_file_home() {
	if [ $# -lt 6 ] || [ $# -gt 7 ]; then
		_rig_err "usage: rig_pulse_file_home DIR HOMEDIR INFILE OUTFILE SOURCE SINK [numbered|truncate]"
		return 2
	fi
	local dir=$1 server
	if [ ! -S "$dir/native" ]; then
		_rig_err "rig_pulse_file_home: no pulse daemon socket $dir/native (rig_pulse_start first)"
		return 1
	fi
	server=$(_rig_alsa_str "unix:$dir/native")
	_rig_file_home rig_pulse_file_home "$2" "$3" "$4" "${7:-numbered}" \
		"{ type pulse; server $server; device $(_rig_alsa_str "$6") }" \
		"{ type pulse; server $server; device $(_rig_alsa_str "$5") }"
}

# rig_alsa_file_collect OUTFILE DEST — concatenate OUTFILE, OUTFILE.0001, ...
# (the streams of a numbered rig, in the order they were opened) into DEST.
rig_alsa_file_collect() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_alsa_file_collect OUTFILE DEST"
		return 2
	fi
	local out=$1 dest=$2 f
	local -a parts=()
	[ -e "$out" ] && parts+=("$out")
	for f in "$out".[0-9][0-9][0-9][0-9]; do
		[ -e "$f" ] && parts+=("$f")
	done
	if [ ${#parts[@]} -eq 0 ]; then
		_rig_err "rig_alsa_file_collect: no $out or $out.NNNN (no stream was opened?)"
		return 1
	fi
	cat "${parts[@]}" >"$dest" || {
		_rig_err "rig_alsa_file_collect: cannot write $dest"
		return 1
	}
}

# ---------------------------------------------------------------- PulseAudio

# rig_pulse_start DIR — private daemon; PID in DIR/pulse.pid, log DIR/pulse.log.
rig_pulse_start() {
	if [ $# -ne 1 ]; then
		_rig_err "usage: rig_pulse_start DIR"
		return 2
	fi
	local dir=$1 sink
	local -a loads=()
	for sink in mic spk1 spk2 spk3; do
		loads+=("module-null-sink sink_name=$sink format=s16le rate=48000 channels=1 norewinds=1 sink_properties=device.description=$sink")
	done
	_rig_pulse_daemon rig_pulse_start "$dir" "mic spk1 spk2 spk3" "${loads[@]}"
}

# _rig_pulse_daemon FN DIR "SINK..." MODULE... — start the private daemon in DIR
# with the native socket and MODULEs (each "name args"), keep a 20 ms recorder
# on the monitor of each SINK and restart those sinks with small blocks.
_rig_pulse_daemon() {
	local fn=$1 dir=$2 holders=$3 i n pid sink m
	shift 3
	if [[ $dir != /* ]]; then
		_rig_err "$fn: DIR must be an absolute path"
		return 2
	fi
	if [ ${#dir} -gt 90 ]; then
		_rig_err "$fn: DIR '$dir' is too long for a unix socket path"
		return 2
	fi
	if [ -s "$dir/pulse.pid" ] && _rig_alive "$(cat "$dir/pulse.pid")"; then
		_rig_err "$fn: a daemon already runs for $dir (pid $(cat "$dir/pulse.pid"))"
		return 1
	fi
	mkdir -p "$dir/run" "$dir/home/.config/pulse" || {
		_rig_err "$fn: cannot create directories under $dir"
		return 1
	}
	chmod 700 "$dir/run" "$dir/home"
	rm -f "$dir/native" "$dir/pulse.pid"
	printf 'autospawn = no\ndefault-server = unix:%s/native\n' "$dir" \
		>"$dir/home/.config/pulse/client.conf"
	local -a loads=(--load="module-native-protocol-unix socket=$dir/native auth-anonymous=1")
	for m in "$@"; do
		loads+=(--load="$m")
	done
	# Double fork: the daemon is not a child of the test script, so a bare
	# `wait` in the test does not hang on it.
	(
		env -u PULSE_SERVER -u XDG_CONFIG_HOME -u DBUS_SESSION_BUS_ADDRESS \
			HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
			pulseaudio --system=no --daemonize=no -n --exit-idle-time=-1 \
			--realtime=no --high-priority=no --disable-shm=yes \
			--log-target=stderr --log-level=notice \
			"${loads[@]}" </dev/null >"$dir/pulse.log" 2>&1 &
		echo $! >"$dir/pulse.pid"
	)
	pid=$(cat "$dir/pulse.pid" 2>/dev/null)
	if [ -z "$pid" ]; then
		_rig_err "$fn: could not start pulseaudio"
		return 1
	fi
	for ((i = 0; ; i++)); do
		if _rig_pa "$dir" pactl info >/dev/null 2>&1; then
			break
		fi
		if ! _rig_alive "$pid"; then
			_rig_err "$fn: pulseaudio exited; $dir/pulse.log says:"
			tail -n 20 "$dir/pulse.log" >&2
			return 1
		fi
		if [ "$i" -ge 100 ]; then
			_rig_err "$fn: pulseaudio (pid $pid) did not answer pactl info within 10 s; $dir/pulse.log says:"
			tail -n 20 "$dir/pulse.log" >&2
			rig_pulse_stop "$dir" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	# A null sink nobody listens to renders in 2 s blocks, so a client that
	# connects to it (a program opening the mic, or playing to a speaker)
	# waits up to 2 s for its first data, and PortAudio busy-polls meanwhile
	# (50-97% CPU, capture stalls). Keep a 20 ms recorder on every monitor,
	# then suspend and resume the sinks so they restart with 20 ms blocks.
	for sink in $holders; do
		(
			env -u PULSE_SERVER -u XDG_CONFIG_HOME HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
				parec --server="unix:$dir/native" --device="$sink.monitor" --raw \
				--format=s16le --rate=48000 --channels=1 --latency-msec=20 \
				--client-name="rig-holder-$sink" </dev/null >/dev/null 2>>"$dir/holder.log" &
			echo $! >"$dir/holder.$sink.pid"
		)
	done
	for ((i = 0; ; i++)); do
		n=$(_rig_pa "$dir" pactl list short source-outputs 2>/dev/null | wc -l)
		[ "$n" -ge "$(wc -w <<<"$holders")" ] && break
		if [ "$i" -ge 100 ]; then
			_rig_err "$fn: the monitor holders did not connect within 5 s: $(cat "$dir/holder.log")"
			rig_pulse_stop "$dir" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	for sink in $holders; do
		if ! _rig_pa "$dir" pactl suspend-sink "$sink" 1 ||
			! _rig_pa "$dir" pactl suspend-sink "$sink" 0; then
			_rig_err "$fn: could not suspend/resume sink $sink"
			rig_pulse_stop "$dir" 2>/dev/null
			return 1
		fi
	done
}

# rig_pulse_stop DIR — stop recorders started for DIR, then the daemon.
rig_pulse_stop() {
	if [ $# -ne 1 ]; then
		_rig_err "usage: rig_pulse_stop DIR"
		return 2
	fi
	local dir=$1 f rc=0
	for f in "$dir"/rec.*.pid; do
		[ -e "$f" ] || continue
		_rig_kill "$(cat "$f")" INT parecord || rc=1
		rm -f "$f" "$f.log"
	done
	for f in "$dir"/skewrec.*.pid; do
		[ -e "$f" ] || continue
		_rig_kill "$(cat "$f")" TERM parec || rc=1
		rm -f "$f" "$f.log"
	done
	for f in "$dir"/holder.*.pid; do
		[ -e "$f" ] || continue
		_rig_kill "$(cat "$f")" TERM parec || rc=1
		rm -f "$f"
	done
	if [ ! -s "$dir/pulse.pid" ]; then
		_rig_err "rig_pulse_stop: no $dir/pulse.pid"
		return 1
	fi
	_rig_kill "$(cat "$dir/pulse.pid")" TERM pulseaudio || rc=1
	rm -f "$dir/pulse.pid"
	return $rc
}

# ---------------------------------------------------------------- skew rig

# rig_skew_start DIR N — a private daemon (as rig_pulse_start) whose sinks all
# feed ONE null sink `rec` of N+1 channels (aux0..auxN, s16le 48 kHz): mono
# remap sinks s1..sN play into channels 0..N-1 and `mic` into channel N, so a
# recording of rec.monitor (rig_skew_record_start) holds every speaker and the
# console's microphone on one clock. Route a program with
# rig_pulse_client_home DIR HOMEDIR mic.monitor sK.
rig_skew_start() {
	if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ] || [ "$2" -gt 31 ]; then
		_rig_err "usage: rig_skew_start DIR N (1 <= N <= 31)"
		return 2
	fi
	local dir=$1 n=$2 k map=aux0
	for ((k = 1; k <= n; k++)); do map="$map,aux$k"; done
	local -a loads=("module-null-sink sink_name=rec format=s16le rate=48000 channels=$((n + 1)) channel_map=$map norewinds=1 sink_properties=device.description=rec")
	for ((k = 1; k <= n; k++)); do
		loads+=("module-remap-sink sink_name=s$k master=rec channels=1 channel_map=mono master_channel_map=aux$((k - 1)) remix=no sink_properties=device.description=s$k")
	done
	loads+=("module-remap-sink sink_name=mic master=rec channels=1 channel_map=mono master_channel_map=aux$n remix=no sink_properties=device.description=mic")
	mkdir -p "$dir" && echo "$n" >"$dir/skew.n" || {
		_rig_err "rig_skew_start: cannot write $dir/skew.n"
		return 1
	}
	_rig_pulse_daemon rig_skew_start "$dir" rec "${loads[@]}"
}

# rig_skew_python — a python3 that has numpy (Debian's, when pyenv or a venv
# shadows it on PATH).
rig_skew_python() {
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import numpy' 2>/dev/null; then
			printf '%s\n' "$py"
			return 0
		fi
	done
	_rig_err "rig_skew_python: no python3 with numpy (apt-get install python3-numpy)"
	return 1
}

# rig_skew_record_start DIR RAW — record rec.monitor (N+1 channels, raw s16le
# interleaved, 48 kHz, 1 ms blocks) into RAW until rig_skew_record_stop DIR RAW;
# returns once samples flow.
rig_skew_record_start() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_skew_record_start DIR RAW"
		return 2
	fi
	local dir=$1 raw=$2 n pidf k map=aux0
	n=$(cat "$dir/skew.n" 2>/dev/null) || {
		_rig_err "rig_skew_record_start: no skew rig in $dir (rig_skew_start first)"
		return 1
	}
	for ((k = 1; k <= n; k++)); do map="$map,aux$k"; done
	pidf=$(_rig_rec_pidfile "$dir" "$raw" skewrec)
	rm -f "$raw"
	(
		env -u PULSE_SERVER -u XDG_CONFIG_HOME HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
			parec --server="unix:$dir/native" --device=rec.monitor --raw --format=s16le \
			--rate=48000 --channels=$((n + 1)) --channel-map="$map" --latency-msec=${RIG_SKEW_LATENCY_MS:-1} \
			--client-name=rig-skew-recorder </dev/null >"$raw" 2>"$pidf.log" &
		echo $! >"$pidf"
	)
	_rig_rec_wait rig_skew_record_start "$pidf" "$raw" 4800 TERM parec
}

# rig_skew_record_stop DIR RAW — stop that recording (RAW keeps what it got).
rig_skew_record_stop() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_skew_record_stop DIR RAW"
		return 2
	fi
	_rig_rec_stop rig_skew_record_stop "$(_rig_rec_pidfile "$1" "$2" skewrec)" TERM parec
}

# rig_skew_prove DIR TOLERANCE_MS OFFSET_MS... — the rig's own check: for each
# OFFSET, a 0.2 s chirp played into s1 and the same chirp OFFSET ms later into
# s2, twice: (a) one stream (a 2-channel file into rec's channels 0 and 1: the
# offset is in the samples, so it proves recording and analysis), then (b) two
# independent paplay into the remap sinks s1 and s2, started together, the
# later one's file beginning with OFFSET ms of silence (how two speakers
# play). Prints "rig: proof OFFSET ms: one stream X ms, two streams Y ms" per
# offset; fails if (a) is off by more than 0.05 ms, or if (b)'s median error
# passes TOLERANCE_MS (the players' own start-up: one slow start on a loaded
# machine is not the rig's fault).
rig_skew_prove() {
	if [ $# -lt 3 ]; then
		_rig_err "usage: rig_skew_prove DIR TOLERANCE_MS OFFSET_MS..."
		return 2
	fi
	local dir=$1 tol=$2 py off w="$1/proof" pa pb rc=0
	shift 2
	py=$(rig_skew_python) || return 1
	mkdir -p "$w" || return 1
	sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$w/chirp.wav" synth 0.2 sine 300-6000 vol 0.5 || {
		_rig_err "rig_skew_prove: sox failed"
		return 1
	}
	rig_skew_record_start "$dir" "$w/rec.raw" || return 1
	for off in "$@"; do
		# OFFSET ms of silence before b, after a: both files are as long.
		sox -D -V1 "$w/chirp.wav" "$w/a.wav" pad 0 "$((off * 48))s" &&
			sox -D -V1 "$w/chirp.wav" "$w/b.wav" pad "$((off * 48))s" 0 &&
			sox -D -V1 -M "$w/a.wav" "$w/b.wav" "$w/ab.wav" || {
			_rig_err "rig_skew_prove: sox failed"
			rc=1
			break
		}
		_rig_pa "$dir" paplay --device=rec --channel-map=aux0,aux1 "$w/ab.wav" || rc=1
		sleep 0.4 # the test: silence between events in the recording
		_rig_pa "$dir" paplay --device=s1 "$w/a.wav" &
		pa=$!
		_rig_pa "$dir" paplay --device=s2 "$w/b.wav" &
		pb=$!
		wait "$pa" || rc=1
		wait "$pb" || rc=1
		sleep 0.4 # the test: silence between events in the recording
	done
	rig_skew_record_stop "$dir" "$w/rec.raw" || rc=1
	[ "$rc" = 0 ] || {
		_rig_err "rig_skew_prove: playing the proof failed"
		return 1
	}
	"$py" "$(dirname "${BASH_SOURCE[0]}")/skew.py" events "$w/rec.raw" "$(($(cat "$dir/skew.n") + 1))" \
		--chans 0,1 >"$w/events.txt" || return 1
	awk -v tol="$tol" -v offs="$*" '
		BEGIN { n = split(offs, o, " ") }
		$1 == "skew" { m[++k] = $4 }
		END {
			if (k != 2 * n) { printf "rig: rig_skew_prove: %d events measured, %d expected\n", k, 2 * n > "/dev/stderr"; exit 1 }
			bad = 0
			for (i = 1; i <= n; i++) {
				a = m[2 * i - 1] - o[i]; b = m[2 * i] - o[i]
				printf "rig: proof %s ms: one stream %.4f ms, two streams %.4f ms\n", o[i], m[2 * i - 1], m[2 * i]
				if (a < -0.05 || a > 0.05) bad = 1
				e[i] = b < 0 ? -b : b
			}
			# Two players: the median error (a loaded machine delays one start now and then).
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (e[j] < e[i]) { t = e[i]; e[i] = e[j]; e[j] = t }
			med = n % 2 ? e[(n + 1) / 2] : (e[n / 2] + e[n / 2 + 1]) / 2
			if (med > tol) bad = 1
			if (bad) printf "rig: rig_skew_prove: one stream off by more than 0.05 ms, or two streams by more than %s ms (median %.3f)\n", tol, med > "/dev/stderr"
			exit bad
		}' "$w/events.txt"
}

# rig_pulse_client_home DIR HOMEDIR SOURCE SINK — a HOME whose ALSA default
# device captures from SOURCE and plays to SINK of the daemon in DIR.
rig_pulse_client_home() {
	if [ $# -ne 4 ]; then
		_rig_err "usage: rig_pulse_client_home DIR HOMEDIR SOURCE SINK"
		return 2
	fi
	local dir=$1 home=$2 src=$3 sink=$4 server
	server=$(_rig_alsa_str "unix:$dir/native")
	mkdir -p "$home/.config/pulse" || {
		_rig_err "rig_pulse_client_home: cannot create $home/.config/pulse"
		return 1
	}
	# default-sink/default-source are what route the program (see the header).
	printf 'autospawn = no\ndefault-server = unix:%s/native\ndefault-sink = %s\ndefault-source = %s\n' \
		"$dir" "$sink" "$src" >"$home/.config/pulse/client.conf" || {
		_rig_err "rig_pulse_client_home: cannot write $home/.config/pulse/client.conf"
		return 1
	}
	cat >"$home/.asoundrc" <<EOF || { _rig_err "rig_pulse_client_home: cannot write $home/.asoundrc"; return 1; }
# written by tests/lib/rig.sh rig_pulse_client_home
# While the server in ~/.config/pulse/client.conf runs, alsa-lib's hook
# /etc/alsa/conf.d/99-pulse.conf replaces this pcm.!default with a plain
# "type pulse" (routed by client.conf's default-sink/default-source); this
# definition is the same routing for when that hook is absent.
pcm.!default {
	type asym
	playback.pcm {
		type pulse
		server $server
		device $(_rig_alsa_str "$sink")
	}
	capture.pcm {
		type pulse
		server $server
		device $(_rig_alsa_str "$src")
	}
	hint {
		show on
		description "rig: pulse $src -> program -> $sink"
	}
}
ctl.!default {
	type pulse
	server $server
	source $(_rig_alsa_str "$src")
	sink $(_rig_alsa_str "$sink")
}
EOF
}

# rig_pulse_play DIR WAVFILE SINK — play a file into SINK; returns when done.
rig_pulse_play() {
	if [ $# -ne 3 ]; then
		_rig_err "usage: rig_pulse_play DIR WAVFILE SINK"
		return 2
	fi
	local dir=$1 wav=$2 sink=$3 msg
	if [ ! -r "$wav" ]; then
		_rig_err "rig_pulse_play: cannot read $wav"
		return 1
	fi
	if ! msg=$(_rig_pa "$dir" paplay --device="$sink" "$wav" 2>&1); then
		_rig_err "rig_pulse_play: paplay $wav into $sink failed: $msg"
		return 1
	fi
}

# rig_pulse_wait_playing DIR SINK [SECONDS] — return once something plays into
# SINK (a sink input on it, e.g. a rig_pulse_play started with &); default 5 s.
rig_pulse_wait_playing() {
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then
		_rig_err "usage: rig_pulse_wait_playing DIR SINK [SECONDS]"
		return 2
	fi
	local dir=$1 sink=$2 secs=${3:-5} i idx
	idx=$(_rig_pa "$dir" pactl list short sinks 2>/dev/null | awk -v s="$sink" '$2 == s { print $1 }')
	if [ -z "$idx" ]; then
		_rig_err "rig_pulse_wait_playing: no sink $sink on the daemon in $dir"
		return 1
	fi
	for ((i = 0; i < secs * 20; i++)); do
		_rig_pa "$dir" pactl list short sink-inputs 2>/dev/null | awk -v k="$idx" '$2 == k { f = 1 } END { exit !f }' &&
			return 0
		sleep 0.05
	done
	_rig_err "rig_pulse_wait_playing: nothing plays into $sink after ${secs}s"
	return 1
}

_rig_rec_pidfile() { printf '%s/%s.%s.pid' "$1" "${3:-rec}" "$(printf '%s' "$2" | cksum | cut -d' ' -f1)"; }

# rig_pulse_record_start DIR SOURCE OUTWAV — record SOURCE (s16le 48 kHz mono
# WAV) in the background until rig_pulse_record_stop; returns once the
# recording runs.
rig_pulse_record_start() {
	if [ $# -ne 3 ]; then
		_rig_err "usage: rig_pulse_record_start DIR SOURCE OUTWAV"
		return 2
	fi
	local dir=$1 src=$2 wav=$3 pidf
	pidf=$(_rig_rec_pidfile "$dir" "$wav")
	rm -f "$wav"
	(
		env -u PULSE_SERVER -u XDG_CONFIG_HOME HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" \
			parecord --server="unix:$dir/native" --device="$src" --file-format=wav \
			--format=s16le --rate=48000 --channels=1 --latency-msec=20 "$wav" \
			</dev/null >"$pidf.log" 2>&1 &
		echo $! >"$pidf"
	)
	_rig_rec_wait rig_pulse_record_start "$pidf" "$wav" 1000 INT parecord
}

# _rig_rec_wait FN PIDFILE OUT MINBYTES SIGNAL COMM — wait until the recorder
# (COMM, pid in PIDFILE, its stderr in PIDFILE.log) has written MINBYTES to OUT;
# if it exits or takes 5 s, stop it with SIGNAL and fail.
_rig_rec_wait() {
	local fn=$1 pidf=$2 out=$3 min=$4 sig=$5 comm=$6 pid i
	pid=$(cat "$pidf" 2>/dev/null)
	for ((i = 0; i < 100; i++)); do
		[ "$(stat -c %s "$out" 2>/dev/null || echo 0)" -gt "$min" ] && return 0
		if ! _rig_alive "$pid"; then
			_rig_err "$fn: $comm exited: $(cat "$pidf.log")"
			rm -f "$pidf" "$pidf.log"
			return 1
		fi
		sleep 0.05
	done
	_rig_err "$fn: the recording did not start within 5 s"
	_rig_kill "$pid" "$sig" "$comm"
	rm -f "$pidf" "$pidf.log"
	return 1
}

# _rig_rec_stop FN PIDFILE SIGNAL COMM — stop that recorder.
_rig_rec_stop() {
	local fn=$1 pidf=$2 sig=$3 comm=$4 rc=0
	if [ ! -s "$pidf" ]; then
		_rig_err "$fn: no such recording is running"
		return 1
	fi
	_rig_kill "$(cat "$pidf")" "$sig" "$comm" || rc=1
	rm -f "$pidf" "$pidf.log"
	return $rc
}

# rig_pulse_record_stop DIR OUTWAV — stop it; OUTWAV is then a complete WAV.
rig_pulse_record_stop() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_pulse_record_stop DIR OUTWAV"
		return 2
	fi
	_rig_rec_stop rig_pulse_record_stop "$(_rig_rec_pidfile "$1" "$2")" INT parecord
}

# ---------------------------------------------------------------- helpers

# rig_speech OUTWAV TEXT [RATE [CHANNELS]] — spoken TEXT, 16-bit WAV.
rig_speech() {
	if [ $# -lt 2 ] || [ $# -gt 4 ]; then
		_rig_err "usage: rig_speech OUTWAV TEXT [RATE [CHANNELS]]"
		return 2
	fi
	local out=$1 text=$2 rate=${3:-48000} ch=${4:-1} tmp msg
	tmp=$(mktemp /tmp/rig-speech.XXXXXX.wav) || {
		_rig_err "rig_speech: mktemp failed"
		return 1
	}
	if ! msg=$(printf '%s\n' "$text" | espeak-ng --stdin -w "$tmp" 2>&1); then
		_rig_err "rig_speech: espeak-ng failed: $msg"
		rm -f "$tmp"
		return 1
	fi
	# -D: no dither, so the result is the same on every run.
	if ! msg=$(sox -D -V1 "$tmp" -r "$rate" -c "$ch" -b 16 -e signed-integer "$out" 2>&1); then
		_rig_err "rig_speech: sox failed: $msg"
		rm -f "$tmp"
		return 1
	fi
	rm -f "$tmp"
}

# rig_free_port — print a TCP port free on 127.0.0.1 right now. The kernel
# picks it (bind to port 0), so concurrent runs on one machine rarely meet; with
# RIG_PORT_DIR set (scripts/run-programs.sh sets one per run), each port is also
# claimed there (mkdir is atomic), so no two tests of a run ever get the same one.
rig_free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()') || {
			_rig_err "rig_free_port: python3 failed"
			return 1
		}
		if [ -z "${RIG_PORT_DIR:-}" ] || mkdir "$RIG_PORT_DIR/$port" 2>/dev/null; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	_rig_err "rig_free_port: no unclaimed port in 100 tries (RIG_PORT_DIR=$RIG_PORT_DIR)"
	return 1
}

# rig_wav_to_raw WAV RAW — the 16-bit samples of WAV, little-endian, as is.
rig_wav_to_raw() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_wav_to_raw WAV RAW"
		return 2
	fi
	local wav=$1 raw=$2 bits enc msg
	if ! bits=$(soxi -b "$wav" 2>/dev/null) || ! enc=$(soxi -e "$wav" 2>/dev/null); then
		_rig_err "rig_wav_to_raw: cannot read $wav as audio"
		return 1
	fi
	if [ "$bits" != 16 ] || [[ $enc != Signed\ Integer* ]]; then
		_rig_err "rig_wav_to_raw: $wav is $bits-bit $enc, not 16-bit signed"
		return 1
	fi
	if ! msg=$(sox -D -V1 "$wav" -t raw -e signed-integer -b 16 -L "$raw" 2>&1); then
		_rig_err "rig_wav_to_raw: sox failed: $msg"
		return 1
	fi
}

# rig_contains_samples RAW_NEEDLE RAW_HAYSTACK — exit 0 if the int16 samples
# of NEEDLE occur contiguously (exactly) in HAYSTACK. Prints where (stdout)
# on success; on failure prints the best-matching offset found and how many
# samples differ there (stderr). Offsets are in samples (not frames).
rig_contains_samples() {
	if [ $# -ne 2 ]; then
		_rig_err "usage: rig_contains_samples RAW_NEEDLE RAW_HAYSTACK"
		return 2
	fi
	python3 - "$1" "$2" <<'PY'
import array, sys

def load(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        sys.stderr.write("rig: rig_contains_samples: %s\n" % e)
        sys.exit(2)
    if len(data) % 2:
        sys.stderr.write("rig: rig_contains_samples: %s has an odd byte count\n" % path)
        sys.exit(2)
    a = array.array("h")
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    return data, a

nb, n = load(sys.argv[1])
hb, h = load(sys.argv[2])
if not n:
    sys.stderr.write("rig: rig_contains_samples: needle %s is empty\n" % sys.argv[1])
    sys.exit(2)

pos = hb.find(nb)
while pos >= 0 and pos % 2:
    pos = hb.find(nb, pos + 1)
if pos >= 0:
    print("rig: needle (%d samples) found at sample %d of %d (byte %d)"
          % (len(n), pos // 2, len(h), pos))
    sys.exit(0)

def diffs(off, stride=1):
    """Samples that differ when the needle starts at sample off (missing ones
    count); with stride > 1 only every stride-th sample is compared."""
    lo, hi = max(off, 0), min(off + len(n), len(h))
    d = (len(n) - max(hi - lo, 0)) // stride
    for i in range(lo, hi, stride):
        if h[i] != n[i - off]:
            d += 1
    return d

# Candidate alignments: where short chunks of the needle occur in the haystack,
# plus first-non-zero-sample alignment and offset 0.
cands = {0}
step = max(len(n) // 64, 1)
k = min(16, len(n))
for start in range(0, len(n) - k + 1, step):
    chunk = nb[2 * start:2 * (start + k)]
    if not any(chunk):
        continue
    p = hb.find(chunk)
    hits = 0
    while p >= 0 and hits < 4:
        if p % 2 == 0:
            cands.add(p // 2 - start)
            hits += 1
        p = hb.find(chunk, p + 1)
fn = next((i for i, v in enumerate(n) if v), None)
fh = next((i for i, v in enumerate(h) if v), None)
if fn is not None and fh is not None:
    cands.add(fh - fn)
stride = max(len(n) // 4000, 1)  # rank candidates on a sample, count exactly once
best = min(sorted(cands)[:400], key=lambda off: diffs(off, stride))
sys.stderr.write("rig: needle %s (%d samples) not found in %s (%d samples); best offset %d "
                 "has %d differing samples\n"
                 % (sys.argv[1], len(n), sys.argv[2], len(h), best, diffs(best)))
sys.exit(1)
PY
}
