/*
 * ping - a loop whose body is one host call.
 *
 * bench(n) calls gannet_host_mix n * 1000 times, each call's argument being the previous
 * result, with nothing else in the loop but the counter. The benchmark harness divides the
 * time of one bench(n) by the number of calls and reports it as the host-call round trip:
 * guest -> host -> guest on a PVM (ecalli), an imported-function call on wasm, a plain call
 * natively.
 */
#include "gannet_guest.h"

GANNET_MIN_STACK_SIZE(4096)

gannet_u64 bench(gannet_u64 n) {
    gannet_u64 calls = n * 1000;
    gannet_u64 acc = n;
    for (gannet_u64 i = 0; i < calls; i++) {
        acc = gannet_host_mix(acc);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    failures += bench(0) != 0; /* no calls: returns n */
    /* bench(1) is 1000 rounds of x -> x * K + 1 from x = 1. */
    gannet_u64 x = 1;
    for (int i = 0; i < 1000; i++) {
        x = x * 0x9E3779B97F4A7C15ULL + 1;
    }
    failures += bench(1) != x;
    return failures;
}
#endif
