/* Unit tests for src/common/archive.c: durable writes, and names too long to hold. */
#include "intercom/common/archive.h"

#include "scratch.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Entries in dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_and_read_back(void **state)
{
	const char *dir = *state;
	static const uint8_t bytes[] = "RIFF and so on";
	char path[PATH_MAX], err[256] = "";
	if (archive_write(dir, "page.wav", bytes, sizeof bytes, path, sizeof path, err, sizeof err) != 0)
		fail_msg("%s", err);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s/page.wav", dir);
	assert_string_equal(path, want);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	uint8_t back[64];
	assert_int_equal(fread(back, 1, sizeof back, fp), sizeof bytes);
	fclose(fp);
	assert_memory_equal(back, bytes, sizeof bytes);
	assert_int_equal(entries(dir), 1); /* no .part left */
}

/* A path that does not fit the caller's buffer is refused before any file is made. */
static void test_path_too_long_for_buffer(void **state)
{
	const char *dir = *state;
	char path[16] = "unchanged";
	char err[512] = "";
	assert_int_equal(archive_write(dir, "page.wav", (const uint8_t *)"x", 1, path, sizeof path,
	                               err, sizeof err), -1);
	assert_string_equal(path, "");
	char want[512];
	snprintf(want, sizeof want, "path too long to write (%zu bytes, at most 15): %s/page.wav",
	         strlen(dir) + 9, dir);
	assert_string_equal(err, want);
	assert_int_equal(entries(dir), 0);
}

/* A name whose temporary name would not fit PATH_MAX is refused, not cut short. */
static void test_temp_name_too_long(void **state)
{
	const char *dir = *state;
	size_t len = PATH_MAX - strlen(dir) - 4;   /* dir/NAME fits, dir/.NAME.part does not */
	char *name = malloc(len + 1);
	assert_non_null(name);
	memset(name, 'a', len);
	name[len] = '\0';
	char *path = malloc(PATH_MAX + 64);
	assert_non_null(path);
	char err[256] = "";
	assert_int_equal(archive_write(dir, name, (const uint8_t *)"x", 1, path, PATH_MAX + 64,
	                               err, sizeof err), -1);
	assert_non_null(strstr(err, "path too long to write ("));
	assert_int_equal(entries(dir), 0);
	free(path);
	free(name);
}

/* A page found by its number in the archive: the newest of that number; none said with the fix. */
static void test_find_page(void **state)
{
	const char *dir = *state;
	static const uint8_t bytes[] = "RIFF";
	char path[PATH_MAX], err[512] = "";
	const char *names[] = { "20261125-143102.123-page0007.wav", "20261126-090000.000-page0007.wav",
	                        "20261126-090001.000-page0017.wav", "20261127-000000.000-page00070.wav" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_int_equal(archive_write(dir, names[i], bytes, sizeof bytes, path, sizeof path, err, sizeof err), 0);
	assert_int_equal(archive_find_page(dir, 7, path, sizeof path, err, sizeof err), 0);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s/20261126-090000.000-page0007.wav", dir);
	assert_string_equal(path, want);
	assert_int_equal(archive_find_page(dir, 17, path, sizeof path, err, sizeof err), 0);
	assert_non_null(strstr(path, "page0017.wav"));
	assert_int_equal(archive_find_page(dir, 8, path, sizeof path, err, sizeof err), -1);
	assert_non_null(strstr(err, "page 8 is not in the archive"));
	assert_int_equal(archive_find_page("/nonexistent/dir", 7, path, sizeof path, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read the archive /nonexistent/dir"));
	char small[8];
	assert_int_equal(archive_find_page(dir, 7, small, sizeof small, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_read_back, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long_for_buffer, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_temp_name_too_long, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_find_page, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
