/*
 * Writes seed inputs for the fuzz targets, made by the project's own encoders
 * (proto_*_encode, wav_encode_s16, stream_codec_encode), into DIR/frames,
 * DIR/wav, DIR/hello, DIR/codec, DIR/jitter and DIR/handshake.
 * Names are fixed, so running it again refreshes the seeds and leaves what the
 * fuzzer added alone. Also checks that each encoded WAV decodes to its samples.
 *
 *   make_seeds DIR
 */
#include "intercom/audio/jitter.h"
#include "intercom/audio/stream_codec.h"
#include "intercom/audio/wav.h"
#include "intercom/common/defaults.h"
#include "intercom/net/dnssd.h"
#include "intercom/net/proto.h"

#include "fuzz_common.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *g_root;
static int g_count;

static void die(const char *what)
{
	fprintf(stderr, "make_seeds: %s\n", what);
	exit(1);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static void write_seed(const char *target, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/seed-%s", g_root, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	g_count++;
}

/* ---- a growable byte buffer ---- */

struct buf {
	uint8_t b[16384];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n > sizeof b->b - b->n)
		die("seed buffer too small");
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_le16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, x, 2);
}

static void put_le32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(b, x, 4);
}

/* Appends a whole encoded frame; an encoder refusing a seed is a bug. */
static void put_frame(struct buf *b, size_t n, const uint8_t *frame)
{
	if (n == 0)
		die("an encoder refused a seed message");
	put(b, frame, n);
}

/* ---- wav ---- */

static uint8_t *encode_wav(size_t frames, int rate, int channels, size_t *len)
{
	size_t count = frames * (size_t)channels;
	int16_t *s = malloc((count ? count : 1) * sizeof *s);
	if (!s)
		die("out of memory");
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < count; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		s[i] = (int16_t)(i % 7 == 0 ? (i % 2 ? 32767 : -32768) : (int)(x % 65536) - 32768);
	}
	uint8_t *wav = NULL;
	if (wav_encode_s16(s, frames, rate, channels, &wav, len) != 0)
		die("wav_encode_s16 refused a seed");
	/* The encoder and decoder must agree before their output seeds a fuzzer. */
	int16_t *back = NULL;
	struct wav_info info;
	char reason[256];
	if (wav_decode_s16(wav, *len, &back, &info, reason, sizeof reason) != 0) {
		fprintf(stderr, "make_seeds: own WAV does not decode: %s\n", reason);
		exit(1);
	}
	if (info.frames != frames || info.rate != rate || info.channels != channels ||
	    (count && memcmp(back, s, count * sizeof *s) != 0))
		die("own WAV decodes to other samples");
	free(back);
	free(s);
	return wav;
}

/* Inserts a chunk (id, body) just before the data chunk of an encoded WAV. */
static void wav_with_chunk(const uint8_t *wav, size_t len, const char *id, const uint8_t *body,
                           uint32_t size, struct buf *out)
{
	struct wav_info info;
	if (wav_check(wav, len, &info, NULL, 0) != 0)
		die("own WAV fails wav_check");
	size_t data_hdr = info.data_offset - 8;
	out->n = 0;
	put(out, wav, data_hdr);
	put(out, id, 4);
	put_le32(out, size);
	put(out, body, size);
	if (size & 1)
		put(out, "", 1);
	put(out, wav + data_hdr, len - data_hdr);
	uint32_t riff = (uint32_t)(out->n - 8);
	memcpy(out->b + 4, (uint8_t[4]){ (uint8_t)riff, (uint8_t)(riff >> 8), (uint8_t)(riff >> 16),
	                                  (uint8_t)(riff >> 24) }, 4);
}

