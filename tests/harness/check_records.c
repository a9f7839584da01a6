/*
 * Tests of harness/records.c: record streams written here, record by
 * record, the way the collector lays them out (collectors/record.h), and
 * what the reader hands back: the process, its module snapshots, threads,
 * native and Python samples, the allocation tracker's snapshots; a file cut
 * short read up to its last whole record; records of a newer collector
 * skipped; and one error naming the file for what is not a record stream.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fixture.h"
#include "records.h"

/* A record stream being written: the magic, then records padded to 8. */
struct stream {
	char *data;
	size_t len, cap;
};

static void put(struct stream *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2 + 64;
		s->data = realloc(s->data, s->cap);
		ck_assert_ptr_nonnull(s->data);
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
}

static void begin(struct stream *s)
{
	memset(s, 0, sizeof *s);
	put(s, PG_REC_MAGIC, PG_REC_MAGIC_LEN);
}

/* One record: header, then the parts one after the other, zero-padded to 8. */
static void record(struct stream *s, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	static const char zeros[8];
	size_t body = alen + blen, pad = (8 - body % 8) % 8;
	struct pg_rec_hdr h = { type, (uint32_t)(sizeof h + body + pad) };

	put(s, &h, sizeof h);
	put(s, a, alen);
	if (blen)
		put(s, b, blen);
	put(s, zeros, pad);
}

/* The process record of `prog one two`, exe /usr/bin/prog, pid 100. */
static void process(struct stream *s)
{
	static const char strings[] = "prog\0one\0two\0/usr/bin/prog";  /* sizeof: the last NUL too */
	struct pg_rec_process p = { .pid = 100, .ppid = 1, .start_ns = 5000, .hz = 999,
				    .source = PG_SOURCE_PERF, .mode = 0, .argc = 3,
				    .strings_len = sizeof strings };

	record(s, PG_REC_PROCESS, &p, sizeof p, strings, sizeof strings);
}

/* A stream as the collector starts one: the magic, then the process. */
static void begin_process(struct stream *s)
{
	begin(s);
	process(s);
}

/* A snapshot of generation gen holding one module, path, mapped at
 * [start, end) with load bias `bias` and build id 0xab 0xcd. */
static void modules(struct stream *s, uint32_t gen, const char *path, uint64_t start, uint64_t end,
		    uint64_t bias)
{
	struct pg_rec_modules ms = { .generation = gen, .count = 1, .time_ns = 6000 };
	struct pg_rec_module m = { .generation = gen, .nseg = 1, .bias = bias,
				   .path_len = (uint32_t)strlen(path) + 1, .build_id_len = 2 };
	char tail[256];

	ck_assert_uint_lt(strlen(path) + 3, sizeof tail);
	m.seg_start[0] = start;
	m.seg_end[0] = end;
	memcpy(tail, path, m.path_len);
	tail[m.path_len] = (char)0xab;
	tail[m.path_len + 1] = (char)0xcd;
	record(s, PG_REC_MODULES, &ms, sizeof ms, NULL, 0);
	record(s, PG_REC_MODULE, &m, sizeof m, tail, m.path_len + 2);
}

static void sample(struct stream *s, int32_t tid, uint32_t gen, const uint64_t *frames, uint32_t n)
{
	struct pg_rec_sample r = { .tid = tid, .flags = 0, .time_ns = 7000 + n, .generation = gen,
				   .weight = 2, .nframes = n };

	record(s, PG_REC_SAMPLE, &r, sizeof r, frames, n * sizeof *frames);
}

static void thread(struct stream *s, int32_t tid, uint32_t flags, const char *name)
{
	struct pg_rec_thread t = { .tid = tid, .flags = flags, .time_ns = 6500 };

	strncpy(t.name, name, sizeof t.name - 1);
	record(s, PG_REC_THREAD, &t, sizeof t, NULL, 0);
}

