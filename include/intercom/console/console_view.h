/*
 * What the console's screen shows, as plain data: one snapshot per loop pass,
 * built from the console_state (target, duration, speakers in table order,
 * selection, prompt, remembered outcomes), the latest page's tally, the
 * capture's progress and the meter, already formatted as text. The screen
 * draws a snapshot and compares it with the previous one to redraw only what
 * changed. The builders here are pure (the station's structs are read, never
 * the station itself), so units test them.
 */
#ifndef INTERCOM_CONSOLE_VIEW_H
#define INTERCOM_CONSOLE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/defaults.h"
#include "intercom/console/console_state.h"
#include "intercom/console/page_history.h"
#include "intercom/console/station.h"
#include "intercom/tui/meter_scale.h"

/* Table rows in one snapshot at most: more than any terminal shows at once. */
#define CONSOLE_VIEW_ROWS 256
/* The header's and the banner's words for where the next page goes (cut, and said to be, beyond it). */
#define CONSOLE_VIEW_TARGET_MAX 160

/* Lines the history view lists at most: every page remembered, and the picked one's speakers. */
#define CONSOLE_VIEW_HISTORY_LINES (HISTORY_PAGES + HISTORY_SPEAKERS + 2)

/* How a piece of text should stand out; the screen maps tones to colours. */
enum console_tone {
	CONSOLE_TONE_NORMAL,
	CONSOLE_TONE_DIM,
	CONSOLE_TONE_OK,
	CONSOLE_TONE_WARN,
	CONSOLE_TONE_BAD,
	CONSOLE_TONE_ACCENT,
};

struct console_row {
	uint32_t id;
	char name[NAME_MAX_BYTES + 1];
	char zone[NAME_MAX_BYTES + 1];
	char addr[64];
	char up[12];              /* connection age */
	char rtt[12];
	char sync[12];            /* "±0.3 ms" locked, "syncing" settling, "-" no clock (legacy, none yet) */
	enum console_tone sync_tone;
	char state[160];          /* "idle", "receiving 40%", "playing 45%", "failed: ..." */
	int progress;             /* 0..1000 for a bar after the state text; -1: no bar */
	enum console_tone state_tone;
	char last[160];           /* the page before: "#6 played", "#6 failed: ...", "-" */
	enum console_tone last_tone;
};

/*
 * One snapshot. Built from zeroed memory each pass (strings are snprintf'ed
 * into zeroes), so each part can be compared with memcmp to find what to redraw.
 */
struct console_view_header {
	char listen[80];          /* "0.0.0.0:2348" */
	char input[336];          /* the input device's name ("pulse"), or why there is none */
	char input_format[48];    /* "48000 Hz mono 16-bit"; empty without an input */
	bool input_ok;
	char duration[24];        /* "5.0 s", "live 5.0 s" */
	char preroll[24];         /* "+0.3 s pre-roll" beside it; "" for none (live talk has none) */
	size_t speakers;          /* connected (may exceed the rows listed) */
	char target[CONSOLE_VIEW_TARGET_MAX]; /* "all speakers", "zone hall", "hall-1, hall-2" */
	bool target_missing;      /* no chosen speaker is connected */
	bool emergency;           /* the next page is an emergency (the target says so) */
	char link[48];            /* "encrypted, key ab12cd34" (+ ", pre-shared key"), or
	                             "LEGACY PORT OPEN: unencrypted" */
	bool link_secure;         /* every link is encrypted (no open legacy port) */
};

struct console_view_status {
	bool recording;
	char rec_target[CONSOLE_VIEW_TARGET_MAX + 32]; /* where the recording goes: "to hall-1", "to all speakers" */
	char rec_elapsed[16];     /* "00:02.3" */
	char rec_total[16];       /* "00:05.0" */
	char rec_left[32];        /* "2.7 s left" */
	int rec_left_permille;    /* countdown bar: 1000 at the start, 0 at the end */
	bool held;                /* Space is held for it: letting go sends it */
	char text[512];           /* page summary or a hint, when not recording (wrapped, never cut) */
	enum console_tone tone;
	char notice[CONSOLE_NOTICE_MAX]; /* the answer to the operator (console_state's notice),
	                                    shown in full instead of the summary; "" none */
	enum console_tone notice_tone;
};

/* The rows that fit on the screen: only those are formatted, however many speakers there are. */
struct console_view_table {
	size_t total;             /* speakers connected */
	size_t first;             /* the table's index of rows[0] (scrolled to keep the selection in view) */
	size_t row_count;         /* rows listed */
	int selected;             /* index into rows, -1: the selected speaker is not among them */
	struct console_row rows[CONSOLE_VIEW_ROWS];
};

