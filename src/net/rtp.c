/*
 * RTP's fixed header, a sender's numbering, a receiver's checks, the pacing
 * schedule and the option's text (rtp.h). Pure.
 */
#include "intercom/net/rtp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t rtp_header_write(const struct rtp_header *h, uint8_t *out, size_t cap)
{
	if (cap < RTP_HEADER_BYTES)
		return 0;
	out[0] = RTP_VERSION << 6;
	out[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->payload_type & 0x7f));
	put_be16(out + 2, h->seq);
	put_be32(out + 4, h->timestamp);
	put_be32(out + 8, h->ssrc);
	return RTP_HEADER_BYTES;
}

const char *rtp_refusal_name(enum rtp_refusal r)
{
	switch (r) {
	case RTP_OK: return "taken";
	case RTP_SHORT: return "short";
	case RTP_HUGE: return "too long";
	case RTP_BAD_VERSION: return "not RTP version 2";
	case RTP_BAD_PADDING: return "bad padding";
	case RTP_EMPTY: return "no payload";
	case RTP_WRONG_PT: return "wrong payload type";
	case RTP_OTHER_SOURCE: return "another source";
	case RTP_DUPLICATE: return "duplicate";
	case RTP_TOO_OLD: return "too old";
	case RTP_REFUSAL_COUNT: break;
	}
	return "?";
}

enum rtp_refusal rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *h,
                           const uint8_t **payload, size_t *payload_len)
{
	if (len > RTP_MAX_PACKET_BYTES)
		return RTP_HUGE;
	if (len < RTP_HEADER_BYTES)
		return RTP_SHORT;
	if (pkt[0] >> 6 != RTP_VERSION)
		return RTP_BAD_VERSION;
	size_t at = RTP_HEADER_BYTES + 4u * (pkt[0] & 0x0f); /* CSRCs */
	if (at > len)
		return RTP_SHORT;
	if (pkt[0] & 0x10) { /* a header extension: 4 bytes, then its length in 32-bit words */
		if (at + 4 > len)
			return RTP_SHORT;
		at += 4 + 4u * get_be16(pkt + at + 2);
		if (at > len)
			return RTP_SHORT;
	}
	size_t end = len;
	if (pkt[0] & 0x20) { /* padding: its count is the last byte, and includes itself */
		uint8_t pad = pkt[len - 1];
		if (pad == 0 || pad > end - at)
			return RTP_BAD_PADDING;
		end -= pad;
	}
	if (end == at)
		return RTP_EMPTY;
	h->marker = (pkt[1] & 0x80) != 0;
	h->payload_type = pkt[1] & 0x7f;
	h->seq = get_be16(pkt + 2);
	h->timestamp = get_be32(pkt + 4);
	h->ssrc = get_be32(pkt + 8);
	*payload = pkt + at;
	*payload_len = end - at;
	return RTP_OK;
}

/* ---- a sender ---- */

void rtp_sender_init(struct rtp_sender *s, uint8_t payload_type, uint32_t ssrc, uint16_t seq,
                     uint32_t timestamp)
{
	*s = (struct rtp_sender){ .payload_type = payload_type, .ssrc = ssrc, .seq = seq,
	                          .timestamp = timestamp };
}

void rtp_sender_talk(struct rtp_sender *s)
{
	s->marker_next = true;
}

size_t rtp_sender_packet(struct rtp_sender *s, const uint8_t *payload, size_t len, uint32_t ticks,
                         uint8_t *out, size_t cap)
{
	if (cap < RTP_HEADER_BYTES || len > cap - RTP_HEADER_BYTES)
		return 0;
	struct rtp_header h = { .marker = s->marker_next, .payload_type = s->payload_type,
	                        .seq = s->seq, .timestamp = s->timestamp, .ssrc = s->ssrc };
	rtp_header_write(&h, out, cap);
	memcpy(out + RTP_HEADER_BYTES, payload, len);
	s->marker_next = false;
	s->seq++;
	s->timestamp += ticks;
	s->packets++;
	s->bytes += RTP_HEADER_BYTES + len;
	return RTP_HEADER_BYTES + len;
}

void rtp_sender_skip(struct rtp_sender *s, uint32_t ticks)
{
	s->timestamp += ticks;
}

/* ---- a receiver ---- */

void rtp_receiver_init(struct rtp_receiver *r, uint8_t payload_type)
{
	*r = (struct rtp_receiver){ .payload_type = payload_type };
}

