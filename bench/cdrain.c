/*
 * cdrain: the C library's reader alone (ffi/build/libfts.so, API in ffi/reader.h), draining the
 * probe's ring buffer without processing the events: the baseline of the live benchmarks.
 *
 *   cdrain live    PROBE_OBJ SEL [RING_BYTES]   drain until SIGINT/SIGTERM, as the agent's loop
 *                                               does (non-blocking poll into a 1 MiB buffer, 1 ms
 *                                               sleep when a batch is under 64 KiB)
 *   cdrain prefill PROBE_OBJ SEL [RING_BYTES]   attach, do NOT consume until SIGUSR1, then drain as
 *                                               fast as possible and time it (the consumer ceiling)
 *
 * SEL: comma-separated selection indices (x86-64 syscall numbers, 500 = procexit), as
 * src/probe/syscalls_x86_64.ts selectionIndices() gives them (bench/selection.ts prints them).
 * Prints "ready" on stdout once attached, then one JSON line at the end:
 *   {"mode":..., "events": records read, "seconds": drain time, "rate": events/s,
 *    "cpu_seconds"/"cpu_rate": process CPU time of the drain (prefill mode) and events per CPU
 *    second, "drops": kernel drops (FTS_STAT_DROPS), "kernel_events": FTS_STAT_EVENTS}
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ffi/reader.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t go_flag;
static void on_stop(int s) { (void)s; stop_flag = 1; }
static void on_go(int s) { (void)s; go_flag = 1; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *b = malloc((size_t)n);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Count the records of a batch (framing of ffi/reader.h): the least a reader must touch. */
static uint64_t count_records(const uint8_t *buf, int64_t n)
{
	uint64_t k = 0;
	for (int64_t off = 0; off + 26 <= n;) {
		uint32_t len;
		memcpy(&len, buf + off + 16, 4);
		if (len < 26)
			break;
		k++;
		off = (off + len + 7) & ~(int64_t)7;
	}
	return k;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "live") && strcmp(argv[1], "prefill"))) {
		fprintf(stderr, "usage: cdrain live|prefill PROBE_OBJ SEL [RING_BYTES]\n");
		return 2;
	}
	int prefill = !strcmp(argv[1], "prefill");
	size_t objlen = 0;
	void *obj = read_file(argv[2], &objlen);
	if (!obj) {
		fprintf(stderr, "cdrain: cannot read %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	uint64_t ring = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
	char err[8192] = "";
	fts_probe *h = falcots_open(obj, objlen, (uint32_t)getpid(), ring, err, sizeof err);
	if (!h) {
		fprintf(stderr, "cdrain: falcots_open failed: %s\n", err);
		return 1;
	}
	uint8_t sel[FTS_SEL_SIZE] = {0};
	char *list = strdup(argv[3]);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		long i = strtol(tok, NULL, 10);
		if (i >= 0 && i < FTS_SEL_SIZE)
			sel[i] = 1;
	}
	free(list);
	if (falcots_set_syscalls(h, sel, FTS_SEL_SIZE) != 0) {
		fprintf(stderr, "cdrain: falcots_set_syscalls failed\n");
		falcots_close(h);
		return 1;
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGUSR1, on_go);
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	printf("ready\n");
	fflush(stdout);

	uint64_t events = 0;
	double t0, t1, c0 = 0, c1 = 0;
	if (prefill) {
		while (!go_flag && !stop_flag)
			usleep(1000);
		t0 = now();
		c0 = cpu_now();
		int empty = 0;
		/* drain until two consecutive empty polls */
		while (empty < 2) {
			int64_t n = falcots_poll(h, buf, cap);
			if (n <= 0) {
				empty++;
				continue;
			}
			empty = 0;
			events += count_records(buf, n);
		}
		t1 = now();
		c1 = cpu_now();
	} else {
		t0 = now();
		while (!stop_flag) {
			int64_t n = falcots_poll(h, buf, cap);
			if (n > 0)
				events += count_records(buf, n);
			if (n < (int64_t)(64 << 10))
				usleep(1000);
		}
		/* final drain so what the kernel wrote is counted */
		for (;;) {
			int64_t n = falcots_poll(h, buf, cap);
			if (n <= 0)
				break;
			events += count_records(buf, n);
		}
		t1 = now();
	}
	uint64_t st[FTS_STAT_N] = {0};
	falcots_stats(h, st, FTS_STAT_N);
	falcots_close(h);
	double secs = t1 - t0, cpu = c1 - c0;
	printf("{\"mode\": \"%s\", \"events\": %llu, \"seconds\": %.6f, \"rate\": %.0f, \"cpu_seconds\": %.6f, "
	       "\"cpu_rate\": %.0f, \"drops\": %llu, \"kernel_events\": %llu}\n",
	       argv[1], (unsigned long long)events, secs, secs > 0 ? (double)events / secs : 0.0, cpu,
	       cpu > 0 ? (double)events / cpu : 0.0,
	       (unsigned long long)st[FTS_STAT_DROPS], (unsigned long long)st[FTS_STAT_EVENTS]);
	free(buf);
	free(obj);
	return 0;
}
