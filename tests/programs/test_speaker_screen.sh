#!/usr/bin/env bash
# The speaker's curses screen in a real terminal (tmux), its output on a paced
# file rig (real time, and a file of exactly what it played): started before
# the console it counts down to the next retry, then shows the link when the
# console starts; during a page the progress bar and the time advance and end
# at the page's length; -6 dB scales what reaches the device by 10^(-6/20)
# within rounding; muted, a page is not played (no stream opened) and the
# console hears "muted"; r replays the last page; Ctrl-S, or its output
# stopped, neither loses the link nor a page; killing the console shows
# "disconnected" with a countdown; resizes stay coherent (too small, an open
# help still says so); q and SIGTERM give the terminal back; the volume is
# kept across a restart; the C locale with NO_COLOR shows ASCII and no colour.
source "$(dirname "$0")/harness.sh"

PULSE_DIR="$T/pa"
rig_pulse_start "$PULSE_DIR"
mkdir -p "$T/spk"
rig_pulse_file_home "$PULSE_DIR" "$T/spk" /dev/zero "$T/spk/out.raw" mic.monitor spk1
# A 3 s page: long enough to watch it move in real time.
sox -n -r 48000 -c 1 -b 16 -e signed-integer "$T/tone.wav" synth 3 sine 440 vol 0.5 fade 0.05 3 0.05
port=$(rig_free_port)

SCREEN_PANE=spk
SCREEN_TITLE=" intercom speaker"
SCREEN_KEYS=" +/- volume"
SCREEN_PARTS="intercom speaker|  link |  now "
# shellcheck source=screen.sh
source "$(dirname "$0")/screen.sh"

wait_exit() {
	for _ in $(seq 100); do [ -s "$T/exit" ] && { cat "$T/exit"; return 0; }; sleep 0.1; done
	fail "the speaker did not exit"
}

# watch_page N TOTAL — samples the progress line while page N plays: the time must
# advance, never go back, and end at TOTAL with the bar full.
watch_page() {
	local n=$1 total=$2
	python3 - "$TMUX_SOCK" "$n" "$total" <<'PY' || fail "page $n: progress did not advance to its length"
import re, subprocess, sys, time
sock, n, total = sys.argv[1], sys.argv[2], sys.argv[3]
def grab():
    return subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-t", "spk"],
                          capture_output=True, text=True).stdout
def secs(t):
    m, s = t.split(":")
    return int(m) * 60 + float(s)
seen, bars, started, deadline = [], [], None, time.time() + 15
while time.time() < deadline:
    text = grab()
    playing = re.search(r"now +playing page %s\b" % n, text)
    m = re.search(r"progress +(\S*) (\d\d:\d\d\.\d) / (\d\d:\d\d\.\d)", text)
    if playing and m:
        started = started or time.time()
        seen.append(secs(m.group(2)))
        bars.append(m.group(1).count("█"))
    elif started and re.search(r"#%s +\S+ +%s +played" % (n, re.escape(total)), text):
        break
    time.sleep(0.15)
else:
    print("never saw page %s end; last screen:\n%s" % (n, grab()))
    sys.exit(1)
final = re.search(r"progress +(\S*) (\d\d:\d\d\.\d) / (\d\d:\d\d\.\d)", grab())
print("progress samples:", seen)
ok = True
if len(set(seen)) < 4:
    print("the time moved through fewer than 4 values"); ok = False
if any(b < a for a, b in zip(seen, seen[1:])):
    print("the time went back"); ok = False
if any(b < a for a, b in zip(bars, bars[1:])):
    print("the bar went back"); ok = False
if seen and seen[0] > 1.0:
    print("the first sample was already at %.1f s" % seen[0]); ok = False
if not final or final.group(2) != total or final.group(3) != total or "░" in final.group(1):
    print("the end is not %s / %s with a full bar: %s" % (total, total, final and final.group(0))); ok = False
sys.exit(0 if ok else 1)
PY
}

# A shell in a 100x30 terminal, in the speaker's HOME (its audio goes to the paced rig).
tm -f /dev/null new-session -d -x 100 -y 30 -s spk \
	"env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u PULSE_SERVER HOME='$T/spk' \
	 LANG=C.UTF-8 PS1='shell\$ ' bash --norc --noprofile"
wait_screen 'shell\$' 5
speaker_cmd="'$INTERCOM_BIN/intercom-speaker' --name lobby-1 --zone ground 127.0.0.1:$port"

