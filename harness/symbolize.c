/*
 * Symbolizer over libdwfl. Each distinct module file gets its own Dwfl with
 * that one file reported at bias 0, so that an offset (address minus the
 * load bias the collector recorded) is looked up the same way whatever
 * address the file was loaded at in whichever process.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <elfutils/libdwfl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize.h"

/* C linkage in libstdc++. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct cache_entry {
	uint64_t key;       /* offset + 1; 0 = empty */
	char *name;
	int resolved;
};

struct modfile {
	char *path;
	unsigned char build_id[64];
	uint32_t build_id_len;
	Dwfl *dwfl;
	Dwfl_Module *mod;   /* NULL when the file could not be opened */
	const char *base;   /* basename of path, for [module+0x...] */
	struct cache_entry *cache;
	size_t cap, used;   /* cap a power of two */
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

void pg_symbolizer_free(struct pg_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++) {
		struct modfile *f = &s->files[i];
		for (size_t j = 0; j < f->cap; j++)
			free(f->cache[j].name);
		free(f->cache);
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
	if (s->count == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 16;
		struct modfile *nf = realloc(s->files, n * sizeof *nf);
		if (!nf)
			return NULL;
		s->files = nf;
		s->cap = n;
	}
	struct modfile *f = &s->files[s->count];
	memset(f, 0, sizeof *f);
	f->path = strdup(m->path);
	if (!f->path)
		return NULL;
	memcpy(f->build_id, m->build_id, m->build_id_len);
	f->build_id_len = m->build_id_len;
	const char *slash = strrchr(f->path, '/');
	f->base = slash ? slash + 1 : f->path;
	f->cap = 256;
	f->cache = calloc(f->cap, sizeof *f->cache);
	if (!f->cache) {
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

static struct cache_entry *cache_slot(struct modfile *f, uint64_t key)
{
	if ((f->used + 1) * 2 > f->cap) {
		size_t ncap = f->cap * 2;
		struct cache_entry *n = calloc(ncap, sizeof *n);
		if (!n)
			return NULL;
		for (size_t i = 0; i < f->cap; i++) {
			if (!f->cache[i].key)
				continue;
			size_t j = (size_t)(f->cache[i].key * 0x9e3779b97f4a7c15ull) & (ncap - 1);
			while (n[j].key)
				j = (j + 1) & (ncap - 1);
			n[j] = f->cache[i];
		}
		free(f->cache);
		f->cache = n;
		f->cap = ncap;
	}
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull) & (f->cap - 1);
	while (f->cache[j].key && f->cache[j].key != key)
		j = (j + 1) & (f->cap - 1);
	return &f->cache[j];
}

/* Folded stacks use ';' and newlines as separators: keep them out of names. */
static void sanitize(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == ';' || (unsigned char)*p < 0x20)
			*p = '?';
}

static char *lookup(struct modfile *f, uint64_t off, int *resolved)
{
	char *out = NULL;
	*resolved = 0;
	if (f->mod) {
		GElf_Off sym_off;
		GElf_Sym sym;
		Dwarf_Addr bias = 0;
		dwfl_module_getelf(f->mod, &bias);
		const char *name = dwfl_module_addrinfo(f->mod, off + bias, &sym_off, &sym,
							NULL, NULL, NULL);
		if (name && *name) {
			/* .dynsym names carry their version ("memcpy@@GLIBC_2.14"). */
			char plain[512];
			const char *at = strchr(name, '@');
			if (at && at != name && (size_t)(at - name) < sizeof plain) {
				memcpy(plain, name, (size_t)(at - name));
				plain[at - name] = '\0';
				name = plain;
			}
			int status = -1;
			char *dem = (name[0] == '_' && name[1] == 'Z')
				? __cxa_demangle(name, NULL, NULL, &status) : NULL;
			out = status == 0 && dem ? dem : strdup(name);
			if (out != dem)
				free(dem);
			*resolved = out != NULL;
		}
	}
	if (!out && asprintf(&out, "[%s+0x%llx]", f->base, (unsigned long long)off) < 0)
		out = NULL;
	if (out)
		sanitize(out);
	return out;
}

const char *pg_symbolize(struct pg_symbolizer *s, const struct pg_module *m, uint64_t addr,
			 int is_return_address, int *resolved)
{
	*resolved = 0;
	if (!m)
		return "[unknown]";
	struct modfile *f = get_file(s, m);
	if (!f)
		return "[unknown]";
	uint64_t off = addr - m->bias - (is_return_address ? 1 : 0);
	struct cache_entry *e = cache_slot(f, off + 1);
	if (!e)
		return "[unknown]";
	if (!e->key) {
		e->name = lookup(f, off, &e->resolved);
		if (!e->name)
			return "[unknown]";
		e->key = off + 1;
		f->used++;
	}
	*resolved = e->resolved;
	return e->name;
}
