/*
 * Symbolizer over libdwfl. Each distinct module file gets its own Dwfl with
 * that one file reported at bias 0, so that an offset (address minus the
 * load bias the collector recorded) is looked up the same way whatever
 * address the file was loaded at in whichever process.
 *
 * An address gives the function its symbol names and, when the module has
 * DWARF, the functions inlined into it at that address: the scopes of the
 * compilation unit that contain it (dwarf_getscopes), innermost first, whose
 * DW_TAG_inlined_subroutine entries each name an inlined call. Names follow
 * common/frame_name.h: display names, inlined ones marked.
 *
 * dwarf_getscopes starts from the unit's root each time: for a unit like
 * CPython's ceval.c, thousands of top-level entries per address, and a
 * memory profile of a Python program has thousands of distinct addresses in
 * it. So each unit's functions are listed once with their address ranges
 * (dwarf_getfuncs), an address descends from its function's DIE, and the
 * names of inlined functions are kept by the DIE they are instances of.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "frame_name.h"
#include "hashmap.h"
#include "symbolize.h"

/* C linkage in libstdc++. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Inlined calls kept per address; deeper ones are dropped (outermost kept). */
#define MAX_INLINED 15

struct cache_entry {
	char *name;         /* display name of the function (names[0]) */
	char *full;         /* its demangled name with parameters; NULL if the same */
	char **names;       /* outermost first: the function, then what was inlined */
	size_t nnames;
	int resolved;
};

/* An address range of a function's code, and its DIE. */
struct func_range {
	Dwarf_Addr low, high;   /* [low, high) */
	Dwarf_Die die;
};

/* The functions of one unit, sorted by low. */
struct unit_funcs {
	struct func_range *ranges;
	size_t count, cap;
};

struct modfile {
	char *path;
	unsigned char build_id[64];
	uint32_t build_id_len;
	Dwfl *dwfl;
	Dwfl_Module *mod;   /* NULL when the file could not be opened */
	const char *base;   /* basename of path, for [module+0x...] */
	struct cache_entry *cache;  /* the offsets looked up, in order */
	size_t used, cap;
	struct pg_hashmap map;      /* offset -> index + 1 in cache */
	/* The functions of each unit looked into, by the unit DIE's offset + 1. */
	struct pg_hashmap unit_map;
	struct unit_funcs *units;
	size_t nunits, capunits;
	/* The name of each inlined function, by its abstract DIE's offset + 1
	 * (NULL: it has none). */
	struct pg_hashmap origin_map;
	char **origin_names;
	size_t norigins, caporigins;
};

struct pg_symbolizer {
	struct modfile *files;
	size_t count, cap;
	char *debuginfo_path;
};

static char *debuginfo_path_default = NULL;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path_default,
};

int pg_symbolizer_new(struct pg_symbolizer **out)
{
	/* Symbolization must never reach for the network. */
	unsetenv("DEBUGINFOD_URLS");
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -1;
}

static void entry_release(struct cache_entry *e)
{
	for (size_t k = 1; k < e->nnames; k++)
		free(e->names[k]);
	free(e->names);
	free(e->name);
	free(e->full);
}

void pg_symbolizer_free(struct pg_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++) {
		struct modfile *f = &s->files[i];
		for (size_t j = 0; j < f->used; j++)
			entry_release(&f->cache[j]);
		free(f->cache);
		pg_hashmap_release(&f->map);
		pg_hashmap_release(&f->unit_map);
		for (size_t j = 0; j < f->nunits; j++)
			free(f->units[j].ranges);
		free(f->units);
		pg_hashmap_release(&f->origin_map);
		for (size_t j = 0; j < f->norigins; j++)
			free(f->origin_names[j]);
		free(f->origin_names);
		if (f->dwfl)
			dwfl_end(f->dwfl);
		free(f->path);
	}
	free(s->files);
	free(s);
}

int pg_module_is_collector(const struct pg_module *m)
{
	return m && strstr(m->path, "libprofgate_collector") != NULL;
}

static int is_vdso(const char *path)
{
	return !strncmp(path, "linux-vdso", 10) || !strncmp(path, "linux-gate", 10);
}

/* The profiled program's vDSO is not a file; but it ran on this kernel, whose
 * vDSO is mapped into profgate too. A copy of ours in a memfd stands for it.
 * libdwfl takes ownership of the descriptor. */
