/*
 * Reader of the collector's raw record files. The collector writes records
 * in whatever order its threads drain them, so nothing here assumes an
 * order beyond "the process record comes first" and "a module record
 * follows the modules record of its snapshot".
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "array.h"
#include "error.h"
#include "records.h"

static int read_process(struct pg_proc *p, const char *payload, size_t len)
{
	struct pg_rec_process rec;
	if (len < sizeof rec)
		return pg_error_setc(PG_EINVALID, "'%s': process record too short", p->file);
	memcpy(&rec, payload, sizeof rec);
	p->pid = rec.pid;
	p->ppid = rec.ppid;
	p->start_ns = rec.start_ns;
	p->hz = rec.hz;
	p->source = rec.source;
	p->mode = rec.mode;
	const char *s = payload + sizeof rec, *end = s + (len - sizeof rec);
	if (rec.strings_len > (size_t)(end - s) || rec.argc > 100000)
		return pg_error_setc(PG_EINVALID, "'%s': process record strings out of bounds", p->file);
	end = s + rec.strings_len;
	p->argv = calloc((size_t)rec.argc + 1, sizeof *p->argv);
	if (!p->argv)
		return pg_error_set("out of memory");
	for (uint32_t i = 0; i <= rec.argc; i++) {
		const char *z = memchr(s, '\0', (size_t)(end - s));
		if (!z)
			return pg_error_setc(PG_EINVALID, "'%s': unterminated string in process record", p->file);
		char *dup = strdup(s);
		if (!dup)
			return pg_error_set("out of memory");
		if (i < rec.argc) {
			p->argv[i] = dup;
			p->argc++;
		} else {
			p->exe = dup;
		}
		s = z + 1;
	}
	return 0;
}

static int read_module(struct pg_proc *p, struct pg_modmap *map, size_t *cap,
		       const char *payload, size_t len)
{
	struct pg_rec_module rec;
	if (len < sizeof rec)
		return pg_error_setc(PG_EINVALID, "'%s': module record too short", p->file);
	memcpy(&rec, payload, sizeof rec);
	if (rec.path_len == 0 || rec.path_len > len - sizeof rec ||
	    rec.build_id_len > len - sizeof rec - rec.path_len || rec.nseg > 8 ||
	    payload[sizeof rec + rec.path_len - 1] != '\0')
		return pg_error_setc(PG_EINVALID, "'%s': malformed module record", p->file);
	if (PG_ARRAY_RESERVE(map->mods, *cap, map->count + 1) < 0)
		return -1;
	struct pg_module *m = &map->mods[map->count];
	memset(m, 0, sizeof *m);
	m->path = strdup(payload + sizeof rec);
	if (!m->path)
		return pg_error_set("out of memory");
	m->bias = rec.bias;
	m->nseg = rec.nseg;
	memcpy(m->seg_start, rec.seg_start, sizeof m->seg_start);
	memcpy(m->seg_end, rec.seg_end, sizeof m->seg_end);
	m->build_id_len = rec.build_id_len < sizeof m->build_id ? rec.build_id_len : sizeof m->build_id;
	memcpy(m->build_id, payload + sizeof rec + rec.path_len, m->build_id_len);
	map->count++;
	return 0;
}

static int read_pycode(struct pg_proc *p, size_t *cap, const char *payload, size_t len)
{
	struct pg_rec_pycode rec;
	if (len < sizeof rec)
		return pg_error_setc(PG_EINVALID, "'%s': python code record too short", p->file);
	memcpy(&rec, payload, sizeof rec);
	const char *q = payload + sizeof rec, *f = q + rec.qualname_len;
	if (rec.qualname_len == 0 || rec.filename_len == 0 || rec.id > PG_FRAME_PY_ID_MAX ||
	    rec.qualname_len > len - sizeof rec || rec.filename_len > len - sizeof rec - rec.qualname_len ||
	    q[rec.qualname_len - 1] != '\0' || f[rec.filename_len - 1] != '\0')
		return pg_error_setc(PG_EINVALID, "'%s': malformed python code record", p->file);
	/* The collector numbers code objects from 0, one record each: an id
	 * far beyond what the file has room for is not one it wrote (and would
	 * have the table grow to gigabytes from a few bytes; the fuzzer found
	 * it). Four times the room leaves slack for records a full ring lost. */
	if ((size_t)rec.id / 4 > p->data_len / (sizeof(struct pg_rec_hdr) + sizeof rec + 2))
		return pg_error_setc(PG_EINVALID, "'%s': python code record with id %u, more than the file can hold",
				     p->file, rec.id);
	if (rec.id >= p->npycodes) {
		if (PG_ARRAY_RESERVE(p->pycodes, *cap, (size_t)rec.id + 1) < 0)
			return -1;
		memset(p->pycodes + p->npycodes, 0, ((size_t)rec.id + 1 - p->npycodes) * sizeof *p->pycodes);
		p->npycodes = (size_t)rec.id + 1;
	}
	p->pycodes[rec.id] = (struct pg_pycode){ q, f, rec.first_line };
	return 0;
}

