/*
 * The console's `status` command: what it is doing, as one JSON object on
 * one line (for scripts: intercom-ctl status --json) or as readable lines
 * (`status text`), both from the same facts: the console (name, version,
 * key, address), the mode, duration and target, recording or not, the input,
 * the latest page's tally, every speaker (id, name, zone, address, state,
 * clock sync, latest page and its outcome) and the speakers asking to join.
 * Shaped to grow: a new fact is one json_* line in console_status_json
 * (docs/PROTOCOL.md lists the fields). Pure: built from console_state, the
 * station's speakers and page, and what the loop knows (the input).
 */
#ifndef INTERCOM_CONSOLE_STATUS_H
#define INTERCOM_CONSOLE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intercom/common/json.h"
#include "intercom/console/console_state.h"
#include "intercom/console/known_speakers.h"
#include "intercom/console/wait_queue.h"
#include "intercom/console/station.h"

/* What the status says beyond console_state: the loop's knowledge. */
struct console_status_input {
	const char *name;         /* the console's name, as speakers are told it (its host name) */
	const char *fingerprint;  /* the console's key */
	const char *listen;       /* "127.0.0.1:2348" */
	bool input_ok;
	const char *input_name;   /* the input device, or why there is none */
	bool recording;
	double recorded_s, recording_s; /* so far, and the whole recording */
	const struct station_page *page; /* the latest page's tally (id 0: none yet) */
	const struct station_speaker *const *lobby; /* the speakers asking to join */
	size_t lobby_count;
	uint64_t now_ms;          /* monotonic, for ages */
	const struct known_speakers *known; /* speakers seen: the offline ones are listed (NULL: none) */
	const struct wait_queue *waiting;   /* pages waiting for offline speakers (NULL: none) */
	uint32_t page_counter;    /* the last page number used (kept across restarts) */
};

/* The status as one JSON object into j (a fresh json). */
void console_status_json(struct json *j, const struct console_state *cs,
                         const struct console_status_input *in);

/* The same as readable lines, each handed to line. */
void console_status_text(void (*line)(void *ctx, const char *text), void *ctx,
                         const struct console_state *cs, const struct console_status_input *in);

/* Which status a command line asks for: `status` (JSON), `status text`, or none (another command). */
enum console_status_form { CONSOLE_STATUS_NONE, CONSOLE_STATUS_JSON, CONSOLE_STATUS_TEXT };
enum console_status_form console_status_form(const char *line);

/*
 * The status in that form, as lines handed to line (JSON: one line). -1 if
 * memory ran out (said as the one line).
 */
int console_status_say(enum console_status_form form, void (*line)(void *ctx, const char *text), void *ctx,
                       const struct console_state *cs, const struct console_status_input *in);

#endif
