/*
 * The Python frame source: reads CPython's own frames in the sampled
 * thread (from the sampler's signal handler, and from the allocation
 * tracker's wrappers) and merges them into the native stack, so that each
 * native _PyEval_EvalFrameDefault frame is replaced by the Python frames it
 * was running.
 *
 * Supported: CPython 3.11, 3.12 and 3.13 on x86_64, as a static interpreter
 * or libpython. Each version's layout is a row of `layouts`, recognised by
 * Py_Version and checked by the size of the _PyRuntime symbol (a layout
 * fingerprint), and on 3.13 by the _Py_DebugOffsets the runtime carries.
 * Anything else keeps native frames only, and a PG_REC_PYINFO record says
 * why.
 *
 * The thread state is the sampled thread's own: the TSS slot CPython keeps
 * per thread (autoTSSkey), read with pthread_getspecific (a lock-free array
 * read in glibc). The GIL holder would be the wrong thread.
 *
 * Reads are direct loads under a fault guard: _PyEval_EvalFrameDefault
 * publishes a frame before it has written all of it, so a walk can meet a
 * garbage pointer. A SIGSEGV/SIGBUS that lands while this thread's guard is
 * armed jumps back to the walk, which then keeps the native frames only;
 * any other fault goes to whoever handled it before us. Every frame is also
 * validated: the code object's type, the owner's range, a depth cap and a
 * cycle check.
 *
 * Names: a code object's address is reused once it is freed, so names are
 * copied when a code object is first seen and kept in a table under an id,
 * keyed by the code address together with its qualname, filename and line
 * table pointers and first line. Frames carry (id, line); the collector
 * thread writes each new id as a PG_REC_PYCODE record.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "pyframes.h"

#define MAX_PY_FRAMES 128
#define NAME_MAX_LEN 160
#define FILE_MAX_LEN 256
#define CODE_CAP 65536u          /* code objects named per process */
#define CODE_HASH_CAP (CODE_CAP * 2u)
#define LINETABLE_MAX 65536      /* bytes of a line table we are willing to scan */

/* One row per supported layout. Offsets in bytes; -1: the field does not exist. */
struct layout {
	const char *name;
	uint32_t version_min, version_max;  /* PY_VERSION_HEX range */
	size_t runtime_size;                /* st_size of _PyRuntime */
	int tss_initialized, tss_key;       /* in _PyRuntime */
	int ts_cframe, cframe_current;      /* 3.11/3.12: tstate->cframe->current_frame */
	int ts_current_frame;               /* 3.13: tstate->current_frame */
	int f_code, f_previous, f_instr, f_owner, f_is_entry;
	int co_filename, co_qualname, co_firstlineno, co_linetable, co_code_adaptive, co_firsttraceable;
	int ascii_size, compact_size, compact_utf8, compact_utf8_length;
	int owner_cstack;                   /* owner of shim frames that separate C calls; -1: none (3.11) */
	int has_debug_offsets;
	/* the thread list, for threads read from another thread (wall mode) */
	int rt_interpreters_head, interp_next, interp_threads_head, ts_next, ts_native_thread_id;
};

/* Measured with offsetof() against each version's internal headers. */
static const struct layout layouts[] = {
	{ "3.11", 0x030b0000, 0x030bffff, 0x28b20, 0x250, 0x254, 56, 8, -1,
	  32, 48, 56, 69, 68, 112, 128, 72, 136, 184, 168, 48, 72, 56, 48, -1, 0,
	  40, 0, 16, 8, 160 },
	{ "3.12", 0x030c0000, 0x030cffff, 0x704a8, 0x608, 0x60c, 56, 0, -1,
	  0, 8, 56, 70, -1, 112, 128, 68, 136, 192, 176, 40, 56, 48, 40, 3, 0,
	  40, 0, 72, 8, 144 },
	{ "3.13", 0x030d0000, 0x030dffff, 0x452b8, 0x870, 0x874, -1, -1, 72,
	  0, 8, 56, 70, -1, 112, 128, 68, 136, 200, 184, 40, 56, 48, 40, 3, 1,
	  632, 7264, 7344, 8, 160 },
};

