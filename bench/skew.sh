# shellcheck shell=bash
# bench/skew.sh — the timed-playout figures, measured on the skew rig
# (tests/lib/rig.sh rig_skew_*): every speaker plays into its own channel of one
# PulseAudio null sink, one parec records them all on that sink's clock, and
# tests/lib/skew.py reads the recording. Sourced by bench/run.sh, which provides
# T, BIN, B (intercom-bench), build, top, ARCH, PIDS, sample, say, fail, wait_for,
# has_line, start_console, start_peers, stop_pid. docs/BENCHMARKS.md says what each figure means.
#
# skew_prove "OFFSET_MS..."         the rig's own proof (known offsets)
# skew_pages LABEL BINDIR N PAGES   start skew of N speakers over PAGES pages
# skew_drift SECONDS EVERY          one speaker 100 ppm fast (libfaketime), a long page
# skew_capture LABEL BINDIR NREAL NPEERS REPS   end of capture -> all speakers playing
# skew_arrival_bin                  the baseline's speakers (--on-arrival: no play-at)

SKEW_PY=$(rig_skew_python) || fail "the skew rig needs python3-numpy (make test-deps)"
SKEW_LIB="$top/tests/lib/skew.py"
# skew_arrival_bin — print the bin directory of the play-on-arrival baseline's
# speakers: this build's, run with --on-arrival (they offer no PROTO_CAP_PLAY_AT,
# so the console gives them no play-at; every link runs this build's handshake, so a
# build from before timed playout could no longer connect), or BENCH_ARRIVAL_BIN.
skew_arrival_bin() {
	printf '%s\n' "${BENCH_ARRIVAL_BIN:-$BIN}"
}

# skew_rig N — a fresh skew rig with N speaker sinks in $T/sk (the last one stopped).
skew_rig() {
	[ -n "$PULSE_DIR" ] && { rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true; }
	PULSE_DIR="$T/sk"
	rm -rf "$PULSE_DIR"
	rig_skew_start "$PULSE_DIR" "$1" || fail "cannot start the skew rig"
	rig_pulse_client_home "$PULSE_DIR" "$T/sk-console" mic.monitor mic
}

# skew_console NAME PORT — run.sh's headless console, on the skew rig's mic; sets SK_CON_PID, SK_CON_FD.
skew_console() {
	# pcm: the exact samples, which the rig's cross-correlation finds to the sample; opus
	# keeps speech, not a chirp's or white noise's waveform. The timing path is the same.
	# CODEC (third argument) wav: whole pages, not streamed.
	local saved=("${BENCH_CONSOLE_ARGS[@]}")
	BENCH_CONSOLE_ARGS=(--codec "${3:-pcm}")
	start_console "$1" "$2" HOME="$T/sk-console" XDG_DATA_HOME="$T/sk-data"
	BENCH_CONSOLE_ARGS=("${saved[@]}")
	SK_CON_PID=$CON_PID SK_CON_FD=$CON_FD
}

# skew_speaker BINDIR NAME SINK PORT [ENV...] — a headless speaker playing into SINK
# (SK_SPK_ARGS: its options beyond the usual, --on-arrival for the baseline).
SK_SPK_ARGS=()
skew_speaker() {
	local bin=$1 name=$2 sink=$3 port=$4
	shift 4
	rig_pulse_client_home "$PULSE_DIR" "$T/$name" mic.monitor "$sink"
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/$name" "$@" \
		"$bin/intercom-speaker" --headless --name "$name" "${SK_SPK_ARGS[@]}" "127.0.0.1:$port" \
		>"$T/$name.log" 2>"$T/$name.err" &
	PIDS+=($!)
	SK_SPK_PIDS+=($!)
}

# skew_quit NAME — quit the console NAME and stop the speakers.
skew_quit() {
	local pid
	printf 'quit\n' >&"$SK_CON_FD"
	wait "$SK_CON_PID" || fail "console $1 exited with $?"
	exec {SK_CON_FD}>&-
	for pid in "${SK_SPK_PIDS[@]}"; do stop_pid "$pid"; done
	SK_SPK_PIDS=()
}

# skew_locked TIMED N PREFIX — the N speakers PREFIX1.. have locked their clocks (when TIMED).
skew_locked() {
	local timed=$1 n=$2 prefix=$3 k
	[ "$timed" = 1 ] || return 0
	for ((k = 1; k <= n; k++)); do
		wait_for 20 has_line "$T/$prefix$k.log" "clock locked" || fail "speaker $prefix$k did not lock its clock"
	done
}

