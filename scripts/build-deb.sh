#!/usr/bin/env bash
# Builds the Debian packages (intercom-console, intercom-speaker) from a copy of
# this tree in a temp dir, so dpkg-buildpackage's ../*.deb and debian/tmp never
# touch the tree; checks them with lintian (each tag left is overridden with
# its reason in debian/*.lintian-overrides); unpacks them into a throwaway root
# and runs each program's --version from there, and checks that the pages,
# units, completion and configs are in. The packages end up in build/deb/.
# Runs with no stdin as root on a fresh Debian machine: scripts/deps.sh --test
# installs the tools. Exit 0 when all is well, 1 otherwise.
#
#   scripts/build-deb.sh
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh --test </dev/null
version=$(sed -n '1s/^intercom (\([^)]*\)).*/\1/p' debian/changelog)
[ -n "$version" ] || { echo "build-deb: no version in debian/changelog" >&2; exit 1; }

tmp=$(mktemp -d /tmp/intercom-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/intercom-$version
mkdir "$src"
# The tree as git sees it (tracked and new files, not build/ or .config); without
# git (an unpacked tarball), everything but build/ and .config.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp -P --parents -t "$src"
else
	tar -C "$top" --exclude=./build --exclude=./.config -cf - . | tar -C "$src" -xf -
fi
# intercom-ctl and a tree built elsewhere are not copied: the package builds its own.
echo "build-deb: building intercom $version in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b </dev/null >"$tmp/build.log" 2>&1) || {
	tail -40 "$tmp/build.log"
	echo "build-deb: dpkg-buildpackage failed (the log's end above)"
	exit 1
}
changes=$(ls "$tmp"/intercom_"$version"_*.changes)

# lintian: every tag of warning level or above fails (overrides say why for the rest).
if ! lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$changes" >"$tmp/lintian.log" 2>&1; then
	cat "$tmp/lintian.log"
	echo "build-deb: lintian is not clean"
	exit 1
fi
sed 's/^/  lintian: /' "$tmp/lintian.log"

root=$tmp/root
mkdir "$root"
status=0
for deb in "$tmp"/*.deb; do
	dpkg-deb -x "$deb" "$root"
	dpkg-deb -c "$deb" | awk '{print $NF}' >"$tmp/$(basename "$deb").list"
done
for prog in intercom-console intercom-speaker $( [ -e "$root/usr/bin/intercom-ctl" ] && echo intercom-ctl); do
	if out=$("$root/usr/bin/$prog" --version </dev/null 2>&1); then
		echo "build-deb: $prog from the package: $out"
	else
		echo "build-deb: $prog --version failed from the package: $out"
		status=1
	fi
	for file in usr/share/man/man1/$prog.1.gz usr/share/bash-completion/completions/$prog; do
		[ -e "$root/$file" ] || { echo "build-deb: $file is not in the packages"; status=1; }
	done
done
for file in usr/share/man/man7/intercom.7.gz usr/lib/systemd/system/intercom-console.service \
	"usr/lib/systemd/system/intercom-speaker@.service" etc/intercom/console.conf \
	etc/intercom/speaker.conf usr/share/intercom/test-tone.wav usr/share/intercom/chime.wav \
	usr/lib/sysusers.d/intercom-console.conf usr/lib/sysusers.d/intercom-speaker.conf; do
	[ -e "$root/$file" ] || { echo "build-deb: $file is not in the packages"; status=1; }
done
# The configs are conffiles: an administrator's edits survive upgrades.
for pkg in console speaker; do
	dpkg-deb -e "$tmp"/intercom-"${pkg}"_"$version"_*.deb "$tmp/ctrl-$pkg"
	grep -qx "/etc/intercom/$pkg.conf" "$tmp/ctrl-$pkg/conffiles" ||
		{ echo "build-deb: /etc/intercom/$pkg.conf is not a conffile of intercom-$pkg"; status=1; }
done

mkdir -p build/deb
cp "$tmp"/*.deb build/deb/
[ "$status" -eq 0 ] && echo "build-deb: $(cd build/deb && ls ./*_"$version"_*.deb | tr '\n' ' ')in build/deb: lintian-clean, run from a throwaway root"
exit "$status"
