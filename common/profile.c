/*
 * The profile model: interned frame names and deduplicated, weighted stacks.
 *
 * A profile of a long benchmark holds millions of samples but only thousands
 * of distinct frames and stacks, so everything is built around looking things
 * up rather than storing them: a name is stored once and referred to by a
 * 32-bit id, and a stack (frames, thread) is stored once with the sum of its
 * weights. Both lookups go through common/hashmap (open addressing, a power
 * of two of slots). Names and frame arrays live in chunked arenas: a chunk is never
 * moved, so the pointers handed out stay valid, and everything is freed
 * together with the profile.
 */
#define _GNU_SOURCE
#include "profile.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "hashmap.h"
#include "frame_name.h"

/* Ordinary chunks; a larger request gets a chunk of its own. */
#define NAME_CHUNK (64u * 1024)
#define FRAME_CHUNK (256u * 1024)
#define INITIAL_SLOTS 1024u

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	/* Aligned for anything we store (bytes and 32-bit frame ids). */
	_Alignas(8) unsigned char data[];
};

struct arena {
	struct chunk *head;  /* the chunk being filled; older ones follow */
	size_t chunk_size;
};

struct name {
	const char *s;  /* NUL-terminated, in the name arena */
	uint32_t len;
};

struct pg_profile {
	struct arena names_arena;
	struct name *names;
	size_t name_count;
	size_t name_cap;
	/* name -> id + 1. A slot's key word points at the name's text, which is
	 * preceded in the arena by its length: a probe touches the slot and the
	 * text only, not the names array (with tens of thousands of names every
	 * extra array is another cache miss per frame parsed). */
	struct pg_hashmap name_map;

	struct arena frames_arena;
	struct pg_stack *stacks;
	size_t stack_count;
	size_t stack_cap;
	/* stack -> index + 1. The key word is the depth and the thread, so that
	 * with the hash most mismatches are rejected without touching frames. */
	struct pg_hashmap stack_map;

	uint64_t total;
};

