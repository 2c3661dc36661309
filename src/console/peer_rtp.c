/*
 * RTP targets (--rtp): paging hardware on a multicast group, as a kind of
 * peer (peer.h). It holds every page, whole and exact (live_streams_only: a
 * streamed page's codec would be a second lossy coding), until the console
 * commits it (a page never goes out unarchived), takes live talk as a stream
 * and sends it as it comes; either way the audio is made mono, resampled (libsamplerate) to the
 * codec's rate, encoded in 20 ms packets (rtp_codec.h) and sent at real-time
 * pace: its poll fd is a timerfd armed for the next packet's slot on the
 * monotonic clock, so packets leave within the kernel's timer slack of their
 * slot instead of the loop's millisecond timeout. The UDP socket itself is
 * only written. It reports nothing back: "delivered" once its last packet
 * left, as a legacy speaker.
 */
#include "intercom/console/peer_rtp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <samplerate.h>

#include "intercom/audio/rtp_codec.h"
#include "intercom/audio/stream_codec.h"
#include "intercom/audio/wav.h"
#include "intercom/common/clock.h"
#include "intercom/common/log.h"
#include "intercom/console/peer.h"
#include "intercom/net/proto.h"
#include "intercom/net/rtp_socket.h"

/*
 * A live talk starts going out once this many packets are in hand: its
 * frames come from the capture every ~20 ms with some jitter of their own,
 * and 40 ms of cushion keeps the packets on their slots without gaps.
 */
#define RTP_LIVE_CUSHION_PACKETS 2
/*
 * A console that stalled longer than this many packet slots skips the
 * slots it missed (their timestamps pass in silence) rather than send
 * them in a burst no endpoint's jitter buffer would take.
 */
#define RTP_MAX_BEHIND_PACKETS 5

/* Mono samples at the codec's rate, waiting to go (or held until a commit). */
struct sample_queue {
	int16_t *s;
	size_t head, len, cap;
};

struct rtp_peer {
	struct peer peer;
	struct rtp_spec spec;
	int sock;                          /* connected to the group; only written */
	const struct rtp_codec_info *codec;
	struct rtp_encoder *enc;
	size_t packet_samples;
	uint32_t packet_ticks;
	struct rtp_sender tx;
	struct rtp_pace pace;

	/* The talk on the wire (or about to be). */
	struct sample_queue out;
	bool sending;                      /* its packets are on their schedule */
	bool out_open;                     /* a live talk: more samples come */
	uint32_t out_page;                 /* its page (0: none) */
	uint64_t out_samples;              /* samples of it taken into out so far */
	uint64_t out_sent;                 /* ... and sent */
	uint64_t last_packet_us;           /* when the latest packet left (0: never) */
	uint64_t underruns;                /* live: a packet's slot came before its samples */
	uint64_t send_failed;              /* packets the socket refused (full, no route) */

	/* A page held until its commit. */
	struct sample_queue held;
	uint32_t held_page;

	/* The audio's conversion: to mono at the codec's rate. */
	SRC_STATE *src;
	int src_rate, src_channels;

	/* A live talk arriving (STREAM_*). */
	struct stream_decoder *sdec;
	struct stream_codec_params sparams;
	int16_t *sframe;
	uint32_t s_page;
};

static struct rtp_peer *rtp_of(struct peer *p)
{
	return (struct rtp_peer *)(void *)p;
}

/* ---- the queues ---- */

static int queue_push(struct sample_queue *q, const int16_t *s, size_t n)
{
	if (q->head > 0 && q->head + q->len + n > q->cap) {
		memmove(q->s, q->s + q->head, q->len * sizeof *q->s);
		q->head = 0;
	}
	if (q->len + n > q->cap) {
		size_t cap = (q->len + n) * 2 + 4096;
		int16_t *grown = realloc(q->s, cap * sizeof *grown);
		if (!grown)
			return -1;
		q->s = grown;
		q->cap = cap;
	}
	memcpy(q->s + q->head + q->len, s, n * sizeof *s);
	q->len += n;
	return 0;
}

