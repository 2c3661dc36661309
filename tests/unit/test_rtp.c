/*
 * Unit tests of RTP (net/rtp) and its codecs (audio/rtp_codec): the header
 * byte for byte (RFC 3550 5.1), CSRCs, extension and padding skipped, every
 * malformed packet refused; the sender's sequence, timestamps (G.722's 8 kHz
 * clock), marker and wrap; the receiver's duplicates, reordering, wrap, a
 * second source, a restart; the pacing schedule (slots against the clock,
 * no drift, a stall skipped); the option's text; each codec's round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "intercom/audio/rtp_codec.h"
#include "intercom/audio/rtp_depack.h"
#include "intercom/audio/stream_codec.h"
#include "intercom/net/rtp.h"

static void test_header_bytes(void **state)
{
	(void)state;
	struct rtp_header h = { .marker = true, .payload_type = 9, .seq = 0xfffe, .timestamp = 0x01020304,
	                        .ssrc = 0xdeadbeef };
	uint8_t b[RTP_HEADER_BYTES];
	assert_int_equal(rtp_header_write(&h, b, sizeof b), RTP_HEADER_BYTES);
	const uint8_t want[] = { 0x80, 0x89, 0xff, 0xfe, 1, 2, 3, 4, 0xde, 0xad, 0xbe, 0xef };
	assert_memory_equal(b, want, sizeof want);
	assert_int_equal(rtp_header_write(&h, b, 11), 0);
}

static void test_parse_skips_csrc_extension_padding(void **state)
{
	(void)state;
	/* V=2, P=1, X=1, CC=2; two CSRCs, an extension of 1 word, 3 payload bytes, 2 of padding. */
	uint8_t p[] = { 0xb2, 0x00, 0, 7, 0, 0, 0, 160, 0, 0, 0, 1,
	                0, 0, 0, 2, 0, 0, 0, 3,
	                0xbe, 0xde, 0, 1, 9, 9, 9, 9,
	                'a', 'b', 'c', 0, 2 };
	struct rtp_header h;
	const uint8_t *pl;
	size_t len;
	assert_int_equal(rtp_parse(p, sizeof p, &h, &pl, &len), RTP_OK);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.timestamp, 160);
	assert_int_equal(h.ssrc, 1);
	assert_int_equal(len, 3);
	assert_memory_equal(pl, "abc", 3);
}

static void test_parse_refuses_bad_packets(void **state)
{
	(void)state;
	struct rtp_header h;
	const uint8_t *pl;
	size_t len;
	uint8_t p[RTP_MAX_PACKET_BYTES + 1] = { 0x80, 0x00 };
	assert_int_equal(rtp_parse(p, 11, &h, &pl, &len), RTP_SHORT);
	assert_int_equal(rtp_parse(p, 12, &h, &pl, &len), RTP_EMPTY);
	assert_int_equal(rtp_parse(p, 13, &h, &pl, &len), RTP_OK);
	assert_int_equal(rtp_parse(p, sizeof p, &h, &pl, &len), RTP_HUGE);
	p[0] = 0x40; /* version 1 */
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_BAD_VERSION);
	p[0] = 0x8f; /* 15 CSRCs in a 20-byte packet */
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_SHORT);
	p[0] = 0x90; /* an extension whose length runs past the end */
	p[14] = 0xff;
	p[15] = 0xff;
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_SHORT);
	memset(p, 0, 20);
	p[0] = 0xa0; /* padding of 0, then of more than the payload */
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_BAD_PADDING);
	p[19] = 9;
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_BAD_PADDING);
	p[19] = 8; /* padding that leaves nothing */
	assert_int_equal(rtp_parse(p, 20, &h, &pl, &len), RTP_EMPTY);
}