/* WAVE_FORMAT_EXTENSIBLE with the PCM subformat, which wav_check also accepts. */
static void wav_extensible(int rate, int channels, size_t frames, struct buf *out)
{
	static const uint8_t pcm_guid[16] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	                                      0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };
	uint32_t data_len = (uint32_t)(frames * (size_t)channels * 2);
	out->n = 0;
	put(out, "RIFF", 4);
	put_le32(out, 4 + 8 + 40 + 8 + data_len);
	put(out, "WAVE", 4);
	put(out, "fmt ", 4);
	put_le32(out, 40);
	put_le16(out, 0xfffe);
	put_le16(out, (uint16_t)channels);
	put_le32(out, (uint32_t)rate);
	put_le32(out, (uint32_t)rate * (uint32_t)channels * 2);
	put_le16(out, (uint16_t)(channels * 2));
	put_le16(out, 16);
	put_le16(out, 22);
	put_le16(out, 16);
	put_le32(out, channels == 2 ? 3u : 4u);
	put(out, pcm_guid, sizeof pcm_guid);
	put(out, "data", 4);
	put_le32(out, data_len);
	for (uint32_t i = 0; i < data_len / 2; i++)
		put_le16(out, (uint16_t)(i * 2654435761u >> 16));
}

static void wav_seeds(uint8_t **page_wav, size_t *page_wav_len)
{
	static const struct { size_t frames; int rate, channels; const char *name; } plain[] = {
		{ 16, 8000, 1, "mono-8k" },
		{ 100, 48000, 2, "stereo-48k" },
		{ 3, 192000, CHANNELS_MAX, "8ch-192k" },
		{ 0, 44100, 1, "empty" },
		{ 1, 22050, 3, "3ch-one-frame" },
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		size_t len;
		uint8_t *wav = encode_wav(plain[i].frames, plain[i].rate, plain[i].channels, &len);
		write_seed("wav", plain[i].name, wav, len);
		if (i == 0) {
			*page_wav = wav;
			*page_wav_len = len;
		} else {
			free(wav);
		}
	}

	size_t len;
	uint8_t *wav = encode_wav(10, 16000, 1, &len);
	static struct buf b;
	static const uint8_t list[] = "INFOISFT\x08\0\0\0intercom";
	wav_with_chunk(wav, len, "LIST", list, sizeof list - 1, &b);
	write_seed("wav", "list-chunk", b.b, b.n);
	static const uint8_t odd[3] = { 1, 2, 3 };
	wav_with_chunk(wav, len, "junk", odd, sizeof odd, &b);
	write_seed("wav", "odd-chunk-padded", b.b, b.n);
	/* PEAK as libsndfile writes it for float files: version, timestamp, a peak per channel. */
	uint8_t peak[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 5, 0, 0, 0 };
	wav_with_chunk(wav, len, "PEAK", peak, sizeof peak, &b);
	write_seed("wav", "peak-chunk", b.b, b.n);
	static const uint8_t fact[4] = { 10, 0, 0, 0 };
	wav_with_chunk(wav, len, "fact", fact, sizeof fact, &b);
	write_seed("wav", "fact-chunk", b.b, b.n);
	free(wav);

	wav_extensible(48000, 2, 12, &b);
	write_seed("wav", "extensible-stereo", b.b, b.n);
	wav_extensible(8000, 1, 5, &b);
	write_seed("wav", "extensible-mono", b.b, b.n);
}

/* ---- handshake ---- */

/* fuzz_handshake's cases (byte 0), with and without a pre-shared key. */
static void handshake_seeds(void)
{
	uint8_t in[1 + 1 + 96];
	for (int psk = 0; psk < 2; psk++) {
		char name[64];
		/* case 0: a NOISE_1 of the right length for the mode (an e of 32 bytes, 48 with a key). */
		in[0] = (uint8_t)(0 << 1 | psk);
		for (size_t i = 1; i < sizeof in; i++)
			in[i] = (uint8_t)(i * 29 + 3);
		snprintf(name, sizeof name, "console-noise1-%s", psk ? "psk" : "plain");
		write_seed("handshake", name, in, 1 + (psk ? 48 : 32));
		/* case 1: a NOISE_2 of the right length. */
		in[0] = (uint8_t)(1 << 1 | psk);
		snprintf(name, sizeof name, "speaker-noise2-%s", psk ? "psk" : "plain");
		write_seed("handshake", name, in, 1 + 96);
		/* case 2: untampered, then one bit in each message. */
		memset(in + 1, 0, sizeof in - 1);
		in[0] = (uint8_t)(2 << 1 | psk);
		snprintf(name, sizeof name, "genuine-%s", psk ? "psk" : "plain");
		write_seed("handshake", name, in, 2 + 16);
		for (uint8_t m = 0; m < 3; m++) {
			in[1] = m;
			in[2 + 5] = 0x10;
			snprintf(name, sizeof name, "flip-message%u-%s", m + 1, psk ? "psk" : "plain");
			write_seed("handshake", name, in, 2 + 16);
			in[2 + 5] = 0;
		}
	}
}