static void pycode(struct stream *s, uint32_t id, const char *qualname, const char *filename, int32_t line)
{
	struct pg_rec_pycode c = { .id = id, .first_line = line, .qualname_len = (uint32_t)strlen(qualname) + 1,
				   .filename_len = (uint32_t)strlen(filename) + 1 };
	char names[512];

	ck_assert_uint_lt(c.qualname_len + c.filename_len, sizeof names);
	memcpy(names, qualname, c.qualname_len);
	memcpy(names + c.qualname_len, filename, c.filename_len);
	record(s, PG_REC_PYCODE, &c, sizeof c, names, c.qualname_len + c.filename_len);
}

static void mem_begin(struct stream *s, uint64_t seq, uint64_t peak, uint64_t nstacks)
{
	struct pg_rec_mem_begin b = { .seq = seq, .time_ns = 8000, .peak_bytes = peak, .stacks = nstacks };

	record(s, PG_REC_MEM_BEGIN, &b, sizeof b, NULL, 0);
}

static void mem_stack(struct stream *s, uint64_t seq, int64_t peak, uint64_t frame)
{
	struct pg_rec_mem_stack m = { .seq = seq, .peak_bytes = peak, .live_bytes = peak / 2,
				      .alloc_count = 3, .alloc_bytes = (uint64_t)peak * 2, .tid = 100,
				      .generation = 1, .nframes = 1 };

	record(s, PG_REC_MEM_STACK, &m, sizeof m, &frame, sizeof frame);
}

static void mem_end(struct stream *s, uint64_t seq)
{
	struct pg_rec_mem_end e = { seq };

	record(s, PG_REC_MEM_END, &e, sizeof e, NULL, 0);
}

/* Reads the stream's first len bytes, which must be read without error. */
static void read_ok(struct pg_proc *p, const struct stream *s, size_t len)
{
	int rc = pg_records_read(p, fixture_write("rec.bin", s->data, len));

	ck_assert_msg(rc == 0, "%s", pg_error_last());
}

/* Reads the stream's first len bytes, which must be refused with
 * PG_EINVALID and a message naming the file and holding `what`. */
static void read_refused(const struct stream *s, size_t len, const char *what)
{
	struct pg_proc p;
	const char *path = fixture_write("rec.bin", s->data, len);
	int rc = pg_records_read(&p, path);

	ck_assert_int_eq(rc, PG_EINVALID);
	ck_assert_msg(strstr(pg_error_last(), path) != NULL, "no file name in: %s", pg_error_last());
	ck_assert_msg(strstr(pg_error_last(), what) != NULL, "'%s' not in: %s", what, pg_error_last());
	pg_proc_release(&p);
}

