/*
 * Unit tests of the outbox: a page is sent as its archive starts and
 * committed only once its archive file is on disk, no commit comes before
 * the loop hears the archive job end (so the loop never waits on the disk),
 * pages and resends go in the order they were made even while one is being
 * archived, a page that cannot be archived is cancelled and can be tried
 * again, and quitting cancels the page held and says what was not sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intercom/common/archive.h"
#include "intercom/common/defaults.h"
#include "intercom/common/log.h"
#include "intercom/console/outbox.h"

/*
 * What the outbox did, in order: each send (its id, target, expected archive
 * time) and each commit (archived or not, why), and whether the page's
 * archive file was whole on disk at that moment.
 */
struct event {
	char kind;                /* 's': send, 'c': commit */
	uint32_t id, target;
	uint64_t archive_us;      /* a send's */
	bool archived;            /* a commit's verdict */
	bool on_disk;             /* the file was whole then */
	char why[160];
};

struct sent {
	char dir[PATH_MAX];       /* the test's directory */
	char archive[PATH_MAX + 8]; /* where the outbox archives */
	struct event ev[32];
	int n;
	uint64_t created[64];     /* each page id's created_ms, to find its file */
	const uint8_t *wav[64];
	size_t wav_len[64];
};

/* The log lines, in order. */
static char said[64][LOG_LINE_MAX];
static int said_n;

static void log_cb(const char *line, void *ctx)
{
	(void)ctx;
	/* Past the "HH:MM:SS.mmm " stamp. */
	const char *text = strlen(line) > 13 ? line + 13 : line;
	if (said_n < 64)
		snprintf(said[said_n++], sizeof said[0], "%s", text);
}

