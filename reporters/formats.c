/*
 * The table of output formats (formats.h).
 */
#include "formats.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int html_flamegraph(const struct pg_report *r, const struct pg_profile *shown, const char *unit,
			   const char *title, const char *path)
{
	(void)shown;
	(void)unit;
	(void)title;
	return pg_report_html_write(r, path);
}

static int svg_flamegraph(const struct pg_report *r, const struct pg_profile *shown, const char *unit,
			  const char *title, const char *path)
{
	return pg_flamegraph_svg_write(shown, title, r->inverted, unit, path);
}

static int folded_diff(const struct pg_profile *before, const struct pg_profile *after,
		       const struct pg_diff_opts *o, const char *path)
{
	return pg_diff_folded_write(before, after, o->normalize, path);
}

static const struct pg_format formats[] = {
	{ "html", { ".html", ".htm", NULL }, "interactive", html_flamegraph, pg_diff_html_write },
	{ "svg", { ".svg", NULL }, "static, in flamegraph.pl's look", svg_flamegraph, pg_diff_svg_write },
	{ "folded", { ".folded", NULL }, "'stack before after' lines (difffolded)", NULL, folded_diff },
};

#define NFORMATS (sizeof formats / sizeof formats[0])

static int usable(const struct pg_format *f, enum pg_format_use use)
{
	return use == PG_FORMAT_FLAMEGRAPH ? f->flamegraph != NULL : f->diff != NULL;
}

/* Case-insensitively: "FG.SVG" is an SVG. */
static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

const struct pg_format *pg_format_for_path(const char *path, enum pg_format_use use)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		if (!usable(&formats[i], use))
			continue;
		for (size_t k = 0; formats[i].suffixes[k]; k++)
			if (ends_with(path, formats[i].suffixes[k]))
				return &formats[i];
	}
	return NULL;
}

const struct pg_format *pg_format_named(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

void pg_format_suffix_list(char *buf, size_t size, enum pg_format_use use)
{
	size_t n = 0, len = 0, seen = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < NFORMATS; i++)
		n += usable(&formats[i], use);
	for (size_t i = 0; i < NFORMATS && len < size; i++) {
		if (!usable(&formats[i], use))
			continue;
		seen++;
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					seen == 1 ? "" : seen == n ? " or " : ", ", formats[i].suffixes[0]);
	}
}
