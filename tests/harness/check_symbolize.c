/*
 * Tests of harness/symbolize.c on this very program: an address inside a
 * function of ours is named after it (also as a return address just past a
 * call), an address outside every symbol of a known module is
 * "[module+0xOFFSET]", one of no module "[unknown]", the whole chain of
 * calls inlined at an address is named (not only the innermost), and the
 * collector is recognised as profgate's own.
 */
#define _GNU_SOURCE
#include <check.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "records.h"
#include "symbolize.h"

int pg_test_marker_function(int x);

__attribute__((noinline)) int pg_test_marker_function(int x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x * 3 + 1;
}

/* Two levels of inlining: the call in pg_test_inner returns into
 * pg_test_inner, inlined into pg_test_middle, inlined into pg_test_outer. */
static uint64_t inner_return;

__attribute__((noinline)) static void pg_test_note_return(void)
{
	inner_return = (uint64_t)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" : : : "memory");
}

static inline __attribute__((always_inline)) void pg_test_inner(void)
{
	pg_test_note_return();
	__asm__ volatile("" : : : "memory");
}

static inline __attribute__((always_inline)) void pg_test_middle(void)
{
	pg_test_inner();
	__asm__ volatile("" : : : "memory");
}

int pg_test_outer(void);

__attribute__((noinline)) int pg_test_outer(void)
{
	pg_test_middle();
	__asm__ volatile("" : : : "memory");
	return 1;
}

/* This executable as the collector would record it: its path and load bias. */
static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	struct pg_module *m = data;

	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0;  /* the main program has an empty name */
	m->bias = info->dlpi_addr;
	return 1;
}

static void self_module(struct pg_module *m, char *path, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", path, size - 1);

	ck_assert_int_gt(n, 0);
	path[n] = '\0';
	memset(m, 0, sizeof *m);
	m->path = path;
	ck_assert_int_eq(dl_iterate_phdr(find_self, m), 1);
}

START_TEST(test_a_function_of_ours_is_named)
{
	struct pg_symbolizer *s = NULL;
	struct pg_module m;
	char path[4096];
	uint64_t addr = (uint64_t)(uintptr_t)&pg_test_marker_function;
	int resolved = 0;

	self_module(&m, path, sizeof path);
	ck_assert_int_eq(pg_symbolizer_new(&s), 0);
	ck_assert_str_eq(pg_symbolize(s, &m, addr + 1, 0, &resolved), "pg_test_marker_function");
	ck_assert_int_eq(resolved, 1);
	/* A return address one past the function's first byte is still in it. */
	ck_assert_str_eq(pg_symbolize(s, &m, addr + 1, 1, &resolved), "pg_test_marker_function");
	/* Asked again: the cached name. */
	ck_assert_str_eq(pg_symbolize(s, &m, addr + 1, 0, &resolved), "pg_test_marker_function");
	pg_symbolizer_free(s);
}
END_TEST

START_TEST(test_what_cannot_be_resolved_says_where_it_was)
{
	struct pg_symbolizer *s = NULL;
	struct pg_module m;
	char path[4096];
	int resolved = 1;
	const char *name;

	self_module(&m, path, sizeof path);
	ck_assert_int_eq(pg_symbolizer_new(&s), 0);
	/* Far past the end of this program's symbols. */
	name = pg_symbolize(s, &m, m.bias + 0x7ffff000, 0, &resolved);
	ck_assert_int_eq(resolved, 0);
	ck_assert_msg(name[0] == '[' && strstr(name, "+0x") && name[strlen(name) - 1] == ']', "%s", name);
	ck_assert_str_eq(pg_symbolize(s, NULL, 0x1234, 0, &resolved), "[unknown]");
	ck_assert_int_eq(resolved, 0);
	pg_symbolizer_free(s);
	pg_symbolizer_free(NULL);
}
END_TEST

/* Thousands of offsets of one module (more than the cache's first table
 * holds) asked twice: the second answers are the cached strings
 * themselves, the same as the first, whatever growth came between. */
START_TEST(test_the_cache_answers_again_across_its_growth)
{
	enum { N = 3000 };
	struct pg_symbolizer *s = NULL;
	struct pg_module m;
	char path[4096];
	const char **first = calloc(N, sizeof *first);
	char **copies = calloc(N, sizeof *copies);
	uint64_t addr = (uint64_t)(uintptr_t)&pg_test_marker_function;
	int resolved;

	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(copies);
	self_module(&m, path, sizeof path);
	ck_assert_int_eq(pg_symbolizer_new(&s), 0);
	for (int i = 0; i < N; i++) {
		first[i] = pg_symbolize(s, &m, addr + 1 + (uint64_t)i * 16, 0, &resolved);
		copies[i] = strdup(first[i]);
	}
	ck_assert_str_eq(first[0], "pg_test_marker_function");
	for (int i = N; i-- > 0;) {
		const char *again = pg_symbolize(s, &m, addr + 1 + (uint64_t)i * 16, 0, &resolved);

		ck_assert_ptr_eq(again, first[i]);
		ck_assert_str_eq(again, copies[i]);
		free(copies[i]);
	}
	pg_symbolizer_free(s);
	free(copies);
	free(first);
}
END_TEST

START_TEST(test_every_inlined_call_is_named)
{
	struct pg_symbolizer *s = NULL;
	struct pg_module m;
	char path[4096];
	const char *const *names;
	int resolved = 0;
	size_t n;

	ck_assert_int_eq(pg_test_outer(), 1);
	self_module(&m, path, sizeof path);
	ck_assert_int_eq(pg_symbolizer_new(&s), 0);
	/* Twice: the second time from the unit's cached list of functions. */
	for (int round = 0; round < 2; round++) {
		n = pg_symbolize_frames(s, &m, inner_return, 1, &names, &resolved);
		ck_assert_int_eq(resolved, 1);
		ck_assert_uint_eq(n, 3);
		ck_assert_str_eq(names[0], "pg_test_outer");
		ck_assert_str_eq(names[1], "pg_test_middle [inlined]");
		ck_assert_str_eq(names[2], "pg_test_inner [inlined]");
	}
	pg_symbolizer_free(s);
}
END_TEST

START_TEST(test_the_collector_is_recognised)
{
	struct pg_module m = { .path = "/usr/local/lib/profgate/libprofgate_collector.so" };
	struct pg_module other = { .path = "/usr/lib/x86_64-linux-gnu/libc.so.6" };

	ck_assert(pg_module_is_collector(&m));
	ck_assert(!pg_module_is_collector(&other));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("symbolize");
	TCase *tc = tcase_create("symbolize");

	tcase_set_timeout(tc, 60);  /* valgrind: thousands of DWARF lookups */
	tcase_add_test(tc, test_a_function_of_ours_is_named);
	tcase_add_test(tc, test_what_cannot_be_resolved_says_where_it_was);
	tcase_add_test(tc, test_the_cache_answers_again_across_its_growth);
	tcase_add_test(tc, test_every_inlined_call_is_named);
	tcase_add_test(tc, test_the_collector_is_recognised);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
