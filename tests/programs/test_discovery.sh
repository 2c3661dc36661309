#!/usr/bin/env bash
# Discovery over mDNS (docs: README "Finding the console (mDNS)"), on a private
# D-Bus system bus and avahi-daemon inside a network namespace of the test's
# own (tests/lib/mdns.sh), so nothing is announced on the host's network:
# the console is seen by avahi-browse with the right TXT record; a speaker
# given no address finds it and plays a page, pinning it as mdns:NAME; with
# two consoles a speaker without --console-name stops (exit 7) naming both,
# and --console-name chooses; a second console of the same name is
# advertised as "NAME #2"; the console restarted on another port is followed;
# the daemon restarted is survived by both; without a daemon the console
# still serves (one note) and a speaker with no address says to give one
# (exit 7).
source "$(dirname "$0")/../lib/mdns.sh"
if [ -z "${INTERCOM_MDNS_NETNS:-}" ]; then
	if ! why=$(mdns_usable); then
		echo "# SKIP: $why"
		exit 77
	fi
	mdns_enter_netns "$@"
fi
source "$(dirname "$0")/harness.sh"

mdns_start "$T/mdns" || fail "the private bus and avahi-daemon did not start"
PIDS+=("$MDNS_DBUS_PID")

sox -n -r 48000 -c 1 -b 16 "$T/tone.wav" synth 1 sine 440 vol 0.5
port=$(rig_free_port)

# speaker NAME ARGS... — a speaker with an ALSA file device and no console address unless ARGS give one.
speaker() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	rig_alsa_file "$T/$name" /dev/zero "$T/$name/out.raw"
	run_bg "$T/$name" "$T/$name.log" "$INTERCOM_BIN/intercom-speaker" --headless --name "$name" "$@"
}

