/* The control socket's lines, answers and upload chunks (control_proto.h). */
#include "intercom/net/control_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "intercom/common/utf8.h"

enum control_take control_line_take(const char *buf, size_t len, size_t max, size_t *line_len,
                                    size_t *used)
{
	size_t look = len < max + 2 ? len : max + 2; /* the line, then "\r\n" at most */
	const char *nl = memchr(buf, '\n', look);
	if (!nl)
		return len > max + 1 ? CONTROL_TAKE_TOO_LONG : CONTROL_TAKE_MORE;
	size_t n = (size_t)(nl - buf);
	*used = n + 1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > max)
		return CONTROL_TAKE_TOO_LONG;
	*line_len = n;
	return CONTROL_TAKE_LINE;
}

bool control_line_uploads(const char *line, size_t *dash)
{
	size_t len = strlen(line);
	while (len > 0 && line[len - 1] == ' ')
		len--;
	if (strncmp(line, "send ", 5) != 0 || len < 6 || line[len - 1] != '-' || line[len - 2] != ' ')
		return false;
	*dash = len - 1;
	return true;
}

enum control_chunk control_chunk_parse(const char *line, size_t len, size_t *n)
{
	if (len == 3 && memcmp(line, "end", 3) == 0)
		return CONTROL_CHUNK_END;
	if (len < 6 || len > 5 + 6 || memcmp(line, "data ", 5) != 0)
		return CONTROL_CHUNK_BAD;
	size_t v = 0;
	for (size_t i = 5; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return CONTROL_CHUNK_BAD;
		v = v * 10 + (size_t)(line[i] - '0');
	}
	if (v == 0 || v > CONTROL_CHUNK_MAX || line[5] == '0')
		return CONTROL_CHUNK_BAD;
	*n = v;
	return CONTROL_CHUNK_DATA;
}

static const char *const reply_words[] = {
	[CONTROL_REPLY_OK] = "ok", [CONTROL_REPLY_ERROR] = "error", [CONTROL_REPLY_REFUSED] = "refused",
};

size_t control_reply_header(char *out, enum control_reply kind, size_t lines)
{
	return (size_t)snprintf(out, CONTROL_HEADER_MAX, "%s %zu\n", reply_words[kind], lines % 1000000000u);
}

int control_reply_parse(const char *line, size_t len, enum control_reply *kind, size_t *lines)
{
	for (size_t k = 0; k < sizeof reply_words / sizeof reply_words[0]; k++) {
		size_t w = strlen(reply_words[k]);
		if (len < w + 2 || len > w + 10 || memcmp(line, reply_words[k], w) != 0 || line[w] != ' ')
			continue;
		size_t v = 0;
		for (size_t i = w + 1; i < len; i++) {
			if (line[i] < '0' || line[i] > '9')
				return -1;
			v = v * 10 + (size_t)(line[i] - '0');
		}
		*kind = (enum control_reply)k;
		*lines = v;
		return 0;
	}
	return -1;
}

int control_default_dir(char *dir, size_t dirlen, const char *runtime_dir, uid_t uid)
{
	int n;
	/* XDG: a relative XDG_RUNTIME_DIR is invalid and must be ignored. */
	if (runtime_dir && runtime_dir[0] == '/')
		n = snprintf(dir, dirlen, "%s/intercom", runtime_dir);
	else
		n = snprintf(dir, dirlen, "/tmp/intercom-%lu", (unsigned long)uid);
	return n < 0 || (size_t)n >= dirlen ? -1 : 0;
}

int control_socket_path(char *out, size_t outlen, const char *dir)
{
	struct sockaddr_un sun;
	int n = snprintf(out, outlen, "%s/console.sock", dir);
	return n < 0 || (size_t)n >= outlen || (size_t)n >= sizeof sun.sun_path ? -1 : 0;
}

enum { READER_COMMAND, READER_CHUNK_HEADER, READER_CHUNK_DATA };

/* Why a line is not a command, as the client is told. */
static const char *not_text_why(const char *line, size_t len)
{
	switch (utf8_check_text(line, len)) {
	case UTF8_TEXT_OK:
		return NULL;
	case UTF8_TEXT_MALFORMED:
		return "not a command line: it is not UTF-8 text (the socket takes the console's "
		       "commands as text, e.g. from intercom-ctl)";
	case UTF8_TEXT_CONTROL:
		return "not a command line: it holds a control character (the socket takes the "
		       "console's commands as text, e.g. from intercom-ctl)";
	case UTF8_TEXT_FORMAT:
	case UTF8_TEXT_NONCHARACTER:
		break;
	}
	return "not a command line: it holds an invisible or direction-changing character";
}

enum control_read control_reader_next(struct control_reader *r, const char *buf, size_t len, size_t *used,
                                      struct control_piece *piece)
{
	*used = 0;
	*piece = (struct control_piece){ .data = buf };
	if (r->state == READER_CHUNK_DATA) {
		if (len == 0)
			return CONTROL_READ_MORE;
		size_t n = len < r->chunk_left ? len : r->chunk_left;
		if (r->upload_bytes + n > CONTROL_UPLOAD_MAX) {
			piece->why = "upload too large: at most 64 MiB (a page is at most 300 s); send a "
			             "shorter file";
			return CONTROL_READ_REFUSE;
		}
		r->upload_bytes += n;
		r->chunk_left -= n;
		if (r->chunk_left == 0)
			r->state = READER_CHUNK_HEADER;
		*used = n;
		piece->len = n;
		return CONTROL_READ_DATA;
	}
	bool header = r->state == READER_CHUNK_HEADER;
	size_t line_len = 0;
	switch (control_line_take(buf, len, header ? CONTROL_HEADER_MAX : CONTROL_LINE_MAX, &line_len, used)) {
	case CONTROL_TAKE_MORE:
		return CONTROL_READ_MORE;
	case CONTROL_TAKE_TOO_LONG:
		piece->why = header ? "bad upload: expected \"data N\" or \"end\" (use intercom-ctl send -)"
		                    : "line too long: a command is at most 4096 bytes";
		return CONTROL_READ_REFUSE;
	case CONTROL_TAKE_LINE:
		break;
	}
	piece->len = line_len;
	if (header) {
		size_t n = 0;
		switch (control_chunk_parse(buf, line_len, &n)) {
		case CONTROL_CHUNK_END:
			r->state = READER_COMMAND;
			return CONTROL_READ_END;
		case CONTROL_CHUNK_DATA: {
			/* The chunk's bytes follow at once: they are the piece (the header taken with them). */
			r->state = READER_CHUNK_DATA;
			r->chunk_left = n;
			size_t header_len = *used, more = 0;
			enum control_read next = control_reader_next(r, buf + header_len, len - header_len, &more, piece);
			*used = header_len + more;
			return next;
		}
		case CONTROL_CHUNK_BAD:
			break;
		}
		piece->why = "bad upload: expected \"data N\" (N 1..65536) or \"end\" (use intercom-ctl send -)";
		return CONTROL_READ_REFUSE;
	}
	if ((piece->why = not_text_why(buf, line_len)))
		return CONTROL_READ_REFUSE;
	char line[CONTROL_LINE_MAX + 1];
	memcpy(line, buf, line_len);
	line[line_len] = '\0';
	if (control_line_uploads(line, &piece->dash)) {
		r->state = READER_CHUNK_HEADER;
		r->upload_bytes = 0;
		return CONTROL_READ_UPLOAD;
	}
	return CONTROL_READ_COMMAND;
}
