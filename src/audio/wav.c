/*
 * WAV pages in memory, and audio files turned into pages. The page codec is
 * ours and needs no library: encoding writes a 44-byte header and the samples
 * little-endian; decoding is wav_check (every received page passes it) and a
 * read of the samples it located. libsndfile is used only where it does real
 * work: reading any audio file for `send PATH`, converted to the page's format
 * (channel mixing here, resampling by libsamplerate).
 */
#include "intercom/audio/wav.h"

#include "intercom/common/defaults.h"
#include "intercom/net/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE
/* Streaming writers put this in the data size when they cannot seek back. */
#define DATA_SIZE_UNKNOWN 0xFFFFFFFFu
/* RIFF header, a 16-byte fmt chunk and the data chunk's header: what wav_encode_s16 writes. */
#define WAV_HEADER_LEN 44
/* Frames read from a file per sf_readf_float call. */
#define LOAD_BLOCK_FRAMES 4096

/* KSDATAFORMAT_SUBTYPE_PCM without its first two bytes, which hold the format tag. */
static const uint8_t guid_tail[14] = {
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
};

struct fmt_fields {
	unsigned channels;
	uint32_t rate;
	unsigned block_align;
};

__attribute__((format(printf, 3, 4)))
static void set_reason(char *reason, size_t reasonlen, const char *fmt, ...)
{
	if (!reason || reasonlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, reasonlen, fmt, ap);
	va_end(ap);
}

/* Bytes are read and written one at a time, so the code is the same on any host's byte order. */
static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Spelled out because converting an out-of-range value to int16_t is implementation-defined. */
static int16_t rd_s16(const uint8_t *p)
{
	int v = rd16(p);
	return (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v & 0xffffu);
	wr16(p + 2, v >> 16);
}

/*
 * A page's samples are 16-bit two's complement, little-endian: on a
 * little-endian host that is exactly how int16_t sits in memory, so a copy;
 * on any other host, byte by byte. Both paths are compiled everywhere.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LITTLE_ENDIAN 1
#else
#define HOST_LITTLE_ENDIAN 0
#endif

static void samples_to_le(const int16_t *in, size_t count, uint8_t *out)
{
	if (count == 0)
		return;
	if (HOST_LITTLE_ENDIAN) {
		memcpy(out, in, count * sizeof *in);
		return;
	}
	/* Converting int16_t to uint16_t is defined (modulo 2^16). */
	for (size_t i = 0; i < count; i++)
		wr16(out + 2 * i, (uint16_t)in[i]);
}

static void samples_from_le(const uint8_t *in, size_t count, int16_t *out)
{
	if (count == 0)
		return;
	if (HOST_LITTLE_ENDIAN) {
		memcpy(out, in, count * sizeof *out);
		return;
	}
	for (size_t i = 0; i < count; i++)
		out[i] = rd_s16(in + 2 * i);
}

/* RIFF ids are printable ASCII: anything else is garbage or a walk gone out of step. */
static int printable_id(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
		out[i] = (char)p[i];
	}
	out[4] = '\0';
	return 1;
}

/*
 * libsndfile keeps the error of a failed open in one global, read with
 * sf_strerror(NULL): files load in job threads, so an open and the reading of
 * its error go together.
 */
static pthread_mutex_t sf_open_lock = PTHREAD_MUTEX_INITIALIZER;

static SNDFILE *open_path(const char *path, SF_INFO *si, char *err, size_t errlen)
{
	/* Tried first so a missing or unreadable file is named by errno, not libsndfile's "System error". */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	close(fd);
	pthread_mutex_lock(&sf_open_lock);
	SNDFILE *sf = sf_open(path, SFM_READ, si);
	if (!sf)
		snprintf(err, errlen, "%s", sf_strerror(NULL));
	pthread_mutex_unlock(&sf_open_lock);
	return sf;
}

/*
 * Room kept for the WAV header when sizing a page. Ours is WAV_HEADER_LEN; the
 * rest is slack, so the longest page (and the duration limit options.c derives
 * from it) stays what the docs and tests say.
 */
#define WAV_HEADER_ALLOWANCE 256

size_t wav_page_max_frames(int channels)
{
	if (channels < 1)
		return 0;
	return (PROTO_MAX_PAYLOAD - PROTO_PAGE_FIELDS_SIZE - WAV_HEADER_ALLOWANCE) / ((size_t)channels * 2);
}