/* True if a line said so far starts with prefix. */
static bool was_said(const char *prefix)
{
	for (int i = 0; i < said_n; i++)
		if (strncmp(said[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* True if a line said so far starts with prefix and holds part. */
static bool was_said_with(const char *prefix, const char *part)
{
	for (int i = 0; i < said_n; i++)
		if (strncmp(said[i], prefix, strlen(prefix)) == 0 && strstr(said[i], part))
			return true;
	return false;
}

/* True if page_id's archive file holds exactly its bytes. */
static bool on_disk(const struct sent *s, uint32_t page_id)
{
	char name[64], path[PATH_MAX + 128];
	archive_page_name(s->created[page_id], page_id, name, sizeof name);
	snprintf(path, sizeof path, "%s/%s", s->archive, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t buf[64];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return n == s->wav_len[page_id] && memcmp(buf, s->wav[page_id], n) == 0;
}

/* A target of one speaker named by the number n (0: every speaker), as the tests give them. */
static const struct page_target *to(uint32_t n)
{
	static struct page_target t[8];
	static int next;
	if (n == 0)
		return NULL;
	struct page_target *p = &t[next++ % 8];
	char name[16], err[128];
	snprintf(name, sizeof name, "%u", n);
	page_target_all(p);
	assert_int_equal(page_target_add(p, false, name, err, sizeof err), 0);
	return p;
}

static void send_cb(void *ctx, uint32_t page_id, uint64_t created_ms, const uint8_t *wav,
                    size_t wav_len, const struct page_target *target, uint64_t archive_us)
{
	uint32_t target_id = page_target_is_all(target) ? 0 : (uint32_t)strtoul(target->speakers[0], NULL, 10);
	struct sent *s = ctx;
	assert_true(page_id < 64 && s->n < 32);
	s->created[page_id] = created_ms;
	s->wav[page_id] = wav;
	s->wav_len[page_id] = wav_len;
	s->ev[s->n++] = (struct event){ .kind = 's', .id = page_id, .target = target_id,
	                                .archive_us = archive_us, .on_disk = on_disk(s, page_id) };
}

static void commit_cb(void *ctx, uint32_t page_id, bool archived, const char *why)
{
	struct sent *s = ctx;
	assert_true(page_id < 64 && s->n < 32);
	struct event *e = &s->ev[s->n++];
	*e = (struct event){ .kind = 'c', .id = page_id, .archived = archived,
	                     .on_disk = on_disk(s, page_id) };
	snprintf(e->why, sizeof e->why, "%s", why ? why : "");
}

/* Event i is kind for page id. */
static void assert_event(const struct sent *s, int i, char kind, uint32_t id)
{
	assert_true(i < s->n);
	assert_int_equal(s->ev[i].kind, kind);
	assert_int_equal(s->ev[i].id, id);
}

/* Adds a page whose bytes are text (malloc'd, as the outbox takes them). */
static void add(struct outbox *ob, const char *text, uint64_t created_ms, const char *what,
                uint32_t target_id, bool remember)
{
	size_t len = strlen(text);
	uint8_t *wav = malloc(len);
	assert_non_null(wav);
	memcpy(wav, text, len);
	outbox_add(ob, 0, wav, len, created_ms, what, to(target_id), remember);
}

/* Waits (at most 10 s) for the archive job to end, as the loop's poll() does. */
static void wait_job(struct outbox *ob)
{
	struct pollfd pfd = { .fd = outbox_fd(ob), .events = POLLIN };
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
}

static int setup(void **state)
{
	struct sent *s = calloc(1, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/test_outbox.XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->archive, sizeof s->archive, "%s", s->dir);
	said_n = 0;
	log_set_sink(log_cb, NULL);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sent *s = *state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		return -1;
	log_set_sink(NULL, NULL);
	free(s);
	return 0;
}

/*
 * A page goes out as its archive starts (the transfer overlaps the disk), and
 * is committed only once the loop hears the job end, with its file whole on
 * disk. The next page goes only after that commit: in order, never two
 * uncommitted at once.
 */
static void test_sent_while_archived_committed_in_order(void **state)
{
	struct sent *s = *state;
	struct outbox *ob = outbox_new(s->dir, send_cb, commit_cb, s);
	assert_non_null(ob);
	assert_false(outbox_busy(ob));
	assert_int_equal(outbox_fd(ob), -1);
	assert_false(outbox_can_resend(ob));
	assert_int_equal(outbox_next_id(ob), 1);
	add(ob, "RIFF page one", 1700000000000, "captured: 1.00 s", 0, true);
	assert_string_equal(said[0], "page 1 captured: 1.00 s, 13 bytes");
	assert_int_equal(outbox_next_id(ob), 2);
	/* Sent at once, expecting the first archive to take PLAYAT_ARCHIVE_FIRST_MS. */
	assert_int_equal(s->n, 1);
	assert_event(s, 0, 's', 1);
	assert_int_equal(s->ev[0].archive_us, PLAYAT_ARCHIVE_FIRST_MS * 1000u);
	/* Sent and being archived: nothing waits to be sent. */
	assert_true(outbox_busy(ob));
	assert_false(outbox_waiting(ob));
	/* A test tone for speaker 5 and a resend, asked for while page 1 is being archived. */
	add(ob, "RIFF tone", 1700000000100, "test tone for s5", 5, false);
	outbox_resend(ob, NULL);
	assert_true(outbox_busy(ob));
	assert_true(outbox_waiting(ob)); /* the tone and the resend */
	/* Whatever the disk does meanwhile, no commit before the loop hears the job end. */
	wait_job(ob);
	assert_int_equal(s->n, 1);
	outbox_handle(ob);
	assert_event(s, 1, 'c', 1);
	assert_true(s->ev[1].archived);
	assert_true(s->ev[1].on_disk);
	assert_true(was_said("page 1 archived as "));
	/* The test tone goes as its archive starts; the resend waits behind it. */
	assert_event(s, 2, 's', 2);
	assert_int_equal(s->ev[2].target, 5);
	assert_true(s->ev[2].archive_us > 0);
	assert_int_equal(s->n, 3);
	assert_true(outbox_busy(ob));
	wait_job(ob);
	outbox_handle(ob);
	assert_event(s, 3, 'c', 2);
	assert_true(s->ev[3].archived && s->ev[3].on_disk);
	/* Page 1 again under the id given when it was asked for: on disk, so committed at once. */
	assert_event(s, 4, 's', 3);
	assert_int_equal(s->ev[4].target, 0);
	assert_int_equal(s->ev[4].archive_us, 0);
	assert_event(s, 5, 'c', 3);
	assert_true(s->ev[5].archived);
	assert_true(was_said("page 3 is page 1 sent again (archived as "));
	assert_false(outbox_busy(ob));
	assert_int_equal(outbox_fd(ob), -1);

	/* A resend of an archived page with nothing ahead goes at once, without a job. */
	outbox_resend(ob, to(7));
	assert_int_equal(s->n, 8);
	assert_event(s, 6, 's', 4);
	assert_int_equal(s->ev[6].target, 7);
	assert_event(s, 7, 'c', 4);
	/* The copy names the file the page was archived as, once. */
	assert_true(strncmp(said[said_n - 1], "page 4 is page 3 sent again (archived as ", 41) == 0);
	assert_non_null(strstr(said[said_n - 1], "-page0001.wav)"));
	outbox_free(ob);
}

/* A page that cannot be archived is cancelled (never plays), and can be tried again. */
static void test_not_archived_cancelled(void **state)
{
	struct sent *s = *state;
	snprintf(s->archive, sizeof s->archive, "%s/gone", s->dir); /* not there: every write fails */
	struct outbox *ob = outbox_new(s->archive, send_cb, commit_cb, s);
	add(ob, "RIFF page one", 1700000000000, "loaded from x.wav", 0, true);
	/* Asked for again while the first attempt runs: it waits, and tries the archive itself. */
	outbox_resend(ob, NULL);
	wait_job(ob);
	outbox_handle(ob);
	assert_true(was_said("page 1 NOT played: cannot archive it: cannot create "));
	assert_true(was_said_with("page 1 NOT played: ", "(fix the archive, then type resend)"));
	assert_event(s, 0, 's', 1);
	assert_event(s, 1, 'c', 1);
	assert_false(s->ev[1].archived);
	assert_true(strncmp(s->ev[1].why, "the console cannot archive it: cannot create ", 45) == 0);
	wait_job(ob);
	outbox_handle(ob);
	assert_true(was_said("page 2 NOT played: cannot archive it: "));
	assert_event(s, 3, 'c', 2);
	assert_false(s->ev[3].archived);
	assert_false(outbox_busy(ob));

	/* The archive is fixed: resend tries the same page again under its id, and it plays. */
	assert_int_equal(mkdir(s->archive, 0755), 0);
	outbox_resend(ob, NULL);
	assert_string_equal(said[said_n - 1], "page 2: trying again");
	wait_job(ob);
	outbox_handle(ob);
	assert_event(s, 4, 's', 2);
	assert_event(s, 5, 'c', 2);
	assert_true(s->ev[5].archived && s->ev[5].on_disk);
	outbox_free(ob);
}

static void test_quit_says_what_was_not_sent(void **state)
{
	struct sent *s = *state;
	struct outbox *ob = outbox_new(s->dir, send_cb, commit_cb, s);
	add(ob, "RIFF page one", 1700000000000, "captured", 0, true);
	add(ob, "RIFF page two", 1700000000001, "captured", 0, true);
	outbox_resend(ob, NULL);
	/* The console stops before the loop heard back: page 1 is cancelled, the rest never go. */
	said_n = 0;
	outbox_free(ob);
	assert_int_equal(s->n, 2);
	assert_event(s, 0, 's', 1);
	assert_event(s, 1, 'c', 1);
	assert_false(s->ev[1].archived);
	assert_string_equal(s->ev[1].why, "the console is stopping");
	assert_int_equal(said_n, 3);
	assert_string_equal(said[0], "not played, the console is stopping: page 1 (still being archived)");
	assert_string_equal(said[1], "not sent, the console is stopping: page 2 (waiting its turn)");
	assert_string_equal(said[2], "not sent, the console is stopping: page 3 (waiting its turn)");
	/* The abandoned job finishes on its own; give it time before the directory goes. */
	usleep(200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent_while_archived_committed_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_archived_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quit_says_what_was_not_sent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
