/* Unit tests of priorities: the names, the speaker's rules (who waits, who takes over), the emergency floor, the notes of announced priorities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* priority.h comes through it (the shared header has no include guard). */
#include "intercom/speaker/page_priority.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(priority_name(PRIORITY_NORMAL), "normal");
	assert_string_equal(priority_name(PRIORITY_HIGH), "high");
	assert_string_equal(priority_name(PRIORITY_EMERGENCY), "emergency");
	enum priority p = PRIORITY_HIGH;
	assert_int_equal(priority_parse("emergency", &p), 0);
	assert_int_equal(p, PRIORITY_EMERGENCY);
	assert_int_equal(priority_parse("normal", &p), 0);
	assert_int_equal(p, PRIORITY_NORMAL);
	assert_int_equal(priority_parse("high", &p), 0);
	assert_int_equal(p, PRIORITY_HIGH);
	/* Unknown words leave it as it was. */
	assert_int_equal(priority_parse("HIGH", &p), -1);
	assert_int_equal(priority_parse("urgent", &p), -1);
	assert_int_equal(priority_parse("", &p), -1);
	assert_int_equal(priority_parse(NULL, &p), -1);
	assert_int_equal(p, PRIORITY_HIGH);
	assert_true(PRIORITY_NORMAL < PRIORITY_HIGH && PRIORITY_HIGH < PRIORITY_EMERGENCY);
}

static void test_decide(void **state)
{
	(void)state;
	enum priority all[] = { PRIORITY_NORMAL, PRIORITY_HIGH, PRIORITY_EMERGENCY };
	for (int c = 0; c < 3; c++)
		for (int i = 0; i < 3; i++) {
			/* Nothing in hand: any page plays. */
			assert_int_equal(page_priority_decide(false, all[c], all[i]), PRIORITY_TAKE_OVER);
			/* In hand: a lower one waits, an equal or higher one takes over. */
			assert_int_equal(page_priority_decide(true, all[c], all[i]),
			                 i < c ? PRIORITY_WAIT : PRIORITY_TAKE_OVER);
		}
}

static void test_volume(void **state)
{
	(void)state;
	struct priority_volume v;
	/* Normal and high pages follow the speaker: muted is muted. */
	v = page_priority_volume(-10, true, PRIORITY_HIGH, -6);
	assert_false(v.play);
	v = page_priority_volume(-10, false, PRIORITY_NORMAL, -6);
	assert_true(v.play);
	assert_int_equal(v.db, -10);
	assert_false(v.raised);
	/* An emergency: muted, it plays at the floor; turned down below it, at the floor. */
	v = page_priority_volume(-10, true, PRIORITY_EMERGENCY, -6);
	assert_true(v.play);
	assert_int_equal(v.db, -6);
	assert_true(v.raised);
	v = page_priority_volume(-30, false, PRIORITY_EMERGENCY, 0);
	assert_true(v.play);
	assert_int_equal(v.db, 0);
	assert_true(v.raised);
	/* Louder than the floor: its own volume, never turned down. */
	v = page_priority_volume(6, false, PRIORITY_EMERGENCY, 0);
	assert_int_equal(v.db, 6);
	assert_false(v.raised);
	v = page_priority_volume(6, true, PRIORITY_EMERGENCY, 0);
	assert_true(v.play);
	assert_int_equal(v.db, 6);
	assert_true(v.raised); /* it plays through the mute */
}

static void test_notes(void **state)
{
	(void)state;
	struct priority_notes n = { 0 };
	/* Nothing said (an older console): normal. */
	assert_int_equal(priority_notes_get(&n, 1), PRIORITY_NORMAL);
	assert_int_equal(priority_notes_get(&n, 0), PRIORITY_NORMAL);
	priority_notes_put(&n, 7, PRIORITY_EMERGENCY);
	priority_notes_put(&n, 8, PRIORITY_HIGH);
	assert_int_equal(priority_notes_get(&n, 7), PRIORITY_EMERGENCY);
	assert_int_equal(priority_notes_get(&n, 8), PRIORITY_HIGH);
	priority_notes_put(&n, 7, PRIORITY_NORMAL); /* said again: the latest word */
	assert_int_equal(priority_notes_get(&n, 7), PRIORITY_NORMAL);
	/* The oldest are forgotten once PRIORITY_NOTES more came. */
	for (uint32_t id = 100; id < 100 + PRIORITY_NOTES; id++)
		priority_notes_put(&n, id, PRIORITY_HIGH);
	assert_int_equal(priority_notes_get(&n, 8), PRIORITY_NORMAL);
	assert_int_equal(priority_notes_get(&n, 100), PRIORITY_HIGH);
	assert_int_equal(priority_notes_get(&n, 100 + PRIORITY_NOTES - 1), PRIORITY_HIGH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_volume),
		cmocka_unit_test(test_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