enum { OWNER_GENERATOR = 1, OWNER_MAX = 3 };

struct code_entry {
	uintptr_t code, qualname, filename, linetable;
	int32_t first_line;
	_Atomic uint32_t ready;
	char qual[NAME_MAX_LEN];
	char file[FILE_MAX_LEN];
};

static struct {
	int status;                  /* enum pg_py_status */
	const struct layout *L;
	char version[16];
	uint32_t version_hex;
	char reason[200];
	const unsigned char *runtime;
	uintptr_t code_type;
	uintptr_t eval_start, eval_end;
	int (*is_initialized)(void);
	struct code_entry *codes;    /* CODE_CAP, mmap'd; [0] is "not known" */
	_Atomic uint32_t *hash;      /* CODE_HASH_CAP: code id, 0 empty */
	_Atomic uint32_t ncodes;     /* ids handed out, 1 + ... */
	uint32_t written;            /* ids written to the record file */
	_Atomic uint64_t walks, frames, faults, invalid, mismatched;
	int guard_installed;
	struct sigaction prev_segv, prev_bus;  /* who handled faults before us */
	int mem_hooked;
} P;

static __thread sigjmp_buf *t_jb __attribute__((tls_model("initial-exec")));

int pg_pyframes_active(void)
{
	return P.status == PG_PY_ON;
}

/* -- the fault guard -------------------------------------------------------- */

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = t_jb;
	if (jb) {
		t_jb = NULL;
		siglongjmp(*jb, 1);
	}
	/* Not ours: put back the handler we found and let the fault happen
	 * again (a real fault re-executes the instruction; a sent signal is
	 * sent again). */
	struct sigaction *prev = sig == SIGBUS ? &P.prev_bus : &P.prev_segv;
	pg_real_sigaction(sig, prev, NULL);
	if (si->si_code <= 0)
		raise(sig);
	(void)uc;
}

static void install_guard(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (pg_real_sigaction(SIGSEGV, &sa, &P.prev_segv) < 0)
		return;
	if (pg_real_sigaction(SIGBUS, &sa, &P.prev_bus) < 0) {
		pg_real_sigaction(SIGSEGV, &P.prev_segv, NULL);
		return;
	}
	P.guard_installed = 1;
}

struct sigaction *pg_pyframes_fault_slot(int sig)
{
	if (!P.guard_installed || pg.pid != getpid() || (sig != SIGSEGV && sig != SIGBUS))
		return NULL;
	return sig == SIGBUS ? &P.prev_bus : &P.prev_segv;
}

/* -- finding the runtime ---------------------------------------------------- */

