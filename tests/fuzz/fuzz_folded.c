/*
 * Fuzz target: the folded-stacks reader (common/folded.h pg_folded_parse).
 * Whatever it accepts must write back (pg_folded_write) to text that parses
 * again to the same total weight and stack count: the writer promises
 * output that always parses back.
 */
#include "fuzz_util.h"

#include "error.h"
#include "folded.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_profile *p = NULL, *again = NULL;
	struct pg_hot_function *hot = NULL;
	size_t nhot = 0;
	char *text = fuzz_copy(data, size, 0);
	char *out = NULL;
	size_t outlen = 0;

	if (pg_profile_new(&p) < 0)
		abort();
	if (pg_folded_parse(p, "fuzz.folded", text, size) < 0) {
		FUZZ_CHECK(pg_error_last()[0] != '\0', "a refusal without a message");
		goto done;
	}
	if (pg_profile_hot_functions(&hot, &nhot, p) < 0)
		abort();
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		abort();
	FUZZ_CHECK(pg_folded_write(p, f) == 0, "write failed: %s", pg_error_last());
	fclose(f);
	if (pg_profile_new(&again) < 0)
		abort();
	FUZZ_CHECK(pg_folded_parse(again, "written.folded", out, outlen) == 0,
		   "what was written does not parse back: %s", pg_error_last());
	FUZZ_CHECK(pg_profile_total(again) == pg_profile_total(p), "total %llu written back as %llu",
		   (unsigned long long)pg_profile_total(p), (unsigned long long)pg_profile_total(again));
done:
	free(hot);
	free(out);
	pg_profile_free(again);
	pg_profile_free(p);
	free(text);
	pg_error_clear();
	return 0;
}
