/*
 * Fuzz target: the config reader (harness/config.h pg_config_parse, the
 * from-text form of pg_config_load), and the threshold parser on the input
 * as one string for every metric. What is accepted must be within the
 * documented bounds.
 */
#include "fuzz_util.h"

#include "config.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_config c;
	char *text = fuzz_copy(data, size, 0);

	if (pg_config_parse(&c, text, size, "fuzz/profgate.json", "/nonexistent/fuzz") == 0) {
		FUZZ_CHECK(c.nbenches >= 1, "no benchmarks accepted");
		for (size_t i = 0; i < c.nbenches; i++) {
			const struct pg_bench_config *b = &c.benches[i];
			FUZZ_CHECK(pg_bench_name_valid(b->name), "unsafe name '%s' accepted", b->name);
			FUZZ_CHECK(b->nrun >= 1 && b->run[0] && !b->run[b->nrun], "bad run of '%s'", b->name);
			FUZZ_CHECK(b->repeat >= 1, "repeat 0 accepted for '%s'", b->name);
			FUZZ_CHECK(pg_config_find(&c, b->name) == b, "'%s' found elsewhere", b->name);
			for (size_t e = 0; e < b->nenv; e++)
				FUZZ_CHECK(strchr(b->env[e], '='), "env without '=': '%s'", b->env[e]);
		}
	} else {
		FUZZ_CHECK(pg_error_last()[0] != '\0', "a refusal without a message");
	}
	pg_config_release(&c);

	char *s = fuzz_copy(data, size < 64 ? size : 64, 1);
	for (int m = 0; m < PG_METRIC_COUNT; m++) {
		struct pg_threshold t;
		if (pg_threshold_parse(&t, (enum pg_metric)m, s) == 0)
			FUZZ_CHECK(t.value == t.value, "NaN threshold from '%s'", s);
	}
	free(s);
	free(text);
	pg_error_clear();
	return 0;
}