static void set_off(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void set_off(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	P.status = PG_PY_OFF;
	vsnprintf(P.reason, sizeof P.reason, fmt, ap);
	va_end(ap);
}

/* 3.13 and later describe their own layout: check ours against it. */
static int debug_offsets_agree(const struct layout *L)
{
	const uint64_t *d = (const uint64_t *)(const void *)P.runtime;
	if (memcmp(d, "xdebugpy", 8) != 0 || d[2] != 0)
		return 0;
	return d[23] == (uint64_t)L->ts_current_frame && d[29] == (uint64_t)L->f_previous &&
	       d[30] == (uint64_t)L->f_code && d[31] == (uint64_t)L->f_instr &&
	       d[33] == (uint64_t)L->f_owner && d[35] == (uint64_t)L->co_filename &&
	       d[37] == (uint64_t)L->co_qualname && d[38] == (uint64_t)L->co_linetable &&
	       d[39] == (uint64_t)L->co_firstlineno && d[43] == (uint64_t)L->co_code_adaptive &&
	       d[5] == (uint64_t)L->rt_interpreters_head && d[8] == (uint64_t)L->interp_next &&
	       d[9] == (uint64_t)L->interp_threads_head && d[21] == (uint64_t)L->ts_next &&
	       d[25] == (uint64_t)L->ts_native_thread_id;
}

void pg_pyframes_init(void)
{
	pg_busy++;
	void *rt = dlsym(RTLD_DEFAULT, "_PyRuntime");
	void *getver = dlsym(RTLD_DEFAULT, "Py_GetVersion");
	if (!rt && !getver) {
		pg_busy--;
		return;  /* not a Python process */
	}
	const uint32_t *pyv = dlsym(RTLD_DEFAULT, "Py_Version");
	if (getver) {
		/* Formats a static buffer: safe before the runtime exists. */
		const char *v = ((const char *(*)(void))getver)();
		size_t n = strcspn(v, " ");
		snprintf(P.version, sizeof P.version, "%.*s", (int)(n < 15 ? n : 15), v);
	}
	if (pyv)
		P.version_hex = *pyv;
	if (!pyv || !rt) {
		set_off("Python %s: Python frames are off: profgate reads CPython 3.11, 3.12 and 3.13",
			P.version[0] ? P.version : "(unknown version)");
		pg_busy--;
		return;
	}
	const struct layout *L = NULL;
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (P.version_hex >= layouts[i].version_min && P.version_hex <= layouts[i].version_max)
			L = &layouts[i];
	P.runtime = rt;
	if (!L) {
		set_off("Python %s: Python frames are off: profgate reads CPython 3.11, 3.12 and 3.13",
			P.version);
		pg_busy--;
		return;
	}
	size_t rsize = pg_symbol_size(rt);
	if (rsize != L->runtime_size) {
		char got[32];
		snprintf(got, sizeof got, "%zu", rsize);
		set_off("Python %s: Python frames are off: unknown runtime layout "
			"(_PyRuntime is %s bytes; a free-threaded or patched build?)", P.version, got);
		pg_busy--;
		return;
	}
	if (L->has_debug_offsets && !debug_offsets_agree(L)) {
		set_off("Python %s: Python frames are off: the runtime's debug offsets "
			"disagree with profgate's", P.version);
		pg_busy--;
		return;
	}
	const char *env = getenv("PROFGATE_PYTHON");
	if (env && !strcmp(env, "0")) {
		/* Native frames only: for comparisons (bench/python_bench.py). */
		set_off("Python %s: Python frames are off: PROFGATE_PYTHON=0", P.version);
		pg_busy--;
		return;
	}
	void *eval = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
	size_t esize = eval ? pg_symbol_size(eval) : 0;
	P.code_type = (uintptr_t)dlsym(RTLD_DEFAULT, "PyCode_Type");
	P.is_initialized = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsInitialized");
	if (!eval || !esize || !P.code_type) {
		set_off("Python %s: Python frames are off: %s not found", P.version,
			!eval || !esize ? "_PyEval_EvalFrameDefault" : "PyCode_Type");
		pg_busy--;
		return;
	}
	P.eval_start = (uintptr_t)eval;
	P.eval_end = (uintptr_t)eval + esize;
	void *codes = mmap(NULL, CODE_CAP * sizeof(struct code_entry), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *hash = mmap(NULL, CODE_HASH_CAP * sizeof(uint32_t), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (codes == MAP_FAILED || hash == MAP_FAILED) {
		set_off("Python %s: Python frames are off: %s", P.version, "no memory for the name table");
		pg_busy--;
		return;
	}
	P.codes = codes;
	P.hash = hash;
	snprintf(P.codes[0].qual, sizeof P.codes[0].qual, "[python]");
	atomic_store(&P.codes[0].ready, 1);
	atomic_store(&P.ncodes, 1);
	P.L = L;
	install_guard();
	if (!P.guard_installed) {
		set_off("Python %s: Python frames are off: %s", P.version,
			"cannot install the fault guard");
		pg_busy--;
		return;
	}
	P.status = PG_PY_ON;
	pg_busy--;
}

/* -- reading (inside the guard) --------------------------------------------- */

#define RD(type, addr) (*(const volatile type *)(uintptr_t)(addr))

static inline uintptr_t rdp(uintptr_t a)
{
	return RD(uintptr_t, a);
}

static void *thread_state(void)
{
	const struct layout *L = P.L;
	if (!RD(int, P.runtime + L->tss_initialized))
		return NULL;
	unsigned key = RD(unsigned, P.runtime + L->tss_key);
	return pthread_getspecific((pthread_key_t)key);
}

/* Another thread's state, found by its kernel thread id in the
 * interpreters' thread lists (read while they may change: guarded, capped). */
static void *thread_state_of(pid_t tid)
{
	const struct layout *L = P.L;
	if (!RD(int, P.runtime + L->tss_initialized))
		return NULL;
	uintptr_t interp = rdp((uintptr_t)P.runtime + (uintptr_t)L->rt_interpreters_head);
	for (int i = 0; interp && i < 16; i++) {
		uintptr_t ts = rdp(interp + (uintptr_t)L->interp_threads_head);
		for (int k = 0; ts && k < 4096; k++) {
			if ((ts & 7) != 0)
				return NULL;
			if (RD(unsigned long, ts + (uintptr_t)L->ts_native_thread_id) == (unsigned long)tid)
				return (void *)ts;
			ts = rdp(ts + (uintptr_t)L->ts_next);
		}
		interp = rdp(interp + (uintptr_t)L->interp_next);
	}
	return NULL;
}

/* Copies a str object's text as UTF-8 (compact objects only). */
static void copy_str(char *out, size_t cap, uintptr_t s)
{
	const struct layout *L = P.L;
	size_t o = 0;
	out[0] = '\0';
	if (!s || (s & 7))
		return;
	uint32_t state = RD(uint32_t, s + 32);
	int64_t len = RD(int64_t, s + 16);
	unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (!compact || len < 0)
		return;
	if (ascii) {
		const char *d = (const char *)(s + (uintptr_t)L->ascii_size);
		for (int64_t i = 0; i < len && o + 1 < cap; i++)
			out[o++] = RD(char, d + i);
		out[o] = '\0';
		return;
	}
	uintptr_t data = s + (uintptr_t)L->compact_size;
	for (int64_t i = 0; i < len; i++) {
		uint32_t c = kind == 1 ? RD(uint8_t, data + (uintptr_t)i)
			   : kind == 2 ? RD(uint16_t, data + 2 * (uintptr_t)i)
			   : kind == 4 ? RD(uint32_t, data + 4 * (uintptr_t)i) : '?';
		unsigned char b[4];
		size_t n;
		if (c < 0x80) {
			b[0] = (unsigned char)c;
			n = 1;
		} else if (c < 0x800) {
			b[0] = (unsigned char)(0xc0 | (c >> 6));
			b[1] = (unsigned char)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			b[0] = (unsigned char)(0xe0 | (c >> 12));
			b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[2] = (unsigned char)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | ((c >> 18) & 7));
			b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
			b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[3] = (unsigned char)(0x80 | (c & 0x3f));
			n = 4;
		}
		if (o + n + 1 > cap)
			break;
		memcpy(out + o, b, n);
		o += n;
	}
	out[o] = '\0';
}

static inline uint64_t hash_key(uintptr_t code, uintptr_t q, uintptr_t f, uintptr_t lt, int32_t first)
{
	uint64_t h = (uint64_t)code * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)q + (h << 6) + (h >> 2);
	h ^= (uint64_t)f * 0xff51afd7ed558ccdull;
	h ^= (uint64_t)lt + (uint64_t)(uint32_t)first * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 31;
	return h;
}

/* The id naming this code object, adding it on first sight. 0 if the table is full. */
static uint32_t code_id(uintptr_t code)
{
	const struct layout *L = P.L;
	uintptr_t q = rdp(code + (uintptr_t)L->co_qualname);
	uintptr_t f = rdp(code + (uintptr_t)L->co_filename);
	uintptr_t lt = rdp(code + (uintptr_t)L->co_linetable);
	int32_t first = RD(int32_t, code + (uintptr_t)L->co_firstlineno);
	uint64_t h = hash_key(code, q, f, lt, first);
	size_t j = (size_t)h & (CODE_HASH_CAP - 1);
	for (size_t probes = 0; probes < 64; probes++, j = (j + 1) & (CODE_HASH_CAP - 1)) {
		uint32_t id = atomic_load_explicit(&P.hash[j], memory_order_acquire);
		if (!id)
			break;
		const struct code_entry *e = &P.codes[id];
		if (e->code == code && e->qualname == q && e->filename == f && e->linetable == lt &&
		    e->first_line == first)
			return id;
	}
	/* New: copy the names first (a fault here claims nothing), then claim. */
	struct code_entry tmp;
	copy_str(tmp.qual, sizeof tmp.qual, q);
	copy_str(tmp.file, sizeof tmp.file, f);
	if (atomic_load_explicit(&P.ncodes, memory_order_relaxed) >= CODE_CAP)
		return 0;
	uint32_t id = atomic_fetch_add(&P.ncodes, 1);
	if (id >= CODE_CAP)
		return 0;
	struct code_entry *e = &P.codes[id];
	e->code = code;
	e->qualname = q;
	e->filename = f;
	e->linetable = lt;
	e->first_line = first;
	memcpy(e->qual, tmp.qual, sizeof e->qual);
	memcpy(e->file, tmp.file, sizeof e->file);
	atomic_store_explicit(&e->ready, 1, memory_order_release);
	j = (size_t)h & (CODE_HASH_CAP - 1);
	for (size_t probes = 0; probes < 64; probes++, j = (j + 1) & (CODE_HASH_CAP - 1)) {
		uint32_t expect = 0;
		if (atomic_compare_exchange_strong(&P.hash[j], &expect, id))
			break;
	}
	return id;  /* unpublished after 64 probes: named, just not found again */
}

static uint32_t read_varint(const uint8_t **p, const uint8_t *end)
{
	uint32_t v = 0;
	unsigned shift = 0;
	while (*p < end) {
		uint8_t b = RD(uint8_t, *p);
		(*p)++;
		v |= (uint32_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64) || shift > 28)
			break;
	}
	return v;
}

