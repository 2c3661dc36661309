#!/usr/bin/env bash
# Checks the manual pages under man/: each lints clean (mandoc -Tlint), and
# the OPTIONS section of each program's page lists exactly the options its
# --help prints from the option table (src/common/options.c), each with its
# short form and the name of its value. A program not built yet (intercom-ctl
# on a branch without it) is said and skipped; its page is still linted.
# Prints each difference and exits 1 if there is one, 2 if it cannot run.
#
#   scripts/check-man.sh [BINDIR [MANDIR]]     (default: build/bin man)
#
# In a page an option is a .TP tag line such as
#   \fB\-p\fR, \fB\-\-port\fR \fIN\fR      or      \fB\-\-once\fR
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
bindir=${1:-$top/build/bin}
mandir=${2:-$top/man}

command -v mandoc >/dev/null || { echo "check-man: mandoc is missing: run scripts/deps.sh --test" >&2; exit 2; }

status=0
pages=("$mandir"/*.[1-8])
[ -e "${pages[0]}" ] || { echo "check-man: no pages in $mandir" >&2; exit 2; }
for page in "${pages[@]}"; do
	# -W style: every remark mandoc has, style included, fails the check.
	if ! out=$(mandoc -Tlint -W style "$page" 2>&1) || [ -n "$out" ]; then
		echo "$out"
		echo "check-man: $page: mandoc -Tlint is not clean"
		status=1
	fi
done

# Options of a program's --help, one line each: "--name -x ARG" ("-" for none).
help_options() {
	"$1" --help | awk '
		/^Options:$/ { on = 1; seen = 1; next }
		# Read to the end (no exit): a program still writing its help would die of SIGPIPE.
		on && /^$/ { on = 0; next }
		# An option starts within the first 8 columns; deeper lines continue a help text.
		on && match($0, /[^ ]/) <= 8 && match($0, /^  +(-[A-Za-z], +)?--[a-z][a-z-]*( [^ ]+)?/) {
			row = substr($0, RSTART, RLENGTH)
			sub(/^ +/, "", row)
			short = "-"
			if (row ~ /^-[A-Za-z],/) { short = substr(row, 1, 2); row = substr(row, 4); sub(/^ +/, "", row) }
			n = split(row, f, " ")
			print f[1], short, (n > 1 ? f[2] : "-")
		}
		END { if (!seen) print "no-options-heading - -" }'
}

# The same from a page's OPTIONS section: the line after each .TP.
page_options() {
	awk '
		/^\.SH / { on = ($2 == "OPTIONS"); next }
		on && /^\.TP/ { tag = 1; next }
		on && tag {
			tag = 0
			line = $0
			gsub(/\\-/, "-", line)
			gsub(/\\f[BIRP]/, "", line)
			short = "-"
			if (match(line, /^-[A-Za-z], /)) { short = substr(line, 1, 2); line = substr(line, 5) }
			n = split(line, f, " ")
			if (f[1] !~ /^--[a-z]/) { print "not-an-option:" line, "-", "-"; next }
			print f[1], short, (n > 1 ? f[2] : "-")
		}' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checked=""
for prog in intercom-console intercom-speaker intercom-ctl; do
	page="$mandir/$prog.1"
	[ -r "$page" ] || { echo "check-man: no page $page"; status=1; continue; }
	if [ ! -x "$bindir/$prog" ]; then
		echo "check-man: $prog is not built here: its page's options are not checked"
		continue
	fi
	help_options "$bindir/$prog" | sort >"$tmp/help"
	page_options "$page" | sort >"$tmp/page.all"
	sort -u "$tmp/page.all" >"$tmp/page"
	while read -r name short arg; do
		echo "$page: missing: $name (short $short, value $arg) of $prog --help"
		status=1
	done < <(comm -23 "$tmp/help" "$tmp/page")
	while read -r name short arg; do
		echo "$page: not in $prog --help as written: $name (short $short, value $arg)"
		status=1
	done < <(comm -13 "$tmp/help" "$tmp/page")
	dups=$(uniq -d "$tmp/page.all")
	[ -z "$dups" ] || { echo "$page: listed twice: $dups"; status=1; }
	checked="$checked $prog ($(wc -l <"$tmp/help") options)"
done
[ "$status" -eq 0 ] && echo "check-man: ${#pages[@]} pages lint clean; options match --help for:$checked"
exit "$status"
