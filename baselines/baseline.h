/*
 * A baseline in memory (schema profgate.baseline/1): which commit it belongs
 * to, when and where it was recorded, and per benchmark every run's metrics,
 * the hot functions and the merged CPU and peak-memory stacks that a later
 * `profgate check` compares with and draws its differential flame graphs
 * from. `record` builds one from the runs; the stores read and write it as
 * JSON.
 *
 * What is kept of each benchmark is gate/bench.h's model. The stacks are
 * what makes a baseline large (a benchmark can have ten thousand of them),
 * and most readers only want the numbers: a baseline read from a store keeps
 * each benchmark's stacks encoded and leaves its decoder with them, which
 * the first pg_baseline_bench_profile() call runs.
 */
#ifndef PG_BASELINE_H
#define PG_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "profile.h"

#define PG_BASELINE_SCHEMA "profgate.baseline/1"
/* A commit id in hex: 40 digits (SHA-1), 64 for SHA-256 repositories. */
#define PG_COMMIT_HEX_MAX 64
/* Stacks lighter than this fraction of the total are folded into their
 * parent before storing (docs/baselines.md: 0.01%), which bounds a profile to about
 * 1/fraction stacks. */
#define PG_BASELINE_PRUNE_DEFAULT 0.0001

/* Where a baseline was recorded. The fingerprint hashes what makes two
 * machines time alike (CPU model, CPU count, kernel, architecture), not the
 * host name, which CI runners change every job. */
struct pg_host {
	char *hostname;
	char *cpu_model;
	char *kernel;
	char *arch;
	char *os;
	int cpus;
	char fingerprint[17];
};

struct pg_baseline {
	char commit[PG_COMMIT_HEX_MAX + 1];
	char *recorded_at;
	char *profgate_version;
	int dirty;                 /* any benchmark recorded from a dirty tree */
	struct pg_host host;       /* of the latest writer */
	struct pg_baseline_bench *benches;
	size_t nbenches;
	char *source;              /* file or note it was read from; NULL if made here */
	/* Private: the parsed document that undecoded stacks point into. */
	void *doc;
};

int pg_baseline_new(struct pg_baseline **out);
void pg_baseline_free(struct pg_baseline *b);  /* NULL is a no-op */

/* Appends an empty benchmark called name (copied); *out is borrowed from b
 * and valid until the next add. A name already present is
 * PG_EINVALID. */
int pg_baseline_add_bench(struct pg_baseline_bench **out, struct pg_baseline *b, const char *name);
/* Moves bench (a standalone benchmark, e.g. one just measured) into b,
 * leaving *bench empty; a name already present is PG_EINVALID and leaves
 * bench as it was. */
int pg_baseline_take_bench(struct pg_baseline *b, struct pg_baseline_bench *bench);
/* Frees what a standalone benchmark holds (not the struct itself). */
void pg_baseline_bench_release(struct pg_baseline_bench *bench);
/* Borrowed; NULL if b has no benchmark of that name. */
struct pg_baseline_bench *pg_baseline_find(const struct pg_baseline *b, const char *name);

/* Takes p (frees it even on failure) as the merged stacks of kind, folding
 * stacks lighter than prune_fraction of the total into their parent (0: no
 * pruning) and recording what that moved. Threads are merged. */
int pg_baseline_bench_set_profile(struct pg_baseline_bench *bench, enum pg_baseline_kind kind,
				  struct pg_profile *p, unsigned runs, double prune_fraction);

/* Merges profiles into a new one (*out, owned by the caller), threads
 * merged: weights summed, or averaged (rounded to nearest) when average is
 * set. NULL entries are skipped. */
int pg_baseline_merge_profiles(struct pg_profile **out, struct pg_profile *const *profiles,
			       size_t n, int average);

/* Parses a baseline. source names it in messages ("'<source>': ..."). A
 * document of another schema, or one that is not a well-formed baseline, is
 * PG_EINVALID. The stacks stay encoded until asked for. */
int pg_baseline_parse(struct pg_baseline **out, const char *text, size_t len, const char *source);
/* Reads and parses a file. */
int pg_baseline_read_file(struct pg_baseline **out, const char *path);
/* The JSON text (NUL-terminated; caller frees). */
int pg_baseline_serialize(char **out, size_t *len, const struct pg_baseline *b);

/* Fills h from uname, /proc/cpuinfo and /etc/os-release. */
int pg_host_detect(struct pg_host *h);
void pg_host_release(struct pg_host *h);

/* The current time as ISO 8601 UTC ("2024-05-01T12:00:00Z"); caller frees. */
char *pg_baseline_now(void);

/* Whether s is a full commit id (40 or 64 lowercase hex digits). */
int pg_commit_id_valid(const char *s);

#endif