/* ---- hello ---- */

static void hello_seeds(void)
{
	static const struct { const char *name, *zone, *seed; } hellos[] = {
		{ "kitchen", "floor 1", "kitchen" },
		{ "a", "", "no-zone" },
		{ "K\xc3\xbc" "che", "Erdgescho\xc3\x9f", "latin1-utf8" },
		{ "\xe6\x9d\xb1\xe4\xba\xac", "\xf0\x9f\x94\x8a speakers", "cjk-emoji" },
		{ "0123456789012345678901234567890123456789012345678901234567890123",
		  "zone-of-exactly-sixty-four-bytes-zone-of-exactly-sixty-four-byte", "max-lengths" },
	};
	uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_CONTROL_PAYLOAD];
	for (size_t i = 0; i < sizeof hellos / sizeof hellos[0]; i++) {
		struct proto_hello h = { .version = PROTO_VERSION, .caps = (uint32_t)i };
		snprintf(h.name, sizeof h.name, "%s", hellos[i].name);
		snprintf(h.zone, sizeof h.zone, "%s", hellos[i].zone);
		size_t n = proto_hello_encode(&h, frame, sizeof frame);
		if (n == 0)
			die("proto_hello_encode refused a seed");
		/* fuzz_hello takes the payload, as proto_hello_decode does. */
		write_seed("hello", hellos[i].seed, frame + PROTO_HEADER_SIZE, n - PROTO_HEADER_SIZE);
	}
	/* Texts as our encoders put them on the wire: a sanitized reason. */
	char reason[128] = "rejected: truncated: data chunk says 96000 bytes, 4000 present \xff\xc0\xaf";
	proto_text_sanitize(reason);
	write_seed("hello", "reason-sanitized", (const uint8_t *)reason, strlen(reason));
}

/* ---- frames ---- */

static void frames_seed(const char *name, uint8_t config, const uint8_t *splits, size_t nsplit,
                        const struct buf *stream)
{
	static struct buf b;
	b.n = 0;
	uint8_t head[2] = { config, (uint8_t)nsplit };
	put(&b, head, 2);
	put(&b, splits, nsplit);
	put(&b, stream->b, stream->n);
	write_seed("frames", name, b.b, b.n);
}

