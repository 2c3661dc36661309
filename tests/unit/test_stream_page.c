/*
 * Unit tests of a streamed page's two ends: the console's frames packed into
 * STREAM_DATA as the page grows, and a speaker putting them back together:
 * pcm exact to the sample whatever the growth steps, opus in step with the
 * page (its codec delay removed) and close to it, every frame of the page
 * there including its last samples, and each way a stream can be wrong
 * refused with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "intercom/audio/stream_page.h"
#include "intercom/net/proto.h"

/* What the console emitted, replayed into a speaker's stream_page. */
struct wire {
	struct stream_page *sp;
	size_t datas;
	size_t largest;           /* the largest DATA frame */
	uint32_t frames_seen;
	int failed;
	char why[160];
};

static void emit_cb(void *ctx, const uint8_t *frame, size_t len)
{
	struct wire *w = ctx;
	struct proto_header h;
	assert_int_equal(proto_header_decode(frame, &h), PROTO_OK);
	assert_int_equal(h.type, PROTO_STREAM_DATA);
	assert_int_equal(h.length + PROTO_HEADER_SIZE, len);
	assert_true(h.length <= PROTO_STREAM_DATA_MAX_PAYLOAD);
	struct proto_stream_data d;
	assert_int_equal(proto_stream_data_decode(frame + PROTO_HEADER_SIZE, h.length, &d), PROTO_OK);
	assert_int_equal(d.page_id, 9);
	assert_int_equal(d.first_seq, w->frames_seen);
	size_t at = 0;
	const uint8_t *bytes;
	size_t n;
	uint16_t count = 0;
	while (proto_stream_data_next(&d, &at, &bytes, &n)) {
		if (!w->failed && stream_page_add(w->sp, d.first_seq + count, bytes, n, w->why, sizeof w->why) < 0)
			w->failed = 1;
		count++;
	}
	assert_int_equal(count, d.count);
	w->frames_seen += count;
	w->datas++;
	if (len > w->largest)
		w->largest = len;
}