static int32_t read_svarint(const uint8_t **p, const uint8_t *end)
{
	uint32_t u = read_varint(p, end);
	return (u & 1) ? -(int32_t)(u >> 1) : (int32_t)(u >> 1);
}

/* The line of code unit `index`, from the 3.11+ location table. 0: none. */
static uint32_t line_of(uintptr_t code, int64_t index)
{
	const struct layout *L = P.L;
	uintptr_t lt = rdp(code + (uintptr_t)L->co_linetable);
	if (!lt || index < 0)
		return 0;
	int64_t size = RD(int64_t, lt + 16);
	if (size <= 0 || size > LINETABLE_MAX)
		return 0;
	const uint8_t *p = (const uint8_t *)(lt + 32), *end = p + size;
	int32_t line = RD(int32_t, code + (uintptr_t)L->co_firstlineno);
	int64_t pos = 0;
	while (p < end) {
		uint8_t b = RD(uint8_t, p);
		p++;
		unsigned kind = (b >> 3) & 15, len = (b & 7) + 1;
		int none = 0;
		if (kind == 15) {
			none = 1;
		} else if (kind == 14) {
			line += read_svarint(&p, end);
			read_varint(&p, end);
			read_varint(&p, end);
			read_varint(&p, end);
		} else if (kind == 13) {
			line += read_svarint(&p, end);
		} else if (kind >= 10) {
			line += (int32_t)kind - 10;
			p += 2;
		} else {
			p += 1;
		}
		if (index < pos + len)
			return none || line <= 0 ? 0 : (uint32_t)line;
		pos += len;
	}
	return 0;
}