note "the console advertises itself, with its TXT record"
start_console "$T/console" "$port" --name "Front desk" -d 1
wait_log "$T/console.log" "mDNS: advertised as \"Front desk\" \(_intercom._tcp port $port\)" 10
fp=$(sed -n 's/.*this console.s key: \([0-9a-f ]*\) (.*/\1/p' "$T/console.log" | tr -d ' ')
[ ${#fp} -eq 32 ] || fail "no fingerprint in the console's log"
avahi-browse -rpt _intercom._tcp >"$T/browse.txt" 2>&1 || true
grep -F "=;lo;IPv4;Front\\032desk;_intercom._tcp;local;" "$T/browse.txt" >"$T/entry.txt" ||
	fail "avahi-browse does not see the console: $(cat "$T/browse.txt")"
for want in ";127.0.0.1;$port;" '"txtvers=1"' '"proto=2"' '"psk=no"' "\"fp=$fp\"" '"vers='; do
	grep -qF -- "$want" "$T/entry.txt" || fail "the console's entry lacks $want: $(cat "$T/entry.txt")"
done
grep -qi "key=\|secret" "$T/entry.txt" && fail "a secret in the TXT record: $(cat "$T/entry.txt")"

note "--no-advertise: not seen, nothing said about mDNS"
mkdir -p "$T/c0"
run_bg "$T/c0" "$T/c0.log" "$INTERCOM_BIN/intercom-console" --headless --control-socket off -H 127.0.0.1 -p "$(rig_free_port)" \
	--name "Hidden" --no-advertise
c0=$LAST_PID
wait_log "$T/c0.log" "listening on" 10
sleep 1.5
avahi-browse -rpt _intercom._tcp 2>&1 | grep -q "Hidden" && fail "a console with --no-advertise is advertised"
grep -q "mDNS" "$T/c0.log" && fail "a console with --no-advertise talks of mDNS: $(cat "$T/c0.log")"
kill -TERM "$c0"
wait "$c0" || true

note "a speaker with no address finds it and plays a page"
speaker s1
s1=$LAST_PID
wait_log "$T/s1.log" "mDNS: found console \"Front desk\" at 127.0.0.1 port $port \(says key ${fp:0:8}\)" 10
wait_log "$T/s1.log" "mDNS: using console \"Front desk\" at 127.0.0.1:$port" 10
wait_log "$T/console.log" "speaker s1 .*joined" 10
wait_log "$T/s1.log" "first contact, its key .* is pinned" 5
grep -q "mdns:Front desk" "$T/s1/state/intercom/known-consoles" || fail "not pinned as mdns:Front desk"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20

note "two consoles: no name, the speaker stops naming both; --console-name chooses"
port2=$(rig_free_port)
mkdir -p "$T/c2"
run_bg "$T/c2" "$T/c2.log" "$INTERCOM_BIN/intercom-console" --headless --control-socket off -H 127.0.0.1 -p "$port2" --admit all \
	--name "Back office"
c2=$LAST_PID
wait_log "$T/c2.log" "mDNS: advertised as \"Back office\"" 10
speaker s2
s2=$LAST_PID
rc=0
for _ in $(seq 100); do kill -0 "$s2" 2>/dev/null || break; sleep 0.1; done
wait "$s2" || rc=$?
[ "$rc" -eq 7 ] || fail "a speaker with two consoles to choose from exited $rc, not 7"
grep -E "several consoles found over mDNS \((Front desk, Back office|Back office, Front desk)\): choose one with --console-name NAME" \
	"$T/s2.log" >/dev/null || fail "no line naming both consoles: $(tail -3 "$T/s2.log")"
speaker s3 --console-name "back OFFICE"
s3=$LAST_PID
wait_log "$T/s3.log" "mDNS: using console \"Back office\" at 127.0.0.1:$port2" 10
wait_log "$T/c2.log" "speaker s3 .*joined" 10
grep -q "speaker s3" "$T/console.log" && fail "s3 joined Front desk, not the console it named"

note "a second console of the same name is advertised under Avahi's alternative"
port4=$(rig_free_port)
mkdir -p "$T/c4"
run_bg "$T/c4" "$T/c4.log" "$INTERCOM_BIN/intercom-console" --headless --control-socket off -H 127.0.0.1 -p "$port4" --admit all \
	--name "Back office"
c4=$LAST_PID
wait_log "$T/c4.log" "the name \"Back office\" is taken on this network; advertising as \"Back office #2\"" 10
wait_log "$T/c4.log" "mDNS: advertised as \"Back office #2\"" 10
note "both stop cleanly (under ASan: nothing of Avahi's left unfreed)"
kill -TERM "$c4" "$c2" "$s3"
for pid in "$c4" "$c2" "$s3"; do
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "a console or speaker using mDNS exited $rc on SIGTERM"
done

note "the console restarted on another port: the speaker follows it"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
port3=$(rig_free_port)
start_console "$T/console" "$port3" --name "Front desk" -d 1
wait_log "$T/s1.log" "mDNS: following console \"Front desk\" at 127.0.0.1:$port3" 15
wait_log "$T/console.log" "speaker s1 .*joined" 15
# Page numbers go on across the restart (the state in its HOME): this is page 2.
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 20
kill -0 "$s1" || fail "s1 is gone"

note "avahi-daemon restarted: the console advertises again, the speaker browses again"
mdns_avahi_stop
wait_log "$T/console.log" "mDNS: lost avahi-daemon" 10
wait_log "$T/s1.log" "mDNS: lost avahi-daemon" 10
mdns_avahi_start "$T/mdns" || fail "avahi-daemon did not start again"
wait_count "$T/console.log" "mDNS: advertised as \"Front desk\"" 2 15
wait_log "$T/s1.log" "mDNS: avahi-daemon is back: looking for consoles again" 15
avahi-browse -rpt _intercom._tcp 2>&1 | grep -qF ";$port3;" || fail "not advertised again after the restart"
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20

note "without avahi-daemon: the console serves (one note), a speaker with no address exits 7"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
mdns_stop
port5=$(rig_free_port)
start_console "$T/console" "$port5" --name "Front desk"
[ "$(count_log "$T/console.log" "not advertised over mDNS: cannot reach avahi-daemon")" -eq 1 ] ||
	fail "no one note about the missing daemon: $(cat "$T/console.log")"
speaker s5
s5=$LAST_PID
rc=0
wait "$s5" || rc=$?
[ "$rc" -eq 7 ] || fail "a speaker with no address and no avahi-daemon exited $rc, not 7"
grep -q "no console address given, and no avahi-daemon to find one over mDNS (.*): give the console's address, e.g. intercom-speaker 10.0.0.5" \
	"$T/s5.log" || fail "no line saying what to do: $(cat "$T/s5.log")"
alsa_speaker s6 "$port5"
wait_log "$T/console.log" "speaker s6 .*joined" 10
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