static int own_vdso_fd(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	size_t size = (size_t)eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	int fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, eh, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct modfile *get_file(struct pg_symbolizer *s, const struct pg_module *m)
{
	for (size_t i = 0; i < s->count; i++) {
		struct modfile *f = &s->files[i];
		if (f->build_id_len == m->build_id_len && !strcmp(f->path, m->path) &&
		    !memcmp(f->build_id, m->build_id, m->build_id_len))
			return f;
	}
	if (PG_ARRAY_RESERVE(s->files, s->cap, s->count + 1) < 0)
		return NULL;
	struct modfile *f = &s->files[s->count];
	memset(f, 0, sizeof *f);
	f->path = strdup(m->path);
	if (!f->path)
		return NULL;
	memcpy(f->build_id, m->build_id, m->build_id_len);
	f->build_id_len = m->build_id_len;
	const char *slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	if (pg_hashmap_init(&f->map, 512) < 0) {
		free(f->path);
		return NULL;
	}
	f->dwfl = dwfl_begin(&callbacks);
	if (f->dwfl) {
		int fd = is_vdso(f->path) ? own_vdso_fd() : -1;
		dwfl_report_begin(f->dwfl);
		f->mod = dwfl_report_elf(f->dwfl, f->base, f->path, fd, 0, false);
		dwfl_report_end(f->dwfl, NULL, NULL);
	}
	s->count++;
	return f;
}

/* Room for one more entry in f->cache; -1 when out of memory. */
static int cache_reserve(struct modfile *f)
{
	return PG_ARRAY_RESERVE(f->cache, f->cap, f->used + 1) < 0 ? -1 : 0;
}

/* Folded stacks use ';' and newlines as separators: keep them out of names. */
static void sanitize(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == ';' || (unsigned char)*p < 0x20)
			*p = '?';
}

static char *demangle(const char *name)
{
	int status = -1;
	char *dem = (name[0] == '_' && name[1] == 'Z') ? __cxa_demangle(name, NULL, NULL, &status) : NULL;

	if (status == 0 && dem)
		return dem;
	free(dem);
	return strdup(name);
}

/* The function's name from the symbol table, demangled, or NULL. */
static char *symbol_name(struct modfile *f, uint64_t off)
{
	GElf_Off sym_off;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;
	const char *name;

	if (!f->mod)
		return NULL;
	dwfl_module_getelf(f->mod, &bias);
	name = dwfl_module_addrinfo(f->mod, off + bias, &sym_off, &sym, NULL, NULL, NULL);
	if (!name || !*name)
		return NULL;
	/* .dynsym names carry their version ("memcpy@@GLIBC_2.14"). */
	char plain[512];
	const char *at = strchr(name, '@');
	if (at && at != name && (size_t)(at - name) < sizeof plain) {
		memcpy(plain, name, (size_t)(at - name));
		plain[at - name] = '\0';
		name = plain;
	}
	return demangle(name);
}

/* The name of a function's DIE qualified by the scopes that contain its
 * declaration: namespaces, classes, and for a lambda's operator() the
 * function it is in, itself qualified ("Worker::run::{lambda}::operator()";
 * the closure type has no name in DWARF, so neither signature nor number).
 * For DIEs without a linkage name: GCC gives none to many instantiated
 * templates and to lambdas. NULL if the DIE has no name. */
static char *qualified_name(Dwarf_Die *die)
{
	Dwarf_Die decl = *die, next, *scopes = NULL;
	Dwarf_Attribute attr;
	const char *name;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int n, from;

	/* The abstract instance, then the declaration in its class. */
	for (int hops = 0; hops < 8; hops++) {
		if (!(dwarf_attr(&decl, DW_AT_abstract_origin, &attr) || dwarf_attr(&decl, DW_AT_specification, &attr)) ||
		    !dwarf_formref_die(&attr, &next))
			break;
		decl = next;
	}
	if (!(name = dwarf_diename(&decl)) || !*name || !(f = open_memstream(&out, &len)))
		return NULL;
	n = dwarf_getscopes_die(&decl, &scopes);
	/* scopes[0] is decl itself, then its parents up to the unit. The
	 * innermost function among them (the one a lambda is in) is named
	 * with its own scopes: its DIE is often a definition outside its class. */
	from = n - 1;
	for (int i = 1; i < n; i++) {
		char *in;

		if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
			continue;
		if ((in = qualified_name(&scopes[i]))) {
			fprintf(f, "%s::", in);
			free(in);
		}
		from = i - 1;
		break;
	}
	for (int i = from; i >= 1; i--) {
		const char *sn = dwarf_diename(&scopes[i]);

		switch (dwarf_tag(&scopes[i])) {
		case DW_TAG_namespace:
			fprintf(f, "%s::", sn ? sn : "(anonymous namespace)");
			break;
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
			fprintf(f, "%s::", sn ? sn : "{lambda}");
			break;
		default:
			break;
		}
	}
	fputs(name, f);
	free(scopes);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The display name of an inlined subroutine, marked; NULL if it has none. */
static char *inlined_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *raw = NULL;
	char *full, *shown, *out = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		raw = dwarf_formstring(&attr);
	full = raw && *raw ? demangle(raw) : qualified_name(die);
	if (!full)
		return NULL;
	shown = pg_frame_display_name(full);
	free(full);
	if (shown && asprintf(&out, "%s%s", shown, PG_FRAME_INLINED_MARK) < 0)
		out = NULL;
	free(shown);
	return out;
}

