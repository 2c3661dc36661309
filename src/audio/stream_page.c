/* A streamed page: cut into encoded frames on the console, put back together on a speaker. */
#include "intercom/audio/stream_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/jitter.h"
#include "intercom/net/proto.h"

/* Frames one DATA carries at most: a second's worth, so a file's page goes in few frames. */
#define STREAM_OUT_BATCH 50

struct stream_out {
	struct stream_codec_params params;
	struct stream_encoder *enc;
	uint32_t page_id;
	size_t frame_samples;      /* per channel */
	size_t max_frame_bytes;
	size_t sent;               /* frames per channel of the page already encoded */
	uint32_t count;            /* stream frames encoded */
	uint64_t bytes;
	bool flushed;              /* the final frames are out */
	int16_t *pad;              /* one frame: a short last one padded, or silence */
	uint8_t *stage;            /* the encoded frames of the DATA being packed */
	size_t stage_used;
	const uint8_t *ptrs[STREAM_OUT_BATCH];
	size_t lens[STREAM_OUT_BATCH];
	uint16_t staged;
	uint32_t staged_first;
	uint8_t *out;              /* the DATA frame */
};

struct stream_out *stream_out_new(const struct stream_codec_params *params, uint32_t page_id,
                                  char *reason, size_t reasonlen)
{
	struct stream_out *so = calloc(1, sizeof *so);
	if (!so) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	so->params = *params;
	so->page_id = page_id;
	so->enc = stream_codec_encoder_new(params, reason, reasonlen);
	so->frame_samples = stream_codec_frame_samples(params->rate);
	so->max_frame_bytes = stream_codec_max_frame_bytes(params);
	if (so->enc) {
		so->pad = calloc(so->frame_samples * (size_t)params->channels, sizeof *so->pad);
		so->stage = malloc(PROTO_STREAM_DATA_MAX_PAYLOAD);
		so->out = malloc(PROTO_HEADER_SIZE + PROTO_STREAM_DATA_MAX_PAYLOAD);
		if (so->pad && so->stage && so->out)
			return so;
		snprintf(reason, reasonlen, "out of memory");
	}
	stream_out_free(so);
	return NULL;
}

void stream_out_free(struct stream_out *so)
{
	if (!so)
		return;
	stream_codec_encoder_free(so->enc);
	free(so->pad);
	free(so->stage);
	free(so->out);
	free(so);
}

/* The frames staged so far go out as one DATA. */
static void emit_staged(struct stream_out *so, stream_out_emit_fn emit, void *ctx)
{
	if (so->staged == 0)
		return;
	size_t n = proto_stream_data_encode(so->page_id, so->staged_first, so->ptrs, so->lens, so->staged,
	                                    so->out, PROTO_HEADER_SIZE + PROTO_STREAM_DATA_MAX_PAYLOAD);
	if (n)
		emit(ctx, so->out, n);
	so->staged = 0;
	so->stage_used = 0;
}

/* Encodes one frame (frame_samples x channels) and stages it. 0 or -1. */
static int encode_one(struct stream_out *so, const int16_t *frame, stream_out_emit_fn emit, void *ctx)
{
	/* 2 bytes of length per frame, and the DATA's own fields, must fit beside it. */
	if (so->staged == STREAM_OUT_BATCH ||
	    so->stage_used + so->max_frame_bytes + 2u * (so->staged + 1u) + 10u > PROTO_STREAM_DATA_MAX_PAYLOAD)
		emit_staged(so, emit, ctx);
	int n = stream_codec_encode(so->enc, frame, so->stage + so->stage_used,
	                            PROTO_STREAM_DATA_MAX_PAYLOAD - so->stage_used);
	if (n < 0)
		return -1;
	if (so->staged == 0)
		so->staged_first = so->count;
	so->ptrs[so->staged] = so->stage + so->stage_used;
	so->lens[so->staged++] = (size_t)n;
	so->stage_used += (size_t)n;
	so->count++;
	so->bytes += (uint64_t)n;
	return 0;
}

int stream_out_feed(struct stream_out *so, const int16_t *samples, size_t have, bool final,
                    stream_out_emit_fn emit, void *ctx)
{
	size_t ch = (size_t)so->params.channels, fs = so->frame_samples;
	while (!so->flushed && so->sent + fs <= have) {
		if (encode_one(so, samples + so->sent * ch, emit, ctx) < 0)
			return -1;
		so->sent += fs;
	}
	if (final && !so->flushed) {
		size_t left = have > so->sent ? have - so->sent : 0;
		if (left) {
			memset(so->pad, 0, fs * ch * sizeof *so->pad);
			memcpy(so->pad, samples + so->sent * ch, left * ch * sizeof *so->pad);
			if (encode_one(so, so->pad, emit, ctx) < 0)
				return -1;
			so->sent += left;
		}
		/* The codec's delay: the page's last samples come out of the next frame. */
		int delay = stream_codec_delay_samples(&so->params);
		if (delay > 0 && (size_t)so->count * fs < so->sent + (size_t)delay) {
			memset(so->pad, 0, fs * ch * sizeof *so->pad);
			if (encode_one(so, so->pad, emit, ctx) < 0)
				return -1;
		}
		so->flushed = true;
	}
	emit_staged(so, emit, ctx);
	return 0;
}

