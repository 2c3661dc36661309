#!/usr/bin/env bash
# Runs each cmocka unit-test binary given; prints a closing "N passed, N failed" line.
set -u
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/tests/lsan.supp:print_suppressions=0"
passed=0 failed=0
for t in "$@"; do
	if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $t"; fi
done
echo "units: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