static int read_pyinfo(struct pg_proc *p, const char *payload, size_t len)
{
	struct pg_rec_pyinfo rec;
	if (len < sizeof rec)
		return pg_error_setc(PG_EINVALID, "'%s': python record too short", p->file);
	memcpy(&rec, payload, sizeof rec);
	const char *reason = payload + sizeof rec;
	if (rec.reason_len == 0 || rec.reason_len > len - sizeof rec || reason[rec.reason_len - 1] != '\0' ||
	    memchr(rec.version, '\0', sizeof rec.version) == NULL)
		return pg_error_setc(PG_EINVALID, "'%s': malformed python record", p->file);
	p->pyinfo = rec;
	p->py_reason = reason;
	p->has_pyinfo = 1;
	return 0;
}

const struct pg_pycode *pg_proc_pycode(const struct pg_proc *p, uint32_t id)
{
	return id < p->npycodes && p->pycodes[id].qualname ? &p->pycodes[id] : NULL;
}

int pg_records_read(struct pg_proc *out, const char *path)
{
	int err = 0;
	size_t samples_cap = 0, threads_cap = 0, maps_cap = 0, mods_cap = 0, mem_cap = 0, heap_cap = 0;
	size_t pycodes_cap = 0;
	size_t pending_first = 0;
	uint64_t pending_seq = 0;
	int pending = 0;
	struct pg_rec_mem_begin pending_begin;
	memset(out, 0, sizeof *out);
	out->file = strdup(path);
	if (!out->file)
		return pg_error_set("out of memory");
	if ((err = pg_read_file(&out->data, &out->data_len, path)) < 0)
		goto done;
	if (out->data_len < PG_REC_MAGIC_LEN || memcmp(out->data, PG_REC_MAGIC, PG_REC_MAGIC_LEN)) {
		err = pg_error_setc(PG_EINVALID, "'%s': not a profgate record file", path);
		goto done;
	}
	size_t off = PG_REC_MAGIC_LEN;
	int seen_process = 0;
	struct pg_modmap *cur_map = NULL;
	while (off < out->data_len) {
		struct pg_rec_hdr h;
		if (out->data_len - off < sizeof h) {
			out->truncated = 1;
			break;
		}
		memcpy(&h, out->data + off, sizeof h);
		if (h.size < sizeof h || h.size % 8 != 0) {
			err = pg_error_setc(PG_EINVALID, "'%s': corrupt record at byte %zu", path, off);
			goto done;
		}
		if (h.size > out->data_len - off) {
			out->truncated = 1;
			break;
		}
		const char *payload = out->data + off + sizeof h;
		size_t len = h.size - sizeof h;
		off += h.size;
		if (!seen_process && h.type != PG_REC_PROCESS) {
			err = pg_error_setc(PG_EINVALID, "'%s': first record is not a process record", path);
			goto done;
		}
		switch (h.type) {
		case PG_REC_PROCESS:
			if (seen_process) {
				err = pg_error_setc(PG_EINVALID, "'%s': second process record", path);
				goto done;
			}
			seen_process = 1;
			if ((err = read_process(out, payload, len)) < 0)
				goto done;
			break;
		case PG_REC_MODULES: {
			struct pg_rec_modules ms;
			if (len < sizeof ms) {
				err = pg_error_setc(PG_EINVALID, "'%s': modules record too short", path);
				goto done;
			}
			memcpy(&ms, payload, sizeof ms);
			if ((err = PG_ARRAY_RESERVE(out->maps, maps_cap, out->nmaps + 1)) < 0)
				goto done;
			cur_map = &out->maps[out->nmaps++];
			memset(cur_map, 0, sizeof *cur_map);
			cur_map->generation = ms.generation;
			mods_cap = 0;
			break;
		}
		case PG_REC_MODULE:
			if (!cur_map) {
				err = pg_error_setc(PG_EINVALID, "'%s': module record outside a snapshot", path);
				goto done;
			}
			if ((err = read_module(out, cur_map, &mods_cap, payload, len)) < 0)
				goto done;
			break;
		case PG_REC_THREAD: {
			struct pg_rec_thread t;
			if (len < sizeof t)
				break;
			memcpy(&t, payload, sizeof t);
			if (t.flags & PG_THREAD_RENAMED) {
				/* A name given after the thread started: the last one wins. */
				for (size_t k = out->nthreads; k-- > 0;)
					if (out->threads[k].tid == t.tid) {
						memcpy(out->threads[k].name, t.name, sizeof out->threads[k].name);
						out->threads[k].name[sizeof out->threads[k].name - 1] = '\0';
						break;
					}
				break;
			}
			if ((err = PG_ARRAY_RESERVE(out->threads, threads_cap, out->nthreads + 1)) < 0)
				goto done;
			struct pg_thread_info *ti = &out->threads[out->nthreads++];
			ti->tid = t.tid;
			ti->rescanned = (t.flags & PG_THREAD_RESCANNED) != 0;
			memcpy(ti->name, t.name, sizeof ti->name);
			ti->name[sizeof ti->name - 1] = '\0';
			break;
		}
		case PG_REC_SAMPLE: {
			struct pg_rec_sample s;
			if (len < sizeof s) {
				err = pg_error_setc(PG_EINVALID, "'%s': sample record too short", path);
				goto done;
			}
			memcpy(&s, payload, sizeof s);
			if (s.nframes > PG_REC_MAX_FRAMES || (size_t)s.nframes * 8 > len - sizeof s) {
				err = pg_error_setc(PG_EINVALID, "'%s': sample record with bad frame count", path);
				goto done;
			}
			if ((err = PG_ARRAY_RESERVE(out->samples, samples_cap, out->nsamples + 1)) < 0)
				goto done;
			struct pg_sample *ps = &out->samples[out->nsamples++];
			ps->tid = s.tid;
			ps->flags = s.flags;
			ps->time_ns = s.time_ns;
			ps->generation = s.generation;
			ps->weight = s.weight;
			ps->nframes = s.nframes;
			/* Records are 8-aligned in an 8-aligned malloc buffer: the frames are too. */
			ps->frames = (const uint64_t *)(const void *)(payload + sizeof s);
			break;
		}
		case PG_REC_MEM_BEGIN:
			if (len < sizeof pending_begin) {
				err = pg_error_setc(PG_EINVALID, "'%s': memory record too short", path);
				goto done;
			}
			memcpy(&pending_begin, payload, sizeof pending_begin);
			pending = 1;
			pending_seq = pending_begin.seq;
			/* An incomplete snapshot before this one is dropped. */
			out->nmem_stacks = out->has_mem ? out->mem_first + out->mem_count : 0;
			pending_first = out->nmem_stacks;
			break;
		case PG_REC_MEM_STACK: {
			struct pg_rec_mem_stack ms;
			if (len < sizeof ms) {
				err = pg_error_setc(PG_EINVALID, "'%s': memory stack record too short", path);
				goto done;
			}
			memcpy(&ms, payload, sizeof ms);
			if (!pending || ms.seq != pending_seq)
				break;  /* a stray piece of a snapshot that never began */
			if (ms.nframes > 1024 || (size_t)ms.nframes * 8 > len - sizeof ms) {
				err = pg_error_setc(PG_EINVALID, "'%s': memory stack with bad frame count", path);
				goto done;
			}
			if ((err = PG_ARRAY_RESERVE(out->mem_stacks, mem_cap, out->nmem_stacks + 1)) < 0)
				goto done;
			struct pg_mem_stack *m = &out->mem_stacks[out->nmem_stacks++];
			m->peak_bytes = ms.peak_bytes;
			m->live_bytes = ms.live_bytes;
			m->alloc_count = ms.alloc_count;
			m->alloc_bytes = ms.alloc_bytes;
			m->tid = ms.tid;
			m->generation = ms.generation;
			m->nframes = ms.nframes;
			m->frames = (const uint64_t *)(const void *)(payload + sizeof ms);
			break;
		}
		case PG_REC_MEM_END: {
			struct pg_rec_mem_end me;
			if (len < sizeof me || !pending)
				break;
			memcpy(&me, payload, sizeof me);
			if (me.seq != pending_seq)
				break;
			/* Complete: it replaces the previous snapshot. */
			if (out->has_mem && out->mem_first < pending_first) {
				size_t n = out->nmem_stacks - pending_first;
				memmove(out->mem_stacks, out->mem_stacks + pending_first, n * sizeof *out->mem_stacks);
				out->nmem_stacks = n;
				pending_first = 0;
			}
			out->mem = pending_begin;
			out->mem_first = pending_first;
			out->mem_count = out->nmem_stacks - pending_first;
			out->has_mem = 1;
			pending = 0;
			break;
		}
		case PG_REC_HEAP:
			if (len < sizeof(struct pg_rec_heap))
				break;
			if ((err = PG_ARRAY_RESERVE(out->heap, heap_cap, out->nheap + 1)) < 0)
				goto done;
			memcpy(&out->heap[out->nheap++], payload, sizeof *out->heap);
			break;
		case PG_REC_PYCODE:
			if ((err = read_pycode(out, &pycodes_cap, payload, len)) < 0)
				goto done;
			break;
		case PG_REC_PYINFO:
			if ((err = read_pyinfo(out, payload, len)) < 0)
				goto done;
			break;
		case PG_REC_END:
			if (len >= sizeof out->end) {
				memcpy(&out->end, payload, sizeof out->end);
				out->has_end = 1;
			}
			break;
		default:
			break;  /* a newer collector's record: skip */
		}
	}
	if (!seen_process)
		err = pg_error_setc(PG_EINVALID, "'%s': no process record", path);
	if (out->has_mem)
		out->nmem_stacks = out->mem_first + out->mem_count;  /* drop an unfinished one */
done:
	return err;
}

