/*
 * Unit tests of src/common/json.c: members and commas at every depth,
 * numbers, strings escaped to valid JSON and UTF-8 (quotes, backslashes,
 * controls, bytes that are not UTF-8), a cut escape never half-written, and
 * misuse (too deep, unbalanced) failing the document instead of emitting it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "intercom/common/json.h"

static void test_object_and_array(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_str(&j, "name", "lobby-1");
	json_int(&j, "id", 7);
	json_int(&j, "neg", -3);
	json_num(&j, "duration_s", 5.0, 2);
	json_bool(&j, "recording", false);
	json_null(&j, "sync");
	json_array_begin(&j, "speakers");
	json_object_begin(&j, NULL);
	json_int(&j, "id", 1);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_str(&j, NULL, "x");
	json_array_end(&j);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_end(&j);
	assert_string_equal(json_finish(&j),
	                    "{\"name\":\"lobby-1\",\"id\":7,\"neg\":-3,\"duration_s\":5.00,\"recording\":false,"
	                    "\"sync\":null,\"speakers\":[{\"id\":1},{},\"x\"],\"empty\":[]}");
	json_free(&j);
}

static void test_numbers(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_array_begin(&j, NULL);
	json_num(&j, NULL, 0.125, 3);
	json_num(&j, NULL, 1.0 / 0.0, 2);  /* not a JSON number: null */
	json_num(&j, NULL, 0.0 / 0.0, 2);
	json_int(&j, NULL, INT64_MIN);
	json_array_end(&j);
	assert_string_equal(json_finish(&j), "[0.125,null,null,-9223372036854775808]");
	json_free(&j);
}

static void test_escapes(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	/* The key is escaped too. */
	json_str(&j, "a\"b", "q\" b\\ n\n t\t c\x01 d\x1f del\x7f é ☃ 🎺");
	json_str(&j, "bad", "x\xff y\xc3 z\xed\xa0\x80");
	json_object_end(&j);
	assert_string_equal(json_finish(&j),
	                    "{\"a\\\"b\":\"q\\\" b\\\\ n\\n t\\t c\\u0001 d\\u001f del\x7f é ☃ 🎺\","
	                    "\"bad\":\"x\xef\xbf\xbd y\xef\xbf\xbd z\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
	json_free(&j);
}

static void test_escape_into_buffer(void **state)
{
	(void)state;
	char out[8];
	assert_int_equal(json_escape(out, sizeof out, "ab\"c", 4), 5);
	assert_string_equal(out, "ab\\\"c");
	/* Cut: never in the middle of an escape; the whole length is still told. */
	assert_int_equal(json_escape(out, sizeof out, "abcdef\x01", 7), 12);
	assert_string_equal(out, "abcdef");
	assert_int_equal(json_escape(out, 4, "ab\x01", 3), 8);
	assert_string_equal(out, "ab");
	/* Nor in the middle of a character. */
	assert_int_equal(json_escape(out, 4, "a\xe2\x98\x83", 4), 4);
	assert_string_equal(out, "a");
	assert_int_equal(json_escape(NULL, 0, "abc", 3), 3);
}

static void test_misuse_fails(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	assert_null(json_finish(&j)); /* not closed */
	json_object_end(&j);
	assert_non_null(json_finish(&j));
	json_object_end(&j); /* one end too many */
	assert_null(json_finish(&j));
	json_free(&j);

	json_init(&j);
	for (int i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_array_begin(&j, NULL);
	for (int i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_array_end(&j);
	assert_null(json_finish(&j));
	json_free(&j);

	json_init(&j);
	assert_null(json_finish(&j)); /* nothing written */
	json_free(&j);
}

/* A big document grows its buffer as it goes. */
static void test_grows(void **state)
{
	(void)state;
	struct json j;
	json_init(&j);
	json_array_begin(&j, NULL);
	for (int i = 0; i < 10000; i++)
		json_str(&j, NULL, "speaker");
	json_array_end(&j);
	const char *doc = json_finish(&j);
	assert_non_null(doc);
	assert_int_equal(strlen(doc), 2 + 10000 * 9 + 9999);
	json_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_and_array), cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_escapes), cmocka_unit_test(test_escape_into_buffer),
		cmocka_unit_test(test_misuse_fails), cmocka_unit_test(test_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
