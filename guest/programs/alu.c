/*
 * alu - integer ALU mix.
 *
 * A xorshift generator feeds a chain of shifts, rotates, bit counts (popcount, leading and
 * trailing zeros), byte swaps, min/max, and-not/or-not and 32-bit (word) arithmetic. With
 * -march=..._zbb the builtins become single Zbb instructions (cpop, clz, ctz, rev8, rol/ror,
 * min/max, andn/orn, sext.b/h, zext.h, orc.b). Every step feeds the accumulator.
 */
#include "gannet_guest.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_i64 i64;
typedef gannet_i32 i32;

static inline u64 rotl64(u64 x, unsigned k) {
    k &= 63;
    return (x << k) | (x >> ((64 - k) & 63));
}

static inline u64 rotr64(u64 x, unsigned k) {
    k &= 63;
    return (x >> k) | (x << ((64 - k) & 63));
}

static inline u32 rotl32(u32 x, unsigned k) {
    k &= 31;
    return (x << k) | (x >> ((32 - k) & 31));
}

static inline u64 xorshift64(u64 *state) {
    u64 x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static inline u64 min_u64(u64 a, u64 b) {
    return a < b ? a : b;
}

static inline i64 max_i64(i64 a, i64 b) {
    return a > b ? a : b;
}

/* OR-combine bytes: 0xff for every non-zero byte (Zbb orc.b on RISC-V). */
static inline u64 orc_b(u64 x) {
#if defined(__riscv_zbb) && __riscv_xlen == 64
    return __builtin_riscv_orc_b_64(x);
#else
    u64 r = 0;
    for (unsigned i = 0; i < 64; i += 8) {
        if ((x >> i) & 0xff) {
            r |= (u64)0xff << i;
        }
    }
    return r;
#endif
}

/* One round of the mix: returns the new accumulator. */
static inline u64 mix_round(u64 acc, u64 x, u64 i) {
    u64 y = rotl64(x, (unsigned)i) ^ rotr64(acc, (unsigned)(x >> 58));
    acc += (u64)__builtin_popcountll(y);
    acc ^= (u64)__builtin_clzll(x | 1) << 8;
    acc += (u64)__builtin_ctzll(y | 0x8000000000000000ULL) << 16;
    acc ^= __builtin_bswap64(y);
    acc += min_u64(x, y) ^ (u64)max_i64((i64)x, (i64)acc);
    acc ^= x & ~y;         /* andn */
    acc += x | ~acc;       /* orn */
    acc ^= ~(x ^ (y >> 3)); /* xnor */
    acc += orc_b(y & (x >> 5)); /* orc.b; the and leaves some bytes zero */
    /* 32-bit lane: word ops, sign/zero extension of narrow values. */
    u32 w = (u32)x * 0x01000193u + (u32)(y >> 32);
    w = rotl32(w, (unsigned)(acc & 31)) ^ (w >> 7);
    i32 sw = (i32)w;
    acc += (u64)(i64)sw;                   /* sext.w */
    acc ^= (u64)(i64)(gannet_i8)(y >> 8);  /* sext.b */
    acc += (u64)(i64)(gannet_i16)(x >> 16); /* sext.h */
    acc ^= (u64)(gannet_u16)(acc >> 24);   /* zext.h */
    acc += (u64)__builtin_popcount(w) * 0x9E3779B97F4A7C15ULL;
    acc ^= (u64)((i64)acc >> 11);          /* arithmetic shift */
    return rotl64(acc, 7);
}

gannet_u64 bench(gannet_u64 n) {
    u64 state = 0x243F6A8885A308D3ULL ^ (n * 0x9E3779B97F4A7C15ULL);
    if (state == 0) {
        state = 1;
    }
    u64 acc = n;
    u64 iterations = n * 4096;
    for (u64 i = 0; i < iterations; i++) {
        u64 x = xorshift64(&state);
        acc = mix_round(acc, x, i);
    }
    return acc ^ state;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
static int naive_popcount(u64 x) {
    int c = 0;
    for (int i = 0; i < 64; i++) {
        c += (int)((x >> i) & 1);
    }
    return c;
}

static int naive_clz(u64 x) {
    int c = 0;
    for (int i = 63; i >= 0 && !((x >> i) & 1); i--) {
        c++;
    }
    return c;
}

int gannet_selftest(void) {
    int failures = 0;
    u64 state = 88172645463325252ULL;
    /* Marsaglia's xorshift64 (13, 7, 17) from this seed. */
    failures += xorshift64(&state) != 8748534153485358512ULL;
    for (int i = 0; i < 1000; i++) {
        u64 x = xorshift64(&state) >> (i % 64);
        failures += __builtin_popcountll(x) != naive_popcount(x);
        failures += x != 0 && __builtin_clzll(x) != naive_clz(x);
        failures += rotr64(rotl64(x, (unsigned)i), (unsigned)i) != x;
    }
    failures += rotl64(1, 64) != 1;
    failures += orc_b(0x0001000080000100ULL) != 0x00ff0000ff00ff00ULL;
    failures += orc_b(0) != 0;
    failures += rotl32(0x80000001u, 4) != 0x18u;
    failures += __builtin_bswap64(0x0102030405060708ULL) != 0x0807060504030201ULL;
    return failures;
}
#endif