void pg_proc_release(struct pg_proc *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	for (size_t i = 0; i < p->nmaps; i++) {
		for (size_t j = 0; j < p->maps[i].count; j++)
			free(p->maps[i].mods[j].path);
		free(p->maps[i].mods);
	}
	free(p->maps);
	free(p->samples);
	free(p->threads);
	free(p->mem_stacks);
	free(p->heap);
	free(p->pycodes);
	free(p->data);
	free(p->file);
	memset(p, 0, sizeof *p);
}

static const struct pg_module *find_in(const struct pg_modmap *map, uint64_t addr)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct pg_module *m = &map->mods[i];
		for (uint32_t s = 0; s < m->nseg; s++)
			if (addr >= m->seg_start[s] && addr < m->seg_end[s])
				return m;
	}
	return NULL;
}

const struct pg_module *pg_proc_module_at(const struct pg_proc *p, uint32_t gen, uint64_t addr)
{
	const struct pg_modmap *best = NULL;
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].generation <= gen && (!best || p->maps[i].generation > best->generation))
			best = &p->maps[i];
	const struct pg_module *m = best ? find_in(best, addr) : NULL;
	for (size_t i = p->nmaps; !m && i > 0; i--)
		m = find_in(&p->maps[i - 1], addr);
	return m;
}