# skew_prove "OFFSET_MS..." — the rig reads known offsets as such (figures:
# rig.proof.*, the absolute error of each reading).
skew_prove() {
	skew_rig 2
	say "skew rig proof: a chirp $1 ms apart, one stream and two paplay"
	# Two paplay's start-up spread is a timing: the smoke run (beside the
	# units and fuzzers) judges none, only that one stream reads exactly.
	local spread=10
	[ "${smoke:-0}" = 1 ] && spread=1000
	# shellcheck disable=SC2086 # the offsets, one word each
	rig_skew_prove "$PULSE_DIR" "$spread" $1 >"$T/proof.txt" ||
		fail "the skew rig did not read known offsets right: $(cat "$T/proof.txt")"
	# rig: proof OFF ms: one stream X ms, two streams Y ms
	awk '{ a = $7 - $3; b = $11 - $3
		print "sample rig.proof.one_err", a < 0 ? -a : a
		print "sample rig.proof.two_err", b < 0 ? -b : b }' "$T/proof.txt" >>"$S"
	sed 's/^/# /' "$T/proof.txt" >&2
}

# skew_pages LABEL BINDIR N PAGES — N speakers from BINDIR (timed unless LABEL
# is arrival), PAGES pages of a 0.3 s chirp: sample skew.nN.LABEL = the spread
# of the N starts (latest - earliest) per page.
skew_pages() {
	local label=$1 bin=$2 n=$3 pages=$4 port i k timed=1 chans pfx=sk
	# The baseline's speakers have names of their own: the timed ones' logs stay in the results.
	[ "$label" = arrival ] && timed=0 pfx=ska
	skew_rig "$n"
	port=$(rig_free_port)
	skew_console "sk-$label-$n" "$port"
	SK_SPK_PIDS=()
	SK_SPK_ARGS=()
	[ "$label" = arrival ] && SK_SPK_ARGS=(--on-arrival)
	for ((k = 1; k <= n; k++)); do skew_speaker "$bin" "$pfx$k" "s$k" "$port"; done
	SK_SPK_ARGS=()
	wait_for 30 has_line "$T/sk-$label-$n.log" "\\($n connected\\)" || fail "$n speakers did not connect"
	skew_locked "$timed" "$n" sk
	[ -e "$T/chirp.wav" ] ||
		sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/chirp.wav" synth 0.3 sine 300-6000 vol 0.5
	rig_skew_record_start "$PULSE_DIR" "$T/sk.raw" || fail "cannot record the skew rig"
	for ((i = 1; i <= pages; i++)); do
		printf 'send %s\n' "$T/chirp.wav" >&"$SK_CON_FD"
		# The tally (a speaker that expired or joined late makes a page
		# without all N starts: counted below, not fatal).
		wait_for 30 has_line "$T/sk-$label-$n.log" "page $i: delivered to $n/$n, played by" ||
			fail "page $i was not delivered to all $n speakers ($label)"
		sleep 0.5 # silence between two pages' bursts in the recording
	done
	rig_skew_record_stop "$PULSE_DIR" "$T/sk.raw"
	skew_quit "sk-$label-$n"
	chans=$(seq -s, 0 $((n - 1)))
	"$SKEW_PY" "$SKEW_LIB" events "$T/sk.raw" $((n + 1)) --chans "$chans" >"$T/sk-$label-$n.events" ||
		fail "skew.py failed"
	rm -f "$T/sk.raw"
	# Per event: the spread of the starts (channel 0's lag is 0).
	awk -v n="$n" -v key="skew.n$n.$label" '
		$1 == "event" { if (e) done(); e = $2; lo = 0; hi = 0; got = 1 }
		$1 == "skew" { if ($4 < lo) lo = $4; if ($4 > hi) hi = $4; got++ }
		function done() { if (got == n) print "sample " key, hi - lo; else bad++ }
		END { if (e) done(); print "sample " key ".incomplete", bad + 0 }
	' "$T/sk-$label-$n.events" >>"$S"
	cp "$T/sk-$label-$n.events" "$RES/" 2>/dev/null || true
	grep -q "^sample skew.n$n.$label " "$S" ||
		fail "skew of $n speakers ($label): no page started on all of them (see $T/sk-$label-$n.events)"
}

