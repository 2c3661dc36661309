#!/usr/bin/env bash
# Installs the Debian packages intercom needs to build, run and test, if any are
# missing. Uses sudo when not root. Quiet when everything is there already.
#
# When everything is there it runs no package tool at all (make check calls it
# every time): each package is looked for by what it provides (a command, a
# pkg-config module, a file). Only if one is not found does it ask dpkg which
# packages really are missing, and apt-get installs those.
#   scripts/deps.sh          build packages
#   scripts/deps.sh --test   also the test tools
set -eu

build_pkgs="build-essential pkg-config portaudio19-dev libsndfile1-dev libsamplerate0-dev libsodium-dev libncurses-dev libopus-dev libavahi-client-dev libspandsp-dev"
# Test tools: unit tests, virtual audio rigs (ALSA file plugin, PulseAudio), speech, tmux;
# the skew rig's analysis (numpy) and the bench's fast clock (faketime); a private mDNS
# rig (tests/lib/mdns.sh: a D-Bus system bus and avahi-daemon in a network namespace).
test_pkgs="libcmocka-dev alsa-utils libasound2-plugins pulseaudio pulseaudio-utils espeak-ng sox tmux python3 python3-numpy faketime clang libclang-rt-dev avahi-daemon avahi-utils dbus iproute2"
# The manual pages' lint (mandoc) and the Debian packages CI builds (scripts/build-deb.sh).
test_pkgs="$test_pkgs mandoc debhelper dpkg-dev fakeroot lintian"
# RTP receivers and senders no one here wrote (GStreamer, ffmpeg, baresip).
test_pkgs="$test_pkgs gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav ffmpeg baresip"

want="$build_pkgs"
case "${1:-}" in
	--test) want="$build_pkgs $test_pkgs" ;;
esac

have_cmds() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || return 1; done
}
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$@" 2>/dev/null; }
have_glob() {
	local f
	for f in $1; do [ -e "$f" ] && return 0; done
	return 1
}

# present PACKAGE — what PACKAGE provides is here (no package tool asked).
present() {
	case "$1" in
		build-essential) have_cmds cc gcc make && [ -e /usr/include/stdio.h ] ;;
		pkg-config) have_cmds pkg-config ;;
		portaudio19-dev) have_pc portaudio-2.0 ;;
		libsndfile1-dev) have_pc sndfile ;;
		libsamplerate0-dev) have_pc samplerate ;;
		libsodium-dev) have_pc libsodium ;;
		libncurses-dev) have_pc ncursesw ;;
		libopus-dev) have_pc opus ;;
		libavahi-client-dev) have_pc avahi-client ;;
		libspandsp-dev) have_pc spandsp ;;
		libcmocka-dev) have_pc cmocka ;;
		alsa-utils) have_cmds aplay ;;
		libasound2-plugins) have_glob '/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so' ;;
		pulseaudio) have_cmds pulseaudio ;;
		pulseaudio-utils) have_cmds pactl paplay parec parecord ;;
		espeak-ng) have_cmds espeak-ng ;;
		sox) have_cmds sox soxi ;;
		tmux) have_cmds tmux ;;
		python3) have_cmds python3 ;;
		# Debian's python3 (a pyenv or venv python3 on PATH may lack it: tests/lib/rig.sh rig_skew_python).
		python3-numpy) have_glob '/usr/lib/python3/dist-packages/numpy/__init__.py' ;;
		faketime) have_cmds faketime && have_glob '/usr/lib/*/faketime/libfaketime.so.1' ;;
		clang) have_cmds clang ;;
		mandoc) have_cmds mandoc ;;
		debhelper) have_cmds dh dh_installsystemd dh_installsysusers ;;
		dpkg-dev) have_cmds dpkg-buildpackage dpkg-deb ;;
		fakeroot) have_cmds fakeroot ;;
		lintian) have_cmds lintian ;;
		# Daemons live in sbin, which a user's PATH may lack.
		avahi-daemon) have_cmds avahi-daemon || have_glob /usr/sbin/avahi-daemon ;;
		avahi-utils) have_cmds avahi-browse avahi-publish ;;
		dbus) have_cmds dbus-daemon ;;
		iproute2) have_cmds ip || have_glob '/usr/sbin/ip /sbin/ip' ;;
		# libFuzzer's runtime, beside the compiler-rt builtins clang names.
		libclang-rt-dev)
			have_cmds clang || return 1
			local rt
			rt=$(clang -print-libgcc-file-name --rtlib=compiler-rt 2>/dev/null) || return 1
			[ -e "${rt/builtins/fuzzer}" ]
			;;
		gstreamer1.0-tools) have_cmds gst-launch-1.0 gst-inspect-1.0 ;;
		# Their plugins, by the files that hold the elements the RTP tests use.
		gstreamer1.0-plugins-base) have_glob '/usr/lib/*/gstreamer-1.0/libgstopus.so' ;;
		gstreamer1.0-plugins-good) have_glob '/usr/lib/*/gstreamer-1.0/libgstrtp.so' &&
			have_glob '/usr/lib/*/gstreamer-1.0/libgstrtpmanager.so' ;;
		gstreamer1.0-libav) have_glob '/usr/lib/*/gstreamer-1.0/libgstlibav.so' ;;
		ffmpeg) have_cmds ffmpeg ;;
		baresip) have_cmds baresip ;;
		*) return 1 ;;
	esac
}

unseen=""
for p in $want; do
	present "$p" || unseen="$unseen $p"
done
[ -z "$unseen" ] && exit 0

# Something was not found: dpkg says which of those are really not installed.
missing=""
for p in $unseen; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
		*"install ok installed"*) echo "intercom: $p is installed but what it provides was not found; not reinstalling" >&2 ;;
		*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "intercom: installing missing Debian packages:$missing"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "intercom: need root (or sudo) to install:$missing" >&2
		exit 1
	fi
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
