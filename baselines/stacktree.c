/*
 * Stacks as a call tree, for storing them in a baseline: building it from a
 * profile, pruning light calls into their callers, and the compact pre-order
 * text form ("depth frame self" per call, comma-separated) with its decoder.
 * Commas rather than newlines because the text goes into a JSON string,
 * where a newline costs an escape to write and a slower path to parse.
 *
 * Nodes are appended as stacks are walked root first, so a node's index is
 * always larger than its parent's: walking the array backwards visits every
 * child before its parent, which is all that pruning and subtree sums need,
 * without recursion.
 */
#define _GNU_SOURCE
#include "stacktree.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

struct tree_node {
	uint32_t parent;
	pg_frame_id frame;
	uint32_t depth;            /* virtual root 0 */
	uint32_t first_child;      /* 0: none (node 0 is never anyone's child) */
	uint32_t next_sibling;
	uint64_t self;
	uint64_t orig_self;        /* before pruning */
};

/* A node's key in the children map: its parent and its frame. */
static uint64_t child_key(uint32_t parent, pg_frame_id frame)
{
	return (uint64_t)parent << 32 | frame;
}

static int child(uint32_t *out, struct pg_stacktree *t, uint32_t parent, pg_frame_id frame)
{
	uint64_t key = child_key(parent, frame);
	uint32_t ref = pg_hashmap_get(&t->children, key);
	int rc;

	if (ref) {
		*out = ref - 1;
		return 0;
	}
	if (t->count >= UINT32_MAX - 1)
		return pg_error_set("too many calls in one profile");
	if (t->count == t->cap) {
		size_t ncap = t->cap * 2;
		struct tree_node *nn = realloc(t->nodes, ncap * sizeof *nn);

		if (!nn)
			return pg_error_set("out of memory");
		t->nodes = nn;
		t->cap = ncap;
	}
	if ((rc = pg_hashmap_put(&t->children, key, (uint32_t)t->count + 1)) < 0)
		return rc;
	struct tree_node *n = &t->nodes[t->count];
	struct tree_node *p = &t->nodes[parent];

	*n = (struct tree_node){ .parent = parent, .frame = frame, .depth = p->depth + 1,
				 .next_sibling = p->first_child };
	p->first_child = (uint32_t)t->count;
	*out = (uint32_t)t->count++;
	return 0;
}

int pg_stacktree_build(struct pg_stacktree *t, const struct pg_profile *p)
{
	size_t nstacks = pg_profile_stack_count(p);
	int rc;

	memset(t, 0, sizeof *t);
	t->names = p;
	t->cap = 1024;
	t->nodes = malloc(t->cap * sizeof *t->nodes);
	if (!t->nodes)
		return pg_error_set("out of memory");
	t->nodes[0] = (struct tree_node){ 0 };
	t->count = 1;
	if ((rc = pg_hashmap_init(&t->children, 1024)) < 0)
		goto fail;
	for (size_t i = 0; i < nstacks; i++) {
		const struct pg_stack *s = pg_profile_stack(p, i);
		uint32_t at = 0;

		for (uint32_t d = 0; d < s->depth; d++)
			if ((rc = child(&at, t, at, s->frames[d])) < 0)
				goto fail;
		t->nodes[at].self += s->weight;
		t->nodes[at].orig_self += s->weight;
		t->total += s->weight;
	}
	return 0;
fail:
	pg_stacktree_release(t);
	return rc;
}

void pg_stacktree_release(struct pg_stacktree *t)
{
	free(t->nodes);
	pg_hashmap_release(&t->children);
	memset(t, 0, sizeof *t);
}

void pg_stacktree_prune(struct pg_stacktree *t, double fraction, struct pg_baseline_pruned *stats)
{
	double limit = fraction * (double)t->total;

	memset(stats, 0, sizeof *stats);
	stats->threshold = fraction;
	if (!(fraction > 0))
		return;
	for (size_t i = t->count; i-- > 1;) {
		struct tree_node *n = &t->nodes[i];

		/* A program's root frame has no caller to fold into. */
		if (n->depth == 1 || n->self == 0 || (double)n->self >= limit)
			continue;
		t->nodes[n->parent].self += n->self;
		n->self = 0;
	}
	for (size_t i = 1; i < t->count; i++) {
		const struct tree_node *n = &t->nodes[i];

		if (n->orig_self > 0 && n->self == 0) {
			stats->stacks++;
			stats->weight += n->orig_self;
		}
	}
}

