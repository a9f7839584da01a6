/*
 * Python frame names and the interpreter's own frames (pynames.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "pynames.h"

const char *pg_pyname_file(const char *file, const char *cwd)
{
	size_t n = cwd ? strlen(cwd) : 0;
	while (n > 1 && cwd[n - 1] == '/')
		n--;
	if (n > 0 && file[0] == '/' && !strncmp(file, cwd, n) && file[n] == '/' && file[n + 1])
		return file + n + 1;
	/* Installed packages, then the standard library (lib/pythonX.Y/). */
	static const char *const roots[] = { "/site-packages/", "/dist-packages/" };
	const char *best = NULL;
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
		for (const char *p = strstr(file, roots[i]); p; p = strstr(p + 1, roots[i]))
			if (!best || p + strlen(roots[i]) > best)
				best = p + strlen(roots[i]);
	}
	if (best && *best)
		return best;
	const char *lib = NULL;
	for (const char *p = strstr(file, "/lib/python"); p; p = strstr(p + 1, "/lib/python"))
		lib = p;
	if (lib) {
		const char *slash = strchr(lib + 11, '/');
		if (slash && slash[1])
			return slash + 1;
	}
	return file;
}

size_t pg_pyname_format(char *out, size_t cap, const char *qualname, const char *file,
			unsigned line, const char *cwd)
{
	const char *shown = pg_pyname_file(file, cwd);
	int n = line ? snprintf(out, cap, "%s (%s:%u)", qualname, shown, line)
		     : snprintf(out, cap, "%s (%s)", qualname, shown);
	size_t len = n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
	for (size_t i = 0; i < len; i++)
		if (out[i] == ';' || (unsigned char)out[i] < 0x20)
			out[i] = '?';
	return len;
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* An inlined interpreter function ("_PyEval_EvalFrame [inlined]") is the
 * interpreter's as much as the function it was inlined into. */
static int without_inlined_mark(char *buf, size_t cap, const char *name)
{
	static const char mark[] = " [inlined]";
	size_t n = strlen(name), m = sizeof mark - 1;
	if (n <= m || n - m >= cap || strcmp(name + n - m, mark))
		return 0;
	memcpy(buf, name, n - m);
	buf[n - m] = '\0';
	return 1;
}

int pg_pyname_is_call_machinery(const char *name)
{
	char base[256];
	if (without_inlined_mark(base, sizeof base, name))
		name = base;
	static const char *const exact[] = {
		"_PyEval_EvalFrameDefault", "_PyEval_EvalFrame", "_PyEval_Vector", "_PyFunction_Vectorcall",
		"_PyObject_MakeTpCall", "_PyObject_VectorcallTstate", "PyObject_Vectorcall",
		"PyObject_VectorcallMethod", "PyObject_VectorcallDict", "_PyObject_VectorcallDictTstate",
		"_PyObject_FastCallDictTstate", "_PyObject_Call", "PyObject_Call", "_PyObject_Call_Prepend",
		"PyObject_CallOneArg", "PyObject_CallNoArgs", "_PyObject_CallNoArgs", "PyObject_CallObject",
		"PyObject_CallFunctionObjArgs", "PyObject_CallMethodObjArgs", "_PyObject_CallMethod",
		"PyObject_CallMethod", "object_vacall", "cfunction_call", "PyVectorcall_Call",
		"_PyVectorcall_Call", "slot_tp_call", "slot_tp_init", "slot_tp_new", "type_call",
		"do_call_core", "call_function", "vectorcall_method", "vectorcall_unbound",
		"gen_send_ex", "gen_send_ex2", "gen_iternext", "PyIter_Next", "_PyEval_EvalCode",
		"method_vectorcall", "PyEval_EvalCode", "PyEval_EvalCodeEx",
	};
	static const char *const prefixes[] = {
		"method_vectorcall_", "cfunction_vectorcall_", "_PyObject_VectorcallTstate",
		"slot_tp_", "wrapper_call", "wrapperdescr_call", "builtin_call",
	};
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (!strcmp(name, exact[i]))
			return 1;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (has_prefix(name, prefixes[i]))
			return 1;
	return 0;
}

int pg_pyname_is_runtime(const char *name)
{
	char base[256];
	if (without_inlined_mark(base, sizeof base, name))
		name = base;
	static const char *const start[] = {
		"_start", "__libc_start_main", "__libc_start_call_main", "__clone3", "clone3", "clone",
		"__clone", "start_thread", "main_wrapper",
	};
	for (size_t i = 0; i < sizeof start / sizeof start[0]; i++)
		if (!strcmp(name, start[i]))
			return 1;
	static const char *const prefixes[] = {
		"Py_", "_Py_", "pymain_", "pyrun_", "_PyRun_", "PyRun_", "run_mod", "run_eval_code_obj",
		"[python", "[libpython",
	};
	if (pg_pyname_is_call_machinery(name))
		return 1;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (has_prefix(name, prefixes[i]))
			return 1;
	return 0;
}

int pg_pyname_function_view(struct pg_profile **out, const struct pg_profile *p)
{
	return pg_profile_function_view(out, p, pg_profile_has_python(p) ? pg_pyname_is_runtime : NULL);
}
