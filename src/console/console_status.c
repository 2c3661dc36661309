/* The status command's JSON and text (console_status.h). */
#include "intercom/console/console_status.h"

#include <stdio.h>
#include <string.h>

#include "intercom/common/defaults.h"
#include "intercom/console/console_view.h"
#include "intercom/net/proto.h"

static const char *sync_state_name(const struct station_speaker *sp)
{
	if (sp->legacy)
		return "none";
	switch (sp->sync_state) {
	case SYNC_SETTLING: return "settling";
	case SYNC_LOCKED: return "locked";
	default: return "none";
	}
}

/* The latest page's state on a speaker, as the protocol names it ("played"), or "idle". */
static const char *page_state_name(const struct station_speaker *sp)
{
	return sp->page_id ? proto_page_state_name(sp->page_state) : "idle";
}

static void json_speaker(struct json *j, const struct station_speaker *sp, uint64_t now_ms)
{
	struct console_row row;
	console_view_row(&row, sp, NULL, now_ms);
	json_object_begin(j, NULL);
	json_int(j, "id", sp->id);
	json_str(j, "name", sp->name);
	json_str(j, "zone", sp->zone);
	json_str(j, "address", sp->addr);
	json_bool(j, "legacy", sp->legacy);
	json_int(j, "connected_s", (int64_t)((now_ms - sp->connected_ms) / 1000));
	json_int(j, "rtt_us", sp->rtt_us);
	json_str(j, "state", row.state); /* as the screen's STATE column says it */
	json_object_begin(j, "sync");
	json_str(j, "state", sync_state_name(sp));
	if (sp->sync_state == SYNC_LOCKED && !sp->legacy)
		json_int(j, "uncertainty_us", sp->sync_uncertainty_us);
	else
		json_null(j, "uncertainty_us");
	json_object_end(j);
	json_object_begin(j, "last_page");
	json_int(j, "id", sp->page_id);
	json_str(j, "state", page_state_name(sp));
	json_bool(j, "final", console_state_speaker_final(sp));
	json_str(j, "reason", sp->page_reason);
	json_int(j, "late_ms", sp->page_late_ms);
	json_object_end(j);
	json_object_end(j);
}

static void json_page(struct json *j, const struct station_page *pg)
{
	char summary[512];
	console_view_summary(summary, sizeof summary, pg);
	json_object_begin(j, "last_page");
	json_int(j, "id", pg->id);
	json_str(j, "priority", priority_name((enum priority)pg->priority));
	json_int(j, "targets", (int64_t)pg->targets);
	json_int(j, "delivered", (int64_t)pg->delivered);
	json_int(j, "played", (int64_t)pg->played);
	json_int(j, "failed", (int64_t)pg->failed);
	json_int(j, "muted", (int64_t)pg->muted);
	json_int(j, "expired", (int64_t)pg->expired);
	json_int(j, "late", (int64_t)pg->late);
	json_int(j, "legacy", (int64_t)pg->legacy);
	json_bool(j, "done", pg->summarised);
	json_str(j, "summary", summary);
	json_object_end(j);
}

