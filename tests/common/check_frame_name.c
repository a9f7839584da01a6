/*
 * Tests of common/frame_name.c: display names of real demangler output
 * (return types, parameter lists, operators, lambdas, anonymous namespaces,
 * clone suffixes, very long templates), the identity comparisons use, the
 * runtime frames, and a profile renamed to identities.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "frame_name.h"

static void display_is(const char *full, const char *want)
{
	char *got = pg_frame_display_name(full);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(display__drops_return_type_and_parameters_keeps_templates)
{
	display_is("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>("
		   "__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)",
		   "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>");
	display_is("double weighted_score<Record>(std::vector<Record, std::allocator<Record> > const&)",
		   "weighted_score<Record>");
	display_is("unsigned long hash_key(char const*, unsigned long)", "hash_key");
	display_is("Parser::next() const", "Parser::next");
	display_is("main", "main");
	display_is("LZ4_compress_fast", "LZ4_compress_fast");
	display_is("[libc.so.6+0x1234]", "[libc.so.6+0x1234]");
}
END_TEST

START_TEST(display__operators_lambdas_and_anonymous_namespaces)
{
	display_is("operator new(unsigned long)", "operator new");
	display_is("operator delete[](void*)", "operator delete[]");
	display_is("std::basic_ostream<char, std::char_traits<char> >& std::operator<< <std::char_traits<char> >("
		   "std::basic_ostream<char, std::char_traits<char> >&, char const*)",
		   "std::operator<< <std::char_traits<char> >");
	display_is("bool operator<(Key const&, Key const&)", "operator<");
	display_is("Iter::operator->() const", "Iter::operator->");
	display_is("main::{lambda(int)#1}::operator()(int) const", "main::{lambda(int)#1}::operator()");
	display_is("(anonymous namespace)::tokenize(char const*)", "(anonymous namespace)::tokenize");
	display_is("std::function<void (int)>::operator()(int) const", "std::function<void (int)>::operator()");
	display_is("Wrapper::operator bool() const", "Wrapper::operator bool");
}
END_TEST

START_TEST(display__clone_suffix_kept_as_plain_suffix)
{
	display_is("compress(char const*, int) [clone .part.0]", "compress.part.0");
	display_is("f(int) [clone .constprop.0] [clone .isra.0]", "f.constprop.0.isra.0");
	display_is("LZ4HC_compress_generic_noDictCtx.part.0", "LZ4HC_compress_generic_noDictCtx.part.0");
}
END_TEST

START_TEST(display__long_templates_collapse_from_the_innermost)
{
	char full[4096], *got;
	const char *inner = "std::pair<std::__cxx11::basic_string<char, std::char_traits<char>, "
			    "std::allocator<char> > const, std::vector<double, std::allocator<double> > >";

	snprintf(full, sizeof full, "std::_Hashtable<std::__cxx11::basic_string<char, std::char_traits<char>, "
		 "std::allocator<char> >, %s, std::allocator<%s>, std::__detail::_Select1st>::_M_rehash("
		 "unsigned long, unsigned long const&)", inner, inner);
	got = pg_frame_display_name(full);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_le(strlen(got), PG_FRAME_NAME_MAX);
	ck_assert_ptr_nonnull(strstr(got, "std::_Hashtable<"));
	ck_assert_ptr_nonnull(strstr(got, ">::_M_rehash"));
	ck_assert_ptr_null(strchr(got, '('));
	free(got);
}
END_TEST

static void identity_is(const char *name, const char *want)
{
	char *got = pg_frame_identity(name, strlen(name));

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert(pg_frame_same_identity(name, want));
	free(got);
}

START_TEST(identity__strips_clone_suffixes_and_inlined_mark)
{
	identity_is("f.part.0", "f");
	identity_is("f.isra.12", "f");
	identity_is("f.constprop.0.isra.0", "f");
	identity_is("f.cold", "f");
	identity_is("f.part.0.cold", "f");
	identity_is("weighted_score<Record> [inlined]", "weighted_score<Record>");
	identity_is("f", "f");
	identity_is("version.2", "version.2");     /* not a clone suffix */
	identity_is("x.part", "x.part");
	identity_is(".part.0", ".part.0");         /* never down to nothing */
}
END_TEST

