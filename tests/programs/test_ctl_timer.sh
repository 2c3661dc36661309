#!/usr/bin/env bash
# The shipped scheduled announcement (contrib/systemd/examples): the timer and
# the service pass systemd-analyze verify with intercom-ctl where the build
# put it, the timer's calendar is Monday to Friday at 21:50, and the service's
# text-to-speech command, run as systemd would run it, pages a speaker.
source "$(dirname "$0")/harness.sh"

command -v systemd-analyze >/dev/null || skip "no systemd-analyze (systemd) to check the units with"
CTL="$INTERCOM_BIN/intercom-ctl"
ex="$INTERCOM_TOP/contrib/systemd/examples"
mkdir -p "$T/units"
sed "s|/usr/local/bin/intercom-ctl|$CTL|g" "$ex/intercom-closing.service" >"$T/units/intercom-closing.service"
cp "$ex/intercom-closing.timer" "$T/units/"
# intercom-ctl through the sanitizer run's wrapper is a script: verify wants an executable, which it is.
systemd-analyze verify "$T/units/intercom-closing.timer" "$T/units/intercom-closing.service" >"$T/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
cal=$(sed -n 's/^OnCalendar=//p' "$T/units/intercom-closing.timer")
systemd-analyze calendar "$cal" | grep -q "Normalized form: Mon..Fri \*-\*-\* 21:50:00" || fail "calendar: $cal"

note "the service's text-to-speech command pages a speaker"
port=$(rig_free_port)
start_console "$T/console" "$port" --archive "$T/archive" --codec pcm
alsa_speaker s1 "$port" --zone hall
wait_log "$T/console.log" "speaker s1 .*joined" 10
tts=$(sed -n 's/^#ExecStart=//p' "$T/units/intercom-closing.service")
[ -n "$tts" ] || fail "no text-to-speech ExecStart in the example"
# As systemd splits it: the program, then its arguments (here /bin/sh -c '...').
eval "$tts" >"$T/tts.out" 2>&1 || fail "the example's command exited $?: $(cat "$T/tts.out")"
wait_log "$T/console.log" "page 1: delivered to 1/1, played by 1/1" 20
wait_log "$T/s1.log" "page 1 played" 10
note "ok"
