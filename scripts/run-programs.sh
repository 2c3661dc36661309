#!/usr/bin/env bash
# Runs whole-program test scripts, several at once, each in isolation (its own
# temp dir, HOMEs, ports: tests/programs/harness.sh), and prints one line per
# test as it ends:
#
#   PASS test_faults (44 s)        SKIP test_slow_dns [san] (0 s): no mount namespace
#   FAIL test_legacy (12 s)        then its FAIL: line and the last 60 lines of its output
#
# A test's output is kept in a file until it ends, so tests running side by side
# never mix theirs. A closing line counts passed, failed and skipped tests; the
# status is non-zero if any failed. A test skips by exiting 77 (harness.sh: skip).
#
#   scripts/run-programs.sh BINDIR TEST...
#   scripts/run-programs.sh [--label L] [--preload LIBS] BINDIR TEST... \
#       [--and [--label L] [--preload LIBS] BINDIR TEST...]...
#
# Each group of TESTs runs against the programs in its BINDIR (INTERCOM_BIN); all
# groups share one pool, longest test first. --label names the group in the
# output ("san"); --preload LIBS (for the first group also INTERCOM_PRELOAD)
# gives the tests wrappers that preload LIBS into our two programs only, not into
# python, sox, tmux or pulseaudio (sanitizer runs: DEVELOPERS.md); each test sees its
# group's LIBS as INTERCOM_PRELOAD, empty for a group without them.
#
# Environment:
#   INTERCOM_TEST_JOBS     tests at once (default: the number of cores)
#   INTERCOM_TEST_TIMEOUT  seconds a test may take before it is stopped (300)
#   INTERCOM_TEST_TIMES    where each test's last time is kept, to start the
#                          longest first next time (build/program-times)
set -u
if [ "${BASH_VERSINFO[0]}" -lt 5 ] || { [ "${BASH_VERSINFO[0]}" -eq 5 ] && [ "${BASH_VERSINFO[1]}" -lt 1 ]; }; then
	echo "run-programs: needs bash 5.1 or later (wait -n -p), this is $BASH_VERSION" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${INTERCOM_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
limit=${INTERCOM_TEST_TIMEOUT:-300}
times_file=${INTERCOM_TEST_TIMES:-$top/build/program-times}
case "$jobs" in '' | *[!0-9]* | 0) echo "run-programs: INTERCOM_TEST_JOBS must be a positive number, not '$jobs'" >&2; exit 2 ;; esac
case "$limit" in '' | *[!0-9]* | 0) echo "run-programs: INTERCOM_TEST_TIMEOUT must be a positive number, not '$limit'" >&2; exit 2 ;; esac

# Seconds each test took on a 2-core machine, for the order when this tree has no
# time of its own yet (a fresh clone, CI). Stale or missing values only cost order.
declare -A hint=(
	[test_faults]=40 [test_speaker_screen]=35 [test_console_screen]=22 [test_security]=14
	[test_demo]=9 [test_legacy]=9 [test_page_arriving]=8 [test_input_later]=8
	[test_bad_input]=7 [test_long_file]=7 [test_speaker_faults]=6 [test_page_end_to_end]=6
	[test_slowloris]=5 [test_emfile]=4 [test_archive_full]=2 [test_slow_dns]=1
)

run=$(mktemp -d /tmp/icrun.XXXXXX)
declare -A running=()   # pid of a running test -> its job number
stop() {
	trap - INT TERM
	for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	wait
	rm -rf "$run"
	exit 130
}
trap stop INT TERM
trap 'rm -rf "$run"' EXIT