/* What g++ 12 writes for lambdas (from nm | c++filt of a test program):
 * the function a lambda is in loses its parameter list and qualifiers in
 * the display name (before, "Worker::run(int) const::{lambda(int)#1}"
 * displayed as "const::{lambda(int)#1}", the same as a lambda in another
 * lambda). */
START_TEST(display__lambdas_in_member_functions_lambdas_and_templates)
{
	display_is("Worker::run(int) const::{lambda(int)#1}::operator()(int) const",
		   "Worker::run::{lambda(int)#1}::operator()");
	display_is("main::{lambda()#3}::operator()() const::{lambda(int)#1}::operator()(int) const",
		   "main::{lambda()#3}::operator()::{lambda(int)#1}::operator()");
	display_is("ns::helper(std::vector<int, std::allocator<int> >&)::{lambda(int)#1}::operator()(int) const",
		   "ns::helper::{lambda(int)#1}::operator()");
	display_is("void call_n<Worker::run(int) const::{lambda(int)#1}>(int, Worker::run(int) const::{lambda(int)#1})",
		   "call_n<Worker::run::{lambda(int)#1}>");
	display_is("void call_n<main::{lambda()#3}::operator()() const::{lambda(int)#1}>(int, main::{lambda()#3}::"
		   "operator()() const::{lambda(int)#1}) [clone .constprop.0]",
		   "call_n<main::{lambda()#3}::operator()::{lambda(int)#1}>.constprop.0");
	display_is("std::_Function_handler<void (int), ns::helper(std::vector<int, std::allocator<int> >&)::{lambda(int)#1}>"
		   "::_M_invoke(std::_Any_data const&, int&&)",
		   "std::_Function_handler<void (int), ns::helper::{lambda(int)#1}>::_M_invoke");
	display_is("S::f() &&::{lambda()#1}::operator()() const", "S::f::{lambda()#1}::operator()");
	/* GCC's DWARF name of a template instance written with a lambda */
	display_is("__ops::_Iter_comp_iter<sort_by_score(std::vector<Record>&)::<lambda(const Record&, const Record&)> >",
		   "__ops::_Iter_comp_iter<sort_by_score::{lambda(const Record&, const Record&)} >");
	/* the DWARF name of a lambda inlined in a lambda has no parameter lists */
	display_is("main::{lambda}::operator()::{lambda}::operator()", "main::{lambda}::operator()::{lambda}::operator()");
	/* function types and pointers in template arguments are no scopes */
	display_is("std::function<void (int)>::operator()(int) const", "std::function<void (int)>::operator()");
	display_is("apply<void (*)(int)>(void (*)(int))", "apply<void (*)(int)>");
	display_is("(anonymous namespace)::f(int)::{lambda()#1}::operator()() const",
		   "(anonymous namespace)::f::{lambda()#1}::operator()");
}
END_TEST

/* A lambda's number counts the lambdas before it in its scope, and an
 * inlined lambda's DWARF name has neither number nor signature: the
 * identity has neither. */
START_TEST(identity__lambdas_without_number_or_signature)
{
	identity_is("main::{lambda(int)#2}::operator()", "main::{lambda}::operator()");
	identity_is("main::{lambda(int)#1}::operator()", "main::{lambda}::operator()");
	identity_is("main::{lambda()#3}::operator()::{lambda(int)#1}::operator() [inlined]",
		    "main::{lambda}::operator()::{lambda}::operator()");
	identity_is("call_n<main::{lambda(int)#2}>.constprop.0", "call_n<main::{lambda}>");
	identity_is("sort_by_score::{lambda}::operator() [inlined]", "sort_by_score::{lambda}::operator()");
	identity_is("sort_by_score::{lambda(Record const&, Record const&)#1}::operator()",
		    "sort_by_score::{lambda}::operator()");
	/* a signature naming another closure type: braces counted */
	identity_is("f::{lambda(f::{lambda(int)#1})#2}::operator()", "f::{lambda}::operator()");
	identity_is("_Iter_comp_iter<sort_by_score::{lambda(const Record&, const Record&)} > [inlined]",
		    "_Iter_comp_iter<sort_by_score::{lambda} >");
	identity_is("g::{unnamed type#1}::h", "g::{unnamed type}::h");
	identity_is("broken::{lambda(int", "broken::{lambda(int");
	ck_assert(!pg_frame_same_identity("main::{lambda(int)#1}::operator()", "main"));
}
END_TEST