size_t pg_stacktree_stacks(const struct pg_stacktree *t)
{
	size_t n = 0;

	for (size_t i = 1; i < t->count; i++)
		n += t->nodes[i].self > 0;
	return n;
}

/* Whether each node leads to some weight (its own or a descendant's): a
 * call whose whole subtree weighs nothing is left out of the output. */
static int live_nodes(unsigned char **out, const struct pg_stacktree *t)
{
	unsigned char *live = calloc(t->count ? t->count : 1, 1);

	if (!live)
		return pg_error_set("out of memory");
	for (size_t i = t->count; i-- > 1;) {
		if (t->nodes[i].self > 0)
			live[i] = 1;
		if (live[i])
			live[t->nodes[i].parent] = 1;
	}
	*out = live;
	return 0;
}

int pg_stacktree_to_profile(struct pg_profile **out, const struct pg_stacktree *t)
{
	struct pg_profile *p = NULL;
	pg_frame_id *map = NULL, *path = NULL;
	size_t nnames = pg_profile_frame_count(t->names);
	uint32_t maxdepth = 0;
	int rc;

	*out = NULL;
	for (size_t i = 1; i < t->count; i++)
		if (t->nodes[i].depth > maxdepth)
			maxdepth = t->nodes[i].depth;
	if ((rc = pg_profile_new(&p)) < 0)
		return rc;
	map = malloc((nnames ? nnames : 1) * sizeof *map);
	path = malloc((maxdepth ? maxdepth : 1) * sizeof *path);
	if (!map || !path) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nnames; i++)
		map[i] = UINT32_MAX;
	for (size_t i = 1; i < t->count; i++) {
		const struct tree_node *n = &t->nodes[i];

		if (n->self == 0)
			continue;
		/* Walk up to the root, writing the path from its end. */
		uint32_t depth = n->depth;
		uint32_t at = (uint32_t)i;

		for (uint32_t d = depth; d-- > 0;) {
			pg_frame_id f = t->nodes[at].frame;

			if (map[f] == UINT32_MAX) {
				const char *name = pg_profile_frame_name(t->names, f);

				if ((rc = pg_profile_intern(&map[f], p, name, strlen(name))) < 0)
					goto done;
			}
			path[d] = map[f];
			at = t->nodes[at].parent;
		}
		if ((rc = pg_profile_add_stack(p, path, depth, PG_TID_ANY, n->self)) < 0)
			goto done;
	}
	*out = p;
	p = NULL;
	rc = 0;
done:
	pg_profile_free(p);
	free(map);
	free(path);
	return rc;
}

struct textbuf {
	char *s;
	size_t len, cap;
};

static int reserve(struct textbuf *b, size_t more)
{
	if (b->cap - b->len >= more)
		return 0;
	size_t ncap = b->cap ? b->cap : 4096;

	while (ncap - b->len < more) {
		if (ncap > SIZE_MAX / 2)
			return pg_error_set("stacks too large");
		ncap *= 2;
	}
	char *n = realloc(b->s, ncap);

	if (!n)
		return pg_error_set("out of memory");
	b->s = n;
	b->cap = ncap;
	return 0;
}

/* Appends v in decimal; the caller reserved 20 bytes. */
static void put_u64(struct textbuf *b, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0)
		b->s[b->len++] = tmp[--n];
}

