/*
 * Arrays that grow as items are appended: the one place where the engine
 * decides how much to allocate ahead. Capacity doubles (from 16), so
 * appending n items copies each at most about twice in all; the size
 * arithmetic is checked before anything is allocated. Not for collectors/,
 * which runs inside malloc and signal handlers and never calls realloc.
 */
#ifndef PG_ARRAY_H
#define PG_ARRAY_H

#include <stddef.h>

/* Makes room in *arr, an array of *cap items of elem bytes each, for at
 * least need items; the items already there are kept, the new room is not
 * initialised. 0, or a negative PG_E* code with *arr and *cap unchanged
 * (out of memory, or need * elem beyond what size_t can count). */
int pg_array_reserve(void **arr, size_t *cap, size_t need, size_t elem);

/* The same for a typed array lvalue arr with capacity lvalue cap (size_t):
 * PG_ARRAY_RESERVE(v->items, v->cap, v->count + 1). */
#define PG_ARRAY_RESERVE(arr, cap, need) \
	pg_array_reserve((void **)&(arr), &(cap), (need), sizeof *(arr))

#endif
