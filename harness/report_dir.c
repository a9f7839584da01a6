/*
 * The report folder of `profgate check` and `profgate merge-reports` (see
 * report_dir.h): the four report files, the GitHub step summary and
 * ::error annotations, and the summary on the terminal. Both commands call
 * these, so that a merged report cannot drift from an unsharded one.
 */
#define _GNU_SOURCE
#include "report_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "term.h"

int pg_report_dir_refuse_link(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
		return pg_error_set("'%s' is a symbolic link: give the directory it points to, "
				    "profgate does not write through links", dir);
	return 0;
}

int pg_report_dir_write(const struct pg_check_report *r, const char *dir)
{
	static const struct {
		const char *file;
		int (*write)(const struct pg_check_report *, const char *);
	} writers[] = {
		{ "summary.md", pg_check_summary_write },
		{ "result.json", pg_check_json_write },
		{ "junit.xml", pg_check_junit_write },
		{ "index.html", pg_check_html_write },
	};

	for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
		char *path = NULL;
		int rc;

		if (asprintf(&path, "%s/%s", dir, writers[i].file) < 0)
			return pg_error_set("out of memory");
		rc = writers[i].write(r, path);
		free(path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* GitHub's workflow commands: data escapes %, CR and LF; properties also
 * ':' and ','. Other control characters (a name could hold terminal
 * escape sequences) become '?'. */
static void gh_escape(FILE *f, const char *s, int property)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '%')
			fputs("%25", f);
		else if (c == '\r')
			fputs("%0D", f);
		else if (c == '\n')
			fputs("%0A", f);
		else if (property && c == ':')
			fputs("%3A", f);
		else if (property && c == ',')
			fputs("%2C", f);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

static void metric_text(char *buf, size_t size, const struct pg_check_metric *m)
{
	char before[64], after[64], change[64];

	pg_check_format_value(before, sizeof before, m->unit, m->before);
	pg_check_format_value(after, sizeof after, m->unit, m->after);
	pg_check_format_change(change, sizeof change, m);
	snprintf(buf, size, "%s%s%s%s: %s -> %s (%s, threshold %s)", m->metric, m->function ? " '" : "",
		 m->function ? m->function : "", m->function ? "'" : "", before, after, change, m->threshold);
}

static void annotate(const struct pg_check_report *r)
{
	char text[1024];

	for (size_t i = 0; i < r->nbenches; i++) {
		const struct pg_check_bench *b = &r->benches[i];

		if (b->verdict == PG_VERDICT_ERROR) {
			fputs("::error title=", stdout);
			gh_escape(stdout, "profgate: benchmark '", 1);
			gh_escape(stdout, b->name, 1);
			gh_escape(stdout, "' failed", 1);
			fputs("::", stdout);
			gh_escape(stdout, b->message ? b->message : "it could not be measured", 0);
			fputc('\n', stdout);
			continue;
		}
		for (size_t k = 0; k < b->nmetrics; k++) {
			const struct pg_check_metric *m = &b->metrics[k];

			if (m->verdict != PG_VERDICT_REGRESSED)
				continue;
			metric_text(text, sizeof text, m);
			fputs("::error title=", stdout);
			gh_escape(stdout, "profgate: '", 1);
			gh_escape(stdout, b->name, 1);
			gh_escape(stdout, "' regressed", 1);
			fputs("::", stdout);
			gh_escape(stdout, text, 0);
			fputc('\n', stdout);
		}
	}
}

static int append_file(const char *dst, const char *src)
{
	FILE *in = fopen(src, "rb"), *out = NULL;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (!in)
		return pg_error_set("cannot read '%s': %s", src, strerror(errno));
	if (!(out = fopen(dst, "ab"))) {
		rc = pg_error_set("cannot append to '%s' (GITHUB_STEP_SUMMARY): %s", dst, strerror(errno));
		goto done;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in) || ferror(out) || fputc('\n', out) == EOF) {
		rc = pg_error_set("cannot append to '%s' (GITHUB_STEP_SUMMARY): %s", dst, strerror(errno));
		goto done;
	}
done:
	if (out && fclose(out) != 0 && rc == 0)
		rc = pg_error_set("cannot append to '%s' (GITHUB_STEP_SUMMARY): %s", dst, strerror(errno));
	fclose(in);
	return rc;
}

int pg_report_dir_publish(const struct pg_check_report *r, const char *dir)
{
	const char *step_summary = getenv("GITHUB_STEP_SUMMARY");
	const char *actions = getenv("GITHUB_ACTIONS");

	if (step_summary && *step_summary) {
		char *path = NULL;
		int rc;

		if (asprintf(&path, "%s/summary.md", dir) < 0)
			return pg_error_set("out of memory");
		rc = append_file(step_summary, path);
		free(path);
		if (rc < 0)
			return rc;
	}
	if (actions && !strcmp(actions, "true"))
		annotate(r);
	return 0;
}

void pg_report_dir_print(const struct pg_check_report *r, const char *dir, const char *cmd)
{
	for (size_t i = 0; i < r->nbenches; i++) {
		const struct pg_check_bench *b = &r->benches[i];
		char text[1024];
		int timing_bad = 0;

		printf("%-12s %s\n", pg_verdict_name(b->verdict), b->name);
		for (size_t k = 0; k < b->nmetrics; k++) {
			const struct pg_check_metric *m = &b->metrics[k];

			if (m->verdict != PG_VERDICT_REGRESSED && m->verdict != PG_VERDICT_INCONCLUSIVE &&
			    (m->verdict != PG_VERDICT_IMPROVED || m->function))
				continue;
			metric_text(text, sizeof text, m);
			printf("    %-12s ", pg_verdict_name(m->verdict));
			pg_term_puts(stdout, text);
			putchar('\n');
			if (m->verdict == PG_VERDICT_INCONCLUSIVE && m->note) {
				printf("                 ");
				pg_term_puts(stdout, m->note);
				putchar('\n');
			}
			timing_bad |= !m->function ? !strcmp(m->metric, "wall") || !strcmp(m->metric, "cpu")
						   : !strcmp(m->metric, "function");
		}
		if (b->nfunctions && timing_bad) {
			printf("    CPU time grew most in:");
			for (size_t k = 0; k < b->nfunctions && k < 3; k++) {
				printf("%s ", k ? "," : "");
				pg_term_puts(stdout, b->functions[k].name);
				printf(" (%+.1f ms)", 1e3 * (b->functions[k].self_after - b->functions[k].self_before));
			}
			printf("\n");
		}
		if (b->message) {
			printf("    ");
			pg_term_puts(stdout, b->message);
			putchar('\n');
		}
	}
	printf("profgate %s: %s (%zu regressed, %zu inconclusive, %zu improved, %zu unchanged, %zu error%s); "
	       "report in %s/\n", cmd, pg_check_overall_name(r), r->counts[PG_VERDICT_REGRESSED],
	       r->counts[PG_VERDICT_INCONCLUSIVE], r->counts[PG_VERDICT_IMPROVED],
	       r->counts[PG_VERDICT_UNCHANGED], r->counts[PG_VERDICT_ERROR],
	       r->counts[PG_VERDICT_ERROR] == 1 ? "" : "s", dir);
}