static void *arena_alloc(struct arena *a, size_t size, size_t align)
{
	struct chunk *c = a->head;
	size_t start;
	size_t cap;

	if (c) {
		start = (c->used + align - 1) & ~(align - 1);
		if (start <= c->cap && size <= c->cap - start) {
			c->used = start + size;
			return c->data + start;
		}
	}
	cap = size > a->chunk_size ? size : a->chunk_size;
	if (cap > SIZE_MAX - sizeof(struct chunk))
		return NULL;
	c = malloc(sizeof(struct chunk) + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = size;
	/* An oversized chunk goes behind the current one, so that the space
	 * left in the current chunk is still used by later small requests. */
	if (cap > a->chunk_size && a->head) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

static void arena_release(struct arena *a)
{
	struct chunk *c = a->head;

	while (c) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static uint64_t load32(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* A fast 64-bit hash of a short byte string, eight bytes per step. The
 * tables use linear probing, which needs well-mixed low bits: hence the
 * final avalanche. The last partial word is read with (overlapping) whole
 * loads, never assembled byte by byte in memory: that costs a store
 * forwarding stall on every frame name. */
static uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	const unsigned char *end = p + len;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	uint64_t w;

	if (len >= 8) {
		for (; end - p >= 8; p += 8) {
			h = (h ^ load64(p)) * 0xff51afd7ed558ccdull;
			h ^= h >> 29;
		}
		/* The last eight bytes, shifted so that only the new ones count. */
		w = p < end ? load64(end - 8) >> (8 * (8 - (size_t)(end - p))) : 0;
	} else if (len >= 4) {
		w = load32(p) | load32(end - 4) << 32;
	} else if (len > 0) {
		w = (uint64_t)p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)end[-1] << 16;
	} else {
		w = 0;
	}
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int pg_profile_new(struct pg_profile **out)
{
	struct pg_profile *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return pg_error_set("out of memory");
	p->names_arena.chunk_size = NAME_CHUNK;
	p->frames_arena.chunk_size = FRAME_CHUNK;
	if (pg_hashmap_init(&p->name_map, INITIAL_SLOTS) < 0 || pg_hashmap_init(&p->stack_map, INITIAL_SLOTS) < 0) {
		pg_profile_free(p);
		return pg_error_set("out of memory");
	}
	*out = p;
	return 0;
}

void pg_profile_free(struct pg_profile *p)
{
	if (!p)
		return;
	arena_release(&p->names_arena);
	arena_release(&p->frames_arena);
	free(p->names);
	pg_hashmap_release(&p->name_map);
	free(p->stacks);
	pg_hashmap_release(&p->stack_map);
	free(p);
}

int pg_profile_intern(pg_frame_id *out, struct pg_profile *p, const char *name, size_t len)
{
	uint32_t hash = (uint32_t)hash_bytes(name, len, 0x6e616d65);
	const struct pg_hashmap_slot *slot;
	unsigned char *record;
	void *names;
	uint32_t id, stored_len;
	char *copy;
	int rc;

	for (size_t i = pg_hashmap_start(&p->name_map, hash); (slot = &p->name_map.slots[i])->ref;
	     i = pg_hashmap_next(&p->name_map, i)) {
		const char *text = (const char *)(uintptr_t)slot->key;

		if (slot->hash != hash)
			continue;
		memcpy(&stored_len, text - sizeof(stored_len), sizeof(stored_len));
		if (stored_len == len && memcmp(text, name, len) == 0) {
			*out = slot->ref - 1;
			return 0;
		}
	}

	/* A new name. It is handed out as a C string, so a NUL inside would
	 * cut it short and make two different names print the same. */
	if (memchr(name, '\0', len))
		return pg_error_setc(PG_EINVALID, "frame name contains a NUL byte");
	if (p->name_count >= UINT32_MAX)
		return pg_error_set("too many distinct frame names");
	if (len >= UINT32_MAX - sizeof(stored_len))
		return pg_error_set("frame name too long (%zu bytes)", len);
	names = p->names;
	rc = pg_array_reserve(&names, &p->name_cap, p->name_count + 1, sizeof(*p->names));
	p->names = names;
	if (rc < 0)
		return rc;
	record = arena_alloc(&p->names_arena, sizeof(stored_len) + len + 1, _Alignof(uint32_t));
	if (!record)
		return pg_error_set("out of memory");
	id = (uint32_t)p->name_count;
	stored_len = (uint32_t)len;
	memcpy(record, &stored_len, sizeof(stored_len));
	copy = (char *)record + sizeof(stored_len);
	if (len > 0)
		memcpy(copy, name, len);
	copy[len] = '\0';
	p->names[id] = (struct name){copy, (uint32_t)len};
	if ((rc = pg_hashmap_add(&p->name_map, hash, (uint64_t)(uintptr_t)copy, id + 1)) < 0)
		return rc;
	*out = id;
	p->name_count++;
	return 0;
}

const char *pg_profile_frame_name(const struct pg_profile *p, pg_frame_id id)
{
	assert(id < p->name_count);
	return p->names[id].s;
}

size_t pg_profile_frame_count(const struct pg_profile *p)
{
	return p->name_count;
}

static uint32_t hash_stack(const pg_frame_id *frames, size_t depth, int32_t tid)
{
	/* depth * 4 cannot overflow: the caller checked depth <= UINT32_MAX. */
	return (uint32_t)hash_bytes(frames, depth * sizeof(*frames), 0x737461636bull ^ (uint32_t)tid);
}

int pg_profile_add_stack(struct pg_profile *p, const pg_frame_id *frames, size_t depth,
			 int32_t tid, uint64_t weight)
{
	return pg_profile_add_stack_at(NULL, p, frames, depth, tid, weight);
}

int pg_profile_add_stack_at(size_t *index_out, struct pg_profile *p, const pg_frame_id *frames,
			    size_t depth, int32_t tid, uint64_t weight)
{
	uint32_t hash;
	uint64_t key;
	pg_frame_id *copy;
	void *stacks;
	int rc;

	assert(depth >= 1);
	if (depth > UINT32_MAX)
		return pg_error_setc(PG_EINVALID, "stack too deep (%zu frames)", depth);
	for (size_t d = 0; d < depth; d++)
		assert(frames[d] < p->name_count);
	/* No single stack can overflow if the sum of all of them does not. */
	if (weight > UINT64_MAX - p->total)
		return pg_error_setc(PG_EINVALID, "total weight exceeds %llu",
				     (unsigned long long)UINT64_MAX);

	hash = hash_stack(frames, depth, tid);
	key = (uint64_t)depth << 32 | (uint32_t)tid;
	for (size_t i = pg_hashmap_start(&p->stack_map, hash); p->stack_map.slots[i].ref;
	     i = pg_hashmap_next(&p->stack_map, i)) {
		const struct pg_hashmap_slot *slot = &p->stack_map.slots[i];
		struct pg_stack *s;

		if (slot->hash != hash || slot->key != key)
			continue;
		s = &p->stacks[slot->ref - 1];
		if (memcmp(s->frames, frames, depth * sizeof(*frames)) == 0) {
			s->weight += weight;
			p->total += weight;
			if (index_out)
				*index_out = slot->ref - 1;
			return 0;
		}
	}

	if (p->stack_count >= UINT32_MAX - 1)
		return pg_error_set("too many distinct stacks");
	stacks = p->stacks;
	rc = pg_array_reserve(&stacks, &p->stack_cap, p->stack_count + 1, sizeof(*p->stacks));
	p->stacks = stacks;
	if (rc < 0)
		return rc;
	copy = arena_alloc(&p->frames_arena, depth * sizeof(*frames), _Alignof(pg_frame_id));
	if (!copy)
		return pg_error_set("out of memory");
	memcpy(copy, frames, depth * sizeof(*frames));
	p->stacks[p->stack_count] = (struct pg_stack){copy, (uint32_t)depth, tid, weight};
	if ((rc = pg_hashmap_add(&p->stack_map, hash, key, (uint32_t)p->stack_count + 1)) < 0)
		return rc;
	if (index_out)
		*index_out = p->stack_count;
	p->stack_count++;
	p->total += weight;
	return 0;
}

size_t pg_profile_stack_count(const struct pg_profile *p)
{
	return p->stack_count;
}

const struct pg_stack *pg_profile_stack(const struct pg_profile *p, size_t i)
{
	assert(i < p->stack_count);
	return &p->stacks[i];
}

uint64_t pg_profile_total(const struct pg_profile *p)
{
	return p->total;
}

static int compare_names(const struct pg_profile *p, pg_frame_id a, pg_frame_id b)
{
	const struct name *na = &p->names[a];
	const struct name *nb = &p->names[b];
	size_t common = na->len < nb->len ? na->len : nb->len;
	int c = memcmp(na->s, nb->s, common);

	if (c != 0)
		return c;
	return (na->len > nb->len) - (na->len < nb->len);
}

static int compare_hot(const void *va, const void *vb, void *vp)
{
	const struct pg_hot_function *a = va;
	const struct pg_hot_function *b = vb;

	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	if (a->self != b->self)
		return a->self < b->self ? 1 : -1;
	return compare_names(vp, a->frame, b->frame);
}

int pg_profile_hot_functions(struct pg_hot_function **out, size_t *count, const struct pg_profile *p)
{
	struct pg_hot_function *hot = NULL;
	uint32_t *seen_in = NULL;  /* per frame: index + 1 of the last stack that counted it */
	unsigned char *inlined = NULL;  /* per frame: marked "NAME [inlined]" */
	size_t n = p->name_count;
	size_t kept = 0;
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*hot)) {
		rc = pg_error_set("profile too large");
		goto done;
	}
	hot = malloc(n * sizeof(*hot));
	seen_in = calloc(n, sizeof(*seen_in));
	inlined = calloc(n, 1);
	if (!hot || !seen_in || !inlined) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t f = 0; f < n; f++) {
		const struct name *nm = &p->names[f];
		size_t mark = sizeof PG_FRAME_INLINED_MARK - 1;

		hot[f] = (struct pg_hot_function){(pg_frame_id)f, 0, 0};
		inlined[f] = nm->len > mark && !memcmp(nm->s + nm->len - mark, PG_FRAME_INLINED_MARK, mark);
	}

	for (size_t s = 0; s < p->stack_count; s++) {
		const struct pg_stack *st = &p->stacks[s];
		uint32_t mark = (uint32_t)s + 1;

		/* A recursive function appears several times in one stack but
		 * its samples are only spent once: count the stack once. */
		for (uint32_t d = 0; d < st->depth; d++) {
			pg_frame_id f = st->frames[d];

			if (seen_in[f] != mark) {
				seen_in[f] = mark;
				hot[f].total += st->weight;
			}
		}
		hot[st->frames[st->depth - 1]].self += st->weight;
		/* Code inlined into a function is the function's own: a leaf
		 * inlined frame's samples are also the self of the function it
		 * was inlined into (perf's self of a symbol). */
		if (inlined[st->frames[st->depth - 1]]) {
			uint32_t d = st->depth - 1;

			while (d > 0 && inlined[st->frames[d]])
				d--;
			if (!inlined[st->frames[d]])
				hot[st->frames[d]].self += st->weight;
		}
	}

	/* Names interned but in no stack are not functions of the profile. */
	for (size_t f = 0; f < n; f++) {
		if (seen_in[f])
			hot[kept++] = hot[f];
	}
	qsort_r(hot, kept, sizeof(*hot), compare_hot, (void *)p);
	*out = hot;
	*count = kept;
	hot = NULL;
done:
	free(hot);
	free(seen_in);
	free(inlined);
	return rc;
}

