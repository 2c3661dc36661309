#!/usr/bin/env bash
# The console's name takes long to look up (a DNS server that never answers):
# the speaker's screen keeps running — it shows that it is connecting, the help
# overlay opens, q quits at once — and a headless speaker stops at once on
# SIGTERM. A lookup never holds up the speaker's loop.
source "$(dirname "$0")/harness.sh"
source "$(dirname "$0")/screen.sh"

# The lookup goes to a private resolv.conf, bind-mounted in a mount namespace
# of the speaker's own, naming a server on 127.0.0.N that swallows queries (an
# N whose port 53 is free, at random: tests run side by side).
if ! unshare -m true 2>/dev/null; then
	skip "this machine gives no mount namespace (unshare -m), which the test needs"
fi
python3 - "$T/queries" >"$T/dns.log" 2>&1 <<'PY' &
import os, random, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hosts = list(range(2, 255))
random.shuffle(hosts)
for n in hosts:
    try:
        s.bind(("127.0.0.%d" % n, 53))
        break
    except OSError:
        continue
else:
    sys.exit("no free 127.0.0.N:53")
print("listening on", s.getsockname()[0], flush=True)
n = 0
while True:
    s.recvfrom(512)
    n += 1
    with open(sys.argv[1] + ".new", "w") as f:
        f.write("%d\n" % n)
    os.rename(sys.argv[1] + ".new", sys.argv[1])
PY
PIDS+=($!)
wait_log "$T/dns.log" "listening on" 5
dns=$(sed -n 's/^listening on //p' "$T/dns.log")
printf 'nameserver %s\noptions timeout:30 attempts:1\n' "$dns" >"$T/resolv.conf"
in_slow_dns() { exec unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$T/resolv.conf" "$@"; }
name=console.intercom-test.example

note "the screen stays live while the name is looked up"
SCREEN_PANE=spk
mkdir -p "$T/spk"
rig_alsa_file "$T/spk" /dev/zero "$T/spk/out.raw"
tm -f /dev/null new-session -d -x 100 -y 30 -s spk \
	"env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER HOME='$T/spk' \
	 LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5
tm send-keys -t spk "$(declare -f in_slow_dns); T='$T'; (in_slow_dns '$INTERCOM_BIN/intercom-speaker' --name lobby-1 $name:2348) 2>'$T/speaker.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen "link +connecting to $name:2348" 10
wait_log "$T/queries" "[1-9]" 5
tm send-keys -t spk '?'
wait_screen 'replay the last page here' 3
tm send-keys -t spk Escape
start=$(date +%s%N)
tm send-keys -t spk q
wait_log "$T/exit" "exit=0" 3
took=$((($(date +%s%N) - start) / 1000000))
note "q during the lookup: the speaker was gone after $took ms"

note "headless: SIGTERM during the lookup stops it at once"
queries=$(cat "$T/queries")
query_came() { [ "$(cat "$T/queries")" -gt "$queries" ]; }
(in_slow_dns env HOME="$T/spk" "$INTERCOM_BIN/intercom-speaker" --headless --name lobby-2 "$name:2348") \
	>"$T/headless.log" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_log "$T/headless.log" "connecting to $name:2348" 10
# In its lookup: the name server has its query (the count moved past the screen part's).
wait_for 5 query_came
kill -TERM "$pid"
start=$(date +%s%N)
for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the headless speaker is still in its lookup 3 s after SIGTERM"
wait "$pid" || fail "the headless speaker exited with $? on SIGTERM"
note "SIGTERM during the lookup: gone after $((($(date +%s%N) - start) / 1000000)) ms"
grep -q "speaker stopped" "$T/headless.log" || fail "the headless speaker did not stop cleanly"
note "ok"
