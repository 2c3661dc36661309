#!/usr/bin/env bash
# accept() failing with EMFILE: the console pauses accepting instead of spinning
# on a listening socket that stays readable, and serves again once fds free up.
source "$(dirname "$0")/harness.sh"
port=$(rig_free_port)
mkdir -p "$T/console"
[ -p "$T/console.cmd" ] || mkfifo "$T/console.cmd"
(
	ulimit -n 40
	exec env HOME="$T/console" "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" --admit all \
		--archive "$T/archive" <"$T/console.cmd" >"$T/console.log" 2>&1
) &
CONSOLE_PID=$!
PIDS+=("$CONSOLE_PID")
exec {CONSOLE_FD}>"$T/console.cmd"
wait_log "$T/console.log" "listening on" 20

# 60 connections held until the measurement is over ($T/release), 30 s at most.
python3 - "$port" "$T/release" >"$T/hog.log" 2>&1 <<'PY' &
import os, socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(60)]
print("holding", len(socks), flush=True)
deadline = time.time() + 30
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
PY
hog=$!
PIDS+=("$hog")
wait_log "$T/console.log" "cannot accept speakers: Too many open files; pausing accepts for 1 s" 10
t0=$(awk '{print $14 + $15}' "/proc/$CONSOLE_PID/stat")
sleep 2   # the test: CPU spent over 2 s while accept() fails
t1=$(awk '{print $14 + $15}' "/proc/$CONSOLE_PID/stat")
touch "$T/release"
ticks=$((t1 - t0))
note "console CPU while out of fds: $ticks ticks in 2 s ($(getconf CLK_TCK) per second)"
[ "$ticks" -lt "$(getconf CLK_TCK)" ] || fail "console spins while accept() fails ($ticks ticks in 2 s)"
wait "$hog"
alsa_speaker s1 "$port"
wait_log "$T/console.log" "speaker s1 joined" 15
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