size_t pg_frame_function_len(const char *name, int *is_py)
{
	size_t n = strlen(name);
	if (is_py)
		*is_py = 0;
	if (n < 5 || name[n - 1] != ')')
		return n;
	const char *open = strrchr(name, '(');
	if (!open || open == name || open[-1] != ' ')
		return n;
	const char *close = name + n - 1, *p = close - 1;
	while (p > open && *p >= '0' && *p <= '9')
		p--;
	if (*p == ':' && p + 1 < close && p > open + 1) {
		/* "(FILE:LINE)" of a Python file, or of "<frozen ...>", "<string>" */
		if ((p - open > 3 && !strncmp(p - 3, ".py", 3)) || open[1] == '<') {
			if (is_py)
				*is_py = 1;
			return (size_t)(p - name);
		}
		return n;
	}
	if ((close - open > 4 && !strncmp(close - 3, ".py", 3)) || open[1] == '<') {
		if (is_py)
			*is_py = 1;
	}
	return n;
}

int pg_profile_has_python(const struct pg_profile *p)
{
	for (size_t i = 0; i < p->name_count; i++) {
		int is_py;
		pg_frame_function_len(pg_profile_frame_name(p, (pg_frame_id)i), &is_py);
		if (is_py)
			return 1;
	}
	return 0;
}