/* Lines already decoded, per thread: decoding walks the line table from its
 * start, and the same few (code, instruction) pairs come back at every
 * allocation and sample. A slot packs the code id (16 bits; CODE_CAP fits),
 * the instruction index and the line (24 bits each) into one word, so that
 * a signal landing while this thread writes a slot reads either the old
 * word or the new one. */
#define LINE_CACHE_SLOTS 512u
static __thread uint64_t t_lines[LINE_CACHE_SLOTS] __attribute__((tls_model("initial-exec")));

_Static_assert(CODE_CAP <= 65536u, "code ids must fit the line cache's 16 bits");

static uint32_t line_cached(uint32_t id, uintptr_t code, int64_t index)
{
	if (!id || index < 0 || index >= (1 << 24))
		return line_of(code, index);
	uint64_t key = (uint64_t)id << 48 | (uint64_t)index << 24;
	uint64_t *slot = &t_lines[((uint32_t)id * 0x9e3779b1u ^ (uint32_t)index * 0x85ebca6bu) >> 23];
	uint64_t v = *(volatile uint64_t *)slot;
	if ((v & ~(uint64_t)0xffffff) == key)
		return (uint32_t)(v & 0xffffff);
	uint32_t line = line_of(code, index);
	if (line < (1u << 24))
		*(volatile uint64_t *)slot = key | line;
	return line;
}