uint32_t stream_out_count(const struct stream_out *so)
{
	return so->count;
}

uint64_t stream_out_bytes(const struct stream_out *so)
{
	return so->bytes;
}

/* ---- a speaker's side ---- */

struct stream_page {
	struct stream_codec_params params;
	struct stream_decoder *dec;
	size_t frame_samples;      /* per channel */
	size_t delay;              /* the codec's, in samples per channel */
	uint32_t max_frames;       /* the page's announced bound */
	size_t limit;              /* stream samples per channel it may hold: the page and the delay,
	                              in whole frames */
	uint32_t next_seq;
	int16_t *buf;              /* the decoded stream: stream sample j is page sample j - delay */
	size_t cap;                /* samples per channel allocated */
	int16_t *frame;            /* one decoded frame */
};

/*
 * What a speaker's end of a stream of at most max_frames (per channel) needs
 * to know before it takes it: the codec's delay, and the stream samples per
 * channel it may hold (the console sends whole frames up to the page's end
 * and its delay, no more). -1 with a reason if the codec refuses params or
 * the page would be larger than a PAGE may be.
 */
static int stream_bounds(const struct stream_codec_params *params, uint32_t max_frames, size_t *delay,
                         size_t *limit, char *reason, size_t reasonlen)
{
	int d = stream_codec_delay_samples(params);
	if (d < 0) {
		stream_codec_check(params, reason, reasonlen);
		return -1;
	}
	if ((uint64_t)max_frames * (uint64_t)params->channels * 2u > PROTO_MAX_PAYLOAD) {
		snprintf(reason, reasonlen, "a page of %u frames x %d channels is larger than any page may be",
		         max_frames, params->channels);
		return -1;
	}
	size_t fs = stream_codec_frame_samples(params->rate);
	*delay = (size_t)d;
	*limit = ((size_t)max_frames + *delay + fs - 1) / fs * fs;
	return 0;
}

struct stream_page *stream_page_new(const struct stream_codec_params *params, uint32_t max_frames,
                                    char *reason, size_t reasonlen)
{
	size_t delay, limit;
	if (stream_bounds(params, max_frames, &delay, &limit, reason, reasonlen) < 0)
		return NULL;
	struct stream_page *sp = calloc(1, sizeof *sp);
	if (!sp) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	sp->params = *params;
	sp->frame_samples = stream_codec_frame_samples(params->rate);
	sp->delay = delay;
	sp->max_frames = max_frames;
	sp->limit = limit;
	sp->dec = stream_codec_decoder_new(params, reason, reasonlen);
	sp->frame = calloc(sp->frame_samples * (size_t)params->channels, sizeof *sp->frame);
	if (sp->dec && sp->frame)
		return sp;
	if (sp->dec)
		snprintf(reason, reasonlen, "out of memory");
	stream_page_free(sp);
	return NULL;
}

void stream_page_free(struct stream_page *sp)
{
	if (!sp)
		return;
	stream_codec_decoder_free(sp->dec);
	free(sp->buf);
	free(sp->frame);
	free(sp);
}

/* Room for want samples per channel, growing by doubling (never past the limit). */
static int reserve(struct stream_page *sp, size_t want)
{
	if (want <= sp->cap)
		return 0;
	size_t cap = sp->cap ? sp->cap : sp->frame_samples * 64;
	while (cap < want)
		cap *= 2;
	if (cap > sp->limit)
		cap = sp->limit;
	int16_t *buf = realloc(sp->buf, cap * (size_t)sp->params.channels * sizeof *buf);
	if (!buf)
		return -1;
	sp->buf = buf;
	sp->cap = cap;
	return 0;
}

int stream_page_add(struct stream_page *sp, uint32_t seq, const uint8_t *bytes, size_t len,
                    char *reason, size_t reasonlen)
{
	if (seq != sp->next_seq) {
		snprintf(reason, reasonlen, "frame %u came where frame %u was due", seq, sp->next_seq);
		return -1;
	}
	size_t end = ((size_t)seq + 1) * sp->frame_samples;
	if (end > sp->limit) {
		snprintf(reason, reasonlen, "frame %u lies past the page's %u frames", seq, sp->max_frames);
		return -1;
	}
	char why[128];
	if (stream_codec_decode(sp->dec, bytes, len, sp->frame, why, sizeof why) < 0) {
		snprintf(reason, reasonlen, "frame %u: %s", seq, why);
		return -1;
	}
	if (reserve(sp, end) < 0) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	size_t ch = (size_t)sp->params.channels;
	memcpy(sp->buf + (size_t)seq * sp->frame_samples * ch, sp->frame, sp->frame_samples * ch * sizeof *sp->frame);
	sp->next_seq++;
	return 0;
}

size_t stream_page_have(const struct stream_page *sp)
{
	size_t decoded = (size_t)sp->next_seq * sp->frame_samples;
	size_t have = decoded > sp->delay ? decoded - sp->delay : 0;
	return have < sp->max_frames ? have : sp->max_frames;
}

