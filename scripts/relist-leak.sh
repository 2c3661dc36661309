#!/usr/bin/env bash
# scripts/relist-leak.sh [--valgrind] [N [N_SAN]] — what each re-listing of the audio
# devices leaves behind: the console with no input device terminates and restarts
# PortAudio every 6-60 s (src/console/input_watch.c), so one hour is 60-600 of them.
# docs/ROBUSTNESS.md has the findings.
#
# For each audio configuration — no device at all (an empty HOME on a machine
# without a sound card: the issue's case), the ALSA file rig and the PulseAudio rig
# of tests/lib/rig.sh — and for ours (audio_terminate/audio_init/audio_find_device)
# and plain PortAudio (Pa_Terminate/Pa_Initialize, no intercom code):
#   1. normal build: N re-listings (600), memory read every 100 (intercom-bench
#      relist): growth of VmRSS and of the heap in use per re-listing after the
#      first 100, CPU per re-listing;
#   2. ASan+LSan build: N_SAN re-listings (20), LeakSanitizer's total at exit with
#      tests/lsan.supp, without and with tests/lib/keep_dlopen.c preloaded (make
#      check preloads it: modules are never unloaded, so what they lost stays
#      reachable);
#   3. --valgrind: 5 plain re-listings under valgrind --keep-debuginfo=yes, the
#      "definitely lost" records with the libraries named (LSan can name no
#      library once alsa-lib has unloaded it: "<unknown module>").
# Everything is kept in build/relist-leak/. CPU: about a minute (niced), plus
# about a minute with --valgrind.
set -euo pipefail

valgrind=0
if [ "${1:-}" = --valgrind ]; then
	valgrind=1
	shift
