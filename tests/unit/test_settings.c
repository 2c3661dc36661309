/*
 * Unit tests of the console's settings and state kept across restarts: the
 * kvstore text (parse, format, typed reads, bad lines), the mapping of
 * console_saved to and from it, its file (missing, round trip, atomic
 * replace), and the page_settings commands (priority, chime, preroll).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "intercom/common/defaults.h"
#include "intercom/common/kvstore.h"
#include "intercom/console/console_saved.h"
#include "scratch.h"

static void test_kv_parse_and_format(void **state)
{
	(void)state;
	struct kvstore kv;
	kvstore_init(&kv);
	size_t bad = kvstore_parse(&kv, "# a comment\n\n  last_page = 41  \r\nmode=live\nno equals sign\n"
	                                "bad key!=1\nchime_file=/srv/a b.flac\nmode=page\nempty=\nctl=\x01x\n");
	assert_int_equal(bad, 3);
	assert_string_equal(kvstore_get(&kv, "last_page"), "41");
	assert_string_equal(kvstore_get(&kv, "mode"), "page"); /* the later line wins */
	assert_string_equal(kvstore_get(&kv, "chime_file"), "/srv/a b.flac");
	assert_string_equal(kvstore_get(&kv, "empty"), "");
	assert_null(kvstore_get(&kv, "ctl"));
	assert_null(kvstore_get(&kv, "missing"));
	char out[512];
	size_t n = kvstore_format(&kv, "header", out, sizeof out);
	assert_string_equal(out, "# header\nlast_page=41\nmode=page\nchime_file=/srv/a b.flac\nempty=\n");
	assert_int_equal(n, strlen(out));
	/* Too small: cut, NUL-terminated, the size needed returned. */
	char small[10];
	assert_int_equal(kvstore_format(&kv, "header", small, sizeof small), n);
	assert_int_equal(strlen(small), sizeof small - 1);
	/* Parsed back, the same store. */
	struct kvstore again;
	kvstore_init(&again);
	assert_int_equal(kvstore_parse(&again, out), 0);
	assert_memory_equal(&again, &kv, sizeof kv);
	kvstore_unset(&kv, "mode");
	assert_null(kvstore_get(&kv, "mode"));
	assert_string_equal(kvstore_get(&kv, "empty"), "");
	kvstore_unset(&kv, "nothing");
}