size_t stream_page_max(const struct stream_page *sp)
{
	return sp->max_frames;
}

int16_t *stream_page_finish(struct stream_page *sp, uint32_t count, uint32_t frames, char *reason,
                            size_t reasonlen)
{
	if (count != sp->next_seq) {
		snprintf(reason, reasonlen, "%u of %u frames arrived", sp->next_seq, count);
		return NULL;
	}
	if (frames > sp->max_frames) {
		snprintf(reason, reasonlen, "%u frames, more than the %u announced", frames, sp->max_frames);
		return NULL;
	}
	if ((size_t)count * sp->frame_samples < (size_t)frames + sp->delay) {
		snprintf(reason, reasonlen, "%u frames of audio cannot hold a page of %u", count, frames);
		return NULL;
	}
	size_t ch = (size_t)sp->params.channels;
	int16_t *page = malloc((frames ? frames : 1) * ch * sizeof *page);
	if (!page) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	if (frames)
		memcpy(page, sp->buf + sp->delay * ch, (size_t)frames * ch * sizeof *page);
	return page;
}

/* ---- a live stream on a speaker ---- */

struct stream_live {
	struct stream_codec_params params;
	struct stream_decoder *dec;
	struct jitter *jb;
	size_t frame_samples;
	uint32_t frame_us;
	size_t delay;
	size_t capacity;           /* frames per channel of the timeline */
	size_t decided;            /* frames of timeline decided */
	int16_t *buf;
	struct stream_live_stats stats;
};

struct stream_live *stream_live_new(const struct stream_codec_params *params, uint32_t max_frames,
                                    char *reason, size_t reasonlen)
{
	size_t delay, limit;
	if (stream_bounds(params, max_frames, &delay, &limit, reason, reasonlen) < 0)
		return NULL;
	struct stream_live *sl = calloc(1, sizeof *sl);
	if (!sl) {
		snprintf(reason, reasonlen, "out of memory");
		return NULL;
	}
	sl->params = *params;
	sl->frame_samples = stream_codec_frame_samples(params->rate);
	sl->frame_us = stream_codec_frame_us(params->rate);
	sl->delay = delay;
	sl->capacity = limit;
	struct jitter_config jc = jitter_default_config(sl->frame_us, stream_codec_max_frame_bytes(params));
	sl->dec = stream_codec_decoder_new(params, reason, reasonlen);
	sl->jb = sl->dec ? jitter_new(&jc) : NULL;
	sl->buf = sl->jb ? calloc(sl->capacity * (size_t)params->channels, sizeof *sl->buf) : NULL;
	if (sl->buf)
		return sl;
	if (sl->dec)
		snprintf(reason, reasonlen, "out of memory");
	stream_live_free(sl);
	return NULL;
}

void stream_live_free(struct stream_live *sl)
{
	if (!sl)
		return;
	stream_codec_decoder_free(sl->dec);
	jitter_free(sl->jb);
	free(sl->buf);
	free(sl);
}

const int16_t *stream_live_samples(const struct stream_live *sl)
{
	return sl->buf;
}

size_t stream_live_capacity(const struct stream_live *sl)
{
	return sl->capacity;
}

size_t stream_live_delay(const struct stream_live *sl)
{
	return sl->delay;
}

void stream_live_put(struct stream_live *sl, uint64_t due_us, uint32_t seq, const uint8_t *bytes,
                     size_t len)
{
	enum jitter_put_result r = jitter_put(sl->jb, due_us, seq, (uint64_t)seq * sl->frame_us, bytes, len);
	if (r == JITTER_LATE)
		sl->stats.late++;
	else if (r != JITTER_ACCEPTED)
		sl->stats.refused++;
}

size_t stream_live_fill(struct stream_live *sl, uint64_t due_us, size_t played)
{
	size_t ch = (size_t)sl->params.channels, fs = sl->frame_samples;
	struct jitter_slot slot;
	uint64_t next_us;
	/* Slot by slot, each asked for at its own time: a frame held for it is played, not passed over. */
	while (jitter_next_due(sl->jb, &next_us) && next_us <= due_us) {
		enum jitter_pop_result r = jitter_pop(sl->jb, next_us, &slot);
		if (r != JITTER_FRAME && r != JITTER_MISSING && r != JITTER_PASSED)
			break;
		size_t at = (size_t)slot.seq * fs;
		if (at + fs > sl->capacity)
			break;
		sl->decided = at + fs;
		if (at < played) {
			/* Its time at the output is gone: a frame for it can only be dropped. */
			if (r == JITTER_FRAME)
				sl->stats.late++;
			continue;
		}
		int16_t *out = sl->buf + at * ch;
		char why[96];
		if (r == JITTER_FRAME && stream_codec_decode(sl->dec, slot.bytes, slot.len, out, why, sizeof why) == 0) {
			sl->stats.played++;
		} else {
			stream_codec_conceal(sl->dec, out);
			sl->stats.concealed++;
		}
	}
	return sl->decided;
}

struct stream_live_stats stream_live_stats(const struct stream_live *sl)
{
	return sl->stats;
}
