/*
 * blake2b - BLAKE2b-512 (RFC 7693, unkeyed) over a generated 4 KiB buffer, repeated: each
 * round perturbs the buffer, hashes it, writes part of the digest back and folds the digest
 * into the result.
 *
 * 64-bit additions and rotations by 32/24/16/63 with message-word permutations (table-driven
 * indexed loads).
 */
#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u8 u8;

static const u64 IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const u8 SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

typedef struct {
    u64 h[8];
    u64 t;        /* bytes compressed so far (messages here are far below 2^64 bytes) */
    u8 buf[128];
    u32 used;
} blake2b_ctx;

static inline u64 rotr64(u64 x, unsigned k) {
    return (x >> k) | (x << (64 - k));
}

static inline u64 load_le64(const u8 *p) {
    u64 v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (u64)p[i] << (8 * i);
    }
    return v;
}

#define G(a, b, c, d, x, y)           \
    do {                              \
        v[a] = v[a] + v[b] + (x);     \
        v[d] = rotr64(v[d] ^ v[a], 32); \
        v[c] = v[c] + v[d];           \
        v[b] = rotr64(v[b] ^ v[c], 24); \
        v[a] = v[a] + v[b] + (y);     \
        v[d] = rotr64(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d];           \
        v[b] = rotr64(v[b] ^ v[c], 63); \
    } while (0)

static void blake2b_compress(blake2b_ctx *ctx, const u8 *block, int last) {
    u64 m[16], v[16];
    for (int i = 0; i < 16; i++) {
        m[i] = load_le64(block + 8 * i);
    }
    for (int i = 0; i < 8; i++) {
        v[i] = ctx->h[i];
        v[i + 8] = IV[i];
    }
    v[12] ^= ctx->t;
    if (last) {
        v[14] = ~v[14];
    }
    for (int r = 0; r < 12; r++) {
        const u8 *s = SIGMA[r];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) {
        ctx->h[i] ^= v[i] ^ v[i + 8];
    }
}

static void blake2b_init(blake2b_ctx *ctx) {
    for (int i = 0; i < 8; i++) {
        ctx->h[i] = IV[i];
    }
    ctx->h[0] ^= 0x01010000ULL ^ 64; /* fanout 1, depth 1, no key, 64-byte digest */
    ctx->t = 0;
    ctx->used = 0;
}

static void blake2b_update(blake2b_ctx *ctx, const u8 *data, u32 len) {
    while (len > 0) {
        /* Only compress a full buffer once more input follows: the last block is special. */
        if (ctx->used == 128) {
            ctx->t += 128;
            blake2b_compress(ctx, ctx->buf, 0);
            ctx->used = 0;
        }
        u32 take = 128 - ctx->used < len ? 128 - ctx->used : len;
        memcpy(ctx->buf + ctx->used, data, take);
        ctx->used += take;
        data += take;
        len -= take;
    }
}

static void blake2b_final(blake2b_ctx *ctx, u8 out[64]) {
    ctx->t += ctx->used;
    memset(ctx->buf + ctx->used, 0, 128 - ctx->used);
    blake2b_compress(ctx, ctx->buf, 1);
    for (int i = 0; i < 64; i++) {
        out[i] = (u8)(ctx->h[i / 8] >> (8 * (i % 8)));
    }
}

static void blake2b(const u8 *data, u32 len, u8 out[64]) {
    blake2b_ctx ctx;
    blake2b_init(&ctx);
    blake2b_update(&ctx, data, len);
    blake2b_final(&ctx, out);
}

#define BUFFER_LEN 4096
static u8 buffer[BUFFER_LEN];

gannet_u64 bench(gannet_u64 n) {
    u64 x = 0x5851F42D4C957F2DULL ^ n;
    for (u32 i = 0; i < BUFFER_LEN; i += 8) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        for (u32 k = 0; k < 8; k++) {
            buffer[i + k] = (u8)(x >> (8 * k + 3));
        }
    }
    u64 acc = 0;
    u8 digest[64];
    for (u64 round = 0; round < n; round++) {
        buffer[(round * 257) % BUFFER_LEN] ^= (u8)(round + 1);
        u32 len = BUFFER_LEN - (u32)(round % 129);
        blake2b(buffer, len, digest);
        memcpy(buffer + (round * 64) % (BUFFER_LEN - 64), digest, 32);
        for (int i = 0; i < 64; i += 8) {
            acc = (acc + load_le64(digest + i)) * 0x100000001B3ULL;
        }
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
static int check(const u8 *msg, u32 len, const char *hex) {
    u8 digest[64];
    blake2b(msg, len, digest);
    for (int i = 0; i < 64; i++) {
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
    failures += check((const u8 *)"abc", 3,
                      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    failures += check((const u8 *)"", 0,
                      "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
                      "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
    /* A multi-block message (reference value from Python's hashlib). */
    static u8 data[1000];
    for (u32 i = 0; i < sizeof data; i++) {
        data[i] = (u8)(i * 7 + 3);
    }
    failures += check(data, sizeof data,
                      "4bdd2c9cf31d797a81d245c989ffb7515143ca345c66f73087dd5c58bf642bf0"
                      "83ba16894eab79e3b08d5126404d833e7510271b50be36a7b7cbbb46f5c89fac");
    /* Exactly one and exactly two blocks: the final-block flag edge cases. */
    failures += check(data, 128,
                      "2d9e329f42afa3601d646692b81c13e87fcaff5bf15972e9813d7373cb6d181f"
                      "9599f4d513d4af4fd6ebd37497aceb29aba5ee23ed764d8510b552bd088814fb");
    failures += check(data, 256,
                      "91019c558584980249ca43eceed27e19f1c3c24161b93eed1eee2a6a774f60bf"
                      "8a81b43750870bee1698feac9c5336ae4d5c842e7ead159bf3916387e8ded9ae");
    return failures;
}
#endif