static void frames_seeds(const uint8_t *page_wav, size_t page_wav_len)
{
	uint8_t f[PROTO_HEADER_SIZE + PROTO_MAX_CONTROL_PAYLOAD];
	static struct buf session, page, odd, cut;

	/* A whole session, both directions interleaved. */
	struct proto_hello hello = { .version = PROTO_VERSION, .caps = PROTO_CAP_PLAY_AT };
	snprintf(hello.name, sizeof hello.name, "lobby");
	snprintf(hello.zone, sizeof hello.zone, "ground floor");
	put_frame(&session, proto_hello_encode(&hello, f, sizeof f), f);
	struct proto_welcome welcome = { .version = PROTO_VERSION, .caps = 0, .speaker_id = 7,
	                                 .heartbeat_ms = HEARTBEAT_INTERVAL_MS };
	snprintf(welcome.console_name, sizeof welcome.console_name, "front desk");
	put_frame(&session, proto_welcome_encode(&welcome, f, sizeof f), f);
	struct proto_ping ping = { .sent_us = 123456789012u };
	put_frame(&session, proto_ping_encode(&ping, f, sizeof f), f);
	struct proto_pong pong = { .ping_sent_us = ping.sent_us, .received_us = 5000, .sent_us = 5010 };
	put_frame(&session, proto_pong_encode(&pong, f, sizeof f), f);
	struct proto_sync sync = { .state = SYNC_LOCKED, .uncertainty_us = 300, .drift_ppb = -12000,
	                           .offset_us = -123456789 };
	put_frame(&session, proto_sync_encode(&sync, f, sizeof f), f);
	struct proto_status st = { .page_id = 1, .state = PAGE_RECEIVING, .done = 100, .total = 4000 };
	put_frame(&session, proto_status_encode(&st, f, sizeof f), f);
	st.state = PAGE_FAILED;
	st.done = st.total;
	snprintf(st.reason, sizeof st.reason, "rejected: not 16-bit PCM (format 0x3, 32 bits)");
	put_frame(&session, proto_status_encode(&st, f, sizeof f), f);
	struct proto_bye bye;
	snprintf(bye.reason, sizeof bye.reason, "console shutting down");
	put_frame(&session, proto_bye_encode(&bye, f, sizeof f), f);

	/* A PAGE carrying one of our WAVs, then its STATUS. */
	struct proto_page pg = { .page_id = 42, .created_ms = 1700000000000u, .play_at_us = 0 };
	put_frame(&page, proto_page_encode_head(&pg, page_wav_len, f, sizeof f), f);
	put(&page, page_wav, page_wav_len);
	st = (struct proto_status){ .page_id = 42, .state = PAGE_PLAYED, .done = 16, .total = 16 };
	put_frame(&page, proto_status_encode(&st, f, sizeof f), f);

	/* Frames a receiver skips or refuses: unknown and reserved types, empty payloads. */
	uint8_t body[5] = { 1, 2, 3, 4, 5 };
	proto_header_encode(f, (enum proto_type)12, sizeof body);
	put(&odd, f, PROTO_HEADER_SIZE);
	put(&odd, body, sizeof body);
	proto_header_encode(f, (enum proto_type)24, 0);
	put(&odd, f, PROTO_HEADER_SIZE);
	/* The handshake and a sealed record, shaped as docs/PROTOCOL.md says (contents opaque here). */
	static const struct { enum proto_type type; size_t len; } keyed[] = {
		{ PROTO_NOISE_1, 32 }, { PROTO_NOISE_1, 48 }, { PROTO_NOISE_2, 96 }, { PROTO_NOISE_3, 64 },
		{ PROTO_SEALED, 24 + 40 },
	};
	for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
		uint8_t bytes[96];
		for (size_t k = 0; k < keyed[i].len; k++)
			bytes[k] = (uint8_t)(k * 37 + i);
		proto_header_encode(f, keyed[i].type, (uint32_t)keyed[i].len);
		put(&odd, f, PROTO_HEADER_SIZE);
		put(&odd, bytes, keyed[i].len);
	}
	proto_header_encode(f, PROTO_PING, 0);
	put(&odd, f, PROTO_HEADER_SIZE);
	proto_header_encode(f, PROTO_BYE, 0);
	put(&odd, f, PROTO_HEADER_SIZE);
	put_frame(&odd, proto_ping_encode(&ping, f, sizeof f), f);

	/* A stream that ends inside a frame. */
	put(&cut, session.b, session.n);
	put(&cut, page.b, page.n - 9);

	static const struct { uint8_t config; uint8_t splits[8]; size_t nsplit; const char *tag; } how[] = {
		{ 0, { 0 }, 0, "bytewise" },
		{ 0, { 3, 0, 17 }, 3, "3-0-17" },
		{ 1, { 255 }, 1, "255" },
		{ 1, { 1, 2, 4, 8, 16, 32, 64, 128 }, 8, "powers" },
	};
	static const struct { const struct buf *stream; const char *name; } streams[] = {
		{ &session, "session" }, { &page, "page" }, { &odd, "odd-types" }, { &cut, "cut" },
	};
	for (size_t s = 0; s < sizeof streams / sizeof streams[0]; s++) {
		for (size_t h = 0; h < sizeof how / sizeof how[0]; h++) {
			char name[64];
			snprintf(name, sizeof name, "%s-%s", streams[s].name, how[h].tag);
			frames_seed(name, how[h].config, how[h].splits, how[h].nsplit, streams[s].stream);
		}
	}
	/* The small limits: 0 and 64 bytes of payload. */
	frames_seed("session-limit0", 2, (const uint8_t[]){ 5 }, 1, &session);
	frames_seed("session-limit64", 3, (const uint8_t[]){ 7 }, 1, &session);
}

/* ---- codec: a stream byte (fuzz_codec's layout), then frames with 2-byte lengths ---- */

