/*
 * Reading a JSON document strictly, with cJSON: the helper that
 * profgate.json (harness/config.c), baselines (baselines/baseline.c),
 * result.json (reporters/check_json_read.c) and profile.json
 * (reporters/profile_json_read.c) share. A reader keeps where it is (the
 * file, and the path of keys down to the object being read) and the first
 * problem it finds becomes one error line naming the file and the place:
 * "'<file>': <prefix><place>.<key>: <problem>".
 *
 * Each file format has said its problems its own way for a long time and
 * tests and users rely on the words, so a reader picks a dialect:
 * - PG_JSONREAD_QUOTED: "'<key>' is missing, expected a string", the key in
 *   the sentence and the place before it (baselines);
 * - PG_JSONREAD_GOT_TYPE: "<place>.<key>: expected a string, got a number",
 *   a missing key an error (result.json);
 * - PG_JSONREAD_GOT_VALUE: "<place>.<key>: expected a string, got 12", the
 *   value itself shown; a missing key keeps its default (profgate.json).
 */
#ifndef PG_JSONREAD_H
#define PG_JSONREAD_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

enum pg_jsonread_dialect {
	PG_JSONREAD_QUOTED,
	PG_JSONREAD_GOT_TYPE,
	PG_JSONREAD_GOT_VALUE,
};

struct pg_jsonread {
	const char *source;   /* the file (or what stands for it), quoted in messages */
	const char *prefix;   /* after the file name, e.g. "corrupt baseline: "; NULL: none */
	const char *top;      /* the place named when there is neither a place nor a key
			       * ("top level"); NULL: name none */
	enum pg_jsonread_dialect dialect;
	char where[256];      /* the path of keys down to the object being read */
};

/* Flags of the getters. */
#define PG_JSONREAD_NULLABLE 1u  /* null is a value: NULL for a string, NaN for a number */
#define PG_JSONREAD_NONEMPTY 2u  /* a string may not be "" */
#define PG_JSONREAD_UTF8     4u  /* a string must be valid UTF-8 */
#define PG_JSONREAD_OPTIONAL 8u  /* absent is fine (returns 1), in every dialect */

/* Sets the error (PG_EINVALID) "'<source>': <prefix><where>[.<key>]: <message>"
 * and returns PG_EINVALID. key NULL: the place alone. */
int pg_jsonread_fail(const struct pg_jsonread *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends to the place (e.g. ".thresholds", "benchmarks[%zu]"); returns the
 * length that pg_jsonread_leave() goes back to. */
size_t pg_jsonread_enter(struct pg_jsonread *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pg_jsonread_leave(struct pg_jsonread *r, size_t mark);

/* "line L column C" of the byte at p in text[0..len); "the end" when p is
 * NULL or outside text (cJSON's error pointer after running out of input). */
void pg_jsonread_locate(char *buf, size_t size, const char *text, size_t len, const char *p);

/* "a string", "null", "an object"...: what v is, for messages. */
const char *pg_json_type_name(const cJSON *v);
/* v printed compactly, cut to about 40 characters: "got ..." in messages. */
void pg_json_describe(char *buf, size_t size, const cJSON *v);

/* o's member key; NULL when there is none. */
const cJSON *pg_json_field(const cJSON *o, const char *key);

/* Checks every member name of o against allowed (NULL-terminated): an
 * unknown one is refused with the nearest allowed name ("did you mean")
 * or the list of them; with allowed NULL any name goes. A name given
 * twice is refused in every case (cJSON keeps both, and which one a
 * lookup finds is an accident). */
int pg_jsonread_check_keys(const struct pg_jsonread *r, const cJSON *o, const char *const *allowed);

/*
 * The getters: o's member key checked for its type (and range), copied to
 * *out. They return 0 when it was read, 1 when it is absent and the dialect
 * lets a default stand (PG_JSONREAD_GOT_VALUE; *out is left as it is), or
 * PG_EINVALID with the error set.
 */
/* Any value, present (*out borrows from o). */
int pg_jsonread_member(const cJSON **out, const struct pg_jsonread *r, const cJSON *o, const char *key);
/* An object or an array (array nonzero); *out borrows from o. */
int pg_jsonread_kind(const cJSON **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		     int array, unsigned flags);
/* A string, copied (the caller frees *out, which is NULL unless one was read). */
int pg_jsonread_string(char **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		       unsigned flags);
/* A string borrowed from the tree. */
int pg_jsonread_string_ref(const char **out, const struct pg_jsonread *r, const cJSON *o, const char *key,
			   unsigned flags);
int pg_jsonread_bool(int *out, const struct pg_jsonread *r, const cJSON *o, const char *key);
/* A finite number of magnitude at most 1e300 (cJSON prints nothing larger
 * so that it reads back); with PG_JSONREAD_NULLABLE null gives NaN.
 * pg_jsonread_number_value() checks v itself (an array's element: key may
 * be NULL). */
int pg_jsonread_number(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		       unsigned flags);
int pg_jsonread_number_value(double *out, const struct pg_jsonread *r, const char *key, const cJSON *v,
			     unsigned flags);
/* A number >= 0, finite. */
int pg_jsonread_nonnegative(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key);
/* A whole number from lo to hi (hi at most 2^53, where doubles stop
 * being exact); checked before any conversion, since casting an
 * out-of-range double to an integer is undefined behaviour. */
int pg_jsonread_whole(double *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
		      double lo, double hi);
/* The same, converted: hi at most UINT32_MAX, and UINT64 at most 2^53. */
int pg_jsonread_unsigned(unsigned *out, const struct pg_jsonread *r, const cJSON *o, const char *key,
			 unsigned lo, unsigned hi);
int pg_jsonread_uint64(uint64_t *out, const struct pg_jsonread *r, const cJSON *o, const char *key);

/* Lenient look-ups, for documents read for what they have (profile.json in
 * a report header): the value when it has the type, else the fallback. */
double pg_json_number_or(const cJSON *o, const char *key, double fallback);
/* A copy of the string (the caller frees it), NULL when it is not one or
 * memory ran out. */
char *pg_json_strdup_or_null(const cJSON *o, const char *key);

#endif