static void test_sender_numbers_marker_wrap(void **state)
{
	(void)state;
	struct rtp_sender s;
	rtp_sender_init(&s, 9, 42, 0xffff, 0xffffff00u);
	rtp_sender_talk(&s);
	uint8_t pkt[64], pl[4] = { 1, 2, 3, 4 };
	struct rtp_header h[3];
	for (int i = 0; i < 3; i++) {
		size_t n = rtp_sender_packet(&s, pl, sizeof pl, 160, pkt, sizeof pkt);
		assert_int_equal(n, RTP_HEADER_BYTES + 4);
		const uint8_t *got;
		size_t len;
		assert_int_equal(rtp_parse(pkt, n, &h[i], &got, &len), RTP_OK);
		assert_memory_equal(got, pl, 4);
	}
	assert_true(h[0].marker);
	assert_false(h[1].marker);
	assert_int_equal(h[0].seq, 0xffff);
	assert_int_equal(h[1].seq, 0);
	assert_int_equal(h[2].seq, 1);
	assert_int_equal(h[1].timestamp, 0xffffff00u + 160);
	assert_int_equal(h[2].timestamp, 0x40u); /* 0xffffff00 + 320: the timestamp wraps too */
	assert_int_equal(h[2].ssrc, 42);
	rtp_sender_skip(&s, 8000);
	rtp_sender_talk(&s);
	size_t n = rtp_sender_packet(&s, pl, 1, 160, pkt, sizeof pkt);
	const uint8_t *got;
	size_t len;
	struct rtp_header h4;
	assert_int_equal(rtp_parse(pkt, n, &h4, &got, &len), RTP_OK);
	assert_true(h4.marker);
	assert_int_equal(h4.seq, 2);
	assert_int_equal(h4.timestamp, 0xffffff00u + 480 + 8000);
	assert_int_equal(rtp_sender_packet(&s, pl, 4, 160, pkt, 15), 0);
}

static struct rtp_header hdr(uint16_t seq, uint32_t ssrc)
{
	return (struct rtp_header){ .payload_type = 0, .seq = seq, .timestamp = seq * 160u, .ssrc = ssrc };
}

static enum rtp_refusal take(struct rtp_receiver *r, uint16_t seq, uint32_t ssrc, uint64_t now, uint32_t *ext)
{
	bool fresh;
	struct rtp_header h = hdr(seq, ssrc);
	return rtp_receiver_accept(r, &h, now, ext, &fresh);
}

static void test_receiver_order_duplicates_wrap(void **state)
{
	(void)state;
	struct rtp_receiver r;
	rtp_receiver_init(&r, 0);
	uint32_t e0, e;
	assert_int_equal(take(&r, 65534, 7, 0, &e0), RTP_OK);
	assert_int_equal(take(&r, 65535, 7, 20, &e), RTP_OK);
	assert_int_equal(e, e0 + 1);
	assert_int_equal(take(&r, 1, 7, 40, &e), RTP_OK); /* across the wrap, 0 still to come */
	assert_int_equal(e, e0 + 3);
	assert_int_equal(take(&r, 0, 7, 45, &e), RTP_OK); /* reordered */
	assert_int_equal(e, e0 + 2);
	assert_int_equal(take(&r, 0, 7, 46, &e), RTP_DUPLICATE);
	assert_int_equal(take(&r, 1, 7, 47, &e), RTP_DUPLICATE);
	assert_int_equal(take(&r, 65534, 7, 48, &e), RTP_DUPLICATE);
	assert_int_equal(take(&r, (uint16_t)(1 - 200), 7, 50, &e), RTP_TOO_OLD);
	assert_int_equal(take(&r, 2, 8, 60, &e), RTP_OTHER_SOURCE);
	struct rtp_header wrong = hdr(2, 7);
	wrong.payload_type = 8;
	bool fresh;
	assert_int_equal(rtp_receiver_accept(&r, &wrong, 61, &e, &fresh), RTP_WRONG_PT);
	assert_int_equal(r.refused[RTP_DUPLICATE], 3);
	assert_int_equal(rtp_receiver_refused(&r), 6);
	assert_int_equal(r.taken, 4);
}

