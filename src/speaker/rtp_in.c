/* A speaker's RTP input (rtp_in.h). */
#include "intercom/speaker/rtp_in.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "intercom/common/log.h"
#include "intercom/net/rtp_socket.h"

struct rtp_in {
	int fd;
	struct rtp_depack *dp;
	char name[48];
	uint64_t report_ms;          /* refusals were last said then */
	uint64_t refused_said;       /* ... up to this count */
	uint64_t refused_by[RTP_REFUSAL_COUNT], bad_payload_said, unaligned_said;
	uint8_t buf[RTP_MAX_PACKET_BYTES + 1]; /* one more: a longer datagram shows as too long */
};

struct rtp_in *rtp_in_new(const struct rtp_spec *spec, char *err, size_t errlen)
{
	struct rtp_in *in = calloc(1, sizeof *in);
	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->dp = rtp_depack_new(spec->codec, err, errlen);
	in->fd = in->dp ? rtp_socket_listen(spec, err, errlen) : -1;
	if (in->fd < 0) {
		rtp_depack_free(in->dp);
		free(in);
		return NULL;
	}
	snprintf(in->name, sizeof in->name, "%s:%d %s", spec->group, spec->port, rtp_codec_name(spec->codec));
	return in;
}

void rtp_in_free(struct rtp_in *in)
{
	if (!in)
		return;
	close(in->fd);
	rtp_depack_free(in->dp);
	free(in);
}

int rtp_in_fd(const struct rtp_in *in)
{
	return in->fd;
}

int rtp_in_rate(const struct rtp_in *in)
{
	return rtp_depack_rate(in->dp);
}

size_t rtp_in_frame_samples(const struct rtp_in *in)
{
	return rtp_depack_frame_samples(in->dp);
}

const char *rtp_in_name(const struct rtp_in *in)
{
	return in->name;
}

/* The refusals since the last line, by kind: one line, at most every RTP_IN_REPORT_MS. */
static void report(struct rtp_in *in, uint64_t now_ms)
{
	uint64_t refused = rtp_depack_refused(in->dp);
	if (refused == in->refused_said || now_ms - in->report_ms < RTP_IN_REPORT_MS)
		return;
	in->report_ms = now_ms;
	struct rtp_depack_stats st = rtp_depack_stats(in->dp);
	char line[400];
	int n = snprintf(line, sizeof line, "RTP %s: %llu packets refused", in->name,
	                 (unsigned long long)(refused - in->refused_said));
	for (int r = 1; r < RTP_REFUSAL_COUNT && n > 0 && (size_t)n < sizeof line; r++) {
		uint64_t d = st.refused[r] - in->refused_by[r];
		if (d)
			n += snprintf(line + n, sizeof line - (size_t)n, ", %llu %s", (unsigned long long)d,
			              rtp_refusal_name((enum rtp_refusal)r));
		in->refused_by[r] = st.refused[r];
	}
	if (n > 0 && (size_t)n < sizeof line && st.bad_payload > in->bad_payload_said)
		n += snprintf(line + n, sizeof line - (size_t)n, ", %llu not decodable",
		              (unsigned long long)(st.bad_payload - in->bad_payload_said));
	if (n > 0 && (size_t)n < sizeof line && st.unaligned > in->unaligned_said)
		snprintf(line + n, sizeof line - (size_t)n, ", %llu not in whole 20 ms frames",
		         (unsigned long long)(st.unaligned - in->unaligned_said));
	in->bad_payload_said = st.bad_payload;
	in->unaligned_said = st.unaligned;
	in->refused_said = refused;
	log_event("%s", line);
}

int rtp_in_tick(struct rtp_in *in, uint64_t now_ms)
{
	report(in, now_ms);
	if (rtp_depack_refused(in->dp) == in->refused_said)
		return -1;
	return (int)(in->report_ms + RTP_IN_REPORT_MS - now_ms);
}

void rtp_in_read(struct rtp_in *in, uint64_t now_ms, rtp_in_packet_fn fn, void *ctx)
{
	for (int i = 0; i < RTP_IN_BURST; i++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof from;
		ssize_t got = recvfrom(in->fd, in->buf, sizeof in->buf, MSG_DONTWAIT | MSG_TRUNC,
		                       (struct sockaddr *)&from, &fromlen);
		if (got < 0)
			break; /* EAGAIN: all read; an ICMP error or the like: nothing to do for UDP */
		struct rtp_depack_out out;
		size_t len = (size_t)got < sizeof in->buf ? (size_t)got : sizeof in->buf;
		if (rtp_depack_packet(in->dp, in->buf, len, now_ms, &out) == 0)
			continue;
		char addr[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &from.sin_addr, addr, sizeof addr);
		fn(ctx, addr, &out);
	}
	report(in, now_ms);
}
