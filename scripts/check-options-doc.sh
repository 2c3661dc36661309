#!/usr/bin/env bash
# Checks that a document's options table lists exactly the options of the three
# programs (intercom-console, intercom-speaker, intercom-ctl), as their --help prints them from the option table
# (src/common/options.c): each option once, with its short form, the name of
# its value and the programs taking it. Prints each difference and exits 1 if
# there is one, 2 if it cannot run.
#
#   scripts/check-options-doc.sh [BINDIR [DOC]]     (default: build/bin README.md)
#
# In DOC the table is the one under the heading "### Options": a row per
# option, its first cell like `-p`, `--port N` (or `--once`), its second cell
# console, speaker, both (console and speaker), ctl, or all (the three).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
bindir=${1:-$top/build/bin}
doc=${2:-$top/README.md}

for prog in intercom-console intercom-speaker intercom-ctl; do
	[ -x "$bindir/$prog" ] || { echo "check-options-doc: no $bindir/$prog: run make first" >&2; exit 2; }
done
[ -r "$doc" ] || { echo "check-options-doc: cannot read $doc" >&2; exit 2; }

# Options of one program's --help, one line each: "--name -x ARG program" ("-" for none).
help_options() {
	"$bindir/intercom-$1" --help | awk -v prog="$1" '
		/^Options:$/ { on = 1; next }
		# Read to the end (no exit): a program still writing its help would die of SIGPIPE,
		# which pipefail reports as a failure.
		on && /^$/ { on = 0; next }
		on && match($0, /^  (-[A-Za-z], |    )--[a-z][a-z-]*( [^ ]+)?/) {
			row = substr($0, 3, RLENGTH - 2)
			short = "-"
			if (row ~ /^-/) { short = substr(row, 1, 2); row = substr(row, 5) }
			sub(/^ +/, "", row)
			n = split(row, f, " ")
			print f[1], short, (n > 1 ? f[2] : "-"), prog
		}'
}

# The same from the document's table; "both" stands for a line per program.
doc_options() {
	awk '
		/^### Options/ { on = 1; next }
		on && /^#/ { exit }
		on && /^\| *`-/ {
			split($0, cell, "|")
			first = cell[2]; prog = cell[3]
			gsub(/`/, "", first); gsub(/ /, "", prog)
			long = first; sub(/^.*--/, "--", long); sub(/ +$/, "", long)
			n = split(long, f, " ")
			short = "-"
			if (match(first, /(^| )-[A-Za-z](,|$)/)) {
				short = substr(first, RSTART, RLENGTH); gsub(/[ ,]/, "", short)
			}
			arg = n > 1 ? f[2] : "-"
			if (prog == "all" || prog == "both" || prog == "console") print f[1], short, arg, "console"
			if (prog == "all" || prog == "both" || prog == "speaker") print f[1], short, arg, "speaker"
			if (prog == "all" || prog == "ctl") print f[1], short, arg, "ctl"
			if (prog != "all" && prog != "both" && prog != "console" && prog != "speaker" && prog != "ctl")
				print "bad-program-cell:" prog, short, arg, first
		}' "$doc"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ help_options console; help_options speaker; help_options ctl; } | sort >"$tmp/help"
doc_options | sort >"$tmp/doc.all"
sort -u "$tmp/doc.all" >"$tmp/doc"

if [ ! -s "$tmp/help" ]; then
	echo "check-options-doc: found no options in --help" >&2
	exit 2
fi
status=0
while read -r name short arg prog; do
	echo "$doc: missing: $name (short $short, value $arg) of intercom-$prog"
	status=1
done < <(comm -23 "$tmp/help" "$tmp/doc")
while read -r name short arg prog; do
	echo "$doc: not in intercom-$prog --help as written: $name (short $short, value $arg)"
	status=1
done < <(comm -13 "$tmp/help" "$tmp/doc")
dups=$(uniq -d "$tmp/doc.all")
if [ -n "$dups" ]; then
	echo "$doc: listed twice: $dups"
	status=1
fi
if [ "$status" -eq 0 ]; then
	echo "check-options-doc: $doc lists the options of --help:" \
		"$(grep -c ' console$' "$tmp/help") of intercom-console," \
		"$(grep -c ' speaker$' "$tmp/help") of intercom-speaker," \
		"$(grep -c ' ctl$' "$tmp/help") of intercom-ctl"
fi
exit "$status"
