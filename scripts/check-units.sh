#!/usr/bin/env bash
# Checks the systemd units under contrib/systemd with systemd-analyze verify:
# syntax, every directive known, ExecStart's program there (the built one,
# put in place of /usr/bin) and each Documentation= page found (man/).
# Where systemd-analyze is missing or cannot verify even a trivial unit here
# (some containers), says why and skips: exit 0 with a "skipped" line.
# Exit 1 on any remark about our units, 2 if it cannot run.
#
#   scripts/check-units.sh [BINDIR]     (default: build/bin)
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
bindir=$(cd "${1:-$top/build/bin}" && pwd)

if ! command -v systemd-analyze >/dev/null; then
	echo "check-units: skipped: systemd-analyze is not installed (package systemd)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A unit known to be good: if it does not verify cleanly, this machine cannot verify.
mkdir -p "$tmp/probe"
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' >"$tmp/probe/probe.service"
if ! out=$(systemd-analyze verify "$tmp/probe/probe.service" 2>&1) || [ -n "$out" ]; then
	echo "check-units: skipped: systemd-analyze verify fails on a trivial unit here: $(echo "$out" | head -1)"
	exit 0
fi

# The man pages as man(1) finds them: MANPATH/man1, man7.
mkdir -p "$tmp/man/man1" "$tmp/man/man7" "$tmp/units"
for page in "$top"/man/*.1; do ln -s "$page" "$tmp/man/man1/"; done
for page in "$top"/man/*.7; do ln -s "$page" "$tmp/man/man7/"; done
# systemd-analyze runs man(1) for each Documentation=man:...: without man-db (or where
# man cannot read our pages) those lines are left out, and that is said.
docs="s|^Documentation=.*||"
if command -v man >/dev/null && MANPATH="$tmp/man" man -w intercom-console >/dev/null 2>&1; then
	docs=""
else
	echo "check-units: Documentation= not checked: man cannot find pages here (package man-db)"
fi
for unit in "$top"/contrib/systemd/*.service; do
	sed "s|/usr/bin/|$bindir/|g; $docs" "$unit" >"$tmp/units/$(basename "$unit")"
done
# The programs each unit starts must be there; intercom-ctl is not started by a unit.
for prog in intercom-console intercom-speaker; do
	[ -x "$bindir/$prog" ] || { echo "check-units: no $bindir/$prog: run make first" >&2; exit 2; }
done

status=0
for unit in "$tmp"/units/*.service; do
	name=$(basename "$unit")
	# A template is verified through an instance of it.
	case "$name" in *@.service) name="${name%@.service}@check.service" ;; esac
	out=$(cd "$tmp/units" && MANPATH="$tmp/man" systemd-analyze verify "$tmp/units/$name" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out" | sed "s|$tmp/units/|contrib/systemd/|g"
		echo "check-units: contrib/systemd/$(basename "$unit"): systemd-analyze verify is not clean"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "check-units: $(ls "$tmp"/units | wc -l) units verify cleanly (systemd-analyze verify)"
exit "$status"