int pg_stacktree_encode(const char ***frames_out, size_t *nframes_out, char **text_out,
			size_t *len_out, const struct pg_stacktree *t)
{
	size_t nnames = pg_profile_frame_count(t->names);
	unsigned char *live = NULL;
	uint32_t *index = NULL;    /* frame id -> output index + 1 */
	uint32_t *todo = NULL;     /* DFS stack of node indices */
	const char **frames = NULL;
	size_t nframes = 0, ntodo = 0;
	struct textbuf b = { 0 };
	int rc;

	*frames_out = NULL;
	*text_out = NULL;
	if ((rc = live_nodes(&live, t)) < 0)
		return rc;
	index = calloc(nnames ? nnames : 1, sizeof *index);
	frames = malloc((nnames ? nnames : 1) * sizeof *frames);
	todo = malloc(t->count * sizeof *todo);
	if (!index || !frames || !todo || reserve(&b, 1) < 0) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	/* Pre-order: children are pushed in sibling order, so they come out
	 * reversed, which undoes the prepending in child(): calls appear in
	 * the order the stacks first reached them. */
	for (uint32_t c = t->nodes[0].first_child; c; c = t->nodes[c].next_sibling)
		if (live[c])
			todo[ntodo++] = c;
	while (ntodo > 0) {
		uint32_t i = todo[--ntodo];
		const struct tree_node *n = &t->nodes[i];

		if (!index[n->frame]) {
			frames[nframes] = pg_profile_frame_name(t->names, n->frame);
			index[n->frame] = (uint32_t)++nframes;
		}
		if ((rc = reserve(&b, 3 * 21 + 1)) < 0)
			goto done;
		if (b.len > 0)
			b.s[b.len++] = ',';
		put_u64(&b, n->depth);
		b.s[b.len++] = ' ';
		put_u64(&b, index[n->frame] - 1);
		/* Most calls only lead to others: no weight of their own. */
		if (n->self > 0) {
			b.s[b.len++] = ' ';
			put_u64(&b, n->self);
		}
		for (uint32_t c = n->first_child; c; c = t->nodes[c].next_sibling)
			if (live[c])
				todo[ntodo++] = c;
	}
	b.s[b.len] = '\0';
	*frames_out = frames;
	*nframes_out = nframes;
	*text_out = b.s;
	*len_out = b.len;
	frames = NULL;
	b.s = NULL;
	rc = 0;
done:
	free(live);
	free(index);
	free(todo);
	free(frames);
	free(b.s);
	return rc;
}

/* Reads a decimal number at *p (no sign, no leading garbage). */
static int read_u64(uint64_t *out, const char **p, const char *end)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*p = s;
	return 0;
}

int pg_stacktree_decode(struct pg_profile **out, const char *const *frames, size_t nframes,
			const char *text, size_t len, const char *source, const char *what)
{
	struct pg_profile *p = NULL;
	pg_frame_id *ids = NULL;
	pg_frame_id *path = NULL;
	size_t path_cap = 64;
	const char *s = text, *end = text + len;
	uint64_t prev_depth = 0;
	size_t call = 0;
	int rc;

	*out = NULL;
	if ((rc = pg_profile_new(&p)) < 0)
		return rc;
	ids = malloc((nframes ? nframes : 1) * sizeof *ids);
	path = malloc(path_cap * sizeof *path);
	if (!ids || !path) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nframes; i++) {
		if ((rc = pg_profile_intern(&ids[i], p, frames[i], strlen(frames[i]))) < 0) {
			rc = pg_error_setc(PG_EINVALID, "'%s': %s: frame %zu: %s", source, what, i,
					   pg_error_last());
			goto done;
		}
	}
	while (s < end) {
		uint64_t depth, frame, self;

		call++;
		self = 0;
		/* "depth frame[ weight]", then ',' unless it is the last. */
		if (read_u64(&depth, &s, end) < 0 || s >= end || *s++ != ' ' ||
		    read_u64(&frame, &s, end) < 0 ||
		    (s < end && *s == ' ' && (++s, read_u64(&self, &s, end) < 0)) ||
		    (s < end && (*s++ != ',' || s >= end))) {
			rc = pg_error_setc(PG_EINVALID, "'%s': %s: call %zu is not \"depth frame [weight]\"",
					   source, what, call);
			goto done;
		}
		if (depth < 1 || depth > prev_depth + 1) {
			rc = pg_error_setc(PG_EINVALID, "'%s': %s: call %zu: depth %llu after depth %llu",
					   source, what, call, (unsigned long long)depth,
					   (unsigned long long)prev_depth);
			goto done;
		}
		if (frame >= nframes) {
			rc = pg_error_setc(PG_EINVALID, "'%s': %s: call %zu: frame %llu of %zu",
					   source, what, call, (unsigned long long)frame, nframes);
			goto done;
		}
		if (depth > path_cap) {
			pg_frame_id *np = realloc(path, path_cap * 2 * sizeof *np);

			if (!np) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			path = np;
			path_cap *= 2;
		}
		path[depth - 1] = ids[frame];
		prev_depth = depth;
		if (self > 0 && (rc = pg_profile_add_stack(p, path, (size_t)depth, PG_TID_ANY, self)) < 0) {
			rc = pg_error_setc(PG_EINVALID, "'%s': %s: call %zu: %s", source, what, call,
					   pg_error_last());
			goto done;
		}
	}
	*out = p;
	p = NULL;
	rc = 0;
done:
	pg_profile_free(p);
	free(ids);
	free(path);
	return rc;
}
