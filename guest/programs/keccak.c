/*
 * keccak - Keccak-256 (the original Keccak submission padding, 0x01 ... 0x80, as used by
 * Ethereum) over a generated 4 KiB buffer, repeated: each round perturbs the buffer, hashes
 * it, writes the digest back and folds it into the result.
 *
 * Keccak-f[1600] is 64-bit xor / rotate / and-not heavy, with 25 live lanes: a register
 * pressure test for a 16-register (RV-E) machine.
 */
#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u8 u8;

#define RATE 136 /* bytes: 1600 - 2 * 256 bits */

static const u64 round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets and the pi permutation, in the order of the combined rho-pi walk that
 * starts at lane 1 and follows lane -> pi(lane). */
static const u8 rho_offsets[24] = {
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const u8 pi_lanes[24] = {
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static inline u64 rotl64(u64 x, unsigned k) {
    return (x << k) | (x >> ((64 - k) & 63));
}

static void keccak_f1600(u64 a[25]) {
    for (int round = 0; round < 24; round++) {
        /* theta */
        u64 c[5], d[5];
        for (int x = 0; x < 5; x++) {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for (int x = 0; x < 5; x++) {
            d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
        }
        for (int i = 0; i < 25; i++) {
            a[i] ^= d[i % 5];
        }
        /* rho and pi */
        u64 carry = a[1];
        for (int i = 0; i < 24; i++) {
            int j = pi_lanes[i];
            u64 t = a[j];
            a[j] = rotl64(carry, rho_offsets[i]);
            carry = t;
        }
        /* chi */
        for (int y = 0; y < 25; y += 5) {
            u64 row[5];
            for (int x = 0; x < 5; x++) {
                row[x] = a[y + x];
            }
            for (int x = 0; x < 5; x++) {
                a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        /* iota */
        a[0] ^= round_constants[round];
    }
}

static inline u64 load_le64(const u8 *p) {
    u64 v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (u64)p[i] << (8 * i);
    }
    return v;
}

/* Sponge with a 256-bit output; `domain` is the first padding byte (0x01 Keccak, 0x06 SHA-3). */
static void keccak256_with(const u8 *data, u32 len, u8 domain, u8 out[32]) {
    u64 state[25];
    memset(state, 0, sizeof state);
    while (len >= RATE) {
        for (int i = 0; i < RATE / 8; i++) {
            state[i] ^= load_le64(data + 8 * i);
        }
        keccak_f1600(state);
        data += RATE;
        len -= RATE;
    }
    u8 last[RATE];
    memset(last, 0, RATE);
    memcpy(last, data, len);
    last[len] ^= domain;
    last[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++) {
        state[i] ^= load_le64(last + 8 * i);
    }
    keccak_f1600(state);
    for (int i = 0; i < 32; i++) {
        out[i] = (u8)(state[i / 8] >> (8 * (i % 8)));
    }
}

static void keccak256(const u8 *data, u32 len, u8 out[32]) {
    keccak256_with(data, len, 0x01, out);
}

#define BUFFER_LEN 4096
static u8 buffer[BUFFER_LEN];

gannet_u64 bench(gannet_u64 n) {
    u32 x = 0x2f6b1c3du ^ (u32)n;
    for (u32 i = 0; i < BUFFER_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buffer[i] = (u8)x;
    }
    u64 acc = 0;
    u8 digest[32];
    for (u64 round = 0; round < n; round++) {
        buffer[(round * 131) % BUFFER_LEN] += (u8)(round | 1);
        u32 len = BUFFER_LEN - (u32)(round % (2 * RATE + 1));
        keccak256(buffer, len, digest);
        memcpy(buffer + (round * 32) % (BUFFER_LEN - 32), digest, 32);
        acc = (acc ^ load_le64(digest)) * 0x100000001B3ULL + load_le64(digest + 24);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
static int check(const u8 *msg, u32 len, u8 domain, const char *hex) {
    u8 digest[32];
    keccak256_with(msg, len, domain, digest);
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
    /* Keccak-256 (Ethereum) */
    failures += check((const u8 *)"", 0, 0x01, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    failures += check((const u8 *)"abc", 3, 0x01, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* The same permutation with SHA-3 padding must give FIPS 202 SHA3-256 (values from
     * Python's hashlib), including a multi-block message. */
    failures += check((const u8 *)"", 0, 0x06, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    failures += check((const u8 *)"abc", 3, 0x06, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    static u8 data[1000];
    for (u32 i = 0; i < sizeof data; i++) {
        data[i] = (u8)(i * 7 + 3);
    }
    failures += check(data, sizeof data, 0x06, "bd8b4d76041e0135e53fab1aaf425c7b1c129d8878ffb64cc31230ccafd7dc7c");
    return failures;
}
#endif
