/* The speaker's screen as data: the snapshot builder and the layout. */
#include "intercom/speaker/speaker_view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "intercom/audio/volume.h"
#include "intercom/tui/textfmt.h"

/* Wider bars read no better; the rest of a wide line stays empty. */
#define SPEAKER_BAR_MAX 60
/* History entries shown before the log gets the remaining lines. */
#define SPEAKER_HISTORY_WANT 5

/* "12:03:10" in local time. */
static void wall_hms(char *out, size_t outlen, uint64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(out, outlen, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Milliseconds of frames at rate, without overflow for any page. */
static uint64_t frames_ms(size_t frames, int rate)
{
	return rate > 0 ? (uint64_t)frames * 1000u / (uint64_t)rate : 0;
}

void speaker_view_build(struct speaker_view *view, const struct speaker_state *st,
                        const struct speaker_view_input *in, uint64_t now_ms)
{
	/* Zeroed first, so two equal states give byte-equal views (the screen compares them). */
	memset(view, 0, sizeof *view);
	snprintf(view->name, sizeof view->name, "%s", in->name ? in->name : "");
	snprintf(view->zone, sizeof view->zone, "%s", in->zone ? in->zone : "");
	view->link_tone = speaker_state_link_text(st, now_ms, in->utf8, view->link, sizeof view->link);
	view->security_tone = speaker_state_security_text(st, in->keyed, view->security,
	                                                  sizeof view->security);
	view->clock_tone = speaker_state_clock_text(st, in->utf8, view->clock, sizeof view->clock);
	view->activity_tone = speaker_state_activity_text(st, view->activity, sizeof view->activity);
	view->active = st->activity != SPEAKER_IDLE;

	if (st->frames_total > 0 && st->have_format) {
		view->progress_on = true;
		uint64_t total = frames_ms(st->frames_total, st->fmt.rate);
		uint64_t done = frames_ms(st->frames_played, st->fmt.rate);
		/* The end shows the page's length exactly, even where the ms rounding differs. */
		if (st->frames_played >= st->frames_total)
			done = total;
		view->progress_permille = (int)((uint64_t)st->frames_played * 1000u / st->frames_total);
		textfmt_clock(view->elapsed, sizeof view->elapsed, done);
		textfmt_clock(view->total, sizeof view->total, total);
	}

	if (in->meter && in->meter_cells > 0) {
		view->meter_on = true;
		view->meter = meter_ballistics_view(in->meter, in->meter_cells, now_ms);
	}

	volume_describe(view->volume, sizeof view->volume, st->volume_db);
	snprintf(view->delay, sizeof view->delay, "%d ms", st->delay_ms);
	view->muted = st->muted;
	const char *dot = in->utf8 ? " · " : " | ";
	if (st->have_format) {
		char fmt[64];
		format_describe(&st->fmt, fmt, sizeof fmt);
		snprintf(view->output, sizeof view->output, "%s%s%s", in->output ? in->output : "?", dot, fmt);
	} else {
		snprintf(view->output, sizeof view->output, "%s", in->output ? in->output : "?");
	}

	view->history_len = st->history_len;
	for (size_t i = 0; i < st->history_len; i++) {
		const struct speaker_page_entry *e = &st->history[i];
		struct speaker_view_row *row = &view->history[i];
		wall_hms(row->time, sizeof row->time, e->received_wall_ms);
		if (e->page_id)
			snprintf(row->page, sizeof row->page, "%u", e->page_id);
		else
			snprintf(row->page, sizeof row->page, "?");
		snprintf(row->from, sizeof row->from, "%s", e->from);
		if (e->duration_ms)
			textfmt_clock(row->length, sizeof row->length, e->duration_ms);
		else
			snprintf(row->length, sizeof row->length, "-");
		row->tone = speaker_state_result_text(e, row->result, sizeof row->result);
	}
	view->help = in->help;
}

void speaker_layout_compute(struct speaker_layout *l, int width, int height)
{
	memset(l, 0, sizeof *l);
	l->width = width;
	l->height = height;
	l->title = l->link = l->security = l->clock = l->activity = l->progress = l->meter = l->scale =
		l->settings = l->history = l->log = l->footer = -1;
	if (width < SPEAKER_MIN_W || height < SPEAKER_MIN_H) {
		l->too_small = true;
		return;
	}
	/* Title, link, what it does and the keys always show; the rest by priority. */
	int spare = height - 4;
	bool progress = false, meter = false, security = false, settings = false, history = false,
	     log = false, gap1 = false, gap2 = false, scale = false, clock = false;
	bool *order[] = { &progress, &meter, &security, &settings, &clock };
	for (size_t i = 0; i < sizeof order / sizeof order[0] && spare > 0; i++) {
		*order[i] = true;
		spare--;
	}
	if (spare >= 2) {
		history = true;
		l->history_rows = 1;
		spare -= 2;
	}
	if (spare >= 2) {
		log = true;
		l->log_rows = 1;
		spare -= 2;
	}
	bool *extra[] = { &gap1, &scale, &gap2 };
	for (size_t i = 0; i < sizeof extra / sizeof extra[0] && spare > 0; i++) {
		*extra[i] = true;
		spare--;
	}
	int more = spare < SPEAKER_HISTORY_WANT - 1 ? spare : SPEAKER_HISTORY_WANT - 1;
	if (history) {
		l->history_rows += more;
		spare -= more;
	}
	if (log) {
		l->log_rows += spare;
	} else if (history) {
		int room = SPEAKER_HISTORY - l->history_rows;
		l->history_rows += spare < room ? spare : room;
	}

	int y = 0;
	l->title = y++;
	if (gap1)
		y++;
	l->link = y++;
	if (security)
		l->security = y++;
	if (clock)
		l->clock = y++;
	l->activity = y++;
	if (progress)
		l->progress = y++;
	if (meter)
		l->meter = y++;
	if (scale)
		l->scale = y++;
	if (settings)
		l->settings = y++;
	if (gap2)
		y++;
	if (history) {
		l->history = y;
		y += 1 + l->history_rows;
	}
	if (log) {
		l->log = y;
		y += 1 + l->log_rows;
	}
	l->footer = height - 1;

	int cells = width - SPEAKER_LABEL_W - SPEAKER_PROGRESS_TAIL_W;
	l->bar_cells = cells < 0 ? 0 : cells > SPEAKER_BAR_MAX ? SPEAKER_BAR_MAX : cells;
}
