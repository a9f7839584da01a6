/*
 * Frame names (frame_name.h): shortening a demangled C++ name for display,
 * the identity that comparisons use, and the runtime frames the gate never
 * turns into rows of its own.
 *
 * The demangler's output is scanned once, left to right, keeping count of
 * the brackets it is inside. At depth 0 the last '(' opens the parameter
 * list and the last space before it ends the return type. Three things at
 * depth 0 look like brackets without being any: the symbol of an operator
 * ("operator<<", "operator()", "operator->"), the namespace
 * "(anonymous namespace)", and the lambda's "{lambda(int)#1}" (which is a
 * proper bracket and so harmless). Before that scan, the parameter lists of
 * the functions that are scopes inside the name are removed: a lambda in
 * "Worker::run(int) const" would otherwise read "const::{lambda(int)#1}".
 *
 * A lambda's closure type is numbered by the compiler in the order of the
 * lambdas of its scope ("{lambda(int)#2}" is the scope's second lambda), and
 * the DWARF of an inlined lambda gives neither its number nor its signature.
 * The identity therefore writes every closure type as "{lambda}": a lambda
 * added above another does not rename it, and an inlined lambda is the same
 * function as its out-of-line copy; lambdas of one scope are one function to
 * the gate and the diff.
 */
#define _GNU_SOURCE
#include "frame_name.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char anon_ns[] = "(anonymous namespace)";
static const char ellipsis[] = "\xe2\x80\xa6";  /* U+2026 */

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* If s + i starts the keyword "operator", the index just past its symbol
 * ("operator<<" -> after "<<"; "operator()" -> after "()"; "operator new[]"
 * -> after "[]"; a conversion "operator int" -> at the next '('). Else i. */
static size_t skip_operator(const char *s, size_t i)
{
	size_t j;

	if (strncmp(s + i, "operator", 8) || (i > 0 && is_ident(s[i - 1])) || is_ident(s[i + 8]))
		return i;
	j = i + 8;
	while (s[j] == ' ')
		j++;
	if (s[j] == '(' && s[j + 1] == ')')
		return j + 2;
	if (s[j] && strchr("<>=!+-*/%^&|~,[]", s[j])) {
		while (s[j] && strchr("<>=!+-*/%^&|~,[]", s[j]))
			j++;
		/* The demangler writes "operator<< <T>": the space is no separator. */
		if (s[j] == ' ' && s[j + 1] == '<')
			j++;
		return j;
	}
	/* new, delete (with []), or a conversion to a type: up to the '('. */
	while (s[j] && s[j] != '(')
		j++;
	return j;
}

/* Removes the demangler's trailing " [clone .x.N]" parts from s (in place)
 * and appends them, in order, to suffix (of size cap). */
static void take_clone_suffixes(char *s, char *suffix, size_t cap)
{
	char found[8][64];
	size_t n = 0;

	for (;;) {
		size_t len = strlen(s);
		char *open;

		if (len < 10 || s[len - 1] != ']' || !(open = strstr(s, " [clone .")) || n == 8)
			break;
		/* The last one: search again from it for a later one. */
		for (char *next; (next = strstr(open + 1, " [clone .")); )
			open = next;
		if ((size_t)(s + len - 1 - (open + 8)) >= sizeof found[0])
			break;
		memcpy(found[n], open + 8, (size_t)(s + len - 1 - (open + 8)));
		found[n][s + len - 1 - (open + 8)] = '\0';
		n++;
		*open = '\0';
	}
	suffix[0] = '\0';
	while (n-- > 0 && strlen(suffix) + strlen(found[n]) < cap)
		strcat(suffix, found[n]);
}

/* Removes, in place, the parameter lists (and their "const", "volatile",
 * "&", "&&") of the functions that are scopes of the name: the function a
 * lambda or a local class is in ("Worker::run(int) const::{lambda(int)#1}"
 * becomes "Worker::run::{lambda(int)#1}"), wherever it appears, also inside
 * template arguments. A parenthesis group is such a list when "::" follows
 * it; "(anonymous namespace)" is a name and stays. */
