/* Unit tests of finding shipped files from the executable's place (this test runs from build/tests/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "intercom/common/assets.h"

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && strcmp(s + n - m, tail) == 0;
}

static void test_source_tree(void **state)
{
	(void)state;
	char path[PATH_MAX];
	assert_int_equal(assets_find("test-tone.wav", path, sizeof path), 0);
	assert_true(ends_with(path, "/assets/test-tone.wav"));
}

static void test_missing(void **state)
{
	(void)state;
	char path[PATH_MAX];
	assert_int_equal(assets_find("no-such-asset.wav", path, sizeof path), -1);
	/* Names only: no climbing out of the asset directories. */
	assert_int_equal(assets_find("../Makefile", path, sizeof path), -1);
	assert_int_equal(assets_find("/etc/passwd", path, sizeof path), -1);
	/* A path that does not fit is not found, never cut. */
	char tiny[8];
	assert_int_equal(assets_find("test-tone.wav", tiny, sizeof tiny), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_tree),
		cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
