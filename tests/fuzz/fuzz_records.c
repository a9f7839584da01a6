/*
 * Fuzz target: the reader of the collector's raw record files
 * (harness/records.h pg_records_read), which takes a path: the input goes to
 * a memfd. Everything it hands out is then walked the way the symbolizer
 * does: every sample's and memory stack's frames, looked up in the module
 * snapshots.
 */
#include "fuzz_util.h"

#include "error.h"
#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_proc p;
	uint64_t sink = 0;

	if (pg_records_read(&p, fuzz_file(data, size)) == 0) {
		for (int i = 0; i < p.argc; i++)
			sink += strlen(p.argv[i]);
		if (p.exe)
			sink += strlen(p.exe);
		for (size_t i = 0; i < p.nsamples; i++) {
			const struct pg_sample *s = &p.samples[i];
			FUZZ_CHECK(s->nframes <= PG_REC_MAX_FRAMES, "%u frames", s->nframes);
			for (uint32_t k = 0; k < s->nframes; k++) {
				const struct pg_module *m = pg_proc_module_at(&p, s->generation, s->frames[k]);
				if (m)
					sink += strlen(m->path) + m->bias;
			}
		}
		FUZZ_CHECK(p.mem_first + p.mem_count <= p.nmem_stacks, "snapshot [%zu, +%zu) of %zu stacks",
			   p.mem_first, p.mem_count, p.nmem_stacks);
		for (size_t i = p.mem_first; i < p.mem_first + p.mem_count; i++) {
			const struct pg_mem_stack *m = &p.mem_stacks[i];
			for (uint32_t k = 0; k < m->nframes; k++)
				sink += m->frames[k];
		}
		for (size_t i = 0; i < p.nthreads; i++)
			sink += strlen(p.threads[i].name);
		for (size_t i = 0; i < p.nheap; i++)
			sink += p.heap[i].heap_bytes;
	}
	pg_proc_release(&p);
	pg_error_clear();
	__asm__ volatile("" : : "r"(sink));
	return 0;
}
