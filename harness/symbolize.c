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

#include "hashmap.h"

/* C linkage in libstdc++. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct cache_entry {
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
	struct pg_hashmap cache;     /* file offset -> index + 1 in names */
	struct cache_entry *names;
	size_t cap, used;
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
		for (size_t j = 0; j < f->used; j++)
			free(f->names[j].name);
		free(f->names);
		pg_hashmap_release(&f->cache);
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
	if (pg_hashmap_init(&f->cache, 256) < 0) {
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

/* Keeps name (taken over) as the symbol at off; 0, or -1 when memory ran out
 * (name freed). */
static int cache_add(struct modfile *f, uint64_t off, char *name, int resolved)
{
	if (f->used == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 128;
		struct cache_entry *n = f->used < UINT32_MAX / 2 ? realloc(f->names, ncap * sizeof *n) : NULL;

		if (!n) {
			free(name);
			return -1;
		}
		f->names = n;
		f->cap = ncap;
	}
	if (pg_hashmap_put(&f->cache, off, (uint32_t)f->used + 1) < 0) {
		free(name);
		return -1;
	}
	f->names[f->used++] = (struct cache_entry){ name, resolved };
	return 0;
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
	uint32_t ref = pg_hashmap_get(&f->cache, off);
	if (!ref) {
		int found;
		char *name = lookup(f, off, &found);
		if (!name || cache_add(f, off, name, found) < 0)
			return "[unknown]";
		ref = (uint32_t)f->used;
	}
	*resolved = f->names[ref - 1].resolved;
	return f->names[ref - 1].name;
}
