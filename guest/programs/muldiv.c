/*
 * muldiv - 64- and 32-bit multiplication, division and remainder, signed and unsigned,
 * including the high halves of 64x64-bit products (RISC-V mulh / mulhu / mulhsu).
 *
 * On 64-bit targets with __int128 (RV64, x86-64) the high products are written with 128-bit
 * arithmetic, which clang lowers to mulh/mulhu/mulhsu without library calls. Elsewhere (RV32,
 * wasm32) a portable 32x32-bit decomposition computes the same values. Division operands are
 * kept in range so that C never divides by zero or overflows (INT64_MIN / -1).
 */
#include "gannet_guest.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_i64 i64;
typedef gannet_i32 i32;

#define I64_MIN ((i64)0x8000000000000000ULL)

#if defined(__SIZEOF_INT128__) && (defined(__x86_64__) || (defined(__riscv) && __riscv_xlen == 64))
#define HAVE_INT128 1
#endif

/* Portable high half of an unsigned 64x64-bit product. */
__attribute__((unused)) static inline u64 mulhu_portable(u64 a, u64 b) {
    u64 a_lo = (u32)a, a_hi = a >> 32;
    u64 b_lo = (u32)b, b_hi = b >> 32;
    u64 lo_lo = a_lo * b_lo;
    u64 hi_lo = a_hi * b_lo;
    u64 lo_hi = a_lo * b_hi;
    u64 hi_hi = a_hi * b_hi;
    u64 cross = (lo_lo >> 32) + (u32)hi_lo + lo_hi;
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

/* Signed x signed: correct the unsigned product for negative operands. */
__attribute__((unused)) static inline u64 mulh_portable(i64 a, i64 b) {
    u64 hi = mulhu_portable((u64)a, (u64)b);
    if (a < 0) {
        hi -= (u64)b;
    }
    if (b < 0) {
        hi -= (u64)a;
    }
    return hi;
}

/* Signed x unsigned. */
__attribute__((unused)) static inline u64 mulhsu_portable(i64 a, u64 b) {
    u64 hi = mulhu_portable((u64)a, b);
    if (a < 0) {
        hi -= b;
    }
    return hi;
}

static inline u64 mulhu(u64 a, u64 b) {
#if HAVE_INT128
    return (u64)(((unsigned __int128)a * b) >> 64);
#else
    return mulhu_portable(a, b);
#endif
}

static inline u64 mulh(i64 a, i64 b) {
#if HAVE_INT128
    return (u64)(((__int128)a * b) >> 64);
#else
    return mulh_portable(a, b);
#endif
}

static inline u64 mulhsu(i64 a, u64 b) {
#if HAVE_INT128
    return (u64)(((__int128)a * (__int128)(unsigned __int128)b) >> 64);
#else
    return mulhsu_portable(a, b);
#endif
}

static inline u64 next(u64 *state) {
    /* 64-bit LCG (Knuth's MMIX constants) with an output xorshift. */
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    u64 x = *state;
    return x ^ (x >> 29);
}

/* Signed 64-bit division that avoids the two undefined cases. */
static inline i64 sdiv(i64 a, i64 b) {
    if (b == 0) {
        return -1;
    }
    if (a == I64_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static inline i64 srem(i64 a, i64 b) {
    if (b == 0) {
        return a;
    }
    if (a == I64_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

static inline u64 udiv(u64 a, u64 b) {
    return b == 0 ? ~(u64)0 : a / b;
}

static inline u64 urem(u64 a, u64 b) {
    return b == 0 ? a : a % b;
}

gannet_u64 bench(gannet_u64 n) {
    u64 state = 0x853C49E6748FEA9BULL + n;
    u64 acc = 0x2545F4914F6CDD1DULL;
    u64 iterations = n * 2000;
    for (u64 i = 0; i < iterations; i++) {
        u64 a = next(&state);
        u64 b = next(&state);
        /* Vary divisor magnitudes: full-width, 32-bit, small, and occasionally zero / -1. */
        unsigned shift = (unsigned)(b & 63);
        u64 d = b >> shift;
        if ((i & 255) == 7) {
            d = 0;
        }
        i64 sd = (i & 127) == 9 ? -1 : (i64)(((a >> 7) & 1) ? 0 - d : d);
        i64 sa = (i & 511) == 13 ? I64_MIN : (i64)a;

        acc += a * b;
        acc ^= mulhu(a, b);
        acc += mulh((i64)a, (i64)b);
        acc ^= mulhsu((i64)b, a);
        acc += udiv(a, d);
        acc ^= urem(a, d);
        acc += (u64)sdiv(sa, sd);
        acc ^= (u64)srem(sa, sd);

        /* 32-bit (word) variants. */
        u32 a32 = (u32)a, d32 = (u32)(d | 1) >> (shift & 15);
        i32 sa32 = (i32)(a >> 32);
        i32 sd32 = (i32)(b >> 40) | 1;
        acc += (u64)(a32 * (u32)b);
        acc ^= (u64)(a32 / (d32 | 1));
        acc += (u64)(a32 % (d32 | 1));
        if (!(sa32 == (i32)0x80000000 && sd32 == -1)) {
            acc ^= (u64)(i64)(sa32 / sd32);
            acc += (u64)(i64)(sa32 % sd32);
        }
        acc = (acc << 5) | (acc >> 59);
    }
    return acc ^ state;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    u64 state = 12345;
    for (int i = 0; i < 100000; i++) {
        u64 a = next(&state) >> (i % 64);
        u64 b = next(&state) >> ((i / 64) % 64);
        failures += mulhu(a, b) != mulhu_portable(a, b);
        failures += mulh((i64)a, (i64)b) != mulh_portable((i64)a, (i64)b);
        failures += mulhsu((i64)a, b) != mulhsu_portable((i64)a, b);
        if (b != 0) {
            /* Division identity: a = q*b + r, r < b. */
            u64 q = udiv(a, b), r = urem(a, b);
            failures += q * b + r != a || r >= b;
        }
    }
    failures += mulhu(~(u64)0, ~(u64)0) != 0xFFFFFFFFFFFFFFFEULL;
    failures += mulh(-1, -1) != 0;
    failures += mulh(I64_MIN, I64_MIN) != 0x4000000000000000ULL;
    failures += mulhsu(-1, ~(u64)0) != ~(u64)0;
    failures += sdiv(I64_MIN, -1) != I64_MIN || srem(I64_MIN, -1) != 0;
    failures += sdiv(-7, 2) != -3 || srem(-7, 2) != -1;
    return failures;
}
#endif
