/*
 * The open-addressing hash map (see hashmap.h): creation, growth and
 * insertion; lookups are inline in the header, since they sit in the
 * innermost loops (every frame parsed, every address symbolized).
 */
#include "hashmap.h"

#include <stdlib.h>

#include "error.h"

int pg_hashmap_init(struct pg_hashmap *m, size_t min_slots)
{
	size_t n = 8;

	while (n < min_slots) {
		if (n > SIZE_MAX / 2 / sizeof *m->slots)
			return pg_error_set("hash table too large");
		n *= 2;
	}
	m->slots = calloc(n, sizeof *m->slots);
	m->mask = n - 1;
	m->count = 0;
	return m->slots ? 0 : pg_error_set("out of memory");
}

void pg_hashmap_release(struct pg_hashmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = m->count = 0;
}

static void place(struct pg_hashmap_slot *slots, size_t mask, struct pg_hashmap_slot s)
{
	size_t i = s.hash & mask;

	while (slots[i].ref)
		i = (i + 1) & mask;
	slots[i] = s;
}

static int grow(struct pg_hashmap *m)
{
	size_t n = m->mask + 1;
	struct pg_hashmap_slot *bigger;

	if (n > SIZE_MAX / 2 / sizeof *bigger)
		return pg_error_set("hash table too large");
	n *= 2;
	bigger = calloc(n, sizeof *bigger);
	if (!bigger)
		return pg_error_set("out of memory");
	for (size_t i = 0; i <= m->mask; i++)
		if (m->slots[i].ref)
			place(bigger, n - 1, m->slots[i]);
	free(m->slots);
	m->slots = bigger;
	m->mask = n - 1;
	return 0;
}

int pg_hashmap_add(struct pg_hashmap *m, uint32_t hash, uint64_t key, uint32_t ref)
{
	int rc;

	if (!m->slots && (rc = pg_hashmap_init(m, 8)) < 0)
		return rc;
	if ((m->count + 1) * 2 > m->mask + 1 && (rc = grow(m)) < 0)
		return rc;
	place(m->slots, m->mask, (struct pg_hashmap_slot){ key, hash, ref });
	m->count++;
	return 0;
}
