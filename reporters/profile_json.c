/*
 * Writer of profile.json with cJSON. Field names are the contract of docs/profile-json.md
 * ("profgate.profile/1"); fields beyond it are additions, never renames.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "error.h"
#include "jsonwrite.h"
#include "profile_json.h"

static cJSON *exit_json(const struct pg_json_exit *e)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	if (e->known && !e->signal)
		cJSON_AddNumberToObject(o, "code", e->code);
	else
		cJSON_AddNullToObject(o, "code");
	if (e->known && e->signal)
		cJSON_AddNumberToObject(o, "signal", e->signal);
	else
		cJSON_AddNullToObject(o, "signal");
	return o;
}

static void add_bytes_or_null(cJSON *o, const char *key, int64_t v, int known)
{
	if (known && v >= 0)
		cJSON_AddNumberToObject(o, key, (double)v);
	else
		cJSON_AddNullToObject(o, key);
}

int pg_profile_json_write(const struct pg_run_summary *s, const char *path)
{
	int err = 0;
	char *text = NULL;
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return pg_error_set("out of memory");
	cJSON_AddStringToObject(root, "schema", "profgate.profile/1");
	cJSON_AddStringToObject(root, "profgate_version", s->profgate_version);
	cJSON_AddItemToObject(root, "command", pg_json_strings((const char *const *)s->command,
							       s->argc > 0 ? (size_t)s->argc : 0));
	cJSON *ex = exit_json(&s->exit);
	if (ex)
		cJSON_AddBoolToObject(ex, "timed_out", s->timed_out);
	cJSON_AddItemToObject(root, "exit", ex);
	cJSON_AddNumberToObject(root, "wall_seconds", s->wall_seconds);
	cJSON_AddNumberToObject(root, "cpu_seconds", s->cpu_seconds);

	cJSON *cpu = cJSON_AddObjectToObject(root, "cpu");
	cJSON_AddStringToObject(cpu, "mode", s->mode);
	cJSON_AddBoolToObject(cpu, "enabled", s->cpu_enabled);
	cJSON_AddNumberToObject(cpu, "hz", s->hz);
	cJSON_AddNumberToObject(cpu, "samples", (double)s->samples);
	cJSON_AddNumberToObject(cpu, "lost_samples", (double)s->lost_samples);
	cJSON_AddNumberToObject(cpu, "overruns", (double)s->overruns);
	cJSON_AddNumberToObject(cpu, "truncated_stacks", (double)s->truncated_stacks);
	if (s->source)
		cJSON_AddStringToObject(cpu, "source", s->source);
	else
		cJSON_AddNullToObject(cpu, "source");
	cJSON_AddNumberToObject(cpu, "rate_achieved_hz", s->rate_achieved);

	cJSON *mem = cJSON_AddObjectToObject(root, "memory");
	cJSON_AddBoolToObject(mem, "tracked", s->mem_tracked);
	add_bytes_or_null(mem, "peak_heap_bytes", s->peak_heap_bytes, s->mem_tracked);
	add_bytes_or_null(mem, "peak_rss_bytes", s->peak_rss_bytes, 1);
	add_bytes_or_null(mem, "leaked_bytes", s->leaked_bytes, s->mem_tracked);
	add_bytes_or_null(mem, "alloc_count", s->alloc_count, s->mem_tracked);
	add_bytes_or_null(mem, "alloc_bytes", s->alloc_bytes, s->mem_tracked);
	if (s->mem_tracked) {
		cJSON_AddStringToObject(mem, "mode", s->mem_sample ? "sampled" : "exact");
		cJSON_AddNumberToObject(mem, "sample_bytes", (double)s->mem_sample);
		cJSON_AddNumberToObject(mem, "peak_seconds", s->peak_seconds);
	}

	if (s->run_note)
		cJSON_AddStringToObject(root, "runs", s->run_note);
	if (s->cpu_enabled)
		cJSON_AddNumberToObject(cpu, "collector_samples", (double)s->tracker_samples);

	cJSON *hot = cJSON_AddArrayToObject(root, "hot_functions");
	for (size_t i = 0; hot && i < s->nhot; i++) {
		cJSON *h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "name", s->hot[i].name);
		if (s->hot[i].full_name)
			cJSON_AddStringToObject(h, "full_name", s->hot[i].full_name);
		cJSON_AddNumberToObject(h, "self", s->hot[i].self);
		cJSON_AddNumberToObject(h, "total", s->hot[i].total);
		cJSON_AddItemToArray(hot, h);
	}
	cJSON *sites = cJSON_AddArrayToObject(root, "peak_sites");
	for (size_t i = 0; sites && i < s->npeak_sites; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", s->peak_sites[i].name);
		cJSON_AddNumberToObject(o, "bytes", (double)s->peak_sites[i].bytes);
		cJSON_AddItemToArray(sites, o);
	}

	cJSON *procs = cJSON_AddArrayToObject(root, "processes");
	for (size_t i = 0; procs && i < s->nprocs; i++) {
		const struct pg_json_process *p = &s->procs[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pid", p->pid);
		cJSON_AddNumberToObject(o, "ppid", p->ppid);
		cJSON_AddItemToObject(o, "command", pg_json_strings((const char *const *)p->argv,
								    p->argc > 0 ? (size_t)p->argc : 0));
		cJSON_AddItemToObject(o, "exit", exit_json(&p->exit));
		cJSON_AddNumberToObject(o, "samples", (double)p->samples);
		cJSON_AddNumberToObject(o, "threads", (double)p->threads);
		cJSON_AddItemToArray(procs, o);
	}
	cJSON *threads = cJSON_AddArrayToObject(root, "threads");
	for (size_t i = 0; threads && i < s->nthreads; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pid", s->threads[i].pid);
		cJSON_AddNumberToObject(o, "tid", s->threads[i].tid);
		cJSON_AddStringToObject(o, "name", s->threads[i].name);
		cJSON_AddNumberToObject(o, "samples", (double)s->threads[i].samples);
		cJSON_AddNumberToObject(o, "weight", (double)s->threads[i].weight);
		cJSON_AddItemToArray(threads, o);
	}
	cJSON *sym = cJSON_AddObjectToObject(root, "symbols");
	cJSON_AddNumberToObject(sym, "frames", (double)s->sym_frames);
	cJSON_AddNumberToObject(sym, "unresolved", (double)s->sym_unresolved);
	cJSON_AddNumberToObject(sym, "postprocess_seconds", s->postprocess_seconds);
	cJSON *lost = cJSON_AddArrayToObject(root, "lost_profiles");
	for (size_t i = 0; lost && i < s->nlost_profiles; i++)
		cJSON_AddItemToArray(lost, cJSON_CreateString(s->lost_profiles[i]));
	if (s->py_status) {
		cJSON *py = cJSON_AddObjectToObject(root, "python");
		cJSON_AddStringToObject(py, "version", s->py_version ? s->py_version : "");
		cJSON_AddBoolToObject(py, "frames", s->py_status == 1);
		if (s->py_reason)
			cJSON_AddStringToObject(py, "reason", s->py_reason);
		cJSON_AddNumberToObject(py, "stacks_walked", (double)s->py_walks);
		cJSON_AddNumberToObject(py, "python_frames", (double)s->py_frames);
		cJSON_AddNumberToObject(py, "walks_faulted", (double)s->py_faults);
		cJSON_AddNumberToObject(py, "walks_invalid", (double)s->py_invalid);
		cJSON_AddNumberToObject(py, "runs_mismatched", (double)s->py_mismatched);
		cJSON_AddBoolToObject(py, "object_allocators_tracked", s->py_mem_hooked);
	}

	text = cJSON_Print(root);
	if (!text) {
		err = pg_error_set("out of memory");
		goto done;
	}
	size_t len = strlen(text);
	text[len] = '\n';  /* replaces the NUL; the length is passed explicitly */
	err = pg_write_file_atomic(path, text, len + 1);
done:
	free(text);
	cJSON_Delete(root);
	return err;
}
