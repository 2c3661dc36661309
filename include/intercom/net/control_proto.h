/*
 * The control socket's wire format, both ends (docs/PROTOCOL.md, "The
 * control socket"): the console's command language, one command per line;
 * each answered with a header line "ok N" or "error N" and N lines of text;
 * "refused 1" and a reason before the console closes a client it will not
 * serve. A `send ... -` line is followed by the audio as chunks ("data N",
 * a newline, N bytes; then "end"). Also where the socket is by default.
 * Pure: bytes and strings only, no sockets; units test every edge.
 */
#ifndef INTERCOM_CONTROL_PROTO_H
#define INTERCOM_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A command line's bytes, without its newline: a path (PATH_MAX) and options fit. */
#define CONTROL_LINE_MAX 4096
/* An upload's chunk, at most: what the console reads in one go. */
#define CONTROL_CHUNK_MAX 65536
/*
 * A `send -` upload, at most: the largest page a PAGE frame carries (64 MiB),
 * so any file bigger could not be a page anyway (a WAV of 300 s at 48 kHz
 * stereo is 55 MiB); it sits in the runtime directory, often a small tmpfs.
 */
#define CONTROL_UPLOAD_MAX (64u << 20)
/* A header line ("ok 123456"): short, whatever the answer. */
#define CONTROL_HEADER_MAX 32

/* What the front of a client's buffer holds. */
enum control_take {
	CONTROL_TAKE_MORE,     /* no whole line yet, and room for one */
	CONTROL_TAKE_LINE,     /* a line of *line_len bytes; *used with its newline */
	CONTROL_TAKE_TOO_LONG, /* over max bytes without a newline */
};

/* The first line of buf[0..len), if it ends within max bytes (a "\r\n" ending is taken too). */
enum control_take control_line_take(const char *buf, size_t len, size_t max, size_t *line_len,
                                    size_t *used);

/*
 * True if the command line uploads its file (a send whose last word is
 * "-"); *dash is where that "-" is, for the console to put its file's path
 * there.
 */
bool control_line_uploads(const char *line, size_t *dash);

/* An upload's chunk header: "data N" (1..CONTROL_CHUNK_MAX: *n) or "end"; else BAD. */
enum control_chunk { CONTROL_CHUNK_DATA, CONTROL_CHUNK_END, CONTROL_CHUNK_BAD };
enum control_chunk control_chunk_parse(const char *line, size_t len, size_t *n);

/*
 * A client's bytes read as the socket's grammar, piece by piece: command
 * lines, and after a `send ... -` line its upload's chunks. Every rule a
 * client can break is checked here (a line too long or not text, a bad
 * chunk header, an upload over CONTROL_UPLOAD_MAX), so the console only acts
 * on the pieces. Zeroed: at the start of a connection.
 */
struct control_reader {
	int state;                /* private: a command, a chunk header or a chunk's bytes next */
	size_t chunk_left;        /* the chunk's bytes still to come */
	size_t upload_bytes;      /* the upload's bytes so far */
};

enum control_read {
	CONTROL_READ_MORE,        /* nothing whole yet: more bytes are needed (*used: a chunk
	                             header taken meanwhile, or 0) */
	CONTROL_READ_COMMAND,     /* a command line (text, without its ending) */
	CONTROL_READ_UPLOAD,      /* a command line that uploads: its "-" at dash; chunks follow */
	CONTROL_READ_DATA,        /* bytes of the upload */
	CONTROL_READ_END,         /* the upload is whole */
	CONTROL_READ_REFUSE,      /* the client broke the grammar: why, in one line; close it */
};

struct control_piece {
	const char *data;         /* into the caller's buffer: the line or the upload's bytes */
	size_t len;
	size_t dash;              /* CONTROL_READ_UPLOAD: where the "-" is in the line */
	const char *why;          /* CONTROL_READ_REFUSE: a static message */
};

/* The next piece of buf[0..len); *used: the bytes it took (the caller drops them). */
enum control_read control_reader_next(struct control_reader *r, const char *buf, size_t len, size_t *used,
                                      struct control_piece *piece);

/* What an answer says: done, refused by the console's command, or the client not served. */
enum control_reply { CONTROL_REPLY_OK, CONTROL_REPLY_ERROR, CONTROL_REPLY_REFUSED };
/* "ok N\n" into out (CONTROL_HEADER_MAX); its length. */
size_t control_reply_header(char *out, enum control_reply kind, size_t lines);
/* The header line (without its newline); 0, or -1 if it is none. */
int control_reply_parse(const char *line, size_t len, enum control_reply *kind, size_t *lines);

/*
 * Where the console's socket and uploads live by default: runtime_dir
 * ($XDG_RUNTIME_DIR) + "/intercom", or, without one, /tmp/intercom-UID.
 * Writes the directory (and, if sock is not NULL, dir + "/console.sock");
 * -1 if they do not fit (a socket's path is at most 107 bytes).
 */
int control_default_dir(char *dir, size_t dirlen, const char *runtime_dir, uid_t uid);
int control_socket_path(char *out, size_t outlen, const char *dir);

#endif
