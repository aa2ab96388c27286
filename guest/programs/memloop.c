/*
 * memloop - memory-heavy loops over static buffers.
 *
 * Per round: fill a 64 KiB word buffer from a generator, prefix-sum it, do strided gathers and
 * scatters (stride coprime with the length, so every element is touched), reverse it in place,
 * run byte-wise histogramming, copy blocks with memcpy/memmove, and sieve primes in a 64 KiB
 * byte array. Loads and stores of every width (8/16/32/64 bits) appear, signed and unsigned.
 */
#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u16 u16;
typedef gannet_u8 u8;
/* A 16-bit view of the word buffer: may_alias keeps the type punning well-defined. */
typedef gannet_i16 __attribute__((may_alias)) i16_alias;

#define WORDS 8192     /* u64 words in `words` (64 KiB) */
#define SIEVE 65536    /* bytes in `sieve` */
#define STRIDE 4099    /* coprime with WORDS */

static u64 words[WORDS];
static u64 scratch[WORDS];
static u8 sieve[SIEVE];
static u32 histogram[256];
static u16 halves[WORDS];

static u64 fill(u64 seed) {
    u64 x = seed | 1;
    u64 sum = 0;
    for (u32 i = 0; i < WORDS; i++) {
        x ^= x << 7;
        x ^= x >> 9;
        words[i] = x;
        sum += x;
    }
    return sum;
}

static u64 prefix_sums(void) {
    u64 running = 0;
    for (u32 i = 0; i < WORDS; i++) {
        running += words[i];
        words[i] = running;
    }
    return running;
}

/* Gather with a stride into scratch, then scatter back with another stride. */
static u64 strided(u32 offset) {
    u64 check = 0;
    u32 j = offset % WORDS;
    for (u32 i = 0; i < WORDS; i++) {
        scratch[i] = words[j] ^ i;
        j += STRIDE;
        if (j >= WORDS) {
            j -= WORDS;
        }
    }
    j = 0;
    for (u32 i = 0; i < WORDS; i++) {
        words[j] = scratch[i] + (words[j] >> 3);
        check ^= words[j];
        j = (j + 3 * STRIDE) & (WORDS - 1);
    }
    return check;
}

static void reverse(void) {
    for (u32 i = 0, k = WORDS - 1; i < k; i++, k--) {
        u64 t = words[i];
        words[i] = words[k];
        words[k] = t;
    }
}

/* Byte histogram over the word buffer viewed as bytes, then a 16-bit projection. */
static u64 bytes_and_halves(void) {
    const u8 *bytes = (const u8 *)words;
    for (u32 i = 0; i < 256; i++) {
        histogram[i] = 0;
    }
    for (u32 i = 0; i < WORDS * 8; i++) {
        histogram[bytes[i]]++;
    }
    u64 h = 0;
    for (u32 i = 0; i < 256; i++) {
        h = h * 31 + histogram[i];
    }
    const i16_alias *signed_halves = (const i16_alias *)words;
    for (u32 i = 0; i < WORDS; i++) {
        halves[i] = (u16)(signed_halves[i * 3] >> 2);
    }
    for (u32 i = 1; i < WORDS; i++) {
        h += (u64)(gannet_i64)(gannet_i16)(halves[i] - halves[i - 1]);
    }
    return h;
}

/* Block moves through the library routines, overlapping and not. */
static u64 block_moves(u64 seed) {
    u32 len = 512 + (u32)(seed % 1024);
    memcpy(scratch, words + 100, len * sizeof(u64));
    memmove(words + 3, words, len * sizeof(u64));
    memmove(words + 1000, words + 1007, len * sizeof(u64));
    memset(scratch + len, (int)(seed & 0xff), 64);
    u64 h = 0;
    for (u32 i = 0; i < len + 8; i++) {
        h = (h ^ scratch[i]) * 0x100000001B3ULL;
    }
    int order = memcmp(words, scratch, 64); /* only the sign is specified */
    return h + (u64)(order > 0) * 3 + (u64)(order < 0) * 5;
}

/* Sieve of Eratosthenes over [0, SIEVE): returns prime count folded with the last prime. */
static u64 primes(void) {
    memset(sieve, 1, SIEVE);
    sieve[0] = sieve[1] = 0;
    for (u32 p = 2; p * p < SIEVE; p++) {
        if (sieve[p]) {
            for (u32 m = p * p; m < SIEVE; m += p) {
                sieve[m] = 0;
            }
        }
    }
    u64 count = 0, last = 0;
    for (u32 i = 0; i < SIEVE; i++) {
        if (sieve[i]) {
            count++;
            last = i;
        }
    }
    return (count << 32) | last;
}

gannet_u64 bench(gannet_u64 n) {
    u64 acc = 0;
    for (u64 round = 0; round < n; round++) {
        u64 seed = 0x9E3779B97F4A7C15ULL * (round + 1) + n;
        acc += fill(seed);
        acc ^= prefix_sums();
        acc += strided((u32)seed);
        reverse();
        acc ^= bytes_and_halves();
        acc += block_moves(seed);
        if ((round & 3) == 0) {
            acc ^= primes();
        }
        acc += words[(u32)(acc % WORDS)];
        acc = (acc << 9) | (acc >> 55);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    /* pi(65536) = 6542; the largest prime below 65536 is 65521. */
    failures += primes() != ((6542ULL << 32) | 65521);
    fill(5);
    u64 total = 0;
    for (u32 i = 0; i < WORDS; i++) {
        total += words[i];
    }
    failures += prefix_sums() != total || words[WORDS - 1] != total;
    u64 first = words[0], last = words[WORDS - 1];
    reverse();
    failures += words[0] != last || words[WORDS - 1] != first;
    /* memmove with overlap, both directions. */
    u8 buf[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    memmove(buf + 2, buf, 10);
    failures += buf[2] != 0 || buf[11] != 9 || buf[12] != 12;
    memmove(buf, buf + 4, 8);
    failures += buf[0] != 2 || buf[7] != 9;
    return failures;
}
#endif