/* The 44-byte header of a plain 16-bit PCM WAV with info's format and data size. */
static void canonical_header(const struct wav_info *info, uint8_t out[WAV_HEADER_LEN])
{
	unsigned block = (unsigned)info->channels * 2u;
	memcpy(out, "RIFF", 4);
	wr32(out + 4, (uint32_t)(WAV_HEADER_LEN - 8 + info->data_len));
	memcpy(out + 8, "WAVEfmt ", 8);
	wr32(out + 16, 16);
	wr16(out + 20, WAVE_FORMAT_PCM);
	wr16(out + 22, (unsigned)info->channels);
	wr32(out + 24, (uint32_t)info->rate);
	wr32(out + 28, (uint32_t)info->rate * block);
	wr16(out + 32, block);
	wr16(out + 34, 16);
	memcpy(out + 36, "data", 4);
	wr32(out + 40, (uint32_t)info->data_len);
}

int wav_encode_s16(const int16_t *samples, size_t frames, int rate, int channels,
                   uint8_t **wav, size_t *wav_len)
{
	if (!wav || !wav_len)
		return -1;
	*wav = NULL;
	*wav_len = 0;
	if (rate < RATE_MIN || rate > RATE_MAX || channels < 1 || channels > CHANNELS_MAX)
		return -1;
	if (frames > 0 && !samples)
		return -1;
	/*
	 * The data and RIFF sizes are 32 bits and the data size must not be the
	 * streaming marker; the margin also keeps header + data within size_t.
	 */
	if (frames > (UINT32_MAX - 1024u) / ((uint32_t)channels * 2u))
		return -1;

	size_t count = frames * (size_t)channels;
	struct wav_info info = {
		.rate = rate,
		.channels = channels,
		.bits = 16,
		.frames = frames,
		.data_offset = WAV_HEADER_LEN,
		.data_len = count * 2,
	};
	uint8_t *out = malloc(WAV_HEADER_LEN + info.data_len);
	if (!out)
		return -1;
	canonical_header(&info, out);
	samples_to_le(samples, count, out + WAV_HEADER_LEN);
	*wav = out;
	*wav_len = WAV_HEADER_LEN + info.data_len;
	return 0;
}

/* Accepts plain PCM or WAVE_FORMAT_EXTENSIBLE with the PCM subformat, 16 bits, sane geometry. */
static int parse_fmt(const uint8_t *p, uint32_t size, struct fmt_fields *out,
                     char *reason, size_t reasonlen)
{
	if (size < 16) {
		set_reason(reason, reasonlen, "fmt chunk too short (%lu bytes)", (unsigned long)size);
		return -1;
	}
	unsigned tag = rd16(p);
	unsigned channels = rd16(p + 2);
	uint32_t rate = rd32(p + 4);
	uint32_t byte_rate = rd32(p + 8);
	unsigned block_align = rd16(p + 12);
	unsigned bits = rd16(p + 14);

	if (tag == WAVE_FORMAT_EXTENSIBLE) {
		if (size < 40 || rd16(p + 16) < 22) {
			set_reason(reason, reasonlen, "extensible fmt chunk too short (%lu bytes)",
			           (unsigned long)size);
			return -1;
		}
		unsigned valid_bits = rd16(p + 18);
		const uint8_t *guid = p + 24;
		if (memcmp(guid + 2, guid_tail, sizeof guid_tail) != 0) {
			set_reason(reason, reasonlen, "not 16-bit PCM (extensible, unknown subformat)");
			return -1;
		}
		unsigned sub_tag = rd16(guid);
		if (sub_tag != WAVE_FORMAT_PCM || bits != 16 || valid_bits != 16) {
			set_reason(reason, reasonlen, "not 16-bit PCM (extensible, format 0x%x, %u bits)",
			           sub_tag, valid_bits);
			return -1;
		}
	} else if (tag != WAVE_FORMAT_PCM || bits != 16) {
		set_reason(reason, reasonlen, "not 16-bit PCM (format 0x%x, %u bits)", tag, bits);
		return -1;
	}
	if (channels < 1 || channels > CHANNELS_MAX) {
		set_reason(reason, reasonlen, "unsupported channel count %u", channels);
		return -1;
	}
	if (rate < RATE_MIN || rate > RATE_MAX) {
		set_reason(reason, reasonlen, "unsupported rate %lu Hz", (unsigned long)rate);
		return -1;
	}
	if (block_align != channels * 2) {
		set_reason(reason, reasonlen, "inconsistent fmt chunk: block align %u for %u channels",
		           block_align, channels);
		return -1;
	}
	if ((uint64_t)byte_rate != (uint64_t)rate * block_align) {
		set_reason(reason, reasonlen, "inconsistent fmt chunk: byte rate %lu, expected %llu",
		           (unsigned long)byte_rate, (unsigned long long)rate * block_align);
		return -1;
	}
	out->channels = channels;
	out->rate = rate;
	out->block_align = block_align;
	return 0;
}
/*
 * Every read below is preceded by a length check against what is left, and chunk
 * sizes are compared with the bytes left rather than added to offsets, so a
 * hostile size cannot overflow.
 */
