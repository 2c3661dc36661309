/* The console's input: opened at start-up, watched, reopened when it comes back. */
#include "intercom/console/input_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/audio.h"
#include "intercom/common/log.h"

/* ---- the schedule (pure) ---- */

void input_schedule_missing(struct input_schedule *s, uint64_t now)
{
	s->retry_ms = now + INPUT_RETRY_MS;
	s->rescan_gap_ms = INPUT_RESCAN_FIRST_MS;
	s->rescan_due_ms = now + INPUT_RESCAN_FIRST_MS;
}

bool input_schedule_rescan(struct input_schedule *s, uint64_t now, bool *first)
{
	if (now < s->rescan_due_ms)
		return false;
	*first = s->rescan_gap_ms == INPUT_RESCAN_FIRST_MS;
	s->rescan_gap_ms = s->rescan_gap_ms * 2 < INPUT_RESCAN_MAX_MS ? s->rescan_gap_ms * 2
	                                                              : INPUT_RESCAN_MAX_MS;
	s->rescan_due_ms = now + (uint64_t)s->rescan_gap_ms;
	return true;
}

void input_schedule_failed(struct input_schedule *s, uint64_t now, bool have_device)
{
	/* With no device to try, only the next listing can find one. */
	s->retry_ms = have_device ? now + INPUT_RETRY_MS : s->rescan_due_ms;
}

int input_schedule_wait(const struct input_schedule *s, uint64_t now)
{
	if (s->retry_ms == 0)
		return INT32_MAX;
	return now < s->retry_ms ? (int)(s->retry_ms - now) : 0;
}

/* ---- the device ---- */

struct input_watch {
	char spec[256];           /* -i as given; "" for the default device */
	struct audio_format fmt;
	int chunk;
	bool audio_up;            /* PortAudio is initialised */
	struct capture *capture;  /* NULL: no input device */
	int device;               /* -1: none found yet */
	bool ever;                /* an input stream was open once */
	struct input_schedule schedule;
	char missing[320];        /* why there is no input */
	char name[160];           /* the device's name, as PortAudio lists it */
	char format[48];          /* "48000 Hz mono 16-bit" */
};

struct input_watch *input_watch_new(const char *spec, const struct audio_format *fmt, int chunk)
{
	struct input_watch *iw = calloc(1, sizeof *iw);
	if (!iw)
		return NULL;
	snprintf(iw->spec, sizeof iw->spec, "%s", spec);
	iw->fmt = *fmt;
	iw->chunk = chunk;
	iw->device = -1;
	return iw;
}

void input_watch_free(struct input_watch *iw)
{
	if (!iw)
		return;
	capture_close(iw->capture);
	if (iw->audio_up)
		audio_terminate();
	free(iw);
}

/* From now on the input is looked for again, for this reason. */
static void input_missing(struct input_watch *iw, uint64_t now, const char *why)
{
	snprintf(iw->missing, sizeof iw->missing, "%s", why);
	input_schedule_missing(&iw->schedule, now);
}

static void input_opened(struct input_watch *iw)
{
	snprintf(iw->name, sizeof iw->name, "%s", audio_device_name(iw->device));
	format_describe(&iw->fmt, iw->format, sizeof iw->format);
	iw->schedule.retry_ms = 0;
	iw->missing[0] = '\0';
	if (!capture_read_by_main(iw->capture))
		log_event("note: the input's host API has no blocking reads, so PortAudio's callback thread reads it "
		          "(recording costs ~1.8x what parec does, not ~1.3x)");
}

int input_watch_open(struct input_watch *iw, uint64_t now, char *err, size_t errlen)
{
	if (audio_init(err, errlen) < 0) {
		input_missing(iw, now, err);
		return 0;
	}
	iw->audio_up = true;
	int device = audio_find_device(iw->spec, true, err, errlen);
	if (device >= 0) {
		iw->device = device;
		iw->capture = capture_open(device, &iw->fmt, iw->chunk, err, errlen);
	}
	if (!iw->capture) {
		if (iw->spec[0])
			return -1; /* the operator asked for this one */
		input_missing(iw, now, device < 0 ? "no input device" : err);
		return 0;
	}
	iw->ever = true;
	input_opened(iw);
	log_event("input: %s, %s", iw->name, iw->format);
	return 0;
}

/* Restarts PortAudio (no stream is open) and finds the input device by its name again. */
static void input_rescan(struct input_watch *iw, bool first)
{
	char err[256];
	if (first)
		log_event_at(LOG_PRIORITY_WARNING,
		             "input device still missing: listing the audio devices afresh "
		             "(again at gaps doubling up to %d s)", INPUT_RESCAN_MAX_MS / 1000);
	if (iw->audio_up)
		audio_terminate();
	iw->audio_up = audio_init(err, sizeof err) == 0;
	/* The old index means nothing to the new list (or names another device). */
	iw->device = iw->audio_up ? audio_find_device(iw->spec, true, err, sizeof err) : -1;
}

/* A stream that stopped on its own is closed; talk is disabled until the device is back. */
static void input_lost(struct input_watch *iw, uint64_t now)
{
	capture_close(iw->capture);
	iw->capture = NULL;
	input_missing(iw, now, "input device lost");
	log_event_at(LOG_PRIORITY_WARNING,
	             "input device %s stopped working; talk is disabled, retrying every %d s",
	             audio_device_name(iw->device), INPUT_RETRY_MS / 1000);
}

int input_watch_tick(struct input_watch *iw, uint64_t now)
{
	if (iw->capture && capture_stream_failed(iw->capture))
		input_lost(iw, now);
	int wait = input_schedule_wait(&iw->schedule, now);
	if (iw->capture || wait > 0)
		return wait;
	bool first;
	if (input_schedule_rescan(&iw->schedule, now, &first))
		input_rescan(iw, first);
	char err[256] = "no input device";
	bool have_device = iw->audio_up && iw->device >= 0;
	if (have_device)
		iw->capture = capture_open(iw->device, &iw->fmt, iw->chunk, err, sizeof err);
	if (!iw->capture) {
		if (iw->ever)
			snprintf(iw->missing, sizeof iw->missing, "input device lost: %s", err);
		input_schedule_failed(&iw->schedule, now, have_device);
		return input_schedule_wait(&iw->schedule, now);
	}
	input_opened(iw);
	if (iw->ever) {
		log_event("input device %s is back; talk is enabled", audio_device_name(iw->device));
	} else {
		iw->ever = true;
		log_event("input: %s, %s; talk is enabled", iw->name, iw->format);
	}
	return INT32_MAX;
}

struct capture *input_watch_capture(const struct input_watch *iw)
{
	return iw->capture;
}

const char *input_watch_name(const struct input_watch *iw)
{
	return iw->name;
}

const char *input_watch_format(const struct input_watch *iw)
{
	return iw->format;
}

const char *input_watch_missing(const struct input_watch *iw)
{
	return iw->missing;
}
