/*
 * hostcalls - calls the host function gannet_host_mix in a loop.
 *
 * Exercises the guest->host transition (ecalli on PVM, an import call on wasm, a plain call
 * natively). Each call's argument depends on the previous result, so calls cannot be batched,
 * reordered or skipped; a little local arithmetic between calls keeps the guest side busy.
 */
#include "gannet_guest.h"

GANNET_MIN_STACK_SIZE(16384)

static inline gannet_u64 rotl64(gannet_u64 x, unsigned k) {
    return (x << (k & 63)) | (x >> ((64 - k) & 63));
}

gannet_u64 bench(gannet_u64 n) {
    gannet_u64 iterations = n * 1000;
    gannet_u64 acc = 0x0123456789ABCDEFULL ^ n;
    gannet_u64 fold = 0;
    for (gannet_u64 i = 0; i < iterations; i++) {
        gannet_u64 r = gannet_host_mix(acc ^ i);
        acc = rotl64(r, (unsigned)(i % 61) + 1) + (r >> 29);
        fold ^= r + i;
    }
    return acc ^ rotl64(fold, 17);
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    /* The host function's contract. */
    failures += gannet_host_mix(0) != 1;
    failures += gannet_host_mix(1) != 0x9E3779B97F4A7C16ULL;
    failures += gannet_host_mix(2) != 0x3C6EF372FE94F82BULL;
    failures += rotl64(0x8000000000000001ULL, 1) != 3;
    failures += bench(0) != (0x0123456789ABCDEFULL ^ rotl64(0, 17));
    return failures;
}
#endif