# skew_drift SECONDS EVERY — a page of SECONDS (a chirp every EVERY s) on two
# timed speakers, B's clock 100 ppm fast (libfaketime speeds CLOCK_MONOTONIC, its
# sleeps and timeouts in B's process): drift.end = |skew| of the last chirp,
# drift.start = of the first (the baseline, same page).
skew_drift() {
	local secs=$1 every=$2 port ft
	ft=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
	[ -n "$ft" ] || fail "no libfaketimeMT.so.1 (apt-get install faketime; make test-deps)"
	skew_rig 2
	sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/unit.wav" synth 0.05 sine 300-6000 vol 0.5 \
		pad 0 "$(awk -v e="$every" 'BEGIN { print e - 0.05 }')"
	sox -D -V1 "$T/unit.wav" "$T/long.wav" repeat $((secs / every - 1))
	port=$(rig_free_port)
	# Whole WAV pages: a streamed page does not time the links (a file page fed whole
	# goes as fast as a whole one, but only a PAGE frame's transfer is measured), and the
	# long page's 29 MB at the 20 Mbit/s assumed for a link never measured would wait
	# longer than PLAYAT_MAX_LEAD_MS and play on arrival. Playback is the same path.
	skew_console sk-drift "$port" wav
	SK_SPK_PIDS=()
	skew_speaker "$BIN" dr1 s1 "$port"
	skew_speaker "$BIN" dr2 s2 "$port" LD_PRELOAD="$ft" FAKETIME="+0 x1.0001" FAKETIME_DONT_FAKE_MONOTONIC=0
	wait_for 30 has_line "$T/sk-drift.log" "\\(2 connected\\)" || fail "the drift speakers did not connect"
	skew_locked 1 2 dr
	# A first page (EVERY + 1 s; 576 kB at 5) lets the console measure the links.
	sox -D -V1 "$T/unit.wav" "$T/warm.wav" pad 0 1
	printf 'send %s\n' "$T/warm.wav" >&"$SK_CON_FD"
	wait_for 30 has_line "$T/sk-drift.log" "page 1: delivered to 2/2, played by" ||
		fail "the first page was not played"
	rig_skew_record_start "$PULSE_DIR" "$T/sk.raw" || fail "cannot record the skew rig"
	printf 'send %s\n' "$T/long.wav" >&"$SK_CON_FD"
	wait_for 30 has_line "$T/sk-drift.log" "page 2 plays (at|on arrival)" || fail "the long page was not sent"
	has_line "$T/sk-drift.log" "page 2 plays at" ||
		fail "the long page would play on arrival, not at a time: $(grep 'page 2 plays' "$T/sk-drift.log")"
	wait_for $((secs + 60)) has_line "$T/sk-drift.log" "page 2: delivered to 2/2, played by 2/2" ||
		fail "the long page was not played by both speakers"
	sleep 0.3
	rig_skew_record_stop "$PULSE_DIR" "$T/sk.raw"
	skew_quit sk-drift
	"$SKEW_PY" "$SKEW_LIB" events "$T/sk.raw" 3 --chans 0,1 --gap-ms 400 >"$T/sk-drift.events" ||
		fail "skew.py failed"
	rm -f "$T/sk.raw"
	awk '$1 == "skew" { v[++n] = $4 < 0 ? -$4 : $4 }
		END { if (n < 2) exit 1; print "sample drift.start", v[1]; print "sample drift.end", v[n] }' \
		"$T/sk-drift.events" >>"$S" || fail "the drift page's chirps were not measured"
	cp "$T/sk-drift.events" "$RES/" 2>/dev/null || true
	grep -h "corrected\|clock locked\|unreliable" "$T/dr1.log" "$T/dr2.log" | sed 's/^/# /' >&2 || true
}