fi
N=${1:-600}
N_SAN=${2:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck disable=SC1091 # tests/lib/rig.sh
source "$top/tests/lib/rig.sh"

RES="$top/build/relist-leak"
mkdir -p "$RES"
echo "# building intercom-bench (normal and ASan+UBSan) and keep_dlopen.so" >&2
nice -n 10 make --no-print-directory -j2 SAN=0 BUILD=build build/bench/intercom-bench >/dev/null
nice -n 10 make --no-print-directory -j2 SAN=1 build/san/bench/intercom-bench \
	build/san/tests/keep_dlopen.so >/dev/null
B="$top/build/bench/intercom-bench"
BSAN="$top/build/san/bench/intercom-bench"
LIBASAN=$(${CC:-cc} -print-file-name=libasan.so)

T=$(mktemp -d /tmp/relist.XXXXXX)
PULSE_DIR=""
cleanup() {
	[ -n "$PULSE_DIR" ] && { rig_pulse_stop "$PULSE_DIR" >/dev/null 2>&1 || true; }
	rm -rf "$T"
}
trap cleanup EXIT

configs=(none file)
mkdir -p "$T/none" "$T/file"
rig_alsa_file "$T/file" /dev/zero "$T/file/out.raw"
if command -v pulseaudio >/dev/null; then
	PULSE_DIR="$T/pa"
	rig_pulse_start "$PULSE_DIR"
	rig_pulse_client_home "$PULSE_DIR" "$T/pulse" mic.monitor spk1
	configs+=(pulse)
else
	echo "# no pulseaudio: the PulseAudio rig is left out" >&2
fi

# in_home CONFIG CMD... — CMD with that configuration's HOME, as the harness runs programs.
in_home() {
	local cfg=$1
	shift
	env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/$cfg" INTERCOM_SYSCONFDIR="$T/no-sysconf" nice -n 10 "$@"
}

sample() { awk -v k="$1" '$1 == "sample" && $2 == k { print $3 }' "$RES/samples.txt"; }

echo "# 1. $N re-listings each, normal build" >&2
: >"$RES/samples.txt"
: >"$RES/relist.log"
for cfg in "${configs[@]}"; do
	for mode in ours plain; do
		label=$cfg args=()
		if [ "$mode" = plain ]; then
			label=$cfg.plain args=(--plain)
		fi
		in_home "$cfg" "$B" relist "${args[@]}" --label "$label" "$N" \
			>>"$RES/samples.txt" 2>>"$RES/relist.log"
	done
done
printf '\n%d re-listings (growth from the 100th on), normal build\n' "$N"
printf '%-7s %-6s %12s %12s %10s %11s\n' config code "RSS KiB/rl" "heap KiB/rl" "CPU ms/rl" "RSS at end"
for cfg in "${configs[@]}"; do
	for mode in ours plain; do
		label=$cfg
		[ "$mode" = plain ] && label=$cfg.plain
		printf '%-7s %-6s %12.3f %12.3f %10.2f %11s\n' "$cfg" "$mode" "$(sample "relist.$label.rss_per")" \
			"$(sample "relist.$label.heap_per")" "$(sample "relist.$label.cpu_ms")" \
			"$(sample "relist.$label.rss_kib") KiB"
	done
done

echo "# 2. $N_SAN re-listings each under ASan+LSan" >&2
printf '\n%d re-listings (%d PortAudio starts), ASan+LSan with tests/lsan.supp; reports in %s\n' \
	"$N_SAN" $((N_SAN + 1)) "$RES"
printf '%-7s %-6s %-12s %s\n' config code keep_dlopen "LeakSanitizer at exit"
for cfg in "${configs[@]}"; do
	for mode in ours plain; do
		for shim in no yes; do
			args=() pre=$LIBASAN
			[ "$mode" = plain ] && args=(--plain)
			[ "$shim" = yes ] && pre="$LIBASAN $top/build/san/tests/keep_dlopen.so"
			out="$RES/lsan-$cfg-$mode-shim_$shim.txt"
			in_home "$cfg" env LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=1 \
				LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=1" \
				"$BSAN" relist "${args[@]}" --every "$N_SAN" --warmup 0 "$N_SAN" >"$out" 2>&1 || true
			summary=$(grep -m1 '^SUMMARY: AddressSanitizer: [0-9]* byte' "$out" || true)
			if ! grep -q '^sample ' "$out"; then
				summary="did not run: see $out"
			elif [ -n "$summary" ]; then
				bytes=$(echo "$summary" | awk '{ print $3 }')
				summary="$bytes bytes in $(echo "$summary" | awk '{ print $7 }') allocations, $((bytes / (N_SAN + 1))) per start"
			else
				summary="no leak"
			fi
			grep -q 'Suppressions used' "$out" && summary="$summary (suppressions used: see the report)"
			printf '%-7s %-6s %-12s %s\n' "$cfg" "$mode" "$shim" "$summary"
		done
	done
done

if [ "$valgrind" = 1 ]; then
	if ! command -v valgrind >/dev/null; then
		echo "# no valgrind: step 3 left out" >&2
		exit 0
	fi
	echo "# 3. 5 plain re-listings under valgrind" >&2
	in_home none valgrind --leak-check=full --keep-debuginfo=yes --num-callers=40 \
		--log-file="$RES/valgrind.txt" "$B" relist --plain --every 1 --warmup 1 5 >/dev/null 2>&1
	printf '\n5 plain re-listings (6 starts) under valgrind: %s\n' "$RES/valgrind.txt"
	grep -E 'definitely lost:|indirectly lost:' "$RES/valgrind.txt" | sed 's/^==[0-9]*== */  /'
	echo "  allocated by (innermost named library of each definitely lost record):"
	awk '/are definitely lost in loss record/ { rec = 1; sz = $2; next }
	     rec && /\(in \/|\(dl-|\(dlopen/ && !/vgpreload|ld-linux|libc\.so/ {
	         if (match($0, /\(in [^)]*\)/)) { print "    " sz " bytes: " substr($0, RSTART + 4, RLENGTH - 5); rec = 0 }
	     }
	     /^==[0-9]+== $/ { rec = 0 }' "$RES/valgrind.txt" | sort | uniq -c
fi
