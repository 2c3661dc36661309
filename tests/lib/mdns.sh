# shellcheck shell=bash
# tests/lib/mdns.sh — a private mDNS rig: a D-Bus system bus and an
# avahi-daemon of the test's own, inside a network namespace of its own, so
# nothing is announced on the host's network and nothing of the host's
# (its avahi-daemon, its bus) is seen (source it).
#
# Why a namespace: avahi-daemon sends multicast on every interface it may
# use; in a fresh network namespace there is only `lo` (given MULTICAST
# here), so announcements go nowhere else. It is made with `unshare --net
# --mount` rather than `ip netns add`: a namespace without a name needs no
# clean-up (it goes with the test's last process, even after a SIGKILL) and
# two tests side by side never meet. The mount namespace lets the test put a
# tmpfs over /run/avahi-daemon, where the daemon keeps its pid file and
# socket, so a host's own avahi-daemon is neither seen nor disturbed.
#
# What avahi honours (checked in libdbus and avahi 0.8): avahi-daemon and
# avahi-client both reach the system bus through dbus_bus_get(DBUS_BUS_SYSTEM),
# which takes DBUS_SYSTEM_BUS_ADDRESS; avahi-daemon reads its configuration
# from -f FILE; --no-drop-root --no-chroot run it as the test's user in place.
#
# Functions
#   mdns_usable              0 if the rig can be made here; else prints why not (stdout)
#   mdns_enter_netns ARGS... re-runs the calling test inside a new network and mount namespace
#                            (once: INTERCOM_MDNS_NETNS is set inside); returns only inside
#   mdns_start DIR           bus and daemon, their files in DIR; exports DBUS_SYSTEM_BUS_ADDRESS;
#                            sets MDNS_DBUS_PID and MDNS_AVAHI_PID
#   mdns_avahi_start DIR     (again) only the daemon, e.g. after mdns_avahi_stop
#   mdns_avahi_stop          stops the daemon (its services are withdrawn)
#   mdns_stop                stops both

# The daemons and ip live in sbin, which a user's PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"

mdns_usable() {
	local c
	for c in unshare ip dbus-daemon avahi-daemon avahi-browse mount; do
		command -v "$c" >/dev/null 2>&1 || { echo "no $c (scripts/deps.sh --test installs it)"; return 1; }
	done
	local why
	if ! why=$(unshare --net --mount sh -c 'ip link set lo up && mount -t tmpfs tmpfs /mnt' 2>&1); then
		echo "cannot make a network and mount namespace here (unshare --net --mount: ${why:-refused}; needs root or user namespaces)"
		return 1
	fi
	return 0
}

mdns_enter_netns() {
	[ -n "${INTERCOM_MDNS_NETNS:-}" ] && return 0
	INTERCOM_MDNS_NETNS=1 exec unshare --net --mount bash "$0" "$@"
}

mdns_avahi_start() {
	local dir=$1
	avahi-daemon -f "$dir/avahi-daemon.conf" --no-drop-root --no-chroot --no-rlimits --no-proc-title \
		>>"$dir/avahi.log" 2>&1 &
	MDNS_AVAHI_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "Server startup complete" "$dir/avahi.log" 2>/dev/null && return 0
		kill -0 "$MDNS_AVAHI_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "rig: avahi-daemon did not start: $(tail -3 "$dir/avahi.log")" >&2
	return 1
}

mdns_avahi_stop() {
	[ -n "${MDNS_AVAHI_PID:-}" ] || return 0
	kill -TERM "$MDNS_AVAHI_PID" 2>/dev/null || true
	wait "$MDNS_AVAHI_PID" 2>/dev/null || true
	MDNS_AVAHI_PID=""
}

mdns_start() {
	local dir=$1
	[ -n "${INTERCOM_MDNS_NETNS:-}" ] || { echo "rig: mdns_start outside mdns_enter_netns" >&2; return 2; }
	mkdir -p "$dir"
	ip link set lo up
	ip link set lo multicast on
	mkdir -p /run/avahi-daemon
	mount -t tmpfs -o mode=755 tmpfs /run/avahi-daemon
	cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
	cat >"$dir/avahi-daemon.conf" <<EOF
[server]
host-name=intercom-test
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[rlimits]
EOF
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile >"$dir/dbus.log" 2>&1 &
	MDNS_DBUS_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$dir/bus.sock" ] && break
		sleep 0.05
	done
	[ -S "$dir/bus.sock" ] || { echo "rig: dbus-daemon did not start: $(tail -3 "$dir/dbus.log")" >&2; return 1; }
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/bus.sock"
	mdns_avahi_start "$dir"
}

mdns_stop() {
	mdns_avahi_stop
	[ -n "${MDNS_DBUS_PID:-}" ] && { kill -TERM "$MDNS_DBUS_PID" 2>/dev/null || true; wait "$MDNS_DBUS_PID" 2>/dev/null || true; }
	MDNS_DBUS_PID=""
}
