#!/usr/bin/env bash
# Runs whole-program test scripts against the programs in BINDIR; prints a closing
# "N passed, N failed" line. Each script gets INTERCOM_BIN and runs in isolation.
set -u
bindir=$(cd "$1" && pwd); shift
top=$(cd "$(dirname "$0")/.." && pwd)
# With INTERCOM_PRELOAD set (sanitizer runs), tests call wrappers that preload it
# into our programs only, not into python, sox or pulseaudio.
if [ -n "${INTERCOM_PRELOAD:-}" ]; then
	wrapdir=$(mktemp -d)
	trap 'rm -rf "$wrapdir"' EXIT
	for prog in "$bindir"/intercom-*; do
		printf '#!/bin/sh\nLD_PRELOAD="%s" exec "%s" "$@"\n' "$INTERCOM_PRELOAD" "$prog" >"$wrapdir/${prog##*/}"
		chmod +x "$wrapdir/${prog##*/}"
	done
	bindir=$wrapdir
fi
# Descriptors inherited from whatever started us (a terminal, an agent, a CI
# runner) would change how close to its fd limit a program runs; CI has none.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
done
export INTERCOM_BIN="$bindir" INTERCOM_TOP="$top"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
passed=0 failed=0
for t in "$@"; do
	name=$(basename "$t" .sh)
	log=$(mktemp)
	start=$(date +%s)
	if timeout 300 bash "$t" >"$log" 2>&1; then
		passed=$((passed + 1)); echo "PASS $name ($(( $(date +%s) - start )) s)"
	else
		failed=$((failed + 1)); echo "FAIL $name ($(( $(date +%s) - start )) s)"
		# The reason first: the logs' tails below can be long.
		grep -m3 '^FAIL:' "$log" | sed 's/^/    /'
		sed 's/^/    /' "$log" | tail -60
	fi
	rm -f "$log"
done
echo "programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
