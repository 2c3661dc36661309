/*
 * libFuzzer target: the stream codec's decoder (src/audio/stream_codec.c) on
 * arbitrary frames, as a speaker receives them, and its encoder on the same
 * bytes taken as samples.
 *
 * Input: byte 0 picks the stream (bit 0 the codec, bits 1-3 the rate, bits
 * 4-6 the channels: 1-2 for opus, 1-8 for pcm), then frames, each a 2-byte
 * little-endian length and that many bytes (the last one cut at the end).
 *
 * Invariants checked (any failure aborts):
 *  - decode returns 0 or -1; on -1 with a non-empty reason, and the output
 *    left alone; it writes only its frame's samples (the buffer is exactly
 *    that long on the heap: ASan sees any overrun);
 *  - pcm: decoding succeeds exactly for frames of the frame's size, giving
 *    the little-endian samples; opus: never for an empty frame or one over
 *    STREAM_OPUS_MAX_FRAME_BYTES;
 *  - conceal always fills one frame (after any frame, good or bad);
 *  - the frame's bytes taken as samples (padded to a frame) encode into at
 *    most stream_codec_max_frame_bytes, and that decodes (pcm: exactly).
 */
#include "intercom/audio/stream_codec.h"
#include "intercom/common/defaults.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const int opus_rates[8] = { 8000, 12000, 16000, 24000, 48000, 48000, 16000, 8000 };
static const int pcm_rates[8] = { 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000 };

#define SENTINEL 0x5a5a

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct stream_codec_params p;
	memset(&p, 0, sizeof p);
	p.codec = data[0] & 1 ? STREAM_CODEC_OPUS : STREAM_CODEC_PCM;
	int r = (data[0] >> 1) & 7, c = (data[0] >> 4) & 7;
	p.rate = p.codec == STREAM_CODEC_OPUS ? opus_rates[r] : pcm_rates[r];
	p.channels = p.codec == STREAM_CODEC_OPUS ? 1 + c % 2 : 1 + c;
	p.bitrate = 0;
	p.complexity = p.codec == STREAM_CODEC_OPUS ? (data[0] >> 7) * 10 : -1;
	FUZZ_CHECK(stream_codec_check(&p, NULL, 0) == 0);

	size_t count = stream_codec_frame_samples(p.rate) * (size_t)p.channels;
	size_t max = stream_codec_max_frame_bytes(&p);
	FUZZ_CHECK(count > 0 && max > 0);
	struct stream_decoder *dec = stream_codec_decoder_new(&p, NULL, 0);
	struct stream_decoder *dec2 = stream_codec_decoder_new(&p, NULL, 0);
	struct stream_encoder *enc = stream_codec_encoder_new(&p, NULL, 0);
	FUZZ_CHECK(dec && dec2 && enc);
	int16_t *out = malloc(count * sizeof *out);
	int16_t *in = malloc(count * sizeof *in);
	uint8_t *encoded = malloc(max);
	FUZZ_CHECK(out && in && encoded);

	size_t pos = 1;
	for (int frames = 0; pos < size && frames < 64; frames++) {
		size_t len = data[pos];
		if (pos + 1 < size)
			len |= (size_t)data[pos + 1] << 8;
		pos += 2;
		if (pos > size)
			pos = size;
		if (len > size - pos)
			len = size - pos;
		/* A copy of exactly len bytes: a read past it is an ASan report. */
		uint8_t *frame = malloc(len ? len : 1);
		FUZZ_CHECK(frame != NULL);
		memcpy(frame, data + pos, len);
		pos += len;

		for (size_t i = 0; i < count; i++)
			out[i] = SENTINEL;
		char reason[160] = "";
		int rc = stream_codec_decode(dec, frame, len, out, reason, sizeof reason);
		FUZZ_CHECK(rc == 0 || rc == -1);
		if (rc == -1) {
			FUZZ_CHECK(reason[0] != '\0');
			for (size_t i = 0; i < count; i++)
				FUZZ_CHECK(out[i] == SENTINEL);
			stream_codec_conceal(dec, out);
		}
		if (p.codec == STREAM_CODEC_PCM) {
			FUZZ_CHECK((rc == 0) == (len == count * 2));
			for (size_t i = 0; rc == 0 && i < count; i++)
				FUZZ_CHECK(out[i] == (int16_t)(uint16_t)(frame[2 * i] | frame[2 * i + 1] << 8));
		} else if (len == 0 || len > STREAM_OPUS_MAX_FRAME_BYTES) {
			FUZZ_CHECK(rc == -1);
		}

		/* The same bytes as samples: our own frames always encode and decode. */
		memset(in, 0, count * sizeof *in);
		for (size_t i = 0; i < count && 2 * i + 1 < len; i++)
			in[i] = (int16_t)(uint16_t)(frame[2 * i] | frame[2 * i + 1] << 8);
		int n = stream_codec_encode(enc, in, encoded, max);
		FUZZ_CHECK(n >= 1 && (size_t)n <= max);
		FUZZ_CHECK(stream_codec_decode(dec2, encoded, (size_t)n, out, reason, sizeof reason) == 0);
		if (p.codec == STREAM_CODEC_PCM)
			FUZZ_CHECK(memcmp(in, out, count * sizeof *in) == 0);
		free(frame);
	}
	stream_codec_conceal(dec, out);
	free(out);
	free(in);
	free(encoded);
	stream_codec_encoder_free(enc);
	stream_codec_decoder_free(dec);
	stream_codec_decoder_free(dec2);
	return 0;
}