int pg_profile_function_view(struct pg_profile **out, const struct pg_profile *p,
			     int (*drop)(const char *name))
{
	struct pg_profile *v = NULL;
	pg_frame_id *map = NULL, *frames = NULL;
	unsigned char *dropped = NULL;
	size_t n = p->name_count, maxdepth = 1;
	int rc;

	*out = NULL;
	if ((rc = pg_profile_new(&v)) < 0)
		return rc;
	map = malloc((n ? n : 1) * sizeof *map);
	dropped = calloc(n ? n : 1, 1);
	for (size_t s = 0; s < p->stack_count; s++)
		if (p->stacks[s].depth > maxdepth)
			maxdepth = p->stacks[s].depth;
	frames = malloc(maxdepth * sizeof *frames);
	if (!map || !frames || !dropped) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = pg_profile_frame_name(p, (pg_frame_id)i);
		int is_py = 0;
		size_t len = pg_frame_function_len(name, &is_py);
		dropped[i] = drop && drop(name);
		if (is_py && len < strlen(name)) {
			/* "QUALNAME (FILE:LINE)" -> "QUALNAME (FILE)" */
			char *fn = malloc(len + 2);
			if (!fn) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			memcpy(fn, name, len);
			fn[len] = ')';
			fn[len + 1] = '\0';
			rc = pg_profile_intern(&map[i], v, fn, len + 1);
			free(fn);
		} else {
			rc = pg_profile_intern(&map[i], v, name, len);
		}
		if (rc < 0)
			goto done;
	}
	for (size_t s = 0; s < p->stack_count; s++) {
		const struct pg_stack *st = &p->stacks[s];
		size_t d = 0;
		for (uint32_t k = 0; k < st->depth; k++)
			if (k == 0 || !dropped[st->frames[k]])  /* the root names the program: kept */
				frames[d++] = map[st->frames[k]];
		if ((rc = pg_profile_add_stack(v, frames, d, st->tid, st->weight)) < 0)
			goto done;
	}
	*out = v;
	v = NULL;
	rc = 0;
done:
	pg_profile_free(v);
	free(map);
	free(frames);
	free(dropped);
	return rc;
}
