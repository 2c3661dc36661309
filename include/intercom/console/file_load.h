/*
 * Audio files on their way to becoming pages: `send PATH` and the test tone.
 * Decoding and resampling a 5-minute file takes seconds, so each load runs in
 * a job (job.h) while the loop goes on serving speakers, keys and the screen.
 * One file loads at a time and up to FILE_LOAD_QUEUE_MAX wait their turn, so
 * pages go out in the order they were asked for. The loop polls
 * file_loads_fd and takes each load as it ends. Says its failures and, when
 * the console stops, which files were not sent.
 */
#ifndef INTERCOM_FILE_LOAD_H
#define INTERCOM_FILE_LOAD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/console/page_target.h"

/* Files asked for while another loads, waiting their turn. */
#define FILE_LOAD_QUEUE_MAX 8

/* One file asked for, and once it ended, what became of it. */
struct file_load {
	char path[PATH_MAX];
	char what[PATH_MAX + 64];   /* how the page is described in the log */
	bool has_target;            /* target was given (the test tone's speaker, send --zone ...); */
	struct page_target target;  /* else the page goes to the console's target when it is ready */
	bool remember;              /* the page to resend afterwards (not the test tone) */
	int priority;               /* enum priority of its page */
	bool chime;                 /* the console's chime goes before it */
	/* The result, written by the job, read once the load was taken. */
	int rc;                     /* 0, or -1 with err */
	int16_t *samples;           /* the file at the console's format; the load frees it unless taken */
	size_t frames;
	char err[PATH_MAX + 256];
	/* The job's input. */
	int rate, channels;
	size_t max_frames;
};

struct file_loads;

/* Loads convert files to rate and channels, at most max_frames. NULL if out of memory. */
struct file_loads *file_loads_new(int rate, int channels, size_t max_frames);
/* Says which files are not sent ("not sent, the console is stopping: PATH"), then lets go of everything. */
void file_loads_free(struct file_loads *fl);

/*
 * Asks for path to be loaded as a page described as what, for target
 * (copied; NULL: the console's target when it is ready). False, with the reason said, if it cannot be:
 * too many waiting, out of memory, no thread.
 */
bool file_loads_add(struct file_loads *fl, const char *path, const char *what,
                    const struct page_target *target, bool remember);
/* The same, for a page of priority (enum priority) with the chime before it if chime. */
bool file_loads_add_as(struct file_loads *fl, const char *path, const char *what,
                       const struct page_target *target, bool remember, int priority, bool chime);
/* Readable once the file loading now has ended; -1 while none loads. */
int file_loads_fd(const struct file_loads *fl);
/* True while a file loads (or waits to). */
bool file_loads_busy(const struct file_loads *fl);
/*
 * The load that ended, or NULL if none has yet; the next file starts
 * loading. The caller owns it: file_load_free (after taking samples, if it
 * wants them, and setting samples to NULL).
 */
struct file_load *file_loads_take(struct file_loads *fl);
void file_load_free(struct file_load *load);

#endif
