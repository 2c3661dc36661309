# shellcheck shell=bash
# tests/lib/netns.sh — a two-host network rig: the console's side and the
# speakers' side in two network namespaces joined through a third one, a
# switch (a bridge), whose port towards the speakers is shaped by `tc tbf` to
# a LAN's rate (source it).
#
# Why: on loopback a page crosses in microseconds, so what the network costs
# (a 10 s page is 960 kB of PCM; 100 copies over 100 Mbit take ~8 s) never
# shows. This kernel has no netem; tbf (token bucket) limits the rate, which
# is what a page's fan-out is bound by.
#
# Like tests/lib/rig.sh: every function takes explicit paths, prints nothing
# on success (except where said), prints "rig: ..." on stderr and returns
# non-zero on failure (2 = bad usage); state lives in files under DIR.
#
# Functions
#   rig_netns_usable                  0 if this machine can make the rig; else prints why not (stdout)
#   rig_netns_start DIR               make it: namespaces, veths, bridge, addresses, links up, no shaping
#   rig_netns_shape DIR RATE          tbf at RATE (e.g. 100mbit) on the switch's port to the speakers;
#                                     "none" removes it
#   rig_netns_addr DIR c|s            print the console (c) or speakers (s) side's address
#   rig_netns_exec DIR c|s CMD...     exec CMD on that side: `(rig_netns_exec DIR s CMD) &`, $! is CMD's pid
#   rig_netns_xfer DIR FLOWS BYTES    raw TCP, console side -> speakers side, FLOWS connections of
#                                     BYTES each at once; prints "xfer BYTES SECONDS MBITPS" (stdout)
#   rig_netns_stop DIR                delete the namespaces (the veths and the bridge go with them)
#
# Layout. Namespaces icb<PID>c (console), icb<PID>n (the switch) and
# icb<PID>s (speakers), PID the caller's shell ($$), so runs side by side never
# meet; a start removes any icb<PID>[cns] left by a shell that no longer exists
# (a run killed with SIGKILL cannot clean up). Two veth pairs created straight
# into them (the root namespace never holds an end, so the names never clash):
# icbc0 (c) - icbn0 (n) and icbn1 (n) - icbs0 (s); in n, bridge icbbr joins
# icbn0 and icbn1. Addresses 10.213.0.1/24 (console) and 10.213.0.2/24
# (speakers): a private range, reachable only inside these namespaces, never
# routed anywhere else. `lo` is up on both sides. PulseAudio's unix socket is
# a file, so programs on either side still reach a rig-2/rig-3 daemon running
# in the root namespace.
#
# Shaping (rig_netns_shape): `tc qdisc replace dev icbn1 root tbf rate RATE
# burst B latency Q` in the switch, on its port towards the speakers (pages
# and the console's frames go that way; the speakers' replies are small and
# cross unshaped).
#   - Why in a switch, not on the console's own veth: a tbf queue on the
#     sending host pushes a full queue back into the sender's TCP as a local
#     drop, which TCP does not treat as loss: a socket with nothing in flight
#     waits on its probe timer, backing off. With 100 flows some lost that
#     race again and again: 20 of 100 transfers of 960 kB had not finished
#     after 60 s. Dropped in the switch, a packet is lost as on a wire, and TCP
#     recovers as on a LAN (SACK, fast retransmit).
#   - burst = 1 ms at RATE (12,500 bytes at 100 Mbit; never under 3,028
#     bytes, two full frames): the link may run ahead of its rate by 1 ms
#     and no more, so what a fan-out takes is set by the rate on any scale
#     the bench reads (tens of ms and up). tbf splits the veths' 64 kB GSO
#     packets into frames itself when they are larger than the burst.
#   - latency Q = the queue: RATE x Q; Q is RIG_NETNS_QUEUE_MS, 200 ms by
#     default (2.5 MB at 100 Mbit); what does not fit is dropped. 100 TCP
#     flows starting at once put ~1.4 MB of initial windows on the wire, and
#     a shallower queue turns that into drops whose recovery, not the link,
#     sets the time: 100 flows of 960 kB took 8.7-16.5 s with 20 ms (250 kB;
#     10 % of the packets dropped), 8.4-16.1 s with 100 ms (9 runs, 4 over
#     9.5 s), 9.1-9.2 s in all 7 runs with 200 ms. So 200 ms: the figure
#     says what the rate costs, the best case for whole pages (a switch with
#     less buffer per port only adds retransmission waits to them).
#   Checked on this machine (Linux 6.18, 2 shared cores): one TCP flow of
#   50 MB at 100mbit read 95.7 Mbit/s, the line rate less Ethernet+IP+TCP
#   headers (1448/1514 = 95.6 %); 100 x 960 kB would take 8.03 s at that
#   rate; unshaped, the veths move 3-14 Gbit/s.
#
# Needs: root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2 (`ip`, `tc`),
# the sch_tbf and veth modules, python3 (the transfer, tests/lib/netxfer.py).

