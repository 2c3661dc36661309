/* Growing arrays by doubling (vec.h). */
#include "intercom/common/vec.h"

#include <stdint.h>
#include <stdlib.h>

int vec_reserve_one(void **items, size_t *cap, size_t n, size_t size, size_t max)
{
	if (n < *cap)
		return 0;
	size_t grown = *cap ? *cap * 2 : 16;
	if (max && grown > max)
		grown = max;
	if (grown <= n || grown > SIZE_MAX / size)
		return -1;
	void *v = realloc(*items, grown * size);
	if (!v)
		return -1;
	*items = v;
	*cap = grown;
	return 0;
}