/* Ten frames of a tone with noise from our own encoder, in fuzz_codec's input layout. */
static void codec_stream_seed(const char *name, uint8_t config)
{
	static const int opus_rates[8] = { 8000, 12000, 16000, 24000, 48000, 48000, 16000, 8000 };
	static const int pcm_rates[8] = { 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000 };
	struct stream_codec_params p = { STREAM_CODEC_PCM, 0, 1, 0, -1 };
	int r = (config >> 1) & 7, c = (config >> 4) & 7;
	p.codec = config & 1 ? STREAM_CODEC_OPUS : STREAM_CODEC_PCM;
	p.rate = p.codec == STREAM_CODEC_OPUS ? opus_rates[r] : pcm_rates[r];
	p.channels = p.codec == STREAM_CODEC_OPUS ? 1 + c % 2 : 1 + c;
	char why[200];
	struct stream_encoder *enc = stream_codec_encoder_new(&p, why, sizeof why);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, why, sizeof why);
	if (!enc || !dec)
		die(why);
	size_t count = stream_codec_frame_samples(p.rate) * (size_t)p.channels;
	size_t max = stream_codec_max_frame_bytes(&p);
	int16_t *in = malloc(count * sizeof *in), *out = malloc(count * sizeof *out);
	uint8_t *frame = malloc(max);
	static struct buf b;
	if (!in || !out || !frame)
		die("out of memory");
	b.n = 0;
	put(&b, &config, 1);
	uint32_t x = 2463534242u;
	for (int k = 0; k < 10; k++) {
		for (size_t i = 0; i < count; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			in[i] = (int16_t)(8000.0 * ((double)((i + (size_t)k * count) % 40) / 20.0 - 1.0) +
			                  (double)(x % 512) - 256);
		}
		int n = stream_codec_encode(enc, in, frame, max);
		if (n < 1 || stream_codec_decode(dec, frame, (size_t)n, out, why, sizeof why) != 0)
			die("own stream frame does not decode");
		/* Keep seeds small: a pcm stream at a high rate gets its first frames only. */
		if (b.n + 2 + (size_t)n > sizeof b.b)
			break;
		put_le16(&b, (uint16_t)n);
		put(&b, frame, (size_t)n);
	}
	write_seed("codec", name, b.b, b.n);
	free(in);
	free(out);
	free(frame);
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
}

static void codec_seeds(void)
{
	codec_stream_seed("opus-48k-mono", 1 | 4 << 1);
	codec_stream_seed("opus-48k-stereo", 1 | 4 << 1 | 1 << 4);
	codec_stream_seed("opus-8k-mono-complexity0", 1 | 0 << 1);
	codec_stream_seed("opus-16k-stereo-complexity10", 1 | 2 << 1 | 1 << 4 | 0x80);
	codec_stream_seed("opus-24k-mono", 1 | 3 << 1);
	codec_stream_seed("pcm-8k-mono", 0);
	codec_stream_seed("pcm-48k-mono", 5 << 1);
	codec_stream_seed("pcm-11025-3ch", 1 << 1 | 2 << 4);
}

/* ---- jitter: fuzz_jitter's operations ---- */

static void put_op_put(struct buf *b, int8_t step, int16_t eighths, uint8_t len)
{
	uint8_t op[5] = { 0, (uint8_t)step, (uint8_t)eighths, (uint8_t)((uint16_t)eighths >> 8), len };
	put(b, op, sizeof op);
}

static void put_op(struct buf *b, uint8_t op)
{
	put(b, &op, 1);
}

static void put_op_advance(struct buf *b, uint8_t eighths_minus_1)
{
	uint8_t op[2] = { 2, eighths_minus_1 };
	put(b, op, sizeof op);
}

/* ---- dnssd: TXT rdata, whose strings are also the finder's reports ---- */

/* Appends one DNS TXT string: its length byte, then it. */
static void put_txt(struct buf *b, const char *s)
{
	uint8_t len = (uint8_t)strlen(s);
	put(b, &len, 1);
	put(b, s, len);
}

