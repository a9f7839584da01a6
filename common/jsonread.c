/*
 * The strict JSON-reading helper (see jsonread.h): the reader's place, its
 * one-line errors in the three dialects, and the typed getters the four
 * readers of profgate's files share.
 */
#define _GNU_SOURCE
#include "jsonread.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "outbuf.h"

/* Counts above this are not exact in a double. */
#define MAX_EXACT 9007199254740992.0  /* 2^53 */
/* Numbers beyond this are refused: cJSON prints one near DBL_MAX with 15
 * digits that read back as infinite. No measurement comes near it. */
#define MAX_MAGNITUDE 1e300

int pg_jsonread_fail(const struct pg_jsonread *r, const char *key, const char *fmt, ...)
{
	const char *prefix = r->prefix ? r->prefix : "";
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!r->where[0] && !key) {
		if (r->top)
			return pg_error_setc(PG_EINVALID, "'%s': %s%s: %s", r->source, prefix, r->top, msg);
		return pg_error_setc(PG_EINVALID, "'%s': %s%s", r->source, prefix, msg);
	}
	return pg_error_setc(PG_EINVALID, "'%s': %s%s%s%s: %s", r->source, prefix, r->where,
			     r->where[0] && key ? "." : "", key ? key : "", msg);
}

size_t pg_jsonread_enter(struct pg_jsonread *r, const char *fmt, ...)
{
	size_t mark = strlen(r->where);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->where + mark, sizeof r->where - mark, fmt, ap);
	va_end(ap);
	return mark;
}

void pg_jsonread_leave(struct pg_jsonread *r, size_t mark)
{
	r->where[mark] = '\0';
}