note "started before the console: disconnected, with a live countdown to the next try"
tm send-keys -t spk "$speaker_cmd 2>'$T/speaker.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen '^ intercom speaker +lobby-1 · zone ground' 10
wait_screen 'link +disconnected, retrying in [0-9]+ s: Connection refused' 5
wait_screen 'retrying in [3-9] s' 15
from=$(sed -En 's/.*retrying in ([0-9]+) s.*/\1/p' "$T/screen.txt" | head -1)
wait_screen "retrying in $((from - 1)) s" 2
wait_screen 'now +not connected' 1
wait_screen 'security +every link encrypted; console key pinned' 1

note "the console starts: connected, since when, round trip"
start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
wait_screen "link +connected to 127\.0\.0\.1:$port \(console [^)]*\) since [0-9:]{8}, rtt [0-9]+ms" 15
wait_screen 'now +waiting for a page' 2
coherent 100 30
tm capture-pane -p -e -t spk >"$T/screen-e.txt"
grep -Eq "$(printf '\033')\\[([0-9;]*;)?3[0-7](;|m)" "$T/screen-e.txt" || fail "no colours on a colour terminal"

note "a page: the bar and the time advance and end at its length"
console_cmd "send $T/tone.wav"
watch_page 1 00:03.0
wait_log "$T/console.log" "page 1 played by lobby-1" 5
wait_screen 'output +default · 48000 Hz mono 16-bit' 1
page=$(archived_page "$T/archive" 1)
rig_wav_to_raw "$page" "$T/page.raw"
rig_alsa_file_collect "$T/spk/out.raw" "$T/played1.raw"
rig_contains_samples "$T/page.raw" "$T/played1.raw" >/dev/null || fail "page 1 did not reach the device sample-exact at 0 dB"

note "-6 dB: what reaches the device is the page times 10^(-6/20), within rounding"
tm send-keys -t spk - - - - - -
wait_screen 'volume +-6 dB' 2
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 2 played by lobby-1" 10
[ -f "$T/spk/out.raw.0001" ] || fail "no second stream on the device"
python3 - "$T/page.raw" "$T/spk/out.raw.0001" <<'PY' || fail "the -6 dB page is not the page scaled by -6 dB"
import array, sys
def load(p):
    a = array.array("h"); a.frombytes(open(p, "rb").read()); return a
page, out = load(sys.argv[1]), load(sys.argv[2])
g = 10 ** (-6 / 20)
want = [x * g for x in page]
# The paced rig does not prime: the page starts at the first sample, or after leading zeros.
start = next((i for i, v in enumerate(out) if v), None)
first = next((i for i, v in enumerate(page) if v), None)
if start is None or first is None:
    print("silent output"); sys.exit(1)
off = start - first
bad = [(i, out[i + off], want[i]) for i in range(len(page))
       if i + off >= len(out) or abs(out[i + off] - want[i]) > 0.502]
print("compared %d samples, %d off; peak in %d, out %d" % (len(page), len(bad), max(page), max(out)))
for b in bad[:5]:
    print("sample %d: got %s, want %.3f" % (b[0], b[1] if b[1] is not None else "-", b[2]))
sys.exit(1 if bad else 0)
PY

note "m mutes: the page is received and reported as muted, nothing is played"
tm send-keys -t spk m
wait_screen 'volume +-6 dB +MUTED' 2
wait_screen '^ intercom speaker .* MUTED' 1
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 3 muted on lobby-1" 10
wait_screen '#3 .* muted' 2
[ ! -e "$T/spk/out.raw.0002" ] || fail "a muted page opened the output device"
tm send-keys -t spk r
wait_screen 'cannot replay while muted' 2

note "r replays the last page here, at the volume set"
tm send-keys -t spk m
wait_screen 'now +waiting for a page' 2
tm send-keys -t spk r
wait_screen 'now +replaying page 3 \(here only\)' 2
wait_screen 'page 3 replayed \(3\.00 s\)' 6
[ -f "$T/spk/out.raw.0002" ] || fail "the replay did not reach the device"
[ "$(count_log "$T/console.log" "page 3 played")" -eq 0 ] || fail "the local replay was reported to the console"

note "Ctrl-S stops nothing: for 8 s the link stays and a page sent meanwhile plays and shows; Ctrl-Q changes nothing"
started=$SECONDS
tm send-keys -t spk C-s
sleep 2   # the test: the page is sent a while into the 8 s
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 4 played by lobby-1" 10
wait_screen '#4 .* played' 2
# The test: the whole 8 s pass with Ctrl-S pressed.
sleep $((8 - (SECONDS - started) > 0 ? 8 - (SECONDS - started) : 0))
grep -q 'lobby-1 .*left' "$T/console.log" && fail "the speaker left after Ctrl-S: $(grep left "$T/console.log")"
wait_screen 'link +connected to' 1
tm send-keys -t spk C-q
coherent 100 30

