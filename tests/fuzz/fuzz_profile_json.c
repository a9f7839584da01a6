/*
 * Fuzz target: the profile.json reader (reporters/profile_json_read.h
 * pg_profile_json_read), which takes a path: the input goes to a memfd.
 */
#include "fuzz_util.h"

#include "error.h"
#include "profile_json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_profile_info info;

	if (pg_profile_json_read(&info, fuzz_file(data, size)) == 0) {
		FUZZ_CHECK(info.argc >= 0, "argc %d", info.argc);
		for (int i = 0; i < info.argc; i++)
			FUZZ_CHECK(info.command[i] != NULL, "command[%d] is NULL", i);
		for (size_t i = 0; i < info.nthreads; i++)
			(void)strlen(info.threads[i].name ? info.threads[i].name : "");
		if (info.mode)
			(void)strlen(info.mode);
	}
	pg_profile_info_release(&info);
	pg_error_clear();
	return 0;
}