void console_status_json(struct json *j, const struct console_state *cs,
                         const struct console_status_input *in)
{
	json_object_begin(j, NULL);
	json_object_begin(j, "console");
	json_str(j, "name", in->name);
	json_str(j, "version", INTERCOM_VERSION);
	json_str(j, "fingerprint", in->fingerprint);
	json_str(j, "listen", in->listen);
	json_object_end(j);
	json_str(j, "mode", cs->live ? "live" : "page");
	json_num(j, "duration_s", cs->duration_s, 2);
	json_object_begin(j, "target");
	const struct page_target *t = &cs->target;
	json_str(j, "kind", page_target_is_all(t) ? "all" : t->zone_count && t->speaker_count ? "mixed"
	                    : t->zone_count ? "zone" : "speaker");
	if (t->zone_count) {
		json_array_begin(j, "zones");
		for (size_t i = 0; i < t->zone_count; i++)
			json_str(j, NULL, t->zones[i]);
		json_array_end(j);
	}
	json_array_begin(j, "speakers");
	for (size_t i = 0; !page_target_is_all(t) && i < t->speaker_count; i++)
		json_str(j, NULL, t->speakers[i]);
	json_array_end(j);
	json_bool(j, "missing", console_state_target_missing(cs));
	json_int(j, "offline", (long long)console_state_target_offline(cs, NULL));
	json_object_end(j);
	/* A setting of the console is one line here. */
	json_str(j, "priority", priority_name(cs->page.priority));
	json_str(j, "chime", page_settings_chime_name(&cs->page));
	json_int(j, "preroll_ms", cs->page.preroll_ms);
	json_int(j, "page_counter", in->page_counter);
	json_bool(j, "recording", in->recording);
	if (in->recording) {
		json_num(j, "recorded_s", in->recorded_s, 2);
		json_num(j, "recording_s", in->recording_s, 2);
	}
	json_object_begin(j, "input");
	json_bool(j, "ok", in->input_ok);
	json_str(j, in->input_ok ? "device" : "missing", in->input_name);
	json_object_end(j);
	json_page(j, in->page);
	json_array_begin(j, "speakers");
	for (size_t i = 0; i < cs->speaker_count; i++)
		json_speaker(j, cs->speakers[i], in->now_ms);
	json_array_end(j);
	json_array_begin(j, "offline");
	for (size_t i = 0; in->known && i < in->known->n; i++) {
		const struct known_speaker *k = &in->known->v[i];
		if (k->id)
			continue;
		json_object_begin(j, NULL);
		json_str(j, "name", k->name);
		json_str(j, "zone", k->zone);
		json_str(j, "fingerprint", k->fingerprint);
		json_int(j, "offline_s", (int64_t)((in->now_ms - k->last_seen_ms) / 1000));
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "waiting");
	for (size_t i = 0; in->waiting && i < in->waiting->n; i++) {
		const struct wait_entry *e = &in->waiting->v[i];
		json_object_begin(j, NULL);
		json_int(j, "page", e->page_id);
		json_str(j, "speaker", e->name);
		json_int(j, "waited_s", (int64_t)((in->now_ms - e->since_ms) / 1000));
		json_int(j, "expires_in_s", (int64_t)((e->since_ms + in->waiting->max_age_ms > in->now_ms
		                                       ? e->since_ms + in->waiting->max_age_ms - in->now_ms : 0) / 1000));
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "pending");
	for (size_t i = 0; i < in->lobby_count; i++) {
		const struct station_speaker *sp = in->lobby[i];
		json_object_begin(j, NULL);
		json_int(j, "id", sp->id);
		json_str(j, "name", sp->name);
		json_str(j, "address", sp->addr);
		json_str(j, "fingerprint", sp->fingerprint);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void console_status_text(void (*line)(void *ctx, const char *text), void *ctx,
                         const struct console_state *cs, const struct console_status_input *in)
{
	char text[1024];
	snprintf(text, sizeof text, "console %s (%s) on %s, key %s", in->name, INTERCOM_VERSION, in->listen,
	         in->fingerprint);
	line(ctx, text);
	char rec[96] = "not recording";
	if (in->recording)
		snprintf(rec, sizeof rec, "RECORDING %.1f of %.1f s", in->recorded_s, in->recording_s);
	char target[512];
	console_state_target_text(cs, target, sizeof target);
	snprintf(text, sizeof text, "%s, duration %.2f s, next page to %s%s, %s",
	         cs->live ? "live talk" : "pages", cs->duration_s, target,
	         console_state_target_missing(cs) ? " (not connected)" : "", rec);
	line(ctx, text);
	snprintf(text, sizeof text, "priority %s, chime %s, pre-roll %d ms, last page number %u",
	         priority_name(cs->page.priority), page_settings_chime_name(&cs->page), cs->page.preroll_ms,
	         in->page_counter);
	line(ctx, text);
	snprintf(text, sizeof text, "input: %s%s", in->input_ok ? "" : "none: ", in->input_name);
	line(ctx, text);
	char summary[512];
	console_view_summary(summary, sizeof summary, in->page);
	line(ctx, in->page->id ? summary : "no page yet");
	snprintf(text, sizeof text, "%zu speaker%s connected%s", cs->speaker_count,
	         cs->speaker_count == 1 ? "" : "s", cs->speaker_count ? ":" : "");
	line(ctx, text);
	for (size_t i = 0; i < cs->speaker_count; i++) {
		const struct station_speaker *sp = cs->speakers[i];
		struct console_row row;
		console_view_row(&row, sp, NULL, in->now_ms);
		snprintf(text, sizeof text, "  %-16s zone %-10s id %-4u %-22s sync %-9s page %u %s",
		         sp->name, sp->zone[0] ? sp->zone : "-", sp->id, sp->addr, row.sync, sp->page_id,
		         row.state);
		line(ctx, text);
	}
	for (size_t i = 0; in->known && i < in->known->n; i++) {
		const struct known_speaker *k = &in->known->v[i];
		if (k->id)
			continue;
		snprintf(text, sizeof text, "  %-16s zone %-10s offline %llu s, key %s", k->name, k->zone[0] ? k->zone : "-",
		         (unsigned long long)((in->now_ms - k->last_seen_ms) / 1000), k->fingerprint[0] ? k->fingerprint : "-");
		line(ctx, text);
	}
	for (size_t i = 0; in->waiting && i < in->waiting->n; i++) {
		const struct wait_entry *e = &in->waiting->v[i];
		snprintf(text, sizeof text, "page %u waits for %s (%llu s)", e->page_id, e->name,
		         (unsigned long long)((in->now_ms - e->since_ms) / 1000));
		line(ctx, text);
	}
	for (size_t i = 0; i < in->lobby_count; i++) {
		const struct station_speaker *sp = in->lobby[i];
		snprintf(text, sizeof text, "asks to join: %s (id %u) from %s, fingerprint %s: approve %u",
		         sp->name, sp->id, sp->addr, sp->fingerprint, sp->id);
		line(ctx, text);
	}
}

enum console_status_form console_status_form(const char *line)
{
	while (*line == ' ')
		line++;
	size_t len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		len--;
	if (len == 6 && strncmp(line, "status", 6) == 0)
		return CONSOLE_STATUS_JSON;
	if (len == 11 && strncmp(line, "status text", 11) == 0)
		return CONSOLE_STATUS_TEXT;
	return CONSOLE_STATUS_NONE;
}

int console_status_say(enum console_status_form form, void (*line)(void *ctx, const char *text), void *ctx,
                       const struct console_state *cs, const struct console_status_input *in)
{
	if (form == CONSOLE_STATUS_TEXT) {
		console_status_text(line, ctx, cs, in);
		return 0;
	}
	struct json j;
	json_init(&j);
	console_status_json(&j, cs, in);
	const char *text = json_finish(&j);
	line(ctx, text ? text : "status: the console ran out of memory");
	json_free(&j);
	return text ? 0 : -1;
}
