/*
 * gannet_libc.c - minimal runtime for freestanding Gannet guests.
 *
 * Must be compiled with -ffreestanding -fno-builtin: otherwise the compiler may recognise the
 * byte loops below as memcpy/memset idioms and turn them into calls to themselves.
 *
 * Besides the ISO C memory/string functions, 32-bit RISC-V builds also get the 64-bit
 * division helpers (__udivdi3 and friends) that clang calls for 64-bit `/` and `%` when the
 * register width is 32 bits: there is no compiler-rt for RV32E on the build machine.
 */
#include "gannet_libc.h"

/* Register-sized (8 bytes on RV64/x86-64, 4 on RV32/wasm32); may_alias makes the word-wise
 * accesses to byte buffers well-defined. */
typedef unsigned long __attribute__((may_alias)) word_t;

#define WORD_SIZE sizeof(word_t)
#define WORD_ALIGNED(p) ((((size_t)(p)) & (WORD_SIZE - 1)) == 0)

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (WORD_ALIGNED(d) && WORD_ALIGNED(s)) {
        while (n >= 4 * WORD_SIZE) {
            word_t a = ((const word_t *)s)[0];
            word_t b = ((const word_t *)s)[1];
            word_t c = ((const word_t *)s)[2];
            word_t e = ((const word_t *)s)[3];
            ((word_t *)d)[0] = a;
            ((word_t *)d)[1] = b;
            ((word_t *)d)[2] = c;
            ((word_t *)d)[3] = e;
            d += 4 * WORD_SIZE;
            s += 4 * WORD_SIZE;
            n -= 4 * WORD_SIZE;
        }
        while (n >= WORD_SIZE) {
            *(word_t *)d = *(const word_t *)s;
            d += WORD_SIZE;
            s += WORD_SIZE;
            n -= WORD_SIZE;
        }
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) {
        return dst;
    }
    /* Forward copy is safe whenever the destination starts below the source or the two
     * ranges do not overlap; compare as integers to avoid relational pointer UB. */
    if ((size_t)d < (size_t)s || (size_t)d >= (size_t)s + n) {
        return memcpy(dst, src, n);
    }
    d += n;
    s += n;
    if (WORD_ALIGNED(d) && WORD_ALIGNED(s)) {
        while (n >= WORD_SIZE) {
            d -= WORD_SIZE;
            s -= WORD_SIZE;
            n -= WORD_SIZE;
            *(word_t *)d = *(const word_t *)s;
        }
    }
    while (n--) {
        *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    unsigned char byte = (unsigned char)c;
    while (n > 0 && !WORD_ALIGNED(d)) {
        *d++ = byte;
        n--;
    }
    if (n >= WORD_SIZE) {
        word_t pattern = (word_t)-1 / 255 * byte; /* byte replicated into every lane */
        while (n >= 4 * WORD_SIZE) {
            ((word_t *)d)[0] = pattern;
            ((word_t *)d)[1] = pattern;
            ((word_t *)d)[2] = pattern;
            ((word_t *)d)[3] = pattern;
            d += 4 * WORD_SIZE;
            n -= 4 * WORD_SIZE;
        }
        while (n >= WORD_SIZE) {
            *(word_t *)d = pattern;
            d += WORD_SIZE;
            n -= WORD_SIZE;
        }
    }
    while (n--) {
        *d++ = byte;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return (int)x[i] - (int)y[i];
        }
    }
    return 0;
}

size_t strlen(const char *s) {
    const char *p = s;
    while (*p) {
        p++;
    }
    return (size_t)(p - s);
}

#if defined(__riscv) && __riscv_xlen == 32
/* 64-bit division for RV32: shift-and-subtract, starting from the highest quotient bit that
 * can be set. Division by zero follows the RISC-V convention (quotient all ones, remainder =
 * dividend), although C code in this repository never divides by zero. */

typedef unsigned long long du_int;
typedef long long di_int;

static du_int gannet_udivmod64(du_int n, du_int d, du_int *rem) {
    if (d == 0) {
        *rem = n;
        return ~(du_int)0;
    }
    if (n < d) {
        *rem = n;
        return 0;
    }
    if ((n >> 32) == 0) {
        /* Both fit in 32 bits: the hardware `divu`/`remu` do it. */
        unsigned int n32 = (unsigned int)n, d32 = (unsigned int)d;
        *rem = n32 % d32;
        return n32 / d32;
    }
    int shift = __builtin_clzll(d) - __builtin_clzll(n);
    du_int q = 0;
    d <<= shift;
    for (int i = 0; i <= shift; i++) {
        q <<= 1;
        if (n >= d) {
            n -= d;
            q |= 1;
        }
        d >>= 1;
    }
    *rem = n;
    return q;
}

du_int __udivdi3(du_int a, du_int b);
du_int __umoddi3(du_int a, du_int b);
di_int __divdi3(di_int a, di_int b);
di_int __moddi3(di_int a, di_int b);

du_int __udivdi3(du_int a, du_int b) {
    du_int r;
    return gannet_udivmod64(a, b, &r);
}

du_int __umoddi3(du_int a, du_int b) {
    du_int r;
    gannet_udivmod64(a, b, &r);
    return r;
}

di_int __divdi3(di_int a, di_int b) {
    du_int ua = a < 0 ? 0 - (du_int)a : (du_int)a;
    du_int ub = b < 0 ? 0 - (du_int)b : (du_int)b;
    du_int r;
    du_int q = gannet_udivmod64(ua, ub, &r);
    return (di_int)(((a < 0) != (b < 0)) ? 0 - q : q);
}

di_int __moddi3(di_int a, di_int b) {
    du_int ua = a < 0 ? 0 - (du_int)a : (du_int)a;
    du_int ub = b < 0 ? 0 - (du_int)b : (du_int)b;
    du_int r;
    gannet_udivmod64(ua, ub, &r);
    return (di_int)(a < 0 ? 0 - r : r);
}
#endif