# ---- the jobs: one per group and test
job_name=() job_key=() job_bin=() job_preload=() job_test=()
group=0 label="" preload=${INTERCOM_PRELOAD:-} bindir="" bindir_arg=""
add_group_bin() {
	local dir prog
	bindir_arg=$1
	dir=$(cd "$1" 2>/dev/null && pwd) || { echo "run-programs: no directory $1" >&2; exit 2; }
	if [ -n "$preload" ]; then
		mkdir -p "$run/wrap.$group"
		for prog in "$dir"/intercom-*; do
			printf '#!/bin/sh\nLD_PRELOAD="%s" exec "%s" "$@"\n' "$preload" "$prog" >"$run/wrap.$group/${prog##*/}"
			chmod +x "$run/wrap.$group/${prog##*/}"
		done
		dir=$run/wrap.$group
	fi
	bindir=$dir
}
while [ $# -gt 0 ]; do
	case "$1" in
		--label) label=$2; shift 2 ;;
		--preload) preload=$2; shift 2 ;;
		--and) group=$((group + 1)) label="" preload="" bindir="" bindir_arg=""; shift ;;
		*)
			if [ -z "$bindir" ]; then
				add_group_bin "$1"
			else
				name=$(basename "$1" .sh)
				job_name+=("$name${label:+ [$label]}")
				job_key+=("${bindir_arg%/}/$name")
				job_bin+=("$bindir")
				job_preload+=("$preload")
				job_test+=("$1")
			fi
			shift
			;;
	esac
done
[ ${#job_test[@]} -gt 0 ] || { echo "usage: run-programs.sh BINDIR TEST... [--and BINDIR TEST...]" >&2; exit 2; }

# ---- longest first: this tree's last times, else the hints, else 10 s
declare -A last=()
if [ -r "$times_file" ]; then
	while read -r key secs; do [ -n "$key" ] && last[$key]=$secs; done <"$times_file"
fi
order=$(for i in "${!job_test[@]}"; do
	name=$(basename "${job_test[i]}" .sh)
	echo "${last[${job_key[i]}]:-${hint[$name]:-10}} $i"
done | sort -k1,1nr -k2,2n | cut -d' ' -f2)

# Descriptors inherited from whatever started us (a terminal, an agent, a CI
# runner) would change how close to its fd limit a program runs; CI has none.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
done
export INTERCOM_TOP="$top"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# rig_free_port claims each port here: no two tests of this run get the same one.
export RIG_PORT_DIR="$run/ports"
mkdir "$RIG_PORT_DIR"

passed=0 failed=0 skipped=0
declare -A began=() took=()
run_start=$EPOCHREALTIME

# elapsed START — whole seconds since START (an $EPOCHREALTIME).
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a + 0.5 }'; }

# report JOB STATUS — the line for a test that ended, and its output if it failed.
report() {
	local i=$1 rc=$2 log="$run/$1.log" secs why
	secs=$(elapsed "${began[$i]}")
	took[${job_key[i]}]=$secs
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS ${job_name[i]} ($secs s)"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		why=$(sed -n 's/^# SKIP: //p' "$log" | tail -1)
		echo "SKIP ${job_name[i]} ($secs s): ${why:-no reason given}"
	else
		failed=$((failed + 1))
		why="exit $rc"
		[ "$rc" -eq 124 ] && why="timed out after $limit s"
		echo "FAIL ${job_name[i]} ($secs s, $why)"
		# The reason first: the logs' tails below can be long.
		grep -m3 '^FAIL:' "$log" | sed 's/^/    /'
		sed 's/^/    /' "$log" | tail -60
	fi
	rm -f "$log"
}

for i in $order; do
	while [ ${#running[@]} -ge "$jobs" ]; do
		wait -n -p done_pid
		rc=$?
		report "${running[$done_pid]}" "$rc"
		unset "running[$done_pid]"
	done
	began[$i]=$EPOCHREALTIME
	INTERCOM_BIN="${job_bin[i]}" INTERCOM_PRELOAD="${job_preload[i]}" timeout -k 10 "$limit" bash "${job_test[i]}" </dev/null >"$run/$i.log" 2>&1 &
	running[$!]=$i
done
while [ ${#running[@]} -gt 0 ]; do
	wait -n -p done_pid
	rc=$?
	report "${running[$done_pid]}" "$rc"
	unset "running[$done_pid]"
done

# Keep this run's times (and older ones of tests not run now) for the next order.
if mkdir -p "$(dirname "$times_file")" 2>/dev/null; then
	for key in "${!last[@]}"; do [ -n "${took[$key]:-}" ] || took[$key]=${last[$key]}; done
	for key in "${!took[@]}"; do echo "$key ${took[$key]}"; done | sort >"$times_file.tmp" &&
		mv "$times_file.tmp" "$times_file"
fi
echo "programs: $passed passed, $failed failed, $skipped skipped in $(elapsed "$run_start") s ($jobs at once)"
[ "$failed" -eq 0 ]
