/*
 * pg_churn: thread churn, as a server that starts one thread per request.
 *
 *   pg_churn requests SECONDS   for SECONDS, one thread per request (two in
 *                               flight), each allocating at 50 call sites;
 *                               every malloc is timed. Prints the number of
 *                               requests and mallocs, and the 99.9th
 *                               percentile and worst malloc latency (us)
 *   pg_churn esrch SECONDS      short threads for SECONDS, then eight busy
 *                               threads (after_churn_work, 0.3 s of CPU each):
 *                               each must be sampled at the rate asked for
 *                               (bench/faults_bench.py, integration/unchanged)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_target.h"

#define SITES 50

/* Latency histogram: bucket b counts mallocs of [b, b+1) microseconds,
 * the last bucket everything slower. */
#define BUCKETS 20000
static atomic_ulong hist[BUCKETS];
static atomic_ulong worst_ns;

#define SITE(n) \
	static __attribute__((noinline, noclone)) void *site_##n(size_t size) { PG_BARRIER(); return malloc(size); }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8) SITE(9)
SITE(10) SITE(11) SITE(12) SITE(13) SITE(14) SITE(15) SITE(16) SITE(17) SITE(18) SITE(19)
SITE(20) SITE(21) SITE(22) SITE(23) SITE(24) SITE(25) SITE(26) SITE(27) SITE(28) SITE(29)
SITE(30) SITE(31) SITE(32) SITE(33) SITE(34) SITE(35) SITE(36) SITE(37) SITE(38) SITE(39)
SITE(40) SITE(41) SITE(42) SITE(43) SITE(44) SITE(45) SITE(46) SITE(47) SITE(48) SITE(49)

static void *(*const sites[SITES])(size_t) = {
	site_0, site_1, site_2, site_3, site_4, site_5, site_6, site_7, site_8, site_9,
	site_10, site_11, site_12, site_13, site_14, site_15, site_16, site_17, site_18, site_19,
	site_20, site_21, site_22, site_23, site_24, site_25, site_26, site_27, site_28, site_29,
	site_30, site_31, site_32, site_33, site_34, site_35, site_36, site_37, site_38, site_39,
	site_40, site_41, site_42, site_43, site_44, site_45, site_46, site_47, site_48, site_49,
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *request(void *arg)
{
	(void)arg;
	void *p[SITES];
	for (int i = 0; i < SITES; i++) {
		uint64_t t0 = now_ns();
		p[i] = sites[i](32 + (size_t)i * 16);
		uint64_t d = now_ns() - t0;
		unsigned long us = (unsigned long)(d / 1000);
		atomic_fetch_add(&hist[us < BUCKETS ? us : BUCKETS - 1], 1);
		unsigned long w = atomic_load(&worst_ns);
		while (d > w && !atomic_compare_exchange_weak(&worst_ns, &w, d))
			;
	}
	for (int i = 0; i < SITES; i++)
		free(p[i]);
	return NULL;
}

static int requests(double seconds)
{
	double start = clock_seconds(CLOCK_MONOTONIC);
	long n = 0;
	pthread_t t[2];
	while (clock_seconds(CLOCK_MONOTONIC) - start < seconds) {
		for (int i = 0; i < 2; i++)
			if (pthread_create(&t[i], NULL, request, NULL) != 0) {
				perror("pthread_create");
				return 1;
			}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		n += 2;
	}
	unsigned long total = 0;
	for (int b = 0; b < BUCKETS; b++)
		total += atomic_load(&hist[b]);
	unsigned long want = total - total / 1000, seen = 0;
	int p999 = 0;
	for (int b = 0; b < BUCKETS; b++) {
		seen += atomic_load(&hist[b]);
		if (seen >= want) {
			p999 = b + 1;  /* upper edge of the bucket */
			break;
		}
	}
	printf("requests=%ld mallocs=%lu p999_us=%d worst_us=%lu\n", n, total, p999,
	       atomic_load(&worst_ns) / 1000);
	return 0;
}

void after_churn_work(void);

PG_PROFILED void after_churn_work(void)
{
	PG_BARRIER();
	burn_for(0xe5c, 0.3);
}

static void *busy(void *arg)
{
	(void)arg;
	after_churn_work();
	return NULL;
}

static void *short_lived(void *arg)
{
	return arg;
}

static int esrch(double seconds)
{
	double start = clock_seconds(CLOCK_MONOTONIC);
	long n = 0;
	while (clock_seconds(CLOCK_MONOTONIC) - start < seconds) {
		pthread_t t[8];
		for (int i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, short_lived, NULL);
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		n += 8;
	}
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, busy, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("short threads: %ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "requests"))
		return requests(arg_seconds(argc, argv, 2, 3));
	if (argc == 3 && !strcmp(argv[1], "esrch"))
		return esrch(arg_seconds(argc, argv, 2, 1));
	fprintf(stderr, "usage: pg_churn requests SECONDS | esrch SECONDS\n");
	return 2;
}