START_TEST(test_native_samples_threads_and_modules_are_read)
{
	struct stream s;
	struct pg_proc p;
	const uint64_t frames[] = { 0x401234, 0x401100, 0x7f0000001000 };
	const struct pg_module *m;
	struct pg_rec_end end = { .time_ns = 9000, .samples = 1, .threads = 1, .exit_code = 3 };

	begin_process(&s);
	modules(&s, 1, "/usr/bin/prog", 0x400000, 0x402000, 0x400000);
	thread(&s, 100, 0, "main");
	thread(&s, 101, PG_THREAD_RESCANNED, "worker");
	sample(&s, 101, 1, frames, 3);
	thread(&s, 101, PG_THREAD_RENAMED, "renamed");
	record(&s, PG_REC_END, &end, sizeof end, NULL, 0);
	read_ok(&p, &s, s.len);

	ck_assert_int_eq(p.pid, 100);
	ck_assert_int_eq(p.ppid, 1);
	ck_assert_uint_eq(p.start_ns, 5000);
	ck_assert_uint_eq(p.hz, 999);
	ck_assert_uint_eq(p.source, PG_SOURCE_PERF);
	ck_assert_int_eq(p.argc, 3);
	ck_assert_str_eq(p.argv[0], "prog");
	ck_assert_str_eq(p.argv[2], "two");
	ck_assert_ptr_null(p.argv[3]);
	ck_assert_str_eq(p.exe, "/usr/bin/prog");

	ck_assert_uint_eq(p.nmaps, 1);
	ck_assert_uint_eq(p.maps[0].generation, 1);
	ck_assert_uint_eq(p.maps[0].count, 1);
	m = &p.maps[0].mods[0];
	ck_assert_str_eq(m->path, "/usr/bin/prog");
	ck_assert_uint_eq(m->bias, 0x400000);
	ck_assert_uint_eq(m->build_id_len, 2);
	ck_assert_uint_eq(m->build_id[0], 0xab);
	ck_assert_uint_eq(m->build_id[1], 0xcd);

	ck_assert_uint_eq(p.nthreads, 2);
	ck_assert_str_eq(p.threads[0].name, "main");
	ck_assert_uint_eq(p.threads[0].rescanned, 0);
	ck_assert_int_eq(p.threads[1].tid, 101);
	ck_assert_str_eq(p.threads[1].name, "renamed");  /* the last name wins, no third thread */
	ck_assert_uint_eq(p.threads[1].rescanned, 1);

	ck_assert_uint_eq(p.nsamples, 1);
	ck_assert_int_eq(p.samples[0].tid, 101);
	ck_assert_uint_eq(p.samples[0].weight, 2);
	ck_assert_uint_eq(p.samples[0].generation, 1);
	ck_assert_uint_eq(p.samples[0].nframes, 3);
	ck_assert_mem_eq(p.samples[0].frames, frames, sizeof frames);

	/* Addresses to modules: inside the segment, then outside every one. */
	ck_assert_ptr_eq(pg_proc_module_at(&p, 1, 0x401234), m);
	ck_assert_ptr_eq(pg_proc_module_at(&p, 7, 0x401234), m);  /* a later generation: the latest before it */
	ck_assert_ptr_null(pg_proc_module_at(&p, 1, 0x7f0000001000));

	ck_assert_int_eq(p.has_end, 1);
	ck_assert_int_eq(p.end.exit_code, 3);
	ck_assert_int_eq(p.truncated, 0);
	ck_assert_int_eq(p.has_mem, 0);
	ck_assert_int_eq(p.has_pyinfo, 0);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_a_later_snapshot_holds_modules_loaded_later)
{
	struct stream s;
	struct pg_proc p;

	begin_process(&s);
	modules(&s, 1, "/usr/bin/prog", 0x400000, 0x402000, 0x400000);
	modules(&s, 2, "/usr/lib/libplugin.so", 0x7f0000000000, 0x7f0000010000, 0x7f0000000000);
	read_ok(&p, &s, s.len);
	ck_assert_uint_eq(p.nmaps, 2);
	ck_assert_str_eq(pg_proc_module_at(&p, 2, 0x7f0000000100)->path, "/usr/lib/libplugin.so");
	/* A sample of generation 1 at an address only generation 2 knows: found
	 * in any snapshot rather than left unnamed. */
	ck_assert_str_eq(pg_proc_module_at(&p, 1, 0x7f0000000100)->path, "/usr/lib/libplugin.so");
	ck_assert_str_eq(pg_proc_module_at(&p, 2, 0x400100)->path, "/usr/bin/prog");
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_python_frames_and_their_code_records_are_read)
{
	struct stream s;
	struct pg_proc p;
	const uint64_t frames[] = { 0x401234, pg_frame_python(3, 12), pg_frame_python(7, 0),
				    pg_frame_marker(PG_FRAME_KERNEL) };
	struct pg_rec_pyinfo info = { .status = PG_PY_ON, .version_hex = 0x030b07f0, .version = "3.11.7",
				      .walks = 1, .frames = 2, .codes = 2, .reason_len = 1 };
	const struct pg_pycode *c;

	begin_process(&s);
	record(&s, PG_REC_PYINFO, &info, sizeof info, "", 1);
	pycode(&s, 3, "Parser.parse", "/src/app/parser.py", 10);
	pycode(&s, 7, "<module>", "/src/app/main.py", 1);
	sample(&s, 100, 1, frames, 4);
	read_ok(&p, &s, s.len);

	ck_assert_int_eq(p.has_pyinfo, 1);
	ck_assert_uint_eq(p.pyinfo.status, PG_PY_ON);
	ck_assert_str_eq(p.pyinfo.version, "3.11.7");
	ck_assert_str_eq(p.py_reason, "");
	c = pg_proc_pycode(&p, 3);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->qualname, "Parser.parse");
	ck_assert_str_eq(c->filename, "/src/app/parser.py");
	ck_assert_int_eq(c->first_line, 10);
	ck_assert_str_eq(pg_proc_pycode(&p, 7)->qualname, "<module>");
	/* Ids without a record, below, between and above those recorded. */
	ck_assert_ptr_null(pg_proc_pycode(&p, 0));
	ck_assert_ptr_null(pg_proc_pycode(&p, 5));
	ck_assert_ptr_null(pg_proc_pycode(&p, 8));
	ck_assert_ptr_null(pg_proc_pycode(&p, PG_FRAME_PY_ID_MAX));

	/* The sample's words come back as written: tags, code ids and lines. */
	ck_assert_uint_eq(p.nsamples, 1);
	ck_assert_uint_eq(pg_frame_tag(p.samples[0].frames[0]), PG_FRAME_TAG_NATIVE);
	ck_assert_uint_eq(pg_frame_tag(p.samples[0].frames[1]), PG_FRAME_TAG_PYTHON);
	ck_assert_uint_eq(pg_frame_py_code(p.samples[0].frames[1]), 3);
	ck_assert_uint_eq(pg_frame_py_line(p.samples[0].frames[1]), 12);
	ck_assert_uint_eq(pg_frame_py_code(p.samples[0].frames[2]), 7);
	ck_assert_uint_eq(pg_frame_tag(p.samples[0].frames[3]), PG_FRAME_TAG_MARKER);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_the_last_python_record_wins)
{
	struct stream s;
	struct pg_proc p;
	struct pg_rec_pyinfo on = { .status = PG_PY_ON, .version = "3.12.1", .reason_len = 1 };
	static const char reason[] = "the interpreter's frames are not readable";
	struct pg_rec_pyinfo off = { .status = PG_PY_OFF, .version = "3.12.1", .faults = 4,
				     .reason_len = sizeof reason };

	begin_process(&s);
	record(&s, PG_REC_PYINFO, &on, sizeof on, "", 1);
	record(&s, PG_REC_PYINFO, &off, sizeof off, reason, sizeof reason);
	read_ok(&p, &s, s.len);
	ck_assert_uint_eq(p.pyinfo.status, PG_PY_OFF);
	ck_assert_uint_eq(p.pyinfo.faults, 4);
	ck_assert_str_eq(p.py_reason, reason);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_a_file_cut_inside_a_record_keeps_the_whole_records_before)
{
	struct stream s;
	struct pg_proc p;
	const uint64_t a[] = { 0x401000 }, b[] = { 0x401010, 0x401020 };
	size_t after_first;

	begin_process(&s);
	sample(&s, 100, 1, a, 1);
	after_first = s.len;
	sample(&s, 100, 1, b, 2);

	/* Cut inside the second sample's payload, then inside its header. */
	for (size_t cut = s.len - 1; cut > after_first; cut -= 5) {
		read_ok(&p, &s, cut);
		ck_assert_int_eq(p.truncated, 1);
		ck_assert_uint_eq(p.nsamples, 1);
		ck_assert_uint_eq(p.samples[0].frames[0], 0x401000);
		pg_proc_release(&p);
	}
	/* Cut right after a whole record: nothing is missing. */
	read_ok(&p, &s, after_first);
	ck_assert_int_eq(p.truncated, 0);
	ck_assert_uint_eq(p.nsamples, 1);
	pg_proc_release(&p);
	read_ok(&p, &s, s.len);
	ck_assert_int_eq(p.truncated, 0);
	ck_assert_uint_eq(p.nsamples, 2);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_records_of_an_unknown_type_are_skipped)
{
	struct stream s;
	struct pg_proc p;
	const uint64_t a[] = { 0x401000 }, b[] = { 0x401010 };
	const char future[40] = "a newer collector's record";

	begin_process(&s);
	sample(&s, 100, 1, a, 1);
	record(&s, 99, future, sizeof future, NULL, 0);
	record(&s, 0, future, 8, NULL, 0);
	sample(&s, 100, 1, b, 1);
	read_ok(&p, &s, s.len);
	ck_assert_uint_eq(p.nsamples, 2);
	ck_assert_uint_eq(p.samples[1].frames[0], 0x401010);
	ck_assert_int_eq(p.truncated, 0);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_a_record_size_off_the_8_byte_grid_is_corrupt)
{
	struct stream s;
	const uint64_t a[] = { 0x401000 };
	struct pg_rec_hdr bad = { PG_REC_SAMPLE, 20 };
	char msg[64];

	begin_process(&s);
	sample(&s, 100, 1, a, 1);
	snprintf(msg, sizeof msg, "corrupt record at byte %zu", s.len);
	put(&s, &bad, sizeof bad);
	put(&s, "0123456789abcdef", 16);
	read_refused(&s, s.len, msg);

	/* A size smaller than the header itself. */
	s.len -= 16 + sizeof bad;
	bad.size = 4;
	put(&s, &bad, sizeof bad);
	read_refused(&s, s.len, msg);
	free(s.data);
}
END_TEST