START_TEST(runtime__start_thread_clone_and_interpreter_but_not_main)
{
	ck_assert(pg_frame_is_runtime("_start"));
	ck_assert(pg_frame_is_runtime("__libc_start_call_main"));
	ck_assert(pg_frame_is_runtime("start_thread"));
	ck_assert(pg_frame_is_runtime("__clone3"));
	ck_assert(pg_frame_is_runtime("_PyEval_EvalFrameDefault"));
	ck_assert(pg_frame_is_runtime("[waiting]"));
	ck_assert(!pg_frame_is_runtime("[kernel]"));
	ck_assert(!pg_frame_is_runtime("[libz.so.1+0x40]"));
	ck_assert(!pg_frame_is_runtime("main"));
	ck_assert(!pg_frame_is_runtime("TPool_thread"));
}
END_TEST

START_TEST(by_identity__merges_clones_into_one_function)
{
	struct pg_profile *p = NULL, *q = NULL;
	pg_frame_id main_, f, fpart, finl, ids[3];

	ck_assert_int_eq(pg_profile_new(&p), 0);
	ck_assert_int_eq(pg_profile_intern(&main_, p, "main", 4), 0);
	ck_assert_int_eq(pg_profile_intern(&f, p, "f", 1), 0);
	ck_assert_int_eq(pg_profile_intern(&fpart, p, "f.part.0", 8), 0);
	ck_assert_int_eq(pg_profile_intern(&finl, p, "f [inlined]", 11), 0);
	ids[0] = main_, ids[1] = fpart;
	ck_assert_int_eq(pg_profile_add_stack(p, ids, 2, 7, 3), 0);
	ids[1] = f;
	ck_assert_int_eq(pg_profile_add_stack(p, ids, 2, 7, 2), 0);
	ids[1] = finl;
	ck_assert_int_eq(pg_profile_add_stack(p, ids, 2, 8, 1), 0);
	ck_assert_int_eq(pg_profile_by_identity(&q, p, PG_INLINED_MERGE), 0);
	ck_assert_uint_eq(pg_profile_frame_count(q), 2);
	ck_assert_uint_eq(pg_profile_stack_count(q), 2);  /* threads 7 and 8 */
	ck_assert_uint_eq(pg_profile_stack(q, 0)->weight, 5);
	ck_assert_str_eq(pg_profile_frame_name(q, pg_profile_stack(q, 0)->frames[1]), "f");
	ck_assert_uint_eq(pg_profile_total(q), 6);
	pg_profile_free(q);
	/* kept: the inlined frame is a function of its own, marked */
	ck_assert_int_eq(pg_profile_by_identity(&q, p, PG_INLINED_KEEP), 0);
	ck_assert_uint_eq(pg_profile_frame_count(q), 3);
	ck_assert_str_eq(pg_profile_frame_name(q, pg_profile_stack(q, 1)->frames[1]), "f [inlined]");
	pg_profile_free(q);
	/* dropped: its weight is main's own */
	ck_assert_int_eq(pg_profile_by_identity(&q, p, PG_INLINED_DROP), 0);
	ck_assert_uint_eq(pg_profile_stack(q, 1)->depth, 1);
	ck_assert_str_eq(pg_profile_frame_name(q, pg_profile_stack(q, 1)->frames[0]), "main");
	pg_profile_free(p);
	pg_profile_free(q);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("frame_name");
	TCase *t = tcase_create("display");

	tcase_add_test(t, display__drops_return_type_and_parameters_keeps_templates);
	tcase_add_test(t, display__operators_lambdas_and_anonymous_namespaces);
	tcase_add_test(t, display__lambdas_in_member_functions_lambdas_and_templates);
	tcase_add_test(t, identity__lambdas_without_number_or_signature);
	tcase_add_test(t, display__clone_suffix_kept_as_plain_suffix);
	tcase_add_test(t, display__long_templates_collapse_from_the_innermost);
	suite_add_tcase(s, t);
	t = tcase_create("identity");
	tcase_add_test(t, identity__strips_clone_suffixes_and_inlined_mark);
	tcase_add_test(t, runtime__start_thread_clone_and_interpreter_but_not_main);
	tcase_add_test(t, by_identity__merges_clones_into_one_function);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return fixture_run(suite());
}