/* inlined_name() of die, through f's cache of names by abstract DIE; a
 * copy the caller frees, or NULL. */
static char *inlined_name_cached(struct modfile *f, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die origin;
	uint64_t key;
	uint32_t ref;
	char *name;

	if (!dwarf_attr(die, DW_AT_abstract_origin, &attr) || !dwarf_formref_die(&attr, &origin)) {
		name = inlined_name(die);
		if (name)
			sanitize(name);
		return name;
	}
	key = (uint64_t)dwarf_dieoffset(&origin) + 1;
	if ((ref = pg_hashmap_get(&f->origin_map, key)) != 0)
		return f->origin_names[ref - 1] ? strdup(f->origin_names[ref - 1]) : NULL;
	name = inlined_name(die);
	if (name)
		sanitize(name);
	if (PG_ARRAY_RESERVE(f->origin_names, f->caporigins, f->norigins + 1) < 0)
		return name;
	char *kept = name ? strdup(name) : NULL;
	if ((name && !kept) || pg_hashmap_put(&f->origin_map, key, (uint32_t)f->norigins + 1) < 0) {
		free(kept);
		return name;
	}
	f->origin_names[f->norigins++] = kept;
	return name;
}

/* The inlined calls at pc inside the function whose DIE is fn, outermost
 * first, into out (at most max; the outermost are kept): descend through
 * the children that contain pc, as dwarf_getscopes does from the unit. */
