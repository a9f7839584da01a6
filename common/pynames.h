/*
 * Names of Python frames in profiles, and which interpreter frames stand
 * for them. A Python frame reads `QUALNAME (FILE:LINE)`: FILE relative to
 * the working directory when it is under it, else from the package root
 * (`json/__init__.py`, `numpy/core/numeric.py`). Gates and diffs compare
 * functions without the line (`QUALNAME (FILE)`), so moving code is not a
 * change.
 */
#ifndef PG_PYNAMES_H
#define PG_PYNAMES_H

#include <stddef.h>

#include "profile.h"

/* The file name as shown: relative to cwd (may be NULL), or from the
 * package root, or as recorded. Points into file. */
const char *pg_pyname_file(const char *file, const char *cwd);

/* Writes "QUALNAME (FILE:LINE)" (or "QUALNAME (FILE)" for line 0) into
 * out; ';' and control characters become '?'. Returns the length. */
size_t pg_pyname_format(char *out, size_t cap, const char *qualname, const char *file,
			unsigned line, const char *cwd);


/* The interpreter's call machinery between a Python frame and what it
 * calls (_PyObject_MakeTpCall, _PyFunction_Vectorcall, ...): replaced by
 * the Python frames in folded stacks. */
int pg_pyname_is_call_machinery(const char *native_name);

/* The interpreter's own frames (Py_RunMain, PyEval_EvalCode, the
 * evaluator, the call machinery, unresolved frames of python or
 * libpython): what "hide runtime frames" hides besides libc's. */
int pg_pyname_is_runtime(const char *name);

/* The view of p that gates, diffs and hot-function lists compare: Python
 * frames by function (lines merged), and, in a profile with Python frames,
 * the interpreter's and libc's start-up frames left out. */
int pg_pyname_function_view(struct pg_profile **out, const struct pg_profile *p);

#endif