struct pyframe {
	uint64_t word;       /* pg_frame_python(), 0 for a frame not shown */
	uint8_t ends_run;    /* the last (outermost) frame of one native evaluator call */
};

/* Reads this thread's Python frames, innermost first. Returns the count, or
 * -1 if the walk had to stop at something invalid. Runs inside the guard. */
static int walk(struct pyframe *out, int cap, void *ts)
{
	const struct layout *L = P.L;
	if (!ts)
		return 0;
	uintptr_t t = (uintptr_t)ts, frame;
	if (L->ts_current_frame >= 0) {
		frame = rdp(t + (uintptr_t)L->ts_current_frame);
	} else {
		uintptr_t cf = rdp(t + (uintptr_t)L->ts_cframe);
		if (!cf || (cf & 7))
			return -1;
		frame = rdp(cf + (uintptr_t)L->cframe_current);
	}
	uintptr_t seen[MAX_PY_FRAMES];
	int n = 0, nseen = 0;
	while (frame) {
		if ((frame & 7) || nseen >= MAX_PY_FRAMES || n >= cap)
			return n > 0 ? n : -1;
		for (int i = 0; i < nseen; i++)
			if (seen[i] == frame)
				return -1;
		seen[nseen++] = frame;
		unsigned owner = RD(uint8_t, frame + (uintptr_t)L->f_owner);
		if (owner > OWNER_MAX)
			return -1;
		uintptr_t prev = rdp(frame + (uintptr_t)L->f_previous);
		if (L->owner_cstack >= 0 && owner == (unsigned)L->owner_cstack) {
			/* A shim: the outermost frame of the run above it ends there. */
			if (n > 0)
				out[n - 1].ends_run = 1;
			frame = prev;
			continue;
		}
		uintptr_t code = rdp(frame + (uintptr_t)L->f_code);
		if (!code || (code & 7) || rdp(code + 8) != P.code_type)
			return -1;
		uintptr_t instr = rdp(frame + (uintptr_t)L->f_instr);
		int64_t index = ((int64_t)instr - (int64_t)(code + (uintptr_t)L->co_code_adaptive)) / 2;
		int first_traceable = RD(int, code + (uintptr_t)L->co_firsttraceable);
		int incomplete = owner != OWNER_GENERATOR && index < first_traceable;
		if (incomplete) {
			out[n].word = 0;
		} else {
			uint32_t id = code_id(code);
			out[n].word = pg_frame_python(id, line_cached(id, code, index));
		}
		out[n].ends_run = L->f_is_entry >= 0 && RD(uint8_t, frame + (uintptr_t)L->f_is_entry);
		n++;
		frame = prev;
	}
	if (n > 0)
		out[n - 1].ends_run = 1;  /* the outermost run ends with the chain */
	return n;
}

