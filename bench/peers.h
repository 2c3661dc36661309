/*
 * Light bench speakers: many connections to a console in one process, each
 * built on the project's own conn (framed queue out, sealed records) and
 * proto (header and message codecs). They run the handshake (auth.h, one key
 * pair for all of them: the console admits them with --admit all), say
 * HELLO, answer and send heartbeats, and answer a PAGE (or, with stream, a
 * streamed page's STREAM_END) with STATUS received. No audio: a page is
 * opened and dropped. In raw mode they are the baseline's receivers instead:
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
	bool decode;          /* (every link is sealed: pages are always read whole, as
	                         intercom-speaker does) */
	bool hold;            /* offer PROTO_CAP_COMMIT (a COMMIT is read and ignored): the console
	                         sends them a page as it starts its archive, as to intercom-speaker,
	                         not once it is on disk, as to an older build */
	bool stream;          /* hold, and offer PROTO_CAP_STREAM: streamed pages' frames are counted,
	                         STREAM_END answered with STATUS received, as intercom-speaker does */
	const char *name;     /* peers are NAME-1, NAME-2, ... */
	const struct auth_key *key; /* a pre-shared key to mix into the handshake (NULL: none) */
	int ready_fd;         /* "ready\n" is written here once all are introduced (-1: nowhere) */
};

/* Connects and serves until killed or every peer is closed (0), or an error (1). */
int peers_run(const struct peers_config *cfg);

#endif
