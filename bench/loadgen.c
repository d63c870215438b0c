/*
 * loadgen: an openat(2)/close(2) storm at a target rate, for the live-pipeline benchmarks.
 *
 *   loadgen RATE SECONDS [PATH]
 *
 * RATE is openat+close pairs per second (0 = unthrottled); SECONDS the duration (fractional ok);
 * PATH the file opened read-only (default /etc/hostname). Pacing: the loop runs in slices of
 * 1/1000 of the rate and sleeps (clock_nanosleep, absolute CLOCK_MONOTONIC) until each slice's due
 * time, so a rate the machine cannot reach degrades to "as fast as possible" without bursts.
 * Prints one JSON line: {"target": RATE, "ops": N, "seconds": S, "rate": N/S}.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: loadgen RATE SECONDS [PATH]\n");
		return 2;
	}
	double rate = atof(argv[1]);
	double secs = atof(argv[2]);
	const char *path = argc > 3 ? argv[3] : "/etc/hostname";
	if (rate < 0 || secs <= 0) {
		fprintf(stderr, "loadgen: RATE must be >= 0 and SECONDS > 0\n");
		return 2;
	}
	uint64_t ops = 0;
	double t0 = now(), end = t0 + secs, t = t0;
	/* slice = ops per pacing step; 1 ms worth of work at the target rate, at least 1 */
	uint64_t slice = rate > 0 ? (uint64_t)(rate / 1000.0) : 256;
	if (slice < 1)
		slice = 1;
	while (t < end) {
		for (uint64_t i = 0; i < slice; i++) {
			int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				perror("loadgen: openat");
				return 1;
			}
			close(fd);
		}
		ops += slice;
		t = now();
		if (rate > 0) {
			double due = t0 + (double)ops / rate;
			if (due > end)
				break;
			if (due > t) {
				struct timespec ts;
				ts.tv_sec = (time_t)due;
				ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				t = now();
			}
		}
	}
	double el = now() - t0;
	printf("{\"target\": %.0f, \"ops\": %llu, \"seconds\": %.4f, \"rate\": %.0f}\n", rate,
	       (unsigned long long)ops, el, (double)ops / el);
	return 0;
}