static size_t queue_pop(struct sample_queue *q, int16_t *out, size_t n)
{
	size_t got = n < q->len ? n : q->len;
	memcpy(out, q->s + q->head, got * sizeof *out);
	q->head += got;
	q->len -= got;
	if (q->len == 0)
		q->head = 0;
	return got;
}

static void queue_clear(struct sample_queue *q)
{
	q->head = q->len = 0;
}

static void queue_swap(struct sample_queue *a, struct sample_queue *b)
{
	struct sample_queue t = *a;
	*a = *b;
	*b = t;
}

/* ---- conversion ---- */

/* Output samples converted per round: bounded buffers on the stack. */
#define RTP_CONVERT_CHUNK 1024

/*
 * frames of interleaved audio at rate x channels, made mono and resampled to
 * the codec's rate, appended to dst; end flushes the resampler (the talk's
 * last samples). 0, or -1 (no memory, the resampler failed: said in the log).
 */
static int convert(struct rtp_peer *rp, const int16_t *in, size_t frames, int rate, int channels, bool end,
                   struct sample_queue *dst)
{
	int out_rate = rp->codec->sample_rate;
	if (!rp->src || rp->src_rate != rate || rp->src_channels != channels) {
		if (rp->src)
			src_delete(rp->src);
		int err = 0;
		/* Medium quality: the paging codecs take at most 8 kHz of bandwidth; a page is short. */
		rp->src = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &err);
		if (!rp->src) {
			log_event_at(LOG_PRIORITY_WARNING, "%s: no resampler: %s", rp->peer.info.name, src_strerror(err));
			return -1;
		}
		rp->src_rate = rate;
		rp->src_channels = channels;
	}
	float mono[RTP_CONVERT_CHUNK], resampled[RTP_CONVERT_CHUNK * 7]; /* 48000 / 8000 = 6, and one more */
	int16_t out[RTP_CONVERT_CHUNK * 7];
	double ratio = (double)out_rate / rate;
	if (ratio > 6.0)
		ratio = 6.0; /* below 8 kHz input nothing is paged: options refuse such rates */
	size_t at = 0;
	do {
		size_t n = frames - at < RTP_CONVERT_CHUNK ? frames - at : RTP_CONVERT_CHUNK;
		for (size_t i = 0; i < n; i++) {
			int sum = 0;
			for (int c = 0; c < channels; c++)
				sum += in[(at + i) * (size_t)channels + (size_t)c];
			mono[i] = (float)sum / (float)channels / 32768.0f;
		}
		at += n;
		SRC_DATA d = { .data_in = mono, .input_frames = (long)n, .data_out = resampled,
		               .output_frames = (long)(sizeof resampled / sizeof resampled[0]),
		               .src_ratio = ratio, .end_of_input = end && at == frames };
		for (;;) {
			int err = src_process(rp->src, &d);
			if (err) {
				log_event_at(LOG_PRIORITY_WARNING, "%s: resampling failed: %s", rp->peer.info.name, src_strerror(err));
				return -1;
			}
			src_float_to_short_array(resampled, out, (int)d.output_frames_gen);
			if (queue_push(dst, out, (size_t)d.output_frames_gen) < 0) {
				log_event_at(LOG_PRIORITY_WARNING, "%s: out of memory for a page", rp->peer.info.name);
				return -1;
			}
			d.data_in += d.input_frames_used;
			d.input_frames -= d.input_frames_used;
			/* At the end the resampler gives out its tail over more calls, until it has none. */
			if (d.input_frames == 0 && (!d.end_of_input || d.output_frames_gen == 0))
				break;
		}
	} while (at < frames);
	if (end)
		src_reset(rp->src);
	return 0;
}

/* ---- sending ---- */

