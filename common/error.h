/*
 * Errors of library code: a function that can fail returns int (0 ok, a
 * negative PG_E* code on failure) and leaves a message in thread-local state
 * for the caller that finally reports it. Only the harness prints it.
 */
#ifndef PG_ERROR_H
#define PG_ERROR_H

enum {
	PG_OK = 0,
	PG_EGENERIC = -1,   /* any failure; the message says which */
	PG_ENOTFOUND = -3,  /* the thing looked up does not exist */
	PG_EINVALID = -4,   /* malformed input: file, line, key named in the message */
};

/* Formats the message (lower case, problem first, subject quoted) and
 * returns PG_EGENERIC so that callers can write `return pg_error_set(...)`. */
int pg_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, returning the given code. */
int pg_error_setc(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message of this thread; borrowed, valid until the next set. "" if none. */
const char *pg_error_last(void);
void pg_error_clear(void);

#endif