START_TEST(test_what_is_not_a_record_stream_is_refused_naming_the_file)
{
	struct stream s;
	const uint64_t a[] = { 0x401000 };

	/* Not the magic. */
	memset(&s, 0, sizeof s);
	put(&s, "PGREC\0\0\2", 8);
	process(&s);
	read_refused(&s, s.len, "not a profgate record file");
	read_refused(&s, 3, "not a profgate record file");
	free(s.data);

	/* The magic alone: no process record. */
	begin(&s);
	read_refused(&s, s.len, "no process record");
	/* A sample before the process record. */
	sample(&s, 100, 1, a, 1);
	process(&s);
	read_refused(&s, s.len, "first record is not a process record");
	free(s.data);

	/* Two process records. */
	begin_process(&s);
	process(&s);
	read_refused(&s, s.len, "second process record");
	free(s.data);
}
END_TEST

START_TEST(test_malformed_records_are_refused)
{
	struct stream s;
	uint64_t frames[PG_REC_MAX_FRAMES + 1] = { 0 };
	struct pg_rec_sample liar = { .tid = 100, .nframes = 4 };
	struct pg_rec_module m = { .generation = 1, .nseg = 1, .path_len = 5 };
	struct pg_rec_pycode c = { .id = 1, .qualname_len = 4, .filename_len = 4 };
	struct pg_rec_process pr = { .pid = 1, .argc = 1, .strings_len = 8 };

	begin_process(&s);
	sample(&s, 100, 1, frames, PG_REC_MAX_FRAMES + 1);
	read_refused(&s, s.len, "sample record with bad frame count");
	free(s.data);

	begin_process(&s);
	record(&s, PG_REC_SAMPLE, &liar, sizeof liar, frames, 2 * sizeof *frames);  /* says 4, holds 2 */
	read_refused(&s, s.len, "sample record with bad frame count");
	free(s.data);

	begin_process(&s);
	record(&s, PG_REC_MODULE, &m, sizeof m, "/lib", 5);
	read_refused(&s, s.len, "module record outside a snapshot");
	free(s.data);

	begin_process(&s);
	modules(&s, 1, "/usr/bin/prog", 0x400000, 0x402000, 0x400000);
	record(&s, PG_REC_MODULE, &m, sizeof m, "/libX", 5);  /* the path's NUL missing */
	read_refused(&s, s.len, "malformed module record");
	free(s.data);

	begin_process(&s);
	record(&s, PG_REC_PYCODE, &c, sizeof c, "abcdx.py", 8);  /* neither name ends in NUL */
	read_refused(&s, s.len, "malformed python code record");
	free(s.data);

	begin(&s);
	record(&s, PG_REC_PROCESS, &pr, sizeof pr, "prog\0exe", 8);  /* the exe's NUL missing */
	read_refused(&s, s.len, "unterminated string in process record");
	free(s.data);
}
END_TEST

