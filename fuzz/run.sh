#!/bin/sh
# Runs one libFuzzer target for a while (called by fuzz/fuzz.mk; see fuzz/README.md).
#
#   fuzz/run.sh [--regressions] NAME BINARY SECONDS CORPUS REGRESSIONS OUTDIR [libFuzzer flags]
#
# With --regressions, first runs every file in REGRESSIONS once. Then fuzzes for
# SECONDS, growing CORPUS (REGRESSIONS is read as a second corpus, never written).
# Logs and crash artifacts go to OUTDIR. Prints one summary line; exits non-zero
# on any crash, leak, timeout or failed invariant.
set -u

regressions=0
if [ "${1:-}" = "--regressions" ]; then
	regressions=1
	shift
fi
if [ $# -lt 6 ]; then
	echo "usage: $0 [--regressions] NAME BINARY SECONDS CORPUS REGRESSIONS OUTDIR [flags]" >&2
	exit 2
fi
name=$1 bin=$2 seconds=$3 corpus=$4 regdir=$5 outdir=$6
shift 6

mkdir -p "$corpus" "$outdir" || exit 1
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Prints the end of a failed run's log and where its crash input went.
report_failure() {
	log=$1 what=$2
	echo "---- last lines of $log ----"
	tail -n 60 "$log"
	echo "----"
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	echo "fuzz $name: CRASH ($what); log: $log"
	if [ -n "$artifact" ]; then
		echo "fuzz $name: crashing input: $artifact"
		echo "fuzz $name: reproduce with: $bin $artifact"
		echo "fuzz $name: keep it as a regression input: cp $artifact $regdir/<what-it-does>"
	fi
}

# The regression inputs are files named anything but dot-files (README etc. may not sit there).
reg_files=
if [ -d "$regdir" ]; then
	reg_files=$(find "$regdir" -maxdepth 1 -type f ! -name '.*' | sort)
fi

if [ "$regressions" = 1 ] && [ -n "$reg_files" ]; then
	log="$outdir/$name-regressions.log"
	n=$(printf '%s\n' "$reg_files" | wc -l | tr -d ' ')
	# shellcheck disable=SC2086 # file names are ours and have no spaces
	if ! "$bin" "$@" -artifact_prefix="$outdir/$name-" $reg_files >"$log" 2>&1; then
		last=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
		report_failure "$log" "regression input ${last:-?}"
		exit 1
	fi
	echo "fuzz $name: $n regression inputs pass"
fi

log="$outdir/$name.log"
set -- "$@" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$outdir/$name-" "$corpus"
[ -n "$reg_files" ] && set -- "$@" "$regdir"
start=$(date +%s)
"$bin" "$@" >"$log" 2>&1
rc=$?
end=$(date +%s)
if [ $rc -ne 0 ]; then
	report_failure "$log" "exit status $rc"
	exit 1
fi

rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
# -fork=N (through FUZZ_ARGS) prints no final stats; its status lines start with "#runs:".
[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
[ -n "$rate" ] || rate=?
secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
[ -n "$secs" ] || secs=$((end - start))
size=$(find "$corpus" -type f | wc -l | tr -d ' ')
if [ -z "$runs" ]; then
	report_failure "$log" "no final stats in the log"
	exit 1
fi
echo "fuzz $name: $runs runs in $secs s, no crash ($rate exec/s, corpus $size inputs)"
