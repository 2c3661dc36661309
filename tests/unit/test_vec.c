/* vec_reserve_one: doubling from 16, the bound, and nothing changed when it cannot grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "intercom/common/vec.h"

static void test_doubles_from_16(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0, n = 0;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(vec_reserve_one((void **)&v, &cap, n, sizeof *v, 0), 0);
		v[n++] = i;
	}
	assert_int_equal(cap, 128); /* 16, 32, 64, 128 */
	for (int i = 0; i < 100; i++)
		assert_int_equal(v[i], i);
	free(v);
}

static void test_bound(void **state)
{
	(void)state;
	int *v = NULL;
	size_t cap = 0, n = 0;
	while (vec_reserve_one((void **)&v, &cap, n, sizeof *v, 40) == 0)
		v[n++] = 1;
	assert_int_equal(n, 40);
	assert_int_equal(cap, 40); /* 16, 32, then the bound */
	int *before = v;
	assert_int_equal(vec_reserve_one((void **)&v, &cap, n, sizeof *v, 40), -1);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 40);
	free(v);
}

static void test_overflow_refused(void **state)
{
	(void)state;
	void *v = NULL;
	size_t cap = SIZE_MAX / 4;
	assert_int_equal(vec_reserve_one(&v, &cap, cap, 4, 0), -1);
	assert_null(v);
	assert_int_equal(cap, SIZE_MAX / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles_from_16),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_overflow_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