static int inlined_in(Dwarf_Die *fn, Dwarf_Addr pc, Dwarf_Die *out, int max)
{
	Dwarf_Die cur = *fn, child;
	int n = 0;

	while (n < max && dwarf_child(&cur, &child) == 0) {
		int found = 0;

		do {
			if (dwarf_haspc(&child, pc) == 1) {
				found = 1;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			break;
		if (dwarf_tag(&child) == DW_TAG_inlined_subroutine)
			out[n++] = child;
		cur = child;
	}
	return n;
}

/* dwarf_getfuncs callback: adds the function's ranges to the unit's list. */
static int add_func(Dwarf_Die *die, void *arg)
{
	struct unit_funcs *u = arg;
	Dwarf_Addr base, low, high;
	ptrdiff_t it = 0;

	while ((it = dwarf_ranges(die, it, &base, &low, &high)) > 0) {
		if (PG_ARRAY_RESERVE(u->ranges, u->cap, u->count + 1) < 0)
			return DWARF_CB_ABORT;
		u->ranges[u->count++] = (struct func_range){ low, high, *die };
	}
	return DWARF_CB_OK;
}

static int by_low(const void *a, const void *b)
{
	const struct func_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

/* The DIE of the function of unit cu whose code contains pc, into *fn;
 * -1 when none does or the unit cannot be listed. */
static int find_func(struct modfile *f, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *fn)
{
	uint64_t key = (uint64_t)dwarf_dieoffset(cu) + 1;
	uint32_t ref = pg_hashmap_get(&f->unit_map, key);
	struct unit_funcs *u;

	if (!ref) {
		if (PG_ARRAY_RESERVE(f->units, f->capunits, f->nunits + 1) < 0)
			return -1;
		u = &f->units[f->nunits];
		memset(u, 0, sizeof *u);
		if (dwarf_getfuncs(cu, add_func, u, 0) < 0 ||
		    pg_hashmap_put(&f->unit_map, key, (uint32_t)f->nunits + 1) < 0) {
			free(u->ranges);
			return -1;
		}
		if (u->count)
			qsort(u->ranges, u->count, sizeof *u->ranges, by_low);
		ref = (uint32_t)++f->nunits;
	}
	u = &f->units[ref - 1];
	/* the last range starting at or before pc */
	size_t lo = 0, hi = u->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->ranges[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= u->ranges[lo - 1].high)
		return -1;
	*fn = u->ranges[lo - 1].die;
	return 0;
}

/* The inlined calls at pc from dwarf_getscopes over the whole unit: for an
 * address no listed function contains. Only the innermost call is found
 * this way (dwarf_getscopes continues from an inlined call to the scopes of
 * its abstract definition, not to the function it was inlined into). */
static int inlined_from_unit(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out, int max)
{
	Dwarf_Die *scopes = NULL;
	int nscopes = dwarf_getscopes(cu, pc, &scopes), n = 0;

	for (int i = 0; i < nscopes && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_subprogram)
			break;
		if (tag == DW_TAG_inlined_subroutine)
			out[n++] = scopes[i];
	}
	free(scopes);
	/* innermost first: turn it around */
	for (int i = 0; i < n / 2; i++) {
		Dwarf_Die t = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	return n;
}

/* Fills e->names[1..] with the calls inlined at off, outermost first. */
static void add_inlined(struct cache_entry *e, struct modfile *f, uint64_t off)
{
	Dwarf_Addr bias = 0, addr, pc;
	Dwarf_Die *cu, dies[MAX_INLINED], fn;
	char *inl[MAX_INLINED];
	size_t n = 0;
	int ndies;

	dwfl_module_getelf(f->mod, &bias);
	addr = off + bias;
	if (!(cu = dwfl_module_addrdie(f->mod, addr, &bias)))
		return;
	pc = addr - bias;
	if (find_func(f, cu, pc, &fn) == 0)
		ndies = inlined_in(&fn, pc, dies, MAX_INLINED);
	else
		ndies = inlined_from_unit(cu, pc, dies, MAX_INLINED);
	for (int i = 0; i < ndies; i++) {
		char *name = inlined_name_cached(f, &dies[i]);

		if (name)
			inl[n++] = name;
	}
	if (n == 0)
		return;
	char **v = realloc(e->names, (1 + n) * sizeof *v);
	if (!v) {
		while (n > 0)
			free(inl[--n]);
		return;
	}
	e->names = v;
	for (size_t k = 0; k < n; k++)
		v[1 + k] = inl[k];
	e->nnames = 1 + n;
}

/* Fills e for offset off of f; 0, or -1 when out of memory. */
static int lookup(struct cache_entry *e, struct modfile *f, uint64_t off)
{
	char *full = symbol_name(f, off);

	e->resolved = full != NULL;
	if (full) {
		sanitize(full);
		e->name = pg_frame_display_name(full);
		if (e->name && strcmp(e->name, full))
			e->full = full;
		else
			free(full);
	} else if (asprintf(&e->name, "[%s+0x%llx]", f->base, (unsigned long long)off) < 0) {
		e->name = NULL;
	}
	if (!e->name || !(e->names = malloc(sizeof *e->names))) {
		free(e->name);
		free(e->full);
		e->name = e->full = NULL;
		return -1;
	}
	e->names[0] = e->name;
	e->nnames = 1;
	if (e->resolved)
		add_inlined(e, f, off);
	return 0;
}

static struct cache_entry *entry(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
				 int is_return_address)
{
	struct modfile *f = m ? get_file(s, m) : NULL;
	uint64_t off;
	uint32_t ref;
	struct cache_entry *e;

	if (!f)
		return NULL;
	off = addr - m->bias - (is_return_address ? 1 : 0);
	if ((ref = pg_hashmap_get(&f->map, off)))
		return &f->cache[ref - 1];
	if (cache_reserve(f) < 0)
		return NULL;
	e = memset(&f->cache[f->used], 0, sizeof *e);
	if (lookup(e, f, off) < 0)
		return NULL;
	if (pg_hashmap_put(&f->map, off, (uint32_t)f->used + 1) < 0) {
		entry_release(e);
		return NULL;
	}
	return &f->cache[f->used++];
}

size_t pg_symbolize_frames(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			   int is_return_address, const char *const **names, int *resolved)
{
	static const char *const unknown[] = { "[unknown]" };
	struct cache_entry *e = entry(s, m, addr, is_return_address);

	*resolved = e ? e->resolved : 0;
	*names = e ? (const char *const *)e->names : unknown;
	return e ? e->nnames : 1;
}

const char *pg_symbolize_full(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			      int is_return_address)
{
	struct cache_entry *e = entry(s, m, addr, is_return_address);

	return e && e->full ? e->full : NULL;
}

const char *pg_symbolize(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			 int is_return_address, int *resolved)
{
	struct cache_entry *e = entry(s, m, addr, is_return_address);

	*resolved = e ? e->resolved : 0;
	return e ? e->name : "[unknown]";
}