/* A page of frames x channels: a few tones, loud enough to code well. */
static int16_t *tones(size_t frames, int rate, int channels)
{
	int16_t *s = malloc(frames * (size_t)channels * sizeof *s);
	for (size_t i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			s[i * (size_t)channels + (size_t)c] = (int16_t)(6000 * sin(2 * M_PI * 440 * (double)i / rate) +
			                                               4000 * sin(2 * M_PI * (700 + 300 * c) * (double)i / rate));
	return s;
}

/* Streams page (frames) growing by step frames at a time; returns what the speaker put back. */
static int16_t *round_trip(const struct stream_codec_params *p, const int16_t *page, size_t frames,
                           size_t step, struct wire *w)
{
	char why[160];
	struct stream_out *so = stream_out_new(p, 9, why, sizeof why);
	assert_non_null(so);
	memset(w, 0, sizeof *w);
	w->sp = stream_page_new(p, (uint32_t)frames, why, sizeof why);
	assert_non_null(w->sp);
	for (size_t have = 0; have < frames; have += step) {
		size_t now = have + step < frames ? have + step : frames;
		assert_int_equal(stream_out_feed(so, page, now, false, emit_cb, w), 0);
	}
	assert_int_equal(stream_out_feed(so, page, frames, true, emit_cb, w), 0);
	/* Final twice changes nothing. */
	size_t datas = w->datas;
	assert_int_equal(stream_out_feed(so, page, frames, true, emit_cb, w), 0);
	assert_int_equal(w->datas, datas);
	assert_false(w->failed);
	assert_int_equal(stream_out_count(so), w->frames_seen);
	assert_int_equal(stream_page_have(w->sp), frames);
	int16_t *got = stream_page_finish(w->sp, stream_out_count(so), (uint32_t)frames, why, sizeof why);
	assert_non_null(got);
	stream_out_free(so);
	stream_page_free(w->sp);
	return got;
}

/* pcm: the exact samples, whatever the steps the page grew by and its last, short frame. */
static void test_pcm_exact(void **state)
{
	(void)state;
	static const int rates[] = { 8000, 44100, 48000 };
	static const size_t steps[] = { 1, 700, 960, 100000 };
	for (size_t r = 0; r < 3; r++)
		for (int ch = 1; ch <= 2; ch++)
			for (size_t s = 0; s < 4; s++) {
				struct stream_codec_params p = { .codec = STREAM_CODEC_PCM, .rate = rates[r], .channels = ch };
				size_t frames = (size_t)rates[r] * 3 / 2 + 7; /* 1.5 s and a few: a short last frame */
				int16_t *page = tones(frames, rates[r], ch);
				struct wire w;
				int16_t *got = round_trip(&p, page, frames, steps[s], &w);
				assert_memory_equal(got, page, frames * (size_t)ch * sizeof *page);
				free(got);
				free(page);
			}
}

/* A file's 10 s page goes in few DATA frames, none over the limit, at most a second each. */
static void test_batching(void **state)
{
	(void)state;
	struct stream_codec_params p = { .codec = STREAM_CODEC_PCM, .rate = 48000, .channels = 1 };
	size_t frames = 480000;
	int16_t *page = tones(frames, 48000, 1);
	struct wire w;
	int16_t *got = round_trip(&p, page, frames, frames, &w);
	assert_int_equal(w.frames_seen, 500);
	assert_int_equal(w.datas, 10);
	assert_true(w.largest <= PROTO_HEADER_SIZE + PROTO_STREAM_DATA_MAX_PAYLOAD);
	free(got);
	free(page);
}

/* opus: the page's length exactly, in step (the codec delay removed), close to the page. */
static void test_opus_in_step(void **state)
{
	/* 48000 + 700 frames: the last frame's 660 samples leave no room for the delay: one more frame. */
	{
		struct stream_codec_params p = { .codec = STREAM_CODEC_OPUS, .rate = 48000, .channels = 2 };
		int16_t *page = tones(48700, 48000, 2);
		struct wire w;
		int16_t *got = round_trip(&p, page, 48700, 48700, &w);
		assert_int_equal(w.frames_seen, 52);
		free(got);
		free(page);
	}
	(void)state;
	struct stream_codec_params p = { .codec = STREAM_CODEC_OPUS, .rate = 48000, .channels = 1 };
	size_t frames = 48000 + 333;
	int16_t *page = tones(frames, 48000, 1);
	struct wire w;
	int16_t *got = round_trip(&p, page, frames, 960, &w);
	/* 50 frames of page and one padded, which holds the delay's 312 samples too. */
	assert_int_equal(w.frames_seen, 51);
	/* Correlation at lag 0 (after the first 20 ms, where the codec settles): in step. */
	double xy = 0, xx = 0, yy = 0;
	for (size_t i = 960; i < frames; i++) {
		xy += (double)page[i] * got[i];
		xx += (double)page[i] * page[i];
		yy += (double)got[i] * got[i];
	}
	double r = xy / sqrt(xx * yy);
	assert_true(r > 0.9);
	/* One sample off is already worse: the delay is removed exactly. */
	double xy1 = 0;
	for (size_t i = 960; i + 3 < frames; i++)
		xy1 += (double)page[i] * got[i + 3];
	assert_true(xy1 / sqrt(xx * yy) < r);
	free(got);
	free(page);
}

/* Each way a stream can be wrong is refused with its reason. */
static void test_refusals(void **state)
{
	(void)state;
	char why[160];
	struct stream_codec_params pcm = { .codec = STREAM_CODEC_PCM, .rate = 48000, .channels = 1 };
	/* Larger than any page may be. */
	assert_null(stream_page_new(&pcm, (uint32_t)(PROTO_MAX_PAYLOAD / 2 + 1), why, sizeof why));
	assert_non_null(strstr(why, "larger than any page"));
	/* A codec that cannot carry the format. */
	struct stream_codec_params opus441 = { .codec = STREAM_CODEC_OPUS, .rate = 44100, .channels = 1 };
	assert_null(stream_page_new(&opus441, 1000, why, sizeof why));
	assert_non_null(strstr(why, "44100"));

	struct stream_page *sp = stream_page_new(&pcm, 2000, why, sizeof why);
	assert_non_null(sp);
	uint8_t frame[1920] = { 0 };
	/* Out of order. */
	assert_int_equal(stream_page_add(sp, 1, frame, sizeof frame, why, sizeof why), -1);
	assert_string_equal(why, "frame 1 came where frame 0 was due");
	assert_int_equal(stream_page_add(sp, 0, frame, sizeof frame, why, sizeof why), 0);
	/* Bytes that are not one frame. */
	assert_int_equal(stream_page_add(sp, 1, frame, 100, why, sizeof why), -1);
	assert_non_null(strstr(why, "frame 1: "));
	assert_int_equal(stream_page_add(sp, 1, frame, sizeof frame, why, sizeof why), 0);
	assert_int_equal(stream_page_add(sp, 2, frame, sizeof frame, why, sizeof why), 0);
	/* 2000 frames announced: 3 frames of 960 hold them, a fourth lies past. */
	assert_int_equal(stream_page_add(sp, 3, frame, sizeof frame, why, sizeof why), -1);
	assert_non_null(strstr(why, "past the page"));
	/* The END: frames missing, a length past what was announced, or past what the frames hold. */
	assert_null(stream_page_finish(sp, 4, 2000, why, sizeof why));
	assert_string_equal(why, "3 of 4 frames arrived");
	assert_null(stream_page_finish(sp, 3, 2001, why, sizeof why));
	assert_non_null(strstr(why, "more than the 2000 announced"));
	struct stream_page *sp2 = stream_page_new(&pcm, 5000, why, sizeof why);
	assert_int_equal(stream_page_add(sp2, 0, frame, sizeof frame, why, sizeof why), 0);
	assert_null(stream_page_finish(sp2, 1, 961, why, sizeof why));
	assert_string_equal(why, "1 frames of audio cannot hold a page of 961");
	int16_t *ok = stream_page_finish(sp2, 1, 960, why, sizeof why);
	assert_non_null(ok);
	free(ok);
	stream_page_free(sp2);
	int16_t *page = stream_page_finish(sp, 3, 2000, why, sizeof why);
	assert_non_null(page);
	free(page);
	stream_page_free(sp);
}

/*
 * A live stream: frames in time land at their place in the timeline, a
 * frame that comes after its slot was decided is concealed there and
 * counted late (never played late), and slots the output has taken are left
 * alone.
 */
static void test_live_timeline(void **state)
{
	(void)state;
	char why[160];
	struct stream_codec_params p = { .codec = STREAM_CODEC_PCM, .rate = 48000, .channels = 1 };
	struct stream_live *sl = stream_live_new(&p, 48000, why, sizeof why);
	assert_non_null(sl);
	assert_int_equal(stream_live_capacity(sl), 48000);
	assert_int_equal(stream_live_delay(sl), 0);
	int16_t frame[960];
	uint8_t bytes[1920];
	for (uint32_t seq = 0; seq < 10; seq++) {
		if (seq == 5)
			continue; /* late: comes after its slot is decided */
		for (int i = 0; i < 960; i++)
			frame[i] = (int16_t)(seq * 1000 + i);
		memcpy(bytes, frame, sizeof bytes); /* pcm is little-endian on the wire, as here */
		stream_live_put(sl, 0, seq, bytes, sizeof bytes);
	}
	/* Decide slots 0..6 (due at 6 x 20 ms + a bit): 5 is missing, so concealed. */
	assert_int_equal(stream_live_fill(sl, 6 * 20000 + 1000, 0), 7 * 960);
	const int16_t *tl = stream_live_samples(sl);
	assert_int_equal(tl[0], 0);
	assert_int_equal(tl[4 * 960 + 17], 4017);
	assert_int_equal(tl[6 * 960 + 959], 6959);
	/* pcm conceals by fading the last sample out: nothing of slot 5's own. */
	assert_true(tl[5 * 960 + 500] == 0);
	for (int i = 0; i < 960; i++)
		frame[i] = 5000;
	memcpy(bytes, frame, sizeof bytes);
	stream_live_put(sl, 6 * 20000 + 1000, 5, bytes, sizeof bytes);
	struct stream_live_stats st = stream_live_stats(sl);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.concealed, 1);
	assert_int_equal(st.played, 6);
	assert_int_equal(tl[5 * 960 + 10] == 5000, 0);
	/* The output has taken the timeline up to slot 9: slots 7-8 are left alone, 9 is filled. */
	assert_int_equal(stream_live_fill(sl, 9 * 20000 + 1000, 9 * 960), 10 * 960);
	assert_int_equal(tl[7 * 960 + 3], 0);
	assert_int_equal(tl[9 * 960 + 3], 9003);
	st = stream_live_stats(sl);
	assert_int_equal(st.late, 3); /* 5, then 7 and 8: theirs passed at the output */
	stream_live_free(sl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcm_exact),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_opus_in_step),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_live_timeline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
