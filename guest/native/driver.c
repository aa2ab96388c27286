/*
 * driver.c - native (host) harness for the guest programs.
 *
 * Linked with one program from guest/programs/ compiled for the host. Provides the host
 * functions declared in gannet_guest.h and a command line:
 *
 *   <prog> [n]            run bench(n) once (n defaults to 1) and print the result as
 *                         0x%016llx followed by a newline
 *   <prog> --time n [k]   run bench(n) k times (default 5); print the result, then a line
 *                         "times_ns: t1 t2 ..." with each run's wall-clock time in nanoseconds
 *                         (for benchmark harnesses); the best time goes to stderr
 *   <prog> --selftest     run the program's gannet_selftest() (only in -DGANNET_SELFTEST
 *                         builds); print "ok" or the failure count, exit status 0 on success
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "gannet_guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

gannet_u64 gannet_host_mix(gannet_u64 x) {
    return x * 0x9E3779B97F4A7C15ULL + 1;
}

static gannet_u64 parse_u64(const char *s) {
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end != '\0') {
        fprintf(stderr, "invalid number: %s\n", s);
        exit(2);
    }
    return v;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + (long long)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--selftest") == 0) {
#if defined(GANNET_SELFTEST)
        int failures = gannet_selftest();
        if (failures == 0) {
            printf("ok\n");
            return 0;
        }
        printf("FAILED: %d check(s)\n", failures);
        return 1;
#else
        fprintf(stderr, "built without GANNET_SELFTEST\n");
        return 2;
#endif
    }
    if (argc >= 3 && strcmp(argv[1], "--time") == 0) {
        gannet_u64 n = parse_u64(argv[2]);
        gannet_u64 runs = argc >= 4 ? parse_u64(argv[3]) : 5;
        if (runs == 0 || runs > 100000) {
            fprintf(stderr, "run count must be 1..100000\n");
            return 2;
        }
        long long *times = calloc(runs, sizeof *times);
        if (times == NULL) {
            fprintf(stderr, "out of memory\n");
            return 2;
        }
        gannet_u64 result = 0;
        long long best = -1;
        for (gannet_u64 i = 0; i < runs; i++) {
            long long start = now_ns();
            gannet_u64 value = bench(n);
            times[i] = now_ns() - start;
            if (i > 0 && value != result) {
                fprintf(stderr, "run %llu returned a different result\n", (unsigned long long)i);
                return 1;
            }
            result = value;
            if (best < 0 || times[i] < best) {
                best = times[i];
            }
        }
        printf("0x%016llx\ntimes_ns:", (unsigned long long)result);
        for (gannet_u64 i = 0; i < runs; i++) {
            printf(" %lld", times[i]);
        }
        printf("\n");
        fprintf(stderr, "best of %llu: %.3f ms\n", (unsigned long long)runs, (double)best * 1e-6);
        free(times);
        return 0;
    }
    gannet_u64 n = argc >= 2 ? parse_u64(argv[1]) : 1;
    printf("0x%016llx\n", (unsigned long long)bench(n));
    return 0;
}
