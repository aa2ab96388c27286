/*
 * bigint - 256-bit unsigned integer arithmetic on four 64-bit limbs: add/sub with carry
 * chains, multiplication modulo 2^256 and full 512-bit products, shifts, comparison, and
 * modular exponentiation with Montgomery multiplication modulo 256-bit odd moduli (the
 * secp256k1 field prime, 2^255 - 19, and generated moduli).
 *
 * Carry propagation is done with compare-based carries (sltu), and 64x64->128-bit products
 * use __int128 where the target has it natively (mul + mulhu) and a 32-bit split elsewhere.
 */
#include "gannet_guest.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;

#define LIMBS 4

typedef struct {
    u64 w[LIMBS]; /* little-endian limbs */
} u256;

#if defined(__SIZEOF_INT128__) && (defined(__x86_64__) || (defined(__riscv) && __riscv_xlen == 64))
static inline void mul64(u64 a, u64 b, u64 *lo, u64 *hi) {
    unsigned __int128 p = (unsigned __int128)a * b;
    *lo = (u64)p;
    *hi = (u64)(p >> 64);
}
#else
static inline void mul64(u64 a, u64 b, u64 *lo, u64 *hi) {
    u64 a_lo = (u32)a, a_hi = a >> 32, b_lo = (u32)b, b_hi = b >> 32;
    u64 ll = a_lo * b_lo, hl = a_hi * b_lo, lh = a_lo * b_hi, hh = a_hi * b_hi;
    u64 mid = (ll >> 32) + (u32)hl + (u32)lh;
    *lo = (mid << 32) | (u32)ll;
    *hi = hh + (hl >> 32) + (lh >> 32) + (mid >> 32);
}
#endif

/* acc += a * b + carry_in; returns the low word, writes the carry (high word) */
static inline u64 mac(u64 acc, u64 a, u64 b, u64 carry_in, u64 *carry_out) {
    u64 lo, hi;
    mul64(a, b, &lo, &hi);
    lo += acc;
    hi += lo < acc;
    lo += carry_in;
    hi += lo < carry_in;
    *carry_out = hi;
    return lo;
}

static inline u64 u256_add(u256 *r, const u256 *a, const u256 *b) {
    u64 carry = 0;
    for (int i = 0; i < LIMBS; i++) {
        u64 s = a->w[i] + carry;
        u64 c1 = s < carry;
        u64 t = s + b->w[i];
        u64 c2 = t < s;
        r->w[i] = t;
        carry = c1 | c2;
    }
    return carry;
}

static inline u64 u256_sub(u256 *r, const u256 *a, const u256 *b) {
    u64 borrow = 0;
    for (int i = 0; i < LIMBS; i++) {
        u64 ai = a->w[i];
        u64 d = ai - b->w[i];
        u64 b1 = ai < b->w[i];
        u64 e = d - borrow;
        u64 b2 = d < borrow;
        r->w[i] = e;
        borrow = b1 | b2;
    }
    return borrow;
}