/* The walk under this thread's fault guard: -2 if it faulted. */
static __attribute__((noinline)) int guarded_walk(struct pyframe *py, pid_t other)
{
	sigjmp_buf jb;
	sigjmp_buf *saved = t_jb;
	if (sigsetjmp(jb, 0) != 0) {
		t_jb = saved;
		return -2;
	}
	t_jb = &jb;
	int np = walk(py, MAX_PY_FRAMES, other ? thread_state_of(other) : thread_state());
	t_jb = saved;
	return np;
}

static inline int in_eval(uint64_t addr, int is_return)
{
	uint64_t a = addr - (is_return ? 1 : 0);
	return a >= P.eval_start && a < P.eval_end;
}

uint32_t pg_pyframes_merge(uint64_t *frames, uint32_t n, uint32_t cap, int first_is_return)
{
	if (P.status != PG_PY_ON)
		return n;
	/* Only stacks that pass through the evaluator can hold Python frames. */
	int evals = 0;
	for (uint32_t i = 0; i < n; i++)
		evals += in_eval(frames[i], i > 0 || first_is_return);
	if (!evals)
		return n;
	struct pyframe py[MAX_PY_FRAMES];
	int np = guarded_walk(py, 0);
	if (np == -2) {
		atomic_fetch_add_explicit(&P.faults, 1, memory_order_relaxed);
		return n;
	}
	if (np < 0) {
		atomic_fetch_add_explicit(&P.invalid, 1, memory_order_relaxed);
		return n;
	}
	int runs = 0;
	for (int i = 0; i < np; i++)
		runs += py[i].ends_run;
	/* One evaluator call more than runs: the innermost was just entered
	 * and has not linked its frame yet; it stands for nothing. */
	int skip = evals == runs + 1;
	if (evals != runs && !skip)
		atomic_fetch_add_explicit(&P.mismatched, 1, memory_order_relaxed);
	uint64_t out[PG_REC_MAX_FRAMES];
	uint32_t k = 0;
	int pi = 0, emitted = 0;
	for (uint32_t i = 0; i < n && k < cap && k < PG_REC_MAX_FRAMES; i++) {
		if (!in_eval(frames[i], i > 0 || first_is_return)) {
			out[k++] = frames[i];
			continue;
		}
		if (skip) {
			skip = 0;
			continue;
		}
		if (pi >= np) {
			out[k++] = frames[i];  /* more evaluator calls than runs: keep it native */
			continue;
		}
		for (; pi < np; pi++) {
			if (py[pi].word && k < cap && k < PG_REC_MAX_FRAMES) {
				out[k++] = py[pi].word;
				emitted++;
			}
			if (py[pi].ends_run) {
				pi++;
				break;
			}
		}
	}
	/* Runs left over (the native unwind stopped early): outermost last. */
	for (; pi < np && k < cap && k < PG_REC_MAX_FRAMES; pi++)
		if (py[pi].word) {
			out[k++] = py[pi].word;
			emitted++;
		}
	memcpy(frames, out, k * sizeof *out);
	atomic_fetch_add_explicit(&P.walks, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&P.frames, (uint64_t)emitted, memory_order_relaxed);
	return k;
}

uint32_t pg_pyframes_waiting(uint64_t *frames, uint32_t n, uint32_t cap, pid_t tid)
{
	if (P.status != PG_PY_ON)
		return n;
	struct pyframe py[MAX_PY_FRAMES];
	int np = guarded_walk(py, tid);
	if (np <= 0)
		return n;  /* no Python state (yet), or it could not be read: the last stack stands */
	/* The native frames below the outermost Python frame of the last stack
	 * (or below its outermost evaluator call, or all of it). */
	uint32_t from = 0;
	for (uint32_t i = 0; i < n; i++)
		if (pg_frame_tag(frames[i]) == PG_FRAME_TAG_PYTHON || in_eval(frames[i], i > 0))
			from = i + 1;
	uint64_t out[PG_REC_MAX_FRAMES];
	uint32_t k = 0;
	for (int i = 0; i < np && k < cap && k < PG_REC_MAX_FRAMES; i++)
		if (py[i].word)
			out[k++] = py[i].word;
	for (uint32_t i = from; i < n && k < cap && k < PG_REC_MAX_FRAMES; i++)
		out[k++] = frames[i];
	memcpy(frames, out, k * sizeof *out);
	return k;
}