START_TEST(test_the_last_complete_memory_snapshot_is_kept)
{
	struct stream s;
	struct pg_proc p;

	begin_process(&s);
	mem_begin(&s, 1, 1000, 2);
	mem_stack(&s, 1, 600, 0x401000);
	mem_stack(&s, 1, 400, 0x401100);
	mem_end(&s, 1);
	mem_begin(&s, 2, 3000, 1);
	mem_stack(&s, 2, 3000, 0x401200);
	mem_end(&s, 2);
	mem_stack(&s, 9, 5, 0x409999);   /* a stray piece of a snapshot that never began */
	mem_begin(&s, 3, 5000, 1);       /* never ended: the process was killed */
	mem_stack(&s, 3, 5000, 0x401300);
	read_ok(&p, &s, s.len);

	ck_assert_int_eq(p.has_mem, 1);
	ck_assert_uint_eq(p.mem.seq, 2);
	ck_assert_uint_eq(p.mem.peak_bytes, 3000);
	ck_assert_uint_eq(p.mem_count, 1);
	ck_assert_uint_le(p.mem_first + p.mem_count, p.nmem_stacks);
	ck_assert_int_eq(p.mem_stacks[p.mem_first].peak_bytes, 3000);
	ck_assert_int_eq(p.mem_stacks[p.mem_first].live_bytes, 1500);
	ck_assert_uint_eq(p.mem_stacks[p.mem_first].nframes, 1);
	ck_assert_uint_eq(p.mem_stacks[p.mem_first].frames[0], 0x401200);
	pg_proc_release(&p);
	free(s.data);

	/* With only the unfinished one there is no snapshot at all. */
	begin_process(&s);
	mem_begin(&s, 1, 1000, 1);
	mem_stack(&s, 1, 1000, 0x401000);
	read_ok(&p, &s, s.len);
	ck_assert_int_eq(p.has_mem, 0);
	ck_assert_uint_eq(p.mem_count, 0);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_heap_points_are_read_in_order)
{
	struct stream s;
	struct pg_proc p;
	struct pg_rec_heap h1 = { .time_ns = 10, .heap_bytes = 100, .rss_bytes = 4096 };
	struct pg_rec_heap h2 = { .time_ns = 20, .heap_bytes = 300, .rss_bytes = 8192, .is_peak = 1 };

	begin_process(&s);
	record(&s, PG_REC_HEAP, &h1, sizeof h1, NULL, 0);
	record(&s, PG_REC_HEAP, &h2, sizeof h2, NULL, 0);
	read_ok(&p, &s, s.len);
	ck_assert_uint_eq(p.nheap, 2);
	ck_assert_uint_eq(p.heap[0].heap_bytes, 100);
	ck_assert_uint_eq(p.heap[1].rss_bytes, 8192);
	ck_assert_uint_eq(p.heap[1].is_peak, 1);
	pg_proc_release(&p);
	free(s.data);
}
END_TEST