/* The timer fires at the next packet's slot, or is disarmed between talks. */
static void arm_timer(struct rtp_peer *rp)
{
	struct itimerspec its = { 0 };
	if (rp->sending) {
		uint64_t at = rtp_pace_next_us(&rp->pace);
		its.it_value.tv_sec = (time_t)(at / 1000000u);
		its.it_value.tv_nsec = (long)(at % 1000000u) * 1000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* zero would disarm it */
	}
	timerfd_settime(rp->peer.conn.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The talk on the wire is over: every packet left (delivered), or it was cut (why). */
static void talk_end(struct rtp_peer *rp, const char *cut)
{
	struct peer *p = &rp->peer;
	uint32_t page = rp->out_page;
	rp->sending = false;
	rp->out_open = false;
	rp->out_page = 0;
	queue_clear(&rp->out);
	if (!page)
		return;
	if (cut) {
		log_event_at(LOG_PRIORITY_WARNING, "page %u to %s cut short after %.1f s: %s", page, p->info.name,
		          (double)rp->out_sent / rp->codec->sample_rate, cut);
		return;
	}
	char under[96] = "";
	if (rp->underruns)
		snprintf(under, sizeof under, ", %llu packets padded with silence (the talk came late)",
		         (unsigned long long)rp->underruns);
	log_event("page %u sent to %s: %.1f s in %llu packets%s", page, p->info.name,
	          (double)rp->out_sent / rp->codec->sample_rate,
	          (unsigned long long)((rp->out_sent + rp->packet_samples - 1) / rp->packet_samples), under);
	if (p->info.page_id == page) {
		p->info.page_state = PAGE_RECEIVED;
		p->info.page_done = p->info.page_total;
		station_page_delivered(p);
	}
}

/* One packet of the talk: its samples (padded with silence), encoded and sent. */
static void send_packet(struct rtp_peer *rp, uint64_t now_us)
{
	int16_t samples[960];
	size_t got = queue_pop(&rp->out, samples, rp->packet_samples);
	if (got < rp->packet_samples) {
		memset(samples + got, 0, (rp->packet_samples - got) * sizeof *samples);
		if (rp->out_open)
			rp->underruns++;
	}
	rp->out_sent += got;
	uint8_t payload[STREAM_OPUS_MAX_FRAME_BYTES], packet[RTP_HEADER_BYTES + STREAM_OPUS_MAX_FRAME_BYTES];
	int len = rtp_encode(rp->enc, samples, payload, sizeof payload);
	size_t n = len > 0 ? rtp_sender_packet(&rp->tx, payload, (size_t)len, rp->packet_ticks, packet, sizeof packet)
	                   : 0;
	rtp_pace_sent(&rp->pace);
	rp->last_packet_us = now_us;
	if (n == 0) {
		rtp_sender_skip(&rp->tx, rp->packet_ticks);
		return;
	}
	/* A full socket buffer or an ICMP error of a unicast host loses this packet only: UDP. */
	if (send(rp->sock, packet, n, MSG_DONTWAIT) < 0)
		rp->send_failed++;
	else
		rp->peer.conn.bytes_out += n;
}

/* Starts the talk in out if it may start, and sends every packet whose slot has come. */
static void pump(struct rtp_peer *rp, uint64_t now_us)
{
	struct peer *p = &rp->peer;
	if (!rp->sending) {
		size_t need = rp->out_open ? RTP_LIVE_CUSHION_PACKETS * rp->packet_samples : 1;
		if (rp->out.len < need) {
			arm_timer(rp);
			return;
		}
		/* The timestamp runs on through the silence between talks (RFC 3550 5.1), the marker says a talk begins. */
		/* The last packet already moved the timestamp one packet on: the rest of the gap is added. */
		uint64_t period_us = RTP_PACKET_MS * 1000u;
		if (rp->last_packet_us && now_us > rp->last_packet_us + period_us)
			rtp_sender_skip(&rp->tx, (uint32_t)((now_us - rp->last_packet_us - period_us) *
			                                    (uint64_t)rp->codec->clock_rate / 1000000u));
		rtp_sender_talk(&rp->tx);
		rtp_pace_start(&rp->pace, now_us, RTP_PACKET_MS * 1000u);
		rp->sending = true;
		rp->underruns = 0;
	}
	uint64_t skipped;
	uint64_t due = rtp_pace_due(&rp->pace, now_us, RTP_MAX_BEHIND_PACKETS, &skipped);
	if (skipped) {
		rtp_sender_skip(&rp->tx, (uint32_t)skipped * rp->packet_ticks);
		log_event_at(LOG_PRIORITY_WARNING, "%s: the console stalled: %llu packet slots skipped", p->info.name,
		          (unsigned long long)skipped);
	}
	for (; due > 0; due--) {
		if (rp->out.len == 0 && !rp->out_open) {
			talk_end(rp, NULL);
			break;
		}
		send_packet(rp, now_us);
	}
	if (rp->sending && rp->out.len == 0 && !rp->out_open)
		talk_end(rp, NULL);
	if (rp->sending && p->info.page_id == rp->out_page && p->info.page_state == PAGE_PLAYING)
		p->info.page_done = rp->out_sent;
	arm_timer(rp);
}

/* A talk of page_id begins with what is in out (a live one goes on: open). */
static void talk_begin(struct rtp_peer *rp, uint32_t page_id, bool open)
{
	struct peer *p = &rp->peer;
	if (rp->out_page && rp->out_page != page_id)
		talk_end(rp, "a newer page took over");
	rp->sending = false;
	rp->out_page = page_id;
	rp->out_open = open;
	rp->out_sent = 0;
	if (p->info.page_id == page_id) {
		p->info.page_state = PAGE_PLAYING;
		p->info.page_done = 0;
		p->info.page_total = open ? 0 : rp->out.len;
	}
	pump(rp, clock_mono_us());
}

/* ---- the kind's operations ---- */

static void rtp_start(struct peer *p, uint64_t now)
{
	(void)now;
	/* It takes streams (live talk as it is spoken) and holds pages until their commit. */
	p->info.stream = true;
	p->info.commit = true;
	p->info.rtp = true;
}

/* The timer: the next packet's slot came. */
static void rtp_read(struct peer *p, uint64_t now)
{
	(void)now;
	uint64_t expirations;
	if (read(p->conn.fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN && errno != EINTR)
		log_event_at(LOG_PRIORITY_WARNING, "%s: its timer failed: %s", p->info.name, strerror(errno));
	pump(rtp_of(p), clock_mono_us());
}

/* Its clock is the timerfd; nothing for the station's timers. */
static int rtp_tick(struct peer *p, uint64_t now)
{
	(void)p;
	(void)now;
	return -1;
}

/* A page's WAV, held (converted) until the commit. */
static void rtp_send_page(struct peer *p, const struct peer_page *page, uint64_t now)
{
	(void)now;
	struct rtp_peer *rp = rtp_of(p);
	int16_t *samples;
	struct wav_info info;
	char why[160];
	queue_clear(&rp->held);
	rp->held_page = 0;
	p->info.page_state = PAGE_RECEIVING;
	if (wav_decode_s16(page->frame->data + page->wav_at, page->wav_len, &samples, &info, why, sizeof why) < 0) {
		station_page_outcome(p, PAGE_FAILED, why);
		return;
	}
	int rc = convert(rp, samples, info.frames, info.rate, info.channels, true, &rp->held);
	free(samples);
	if (rc < 0) {
		station_page_outcome(p, PAGE_FAILED, "could not convert the page for RTP");
		return;
	}
	rp->held_page = page->id;
	p->info.page_state = PAGE_RECEIVED;
}

static void rtp_commit(struct peer *p, uint32_t page_id, bool play, uint64_t play_at_us, const char *why)
{
	(void)play_at_us; /* RTP endpoints play on arrival: there is no shared clock to time it by */
	(void)why;
	struct rtp_peer *rp = rtp_of(p);
	if (page_id != rp->held_page)
		return; /* a live talk: it went out as it was spoken */
	rp->held_page = 0;
	if (!play) {
		queue_clear(&rp->held);
		return;
	}
	if (rp->out_page)
		talk_end(rp, "a newer page took over");
	queue_swap(&rp->out, &rp->held);
	queue_clear(&rp->held);
	talk_begin(rp, page_id, false);
}

/* A live talk's BEGIN (the kind takes no other stream): its decoder, and the talk starts. */
static void stream_begin(struct rtp_peer *rp, const struct proto_stream_begin *b)
{
	struct peer *p = &rp->peer;
	char why[160];
	stream_codec_decoder_free(rp->sdec);
	free(rp->sframe);
	rp->sframe = NULL;
	rp->s_page = 0;
	if (!b->live)
		return;
	rp->sparams = (struct stream_codec_params){ .codec = (enum stream_codec_id)b->codec, .rate = (int)b->rate,
	                                            .channels = b->channels, .complexity = -1 };
	rp->sdec = stream_codec_decoder_new(&rp->sparams, why, sizeof why);
	rp->sframe = rp->sdec ? malloc(stream_codec_frame_samples(b->rate) * b->channels * sizeof *rp->sframe)
	                      : NULL;
	if (!rp->sframe) {
		station_page_outcome(p, PAGE_FAILED, rp->sdec ? "out of memory" : why);
		return;
	}
	rp->s_page = b->page_id;
	if (rp->src)
		src_reset(rp->src);
	if (rp->out_page)
		talk_end(rp, "a live talk took over");
	queue_clear(&rp->out);
	talk_begin(rp, b->page_id, true);
}

/* A live talk's frames: decoded (a bad one concealed), converted, and out as their slots come. */
static void stream_data(struct rtp_peer *rp, const struct proto_stream_data *d)
{
	size_t at = 0;
	const uint8_t *bytes;
	size_t len;
	size_t n = stream_codec_frame_samples(rp->sparams.rate);
	while (proto_stream_data_next(d, &at, &bytes, &len)) {
		char why[160];
		if (stream_codec_decode(rp->sdec, bytes, len, rp->sframe, why, sizeof why) < 0)
			stream_codec_conceal(rp->sdec, rp->sframe);
		if (convert(rp, rp->sframe, n, rp->sparams.rate, rp->sparams.channels, false, &rp->out) < 0) {
			rp->s_page = 0;
			station_page_outcome(&rp->peer, PAGE_FAILED, "could not convert the live talk for RTP");
			talk_end(rp, "could not convert it");
			return;
		}
	}
	pump(rp, clock_mono_us());
}

/* The talk's END: the rest goes out, and then it is delivered; aborted, it stops now. */
static void stream_end(struct rtp_peer *rp, const struct proto_stream_end *e)
{
	uint32_t page = rp->s_page;
	rp->s_page = 0;
	if (rp->out_page != page)
		return;
	if (e->outcome != STREAM_COMPLETE) {
		talk_end(rp, *e->reason ? e->reason : "cancelled by the console");
		return;
	}
	convert(rp, NULL, 0, rp->sparams.rate, rp->sparams.channels, true, &rp->out); /* the resampler's tail */
	rp->out_open = false;
	pump(rp, clock_mono_us());
}

/* One BEGIN, DATA or END frame of a streamed page. */
static void stream_frame(struct rtp_peer *rp, const struct proto_header *h, const uint8_t *payload)
{
	if (h->type == PROTO_STREAM_BEGIN) {
		struct proto_stream_begin b;
		if (proto_stream_begin_decode(payload, h->length, &b) == PROTO_OK)
			stream_begin(rp, &b);
	} else if (h->type == PROTO_STREAM_DATA) {
		struct proto_stream_data d;
		if (proto_stream_data_decode(payload, h->length, &d) == PROTO_OK && d.page_id == rp->s_page && rp->s_page)
			stream_data(rp, &d);
	} else if (h->type == PROTO_STREAM_END) {
		struct proto_stream_end e;
		if (proto_stream_end_decode(payload, h->length, &e) == PROTO_OK && e.page_id == rp->s_page && rp->s_page)
			stream_end(rp, &e);
	}
}

/* A streamed page's frames as the station shares them: whole frames, one or several a buffer. */
static void rtp_send_stream(struct peer *p, struct sbuf *frames)
{
	struct rtp_peer *rp = rtp_of(p);
	size_t at = 0;
	struct proto_header h;
	while (frames->len - at >= PROTO_HEADER_SIZE && proto_header_decode(frames->data + at, &h) == PROTO_OK &&
	       h.length <= frames->len - at - PROTO_HEADER_SIZE) {
		stream_frame(rp, &h, frames->data + at + PROTO_HEADER_SIZE);
		at += PROTO_HEADER_SIZE + h.length;
	}
}

static void rtp_left(const struct peer *p, const char *why)
{
	log_event_at(LOG_PRIORITY_WARNING, "RTP target %s removed: %s", p->info.name, why);
}

static void rtp_close(struct peer *p)
{
	struct rtp_peer *rp = rtp_of(p);
	if (rp->sock >= 0)
		close(rp->sock);
	rtp_encoder_free(rp->enc);
	stream_codec_decoder_free(rp->sdec);
	free(rp->sframe);
	if (rp->src)
		src_delete(rp->src);
	free(rp->out.s);
	free(rp->held.s);
}

const struct peer_ops peer_rtp_ops = {
	.noun = "RTP targets",
	.size = sizeof(struct rtp_peer),
	.queue_pages = 0,
	.max_peers = 0,
	.hello_first = false,
	.reports_playing = false,
	.live_streams_only = true,
	.start = rtp_start,
	.read = rtp_read,
	.tick = rtp_tick,
	.send_page = rtp_send_page,
	.commit = rtp_commit,
	.send_stream = rtp_send_stream,
	.left = rtp_left,
	.close = rtp_close,
};

int station_add_rtp(struct station *st, const struct rtp_spec *spec, char *err, size_t errlen)
{
	int sock = rtp_socket_sender(spec, err, errlen);
	if (sock < 0)
		return -1;
	char why[160];
	struct rtp_encoder *enc = rtp_encoder_new(spec->codec, why, sizeof why);
	int timer = enc ? timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) : -1;
	if (timer < 0) {
		snprintf(err, errlen, "RTP %s:%d: %s", spec->group, spec->port,
		         enc ? strerror(errno) : why);
		rtp_encoder_free(enc);
		close(sock);
		return -1;
	}
	char addr[64];
	snprintf(addr, sizeof addr, "%s:%d", spec->group, spec->port);
	struct peer *p = station_add_peer(st, &peer_rtp_ops, timer, addr, clock_mono_ms());
	if (!p) {
		snprintf(err, errlen, "out of memory");
		rtp_encoder_free(enc);
		close(sock);
		return -1;
	}
	struct rtp_peer *rp = rtp_of(p);
	rp->spec = *spec;
	rp->sock = sock;
	rp->enc = enc;
	rp->codec = rtp_codec_info(spec->codec);
	rp->packet_samples = rtp_codec_packet_samples(spec->codec);
	rp->packet_ticks = rtp_codec_packet_ticks(spec->codec);
	/* RFC 3550 5.1: the SSRC, first sequence number and timestamp are random. */
	struct {
		uint32_t ssrc, ts;
		uint16_t seq;
	} r = { 0 };
	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
		uint64_t t = clock_mono_us();
		r.ssrc = (uint32_t)(t ^ (uint64_t)getpid() << 16);
		r.ts = (uint32_t)(t >> 7);
		r.seq = (uint16_t)t;
	}
	rtp_sender_init(&rp->tx, rp->codec->payload_type, r.ssrc, r.seq, r.ts);
	snprintf(p->info.name, sizeof p->info.name, "%s", spec->name);
	snprintf(p->info.zone, sizeof p->info.zone, "%s", spec->zone);
	char where[64] = "";
	if (spec->multicast)
		snprintf(where, sizeof where, ", ttl %d%s%s", spec->ttl, spec->iface[0] ? " on " : "", spec->iface);
	log_event_at(LOG_PRIORITY_NOTICE, "RTP target %s (zone %s): %s %s:%d, %s (payload type %u)%s; UNAUTHENTICATED and unencrypted: "
	          "anyone on that network hears it and can send to it too",
	          spec->name, spec->zone[0] ? spec->zone : "-", spec->multicast ? "multicast group" : "unicast host",
	          spec->group, spec->port, rtp_codec_name(spec->codec), rp->codec->payload_type, where);
	return 0;
}
