#!/usr/bin/env bash
# The chime before pages (on by default): a file sent as a page is the shipped
# chime (assets/chime.wav, exactly) then the file, in the archive and on the
# speaker, which plays it sample-exact from its first sample; `chime off`
# sends the file alone; `chime FILE` puts another sound first; a chime file
# that cannot be read is refused and the chime stays as it was; per page,
# send --chime/--no-chime/--priority change that page only; --chime FILE
# at start-up, and a bad one stops the start with the reason.
source "$(dirname "$0")/harness.sh"

mkdir -p "$T/s1"
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 1 sine 300 vol 0.5
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/gong.wav" synth 0.2 sine 1200 vol 0.3
rig_wav_to_raw "$INTERCOM_TOP/assets/chime.wav" "$T/chime.raw"
rig_wav_to_raw "$T/tone.wav" "$T/tone.raw"
rig_wav_to_raw "$T/gong.wav" "$T/gong.raw"
port=$(rig_free_port)

# first_samples RAW N OUT — the first N samples of RAW.
first_samples() { head -c $(($2 * 2)) "$1" >"$3"; }

CONSOLE_PAGE_OPTS="--preroll-ms 0" start_console "$T/console" "$port" --archive "$T/archive" --codec pcm -c 1
alsa_speaker s1 "$port"
wait_log "$T/console.log" "joined" 20

note "on by default: the page is the shipped chime, then the file"
console_cmd "status"
wait_log "$T/console.log" '"chime":"on"' 5
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
page=$(archived_page "$T/archive" 1)
[ "$(soxi -s "$page")" -eq $((36000 + 48000)) ] || fail "page 1 is $(soxi -s "$page") frames, not the chime's 36000 and the file's 48000"
rig_wav_to_raw "$page" "$T/page1.raw"
first_samples "$T/page1.raw" 36000 "$T/page1.head"
cmp -s "$T/page1.head" "$T/chime.raw" || fail "page 1 does not begin with the shipped chime, exactly"
tail -c $((48000 * 2)) "$T/page1.raw" | cmp -s - "$T/tone.raw" || fail "page 1 does not end with the file, exactly"
rig_alsa_file_collect "$T/s1/out.raw" "$T/played1.raw"
rig_contains_samples "$T/page1.raw" "$T/played1.raw" >/dev/null || fail "the speaker did not play chime and page sample-exact"
python3 - "$T/played1.raw" "$T/chime.raw" <<'PY' || fail "what the speaker played does not start with the chime"
import sys
played, chime = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
# Leading silence of the device aside, the first sound is the chime.
i = next((k for k in range(0, len(played), 2) if played[k:k + 2] != b"\0\0"), None)
first = next((k for k in range(0, len(chime), 2) if chime[k:k + 2] != b"\0\0"), None)
sys.exit(0 if i is not None and played[i:i + 2000] == chime[first:first + 2000] else 1)
PY

note "chime off: the file alone"
console_cmd "chime off"
wait_log "$T/console.log" "chime before pages: off" 5
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 2: delivered to 1/1, played by 1/1" 20
page=$(archived_page "$T/archive" 2)
rig_wav_to_raw "$page" "$T/page2.raw"
cmp -s "$T/page2.raw" "$T/tone.raw" || fail "with the chime off, page 2 is not the file alone"

note "chime FILE: another sound first; an unreadable one is refused and changes nothing"
console_cmd "chime $T/no-such.wav"
wait_log "$T/console.log" "chime $T/no-such.wav: " 5
console_cmd "status"
wait_log "$T/console.log" '"chime":"off"' 5
console_cmd "chime $T/gong.wav"
wait_log "$T/console.log" "chime before pages: $T/gong.wav \(0.20 s\)" 5
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 3: delivered to 1/1, played by 1/1" 20
rig_wav_to_raw "$(archived_page "$T/archive" 3)" "$T/page3.raw"
cat "$T/gong.raw" "$T/tone.raw" | cmp -s - "$T/page3.raw" || fail "page 3 is not the chime file, then the file"

note "per page: send --no-chime, and --chime while the console's is off; --priority high for that page only"
console_cmd "send --no-chime --priority high $T/tone.wav"
wait_log "$T/console.log" "page 4: delivered to 1/1, played by 1/1" 20
rig_wav_to_raw "$(archived_page "$T/archive" 4)" "$T/page4.raw"
cmp -s "$T/page4.raw" "$T/tone.raw" || fail "send --no-chime: page 4 is not the file alone"
console_cmd "status"
wait_log "$T/console.log" '"last_page":\{"id":4,"priority":"high"' 5
grep -E '\{"console"' "$T/console.log" | tail -1 | grep -q '"priority":"normal","chime":"gong.wav"' ||
	fail "the page's options changed the console's settings: $(grep -E '\{"console"' "$T/console.log" | tail -1)"
console_cmd "chime off"
console_cmd "send --chime $T/tone.wav"
wait_log "$T/console.log" "page 5: delivered to 1/1, played by 1/1" 20
rig_wav_to_raw "$(archived_page "$T/archive" 5)" "$T/page5.raw"
cat "$T/gong.raw" "$T/tone.raw" | cmp -s - "$T/page5.raw" || fail "send --chime: page 5 is not the chime, then the file"
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"

note "--chime FILE at start-up; a bad one stops the start"
port=$(rig_free_port)
mkdir -p "$T/console2"
rc=0
env -u XDG_CONFIG_HOME -u PULSE_SERVER HOME="$T/console2" XDG_STATE_HOME="$T/console2/state" \
	timeout 20 "$INTERCOM_BIN/intercom-console" --headless -H 127.0.0.1 -p "$port" --chime "$T/no-such.wav" \
	</dev/null >"$T/console2.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a console with a chime it cannot read exited with $rc, not 2 (usage)"
grep -q -- "--chime: chime $T/no-such.wav" "$T/console2.log" || fail "no reason given for the bad chime"
CONSOLE_PAGE_OPTS="--preroll-ms 0 --chime $T/gong.wav" start_console "$T/console3" "$port" --archive "$T/archive3" -c 1
console_cmd "status"
wait_log "$T/console.log" '"chime":"gong.wav"' 5
console_cmd quit
wait "$CONSOLE_PID" || fail "console exited with $?"
note "ok"