static void test_kv_set_and_typed(void **state)
{
	(void)state;
	struct kvstore kv;
	kvstore_init(&kv);
	assert_int_equal(kvstore_set(&kv, "a", "1"), 0);
	assert_int_equal(kvstore_set(&kv, "", "1"), -1);
	assert_int_equal(kvstore_set(&kv, "a b", "1"), -1);
	assert_int_equal(kvstore_set(&kv, "nl", "x\ny"), -1);
	char longv[KVSTORE_VALUE_MAX + 1];
	memset(longv, 'v', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	assert_int_equal(kvstore_set(&kv, "long", longv), -1);
	longv[KVSTORE_VALUE_MAX - 1] = '\0';
	assert_int_equal(kvstore_set(&kv, "long", longv), 0);
	char key[8];
	for (int i = 0; (size_t)i < KVSTORE_MAX - 2; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(kvstore_set(&kv, key, "x"), 0);
	}
	assert_int_equal(kvstore_set(&kv, "full", "x"), -1); /* the store holds KVSTORE_MAX */
	assert_int_equal(kvstore_set(&kv, "a", "2"), 0);     /* a key it has still changes */
	long l;
	double d;
	bool b;
	kvstore_set(&kv, "k0", "-17");
	assert_int_equal(kvstore_get_long(&kv, "k0", -20, 0, &l), 0);
	assert_int_equal(l, -17);
	assert_int_equal(kvstore_get_long(&kv, "k0", 0, 10, &l), -1);
	kvstore_set(&kv, "k1", "2.5");
	assert_int_equal(kvstore_get_long(&kv, "k1", 0, 10, &l), -1);
	assert_int_equal(kvstore_get_double(&kv, "k1", 0.5, 300, &d), 0);
	assert_true(d == 2.5);
	kvstore_set(&kv, "k1", "nan");
	assert_int_equal(kvstore_get_double(&kv, "k1", 0.5, 300, &d), -1);
	kvstore_set(&kv, "k2", "off");
	assert_int_equal(kvstore_get_bool(&kv, "k2", &b), 0);
	assert_false(b);
	kvstore_set(&kv, "k2", "yes");
	assert_int_equal(kvstore_get_bool(&kv, "k2", &b), 0);
	assert_true(b);
	kvstore_set(&kv, "k2", "maybe");
	assert_int_equal(kvstore_get_bool(&kv, "k2", &b), -1);
	assert_int_equal(kvstore_get_bool(&kv, "absent", &b), -1);
}

static void test_saved_mapping(void **state)
{
	(void)state;
	struct console_saved s = { .last_page = 41, .duration_s = 7.5, .live = true };
	page_settings_init(&s.page);
	s.page.priority = PRIORITY_HIGH;
	s.page.chime = false;
	snprintf(s.page.chime_file, sizeof s.page.chime_file, "/srv/gong.flac");
	s.page.preroll_ms = 450;
	snprintf(s.target, sizeof s.target, "zone:hall,speaker:lobby-1");
	struct kvstore kv;
	kvstore_init(&kv);
	console_saved_to_kv(&s, &kv);
	char text[2048];
	kvstore_format(&kv, NULL, text, sizeof text);
	assert_string_equal(text, "last_page=41\nduration=7.500\nmode=live\npriority=high\nchime=off\n"
	                          "chime_file=/srv/gong.flac\npreroll_ms=450\ntarget=zone:hall,speaker:lobby-1\n");
	struct console_saved back = { 0 };
	page_settings_init(&back.page);
	struct kvstore read;
	kvstore_init(&read);
	kvstore_parse(&read, text);
	assert_int_equal(console_saved_from_kv(&back, &read), 0);
	assert_memory_equal(&back, &s, sizeof s);

	/* Values out of range or unknown words are counted and leave the defaults. */
	struct console_saved d = { .duration_s = 5 };
	page_settings_init(&d.page);
	kvstore_init(&read);
	kvstore_parse(&read, "last_page=-1\nduration=9999\nmode=loud\npriority=urgent\nchime=maybe\n"
	                     "preroll_ms=5000\n");
	assert_int_equal(console_saved_from_kv(&d, &read), 6);
	assert_int_equal(d.last_page, 0);
	assert_true(d.duration_s == 5);
	assert_false(d.live);
	assert_int_equal(d.page.priority, PRIORITY_NORMAL);
	assert_true(d.page.chime);
	assert_int_equal(d.page.preroll_ms, PREROLL_DEFAULT_MS);
	/* Absent keys leave everything as it was, and are not counted. */
	kvstore_init(&read);
	assert_int_equal(console_saved_from_kv(&d, &read), 0);
}

static void test_saved_file(void **state)
{
	char path[PATH_MAX];
	scratch_path(path, sizeof path, state, CONSOLE_SAVED_FILE);
	char err[512];
	struct kvstore kv;
	kvstore_init(&kv);
	/* No file yet: an empty store, no error. */
	assert_int_equal(console_saved_load(path, &kv, err, sizeof err), 0);
	assert_int_equal(kv.count, 0);
	kvstore_set(&kv, "last_page", "7");
	assert_int_equal(console_saved_save(path, &kv, err, sizeof err), 0);
	kvstore_set(&kv, "last_page", "8");
	assert_int_equal(console_saved_save(path, &kv, err, sizeof err), 0);
	struct kvstore back;
	kvstore_init(&back);
	assert_int_equal(console_saved_load(path, &back, err, sizeof err), 0);
	assert_string_equal(kvstore_get(&back, "last_page"), "8");
	/* The file begins with its comment; no temporary file is left beside it. */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[256];
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_int_equal(strncmp(line, "# intercom-console", 18), 0);
	char dir[PATH_MAX];
	scratch_path(dir, sizeof dir, state, "");
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	/* A directory where the file should be: the reason, not a crash. */
	scratch_path(path, sizeof path, state, "sub");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(console_saved_load(path, &back, err, sizeof err), -1);
	rmdir(path);
}

static void test_page_settings_commands(void **state)
{
	(void)state;
	struct page_settings ps;
	page_settings_init(&ps);
	assert_int_equal(ps.priority, PRIORITY_NORMAL);
	assert_true(ps.chime);
	assert_int_equal(ps.preroll_ms, PREROLL_DEFAULT_MS);
	const char *file = NULL;
	char msg[256];
	assert_int_equal(page_settings_command(&ps, "talk", &file, msg, sizeof msg), PAGE_SETTINGS_OTHER);
	assert_int_equal(page_settings_command(&ps, "priorityx", &file, msg, sizeof msg), PAGE_SETTINGS_OTHER);
	assert_int_equal(page_settings_command(&ps, "priority", &file, msg, sizeof msg), PAGE_SETTINGS_SHOWN);
	assert_string_equal(msg, "priority of next pages: normal");
	assert_int_equal(page_settings_command(&ps, "priority emergency", &file, msg, sizeof msg),
	                 PAGE_SETTINGS_CHANGED);
	assert_int_equal(ps.priority, PRIORITY_EMERGENCY);
	assert_int_equal(page_settings_command(&ps, "priority loud", &file, msg, sizeof msg), PAGE_SETTINGS_ERROR);
	assert_string_equal(msg, "priority: say normal, high or emergency (not 'loud')");
	assert_int_equal(ps.priority, PRIORITY_EMERGENCY);
	assert_int_equal(page_settings_command(&ps, "chime off", &file, msg, sizeof msg), PAGE_SETTINGS_CHANGED);
	assert_false(ps.chime);
	assert_string_equal(page_settings_chime_name(&ps), "off");
	assert_int_equal(page_settings_command(&ps, "chime on", &file, msg, sizeof msg), PAGE_SETTINGS_CHANGED);
	assert_string_equal(msg, "chime before pages: on");
	assert_int_equal(page_settings_command(&ps, "chime /srv/x y.wav", &file, msg, sizeof msg),
	                 PAGE_SETTINGS_CHIME_FILE);
	assert_string_equal(file, "/srv/x y.wav");
	assert_string_equal(ps.chime_file, ""); /* only once the caller loaded it */
	page_settings_chime_file(&ps, file);
	assert_string_equal(page_settings_chime_name(&ps), "x y.wav");
	assert_int_equal(page_settings_command(&ps, "preroll 0", &file, msg, sizeof msg), PAGE_SETTINGS_CHANGED);
	assert_int_equal(ps.preroll_ms, 0);
	assert_int_equal(page_settings_command(&ps, "preroll 1001", &file, msg, sizeof msg), PAGE_SETTINGS_ERROR);
	assert_int_equal(page_settings_command(&ps, "preroll 2x", &file, msg, sizeof msg), PAGE_SETTINGS_ERROR);
	assert_int_equal(page_settings_command(&ps, "preroll -5", &file, msg, sizeof msg), PAGE_SETTINGS_ERROR);
	assert_int_equal(page_settings_command(&ps, "preroll 1000", &file, msg, sizeof msg), PAGE_SETTINGS_CHANGED);
	assert_int_equal(ps.preroll_ms, 1000);
	assert_int_equal(page_settings_command(&ps, "preroll", &file, msg, sizeof msg), PAGE_SETTINGS_SHOWN);
	assert_string_equal(msg, "pre-roll: 1000 ms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_parse_and_format),
		cmocka_unit_test(test_kv_set_and_typed),
		cmocka_unit_test(test_saved_mapping),
		cmocka_unit_test_setup_teardown(test_saved_file, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_page_settings_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
