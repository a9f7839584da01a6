/*
 * Fuzz target: the baseline reader (baselines/baseline.h pg_baseline_parse),
 * then what a later `check` does with a baseline it read: decode every
 * benchmark's stacks, and serialize the whole baseline, which must parse
 * again.
 */
#include "fuzz_util.h"

#include "baseline.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_baseline *b = NULL, *again = NULL;
	char *text = fuzz_copy(data, size, 0);
	char *out = NULL;
	size_t outlen = 0;

	if (pg_baseline_parse(&b, text, size, "fuzz.json") < 0) {
		FUZZ_CHECK(pg_error_last()[0] != '\0', "a refusal without a message");
		goto done;
	}
	for (size_t i = 0; i < b->nbenches; i++) {
		struct pg_baseline_bench *bench = &b->benches[i];
		for (int k = PG_BASELINE_CPU; k <= PG_BASELINE_MEM_PEAK; k++) {
			struct pg_profile *p = NULL;
			if (pg_baseline_bench_profile(&p, bench, (enum pg_baseline_kind)k) == 0 && p) {
				for (size_t s = 0; s < pg_profile_stack_count(p); s++) {
					const struct pg_stack *st = pg_profile_stack(p, s);
					for (uint32_t d = 0; d < st->depth; d++)
						(void)strlen(pg_profile_frame_name(p, st->frames[d]));
				}
			}
		}
	}
	/* Benchmarks whose stacks failed to decode keep them encoded; a
	 * baseline that parsed and decoded must serialize and parse back. */
	if (pg_baseline_serialize(&out, &outlen, b) == 0) {
		FUZZ_CHECK(pg_baseline_parse(&again, out, outlen, "serialized.json") == 0,
			   "a serialized baseline does not parse back: %s", pg_error_last());
		FUZZ_CHECK(again->nbenches == b->nbenches, "%zu benchmarks became %zu", b->nbenches,
			   again->nbenches);
	}
done:
	pg_baseline_free(again);
	pg_baseline_free(b);
	free(out);
	free(text);
	pg_error_clear();
	return 0;
}
