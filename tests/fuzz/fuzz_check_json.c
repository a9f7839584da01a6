/*
 * Fuzz target: the result.json reader (reporters/check_json_read.h
 * pg_check_json_parse), which `profgate merge-reports` runs on CI
 * artifacts. What it accepts must render back and read again to the same
 * bytes (render -> read -> render), and the other three writers must
 * present it without tripping over anything the reader let through;
 * summary.md stays within GitHub's limit.
 */
#include "fuzz_util.h"

#include "check_json_read.h"
#include "check_writers.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What render wrote, in memory; *len its size. The caller frees. */
static char *render(int (*fn)(const struct pg_check_report *, FILE *), const struct pg_check_report *r, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	if (!f)
		abort();
	FUZZ_CHECK(fn(r, f) == 0, "a writer failed on a report the reader accepted: %s", pg_error_last());
	if (fclose(f) != 0)
		abort();
	*len = n;
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_check_report r, again;
	char *text = fuzz_copy(data, size, 0), *first, *second, *other;
	size_t n1, n2, n;

	if (pg_check_json_parse(&r, text, size, "fuzz") == 0) {
		first = render(pg_check_json_render, &r, &n1);
		FUZZ_CHECK(pg_check_json_parse(&again, first, n1, "rendered") == 0,
			   "the reader refuses what it accepted, rendered: %s", pg_error_last());
		second = render(pg_check_json_render, &again, &n2);
		FUZZ_CHECK(n1 == n2 && !memcmp(first, second, n1), "render -> read -> render differs (%zu, %zu bytes)",
			   n1, n2);
		free(first);
		free(second);
		pg_check_report_release(&again);

		/* The way merge-reports presents it: links under a URL, and as paths. */
		r.out_dir = strdup("profgate-report");
		other = render(pg_check_summary_render, &r, &n);
		FUZZ_CHECK(n <= PG_CHECK_SUMMARY_MAX, "summary.md of %zu bytes", n);
		free(other);
		r.report_url = strdup("https://ci.example/run/1");
		other = render(pg_check_summary_render, &r, &n);
		FUZZ_CHECK(n <= PG_CHECK_SUMMARY_MAX, "summary.md of %zu bytes", n);
		free(other);
		free(render(pg_check_junit_render, &r, &n));
		free(render(pg_check_html_render, &r, &n));
	}
	pg_check_report_release(&r);
	pg_error_clear();
	free(text);
	return 0;
}
