/*
 * The one open-addressing hash map of the engine: linear probing in a table
 * whose size is a power of two (so that '&' replaces '%'), kept at most half
 * full so that probes stay short. A slot holds a 64-bit key word, the
 * key's 32-bit hash and a reference (an index + 1 into the caller's own
 * array of entries; 0 marks an empty slot). The entries stay where the
 * caller keeps them (names, stacks, tree nodes, commit ids), and so does
 * equality: a map whose key word is the whole key (an address, a pair of
 * ids) uses pg_hashmap_get(); one whose keys are longer (a string, a stack)
 * probes with pg_hashmap_start()/pg_hashmap_next() and compares the entry
 * only where the stored hash matches. Growing needs no rehashing of keys.
 */
#ifndef PG_HASHMAP_H
#define PG_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct pg_hashmap_slot {
	uint64_t key;   /* the caller's key word: the key itself, or a pointer to it */
	uint32_t hash;
	uint32_t ref;   /* index + 1 in the caller's entries; 0 = empty */
};

struct pg_hashmap {
	struct pg_hashmap_slot *slots;
	size_t mask;    /* slot count - 1 */
	size_t count;   /* slots in use */
};

/* An empty map of at least min_slots slots (rounded up to a power of two,
 * at least 8). */
int pg_hashmap_init(struct pg_hashmap *m, size_t min_slots);
void pg_hashmap_release(struct pg_hashmap *m);

/* Adds ref under (hash, key), which the caller has looked for and not
 * found; doubles the table first when it would become more than half full. */
int pg_hashmap_add(struct pg_hashmap *m, uint32_t hash, uint64_t key, uint32_t ref);

/* A hash of a 64-bit key (Fibonacci hashing: the high bits of the product
 * are the well mixed ones). */
static inline uint32_t pg_hash_u64(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32);
}

/* Probing: for (i = start(m, h); m->slots[i].ref; i = next(m, i)) ... */
static inline size_t pg_hashmap_start(const struct pg_hashmap *m, uint32_t hash)
{
	return hash & m->mask;
}

static inline size_t pg_hashmap_next(const struct pg_hashmap *m, size_t i)
{
	return (i + 1) & m->mask;
}

/* The ref stored under key where the key word is the whole key
 * (added with hash pg_hash_u64(key)); 0 when there is none. */
static inline uint32_t pg_hashmap_get(const struct pg_hashmap *m, uint64_t key)
{
	uint32_t hash = pg_hash_u64(key);

	if (!m->slots)
		return 0;
	for (size_t i = pg_hashmap_start(m, hash); m->slots[i].ref; i = pg_hashmap_next(m, i))
		if (m->slots[i].key == key)
			return m->slots[i].ref;
	return 0;
}

/* pg_hashmap_add() for such a map. */
static inline int pg_hashmap_put(struct pg_hashmap *m, uint64_t key, uint32_t ref)
{
	return pg_hashmap_add(m, pg_hash_u64(key), key, ref);
}

#endif
