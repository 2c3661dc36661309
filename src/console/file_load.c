/* Audio files loaded as pages off the loop, one at a time, in the order asked for. */
#include "intercom/console/file_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/wav.h"
#include "intercom/common/job.h"
#include "intercom/common/log.h"

struct file_loads {
	int rate, channels;
	size_t max_frames;
	struct job *job;                  /* the file loading now (NULL: none) */
	char loading_path[PATH_MAX];      /* its file, for the log (the job owns its argument) */
	struct file_load *queue[FILE_LOAD_QUEUE_MAX]; /* those waiting their turn, in order */
	int waiting;
};

/* The job: only the load itself is touched here (no logging: the log is the loop's). */
static void file_load_run(void *arg)
{
	struct file_load *load = arg;
	load->rc = wav_load_file(load->path, load->rate, load->channels, load->max_frames, &load->samples,
	                         &load->frames, load->err, sizeof load->err);
}

static void file_load_drop(void *arg)
{
	file_load_free(arg);
}

void file_load_free(struct file_load *load)
{
	if (!load)
		return;
	free(load->samples);
	free(load);
}

struct file_loads *file_loads_new(int rate, int channels, size_t max_frames)
{
	struct file_loads *fl = calloc(1, sizeof *fl);
	if (!fl)
		return NULL;
	fl->rate = rate;
	fl->channels = channels;
	fl->max_frames = max_frames;
	return fl;
}

void file_loads_free(struct file_loads *fl)
{
	if (!fl)
		return;
	if (fl->job)
		log_event_at(LOG_PRIORITY_NOTICE, "not sent, the console is stopping: %s (still loading)", fl->loading_path);
	job_abandon(fl->job);
	while (fl->waiting > 0) {
		struct file_load *load = fl->queue[--fl->waiting];
		log_event_at(LOG_PRIORITY_NOTICE, "not sent, the console is stopping: %s", load->path);
		file_load_free(load);
	}
	free(fl);
}

/* Runs the load in a job; false (said, load freed) if no job could start. */
static bool load_start(struct file_loads *fl, struct file_load *load)
{
	char err[160];
	snprintf(fl->loading_path, sizeof fl->loading_path, "%s", load->path);
	fl->job = job_start(file_load_run, load, file_load_drop, err, sizeof err);
	if (fl->job)
		return true;
	log_event_at(LOG_PRIORITY_WARNING, "cannot send %s: %s", load->path, err);
	file_load_free(load);
	return false;
}

bool file_loads_add(struct file_loads *fl, const char *path, const char *what,
                    const struct page_target *target, bool remember)
{
	return file_loads_add_as(fl, path, what, target, remember, 0, false);
}

bool file_loads_add_as(struct file_loads *fl, const char *path, const char *what,
                       const struct page_target *target, bool remember, int priority, bool chime)
{
	if (fl->job && fl->waiting == FILE_LOAD_QUEUE_MAX) {
		log_event_at(LOG_PRIORITY_WARNING, "cannot send %s: %d files are already waiting to be loaded", path,
		          FILE_LOAD_QUEUE_MAX);
		return false;
	}
	struct file_load *load = calloc(1, sizeof *load);
	if (!load) {
		log_event_at(LOG_PRIORITY_WARNING, "cannot send %s: out of memory", path);
		return false;
	}
	snprintf(load->path, sizeof load->path, "%s", path);
	snprintf(load->what, sizeof load->what, "%s", what);
	load->rate = fl->rate;
	load->channels = fl->channels;
	load->max_frames = fl->max_frames;
	load->has_target = target != NULL;
	if (target)
		load->target = *target;
	load->remember = remember;
	load->priority = priority;
	load->chime = chime;
	if (!fl->job)
		return load_start(fl, load);
	fl->queue[fl->waiting++] = load;
	return true;
}

int file_loads_fd(const struct file_loads *fl)
{
	return fl->job ? job_fd(fl->job) : -1;
}

bool file_loads_busy(const struct file_loads *fl)
{
	return fl->job != NULL;
}

struct file_load *file_loads_take(struct file_loads *fl)
{
	if (!fl->job || !job_done(fl->job))
		return NULL;
	struct file_load *load = job_finish(fl->job);
	fl->job = NULL;
	while (fl->waiting > 0 && !fl->job) {
		struct file_load *next = fl->queue[0];
		memmove(fl->queue, fl->queue + 1, (size_t)--fl->waiting * sizeof next);
		load_start(fl, next);
	}
	return load;
}