RIG_NETNS_NET=10.213.0 # the /24 of the rig: .1 console, .2 speakers

# _rig_netns_names DIR — sets nothing; prints "CONSOLE_NS SWITCH_NS SPEAKERS_NS" of the rig in DIR.
_rig_netns_names() {
	cat "$1/netns.names" 2>/dev/null || {
		_rig_netns_err "no network rig in $1 (rig_netns_start first)"
		return 1
	}
}

_rig_netns_err() { printf 'rig: %s\n' "$*" >&2; }

# rig_netns_usable — 0 if namespaces, veth, a bridge and tbf can be made here; else
# prints one line saying why not (stdout) and returns 1. Makes and deletes a
# throw-away namespace pair to find out.
rig_netns_usable() {
	local ns="icb$$probe" why=""
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (network namespaces, tc), and this is uid $(id -u)"
		return 1
	fi
	if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
		echo "no ip/tc (apt-get install iproute2)"
		return 1
	fi
	if ! ip netns add "${ns}c" 2>/dev/null; then
		echo "cannot make a network namespace (ip netns add failed)"
		return 1
	fi
	if ! ip netns add "${ns}s" 2>/dev/null; then
		why="cannot make a second network namespace"
	elif ! ip link add icbc0 netns "${ns}c" type veth peer name icbs0 netns "${ns}s" 2>/dev/null; then
		why="cannot make a veth pair between two namespaces"
	elif ! ip -n "${ns}c" link add icbbr type bridge 2>/dev/null; then
		why="cannot make a bridge in a namespace"
	elif ! tc -n "${ns}c" qdisc add dev icbc0 root tbf rate 100mbit burst 12500 latency 20ms 2>/dev/null; then
		why="cannot add a tbf qdisc (sch_tbf missing?)"
	fi
	ip netns del "${ns}s" 2>/dev/null
	ip netns del "${ns}c" 2>/dev/null
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}

# rig_netns_start DIR — the three namespaces, joined, addressed, up, unshaped.
rig_netns_start() {
	if [ $# -ne 1 ]; then
		_rig_netns_err "usage: rig_netns_start DIR"
		return 2
	fi
	local dir=$1 c="icb$$c" n="icb$$n" s="icb$$s" old pid
	mkdir -p "$dir" || return 1
	# Left by a run that could not clean up (its shell is gone).
	for old in /run/netns/icb*[cns]; do
		[ -e "$old" ] || continue
		old=${old##*/}
		pid=${old#icb}
		pid=${pid%[cns]}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		[ "$pid" = $$ ] || kill -0 "$pid" 2>/dev/null || ip netns del "$old" 2>/dev/null || true
	done
	for old in "$c" "$n" "$s"; do ip netns del "$old" 2>/dev/null || true; done
	printf '%s %s %s\n' "$c" "$n" "$s" >"$dir/netns.names" || return 1
	if ! ip netns add "$c" || ! ip netns add "$n" || ! ip netns add "$s" ||
		! ip link add icbc0 netns "$c" type veth peer name icbn0 netns "$n" ||
		! ip link add icbn1 netns "$n" type veth peer name icbs0 netns "$s" ||
		! ip -n "$n" link add icbbr type bridge ||
		! ip -n "$n" link set icbn0 master icbbr || ! ip -n "$n" link set icbn1 master icbbr ||
		! ip -n "$c" addr add "$RIG_NETNS_NET.1/24" dev icbc0 ||
		! ip -n "$s" addr add "$RIG_NETNS_NET.2/24" dev icbs0 ||
		! ip -n "$c" link set lo up || ! ip -n "$s" link set lo up ||
		! ip -n "$n" link set icbbr up || ! ip -n "$n" link set icbn0 up || ! ip -n "$n" link set icbn1 up ||
		! ip -n "$c" link set icbc0 up || ! ip -n "$s" link set icbs0 up; then
		_rig_netns_err "rig_netns_start: cannot build the namespaces $c, $n and $s"
		rig_netns_stop "$dir"
		return 1
	fi
}

# rig_netns_shape DIR RATE — tbf at RATE (tc's units: 100mbit, 1gbit) on the
# switch's port to the speakers, burst 1 ms of RATE, queue RIG_NETNS_QUEUE_MS
# (200; see the header);
# RATE "none" removes the shaping.
rig_netns_shape() {
	if [ $# -ne 2 ]; then
		_rig_netns_err "usage: rig_netns_shape DIR RATE|none"
		return 2
	fi
	local dir=$1 rate=$2 names n bps burst
	names=$(_rig_netns_names "$dir") || return 1
	read -r _ n _ <<<"$names"
	if [ "$rate" = none ]; then
		tc -n "$n" qdisc del dev icbn1 root 2>/dev/null || true
		return 0
	fi
	case $rate in
	*gbit) bps=$((${rate%gbit} * 1000000000)) ;;
	*mbit) bps=$((${rate%mbit} * 1000000)) ;;
	*kbit) bps=$((${rate%kbit} * 1000)) ;;
	*)
		_rig_netns_err "rig_netns_shape: RATE as Nkbit, Nmbit or Ngbit, not '$rate'"
		return 2
		;;
	esac
	burst=$((bps / 8 / 1000))
	[ "$burst" -ge 3028 ] || burst=3028
	tc -n "$n" qdisc replace dev icbn1 root tbf rate "$rate" burst "$burst" latency "${RIG_NETNS_QUEUE_MS:-200}ms" || {
		_rig_netns_err "rig_netns_shape: tc tbf failed"
		return 1
	}
}

