# shellcheck shell=bash disable=SC2034
# bench/netns.sh — section 12: end of capture -> all speakers playing over a
# shaped link (issue 13's figure: a 10 s page to 100 speakers over 100 Mbit),
# whole-WAV pages beside streamed pages in the same run. The network rig is
# tests/lib/netns.sh (two namespaces, one veth, tc tbf on the console's
# egress); the audio rig and the reading are skew_capture's (bench/skew.sh:
# noise into the console's mic, `talk`, one parec of every speaker and the
# mic, tests/lib/skew.py mark). Sourced by bench/run.sh after bench/skew.sh;
# uses T, BIN, B, ARCH, RES, S, PIDS, PULSE_DIR, say, fail, wait_for, has_line, count_is,
# stop_pid, sample, skew_rig, skew_locked, SKEW_PY, SKEW_LIB.
#
# netns_prove REPS BYTES FLOWS FLOW_BYTES    the rig's proof (raw TCP, shaped and not)
# netns_capture LABEL NPEERS REPS SECONDS ARGS CMDS   end of capture -> all playing, one console mode
# netns_rig, netns_done               make / delete the network rig
#
# Sets NETNS_DIR while the rig exists: run.sh's cleanup deletes the namespaces.

# shellcheck source=../tests/lib/netns.sh
source "$top/tests/lib/netns.sh"

NETNS_RATE=${NETNS_RATE:-${BENCH_NETNS_RATE:-100mbit}}
NETNS_PORT=2348 # the console's own namespace: nothing else listens there

# ============================================================================
# >>> The console modes measured: the one place to change. Each row of the
# figure is a label and the console's options for it; "-" means the console has
# no such mode, and the row reads "not measured". Any of them can be set for
# one run from the environment (BENCH_NETNS_WAV_ARGS="--codec wav" ...).
#   NETNS_WAV_ARGS     whole-WAV pages, sent once recorded (before streaming: all there was)
#   NETNS_STREAM_ARGS  streamed pages, Opus (the console's default since streaming)
#   NETNS_PCM_ARGS     streamed pages, PCM (the lossless choice)
#   NETNS_*_CMDS       headless commands sent before the first talk, ';' between
#                      them, for a mode switched by a command; empty for none.
NETNS_WAV_ARGS=${BENCH_NETNS_WAV_ARGS:---codec wav}
NETNS_WAV_CMDS=${BENCH_NETNS_WAV_CMDS:-}
NETNS_STREAM_ARGS=${BENCH_NETNS_STREAM_ARGS:---codec opus}
NETNS_STREAM_CMDS=${BENCH_NETNS_STREAM_CMDS:-}
NETNS_PCM_ARGS=${BENCH_NETNS_PCM_ARGS:---codec pcm}
NETNS_PCM_CMDS=${BENCH_NETNS_PCM_CMDS:-}
# ============================================================================

# netns_rig — a fresh network rig in $T/net, unshaped (NETNS_DIR set).
netns_rig() {
	[ -n "${NETNS_DIR:-}" ] && rig_netns_stop "$NETNS_DIR"
	NETNS_DIR="$T/net"
	rig_netns_start "$NETNS_DIR" || fail "cannot build the network rig"
}

# netns_done — delete the rig (its programs stopped first).
netns_done() {
	[ -n "${NETNS_DIR:-}" ] && rig_netns_stop "$NETNS_DIR"
	NETNS_DIR=
}

# netns_prove REPS BYTES FLOWS FLOW_BYTES — raw TCP through the rig, no
# intercom: REPS times one flow of BYTES shaped (net.tbf.mbps, Mbit/s of
# payload), one flow of 10 x BYTES unshaped (net.free.mbps), and FLOWS flows of
# FLOW_BYTES at once shaped (net.tbf.flows_ms: the floor for a fan-out of
# FLOWS whole pages).
netns_prove() {
	local reps=$1 bytes=$2 flows=$3 fbytes=$4 i line
	for ((i = 1; i <= reps; i++)); do
		rig_netns_shape "$NETNS_DIR" none || fail "cannot unshape the rig"
		line=$(rig_netns_xfer "$NETNS_DIR" 1 $((10 * bytes))) || fail "raw transfer failed (unshaped)"
		sample net.free.mbps "$(awk '{ print $4 }' <<<"$line")"
		rig_netns_shape "$NETNS_DIR" "$NETNS_RATE" || fail "cannot shape the rig"
		line=$(rig_netns_xfer "$NETNS_DIR" 1 "$bytes") || fail "raw transfer failed ($NETNS_RATE)"
		sample net.tbf.mbps "$(awk '{ print $4 }' <<<"$line")"
		say "  $line (one flow, $NETNS_RATE)"
		line=$(rig_netns_xfer "$NETNS_DIR" "$flows" "$fbytes") || fail "raw transfer failed ($flows flows)"
		sample net.tbf.flows_ms "$(awk '{ print $3 * 1000 }' <<<"$line")"
		say "  $line ($flows flows, $NETNS_RATE)"
	done
}

