/*
 * Reading back the parts of profile.json (schema profgate.profile/1) that a
 * report shows in its header: the command, durations, sampling rate and
 * mode, memory peaks and the threads. Fields that are absent or null stay
 * "unknown"; a file that is not JSON, or of another schema, is refused.
 */
#ifndef PG_PROFILE_JSON_READ_H
#define PG_PROFILE_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#include "report_html.h"

struct pg_profile_info {
	char **command;          /* argc strings, NULL-terminated */
	int argc;
	double wall_seconds;     /* -1 unknown */
	double cpu_seconds;      /* -1 unknown */
	unsigned hz;             /* 0 unknown */
	char *mode;              /* "cpu", "wall", or NULL */
	int64_t peak_heap_bytes; /* -1 unknown */
	int64_t peak_rss_bytes;  /* -1 unknown */
	struct pg_report_thread *threads;  /* names owned by the info */
	size_t nthreads;
};

/* Fills *out (release it with pg_profile_info_release, also after a failure). */
int pg_profile_json_read(struct pg_profile_info *out, const char *path);
void pg_profile_info_release(struct pg_profile_info *info);

#endif