# rig_netns_addr DIR c|s — the console (c) or speakers (s) side's address.
rig_netns_addr() {
	case ${2:-} in
	c) printf '%s.1\n' "$RIG_NETNS_NET" ;;
	s) printf '%s.2\n' "$RIG_NETNS_NET" ;;
	*)
		_rig_netns_err "usage: rig_netns_addr DIR c|s"
		return 2
		;;
	esac
}

# rig_netns_exec DIR c|s CMD... — CMD in that side's network namespace (the
# rest is shared: files, unix sockets, pids). It EXECs (the calling shell
# becomes CMD): call it in a subshell, `(rig_netns_exec DIR s prog ...) &`,
# and $! is prog's own pid (`ip netns exec` execs too).
rig_netns_exec() {
	if [ $# -lt 3 ]; then
		_rig_netns_err "usage: rig_netns_exec DIR c|s CMD..."
		return 2
	fi
	local dir=$1 side=$2 names ns
	shift 2
	names=$(_rig_netns_names "$dir") || return 1
	case $side in
	c) ns=${names%% *} ;;
	s) ns=${names##* } ;;
	*)
		_rig_netns_err "rig_netns_exec: side c or s, not '$side'"
		return 2
		;;
	esac
	exec ip netns exec "$ns" "$@"
}

# rig_netns_xfer DIR FLOWS BYTES — FLOWS TCP connections at once from the
# console side to the speakers side, BYTES each; prints the receiver's
# "xfer BYTES SECONDS MBITPS" (first connection accepted to the last EOF).
rig_netns_xfer() {
	if [ $# -ne 3 ]; then
		_rig_netns_err "usage: rig_netns_xfer DIR FLOWS BYTES"
		return 2
	fi
	local dir=$1 flows=$2 bytes=$3 py out rpid i port=5001
	py="$(dirname "${BASH_SOURCE[0]}")/netxfer.py"
	out="$dir/xfer.$$.out"
	rm -f "$out"
	(rig_netns_exec "$dir" s python3 "$py" recv "$(rig_netns_addr "$dir" s)" "$port" "$flows" >"$out" 2>"$out.err") &
	rpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$out" 2>/dev/null && break
		sleep 0.05
	done
	if ! grep -q '^ready' "$out" 2>/dev/null; then
		_rig_netns_err "rig_netns_xfer: the receiver did not start: $(cat "$out.err" 2>/dev/null)"
		kill "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		return 1
	fi
	if ! (rig_netns_exec "$dir" c python3 "$py" send "$(rig_netns_addr "$dir" s)" "$port" "$flows" "$bytes") 2>"$out.err2"; then
		_rig_netns_err "rig_netns_xfer: sending failed: $(cat "$out.err2")"
		kill "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		return 1
	fi
	if ! wait "$rpid"; then
		_rig_netns_err "rig_netns_xfer: the receiver failed: $(cat "$out.err" 2>/dev/null)"
		return 1
	fi
	grep '^xfer ' "$out"
	rm -f "$out" "$out.err" "$out.err2"
}

# rig_netns_stop DIR — delete both namespaces (after the processes in them
# have been stopped: a namespace lives on, unnamed, while a process is in it).
rig_netns_stop() {
	if [ $# -ne 1 ]; then
		_rig_netns_err "usage: rig_netns_stop DIR"
		return 2
	fi
	local names ns
	names=$(cat "$1/netns.names" 2>/dev/null) || return 0
	for ns in $names; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f "$1/netns.names"
}