START_TEST(test_a_missing_file_is_an_error_naming_it)
{
	struct pg_proc p;

	ck_assert_int_lt(pg_records_read(&p, "/nonexistent/pg_check_records/rec.bin"), 0);
	ck_assert_ptr_nonnull(strstr(pg_error_last(), "/nonexistent/pg_check_records/rec.bin"));
	pg_proc_release(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("records");

	tcase_add_checked_fixture(tc, fixture_tmpdir_make, fixture_tmpdir_remove);
	tcase_add_test(tc, test_native_samples_threads_and_modules_are_read);
	tcase_add_test(tc, test_a_later_snapshot_holds_modules_loaded_later);
	tcase_add_test(tc, test_python_frames_and_their_code_records_are_read);
	tcase_add_test(tc, test_the_last_python_record_wins);
	tcase_add_test(tc, test_a_file_cut_inside_a_record_keeps_the_whole_records_before);
	tcase_add_test(tc, test_records_of_an_unknown_type_are_skipped);
	tcase_add_test(tc, test_a_record_size_off_the_8_byte_grid_is_corrupt);
	tcase_add_test(tc, test_what_is_not_a_record_stream_is_refused_naming_the_file);
	tcase_add_test(tc, test_malformed_records_are_refused);
	tcase_add_test(tc, test_the_last_complete_memory_snapshot_is_kept);
	tcase_add_test(tc, test_heap_points_are_read_in_order);
	tcase_add_test(tc, test_a_missing_file_is_an_error_naming_it);
	suite_add_tcase(s, tc);
	return fixture_run(s);
}