static void test_receiver_new_source_after_idle(void **state)
{
	(void)state;
	struct rtp_receiver r;
	rtp_receiver_init(&r, 0);
	uint32_t e;
	bool fresh;
	struct rtp_header h = hdr(100, 1);
	assert_int_equal(rtp_receiver_accept(&r, &h, 1000, &e, &fresh), RTP_OK);
	assert_true(fresh);
	h = hdr(101, 1);
	assert_int_equal(rtp_receiver_accept(&r, &h, 1020, &e, &fresh), RTP_OK);
	assert_false(fresh);
	/* Another sender while the first one plays is refused; once it has been silent, taken. */
	h = hdr(5000, 2);
	assert_int_equal(rtp_receiver_accept(&r, &h, 1500, &e, &fresh), RTP_OTHER_SOURCE);
	assert_int_equal(rtp_receiver_accept(&r, &h, 1020 + RTP_SOURCE_IDLE_MS, &e, &fresh), RTP_OK);
	assert_true(fresh);
	/* The same SSRC restarted far away (a restarted sender): taken once it was silent. */
	h = hdr(30000, 2);
	assert_int_equal(rtp_receiver_accept(&r, &h, 2100, &e, &fresh), RTP_TOO_OLD);
	assert_int_equal(rtp_receiver_accept(&r, &h, 2020 + RTP_SOURCE_IDLE_MS, &e, &fresh), RTP_OK);
	assert_true(fresh);
	assert_int_equal(r.sources, 3);
}

static void test_pace_slots_no_drift(void **state)
{
	(void)state;
	struct rtp_pace p;
	uint64_t skipped;
	rtp_pace_start(&p, 1000000, 20000);
	assert_int_equal(rtp_pace_next_us(&p), 1000000);
	assert_int_equal(rtp_pace_due(&p, 999999, 5, &skipped), 0);
	assert_int_equal(rtp_pace_due(&p, 1000000, 5, &skipped), 1);
	rtp_pace_sent(&p);
	/* Woken late by 7 ms: still one packet, and the next slot is not moved by it. */
	assert_int_equal(rtp_pace_due(&p, 1027000, 5, &skipped), 1);
	rtp_pace_sent(&p);
	assert_int_equal(rtp_pace_next_us(&p), 1040000);
	/* 10 000 packets later the slot is exactly start + k x 20 ms. */
	for (int i = 0; i < 10000; i++)
		rtp_pace_sent(&p);
	assert_int_equal(rtp_pace_next_us(&p), 1000000 + 10002ull * 20000);
	/* A stall of 1 s: only the last 5 slots are sent, the rest skipped. */
	uint64_t now = rtp_pace_next_us(&p) + 1000000;
	assert_int_equal(rtp_pace_due(&p, now, 5, &skipped), 5);
	assert_int_equal(skipped, 46);
	assert_int_equal(skipped, 1000000 / 20000 + 1 - 5);
}

static void test_spec_parse(void **state)
{
	(void)state;
	struct rtp_spec s;
	char err[200];
	assert_int_equal(rtp_spec_parse("224.0.2.60:50000", false, &s, err, sizeof err), 0);
	assert_string_equal(s.group, "224.0.2.60");
	assert_int_equal(s.port, 50000);
	assert_int_equal(s.codec, RTP_CODEC_PCMU);
	assert_int_equal(s.ttl, RTP_DEFAULT_TTL);
	assert_true(s.multicast);
	assert_string_equal(s.name, "rtp:224.0.2.60:50000");
	assert_int_equal(rtp_spec_parse("10.0.0.9:5004,codec=g722,ttl=4,iface=eth0,zone=hall,name=horns", false, &s,
	                                err, sizeof err),
	                 0);
	assert_false(s.multicast);
	assert_int_equal(s.codec, RTP_CODEC_G722);
	assert_int_equal(s.ttl, 4);
	assert_string_equal(s.iface, "eth0");
	assert_string_equal(s.zone, "hall");
	assert_string_equal(s.name, "horns");
	const char *bad[] = { "224.0.2.60", "host:5000", "224.0.2.60:0", "224.0.2.60:65536", "224.0.2.60:5x",
	                      "224.0.2.60:5000,codec=gsm", "224.0.2.60:5000,ttl=0", "224.0.2.60:5000,ttl=256",
	                      "224.0.2.60:5000,zone=a b", "224.0.2.60:5000,bogus=1", "224.0.2.60:5000,codec",
	                      "[ff02::1]:5000" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(rtp_spec_parse(bad[i], false, &s, err, sizeof err), -1);
		assert_true(strlen(err) > 10);
	}
	/* The speaker's --rtp-listen takes codec and iface only. */
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,codec=opus,iface=lo", true, &s, err, sizeof err), 0);
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,zone=hall", true, &s, err, sizeof err), -1);
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,ttl=2", true, &s, err, sizeof err), -1);
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,latency=250", true, &s, err, sizeof err), 0);
	assert_int_equal(s.latency_ms, 250);
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,latency=19", true, &s, err, sizeof err), -1);
	assert_int_equal(rtp_spec_parse("224.0.2.60:5000,latency=250", false, &s, err, sizeof err), -1);
}

