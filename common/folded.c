/*
 * Reading and writing folded stacks, the interchange format of flame graph
 * tools: "root;caller;leaf 123\n". Folded files come from anywhere (other
 * profilers, hand edits, truncated CI artifacts), so the parser trusts
 * nothing: every line is bounded by the buffer, every number is checked, and
 * every rejection names the file and line. The writer is the parser's mirror:
 * whatever names a profile holds, its output parses back to the same stacks
 * (modulo the bytes it has to replace), and the same profile always gives the
 * same bytes, so that baselines and reports diff cleanly.
 */
#define _GNU_SOURCE
#include "folded.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"

/* Per-parse scratch: the frames of the current line, and where the frames of
 * the previous line ended so that a shared prefix need not be interned again. */
struct parser {
	struct pg_profile *p;
	const char *name;
	size_t lineno;
	pg_frame_id *frames;
	size_t *ends;      /* ends[i]: offset of the ';' after frame i, or the stack's end */
	size_t cap;        /* of frames and ends */
	const char *prev;  /* stack text of the previous line */
	size_t prev_len;
	size_t prev_depth;
};

__attribute__((format(printf, 2, 3)))
static int line_error(const struct parser *ps, const char *fmt, ...);

static int line_error(const struct parser *ps, const char *fmt, ...)
{
	char problem[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return pg_error_setc(PG_EINVALID, "'%s' line %zu: %s", ps->name, ps->lineno, problem);
}

static bool only_blanks(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	}
	return true;
}

static int grow_scratch(struct parser *ps, size_t need)
{
	size_t cap = ps->cap ? ps->cap : 64;
	pg_frame_id *frames;
	size_t *ends;

	if (need <= ps->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return pg_error_set("out of memory");
		cap *= 2;
	}
	if (cap > SIZE_MAX / sizeof(*ends))
		return pg_error_set("out of memory");
	frames = realloc(ps->frames, cap * sizeof(*frames));
	if (!frames)
		return pg_error_set("out of memory");
	ps->frames = frames;
	ends = realloc(ps->ends, cap * sizeof(*ends));
	if (!ends)
		return pg_error_set("out of memory");
	ps->ends = ends;
	ps->cap = cap;
	return 0;
}

/* Parses the weight text: digits only. Anything else gets the most useful
 * description we can give of what it looks like. */
static int parse_weight(uint64_t *out, const struct parser *ps, const char *s, size_t len)
{
	uint64_t w = 0;

	if (len == 0)
		return line_error(ps, "missing weight");
	if (s[0] == '-')
		return line_error(ps, "negative weight");
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned char)s[i] - '0';

		if (digit > 9) {
			if (memchr(s, '.', len))
				return line_error(ps, "fractional weight");
			return line_error(ps, "malformed weight");
		}
		if (w > (UINT64_MAX - digit) / 10)
			return line_error(ps, "weight out of range");
		w = w * 10 + digit;
	}
	*out = w;
	return 0;
}

/* Length of the common prefix of a and b. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
	size_t i = 0;

	while (i + 8 <= n) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			break;
		i += 8;
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Splits stack[0..len) into frames and adds it. */
static int parse_stack(struct parser *ps, const char *stack, size_t len, uint64_t weight)
{
	size_t depth = 0;
	size_t start = 0;
	int rc;

	/* Folded files are usually sorted, so consecutive lines share most of
	 * their frames: keep every frame of the previous line that ends (with
	 * its ';') inside the shared prefix, instead of hashing it again. */
	if (ps->prev) {
		size_t shared = common_prefix(ps->prev, stack, len < ps->prev_len ? len : ps->prev_len);

		while (depth + 1 < ps->prev_depth && ps->ends[depth] < shared)
			depth++;
		if (depth > 0)
			start = ps->ends[depth - 1] + 1;
	}

	for (;;) {
		const char *semi = memchr(stack + start, ';', len - start);
		size_t end = semi ? (size_t)(semi - stack) : len;

		if (only_blanks(stack + start, end - start))
			return line_error(ps, "empty frame");
		if (depth == ps->cap && (rc = grow_scratch(ps, depth + 1)) < 0)
			return rc;
		rc = pg_profile_intern(&ps->frames[depth], ps->p, stack + start, end - start);
		if (rc < 0)
			return pg_error_setc(rc, "'%s' line %zu: %s", ps->name, ps->lineno, pg_error_last());
		ps->ends[depth] = end;
		depth++;
		if (!semi)
			break;
		start = end + 1;
	}

	rc = pg_profile_add_stack(ps->p, ps->frames, depth, PG_TID_ANY, weight);
	if (rc < 0)
		return pg_error_setc(rc, "'%s' line %zu: %s", ps->name, ps->lineno, pg_error_last());
	ps->prev = stack;
	ps->prev_len = len;
	ps->prev_depth = depth;
	return 0;
}