static void drop_scope_params(char *s)
{
	static const char *const quals[] = { " const", " volatile", " &&", " &", "&&", "&" };
	size_t o = 0;

	for (size_t i = 0; s[i];) {
		size_t j = skip_operator(s, i);

		if (j != i) {  /* "operator()" is a name, not a parameter list */
			while (i < j)
				s[o++] = s[i++];
			continue;
		}
		if (s[i] == '(' && strncmp(s + i, anon_ns, sizeof anon_ns - 1)) {
			size_t k = i + 1, q;
			int d = 1;

			while (s[k] && d > 0) {
				d += s[k] == '(';
				d -= s[k] == ')';
				k++;
			}
			for (q = k; d == 0;) {
				size_t w = 0;

				for (size_t n = 0; n < sizeof quals / sizeof quals[0] && !w; n++)
					if (!strncmp(s + q, quals[n], strlen(quals[n])) && !is_ident(s[q + strlen(quals[n])]))
						w = strlen(quals[n]);
				if (!w)
					break;
				q += w;
			}
			if (d == 0 && s[q] == ':' && s[q + 1] == ':') {
				i = q;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	s[o] = '\0';
}

/* GCC's DWARF names a closure type "<lambda(const Record&)>" inside the
 * names of template instances; written in place as the demangler's braces,
 * "{lambda(const Record&)}", so that it is not taken for template
 * arguments (nor collapsed) and has the identity of any other lambda. */
static void dwarf_lambdas(char *s)
{
	for (char *p = s; (p = strstr(p, "::<lambda(")); ) {
		char *q = p + 9;
		int d = 0;

		for (; *q; q++) {
			d += *q == '(';
			d -= *q == ')';
			if (d == 0)
				break;
		}
		if (*q != ')' || q[1] != '>') {
			p += 10;
			continue;
		}
		p[2] = '{';
		q[1] = '}';
		p = q + 2;
	}
}

/* The name part of a demangled function: [*start, *end). 0 if none. */
static int find_name(const char *s, size_t *start, size_t *end)
{
	size_t name_start = 0, paren = 0, paren_start = 0;
	int depth = 0, found = 0;

	for (size_t i = 0; s[i];) {
		char c = s[i];

		if (depth == 0) {
			size_t j = skip_operator(s, i);

			if (j != i) {
				i = j;
				continue;
			}
			if (c == '(' && !strncmp(s + i, anon_ns, sizeof anon_ns - 1)) {
				i += sizeof anon_ns - 1;
				continue;
			}
			if (c == ' ')
				name_start = i + 1;
			if (c == '(') {
				paren = i;
				paren_start = name_start;
				found = 1;
			}
		}
		if (c == '<' || c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == '>' || c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		i++;
	}
	if (!found || paren <= paren_start)
		return 0;
	*start = paren_start;
	*end = paren;
	return 1;
}

/* Writes s with the contents of '<' lists nested deeper than keep replaced
 * by an ellipsis; returns the deepest nesting seen. out has room for
 * strlen(s) + 1 bytes (the ellipsis never makes the text longer than what
 * it replaces plus 2, and lists that short are kept). */
static int collapse(char *out, const char *s, int keep)
{
	int depth = 0, deepest = 0;
	size_t o = 0;

	for (size_t i = 0; s[i];) {
		size_t j = skip_operator(s, i);

		if (j != i) {
			if (depth <= keep) {
				memcpy(out + o, s + i, j - i);
				o += j - i;
			}
			i = j;
			continue;
		}
		if (s[i] == '<') {
			depth++;
			if (depth > deepest)
				deepest = depth;
			if (depth == keep + 1) {
				/* Collapse only when it saves something. */
				size_t k = i + 1;
				int d = 1;

				while (s[k] && d > 0) {
					d += s[k] == '<';
					d -= s[k] == '>';
					k++;
				}
				if (k - i - 2 <= sizeof ellipsis - 1) {
					memcpy(out + o, s + i, k - i);
					o += k - i;
					i = k;
					depth--;
					continue;
				}
				out[o++] = '<';
				memcpy(out + o, ellipsis, sizeof ellipsis - 1);
				o += sizeof ellipsis - 1;
			} else if (depth <= keep) {
				out[o++] = '<';
			}
			i++;
			continue;
		}
		if (s[i] == '>' && depth > 0) {
			if (depth <= keep + 1)
				out[o++] = '>';
			depth--;
			i++;
			continue;
		}
		if (depth <= keep)
			out[o++] = s[i];
		i++;
	}
	out[o] = '\0';
	return deepest;
}

char *pg_frame_display_name(const char *full)
{
	char suffix[128];
	char *s = strdup(full), *out = NULL;
	size_t start, end, len;

	if (!s)
		return NULL;
	take_clone_suffixes(s, suffix, sizeof suffix);
	drop_scope_params(s);
	dwarf_lambdas(s);
	if (!find_name(s, &start, &end)) {
		start = 0;
		end = strlen(s);
	}
	len = end - start;
	if (!(out = malloc(len + strlen(suffix) + 1)))
		goto done;
	memcpy(out, s + start, len);
	out[len] = '\0';
	if (len > PG_FRAME_NAME_MAX) {
		char *tmp = strdup(out);
		int deepest;

		if (!tmp) {
			free(out);
			out = NULL;
			goto done;
		}
		deepest = collapse(out, tmp, 1 << 20);
		for (int keep = deepest - 1; keep >= 0 && strlen(out) > PG_FRAME_NAME_MAX; keep--)
			collapse(out, tmp, keep);
		free(tmp);
	}
	strcat(out, suffix);
done:
	free(s);
	return out;
}

/* The length of name[0..len) without one trailing clone suffix, or len. */
static size_t strip_one_clone(const char *name, size_t len)
{
	static const char *const words[] = { ".part.", ".isra.", ".constprop.", ".lto_priv.", ".cold." };
	size_t d = len;

	if (len > 5 && !memcmp(name + len - 5, ".cold", 5))
		return len - 5;
	while (d > 0 && isdigit((unsigned char)name[d - 1]))
		d--;
	if (d == len)
		return len;
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t w = strlen(words[k]);

		if (d > w && !memcmp(name + d - w, words[k], w))
			return d - w;
	}
	return len;
}

/* The length of name[0..len) without a trailing PG_FRAME_INLINED_MARK and
 * clone suffixes. */
static size_t identity_prefix(const char *name, size_t len)
{
	size_t mark = sizeof PG_FRAME_INLINED_MARK - 1;

	if (len > mark && !memcmp(name + len - mark, PG_FRAME_INLINED_MARK, mark))
		len -= mark;
	for (;;) {
		size_t n = strip_one_clone(name, len);

		if (n == len || n == 0)
			return len;
		len = n;
	}
}

/* If s + i starts a closure type "{lambda(SIG)#N}" (or "{lambda}", or
 * "{lambda(SIG)}" from DWARF) or an unnamed type
 * "{unnamed type#N}", the index just past its '}' (braces counted: a
 * signature can name another lambda); else i. *lambda tells which. */
static size_t skip_unnamed(const char *s, size_t i, size_t len, int *lambda)
{
	static const char lam[] = "{lambda", unn[] = "{unnamed type#";
	size_t k;
	int d = 0;

	if (len - i >= sizeof lam - 1 && !memcmp(s + i, lam, sizeof lam - 1))
		*lambda = 1;
	else if (len - i >= sizeof unn - 1 && !memcmp(s + i, unn, sizeof unn - 1))
		*lambda = 0;
	else
		return i;
	for (k = i; k < len; k++) {
		d += s[k] == '{';
		d -= s[k] == '}';
		if (d == 0)
			return k + 1;
	}
	return i;  /* unterminated: left as it is */
}

char *pg_frame_identity(const char *name, size_t len)
{
	char *out;
	size_t o = 0;

	len = identity_prefix(name, len);
	if (!(out = malloc(len + 1)))
		return NULL;
	for (size_t i = 0; i < len;) {
		int lambda;
		size_t j = skip_unnamed(name, i, len, &lambda);

		if (j != i) {
			const char *w = lambda ? "{lambda}" : "{unnamed type}";

			memcpy(out + o, w, strlen(w));
			o += strlen(w);
			i = j;
			continue;
		}
		out[o++] = name[i++];
	}
	out[o] = '\0';
	return out;
}

int pg_frame_same_identity(const char *a, const char *identity)
{
	char *ia = pg_frame_identity(a, strlen(a));
	int same = ia && !strcmp(ia, identity);

	free(ia);
	return same;
}

int pg_frame_is_runtime(const char *name)
{
	static const char *const runtime[] = {
		"_start", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
		"_dl_start", "_dl_start_user", "_dl_start_final", "_dl_sysdep_start",
		"start_thread", "clone", "__clone", "clone3", "__clone3", "__clone_internal",
		/* CPython's evaluation loop and its calling plumbing. */
		"_PyEval_EvalFrameDefault", "_PyEval_EvalFrame", "_PyEval_Vector", "PyEval_EvalCode",
		"PyEval_EvalCodeEx", "_PyFunction_Vectorcall", "_PyObject_VectorcallTstate",
		"PyObject_Vectorcall", "_PyObject_Call", "PyObject_Call", "_PyObject_MakeTpCall",
		"method_vectorcall", "cfunction_vectorcall_O", "cfunction_vectorcall_FASTCALL",
		"cfunction_call", "run_eval_code_obj", "run_mod", "pyrun_file",
		"_PyRun_SimpleFileObject", "_PyRun_AnyFileObject", "pymain_run_file_obj",
		"pymain_run_file", "pymain_run_python", "Py_RunMain", "pymain_main", "Py_BytesMain",
	};

	/* "[prog+0x1234]" is a function without a name: it does work and
	 * keeps its row, like "[kernel]". */
	if (!strcmp(name, "[waiting]"))
		return 1;
	for (size_t i = 0; i < sizeof runtime / sizeof runtime[0]; i++)
		if (!strcmp(name, runtime[i]))
			return 1;
	return 0;
}

int pg_profile_by_identity(struct pg_profile **out, const struct pg_profile *p, enum pg_inlined inlined)
{
	size_t nframes = pg_profile_frame_count(p), cap = 0;
	pg_frame_id *map = NULL, *buf = NULL;
	unsigned char *drop = NULL;
	struct pg_profile *q = NULL;
	int rc;

	*out = NULL;
	if ((rc = pg_profile_new(&q)) < 0)
		return rc;
	if (!(map = malloc((nframes ? nframes : 1) * sizeof *map)) || !(drop = calloc(nframes ? nframes : 1, 1))) {
		rc = pg_error_set("out of memory");
		goto done;
	}
	for (size_t id = 0; id < nframes; id++) {
		const char *s = pg_profile_frame_name(p, (pg_frame_id)id);
		size_t len = strlen(s), mark = sizeof PG_FRAME_INLINED_MARK - 1;
		int marked = len > mark && !strcmp(s + len - mark, PG_FRAME_INLINED_MARK);
		int inl = inlined == PG_INLINED_KEEP && marked;
		char *kept = NULL;
		char *ident = pg_frame_identity(s, len);

		drop[id] = inlined == PG_INLINED_DROP && marked;
		/* kept: the identity of the function, then the mark again */
		if (!ident || (inl && asprintf(&kept, "%s%s", ident, PG_FRAME_INLINED_MARK) < 0)) {
			free(ident);
			rc = pg_error_set("out of memory");
			goto done;
		}
		rc = inl ? pg_profile_intern(&map[id], q, kept, strlen(kept))
			 : pg_profile_intern(&map[id], q, ident, strlen(ident));
		free(kept);
		free(ident);
		if (rc < 0)
			goto done;
	}
	for (size_t i = 0; i < pg_profile_stack_count(p); i++) {
		const struct pg_stack *st = pg_profile_stack(p, i);

		if (st->depth > cap) {
			pg_frame_id *b = realloc(buf, st->depth * sizeof *b);

			if (!b) {
				rc = pg_error_set("out of memory");
				goto done;
			}
			buf = b;
			cap = st->depth;
		}
		uint32_t depth = 0;

		for (uint32_t d = 0; d < st->depth; d++)
			if (!drop[st->frames[d]] || d == 0)
				buf[depth++] = map[st->frames[d]];
		if ((rc = pg_profile_add_stack(q, buf, depth, st->tid, st->weight)) < 0)
			goto done;
	}
	*out = q;
	q = NULL;
	rc = 0;
done:
	pg_profile_free(q);
	free(map);
	free(drop);
	free(buf);
	return rc;
}