/* A 1 kHz tone through each codec comes back as a 1 kHz tone (correlation after the codec's delay). */
static void round_trip(enum rtp_codec_id id, size_t delay_max, double min_corr)
{
	char why[160];
	const struct rtp_codec_info *info = rtp_codec_info(id);
	size_t n = rtp_codec_packet_samples(id);
	assert_int_equal(n * 1000 / (size_t)info->sample_rate, RTP_PACKET_MS);
	assert_int_equal(rtp_codec_packet_ticks(id) * 1000 / (uint32_t)info->clock_rate, RTP_PACKET_MS);
	struct rtp_encoder *enc = rtp_encoder_new(id, why, sizeof why);
	struct rtp_decoder *dec = rtp_decoder_new(id, why, sizeof why);
	assert_non_null(enc);
	assert_non_null(dec);
	enum { PACKETS = 25 };
	static int16_t in[PACKETS * 960], out[PACKETS * 960];
	for (size_t i = 0; i < PACKETS * n; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 1000.0 * (double)i / info->sample_rate));
	uint8_t payload[STREAM_OPUS_MAX_FRAME_BYTES];
	for (size_t k = 0; k < PACKETS; k++) {
		int len = rtp_encode(enc, in + k * n, payload, sizeof payload);
		assert_true(len > 0 && (size_t)len <= rtp_codec_max_payload(id));
		if (id != RTP_CODEC_OPUS)
			assert_int_equal(len, rtp_codec_max_payload(id));
		int got = rtp_decode(dec, payload, (size_t)len, out + k * n, n, why, sizeof why);
		assert_int_equal(got, n);
	}
	double best = 0;
	for (size_t lag = 0; lag <= delay_max; lag++) {
		double xy = 0, xx = 0, yy = 0;
		for (size_t i = 5 * n; i < (PACKETS - 2) * n; i++) {
			xy += (double)in[i] * out[i + lag];
			xx += (double)in[i] * in[i];
			yy += (double)out[i + lag] * out[i + lag];
		}
		double c = xy / sqrt(xx * yy + 1);
		if (c > best)
			best = c;
	}
	assert_true(best >= min_corr);
	/* Garbage: G.711/G.722 take any bytes (they are sample codes); Opus refuses what is not a frame. */
	uint8_t junk[400];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	int got = rtp_decode(dec, junk, sizeof junk, out, n, why, sizeof why);
	assert_true(got == -1 || (got > 0 && (size_t)got <= n));
	if (id != RTP_CODEC_OPUS)
		assert_int_equal(got, -1); /* 400 bytes are more than one 20 ms packet's samples */
	rtp_encoder_free(enc);
	rtp_decoder_free(dec);
}

static void test_codec_pcmu(void **state)
{
	(void)state;
	round_trip(RTP_CODEC_PCMU, 0, 0.999);
	assert_int_equal(rtp_codec_info(RTP_CODEC_PCMU)->payload_type, 0);
}

static void test_codec_pcma(void **state)
{
	(void)state;
	round_trip(RTP_CODEC_PCMA, 0, 0.999);
	assert_int_equal(rtp_codec_info(RTP_CODEC_PCMA)->payload_type, 8);
}

static void test_codec_g722(void **state)
{
	(void)state;
	round_trip(RTP_CODEC_G722, 64, 0.99);
	const struct rtp_codec_info *g = rtp_codec_info(RTP_CODEC_G722);
	assert_int_equal(g->payload_type, 9);
	assert_int_equal(g->sample_rate, 16000);
	assert_int_equal(g->clock_rate, 8000); /* RFC 3551 4.5.2 */
	assert_int_equal(rtp_codec_packet_ticks(RTP_CODEC_G722), 160);
	assert_int_equal(rtp_codec_packet_samples(RTP_CODEC_G722), 320);
}