void pg_jsonread_locate(char *buf, size_t size, const char *text, size_t len, const char *p)
{
	size_t line = 1, col = 1;

	if (!p || p < text || p > text + len) {
		snprintf(buf, size, "the end");
		return;
	}
	for (const char *s = text; s < p; s++) {
		if (*s == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(buf, size, "line %zu column %zu", line, col);
}

const char *pg_json_type_name(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an invalid value";
}

void pg_json_describe(char *buf, size_t size, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	if (!s) {
		snprintf(buf, size, "?");
		return;
	}
	if (strlen(s) > 40)
		snprintf(buf, size, "%.37s...", s);
	else
		snprintf(buf, size, "%s", s);
	free(s);
}

const cJSON *pg_json_field(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_key(const struct pg_jsonread *r, const char *name, const char *const *allowed)
{
	const char *best = NULL;
	size_t best_d = 3;  /* suggest only near misses */
	char list[256] = "";

	for (const char *const *k = allowed; *k; k++) {
		size_t d = edit_distance(name, *k);

		if (d < best_d) {
			best_d = d;
			best = *k;
		}
	}
	if (best)
		return pg_jsonread_fail(r, NULL, "unknown key '%s' (did you mean '%s'?)", name, best);
	for (const char *const *k = allowed; *k; k++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k == allowed ? "" : ", ", *k);
	return pg_jsonread_fail(r, NULL, "unknown key '%s' (known keys: %s)", name, list);
}

int pg_jsonread_check_keys(const struct pg_jsonread *r, const cJSON *o, const char *const *allowed)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		int known = !allowed;

		for (const char *const *k = allowed; k && *k; k++)
			known |= !strcmp(*k, m->string);
		if (!known)
			return unknown_key(r, m->string, allowed);
		for (const cJSON *n = m->next; n; n = n->next) {
			if (strcmp(n->string, m->string))
				continue;
			if (r->dialect == PG_JSONREAD_QUOTED)
				return pg_jsonread_fail(r, NULL, "'%s' appears twice", m->string);
			return pg_jsonread_fail(r, m->string, "given twice");
		}
	}
	return 0;
}

/* v (NULL: missing) is not what was expected. quoted_not says what it is
 * in the quoted dialect ("not a string"). */
static int wrong(const struct pg_jsonread *r, const char *key, const cJSON *v, const char *expected,
		 const char *quoted_not)
{
	char got[64];

	if (r->dialect == PG_JSONREAD_QUOTED)
		return pg_jsonread_fail(r, NULL, "'%s' is %s, expected %s", key, v ? quoted_not : "missing",
					expected);
	if (!v)
		return pg_jsonread_fail(r, key, "missing");
	if (r->dialect == PG_JSONREAD_GOT_VALUE)
		pg_json_describe(got, sizeof got, v);
	else
		snprintf(got, sizeof got, "%s", pg_json_type_name(v));
	return pg_jsonread_fail(r, key, "expected %s, got %s", expected, got);
}

/* The member key, or NULL; *absent is set when it is absent and that is
 * fine (a default stands). */
static const cJSON *member(const struct pg_jsonread *r, const cJSON *o, const char *key, unsigned flags,
			   int *absent)
{
	const cJSON *v = pg_json_field(o, key);

	*absent = !v && ((flags & PG_JSONREAD_OPTIONAL) || r->dialect == PG_JSONREAD_GOT_VALUE);
	return v;
}

int pg_jsonread_member(const cJSON **out, const struct pg_jsonread *r, const cJSON *o, const char *key)
{
	int absent;

	*out = member(r, o, key, 0, &absent);
	if (absent)
		return 1;
	return *out ? 0 : wrong(r, key, NULL, "a value", "missing");
}

int pg_jsonread_kind(const cJSON **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		     int array, unsigned flags)
{
	int absent, nullable = (flags & PG_JSONREAD_NULLABLE) != 0;
	const cJSON *v = member(r, o, key, flags, &absent);
	char expected[32];

	*out = NULL;
	if (absent)
		return 1;
	if ((array ? cJSON_IsArray(v) : cJSON_IsObject(v)) || (nullable && cJSON_IsNull(v))) {
		*out = v;
		return 0;
	}
	snprintf(expected, sizeof expected, "%s%s", array ? "an array" : "an object", nullable ? " or null" : "");
	return wrong(r, key, v, expected, "of the wrong type");
}

/* The string checks of the two string getters; *out borrows. */
static int string_ref(const char **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		      unsigned flags)
{
	int absent, nullable = (flags & PG_JSONREAD_NULLABLE) != 0;
	const cJSON *v = member(r, o, key, flags, &absent);
	/* The quoted dialect never said "or null". */
	const char *expected = flags & PG_JSONREAD_NONEMPTY ? "a non-empty string"
			       : nullable && r->dialect != PG_JSONREAD_QUOTED ? "a string or null" : "a string";

	*out = NULL;
	if (absent)
		return 1;
	if (nullable && cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring || ((flags & PG_JSONREAD_NONEMPTY) && !v->valuestring[0]))
		return wrong(r, key, v, expected, "not a string");
	if (flags & PG_JSONREAD_UTF8) {
		const unsigned char *p = (const unsigned char *)v->valuestring;
		uint32_t cp;

		for (size_t k; *p; p += k)
			if ((k = pg_utf8_decode(p, &cp)) == 0)
				return pg_jsonread_fail(r, key, "not valid UTF-8");
	}
	*out = v->valuestring;
	return 0;
}

int pg_jsonread_string_ref(const char **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
			   unsigned flags)
{
	return string_ref(out, r, o, key, flags);
}

int pg_jsonread_string(char **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		       unsigned flags)
{
	const char *s;
	int rc = string_ref(&s, r, o, key, flags);

	*out = NULL;
	if (rc != 0 || !s)
		return rc;
	*out = strdup(s);
	return *out ? 0 : pg_error_set("out of memory");
}

int pg_jsonread_bool(int *out, const struct pg_jsonread *r, const cJSON *o, const char *key)
{
	int absent;
	const cJSON *v = member(r, o, key, 0, &absent);

	if (absent)
		return 1;
	if (!cJSON_IsBool(v))
		return wrong(r, key, v, "true or false", "not a boolean");
	*out = cJSON_IsTrue(v);
	return 0;
}

int pg_jsonread_number_value(double *out, const struct pg_jsonread *r, const char *key, const cJSON *v,
			     unsigned flags)
{
	int nullable = (flags & PG_JSONREAD_NULLABLE) != 0;

	if (nullable && cJSON_IsNull(v)) {
		*out = NAN;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return wrong(r, key, v, nullable ? "a number or null" : "a number", "not a number");
	if (!isfinite(v->valuedouble))
		return pg_jsonread_fail(r, key, "expected a finite number, got one out of range");
	if (fabs(v->valuedouble) > MAX_MAGNITUDE)
		return pg_jsonread_fail(r, key, "expected a number of magnitude at most %g, got %.17g",
					MAX_MAGNITUDE, v->valuedouble);
	*out = v->valuedouble;
	return 0;
}

int pg_jsonread_number(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		       unsigned flags)
{
	int absent;
	const cJSON *v = member(r, o, key, flags, &absent);

	if (absent)
		return 1;
	if (!v)
		return wrong(r, key, v, "a number", "missing");
	return pg_jsonread_number_value(out, r, key, v, flags);
}

int pg_jsonread_nonnegative(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key)
{
	int absent;
	const cJSON *v = member(r, o, key, 0, &absent);

	if (absent)
		return 1;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
		return wrong(r, key, v, "a number >= 0", "not a number >= 0");
	*out = v->valuedouble;
	return 0;
}

int pg_jsonread_whole(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		      double lo, double hi)
{
	int absent;
	const cJSON *v = member(r, o, key, 0, &absent);
	char expected[96];
	double d;
	int rc;

	if (absent)
		return 1;
	switch (r->dialect) {
	case PG_JSONREAD_QUOTED:
		/* a number >= 0 first, then whole, then in range */
		if ((rc = pg_jsonread_nonnegative(&d, r, o, key)) != 0)
			return rc;
		if (d != floor(d) || d > MAX_EXACT)
			return pg_jsonread_fail(r, NULL, "'%s' is not a whole number", key);
		if (d < lo || d > hi)
			return pg_jsonread_fail(r, NULL, "'%s' is too %s", key, d < lo ? "small" : "large");
		break;
	case PG_JSONREAD_GOT_TYPE:
		if (!v)
			return wrong(r, key, v, "a number", "missing");
		if ((rc = pg_jsonread_number_value(&d, r, key, v, 0)) < 0)
			return rc;
		if (d != floor(d) || d < lo || d > hi)
			return pg_jsonread_fail(r, key, "expected a whole number from %.0f to %.0f, got %.17g",
						lo, hi, d);
		break;
	case PG_JSONREAD_GOT_VALUE:
	default:
		snprintf(expected, sizeof expected, "a whole number from %.0f to %.0f", lo, hi);
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
		    v->valuedouble > hi)
			return wrong(r, key, v, expected, "not a whole number");
		d = v->valuedouble;
		break;
	}
	*out = d;
	return 0;
}

int pg_jsonread_unsigned(unsigned *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
			 unsigned lo, unsigned hi)
{
	double d;
	int rc = pg_jsonread_whole(&d, r, o, key, lo, hi);

	if (rc == 0)
		*out = (unsigned)d;
	return rc;
}

int pg_jsonread_uint64(uint64_t *out, const struct pg_jsonread *r, const cJSON *o, const char *key)
{
	double d;
	int rc = pg_jsonread_whole(&d, r, o, key, 0, MAX_EXACT);

	if (rc == 0)
		*out = (uint64_t)d;
	return rc;
}

double pg_json_number_or(const cJSON *o, const char *key, double fallback)
{
	const cJSON *v = pg_json_field(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

char *pg_json_strdup_or_null(const cJSON *o, const char *key)
{
	const cJSON *v = pg_json_field(o, key);

	return cJSON_IsString(v) && v->valuestring ? strdup(v->valuestring) : NULL;
}