note "output stopped outside the program (a stalled link): the link stays, a page plays, the screen catches up"
pane_tty=$(tm display-message -p -t spk '#{pane_tty}')
python3 -c 'import sys, termios; fd = open(sys.argv[1], "wb"); termios.tcflow(fd, termios.TCOOFF)' "$pane_tty"
sleep 2   # the test: output stopped a while before the page...
console_cmd "send $T/tone.wav"
wait_log "$T/console.log" "page 5 played by lobby-1" 10
sleep 2   # ...and a while after it
grep -q 'lobby-1 .*left' "$T/console.log" && fail "the speaker left while its output was stopped"
python3 -c 'import sys, termios; fd = open(sys.argv[1], "wb"); termios.tcflow(fd, termios.TCOON)' "$pane_tty"
wait_screen '#5 .* played' 2
coherent 100 30

note "the console is killed: disconnected, retrying with a countdown"
kill -KILL "$CONSOLE_PID"
wait "$CONSOLE_PID" 2>/dev/null || true
wait_screen 'link +disconnected, retrying in [0-9] s: (peer closed the connection|Connection reset by peer|no sign of life for 5 s)' 8
wait_screen 'link +disconnected, (retrying in [0-9] s|retrying now): ' 3

note "resizes keep the screen whole; too small says so"
tm resize-window -t spk -x 80 -y 24
coherent 80 24
tm resize-window -t spk -x 50 -y 12
coherent 50 12
tm resize-window -t spk -x 20 -y 4
wait_screen 'terminal too small' 2
tm send-keys -t spk '?'
wait_screen '^help is open: any' 2
tm send-keys -t spk x
wait_screen '^needs 30x5; q quits' 2
grep -q 'help is open' "$T/screen.txt" && fail "the help stayed open after a key"
tm resize-window -t spk -x 100 -y 30
coherent 100 30

note "? shows the keys; any key closes the help"
tm send-keys -t spk '?'
wait_screen 'keys \(any key closes this\)' 2
tm send-keys -t spk x
wait_for 2 screen_lacks 'any key closes this'   # the help closes

note "q restores the terminal; the volume is kept"
tm send-keys -t spk q
[ "$(wait_exit)" = "exit=0" ] || fail "speaker exited with $(cat "$T/exit")"
wait_screen 'shell\$' 5
screen | grep -q '^ intercom speaker' && fail "the screen was not cleared on exit"
tty_sane
[ ! -s "$T/speaker.err" ] || fail "the speaker wrote to stderr: $(head -5 "$T/speaker.err")"
grep -qx 'volume_db -6' "$T/spk/.local/state/intercom/speaker-lobby-1.state" || fail "the volume was not kept"

note "C locale, NO_COLOR: ASCII and no colour; the kept volume; SIGTERM restores the terminal"
rm -f "$T/exit"
tm send-keys -t spk "clear; LC_ALL=C NO_COLOR=1 $speaker_cmd 2>'$T/speaker.err'; echo exit=\$? >'$T/exit'" Enter
wait_screen 'link +disconnected, retrying (in [0-9]+ s|now): Connection refused' 10
wait_screen 'volume +-6 dB' 2
screen >"$T/screen.txt"
LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/screen.txt" && { cat "$T/screen.txt"; fail "non-ASCII characters in the C locale"; }
grep -q ' | zone ground' "$T/screen.txt" || fail "no ASCII separator in the title"
tm capture-pane -p -e -t spk >"$T/screen-e.txt"
grep -Eq "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48)(;|m)" "$T/screen-e.txt" && fail "colours despite NO_COLOR"
speaker_pid=$(pgrep -n -f "intercom-speaker --name lobby-1 --zone ground 127.0.0.1:$port" || true)
[ -n "$speaker_pid" ] || fail "cannot find the speaker's pid"
kill -TERM "$speaker_pid"
[ "$(wait_exit)" = "exit=0" ] || fail "speaker exited with $(cat "$T/exit") on SIGTERM"
wait_screen 'shell\$' 5
tty_sane
[ ! -s "$T/speaker.err" ] || fail "the speaker wrote to stderr: $(head -5 "$T/speaker.err")"
note "ok"