static void test_codec_opus(void **state)
{
	(void)state;
	round_trip(RTP_CODEC_OPUS, 600, 0.95);
	assert_int_equal(rtp_codec_info(RTP_CODEC_OPUS)->payload_type, RTP_OPUS_PAYLOAD_TYPE);
	assert_int_equal(rtp_codec_packet_ticks(RTP_CODEC_OPUS), 960);
}

/* A PCMU packet of n bytes (all one code) at seq and ts from ssrc. */
static size_t pcmu(uint8_t *out, uint16_t seq, uint32_t ts, uint32_t ssrc, size_t n, uint8_t code)
{
	struct rtp_header h = { .payload_type = 0, .seq = seq, .timestamp = ts, .ssrc = ssrc };
	rtp_header_write(&h, out, RTP_HEADER_BYTES);
	memset(out + RTP_HEADER_BYTES, code, n);
	return RTP_HEADER_BYTES + n;
}

static void test_depack_places_frames_by_timestamp(void **state)
{
	(void)state;
	char why[160];
	struct rtp_depack *dp = rtp_depack_new(RTP_CODEC_PCMU, why, sizeof why);
	assert_non_null(dp);
	assert_int_equal(rtp_depack_frame_samples(dp), 160);
	uint8_t p[RTP_MAX_PACKET_BYTES + 8];
	struct rtp_depack_out out;
	/* The first packet starts the timeline at frame 0. */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 500, 1000, 7, 160, 0xff), 0, &out), 1);
	assert_true(out.new_source);
	assert_int_equal(out.first, 0);
	/* 40 ms in one packet: two frames, placed by its timestamp (a packet was lost before it). */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 502, 1000 + 320, 7, 320, 0x80), 40, &out), 2);
	assert_false(out.new_source);
	assert_int_equal(out.first, 2);
	assert_int_equal(out.samples[0], 32124); /* 0x80: the loudest positive µ-law code */
	/* The lost one comes late: its frame goes where it belongs. */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 501, 1000 + 160, 7, 160, 0xff), 45, &out), 1);
	assert_int_equal(out.first, 1);
	/* A short last packet: one frame, padded with silence. */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 503, 1000 + 640, 7, 40, 0x80), 60, &out), 1);
	assert_int_equal(out.first, 4);
	assert_int_equal(out.samples[39], 32124);
	assert_int_equal(out.samples[40], 0);
	/* Off the 20 ms grid, a duplicate, another source: refused and counted. */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 504, 1000 + 720, 7, 160, 0xff), 80, &out), 0);
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 503, 1000 + 640, 7, 160, 0xff), 81, &out), 0);
	assert_int_equal(out.refusal, RTP_DUPLICATE);
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 9, 0, 8, 160, 0xff), 82, &out), 0);
	assert_int_equal(out.refusal, RTP_OTHER_SOURCE);
	/* Too many frames for one packet (G.711 at 10 x 20 ms). */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 505, 1000 + 800, 7, 1488, 0xff), 83, &out), 0);
	struct rtp_depack_stats st = rtp_depack_stats(dp);
	assert_int_equal(st.packets, 8);
	assert_int_equal(st.frames, 5);
	assert_int_equal(st.unaligned, 2);
	assert_int_equal(rtp_depack_refused(dp), 4);
	/* The other source takes over once the first has been silent: a new timeline. */
	assert_int_equal(rtp_depack_packet(dp, p, pcmu(p, 10, 160, 8, 160, 0xff), 83 + RTP_SOURCE_IDLE_MS, &out), 1);
	assert_true(out.new_source);
	assert_int_equal(out.first, 0);
	assert_int_equal(out.ssrc, 8);
	rtp_depack_free(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_parse_skips_csrc_extension_padding),
		cmocka_unit_test(test_parse_refuses_bad_packets),
		cmocka_unit_test(test_sender_numbers_marker_wrap),
		cmocka_unit_test(test_receiver_order_duplicates_wrap),
		cmocka_unit_test(test_receiver_new_source_after_idle),
		cmocka_unit_test(test_pace_slots_no_drift),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_codec_pcmu),
		cmocka_unit_test(test_codec_pcma),
		cmocka_unit_test(test_codec_g722),
		cmocka_unit_test(test_codec_opus),
		cmocka_unit_test(test_depack_places_frames_by_timestamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
