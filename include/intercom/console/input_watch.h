/*
 * The console's input device, and watching for it: PortAudio is started and
 * the input opened at start-up; a device named with -i must be there, but
 * the default one may come later (a sound server that starts after the
 * console, a microphone plugged in), and a stream can stop on its own
 * (device unplugged, sound server gone). Until an input is open, the device
 * is tried again every INPUT_RETRY_MS and PortAudio lists the devices afresh
 * at backing-off gaps (input_schedule, pure: units test it). Talk is
 * disabled meanwhile; `send PATH` works without an input. Says each change.
 */
#ifndef INTERCOM_INPUT_WATCH_H
#define INTERCOM_INPUT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/audio/capture.h"
#include "intercom/audio/format.h"

/* A lost input device is reopened this often until it is back. */
#define INPUT_RETRY_MS 2000
/*
 * A device that comes back (plugged in again, sound server started after the
 * console) may have another index or not be listed yet, so PortAudio lists the
 * devices afresh: first after this long, then at doubling gaps up to the cap.
 * A restart costs tens of ms of CPU, so a console that has no microphone for
 * good (it only sends files) pays little for watching.
 */
#define INPUT_RESCAN_FIRST_MS 6000
#define INPUT_RESCAN_MAX_MS 60000

/* When to look for a missing input again, and when to list the devices afresh. Pure. */
struct input_schedule {
	uint64_t retry_ms;        /* the next attempt to open it (0: it is open) */
	uint64_t rescan_due_ms;   /* the next listing of the devices */
	int rescan_gap_ms;        /* the gap after that one */
};

/* The input went missing at now: retry soon, list the devices afresh after INPUT_RESCAN_FIRST_MS. */
void input_schedule_missing(struct input_schedule *s, uint64_t now);
/*
 * True if the devices are due to be listed afresh at now; the next listing
 * is then scheduled a doubled gap later (up to the cap). *first: this is the
 * first listing since the input went missing.
 */
bool input_schedule_rescan(struct input_schedule *s, uint64_t now, bool *first);
/* An attempt failed: with a device to try, again after INPUT_RETRY_MS; with none, at the next listing. */
void input_schedule_failed(struct input_schedule *s, uint64_t now, bool have_device);
/* Ms until the next attempt is due (0: now), or INT32_MAX if none is (the input is open). */
int input_schedule_wait(const struct input_schedule *s, uint64_t now);

struct input_watch;

/* Watches the device named spec ("" for the default) at fmt, chunk frames a buffer. NULL if out of memory. */
struct input_watch *input_watch_new(const char *spec, const struct audio_format *fmt, int chunk);
/* Closes the stream and stops PortAudio. */
void input_watch_free(struct input_watch *iw);

/*
 * Starts PortAudio and opens the input at start-up (monotonic time now). -1
 * (err set) only if a device named with -i cannot be opened; no default
 * device is not an error: talk waits until one appears (input_watch_missing).
 * Says "input: NAME, FORMAT" when it opens.
 */
int input_watch_open(struct input_watch *iw, uint64_t now, char *err, size_t errlen);

/*
 * Notices a stream that stopped on its own (take what it recorded first:
 * capture_stream_failed), closes it and says so; tries to open the device
 * again when due, listing the devices afresh at the schedule's gaps. Returns
 * ms until it wants to look again (INT32_MAX while the input is open).
 */
int input_watch_tick(struct input_watch *iw, uint64_t now);

/* The open input, or NULL. */
struct capture *input_watch_capture(const struct input_watch *iw);
/* Its name as PortAudio lists it, and "48000 Hz mono 16-bit". */
const char *input_watch_name(const struct input_watch *iw);
const char *input_watch_format(const struct input_watch *iw);
/* Why there is no input ("no input device", "input device lost: ..."); "" while it is open. */
const char *input_watch_missing(const struct input_watch *iw);

#endif
