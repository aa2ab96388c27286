/*
 * util.c - arena allocator, random numbers, checksums, text formatting and character helpers
 * shared by the rest of the `large` program.
 */
#include "large.h"

/* ------------------------------------------------------------------------------------------ */
/* Arena                                                                                      */
/* ------------------------------------------------------------------------------------------ */

void arena_init(arena *a, void *memory, u32 size) {
    a->base = memory;
    a->size = size;
    a->used = 0;
    a->high_water = 0;
}

void *arena_alloc(arena *a, u32 size) {
    u32 start = (a->used + 7u) & ~7u;
    if (start > a->size || size > a->size - start) {
        return 0;
    }
    a->used = start + size;
    if (a->used > a->high_water) {
        a->high_water = a->used;
    }
    u8 *p = a->base + start;
    memset(p, 0, size);
    return p;
}

u32 arena_mark(const arena *a) {
    return a->used;
}

void arena_release(arena *a, u32 mark) {
    if (mark <= a->used) {
        a->used = mark;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Random numbers                                                                             */
/* ------------------------------------------------------------------------------------------ */

void rng_seed(rng *r, u64 seed) {
    /* Run the seed through a mixer so that nearby seeds give unrelated streams; zero is not a
     * valid xorshift state. */
    u64 s = mix64(seed ^ 0x6A09E667F3BCC909ULL);
    r->state = s ? s : 0x9E3779B97F4A7C15ULL;
}

u64 rng_next(rng *r) {
    u64 x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

u32 rng_below(rng *r, u32 bound) {
    /* 32x32->64 multiply maps a 32-bit sample onto [0, bound); reject the biased low part. */
    u32 threshold = (0u - bound) % bound;
    for (;;) {
        u32 sample = (u32)(rng_next(r) >> 32);
        u64 product = (u64)sample * bound;
        if ((u32)product >= threshold) {
            return (u32)(product >> 32);
        }
    }
}

int rng_chance(rng *r, u32 percent) {
    return rng_below(r, 100) < percent;
}

/* ------------------------------------------------------------------------------------------ */
/* Checksums and mixing                                                                       */
/* ------------------------------------------------------------------------------------------ */

u32 adler32(u32 adler, const u8 *data, u32 len) {
    const u32 mod = 65521;
    u32 a = adler & 0xffff, b = adler >> 16;
    while (len > 0) {
        /* 5552 is the largest run for which the sums cannot overflow 32 bits. */
        u32 run = len < 5552 ? len : 5552;
        len -= run;
        while (run--) {
            a += *data++;
            b += a;
        }
        a %= mod;
        b %= mod;
    }
    return b << 16 | a;
}

u64 fnv1a64(u64 hash, const u8 *data, u32 len) {
    for (u32 i = 0; i < len; i++) {
        hash = (hash ^ data[i]) * 0x100000001B3ULL;
    }
    return hash;
}

u64 mix64(u64 x) {
    /* A finaliser in the style of SplitMix64. */
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

/* ------------------------------------------------------------------------------------------ */
/* Byte buffers                                                                               */
/* ------------------------------------------------------------------------------------------ */

void buf_init(buffer *b, u8 *data, u32 cap) {
    b->data = data;
    b->len = 0;
    b->cap = cap;
    b->overflow = 0;
}

void buf_put(buffer *b, u8 byte) {
    if (b->len < b->cap) {
        b->data[b->len++] = byte;
    } else {
        b->overflow = 1;
    }
}

void buf_puts(buffer *b, const char *s) {
    while (*s) {
        buf_put(b, (u8)*s++);
    }
}

void buf_put_bytes(buffer *b, const u8 *data, u32 len) {
    for (u32 i = 0; i < len; i++) {
        buf_put(b, data[i]);
    }
}

void buf_put_u64(buffer *b, u64 v) {
    char digits[20];
    u32 n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        buf_put(b, (u8)digits[--n]);
    }
}

void buf_put_i64(buffer *b, i64 v) {
    if (v < 0) {
        buf_put(b, '-');
        buf_put_u64(b, 0 - (u64)v);
    } else {
        buf_put_u64(b, (u64)v);
    }
}

void buf_put_hex(buffer *b, u64 v, u32 digits) {
    static const char hex[] = "0123456789abcdef";
    for (u32 i = digits; i-- > 0;) {
        buf_put(b, (u8)hex[(v >> (4 * i)) & 15]);
    }
}

void buf_put_padded(buffer *b, u64 v, u32 width) {
    u32 len = 1;
    for (u64 t = v; t >= 10; t /= 10) {
        len++;
    }
    while (len < width) {
        buf_put(b, ' ');
        len++;
    }
    buf_put_u64(b, v);
}

/* ------------------------------------------------------------------------------------------ */
/* Characters and strings                                                                     */
/* ------------------------------------------------------------------------------------------ */

int is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int is_digit(int c) {
    return c >= '0' && c <= '9';
}

int is_alpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int to_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int str_eq(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Compares the (not NUL-terminated) a[0, a_len) with the C string b, case-insensitively. */
int str_eq_n(const char *a, u32 a_len, const char *b) {
    for (u32 i = 0; i < a_len; i++) {
        if (b[i] == 0 || to_lower(a[i]) != to_lower(b[i])) {
            return 0;
        }
    }
    return b[a_len] == 0;
}
