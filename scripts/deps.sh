#!/usr/bin/env bash
# Installs the Debian packages intercom needs to build, run and test, if any are
# missing. Uses sudo when not root. Quiet when everything is there already.
set -eu

build_pkgs="build-essential pkg-config portaudio19-dev libsndfile1-dev libsamplerate0-dev libsodium-dev libncurses-dev"
# Test tools: unit tests, virtual audio rigs (ALSA file plugin, PulseAudio), speech, tmux.
test_pkgs="libcmocka-dev alsa-utils libasound2-plugins pulseaudio pulseaudio-utils espeak-ng sox tmux python3 clang libclang-rt-dev"

want="$build_pkgs"
case "${1:-}" in
	--test) want="$build_pkgs $test_pkgs" ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
		*"install ok installed"*) ;;
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