/* -1, 0, 1 */
static inline int u256_cmp(const u256 *a, const u256 *b) {
    for (int i = LIMBS - 1; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

static inline int u256_is_zero(const u256 *a) {
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* r = a * b mod 2^256 */
static void u256_mul_lo(u256 *r, const u256 *a, const u256 *b) {
    u64 t[LIMBS] = {0, 0, 0, 0};
    for (int i = 0; i < LIMBS; i++) {
        u64 carry = 0;
        for (int j = 0; i + j < LIMBS; j++) {
            t[i + j] = mac(t[i + j], a->w[i], b->w[j], carry, &carry);
        }
    }
    for (int i = 0; i < LIMBS; i++) {
        r->w[i] = t[i];
    }
}

/* out[0..8) = a * b */
static void u256_mul_full(u64 out[2 * LIMBS], const u256 *a, const u256 *b) {
    for (int i = 0; i < 2 * LIMBS; i++) {
        out[i] = 0;
    }
    for (int i = 0; i < LIMBS; i++) {
        u64 carry = 0;
        for (int j = 0; j < LIMBS; j++) {
            out[i + j] = mac(out[i + j], a->w[i], b->w[j], carry, &carry);
        }
        out[i + LIMBS] = carry;
    }
}

static void u256_shl1(u256 *r, const u256 *a, u64 *carry_out) {
    u64 carry = 0;
    for (int i = 0; i < LIMBS; i++) {
        u64 next = a->w[i] >> 63;
        r->w[i] = (a->w[i] << 1) | carry;
        carry = next;
    }
    *carry_out = carry;
}

static inline int u256_bit(const u256 *a, unsigned bit) {
    return (int)((a->w[bit / 64] >> (bit % 64)) & 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Montgomery arithmetic modulo an odd m < 2^256, R = 2^256                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    u256 m;
    u256 r2;   /* R^2 mod m */
    u256 one;  /* R mod m */
    u64 m_inv; /* -m^{-1} mod 2^64 */
} mont_ctx;

/* (a + b) mod m for a, b < m */
static void mod_add(u256 *r, const u256 *a, const u256 *b, const u256 *m) {
    u256 s, t;
    u64 carry = u256_add(&s, a, b);
    u64 borrow = u256_sub(&t, &s, m);
    /* keep s - m unless the subtraction borrowed without an add carry */
    *r = (carry || !borrow) ? t : s;
}

static void mont_setup(mont_ctx *ctx, const u256 *m) {
    ctx->m = *m;
    /* Newton iteration for m^{-1} mod 2^64: each step doubles the correct low bits. */
    u64 inv = m->w[0]; /* correct to 3 bits for odd m */
    for (int i = 0; i < 5; i++) {
        inv *= 2 - m->w[0] * inv;
    }
    ctx->m_inv = 0 - inv;
    /* R mod m = 2^256 - m (as m > 2^255 is not guaranteed, reduce by doubling instead). */
    u256 x = {{1, 0, 0, 0}};
    for (int i = 0; i < 512; i++) {
        if (i == 256) {
            ctx->one = x;
        }
        mod_add(&x, &x, &x, m);
    }
    ctx->r2 = x;
}

/* r = a * b * R^{-1} mod m (CIOS), inputs < m */
static void mont_mul(u256 *r, const u256 *a, const u256 *b, const mont_ctx *ctx) {
    u64 t[LIMBS + 2] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < LIMBS; i++) {
        u64 carry = 0;
        for (int j = 0; j < LIMBS; j++) {
            t[j] = mac(t[j], a->w[i], b->w[j], carry, &carry);
        }
        u64 s = t[LIMBS] + carry;
        t[LIMBS + 1] = s < carry;
        t[LIMBS] = s;

        u64 q = t[0] * ctx->m_inv;
        mac(t[0], q, ctx->m.w[0], 0, &carry);
        for (int j = 1; j < LIMBS; j++) {
            t[j - 1] = mac(t[j], q, ctx->m.w[j], carry, &carry);
        }
        s = t[LIMBS] + carry;
        t[LIMBS - 1] = s;
        t[LIMBS] = t[LIMBS + 1] + (s < carry);
    }
    u256 res = {{t[0], t[1], t[2], t[3]}};
    u256 red;
    u64 borrow = u256_sub(&red, &res, &ctx->m);
    *r = (t[LIMBS] || !borrow) ? red : res;
}

static void to_mont(u256 *r, const u256 *a, const mont_ctx *ctx) {
    mont_mul(r, a, &ctx->r2, ctx);
}

static void from_mont(u256 *r, const u256 *a, const mont_ctx *ctx) {
    u256 one = {{1, 0, 0, 0}};
    mont_mul(r, a, &one, ctx);
}

/* r = base^exp mod m, base < m; left-to-right square and multiply */
static void mod_exp(u256 *r, const u256 *base, const u256 *exp, const mont_ctx *ctx) {
    u256 b, acc = ctx->one;
    to_mont(&b, base, ctx);
    for (int bit = 255; bit >= 0; bit--) {
        mont_mul(&acc, &acc, &acc, ctx);
        if (u256_bit(exp, (unsigned)bit)) {
            mont_mul(&acc, &acc, &b, ctx);
        }
    }
    from_mont(r, &acc, ctx);
}

/* reduce a (< 2^256) into [0, m) by conditional subtraction of shifted multiples of m */
static void mod_reduce(u256 *r, const u256 *a, const u256 *m) {
    /* Binary long division, keeping only the remainder. */
    u256 rem = {{0, 0, 0, 0}};
    for (int bit = 255; bit >= 0; bit--) {
        u64 top;
        u256_shl1(&rem, &rem, &top);
        rem.w[0] |= (u64)u256_bit(a, (unsigned)bit);
        u256 t;
        u64 borrow = u256_sub(&t, &rem, m);
        if (top || !borrow) {
            rem = t;
        }
    }
    *r = rem;
}

/* ------------------------------------------------------------------------------------------ */

static const u256 SECP256K1_P = {{0xFFFFFFFEFFFFFC2FULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL,
                                  0xFFFFFFFFFFFFFFFFULL}};
static const u256 P25519 = {{0xFFFFFFFFFFFFFFEDULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL,
                             0x7FFFFFFFFFFFFFFFULL}};

static u64 rng_state;

static u64 rng_next(void) {
    u64 x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void random_u256(u256 *r) {
    for (int i = 0; i < LIMBS; i++) {
        r->w[i] = rng_next();
    }
}

static u64 fold(u64 acc, const u256 *a) {
    for (int i = 0; i < LIMBS; i++) {
        acc = (acc ^ a->w[i]) * 0x100000001B3ULL;
    }
    return acc;
}

gannet_u64 bench(gannet_u64 n) {
    rng_state = 0x9E3779B97F4A7C15ULL ^ (n << 1);
    mont_ctx secp, ed, gen;
    mont_setup(&secp, &SECP256K1_P);
    mont_setup(&ed, &P25519);
    u64 acc = fold(0, &secp.r2) ^ fold(0, &ed.r2);
    for (u64 i = 0; i < n; i++) {
        u256 a, b, e, s, d, p, r;
        random_u256(&a);
        random_u256(&b);
        random_u256(&e);
        u64 carry = u256_add(&s, &a, &b);
        u64 borrow = u256_sub(&d, &a, &b);
        u256_mul_lo(&p, &s, &d);
        acc = fold(acc + carry * 3 + borrow, &p);
        u64 wide[2 * LIMBS];
        u256_mul_full(wide, &a, &e);
        for (int k = 0; k < 2 * LIMBS; k++) {
            acc = (acc + wide[k]) * 31;
        }
        const mont_ctx *ctx;
        if (i % 4 == 3) {
            /* A fresh odd modulus with the top bit set. */
            u256 m;
            random_u256(&m);
            m.w[0] |= 1;
            m.w[3] |= 0x8000000000000000ULL;
            mont_setup(&gen, &m);
            ctx = &gen;
        } else {
            ctx = (i & 1) ? &ed : &secp;
        }
        mod_reduce(&a, &a, &ctx->m);
        mod_exp(&r, &a, &e, ctx);
        acc = fold(acc, &r) + (u64)u256_cmp(&r, &a) + (u64)u256_is_zero(&d);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
static int eq(const u256 *a, u64 w0, u64 w1, u64 w2, u64 w3) {
    return a->w[0] == w0 && a->w[1] == w1 && a->w[2] == w2 && a->w[3] == w3;
}

int gannet_selftest(void) {
    int failures = 0;
    mont_ctx secp, ed;
    mont_setup(&secp, &SECP256K1_P);
    mont_setup(&ed, &P25519);
    /* R mod p */
    failures += !eq(&secp.one, 0x1000003D1ULL, 0, 0, 0);
    failures += !eq(&ed.one, 38, 0, 0, 0);
    /* 3^(2^200 + 12345) mod p, reference values from Python's pow(). */
    u256 three = {{3, 0, 0, 0}}, e = {{12345, 0, 0, 1ULL << 8}}, r;
    mod_exp(&r, &three, &e, &secp);
    failures += !eq(&r, 0x959a46c34e549513ULL, 0xb05b8695b1ee39a6ULL, 0xa72a9a6ed853064eULL, 0xd853c04f55cd8cddULL);
    mod_exp(&r, &three, &e, &ed);
    failures += !eq(&r, 0x3096ca42cefb334cULL, 0x103ce6038f84afd3ULL, 0xcb23b52372bfef94ULL, 0x70d465c2c870c490ULL);
    /* Fermat: a^(p-1) = 1 and a * a^(p-2) = 1 for random a. */
    rng_state = 77;
    for (int i = 0; i < 20; i++) {
        const mont_ctx *ctx = (i & 1) ? &ed : &secp;
        u256 a, pm1, pm2, one = {{1, 0, 0, 0}}, two = {{2, 0, 0, 0}}, inv, prod, am, invm;
        random_u256(&a);
        mod_reduce(&a, &a, &ctx->m);
        u256_sub(&pm1, &ctx->m, &one);
        u256_sub(&pm2, &ctx->m, &two);
        mod_exp(&r, &a, &pm1, ctx);
        failures += !eq(&r, 1, 0, 0, 0);
        mod_exp(&inv, &a, &pm2, ctx);
        to_mont(&am, &a, ctx);
        to_mont(&invm, &inv, ctx);
        mont_mul(&prod, &am, &invm, ctx);
        from_mont(&prod, &prod, ctx);
        failures += !eq(&prod, 1, 0, 0, 0);
    }
    /* add/sub round trip and mul_lo = low half of mul_full */
    for (int i = 0; i < 100; i++) {
        u256 a, b, s, d;
        random_u256(&a);
        random_u256(&b);
        u256_add(&s, &a, &b);
        u256_sub(&d, &s, &b);
        failures += u256_cmp(&d, &a) != 0;
        u64 wide[2 * LIMBS];
        u256_mul_lo(&s, &a, &b);
        u256_mul_full(wide, &a, &b);
        failures += !eq(&s, wide[0], wide[1], wide[2], wide[3]);
    }
    u256 max = {{~0ULL, ~0ULL, ~0ULL, ~0ULL}}, one = {{1, 0, 0, 0}}, s;
    failures += u256_add(&s, &max, &one) != 1 || !u256_is_zero(&s);
    return failures;
}
#endif
