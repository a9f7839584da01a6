/*
 * Growing arrays by doubling (see array.h).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "array.h"
#include "error.h"

#define FIRST_CAP 16

int pg_array_reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : FIRST_CAP;
	void *bigger;

	if (need <= *cap)
		return 0;
	assert(elem > 0);
	if (need > SIZE_MAX / elem)
		return pg_error_set("cannot hold %zu items of %zu bytes: too large", need, elem);
	while (n < need && n <= SIZE_MAX / elem / 2)
		n *= 2;
	/* Near the limit of size_t (or with items so large that even the first
	 * capacity would not fit), take just what is needed. */
	if (n < need || n > SIZE_MAX / elem)
		n = need;
	bigger = realloc(*arr, n * elem);
	if (!bigger)
		return pg_error_set("out of memory");
	*arr = bigger;
	*cap = n;
	return 0;
}