int pg_folded_parse(struct pg_profile *p, const char *name, const char *buf, size_t len)
{
	struct parser ps = {.p = p, .name = name};
	size_t pos = 0;
	int rc = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		const char *space;
		size_t stack_len;
		uint64_t weight = 0;

		ps.lineno++;
		pos += line_len + (nl ? 1 : 0);
		if (line_len > 0 && line[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0)
			continue;
		/* Names become C strings later; a NUL would silently cut them. */
		if (memchr(line, '\0', line_len)) {
			rc = line_error(&ps, "NUL byte");
			goto done;
		}
		/* The weight follows the last space: frame names may contain
		 * spaces ("operator new(unsigned long)"), weights cannot. */
		space = memrchr(line, ' ', line_len);
		if (!space) {
			rc = line_error(&ps, "missing weight");
			goto done;
		}
		stack_len = (size_t)(space - line);
		if ((rc = parse_weight(&weight, &ps, space + 1, line_len - stack_len - 1)) < 0)
			goto done;
		if (only_blanks(line, stack_len)) {
			rc = line_error(&ps, "empty stack");
			goto done;
		}
		/* Checked here rather than left to pg_profile_add_stack() so that
		 * the message says which line tipped it over. */
		if (weight > UINT64_MAX - pg_profile_total(p)) {
			rc = line_error(&ps, "total weight exceeds %llu", (unsigned long long)UINT64_MAX);
			goto done;
		}
		if ((rc = parse_stack(&ps, line, stack_len, weight)) < 0)
			goto done;
	}
done:
	free(ps.frames);
	free(ps.ends);
	return rc;
}

static int read_stream(char **out, size_t *len, FILE *f, const char *what)
{
	char *buf = NULL;
	size_t cap = 0;
	size_t used = 0;
	int rc = 0;

	*out = NULL;
	*len = 0;
	for (;;) {
		size_t n;

		if (cap - used < 65536) {
			char *bigger;
			size_t new_cap = cap ? cap : 65536;

			if (new_cap > SIZE_MAX / 2) {
				rc = pg_error_set("cannot read %s: too large", what);
				goto done;
			}
			new_cap *= 2;
			bigger = realloc(buf, new_cap);
			if (!bigger) {
				rc = pg_error_set("cannot read %s: out of memory", what);
				goto done;
			}
			buf = bigger;
			cap = new_cap;
		}
		n = fread(buf + used, 1, cap - used - 1, f);
		used += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = pg_error_set("cannot read %s: %s", what, strerror(errno ? errno : EIO));
		goto done;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
done:
	free(buf);
	return rc;
}

int pg_folded_read_file(struct pg_profile *p, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (strcmp(path, "-") == 0) {
		errno = 0;
		if ((rc = read_stream(&buf, &len, stdin, "standard input")) < 0)
			goto done;
		rc = pg_folded_parse(p, "<stdin>", buf, len);
	} else {
		if ((rc = pg_read_file(&buf, &len, path)) < 0)
			goto done;
		rc = pg_folded_parse(p, path, buf, len);
	}
done:
	free(buf);
	return rc;
}

static bool breaks_format(unsigned char c)
{
	return c == ';' || c < 0x20 || c == 0x7f;
}

/* The bytes each frame name is written as. Most names are written as they
 * are; only those the parser would misread get a sanitized copy, made once
 * per name rather than once per occurrence. */
struct out_names {
	const char **s;
	size_t *len;
	char *copies;
};

static void out_names_release(struct out_names *on)
{
	free(on->s);
	free(on->len);
	free(on->copies);
}

static int out_names_init(struct out_names *on, const struct pg_profile *p)
{
	size_t n = pg_profile_frame_count(p);
	size_t copy_bytes = 0;
	char *next;

	memset(on, 0, sizeof(*on));
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*on->len))
		return pg_error_set("out of memory");
	on->s = malloc(n * sizeof(*on->s));
	on->len = malloc(n * sizeof(*on->len));
	if (!on->s || !on->len)
		goto oom;

	/* First pass: which names need a copy, and how many bytes in all. */
	for (size_t id = 0; id < n; id++) {
		/* Whole names: the pool refuses names with NUL bytes. */
		const char *s = pg_profile_frame_name(p, (pg_frame_id)id);
		size_t len = strlen(s);
		bool dirty = len == 0 || only_blanks(s, len);

		for (size_t i = 0; i < len && !dirty; i++)
			dirty = breaks_format((unsigned char)s[i]);
		on->len[id] = dirty ? (len ? len : 1) : len;
		on->s[id] = dirty ? NULL : s;
		if (dirty) {
			if (on->len[id] > SIZE_MAX - copy_bytes)
				goto oom;
			copy_bytes += on->len[id];
		}
	}
	if (copy_bytes == 0)
		return 0;
	on->copies = malloc(copy_bytes);
	if (!on->copies)
		goto oom;

	/* Second pass: make the copies. An empty name, or one of blanks only,
	 * would read back as an empty frame: it becomes question marks too. */
	next = on->copies;
	for (size_t id = 0; id < n; id++) {
		const char *s = pg_profile_frame_name(p, (pg_frame_id)id);
		size_t len;

		if (on->s[id])
			continue;
		len = strlen(s);
		if (len == 0 || only_blanks(s, len)) {
			memset(next, '?', on->len[id]);
		} else {
			for (size_t i = 0; i < len; i++)
				next[i] = breaks_format((unsigned char)s[i]) ? '?' : s[i];
		}
		on->s[id] = next;
		next += on->len[id];
	}
	return 0;