# netns_console NAME ARGS — the headless console in the console's namespace on
# the skew rig's mic, listening on its rig address; ARGS (word-split) after
# the bench's own options. Sets NS_CON_PID, NS_CON_FD.
netns_console() {
	local name=$1 args=$2
	mkfifo "$T/$name.cmd"
	find "$T" -name console.state -delete # each console's pages from 1
	# shellcheck disable=SC2086 # ARGS: the console's options, one word each
	(rig_netns_exec "$NETNS_DIR" c env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/sk-console" \
		XDG_DATA_HOME="$T/sk-data" "$BIN/intercom-console" --headless -H "$(rig_netns_addr "$NETNS_DIR" c)" \
		-p "$NETNS_PORT" --admit all --archive "$ARCH" --chime off --preroll-ms 0 $args <"$T/$name.cmd" >"$T/$name.log" 2>"$T/$name.err") &
	NS_CON_PID=$!
	PIDS+=("$NS_CON_PID")
	exec {NS_CON_FD}>"$T/$name.cmd"
	wait_for 20 has_line "$T/$name.log" "listening on" || fail "console $name did not start: $(tail -3 "$T/$name.err")"
	has_line "$T/$name.log" "input: " || fail "console $name found no input device on the skew rig"
}

# netns_speaker NAME SINK — a headless intercom-speaker in the speakers'
# namespace, playing into SINK of the skew rig (its unix socket is a file).
netns_speaker() {
	local name=$1 sink=$2
	rig_pulse_client_home "$PULSE_DIR" "$T/$name" mic.monitor "$sink"
	(rig_netns_exec "$NETNS_DIR" s env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/$name" \
		"$BIN/intercom-speaker" --headless --name "$name" "$(rig_netns_addr "$NETNS_DIR" c):$NETNS_PORT" \
		>"$T/$name.log" 2>"$T/$name.err") &
	PIDS+=($!)
	NS_SPK_PIDS+=($!)
}

# netns_peers N NAME — N bench peers in the speakers' namespace (bench/peers.c:
# each takes the whole page like a speaker, plays nothing; --stream: they offer
# COMMIT and STREAM as intercom-speaker does, so the console streams to them
# and sends a whole page as soon as to the real ones, not after its archive).
netns_peers() {
	(rig_netns_exec "$NETNS_DIR" s "$B" peers "$(rig_netns_addr "$NETNS_DIR" c):$NETNS_PORT" "$1" \
		--stream --name "$2" >"$T/peers-$2.out" 2>"$T/peers-$2.log") &
	PIDS+=($!)
	NS_SPK_PIDS+=($!)
	wait_for 60 has_line "$T/peers-$2.out" "^ready" || fail "bench peers $2 did not all connect"
}

# netns_capture LABEL NPEERS REPS SECONDS ARGS CMDS — the console (options
# ARGS, then the headless commands CMDS) records SECONDS of white noise played
# into its mic, REPS times, to 2 real speakers on the skew rig plus NPEERS
# bench peers, all across the shaped link. From one recording, per page:
# the capture's last sample (mic channel) to each real speaker's first
# sample; sample cap.net.LABEL = the later of the two (all playing), and
# cap.net.LABEL.last_ms = the capture's end to the last of all the copies
# received, from the console's log. A first 1 s page (sent, not measured)
# lets the console measure the link. ARGS "-": not measured (the console has
# no such mode yet).
netns_capture() {
	local label=$1 npeers=$2 reps=$3 secs=$4 args=$5 cmds=$6 nreal=2 total i k c player page cmd name
	if [ "$args" = - ]; then
		say "  $label: not measured (no console option for it: the modes block in bench/netns.sh)"
		return 0
	fi
	total=$((nreal + npeers))
	name="net-$label"
	skew_rig "$nreal"
	netns_rig
	rig_netns_shape "$NETNS_DIR" "$NETNS_RATE" || fail "cannot shape the rig"
	rm -f "$ARCH"/*.wav # the pages are read back from the archive by number
	rm -f "$RES/$name".*.mark
	netns_console "$name" "$args"
	NS_SPK_PIDS=()
	# The peers first: the console serves its speakers in joining order, so
	# the two measured ones are the last in line, as the 100th speaker is.
	[ "$npeers" -gt 0 ] && netns_peers "$npeers" "net-$label"
	for ((k = 1; k <= nreal; k++)); do netns_speaker "nt$k" "s$k"; done
	wait_for 60 has_line "$T/$name.log" "\\($total connected\\)" ||
		fail "$total speakers did not connect across the rig ($label)"
	skew_locked 1 "$nreal" nt
	IFS=';' read -ra cmd <<<"$cmds"
	for c in "${cmd[@]}"; do
		[ -n "$c" ] && printf '%s\n' "$c" >&"$NS_CON_FD"
	done
	# A first page of 1 s (sent, not measured): the console measures the link
	# on it, so every measured page is one of a running system's (the first
	# page of a console assumes 20 Mbit/s for the link).
	sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/nwarm.wav" synth 1 sine 440 vol 0.3
	printf 'send %s\n' "$T/nwarm.wav" >&"$NS_CON_FD"
	wait_for 60 count_is "$T/$name.log" "page 1 delivered to" "$total" ||
		fail "the first page did not reach all $total speakers ($label)"
	printf 'duration %s\n' "$secs" >&"$NS_CON_FD"
	rig_skew_record_start "$PULSE_DIR" "$T/net.raw" || fail "cannot record the skew rig"
	for ((i = 2; i <= reps + 1; i++)); do
		# A new sweep each time, 2.5 s longer than the capture: its end must be
		# found in one place only (a sweep never repeats itself, and each page's
		# runs over other frequencies), and Opus must keep its waveform (it
		# codes a tone's, not white noise's: skew.py mark finds a page's start
		# by correlation).
		sox -D -V1 -n -r 48000 -c 1 -b 16 -e signed-integer "$T/nnoise.wav" synth \
			"$(awk -v s="$secs" 'BEGIN { print s + 2.5 }')" sine "$((150 + 97 * i))-$((2500 + 431 * i))" vol 0.5
		rig_pulse_play "$PULSE_DIR" "$T/nnoise.wav" mic &
		player=$!
		rig_pulse_wait_playing "$PULSE_DIR" mic || fail "the noise does not play"
		printf 'talk\n' >&"$NS_CON_FD"
		for ((k = 1; k <= nreal; k++)); do
			# Capture, transfer (~8 s for 100 whole pages at 100 Mbit), then the page itself.
			wait_for $((3 * ${secs%.*} + 60)) has_line "$T/nt$k.log" "page $i (played|expired)" ||
				fail "nt$k did not play page $i ($label)"
		done
		wait "$player" || true
		grep -h "page $i plays" "$T/$name.log" | sed 's/^/#   /' >&2 || true
		sleep 0.3
	done
	rig_skew_record_stop "$PULSE_DIR" "$T/net.raw"
	printf 'quit\n' >&"$NS_CON_FD"
	wait "$NS_CON_PID" || fail "console $name exited with $?"
	exec {NS_CON_FD}>&-
	for k in "${NS_SPK_PIDS[@]}"; do stop_pid "$k"; done
	NS_SPK_PIDS=()
	netns_done
	for ((i = 2; i <= reps + 1; i++)); do
		page=$(ls "$ARCH"/*-page"$(printf %04d "$i")".wav 2>/dev/null | head -1 || true)
		[ -n "$page" ] || fail "page $i is not in the archive ($label)"
		rig_wav_to_raw "$page" "$T/page.raw"
		"$SKEW_PY" "$SKEW_LIB" mark "$T/net.raw" $((nreal + 1)) "$nreal" "$T/page.raw" \
			--chans "$(seq -s, 0 $((nreal - 1)))" --within 60 >"$T/$name.$i.mark" || fail "skew.py mark failed"
		# All playing: the later start. "none": a speaker did not start this page
		# within 60 s of the capture's end, or joined it late and so missed its
		# first 100 ms: such a page is counted apart (cap.net.LABEL.incomplete).
		awk -v key="cap.net.$label" '
			$1 == "latency" { if ($3 == "none") bad = 1; else if (n++ == 0 || $3 > m) m = $3 }
			END { if (bad || !n) print "sample " key ".incomplete 1"; else print "sample " key, m }' \
			"$T/$name.$i.mark" >>"$S"
		cp "$T/$name.$i.mark" "$RES/" 2>/dev/null || true
		# From the console's own log (its wall clock, ms): the capture's end to
		# the last speaker's "received" (STATUS back over the unshaped way).
		awk -v p="$i" -v key="cap.net.$label.last_ms" '
			function ms(t,   h) { split(t, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
			$2 == "page" && $3 == p && $4 == "captured:" { c = ms($1) }
			$2 == "page" && $3 == p && $4 == "delivered" && $5 == "to" { d = ms($1); if (d > last) last = d }
			END { if (c && last) printf "sample %s %.0f\n", key, last - c }' "$T/$name.log" >>"$S"
	done
	k=$(grep -c "^sample cap.net.$label.incomplete " "$S" || true)
	[ "$k" = 0 ] || say "  $label: $k of $reps pages not started by both measured speakers (see $RES/$name.*.mark)"
	cp "$T/$name.log" "$RES/" 2>/dev/null || true
	grep -q "^sample cap.net.$label " "$S" ||
		fail "end of capture over $NETNS_RATE ($label): no page started on both real speakers"
	rm -f "$T/net.raw"
}
