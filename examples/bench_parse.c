/*
 * Example benchmark: tokenizes and sums a generated CSV-like buffer. Its hot
 * path (parse_field, inside parse_line) is what a profile should show.
 * usage: bench_parse [ROWS]
 * EXAMPLE_SLOW=1 makes parse_field() do some useless work, the kind of
 * change the demo (ci/demo.sh) shows profgate check catching.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int slow;

__attribute__((noinline)) static long parse_field(const char **p)
{
	long v = 0;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	for (int i = 0; i < slow; i++)  /* the "change" of the demo */
		__asm__ volatile("" : "+r"(v));
	if (**p == ',')
		(*p)++;
	return v;
}

__attribute__((noinline)) static long parse_line(const char **p)
{
	long sum = 0;
	while (**p && **p != '\n')
		sum += parse_field(p);
	if (**p == '\n')
		(*p)++;
	return sum;
}

__attribute__((noinline)) static char *generate(long rows)
{
	size_t cap = (size_t)rows * 64 + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		exit(1);
	uint32_t x = 1;
	for (long r = 0; r < rows; r++) {
		for (int c = 0; c < 6; c++) {
			x = x * 1664525u + 1013904223u;
			len += (size_t)snprintf(buf + len, cap - len, "%u%c", x % 100000, c == 5 ? '\n' : ',');
		}
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 400000;
	const char *s = getenv("EXAMPLE_SLOW");
	slow = s && *s == '1' ? 40 : 0;
	char *buf = generate(rows);
	long total = 0;
	for (int pass = 0; pass < 20; pass++) {
		const char *p = buf;
		while (*p)
			total += parse_line(&p);
	}
	printf("%ld\n", total);
	free(buf);
	return 0;
}