/* The window of seqs taken moves up by n: bit i stands for ext_max - i. */
static void seen_shift(uint64_t seen[2], uint32_t n)
{
	if (n >= 128) {
		seen[0] = seen[1] = 0;
	} else if (n >= 64) {
		seen[1] = seen[0] << (n - 64);
		seen[0] = 0;
	} else if (n > 0) {
		seen[1] = seen[1] << n | seen[0] >> (64 - n);
		seen[0] <<= n;
	}
}

static bool seen_test_set(uint64_t seen[2], uint32_t back)
{
	uint64_t bit = (uint64_t)1 << (back % 64);
	bool was = (seen[back / 64] & bit) != 0;
	seen[back / 64] |= bit;
	return was;
}

/*
 * The first extended seq of a source: above the first wrap, so packets
 * reordered before the first one stay positive.
 */
#define RTP_EXT_START 0x10000u

enum rtp_refusal rtp_receiver_accept(struct rtp_receiver *r, const struct rtp_header *h,
                                     uint64_t now_ms, uint32_t *ext_seq, bool *new_source)
{
	enum rtp_refusal why = RTP_OK;
	*new_source = false;
	bool idle = !r->have_source || now_ms - r->last_ms >= RTP_SOURCE_IDLE_MS;
	if (h->payload_type != r->payload_type) {
		why = RTP_WRONG_PT;
	} else if (r->have_source && h->ssrc != r->ssrc && !idle) {
		why = RTP_OTHER_SOURCE;
	} else {
		uint16_t fwd = (uint16_t)(h->seq - (uint16_t)r->ext_max);
		uint16_t back = (uint16_t)((uint16_t)r->ext_max - h->seq);
		bool restart = !r->have_source || h->ssrc != r->ssrc ||
		               (idle && (fwd > RTP_MAX_DROPOUT && back > RTP_MAX_MISORDER));
		if (restart) {
			r->have_source = true;
			r->ssrc = h->ssrc;
			r->ext_max = RTP_EXT_START + h->seq;
			r->seen[0] = 1;
			r->seen[1] = 0;
			r->sources++;
			*new_source = true;
			*ext_seq = r->ext_max;
		} else if (fwd == 0) {
			why = RTP_DUPLICATE;
		} else if (fwd <= RTP_MAX_DROPOUT) {
			seen_shift(r->seen, fwd);
			r->seen[0] |= 1;
			r->ext_max += fwd;
			*ext_seq = r->ext_max;
		} else if (back <= RTP_MAX_MISORDER && back < 128 && r->ext_max - back > 0) {
			if (seen_test_set(r->seen, back))
				why = RTP_DUPLICATE;
			else
				*ext_seq = r->ext_max - back;
		} else {
			why = RTP_TOO_OLD;
		}
	}
	if (why != RTP_OK) {
		r->refused[why]++;
		return why;
	}
	r->last_ms = now_ms;
	r->taken++;
	return RTP_OK;
}

void rtp_receiver_refuse(struct rtp_receiver *r, enum rtp_refusal why)
{
	if (why > RTP_OK && why < RTP_REFUSAL_COUNT)
		r->refused[why]++;
}

uint64_t rtp_receiver_refused(const struct rtp_receiver *r)
{
	uint64_t n = 0;
	for (int i = 1; i < RTP_REFUSAL_COUNT; i++)
		n += r->refused[i];
	return n;
}

/* ---- pacing ---- */

void rtp_pace_start(struct rtp_pace *p, uint64_t start_us, uint32_t period_us)
{
	*p = (struct rtp_pace){ .start_us = start_us, .period_us = period_us };
}

uint64_t rtp_pace_next_us(const struct rtp_pace *p)
{
	return p->start_us + p->sent * p->period_us;
}

uint64_t rtp_pace_due(struct rtp_pace *p, uint64_t now_us, uint64_t max_behind, uint64_t *skipped)
{
	*skipped = 0;
	if (p->period_us == 0 || now_us < rtp_pace_next_us(p))
		return 0;
	uint64_t due = (now_us - p->start_us) / p->period_us + 1 - p->sent;
	if (max_behind > 0 && due > max_behind) {
		*skipped = due - max_behind;
		p->sent += *skipped;
		due = max_behind;
	}
	return due;
}

void rtp_pace_sent(struct rtp_pace *p)
{
	p->sent++;
}

/* ---- the option's text ---- */

const char *rtp_codec_name(enum rtp_codec_id codec)
{
	switch (codec) {
	case RTP_CODEC_PCMU: return "pcmu";
	case RTP_CODEC_PCMA: return "pcma";
	case RTP_CODEC_G722: return "g722";
	case RTP_CODEC_OPUS: return "opus";
	}
	return "?";
}

