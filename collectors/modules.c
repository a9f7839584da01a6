/*
 * The module map: which file is loaded where, so that the harness can turn
 * raw addresses into (file, offset) after the run. A snapshot is written at
 * start and after every dlopen/dlclose as a new generation; each sample
 * carries the generation in force when it was taken. glibc loads modules of
 * its own with an internal dlopen that no wrapper sees (NSS modules for
 * getpwnam or getaddrinfo, gconv modules for iconv_open): the collector
 * thread notices those from the loader's load and unload counters and
 * writes a new snapshot; a sample taken in between finds its module in that
 * later snapshot.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"

struct snap {
	uint32_t generation;
	uint32_t count;
	char exe[512];
};

static size_t build_id(const struct dl_phdr_info *info, const unsigned char **out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name_sz = (nh->n_namesz + 3) & ~3u, desc_sz = (nh->n_descsz + 3) & ~3u;
			const unsigned char *name = p + sizeof *nh, *desc = name + name_sz;
			if (desc + desc_sz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				*out = desc;
				return nh->n_descsz;
			}
			p = desc + desc_sz;
		}
	}
	return 0;
}

/* The loader's counts of loads and unloads when the last snapshot was
 * taken (dl_phdr_info's dlpi_adds and dlpi_subs). */
static _Atomic unsigned long long seen_adds, seen_subs;

struct counts {
	unsigned long long adds, subs;
	int known;
};

static int read_counts(struct dl_phdr_info *info, size_t size, void *data)
{
	struct counts *c = data;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		c->adds = info->dlpi_adds;
		c->subs = info->dlpi_subs;
		c->known = 1;
	}
	return 1;  /* the counts are the same in every entry: one is enough */
}

static int count_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct snap *sn = data;
	if (sn->count++ == 0) {
		struct counts c = { 0, 0, 0 };
		read_counts(info, size, &c);
		atomic_store(&seen_adds, c.adds);
		atomic_store(&seen_subs, c.subs);
	}
	return 0;
}

int pg_modules_changed(void)
{
	struct counts c = { 0, 0, 0 };
	pg_busy++;
	dl_iterate_phdr(read_counts, &c);
	pg_busy--;
	return c.known && (c.adds != atomic_load(&seen_adds) || c.subs != atomic_load(&seen_subs));
}

static int write_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct snap *sn = data;
	struct pg_rec_module m;
	memset(&m, 0, sizeof m);
	m.generation = sn->generation;
	m.bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum && m.nseg < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		m.seg_start[m.nseg] = info->dlpi_addr + ph->p_vaddr;
		m.seg_end[m.nseg] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		m.nseg++;
	}
	const char *path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : sn->exe;
	const unsigned char *bid = NULL;
	size_t bid_len = build_id(info, &bid);
	m.path_len = (uint32_t)strlen(path) + 1;
	m.build_id_len = (uint32_t)bid_len;
	size_t payload = sizeof m + m.path_len + bid_len;
	size_t padded = (payload + 7) & ~(size_t)7;
	struct pg_rec_hdr h = { PG_REC_MODULE, (uint32_t)(sizeof h + padded) };
	static const char zeros[8];
	pg_write_all(&h, sizeof h);
	pg_write_all(&m, sizeof m);
	pg_write_all(path, m.path_len);
	if (bid_len)
		pg_write_all(bid, bid_len);
	pg_write_all(zeros, padded - payload);
	return 0;
}

void pg_modules_snapshot(void)
{
	struct snap sn = { 0 };
	ssize_t n = readlink("/proc/self/exe", sn.exe, sizeof sn.exe - 1);
	sn.exe[n > 0 ? n : 0] = '\0';
	pg_busy++;
	dl_iterate_phdr(count_one, &sn);
	sn.generation = atomic_fetch_add(&pg.generation, 1) + 1;
	struct pg_rec_hdr h = { PG_REC_MODULES, sizeof h + sizeof(struct pg_rec_modules) };
	struct pg_rec_modules ms = { .generation = sn.generation, .count = sn.count, .time_ns = pg_now_ns() };
	pg_write_mark();
	pg_write_all(&h, sizeof h);
	pg_write_all(&ms, sizeof ms);
	dl_iterate_phdr(write_one, &sn);
	pg_busy--;
}

/* -- the loader's write lock ------------------------------------------------
 *
 * dl_iterate_phdr takes glibc's dl_load_write_lock (a recursive mutex inside
 * _rtld_global), and so does the loader while it adds a module to its list
 * or takes one off. libunwind calls dl_iterate_phdr from the sample handler
 * on a cache miss. The dlopen wrappers keep samples out of a dlopen the
 * program makes, but glibc loads modules of its own (NSS for getpwnam, gconv
 * for iconv_open) with no wrapper in the way. A sample that lands while this
 * thread is taking or letting go of that mutex (its low-level lock taken,
 * its owner not yet or no longer written) makes the handler's
 * dl_iterate_phdr wait for this very thread: the process hangs for good
 * (seen in a fork child doing iconv_open, its collector thread waiting on
 * the same lock). So the handler looks at the mutex first and drops the
 * sample when it is taken and its owner is this thread or nobody yet.
 *
 * The mutex is found once: the one recursive mutex in _rtld_global that this
 * thread owns inside a dl_iterate_phdr callback and nobody owns outside it.
 * Where that does not single one out (another C library, another layout),
 * there is no check, as before. */

static pthread_mutex_t *loader_lock;

struct lock_search {
	char *base;
	size_t size;
	pid_t tid;
	size_t found, count;
};

static int owns_recursive(const pthread_mutex_t *m, pid_t tid)
{
	return m->__data.__lock != 0 && m->__data.__owner == tid && m->__data.__count >= 1 &&
	       (m->__data.__kind & 0x7f) == PTHREAD_MUTEX_RECURSIVE_NP;
}

static int search_lock(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	struct lock_search *ls = data;
	for (size_t off = 0; off + sizeof(pthread_mutex_t) <= ls->size; off += _Alignof(pthread_mutex_t)) {
		if (owns_recursive((const pthread_mutex_t *)(ls->base + off), ls->tid)) {
			ls->found = off;
			ls->count++;
		}
	}
	return 1;  /* one call is enough: the lock is held for the whole walk */
}

size_t pg_symbol_size(const void *addr)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (!dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
		return 0;
	return sym->st_size;
}

void pg_loader_lock_find(void)
{
	void *rtld = dlvsym(RTLD_DEFAULT, "_rtld_global", "GLIBC_PRIVATE");
	size_t size = rtld ? pg_symbol_size(rtld) : 0;
	if (!size || (uintptr_t)rtld % _Alignof(pthread_mutex_t) != 0)
		return;
	struct lock_search ls = { .base = rtld, .size = size, .tid = pg_gettid() };
	pg_busy++;
	dl_iterate_phdr(search_lock, &ls);
	pg_busy--;
	if (ls.count != 1)
		return;
	pthread_mutex_t *m = (pthread_mutex_t *)(ls.base + ls.found);
	if (m->__data.__lock == 0 && m->__data.__owner == 0)
		loader_lock = m;
}

int pg_loader_lock_in_flux_here(void)
{
	pthread_mutex_t *m = loader_lock;
	if (!m)
		return 0;
	int lock = __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
	int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
	return lock != 0 && (owner == 0 || owner == pg_gettid());
}