static void dnssd_seeds(void)
{
	static struct buf b;
	/* A console's own record, as dnssd_txt_build makes it. */
	struct dnssd_txt txt = { .txtvers = DNSSD_TXT_VERSION, .proto = PROTO_VERSION, .psk = true,
	                         .fp = "4f45553c5a7cc837bccef9cbafc1a91f", .version = "0.1.0" };
	char items[DNSSD_TXT_ITEMS][DNSSD_TXT_ITEM_MAX];
	size_t n = dnssd_txt_build(&txt, items);
	b.n = 0;
	for (size_t i = 0; i < n; i++)
		put_txt(&b, items[i]);
	write_seed("dnssd", "console", b.b, b.n);
	/* A printer's record: not ours. */
	b.n = 0;
	put_txt(&b, "txtvers=1");
	put_txt(&b, "pdl=application/pdf");
	write_seed("dnssd", "printer", b.b, b.n);
	/*
	 * As reports (first byte: op & 7, 0 add, 2 resolve with our record, 5
	 * all-for-now, 6 settle, 4 remove; iface op >> 4, IPv6 if op & 8): two
	 * consoles found and resolved, the first moved to another port.
	 */
	static const struct { uint8_t op; const char *name; } reports[] = {
		{ 0x00, "c" }, { 0x00, "Back office" }, { 0x02, "c" }, { 0x02, "Back office" }, { 0x05, "" },
		{ 0x04, "c" }, { 0x00, "c" }, { 0x42, "c" }, { 0x06, "" },
	};
	b.n = 0;
	for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
		uint8_t len = (uint8_t)(1 + strlen(reports[i].name));
		put(&b, &len, 1);
		put(&b, &reports[i].op, 1);
		put(&b, reports[i].name, len - 1u);
	}
	write_seed("dnssd", "two-consoles-one-moves", b.b, b.n);
}

static void jitter_seeds(void)
{
	static struct buf b;
	/* In order, 40 ms ahead: put, advance a frame, pop, for 20 frames. */
	b.n = 0;
	put(&b, (uint8_t[3]){ 7, 4, 16 }, 3);
	for (int k = 0; k < 20; k++) {
		put_op_put(&b, k ? 1 : 0, 16, 10);
		put_op_advance(&b, 7);
		put_op(&b, 1);
	}
	write_seed("jitter", "in-order", b.b, b.n);

	/* Reordered pairs, a duplicate, a loss burst, then the stream stops and ends. */
	b.n = 0;
	put(&b, (uint8_t[3]){ 15, 3, 31 }, 3);
	for (int k = 0; k < 10; k++) {
		put_op_put(&b, 2, 24, 8);  /* seq + 2 first */
		put_op_put(&b, -1, 16, 8); /* then the one before */
		put_op_put(&b, 0, 16, 8);  /* a duplicate */
		put_op_put(&b, 1, 24, 8);  /* back to the highest */
		put_op_advance(&b, 15);
		put_op(&b, 1);
		put_op(&b, 1);
	}
	for (int k = 0; k < 12; k++) {
		put_op_advance(&b, 7);
		put_op(&b, 1);
	}
	put_op_put(&b, 1, 0, 4);
	put_op(&b, 4);
	put_op_put(&b, 1, 8, 4);
	put_op(&b, 1);
	write_seed("jitter", "reorder-duplicate-end-reset", b.b, b.n);

	/* Late frames, a stalled caller, a huge jump in sequence and time, wrap-around. */
	b.n = 0;
	put(&b, (uint8_t[3]){ 3, 7, 20 }, 3);
	put_op_put(&b, 0, 4, 20);
	put_op_advance(&b, 30);
	put_op(&b, 1);
	put_op(&b, 1);
	put_op_put(&b, -2, -8, 20);
	put_op_put(&b, 100, 800, 20);
	put_op_put(&b, 1, 32767, 20);
	put_op_put(&b, 1, 0, 33);
	uint8_t wrap[14] = { 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x40, 0, 0, 0, 0, 5 };
	put(&b, wrap, sizeof wrap);
	put_op_advance(&b, 245);
	put_op(&b, 1);
	write_seed("jitter", "late-stall-jumps", b.b, b.n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	g_root = argv[1];
	char path[4096];
	make_dir(g_root);
	static const char *targets[] = { "frames", "wav", "hello", "codec", "jitter", "handshake", "dnssd" };
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", g_root, targets[i]);
		make_dir(path);
	}
	uint8_t *page_wav = NULL;
	size_t page_wav_len = 0;
	wav_seeds(&page_wav, &page_wav_len);
	hello_seeds();
	handshake_seeds();
	frames_seeds(page_wav, page_wav_len);
	free(page_wav);
	codec_seeds();
	jitter_seeds();
	dnssd_seeds();
	printf("make_seeds: %d seeds in %s\n", g_count, g_root);
	return 0;
}