struct console_view_footer {
	enum console_prompt prompt;
	char text[512];           /* what the operator typed so far */
	bool recording;           /* the keys that matter change while recording */
	bool can_test;            /* a speaker is selected: T and t make sense */
	bool hold;                /* Space talks while held (the terminal reports releases), else a toggle */
	bool held;                /* ... and is held now, for the recording under way */
};

/* The history view (H): each page remembered, newest first, the picked one's speakers under it. */
struct console_view_history {
	bool open;
	size_t count;             /* lines */
	size_t picked;            /* the picked page's line */
	char lines[CONSOLE_VIEW_HISTORY_LINES][200];
	enum console_tone tones[CONSOLE_VIEW_HISTORY_LINES];
};

struct console_view {
	struct console_view_header header;
	struct console_view_status status;
	bool meter_on;            /* there is an input to measure */
	struct meter_ballistics meter; /* the screen quantises it to its own width */
	uint64_t now_ms;          /* monotonic time of the snapshot, for the meter */
	struct console_view_table table;
	struct console_view_footer footer;
	bool help;
	size_t help_top;          /* the help's first line shown */
	bool log_view;            /* the events, full screen */
	size_t log_back;          /* events hidden below its last line */
	struct console_view_history history; /* H: zeroed unless open */
};

/* What the snapshot needs beside the console_state: the program's facts and its devices' now. */
struct console_view_input {
	const char *listen;           /* "0.0.0.0:2348" */
	bool input_ok;                /* an input device is open */
	const char *input_name;       /* its name as PortAudio lists it */
	const char *input_format;     /* "48000 Hz mono 16-bit" */
	const char *no_input;         /* why there is no input */
	bool keyed;                   /* --key-file: mixed into every handshake */
	const char *key_short;        /* the console's key, its first 8 digits ("" unknown) */
	bool legacy_open;             /* --legacy-port: pages leave unencrypted there */
	bool rtp_open;                /* --rtp: pages leave as plain, unauthenticated RTP */
	const struct station_speaker *asking; /* the first speaker asking to join, or NULL */
	size_t asking_count;          /* how many ask */
	bool recording;               /* a capture is armed: the status shows its countdown */
	size_t rec_have, rec_want;    /* its frames so far, and in all */
	int rec_priority;             /* enum priority of the recording */
	const struct station_page *page;      /* the latest page's tally */
	const struct meter_ballistics *meter; /* the input's levels; NULL: no input */
	const struct page_history *history;   /* the recent pages (NULL: none) */
	size_t waiting;               /* speakers the latest page waits for (offline) */
	size_t waiting_all;           /* speakers any page waits for */
};

/*
 * Fills view from cs (after console_state_table_update: only its rows on
 * screen are formatted) and in, at monotonic time now_ms. The table's rows
 * beyond those listed are left as they were (each row is zeroed as it is
 * filled); everything else is zeroed first, so equal inputs give equal bytes.
 */
void console_view_build(struct console_view *view, const struct console_state *cs,
                        const struct console_view_input *in, uint64_t now_ms);

/*
 * Fills the status part alone (console_view_build does it too): the loop
 * needs it first, to know how many lines it takes and so how many table
 * rows fit.
 */
void console_view_status(struct console_view_status *status, const struct console_state *cs,
                         const struct console_view_input *in);

/*
 * The history view's lines: each page of h (NULL: none), newest first, and
 * under the picked one (0: the latest) its outcome on every speaker.
 */
void console_view_history(struct console_view_history *hv, size_t picked, const struct page_history *h,
                          uint64_t now_ms);

/*
 * A speaker's clock as the SYNC column shows it: "±0.3 ms" when locked (to
 * the console's clock within that), "syncing" while it settles, "-" with no
 * estimate or no clock at all (legacy speakers). Returns its tone.
 */
enum console_tone console_view_sync(char *out, size_t outlen, const struct station_speaker *sp);

/* Fills a table row from a speaker, its remembered last result, at monotonic time now_ms. */
void console_view_row(struct console_row *row, const struct station_speaker *sp,
                      const struct console_result *last, uint64_t now_ms);

/*
 * The status line for the latest page: in flight ("page 3 to 2 speakers:
 * delivered 1/2, played 0/2"), or its summary ("page 3: delivered to 3/3,
 * played by 1/3, 1 joined late by 120 ms, failed on lobby-2: output device
 * unavailable, expired on stage, muted on hall"). A page whose time had
 * passed on a speaker is "expired" there, an outcome of its own. The reasons are those the tally kept when each speaker reported
 * (grouped: "failed on room-01 and 24 others: ..."), so speakers leaving
 * afterwards do not change them. Returns its tone.
 */
enum console_tone console_view_summary(char *out, size_t outlen, const struct station_page *page);

#endif
