/*
 * The last error message of each thread. Library code formats it where the
 * failure is understood and returns a negative code; whoever finally reports
 * the failure (the harness) reads it back with pg_error_last(). The buffer is
 * thread-local so that threads never see each other's messages and no lock
 * is needed.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_SIZE 1024

static __thread char message[MESSAGE_SIZE];

__attribute__((format(printf, 1, 0)))
static void set_message(const char *fmt, va_list ap)
{
	/* Format into a scratch buffer first: a caller may pass pg_error_last()
	 * as an argument to add context, and vsnprintf must not read the buffer
	 * it is writing. */
	char scratch[MESSAGE_SIZE];
	int saved_errno = errno;
	int n = vsnprintf(scratch, sizeof(scratch), fmt, ap);

	if (n < 0) {
		snprintf(scratch, sizeof(scratch), "unformattable error message '%s'", fmt);
	} else if ((size_t)n >= sizeof(scratch)) {
		/* Say that the message was cut rather than end mid-word silently. */
		memcpy(scratch + sizeof(scratch) - 4, "...", 4);
	}
	memcpy(message, scratch, sizeof(message));
	/* Callers often report strerror(errno) after setting the message; keep
	 * errno as it was so that they can. */
	errno = saved_errno;
}

int pg_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return PG_EGENERIC;
}

int pg_error_setc(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return code;
}

const char *pg_error_last(void)
{
	return message;
}

void pg_error_clear(void)
{
	message[0] = '\0';
}