int wav_check(const uint8_t *bytes, size_t len, struct wav_info *info,
              char *reason, size_t reasonlen)
{
	if (!bytes)
		len = 0;
	if (len < 12 || memcmp(bytes, "RIFF", 4) != 0 || memcmp(bytes + 8, "WAVE", 4) != 0) {
		if (len >= 4 && memcmp(bytes, "RIFX", 4) == 0)
			set_reason(reason, reasonlen, "not a RIFF/WAVE file (big-endian RIFX)");
		else if (len >= 4 && len < 12 && memcmp(bytes, "RIFF", 4) == 0)
			set_reason(reason, reasonlen, "truncated: %zu bytes, no room for a RIFF header", len);
		else
			set_reason(reason, reasonlen, "not a RIFF/WAVE file");
		return -1;
	}

	struct fmt_fields fmt = {0};
	int have_fmt = 0;
	size_t pos = 12;
	for (;;) {
		size_t left = len - pos;
		if (left == 0) {
			set_reason(reason, reasonlen, have_fmt ? "no data chunk" : "no fmt chunk");
			return -1;
		}
		if (left < 8) {
			set_reason(reason, reasonlen, "truncated: partial chunk header at byte %zu", pos);
			return -1;
		}
		const uint8_t *id = bytes + pos;
		char name[5];
		if (!printable_id(id, name)) {
			set_reason(reason, reasonlen, "bad chunk id at byte %zu", pos);
			return -1;
		}
		uint32_t size = rd32(bytes + pos + 4);
		size_t body = pos + 8;
		size_t avail = left - 8;

		if (memcmp(id, "data", 4) == 0) {
			if (!have_fmt) {
				set_reason(reason, reasonlen, "data chunk before fmt chunk");
				return -1;
			}
			if (size == DATA_SIZE_UNKNOWN) {
				set_reason(reason, reasonlen, "data size unknown (0xffffffff, written by a stream?)");
				return -1;
			}
			if (size > avail) {
				set_reason(reason, reasonlen, "truncated: data chunk says %lu bytes, %zu present",
				           (unsigned long)size, avail);
				return -1;
			}
			if (size % fmt.block_align != 0) {
				set_reason(reason, reasonlen, "data chunk of %lu bytes is not whole %u-byte frames",
				           (unsigned long)size, fmt.block_align);
				return -1;
			}
			if (info) {
				info->rate = (int)fmt.rate;
				info->channels = (int)fmt.channels;
				info->bits = 16;
				info->frames = size / fmt.block_align;
				info->data_offset = body;
				info->data_len = size;
			}
			return 0;
		}

		if (size > avail) {
			set_reason(reason, reasonlen, "truncated: '%s' chunk says %lu bytes, %zu present",
			           name, (unsigned long)size, avail);
			return -1;
		}
		if (memcmp(id, "fmt ", 4) == 0) {
			if (have_fmt) {
				set_reason(reason, reasonlen, "more than one fmt chunk");
				return -1;
			}
			if (parse_fmt(bytes + body, size, &fmt, reason, reasonlen) != 0)
				return -1;
			have_fmt = 1;
		}
		pos = body + size;
		/* RIFF pads odd chunks to even; a pad byte missing at the very end is harmless. */
		if ((size & 1u) && pos < len)
			pos++;
	}
}

