/*
 * Light bench speakers: many connections to a console in one process, each
 * built on the project's own conn (framed queue out) and proto (header and
 * message codecs). They say HELLO, answer and send heartbeats, and answer a
 * PAGE (or, with stream, a streamed page's STREAM_END) with STATUS received. No audio: a page's bytes are counted, not kept
 * (unless decode is set), so 500 of them cost this machine what 500 plain
 * receivers would. In raw mode they are the baseline's receivers instead:
 * plain sockets that count raw_len bytes and reply one byte.
 */
#ifndef INTERCOM_BENCH_PEERS_H
#define INTERCOM_BENCH_PEERS_H

#include <stdbool.h>
#include <stddef.h>

struct auth_key;

struct peers_config {
	const char *host;
	int port;
	size_t count;
	size_t slow;          /* the first `slow` peers say HELLO, then never read again */
	bool raw;             /* baseline receivers: no protocol at all */
	size_t raw_len;       /* bytes of one raw "page" */
	bool decode;          /* receive pages whole through conn_read, as intercom-speaker does */
	bool hold;            /* offer PROTO_CAP_COMMIT (a COMMIT is read and ignored): the console
	                         sends them a page as it starts its archive, as to intercom-speaker,
	                         not once it is on disk, as to an older build */
	bool stream;          /* hold, and offer PROTO_CAP_STREAM: streamed pages' frames are counted,
	                         STREAM_END answered with STATUS received, as intercom-speaker does */
	const char *name;     /* peers are NAME-1, NAME-2, ... */
	const struct auth_key *key; /* prove it and seal the link, as intercom-speaker does (decode mode) */
	int ready_fd;         /* "ready\n" is written here once all are introduced (-1: nowhere) */
};

/* Connects and serves until killed or every peer is closed (0), or an error (1). */
int peers_run(const struct peers_config *cfg);

#endif