static int spec_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* err gets the one-line reason; -1. */
static int spec_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A number of min..max from the whole of text. */
static int spec_int(const char *text, long min, long max, int *out)
{
	char *end;
	if (text[0] < '0' || text[0] > '9')
		return -1;
	long v = strtol(text, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Only printable ASCII goes into a name, zone or interface: they are shown on screens and logs. */
static bool spec_printable(const char *text)
{
	for (const char *c = text; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return false;
	return true;
}

int rtp_spec_parse(const char *text, bool listen, struct rtp_spec *spec, char *err, size_t errlen)
{
	const char *example = listen ? "--rtp-listen 224.0.2.60:50000,codec=pcmu"
	                             : "--rtp 224.0.2.60:50000,codec=g722,zone=hall";
	*spec = (struct rtp_spec){ .codec = RTP_CODEC_PCMU, .ttl = RTP_DEFAULT_TTL };
	char buf[256];
	if (strlen(text) >= sizeof buf)
		return spec_fail(err, errlen, "RTP target too long: give GROUP:PORT[,codec=...], e.g. %s", example);
	strcpy(buf, text);
	char *save = NULL;
	char *addr = strtok_r(buf, ",", &save);
	char *colon = addr ? strrchr(addr, ':') : NULL;
	if (!colon)
		return spec_fail(err, errlen, "RTP address needs GROUP:PORT, e.g. %s", example);
	*colon = '\0';
	struct in_addr in;
	if (strlen(addr) >= sizeof spec->group || inet_pton(AF_INET, addr, &in) != 1)
		return spec_fail(err, errlen,
		                 "RTP address must be a numeric IPv4 address (a multicast group or a host), "
		                 "e.g. %s", example);
	strcpy(spec->group, addr);
	spec->multicast = (ntohl(in.s_addr) >> 28) == 0xe;
	if (spec_int(colon + 1, 1, 65535, &spec->port) != 0)
		return spec_fail(err, errlen, "RTP port must be 1..65535, e.g. %s", example);
	for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return spec_fail(err, errlen, "RTP setting '%.40s' needs KEY=VALUE (codec, ttl, iface, "
			                              "zone, name)", kv);
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(kv, "codec") == 0) {
			if (strcmp(v, "pcmu") == 0)
				spec->codec = RTP_CODEC_PCMU;
			else if (strcmp(v, "pcma") == 0)
				spec->codec = RTP_CODEC_PCMA;
			else if (strcmp(v, "g722") == 0)
				spec->codec = RTP_CODEC_G722;
			else if (strcmp(v, "opus") == 0)
				spec->codec = RTP_CODEC_OPUS;
			else
				return spec_fail(err, errlen, "unknown RTP codec '%.20s': give pcmu, pcma, g722 or opus", v);
		} else if (strcmp(kv, "ttl") == 0 && !listen) {
			if (spec_int(v, 1, 255, &spec->ttl) != 0)
				return spec_fail(err, errlen, "RTP ttl must be 1..255 (%s)", "1: the local network");
		} else if (strcmp(kv, "iface") == 0) {
			if (!*v || strlen(v) >= sizeof spec->iface || !spec_printable(v))
				return spec_fail(err, errlen, "RTP iface must be an interface name such as eth0 (%s)",
				                 "see ip link");
			strcpy(spec->iface, v);
		} else if (strcmp(kv, "latency") == 0 && listen) {
			if (spec_int(v, RTP_LATENCY_MIN_MS, RTP_LATENCY_MAX_MS, &spec->latency_ms) != 0)
				return spec_fail(err, errlen, "RTP latency must be %d..%d ms", RTP_LATENCY_MIN_MS,
				                 RTP_LATENCY_MAX_MS);
		} else if ((strcmp(kv, "zone") == 0 || strcmp(kv, "name") == 0) && !listen) {
			char *dst = kv[0] == 'z' ? spec->zone : spec->name;
			if (!*v || strlen(v) >= sizeof spec->zone || !spec_printable(v))
				return spec_fail(err, errlen, "RTP %s must be 1..64 printable characters, no spaces",
				                 kv);
			strcpy(dst, v);
		} else {
			return spec_fail(err, errlen, listen ? "unknown --rtp-listen setting '%.20s': give codec, iface or latency"
			                                     : "unknown --rtp setting '%.20s': give codec, ttl, iface, "
			                                       "zone or name",
			                 kv);
		}
	}
	if (!listen && !spec->name[0])
		snprintf(spec->name, sizeof spec->name, "rtp:%s:%d", spec->group, spec->port);
	return 0;
}
