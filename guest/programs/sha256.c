/*
 * sha256 - SHA-256 (FIPS 180-4) over a generated 4 KiB buffer, repeated: each round perturbs
 * the buffer, hashes it, writes the digest back into the buffer and folds it into the result.
 *
 * 32-bit rotates, shifts, and-not and additions dominate; big-endian loads are assembled from
 * bytes (and become rev8-based sequences with Zbb).
 */
#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u8 u8;

typedef struct {
    u32 state[8];
    u64 length;   /* bytes absorbed so far */
    u8 block[64];
    u32 used;     /* bytes in `block` */
} sha256_ctx;

static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline u32 ror32(u32 x, unsigned k) {
    return (x >> k) | (x << (32 - k));
}

static inline u32 load_be32(const u8 *p) {
    return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | (u32)p[3];
}

static inline void store_be32(u8 *p, u32 v) {
    p[0] = (u8)(v >> 24);
    p[1] = (u8)(v >> 16);
    p[2] = (u8)(v >> 8);
    p[3] = (u8)v;
}

static void sha256_compress(u32 state[8], const u8 *block) {
    u32 w[64];
    for (int i = 0; i < 16; i++) {
        w[i] = load_be32(block + 4 * i);
    }
    for (int i = 16; i < 64; i++) {
        u32 s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        u32 s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    u32 a = state[0], b = state[1], c = state[2], d = state[3];
    u32 e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        u32 S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
        u32 ch = (e & f) ^ (~e & g);
        u32 t1 = h + S1 + ch + K[i] + w[i];
        u32 S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
        u32 maj = (a & b) ^ (a & c) ^ (b & c);
        u32 t2 = S0 + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

static void sha256_init(sha256_ctx *ctx) {
    static const u32 iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    for (int i = 0; i < 8; i++) {
        ctx->state[i] = iv[i];
    }
    ctx->length = 0;
    ctx->used = 0;
}

static void sha256_update(sha256_ctx *ctx, const u8 *data, u32 len) {
    ctx->length += len;
    if (ctx->used > 0) {
        u32 take = 64 - ctx->used < len ? 64 - ctx->used : len;
        memcpy(ctx->block + ctx->used, data, take);
        ctx->used += take;
        data += take;
        len -= take;
        if (ctx->used < 64) {
            return;
        }
        sha256_compress(ctx->state, ctx->block);
        ctx->used = 0;
    }
    while (len >= 64) {
        sha256_compress(ctx->state, data);
        data += 64;
        len -= 64;
    }
    memcpy(ctx->block, data, len);
    ctx->used = len;
}

static void sha256_final(sha256_ctx *ctx, u8 digest[32]) {
    u64 bits = ctx->length * 8;
    ctx->block[ctx->used++] = 0x80;
    if (ctx->used > 56) {
        memset(ctx->block + ctx->used, 0, 64 - ctx->used);
        sha256_compress(ctx->state, ctx->block);
        ctx->used = 0;
    }
    memset(ctx->block + ctx->used, 0, 56 - ctx->used);
    for (int i = 0; i < 8; i++) {
        ctx->block[56 + i] = (u8)(bits >> (56 - 8 * i));
    }
    sha256_compress(ctx->state, ctx->block);
    for (int i = 0; i < 8; i++) {
        store_be32(digest + 4 * i, ctx->state[i]);
    }
}

static void sha256(const u8 *data, u32 len, u8 digest[32]) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, data, len);
    sha256_final(&ctx, digest);
}

#define BUFFER_LEN 4096
static u8 buffer[BUFFER_LEN];

gannet_u64 bench(gannet_u64 n) {
    u32 x = 0x6d2b79f5u ^ (u32)n;
    for (u32 i = 0; i < BUFFER_LEN; i++) {
        x = x * 1664525u + 1013904223u;
        buffer[i] = (u8)(x >> 24);
    }
    u64 acc = 0;
    u8 digest[32];
    for (u64 round = 0; round < n; round++) {
        buffer[round % BUFFER_LEN] ^= (u8)round;
        /* Vary the length so that every padding case occurs. */
        u32 len = BUFFER_LEN - (u32)(round % 97);
        sha256(buffer, len, digest);
        memcpy(buffer + (round * 32) % (BUFFER_LEN - 32), digest, 32);
        for (int i = 0; i < 32; i += 8) {
            u64 word = 0;
            for (int k = 0; k < 8; k++) {
                word |= (u64)digest[i + k] << (8 * k);
            }
            acc = (acc ^ word) * 0x100000001B3ULL;
        }
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
static int check(const char *msg, u32 len, const char *hex) {
    u8 digest[32];
    sha256((const u8 *)msg, len, digest);
    for (int i = 0; i < 32; i++) {
        unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
        unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10);
        if (digest[i] != (u8)(hi << 4 | lo)) {
            return 1;
        }
    }
    return 0;
}

int gannet_selftest(void) {
    int failures = 0;
    failures += check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    failures += check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    failures += check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* Incremental updates of odd sizes must match the one-shot hash. */
    static u8 data[1000];
    for (u32 i = 0; i < sizeof data; i++) {
        data[i] = (u8)(i * 7 + 3);
    }
    u8 one[32], many[32];
    sha256(data, sizeof data, one);
    sha256_ctx ctx;
    sha256_init(&ctx);
    for (u32 off = 0, step = 1; off < sizeof data; off += step, step = step * 2 + 1) {
        u32 take = sizeof data - off < step ? sizeof data - off : step;
        sha256_update(&ctx, data + off, take);
    }
    sha256_final(&ctx, many);
    failures += memcmp(one, many, 32) != 0;
    /* Reference digest of the same 1000 bytes (computed with Python's hashlib). */
    failures += check((const char *)data, sizeof data,
                      "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
    return failures;
}
#endif