oom:
	out_names_release(on);
	return pg_error_set("out of memory");
}

/* Appends the decimal digits of v to buf, which has room for 21 bytes. */
static size_t format_u64(char *buf, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = digits[n - 1 - i];
	return n;
}

/* Orders two stacks as their written lines would sort byte by byte, without
 * building the lines: frames that are the same id are skipped, and the first
 * pair of different names decides, unless one name is a prefix of the other;
 * then what follows the shorter one (';' or the end of the line) decides.
 * Looking at a few interned names instead of two 400-byte lines far apart in
 * memory makes sorting a big profile several times faster. Stacks whose lines
 * are byte-for-byte equal compare equal, whatever their threads and ids. */
static int compare_stacks(const void *va, const void *vb, void *vnames)
{
	const struct pg_stack *a = *(const struct pg_stack *const *)va;
	const struct pg_stack *b = *(const struct pg_stack *const *)vb;
	const struct out_names *on = vnames;
	uint32_t depth = a->depth < b->depth ? a->depth : b->depth;

	for (uint32_t d = 0; d < depth; d++) {
		pg_frame_id fa = a->frames[d];
		pg_frame_id fb = b->frames[d];
		size_t la, lb;
		int c;

		if (fa == fb)
			continue;
		la = on->len[fa];
		lb = on->len[fb];
		c = memcmp(on->s[fa], on->s[fb], la < lb ? la : lb);
		if (c != 0)
			return c;
		if (la == lb)
			continue;  /* different names written alike */
		/* Written names never contain ';', so the bytes compared next
		 * differ unless the shorter line ends. */
		if (la < lb)
			return d + 1 == a->depth || ';' < (unsigned char)on->s[fb][la] ? -1 : 1;
		return d + 1 == b->depth || ';' < (unsigned char)on->s[fa][lb] ? 1 : -1;
	}
	/* One line is a prefix of the other, which goes on with ';'. */
	return (a->depth > b->depth) - (a->depth < b->depth);
}

/* Writes the lines; stream errors are left for the caller to detect, which
 * knows what the stream is called. */
static int write_lines(const struct pg_profile *p, FILE *f)
{
	struct out_names on;
	size_t count = pg_profile_stack_count(p);
	const struct pg_stack **order = NULL;
	char *line = NULL;
	size_t line_cap = 0;
	int rc;

	if ((rc = out_names_init(&on, p)) < 0)
		return rc;
	if (count == 0)
		goto done;
	if (count > SIZE_MAX / sizeof(*order)) {
		rc = pg_error_set("profile too large to write");
		goto done;
	}
	order = malloc(count * sizeof(*order));
	if (!order) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t i = 0; i < count; i++)
		order[i] = pg_profile_stack(p, i);
	qsort_r(order, count, sizeof(*order), compare_stacks, &on);

	/* Equal lines are now adjacent: the same frames in several threads,
	 * or names that became equal when sanitized. Their sum cannot overflow
	 * since the profile's total did not. */
	for (size_t i = 0; i < count;) {
		const struct pg_stack *st = order[i];
		uint64_t weight = st->weight;
		size_t j = i + 1;
		size_t len = 0;
		size_t need = 24;  /* " <20 digits>\n" */

		while (j < count && compare_stacks(&order[i], &order[j], &on) == 0)
			weight += order[j++]->weight;

		for (uint32_t d = 0; d < st->depth; d++) {
			size_t n = on.len[st->frames[d]] + 1;  /* and a ';' */

			if (n > SIZE_MAX - need) {
				rc = pg_error_set("profile too large to write");
				goto done;
			}
			need += n;
		}
		if (need > line_cap) {
			char *bigger = realloc(line, need);

			if (!bigger) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			line = bigger;
			line_cap = need;
		}
		for (uint32_t d = 0; d < st->depth; d++) {
			pg_frame_id id = st->frames[d];

			if (d > 0)
				line[len++] = ';';
			memcpy(line + len, on.s[id], on.len[id]);
			len += on.len[id];
		}
		line[len++] = ' ';
		len += format_u64(line + len, weight);
		line[len++] = '\n';
		fwrite(line, 1, len, f);
		i = j;
	}
done:
	free(order);
	free(line);
	out_names_release(&on);
	return rc;
}

int pg_folded_write(const struct pg_profile *p, FILE *f)
{
	int rc;

	if ((rc = write_lines(p, f)) < 0)
		return rc;
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		return pg_error_set("cannot write folded stacks: %s", strerror(errno ? errno : EIO));
	return 0;
}

static int lines_job(void *p, FILE *f)
{
	return write_lines(p, f);
}

int pg_folded_write_file(const struct pg_profile *p, const char *path)
{
	return pg_afile_write_with(path, lines_job, (void *)p);
}
