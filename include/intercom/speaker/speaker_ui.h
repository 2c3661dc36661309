/*
 * The speaker's curses screen: draws a speaker_view snapshot into the
 * terminal that term.h set up, in one window laid out by speaker_layout, and
 * only when the snapshot (or the log) changed since the last drawing, with
 * wnoutrefresh then one doupdate, so an idle screen sends nothing. It keeps
 * the log pane's lines (it is the log sink while the screen is up). It never
 * reads keys or touches the network or the audio: speaker.c does.
 */
#ifndef INTERCOM_SPEAKER_UI_H
#define INTERCOM_SPEAKER_UI_H

#include <stdbool.h>

#include "intercom/speaker/speaker_view.h"

struct speaker_ui;

/* A screen with an empty log; draws nothing until speaker_ui_draw. NULL if out of memory. */
struct speaker_ui *speaker_ui_new(void);
void speaker_ui_free(struct speaker_ui *ui);

/* The log sink (log_sink_fn) while the screen is up: ctx is the speaker_ui. */
void speaker_ui_log_cb(const char *line, void *ctx);

/* The terminal changed size (or needs repainting): lay out again and redraw everything. */
void speaker_ui_invalidate(struct speaker_ui *ui);

/* Cells of the progress and level bars at the current size (for the view builder). */
int speaker_ui_bar_cells(struct speaker_ui *ui);

/* Draws the snapshot if it differs from what is shown. Returns true if anything was sent. */
bool speaker_ui_draw(struct speaker_ui *ui, const struct speaker_view *view);

#endif
