#!/usr/bin/env bash
# Config files for real: the system file (INTERCOM_SYSCONFDIR), then the
# user's ($XDG_CONFIG_HOME, else ~/.config), then the command line, each
# winning; --print-config says where each setting came from; a bad line stops
# the program at once with FILE:LINE (exit 2), an unreadable --config exits 5;
# and a speaker whose console's address and name are only in its files
# connects to a console whose port and admission are only in its.
source "$(dirname "$0")/harness.sh"
C="$INTERCOM_BIN/intercom-console"
S="$INTERCOM_BIN/intercom-speaker"

mkdir -p "$T/etc" "$T/home/.config/intercom" "$T/xdg/intercom"
printf '# the system file\nduration = 9\nport = 2400\nrate = 16000\n' >"$T/etc/console.conf"
printf 'duration = 8\nport = 2500\n' >"$T/home/.config/intercom/console.conf"

note "system file, then the user's, then the command line"
env -u XDG_CONFIG_HOME INTERCOM_SYSCONFDIR="$T/etc" HOME="$T/home" "$C" --print-config -d 2 >"$T/p.txt"
grep -qx "duration = 2  # command line" "$T/p.txt" || fail "duration: $(cat "$T/p.txt")"
grep -qx "port = 2500  # $T/home/.config/intercom/console.conf:2" "$T/p.txt" || fail "port: $(cat "$T/p.txt")"
grep -qx "rate = 16000  # $T/etc/console.conf:4" "$T/p.txt" || fail "rate: $(cat "$T/p.txt")"
grep -qx "channels = 1  # default" "$T/p.txt" || fail "channels: $(cat "$T/p.txt")"

note "\$XDG_CONFIG_HOME's file instead of ~/.config's; --config instead of both"
printf 'port = 2600\n' >"$T/xdg/intercom/console.conf"
env INTERCOM_SYSCONFDIR="$T/etc" HOME="$T/home" XDG_CONFIG_HOME="$T/xdg" "$C" --print-config >"$T/p.txt"
grep -qx "port = 2600  # $T/xdg/intercom/console.conf:1" "$T/p.txt" || fail "xdg: $(cat "$T/p.txt")"
grep -qx "duration = 9  # $T/etc/console.conf:2" "$T/p.txt" || fail "xdg system: $(cat "$T/p.txt")"
printf 'chunk = 512\n' >"$T/only.conf"
env INTERCOM_SYSCONFDIR="$T/etc" HOME="$T/home" "$C" --config "$T/only.conf" --print-config >"$T/p.txt"
grep -qx "chunk = 512  # $T/only.conf:1" "$T/p.txt" && grep -qx "port = 2348  # default" "$T/p.txt" \
	|| fail "--config did not replace the search: $(cat "$T/p.txt")"

note "a bad line: FILE:LINE: reason, exit 2, nothing started"
printf 'duration = 5\n\nrate = fast\n' >"$T/bad.conf"
rc=0
"$C" --headless --config "$T/bad.conf" -p "$(rig_free_port)" >"$T/out.txt" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "bad line: exit $rc, not 2: $(cat "$T/out.txt")"
[ "$(cat "$T/out.txt")" = "$T/bad.conf:3: bad rate 'fast': give 8000..192000 frames per second, e.g. -r 48000" ] \
	|| fail "bad line's message: $(cat "$T/out.txt")"
printf 'volume = 3\n' >"$T/etc/speaker.conf"
rc=0
env INTERCOM_SYSCONFDIR="$T/etc" HOME="$T/home" "$S" --headless 127.0.0.1:1 >"$T/out.txt" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 2 ] && grep -q "^$T/etc/speaker.conf:1: unknown key 'volume'" "$T/out.txt" \
	|| fail "speaker's system file: exit $rc: $(cat "$T/out.txt")"
rc=0
"$C" --config "$T/nothing.conf" >"$T/out.txt" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 5 ] && grep -q "cannot read config file $T/nothing.conf: No such file" "$T/out.txt" \
	|| fail "missing --config: exit $rc: $(cat "$T/out.txt")"
# --help works whatever the files say.
env INTERCOM_SYSCONFDIR="$T/etc" HOME="$T/home" "$S" --help >/dev/null || fail "--help refused over a bad file"

note "a speaker and a console set up by their files alone"
port=$(rig_free_port)
mkdir -p "$T/con/.config/intercom" "$T/spk/.config/intercom"
printf 'host = 127.0.0.1\nport = %s\nadmit = all\nheadless = yes\n' "$port" >"$T/con/.config/intercom/console.conf"
printf 'host = 127.0.0.1\nport = %s\nname = lobby-from-file\nzone = ground floor\nheadless = yes\n' "$port" \
	>"$T/spk/.config/intercom/speaker.conf"
mkfifo "$T/con.cmd"
run_bg "$T/con" "$T/con.log" sh -c 'exec "$0" <"$1"' "$C" "$T/con.cmd"
exec {cmd_fd}>"$T/con.cmd"
wait_log "$T/con.log" "listening on" 20
rig_alsa_file "$T/spk" /dev/zero "$T/spk/out.raw"
run_bg "$T/spk" "$T/spk.log" "$S" --save "$T/spk"
wait_log "$T/con.log" "speaker lobby-from-file zone ground floor joined" 20
printf 'quit\n' >&"$cmd_fd"
grep -h "joined\|connected to" "$T/con.log" "$T/spk.log"