int wav_decode_s16(const uint8_t *bytes, size_t len, int16_t **samples,
                   struct wav_info *info, char *reason, size_t reasonlen)
{
	if (!samples) {
		set_reason(reason, reasonlen, "no place for the samples");
		return -1;
	}
	*samples = NULL;
	struct wav_info chk;
	if (wav_check(bytes, len, &chk, reason, reasonlen) != 0)
		return -1;
	/* At least one sample, so success always hands back something to free. */
	size_t count = chk.frames * (size_t)chk.channels;
	int16_t *buf = malloc((count ? count : 1) * sizeof *buf);
	if (!buf) {
		set_reason(reason, reasonlen, "out of memory for %zu frames", chk.frames);
		return -1;
	}
	samples_from_le(bytes + chk.data_offset, count, buf);
	*samples = buf;
	if (info)
		*info = chk;
	return 0;
}

/* Reasons name the file, and the directory part only makes them long. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* Mixes one block into the target layout: average to mono, copy mono out, else channel i from i % src. */
static void mix_channels(const float *in, size_t frames, int src_ch, float *out, int dst_ch)
{
	for (size_t f = 0; f < frames; f++) {
		const float *src = in + f * (size_t)src_ch;
		float *dst = out + f * (size_t)dst_ch;
		if (dst_ch == 1) {
			double sum = 0.0;
			for (int c = 0; c < src_ch; c++)
				sum += src[c];
			dst[0] = (float)(sum / src_ch);
		} else if (src_ch == 1) {
			for (int c = 0; c < dst_ch; c++)
				dst[c] = src[0];
		} else {
			for (int c = 0; c < dst_ch; c++)
				dst[c] = src[c % src_ch];
		}
	}
}

/* Same scale as libsndfile's float normalisation, so 16-bit sources come back bit-exact. */
static void float_to_s16(const float *in, int16_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float v = in[i] * 32768.0f;
		if (isnan(v))
			out[i] = 0;
		else if (v >= 32767.0f)
			out[i] = 32767;
		else if (v <= -32768.0f)
			out[i] = -32768;
		else
			out[i] = (int16_t)lrintf(v);
	}
}

static void reason_too_long(char *reason, size_t reasonlen, const char *name, const char *qual,
                            double seconds, size_t max_frames, int rate)
{
	set_reason(reason, reasonlen, "%s is %s%.1f s long; a page is at most %g s", name, qual,
	           seconds, (double)max_frames / rate);
}

/*
 * Reads the whole file, already mixed to dst_ch so a many-channel source never sits
 * in memory whole. 0; 1 when it holds more than src_cap frames; -1 with a reason.
 */
static int read_mixed(SNDFILE *sf, const SF_INFO *si, int dst_ch, double src_cap, const char *name,
                      float **out, size_t *out_frames, char *reason, size_t reasonlen)
{
	float *block = malloc((size_t)LOAD_BLOCK_FRAMES * (size_t)si->channels * sizeof *block);
	float *mixed = NULL;
	size_t n = 0, cap = 0;
	if (!block)
		goto oom;
	for (;;) {
		sf_count_t got = sf_readf_float(sf, block, LOAD_BLOCK_FRAMES);
		if (got <= 0)
			break;
		if ((double)(n + (size_t)got) > src_cap) {
			free(block);
			free(mixed);
			return 1;
		}
		if (n + (size_t)got > cap) {
			size_t ncap = cap ? cap * 2 : (size_t)LOAD_BLOCK_FRAMES * 16;
			while (ncap < n + (size_t)got)
				ncap *= 2;
			if (ncap > SIZE_MAX / ((size_t)dst_ch * sizeof *mixed))
				goto oom;
			float *grown = realloc(mixed, ncap * (size_t)dst_ch * sizeof *grown);
			if (!grown)
				goto oom;
			mixed = grown;
			cap = ncap;
		}
		mix_channels(block, (size_t)got, si->channels, mixed + n * (size_t)dst_ch, dst_ch);
		n += (size_t)got;
	}
	if (sf_error(sf) != SF_ERR_NO_ERROR) {
		set_reason(reason, reasonlen, "cannot read %s: %s", name, sf_strerror(sf));
		goto fail;
	}
	free(block);
	*out = mixed;
	*out_frames = n;
	return 0;
oom:
	set_reason(reason, reasonlen, "cannot read %s: out of memory", name);
fail:
	free(block);
	free(mixed);
	return -1;
}