/* -- records ---------------------------------------------------------------- */

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

void pg_pyframes_write_info(void)
{
	if (P.status == PG_PY_NONE)
		return;
	unsigned char buf[sizeof(struct pg_rec_hdr) + sizeof(struct pg_rec_pyinfo) + sizeof P.reason + 8];
	memset(buf, 0, sizeof buf);
	size_t rlen = strlen(P.reason) + 1;
	struct pg_rec_hdr h = { PG_REC_PYINFO, (uint32_t)pad8(sizeof h + sizeof(struct pg_rec_pyinfo) + rlen) };
	struct pg_rec_pyinfo r = {
		.status = (uint32_t)P.status, .version_hex = P.version_hex,
		.walks = atomic_load(&P.walks), .frames = atomic_load(&P.frames),
		.faults = atomic_load(&P.faults), .invalid = atomic_load(&P.invalid),
		.mismatched = atomic_load(&P.mismatched), .codes = P.written,
		.mem_hooked = (uint32_t)P.mem_hooked, .reason_len = (uint32_t)rlen,
	};
	memcpy(r.version, P.version, sizeof r.version);
	r.version[sizeof r.version - 1] = '\0';
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, &r, sizeof r);
	memcpy(buf + sizeof h + sizeof r, P.reason, rlen);
	pg_write_records(buf, h.size);
}

void pg_pyframes_drain(void)
{
	if (P.status != PG_PY_ON)
		return;
	uint32_t n = atomic_load(&P.ncodes);
	if (n > CODE_CAP)
		n = CODE_CAP;
	static unsigned char buf[32 * 1024];
	size_t used = 0;
	while (P.written < n) {
		const struct code_entry *e = &P.codes[P.written];
		if (!atomic_load_explicit(&e->ready, memory_order_acquire))
			break;  /* being named right now: next drain */
		size_t ql = strnlen(e->qual, sizeof e->qual - 1) + 1;
		size_t fl = strnlen(e->file, sizeof e->file - 1) + 1;
		size_t size = pad8(sizeof(struct pg_rec_hdr) + sizeof(struct pg_rec_pycode) + ql + fl);
		if (used + size > sizeof buf) {
			pg_write_records(buf, used);
			used = 0;
		}
		struct pg_rec_hdr h = { PG_REC_PYCODE, (uint32_t)size };
		struct pg_rec_pycode r = { P.written, e->first_line, (uint32_t)ql, (uint32_t)fl };
		unsigned char *d = buf + used;
		memset(d, 0, size);
		memcpy(d, &h, sizeof h);
		memcpy(d + sizeof h, &r, sizeof r);
		memcpy(d + sizeof h + sizeof r, e->qual, ql - 1);
		memcpy(d + sizeof h + sizeof r + ql, e->file, fl - 1);
		used += size;
		P.written++;
	}
	if (used)
		pg_write_records(buf, used);
}

void pg_pyframes_after_fork_child(void)
{
	/* The child's record file starts empty: every name is written again. */
	P.written = 0;
}

/* Where the program sits in its start-up: allocator hooks wait for this. */
int pg_pyframes_runtime_ready(void)
{
	return P.status == PG_PY_ON && P.is_initialized && P.is_initialized();
}

void pg_pyframes_set_mem_hooked(void)
{
	P.mem_hooked = 1;
}

const char *pg_pyframes_reason(void)
{
	return P.status == PG_PY_OFF ? P.reason : NULL;
}
