/*
 * Tests of common/error.c: the thread-local last-error message that every
 * library function leaves behind when it fails.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"

START_TEST(error_set__returns_generic_and_formats_message)
{
	int rc = pg_error_set("cannot open '%s': %s", "x.folded", "No such file");

	ck_assert_int_eq(rc, PG_EGENERIC);
	ck_assert_str_eq(pg_error_last(), "cannot open 'x.folded': No such file");
}
END_TEST

START_TEST(error_setc__returns_the_given_code)
{
	ck_assert_int_eq(pg_error_setc(PG_ENOTFOUND, "no baseline for commit '%s'", "abc"), PG_ENOTFOUND);
	ck_assert_str_eq(pg_error_last(), "no baseline for commit 'abc'");
	ck_assert_int_eq(pg_error_setc(PG_EINVALID, "bad"), PG_EINVALID);
}
END_TEST

START_TEST(error_clear__empties_the_message)
{
	pg_error_set("something");
	ck_assert_str_eq(pg_error_last(), "something");
	pg_error_clear();
	ck_assert_str_eq(pg_error_last(), "");
}
END_TEST

START_TEST(error_set__accepts_the_last_message_as_context)
{
	pg_error_set("out of memory");
	pg_error_set("'%s' line %d: %s", "cpu.folded", 3, pg_error_last());
	ck_assert_str_eq(pg_error_last(), "'cpu.folded' line 3: out of memory");
}
END_TEST

START_TEST(error_set__marks_a_truncated_message)
{
	char *big = malloc(5000);
	size_t len;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 4999);
	big[4999] = '\0';
	pg_error_set("long: %s", big);
	len = strlen(pg_error_last());
	ck_assert_uint_lt(len, 5000);
	ck_assert_uint_gt(len, 500);
	ck_assert_str_eq(pg_error_last() + len - 3, "...");
	ck_assert(strncmp(pg_error_last(), "long: xxx", 9) == 0);
	free(big);
}
END_TEST

START_TEST(error_set__leaves_errno_alone)
{
	errno = ENOSPC;
	pg_error_set("cannot write '%s'", "f");
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

static void *set_in_thread(void *arg)
{
	(void)arg;
	pg_error_set("from the thread");
	return strcmp(pg_error_last(), "from the thread") == 0 ? (void *)1 : NULL;
}

START_TEST(error_last__is_not_shared_between_threads)
{
	pthread_t t;
	void *ok = NULL;

	pg_error_set("from main");
	ck_assert_int_eq(pthread_create(&t, NULL, set_in_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &ok), 0);
	ck_assert_ptr_nonnull(ok);
	ck_assert_str_eq(pg_error_last(), "from main");
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc;

	tc = tcase_create("message");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, error_set__returns_generic_and_formats_message);
	tcase_add_test(tc, error_setc__returns_the_given_code);
	tcase_add_test(tc, error_clear__empties_the_message);
	tcase_add_test(tc, error_set__accepts_the_last_message_as_context);
	tcase_add_test(tc, error_set__marks_a_truncated_message);
	tcase_add_test(tc, error_set__leaves_errno_alone);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, error_last__is_not_shared_between_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fixture_run(error_suite());
}