# skew_capture LABEL BINDIR NREAL NPEERS REPS — the console records 1 s of noise
# played into its microphone (talk) to NREAL speakers on the rig plus NPEERS
# bench peers; from the recording: the capture's last sample (on the mic's
# channel) to each real speaker's first sample. sample cap.nTOTAL.LABEL = the
# latest of them (all playing).
skew_capture() {
	local label=$1 bin=$2 nreal=$3 npeers=$4 reps=$5 port i k timed=1 total player page
	[ "$label" = arrival ] && timed=0
	total=$((nreal + npeers))
	skew_rig "$nreal"
	port=$(rig_free_port)
	rm -f "$ARCH"/*.wav # the pages are read back from the archive by number
	skew_console "sk-cap-$label-$total" "$port"
	SK_SPK_PIDS=()
	SK_SPK_ARGS=()
	[ "$label" = arrival ] && SK_SPK_ARGS=(--on-arrival)
	for ((k = 1; k <= nreal; k++)); do skew_speaker "$bin" "cp$k" "s$k" "$port"; done
	SK_SPK_ARGS=()
	if [ "$npeers" -gt 0 ]; then
		start_peers "$port" "$npeers" "cap-$label"
		SK_SPK_PIDS+=("$PEERS_PID")
	fi
	wait_for 60 has_line "$T/sk-cap-$label-$total.log" "\\($total connected\\)" ||
		fail "$total speakers did not connect"
	skew_locked "$timed" "$nreal" cp
	printf 'duration 1\n' >&"$SK_CON_FD"
	rig_skew_record_start "$PULSE_DIR" "$T/sk.raw" || fail "cannot record the skew rig"
	for ((i = 1; i <= reps; i++)); do
		# A new noise each time: its end must be found in one place only.
		sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/noise$i.wav" synth 2.5 whitenoise vol 0.5
		rig_pulse_play "$PULSE_DIR" "$T/noise$i.wav" mic &
		player=$!
		rig_pulse_wait_playing "$PULSE_DIR" mic || fail "the noise does not play"
		printf 'talk\n' >&"$SK_CON_FD"
		for ((k = 1; k <= nreal; k++)); do
			wait_for 30 has_line "$T/cp$k.log" "page $i (played|expired)" || fail "cp$k did not play page $i ($label)"
		done
		wait "$player" || true
		sleep 0.3
	done
	rig_skew_record_stop "$PULSE_DIR" "$T/sk.raw"
	skew_quit "sk-cap-$label-$total"
	for ((i = 1; i <= reps; i++)); do
		page=$(ls "$ARCH"/*-page"$(printf %04d "$i")".wav 2>/dev/null | head -1 || true)
		[ -n "$page" ] || fail "page $i is not in the archive"
		rig_wav_to_raw "$page" "$T/page.raw"
		"$SKEW_PY" "$SKEW_LIB" mark "$T/sk.raw" $((nreal + 1)) "$nreal" "$T/page.raw" \
			--chans "$(seq -s, 0 $((nreal - 1)))" >"$T/sk-cap-$label-$total.$i.mark" || fail "skew.py mark failed"
		# All playing: the latest start; a page a speaker did not play is counted apart.
		awk -v key="cap.n$total.$label" '
			$1 == "latency" { if ($3 == "none") bad = 1; else if (n++ == 0 || $3 > m) m = $3 }
			END { if (bad || !n) print "sample " key ".incomplete 1"; else print "sample " key, m }' \
			"$T/sk-cap-$label-$total.$i.mark" >>"$S"
	done
	grep -q "^sample cap.n$total.$label " "$S" ||
		fail "end of capture ($label, $total speakers): no page started on all the real speakers"
	rm -f "$T/sk.raw"
}

# skew_live NPEERS TALKS LOAD — live talk measured from outside: one real speaker on
# the rig (plus NPEERS bench peers that take the stream, so the console streams to
# 1 + NPEERS), the console on the rig's mic with 256-frame buffers and a latency of
# LIVE_MS (run.sh: 80 ms, the least that kept every frame in this machine's tries); each of TALKS talks carries a chirp played into the mic. Mouth to ear
# (live.nN[.load]) = the speaker's onset minus the mic's, on the one sink's clock;
# frames concealed per talk (live.nN[.load].concealed, from the speaker's log); the
# console's CPU while streaming (live.nN.console_cpu, % of a core over the talks).
# LOAD=1: two busy loops at normal priority on the 2 cores meanwhile (the jitter a
# loaded speaker machine gives). RELAY=1: the real speaker reaches the console
# through tests/lib/relay.py, which delays every chunk both ways by 10 ms plus
# 0-20 ms at random (the network's jitter: this kernel has no netem).
skew_live() {
	local npeers=$1 talks=$2 load=$3 relay=${4:-0} port i key total=$(($1 + 1)) t0 t1 cpu0 cpu1 lp=()
	local spk_port
	key="live.n$total"
	[ "$load" = 1 ] && key="$key.load"
	[ "$relay" = 1 ] && key="$key.relay"
	skew_rig 1
	port=$(rig_free_port)
	local saved=("${BENCH_CONSOLE_ARGS[@]}")
	BENCH_CONSOLE_ARGS=(--codec opus --chunk 256 --live-latency-ms "$LIVE_MS" -d 2)
	start_console "sk-$key" "$port" HOME="$T/sk-console" XDG_DATA_HOME="$T/sk-data"
	BENCH_CONSOLE_ARGS=("${saved[@]}")
	SK_CON_PID=$CON_PID SK_CON_FD=$CON_FD
	SK_SPK_PIDS=()
	spk_port=$port
	if [ "$relay" = 1 ]; then
		spk_port=$(rig_free_port)
		python3 "$top/tests/lib/relay.py" "$spk_port" 127.0.0.1 "$port" 10 20 >"$T/relay-$key.out" 2>&1 &
		PIDS+=($!)
		SK_SPK_PIDS+=($!)
		wait_for 10 has_line "$T/relay-$key.out" "^ready" || fail "the delaying relay did not start"
	fi
	skew_speaker "$BIN" lv1 s1 "$spk_port"
	if [ "$npeers" -gt 0 ]; then
		"$B" peers "127.0.0.1:$port" "$npeers" --name "lv-$key" --stream >"$T/peers-$key.out" \
			2>"$T/peers-$key.log" &
		PIDS+=($!)
		SK_SPK_PIDS+=($!)
		wait_for 60 has_line "$T/peers-$key.out" "^ready" || fail "bench peers for $key did not connect"
	fi
	wait_for 30 has_line "$T/sk-$key.log" "\\($total connected\\)" || fail "$total speakers did not connect"
	if [ "$relay" = 1 ]; then
		# 20-60 ms round trips: the clock settles at an uncertainty of ~10 ms, never
		# below the 1 ms a lock needs; a live talk runs on the estimate all the same.
		sleep 3
	else
		skew_locked 1 1 lv
	fi
	[ -e "$T/chirp.wav" ] ||
		sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/chirp.wav" synth 0.3 sine 300-6000 vol 0.5
	printf 'live\n' >&"$SK_CON_FD"
	if [ "$load" = 1 ]; then
		for i in 1 2; do (while :; do :; done) & lp+=($!); done
	fi
	rig_skew_record_start "$PULSE_DIR" "$T/sk.raw" || fail "cannot record the skew rig"
	read -r cpu0 < <(awk '{ print $14 + $15 }' "/proc/$SK_CON_PID/stat")
	t0=$(date +%s%N)
	for ((i = 1; i <= talks; i++)); do
		printf 'talk\n' >&"$SK_CON_FD"
		wait_for 10 has_line "$T/lv1.log" "page $i: live from" || fail "talk $i did not reach the speaker ($key)"
		rig_pulse_play "$PULSE_DIR" "$T/chirp.wav" mic || fail "cannot play into the mic"
		wait_for 20 has_line "$T/lv1.log" "page $i (played|failed|cancelled)" || fail "talk $i did not end ($key)"
		sleep 0.3
	done
	read -r cpu1 < <(awk '{ print $14 + $15 }' "/proc/$SK_CON_PID/stat")
	t1=$(date +%s%N)
	rig_skew_record_stop "$PULSE_DIR" "$T/sk.raw"
	for i in "${lp[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null || true; done
	skew_quit "sk-$key"
	# One speaker on channel 0, the mic on channel 1: skew E 1 is mic - speaker.
	"$SKEW_PY" "$SKEW_LIB" events "$T/sk.raw" 2 --chans 0,1 >"$T/sk-$key.events" || fail "skew.py failed"
	rm -f "$T/sk.raw"
	awk -v key="$key" '$1 == "skew" && $3 == 1 { print "sample " key, -$4 }' "$T/sk-$key.events" >>"$S"
	sed -En 's/.*page [0-9]+ live: ([0-9]+) of [0-9]+ frames concealed.*/\1/p' "$T/lv1.log" |
		awk -v key="$key" -v n="$talks" '{ s += $1 } END { print "sample " key ".concealed", s / n }' >>"$S"
	# utime + stime in clock ticks (100 a second) over the wall time, as % of a core.
	awk -v a="$cpu0" -v b="$cpu1" -v t0="$t0" -v t1="$t1" -v key="$key" \
		'BEGIN { print "sample " key ".console_cpu", (b - a) / 100 / ((t1 - t0) / 1e9) * 100 }' >>"$S"
	cp "$T/sk-$key.events" "$RES/" 2>/dev/null || true
	grep -q "^sample $key " "$S" || fail "live ($key): no talk measured (see $T/sk-$key.events)"
}