/* src_simple's output length drifts by a frame or so; pad or cut to the exact rounded length. */
static int resample(const float *in, size_t in_frames, int channels, double ratio, int src_rate,
                    int rate, const char *name, float **out, size_t *out_frames,
                    char *reason, size_t reasonlen)
{
	double want_d = round((double)in_frames * ratio);
	if (want_d > (double)(LONG_MAX / 2) || (double)in_frames > (double)LONG_MAX) {
		set_reason(reason, reasonlen, "cannot resample %s: too long", name);
		return -1;
	}
	size_t want = (size_t)want_d;
	size_t cap = want + 64;
	float *buf = calloc(cap * (size_t)channels, sizeof *buf);
	if (!buf) {
		set_reason(reason, reasonlen, "cannot resample %s: out of memory", name);
		return -1;
	}
	if (in_frames > 0) {
		SRC_DATA d = {
			.data_in = in,
			.input_frames = (long)in_frames,
			.data_out = buf,
			.output_frames = (long)cap,
			.src_ratio = ratio,
		};
		int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, channels);
		if (err) {
			set_reason(reason, reasonlen, "cannot resample %s from %d to %d Hz: %s", name,
			           src_rate, rate, src_strerror(err));
			free(buf);
			return -1;
		}
		size_t gen = (size_t)d.output_frames_gen;
		if (gen < want)
			memset(buf + gen * (size_t)channels, 0, (want - gen) * (size_t)channels * sizeof *buf);
	}
	*out = buf;
	*out_frames = want;
	return 0;
}

int wav_load_file(const char *path, int rate, int channels, size_t max_frames,
                  int16_t **samples, size_t *frames, char *reason, size_t reasonlen)
{
	if (samples)
		*samples = NULL;
	if (frames)
		*frames = 0;
	if (!path || !samples || !frames) {
		set_reason(reason, reasonlen, "cannot load a file: bad arguments");
		return -1;
	}
	const char *name = base_name(path);
	if (rate < RATE_MIN || rate > RATE_MAX || channels < 1 || channels > CHANNELS_MAX) {
		set_reason(reason, reasonlen, "cannot load %s: unsupported target %d Hz, %d channels",
		           name, rate, channels);
		return -1;
	}

	SF_INFO si = {0};
	char why[160];
	SNDFILE *sf = open_path(path, &si, why, sizeof why);
	if (!sf) {
		set_reason(reason, reasonlen, "cannot open %s: %s", name, why);
		return -1;
	}
	if (si.samplerate <= 0 || si.channels <= 0) {
		set_reason(reason, reasonlen, "cannot read %s: %d Hz, %d channels", name,
		           si.samplerate, si.channels);
		sf_close(sf);
		return -1;
	}
	double ratio = (double)rate / si.samplerate;
	/* Refuse from the header when it knows the length, before reading minutes of audio. */
	if (si.frames > 0 && si.frames < SF_COUNT_MAX &&
	    round((double)si.frames * ratio) > (double)max_frames) {
		reason_too_long(reason, reasonlen, name, "", (double)si.frames / si.samplerate,
		                max_frames, rate);
		sf_close(sf);
		return -1;
	}
	/* The header may lie or be absent, so reading stops once the result would be too long. */
	double src_cap = ((double)max_frames + 1.0) / ratio + 1.0;
	float *mixed = NULL;
	size_t n = 0;
	int rc = read_mixed(sf, &si, channels, src_cap, name, &mixed, &n, reason, reasonlen);
	sf_close(sf);
	if (rc == 1)
		reason_too_long(reason, reasonlen, name, "over ", (double)max_frames / rate,
		                max_frames, rate);
	if (rc != 0)
		return -1;

	if (si.samplerate != rate) {
		float *res = NULL;
		size_t rn = 0;
		rc = resample(mixed, n, channels, ratio, si.samplerate, rate, name, &res, &rn,
		              reason, reasonlen);
		free(mixed);
		if (rc != 0)
			return -1;
		mixed = res;
		n = rn;
	}
	if (n > max_frames) {
		reason_too_long(reason, reasonlen, name, "", (double)n / rate, max_frames, rate);
		free(mixed);
		return -1;
	}

	size_t count = n * (size_t)channels;
	int16_t *out = malloc((count ? count : 1) * sizeof *out);
	if (!out) {
		set_reason(reason, reasonlen, "cannot load %s: out of memory", name);
		free(mixed);
		return -1;
	}
	if (count)
		float_to_s16(mixed, out, count);
	free(mixed);
	*samples = out;
	*frames = n;
	return 0;
}
