/*
 * libFuzzer target: the console's control socket as a client may write to
 * it (src/net/control_proto.c, control_reader), fed the way the console
 * feeds it (a buffer of CONTROL_IN_MAX bytes, what was used dropped).
 *
 * Input: byte 0 is a stride: the stream arrives that many bytes at a time
 * (0: as much as the buffer takes); the rest is the stream.
 *
 * Invariants checked (any failure aborts):
 *  - a piece never takes more than it was given, and a full buffer always
 *    gives a piece (a client can never wedge itself or the console);
 *  - a command or upload line is at most CONTROL_LINE_MAX bytes of
 *    printable UTF-8 without a newline; an upload's "-" is where it says;
 *  - upload bytes come only between an upload line and its end, at most
 *    CONTROL_UPLOAD_MAX of them;
 *  - the pieces do not depend on how the stream was split: the transcript
 *    (upload bytes joined) is the same as when it comes at once.
 */
#include "intercom/common/utf8.h"
#include "intercom/net/control_proto.h"

#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_MAX (CONTROL_CHUNK_MAX + CONTROL_HEADER_MAX)

struct transcript {
	char *text;
	size_t len, cap;
	bool in_data;
};

static void put(struct transcript *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->text = realloc(t->text, t->cap);
		FUZZ_CHECK(t->text != NULL);
	}
	memcpy(t->text + t->len, p, n);
	t->len += n;
}

/* Feeds the stream stride bytes at a time; the transcript of its pieces. */
static void run(const uint8_t *stream, size_t size, size_t stride, struct transcript *t)
{
	static char buf[IN_MAX];
	size_t have = 0, fed = 0;
	struct control_reader r = { 0 };
	bool uploading = false;
	size_t uploaded = 0;
	for (;;) {
		size_t room = sizeof buf - have, left = size - fed;
		size_t n = stride && stride < room ? stride : room;
		if (n > left)
			n = left;
		memcpy(buf + have, stream + fed, n);
		have += n;
		fed += n;
		size_t off = 0;
		for (;;) {
			struct control_piece p;
			size_t used = 0;
			enum control_read got = control_reader_next(&r, buf + off, have - off, &used, &p);
			FUZZ_CHECK(used <= have - off);
			off += used;
			if (got == CONTROL_READ_MORE) {
				/* A full buffer must make progress, or the client is stuck for good. */
				FUZZ_CHECK(used > 0 || have - off < sizeof buf);
				if (used == 0)
					break;
				continue;
			}
			if (got == CONTROL_READ_REFUSE) {
				FUZZ_CHECK(p.why != NULL && strchr(p.why, '\n') == NULL);
				put(t, "R", 1);
				put(t, p.why, strlen(p.why));
				return;
			}
			if (got == CONTROL_READ_DATA) {
				FUZZ_CHECK(uploading && p.len > 0);
				uploaded += p.len;
				FUZZ_CHECK(uploaded <= CONTROL_UPLOAD_MAX);
				if (!t->in_data)
					put(t, "D", 1);
				t->in_data = true;
				put(t, p.data, p.len);
				continue;
			}
			t->in_data = false;
			if (got == CONTROL_READ_END) {
				FUZZ_CHECK(uploading);
				uploading = false;
				put(t, "E\n", 2);
				continue;
			}
			FUZZ_CHECK(!uploading);
			FUZZ_CHECK(p.len <= CONTROL_LINE_MAX);
			FUZZ_CHECK(memchr(p.data, '\n', p.len) == NULL);
			FUZZ_CHECK(utf8_check_text(p.data, p.len) == UTF8_TEXT_OK);
			if (got == CONTROL_READ_UPLOAD) {
				FUZZ_CHECK(p.dash < p.len && p.data[p.dash] == '-');
				FUZZ_CHECK(p.len >= 6 && memcmp(p.data, "send ", 5) == 0);
				uploading = true;
				uploaded = 0;
			}
			put(t, got == CONTROL_READ_UPLOAD ? "U" : "C", 1);
			put(t, p.data, p.len);
			put(t, "\n", 1);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (fed == size)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t stride = data[0];
	struct transcript split = { 0 }, whole = { 0 };
	run(data + 1, size - 1, stride, &split);
	run(data + 1, size - 1, 0, &whole);
	FUZZ_CHECK(split.len == whole.len && (split.len == 0 || memcmp(split.text, whole.text, split.len) == 0));
	free(split.text);
	free(whole.text);
	return 0;
}
