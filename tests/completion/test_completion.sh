#!/usr/bin/env bash
# Tests contrib/bash-completion/intercom by calling its functions as bash
# would (COMP_WORDS, COMP_CWORD) on the built programs: options from --help,
# values of options, and intercom-ctl's commands, and its zone and speaker
# names from a console's status (a stand-in program answering status --json,
# and quietly none when nothing answers). Exit 0 passed, 1 failed.
#
#   tests/completion/test_completion.sh [BINDIR]     (default: build/bin)
set -uo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/../.." && pwd)
bindir=$(cd "${1:-$top/build/bin}" && pwd)
# shellcheck source=../../contrib/bash-completion/intercom
source "$top/contrib/bash-completion/intercom"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# complete FUNCTION WORD... — completes the last word; the candidates, one a line, in $tmp/out.
complete_words()
{
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	"$fn" 2>"$tmp/err"
	printf '%s\n' "${COMPREPLY[@]}" | sort >"$tmp/out"
	if [ -s "$tmp/err" ]; then
		echo "FAIL: '$*' wrote to stderr: $(head -1 "$tmp/err")"
		failed=1
	fi
}

# expect DESCRIPTION WORD... — each WORD is among the candidates.
expect()
{
	local what=$1 w
	shift
	for w in "$@"; do
		if ! grep -qx -- "$w" "$tmp/out"; then
			echo "FAIL: $what: '$w' not offered (got: $(tr '\n' ' ' <"$tmp/out"))"
			failed=1
		fi
	done
}

# expect_only DESCRIPTION WORD... — the candidates are exactly these.
expect_only()
{
	local what=$1
	shift
	if [ "$(printf '%s\n' "$@" | sed '/^$/d' | sort)" != "$(sed '/^$/d' "$tmp/out")" ]; then
		echo "FAIL: $what: expected '$*', got '$(tr '\n' ' ' <"$tmp/out")'"
		failed=1
	fi
}

console=$bindir/intercom-console
speaker=$bindir/intercom-speaker

complete_words _intercom "$console" --he
expect_only "console --he" --headless --hello-timeout --help
complete_words _intercom "$console" -
expect "console -" -H -p -d --port --print-config --config --key-file --version
if grep -qx -- --console-name "$tmp/out"; then echo "FAIL: console offered the speaker's --console-name"; failed=1; fi
complete_words _intercom "$speaker" --zo
expect_only "speaker --zo" --zone
# Every option of --help is offered, and nothing else.
"$speaker" --help | grep -Eo '^ {2,6}(-[A-Za-z], )?--[a-z-]+' | grep -Eo -- '-[A-Za-z]|--[a-z-]+' | sort >"$tmp/want"
complete_words _intercom "$speaker" -
if ! diff -u "$tmp/want" "$tmp/out" >"$tmp/diff"; then
	echo "FAIL: speaker's options differ from --help:"; cat "$tmp/diff"; failed=1
fi
complete_words _intercom "$console" --codec ""
expect_only "console --codec" opus pcm wav
complete_words _intercom "$console" --admit k
expect_only "console --admit k" key
touch "$tmp/hall.conf" "$tmp/yard.conf"
complete_words _intercom "$console" --config "$tmp/ha"
expect_only "console --config FILE" "$tmp/hall.conf"
complete_words _intercom "$console" --port ""
expect_only "console --port (a number)"

# intercom-ctl: the built one if there is one, else a stand-in with its
# --help shape; the names come from a stand-in console answering status --json.
ctl=$tmp/intercom-ctl
cat >"$ctl" <<'CTL'
#!/bin/sh
case "$*" in
*--help*) printf 'Usage: intercom-ctl [OPTION]... COMMAND [ARG]...\n\nOptions:\n      --socket PATH  the console'"'"'s control socket\n      --timeout SECONDS  give up after SECONDS\n      --help         show this help\n      --version      show the version\n\n' ;;
*"--socket /nowhere"*) echo "intercom-ctl: cannot connect to /nowhere" >&2; exit 3 ;;
*"status --json"*) echo '{"console":"studio","speakers":[{"id":1,"name":"lobby-1","zone":"ground"},{"id":2,"name":"stage","zone":"hall"},{"id":3,"name":"yard","zone":"hall"}]}' ;;
esac
CTL
chmod +x "$ctl"
complete_words _intercom_ctl "$ctl" s
expect_only "ctl s" send status stop
complete_words _intercom_ctl "$ctl" --
expect_only "ctl --" --socket --timeout --help --version
complete_words _intercom_ctl "$ctl" send --zone ""
expect_only "ctl send --zone" ground hall
complete_words _intercom_ctl "$ctl" talk 5 --speaker st
expect_only "ctl talk --speaker st" stage
complete_words _intercom_ctl "$ctl" target zone h
expect_only "ctl target zone h" hall
complete_words _intercom_ctl "$ctl" send --pri
expect_only "ctl send --pri" --priority
complete_words _intercom_ctl "$ctl" send --priority e
expect_only "ctl send --priority e" emergency
# No console answering: no names, and nothing on the terminal.
complete_words _intercom_ctl "$ctl" --socket /nowhere send --zone ""
expect_only "ctl with no console"

if [ -x "$bindir/intercom-ctl" ]; then
	complete_words _intercom_ctl "$bindir/intercom-ctl" --
	expect "the built intercom-ctl --" --socket --timeout --help --version
	complete_words _intercom_ctl "$bindir/intercom-ctl" --socket "$tmp/no.sock" send --zone ""
	expect_only "the built intercom-ctl with no console"
fi

if [ "$failed" -eq 0 ]; then
	echo "test_completion: options, values, commands and names complete as --help and status say"
fi
exit "$failed"
