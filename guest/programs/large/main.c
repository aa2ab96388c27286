/*
 * main.c - the `large` benchmark: per round, generate text, compress it, decompress and verify
 * it, check that a corrupted copy is rejected, then compile and run every stack-language
 * script. All results are folded into the returned checksum.
 */
#include "large.h"

GANNET_MIN_STACK_SIZE(65536)

#define TEXT_LEN 12288
#define PACKED_LEN (TEXT_LEN + TEXT_LEN / 8 + 1024)
#define SCRATCH_LEN (512 * 1024)

static u8 text[TEXT_LEN];
static u8 packed[PACKED_LEN];
static u8 unpacked[TEXT_LEN];
static u8 scratch_memory[SCRATCH_LEN];
static u8 output_memory[4096];

static const lz_params parse_levels[3] = {
    {8, 32, 0},    /* fast: short chains, greedy */
    {32, 128, 1},  /* default */
    {128, 258, 1}, /* thorough */
};

/* Folds one value into the running checksum. */
static u64 fold(u64 acc, u64 value) {
    return mix64(acc ^ value) + 0x9E3779B97F4A7C15ULL;
}

static u64 compression_round(u64 round, u64 n, arena *scratch) {
    u32 want = TEXT_LEN - (u32)(round % 7) * 512;
    u32 len = textgen(text, want, mix64(round * 0x100000001ULL + n));
    const lz_params *params = &parse_levels[round % 3];
    codec_stats stats;
    u32 size = codec_compress(text, len, packed, PACKED_LEN, params, scratch, &stats);
    u64 acc = fold(len, size);
    acc = fold(acc, (u64)stats.blocks << 48 | (u64)stats.stored_blocks << 32 | stats.matches);
    acc = fold(acc, stats.match_bytes);
    acc = fold(acc, fnv1a64(0xcbf29ce484222325ULL, packed, size));

    i32 decoded = codec_decompress(packed, size, unpacked, TEXT_LEN, scratch);
    int round_trip = decoded == (i32)len && memcmp(text, unpacked, len) == 0;
    acc = fold(acc, round_trip ? 0x600D : 0xBAD);

    /* Flip one bit in the body (past the 8-byte header) and decode again: whatever happens,
     * it must be deterministic - usually an error code, sometimes a checksum mismatch. */
    if (size > 16) {
        u32 bit = (u32)(mix64(round) % ((size - 8) * 8));
        packed[8 + bit / 8] ^= (u8)(1u << (bit % 8));
        i32 corrupted = codec_decompress(packed, size, unpacked, TEXT_LEN, scratch);
        acc = fold(acc, (u64)(i64)corrupted);
    }
    return acc;
}

static u64 scripts_round(u64 round, arena *scratch) {
    u64 acc = 0;
    buffer out;
    for (u32 k = 0; k < sl_script_count; k++) {
        const sl_script *s = &sl_scripts[k];
        buf_init(&out, output_memory, sizeof output_memory);
        sl_result r;
        sl_run(s->source, s->argument(round), s->max_steps, scratch, &out, &r);
        acc = fold(acc, r.status);
        acc = fold(acc, (u64)r.top);
        acc = fold(acc, r.depth);
        acc = fold(acc, r.steps);
        acc = fold(acc, r.output_hash ^ r.output_len);
        acc = fold(acc, (u64)r.code_size << 32 | r.words);
        acc = fold(acc, fnv1a64(0, out.data, out.len));
    }
    return acc;
}

gannet_u64 bench(gannet_u64 n) {
    arena scratch;
    arena_init(&scratch, scratch_memory, SCRATCH_LEN);
    u64 acc = n;
    for (u64 round = 0; round < n; round++) {
        acc = fold(acc, compression_round(round, n, &scratch));
        acc = fold(acc, scripts_round(round, &scratch));
    }
    /* (The arena's high-water mark is not folded in: it depends on pointer sizes.) */
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
/* ------------------------------------------------------------------------------------------ */
/* Self-test (native only)                                                                    */
/* ------------------------------------------------------------------------------------------ */

static arena test_arena;

static int round_trip(const u8 *data, u32 len, const lz_params *params, codec_stats *stats) {
    static u8 packed_copy[PACKED_LEN + 1024];
    u32 size = codec_compress(data, len, packed_copy, sizeof packed_copy, params, &test_arena, stats);
    if (size == 0) {
        return 0;
    }
    i32 decoded = codec_decompress(packed_copy, size, unpacked, TEXT_LEN, &test_arena);
    if (decoded != (i32)len || memcmp(data, unpacked, len) != 0) {
        return 0;
    }
    /* A wrong checksum must be detected. */
    packed_copy[size - 1] ^= 0x40;
    if (codec_decompress(packed_copy, size, unpacked, TEXT_LEN, &test_arena) != -7) {
        return 0;
    }
    /* A truncated stream must be rejected. */
    if (size > 13 && codec_decompress(packed_copy, size - 5, unpacked, TEXT_LEN, &test_arena) >= 0) {
        return 0;
    }
    return 1;
}

static int codec_tests(void) {
    int failures = 0;
    codec_stats stats;
    for (u32 level = 0; level < 3; level++) {
        const lz_params *p = &parse_levels[level];
        u32 sizes[] = {0, 1, 2, 3, 100, 4000, 8192, 8193, TEXT_LEN};
        for (u32 k = 0; k < ARRAY_LEN(sizes); k++) {
            textgen(text, sizes[k], 1000 + k);
            failures += !round_trip(text, sizes[k], p, &stats);
        }
        /* Long runs: overlapping matches at distance 1. */
        memset(text, 'a', TEXT_LEN);
        failures += !round_trip(text, TEXT_LEN, p, &stats);
        failures += stats.match_bytes < TEXT_LEN - 300;
        /* Random bytes: incompressible, must fall back to stored blocks. */
        rng r;
        rng_seed(&r, 5);
        for (u32 i = 0; i < TEXT_LEN; i++) {
            text[i] = (u8)rng_next(&r);
        }
        failures += !round_trip(text, TEXT_LEN, p, &stats);
        failures += stats.stored_blocks == 0;
        /* A short repeating pattern. */
        for (u32 i = 0; i < TEXT_LEN; i++) {
            text[i] = (u8)("abcabdabe"[i % 9]);
        }
        failures += !round_trip(text, TEXT_LEN, p, &stats);
    }
    /* Generated text must actually compress. */
    u32 len = textgen(text, TEXT_LEN, 42);
    u32 size = codec_compress(text, len, packed, PACKED_LEN, &parse_levels[1], &test_arena, &stats);
    failures += size == 0 || size * 2 > len;
    /* Same seed, same text; different seed, different text. */
    textgen(unpacked, TEXT_LEN, 42);
    failures += memcmp(text, unpacked, TEXT_LEN) != 0;
    textgen(unpacked, TEXT_LEN, 43);
    failures += memcmp(text, unpacked, TEXT_LEN) == 0;
    return failures;
}

static int huffman_tests(void) {
    int failures = 0;
    /* Fibonacci frequencies give the deepest possible tree: the limiter must kick in. */
    u32 freq[30];
    u8 lengths[30];
    u16 codes[30];
    freq[0] = freq[1] = 1;
    for (u32 i = 2; i < 30; i++) {
        freq[i] = freq[i - 1] + freq[i - 2];
    }
    for (u32 limit = 7; limit <= 15; limit += 4) {
        huff_build_lengths(freq, 30, limit, lengths);
        u64 kraft = 0;
        for (u32 i = 0; i < 30; i++) {
            failures += lengths[i] == 0 || lengths[i] > limit;
            kraft += 1ULL << (15 - lengths[i]);
        }
        failures += kraft != 1ULL << 15; /* complete code */
        failures += !huff_assign_codes(lengths, 30, codes);
        /* encode every symbol, decode them back */
        static u8 bits[256];
        bit_writer w;
        bw_init(&w, bits, sizeof bits);
        for (u32 i = 0; i < 30; i++) {
            bw_put(&w, codes[i], lengths[i]);
        }
        u32 n = bw_finish(&w);
        huff_decoder d;
        failures += !huff_decoder_init(&d, lengths, 30);
        bit_reader r;
        br_init(&r, bits, n);
        for (u32 i = 0; i < 30; i++) {
            failures += huff_decode(&d, &r) != (i32)i;
        }
        failures += r.overrun;
    }
    /* Over-subscribed lengths are rejected. */
    u8 bad[3] = {1, 1, 1};
    huff_decoder d;
    failures += huff_decoder_init(&d, bad, 3) != 0;
    return failures;
}

static i64 c_matrix(i64 seed) {
    i64 a[16], b[16], c[16];
    for (int i = 0; i < 16; i++) {
        a[i] = (seed * i + 7) % 13;
        b[i] = a[i];
    }
    for (int round = 0; round < 6; round++) {
        for (int r = 0; r < 4; r++) {
            for (int k = 0; k < 4; k++) {
                i64 sum = 0;
                for (int x = 0; x < 4; x++) {
                    sum += a[r * 4 + x] * b[x * 4 + k];
                }
                c[r * 4 + k] = sum;
            }
        }
        for (int i = 0; i < 16; i++) {
            b[i] = c[i] % 1000003;
        }
    }
    return b[0] + b[5] + b[10] + b[15];
}

static i64 c_leave(i64 n) {
    i64 count = 0;
    for (i64 i = 0; i < n; i += 3) {
        if (i * 7 % 100 > 93) {
            break;
        }
        count++;
    }
    return count + n * (n + 1) / 2 + 1000 * n;
}

static const sl_script *script(const char *name) {
    for (u32 k = 0; k < sl_script_count; k++) {
        if (str_eq(sl_scripts[k].name, name)) {
            return &sl_scripts[k];
        }
    }
    return 0;
}

static int expect(const char *name, i64 arg, u32 status, i64 top) {
    const sl_script *s = script(name);
    if (!s) {
        return 1;
    }
    sl_result r;
    buffer out;
    buf_init(&out, output_memory, sizeof output_memory);
    sl_run(s->source, arg, s->max_steps, &test_arena, &out, &r);
    if (r.status != status) {
        return 1;
    }
    return status == SL_OK && (r.top != top || r.depth != 1);
}

static int stacklang_tests(void) {
    int failures = 0;
    failures += expect("fib", 10, SL_OK, 55);
    failures += expect("fib", 17, SL_OK, 1597);
    failures += expect("sieve", 1000, SL_OK, 168);
    failures += expect("sieve", 4096, SL_OK, 564);
    failures += expect("gcd", 4, SL_OK, 3);  /* gcd(2,1) + gcd(3,1) + gcd(3,2) */
    failures += expect("gcd", 7, SL_OK, 20); /* 15 pairs: 11 coprime, (4,2) (6,2) (6,4) -> 2, (6,3) -> 3 */
    failures += expect("collatz", 100, SL_OK, 118);
    failures += expect("ackermann", 3, SL_OK, 61);
    failures += expect("hanoi", 10, SL_OK, 1023);
    failures += expect("primes", 100, SL_OK, 1060);
    failures += expect("matrix", 3, SL_OK, c_matrix(3));
    failures += expect("matrix", 11, SL_OK, c_matrix(11));
    failures += expect("leave", 30, SL_OK, c_leave(30));
    failures += expect("leave", 69, SL_OK, c_leave(69));
    failures += expect("division", 7, SL_OK, 500);
    failures += expect("division", 10, SL_ERR_DIV_ZERO, 0);
    failures += expect("unknown", 1, SL_ERR_UNKNOWN_WORD, 0);
    failures += expect("runaway", 1, SL_ERR_STEPS, 0);
    failures += expect("table", 1, SL_OK, 42);

    /* bubble: sorted? is true (-1), so the result is the inverted checksum */
    sl_result r;
    sl_run(script("bubble")->source, 7, 400000, &test_arena, 0, &r);
    failures += r.status != SL_OK || r.depth != 1;

    /* printed text */
    buffer out;
    buf_init(&out, output_memory, sizeof output_memory);
    sl_run(script("strings")->source, 3, 10000, &test_arena, &out, &r);
    const char *expected = "hello, world\n***\nD\n";
    failures += out.len != strlen(expected) || memcmp(out.data, expected, out.len) != 0;
    buf_init(&out, output_memory, sizeof output_memory);
    sl_run(": main . -5 . $10 . ;", 7, 100, &test_arena, &out, &r);
    failures += out.len != 8 || memcmp(out.data, "7 -5 16 ", 8) != 0 || r.depth != 0;

    /* compile errors and runtime checks */
    sl_run(": main if ;", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_ERR_SYNTAX;
    sl_run(": main 1 2 3", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_ERR_SYNTAX;
    sl_run(": helper ;", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_ERR_NO_MAIN;
    sl_run(": main drop drop ;", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_ERR_STACK_UNDERFLOW;
    sl_run(": main begin dup again ;", 0, 100000, &test_arena, 0, &r);
    failures += r.status != SL_ERR_STACK_OVERFLOW;
    sl_run("variable v : main 5 v ! 3 v +! v @ v 1+ @ ;", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_ERR_MEMORY;
    sl_run("variable v : main 5 v ! 3 v +! v @ ;", 0, 100, &test_arena, 0, &r);
    failures += r.status != SL_OK || r.top != 8;
    sl_run(": main ( n ) 10 0 do i 5 = if i unloop exit then loop 99 ;", 0, 1000, &test_arena, 0, &r);
    failures += r.status != SL_ERR_UNKNOWN_WORD; /* unloop is not a word: exit does it */
    sl_run(": main ( n ) drop 10 0 do i 5 = if i exit then loop 99 ;", 0, 1000, &test_arena, 0, &r);
    failures += r.status != SL_OK || r.top != 5 || r.depth != 1;
    sl_run(": sq dup * ; : sq sq sq ; : main sq ;", 3, 1000, &test_arena, 0, &r);
    failures += r.status != SL_OK || r.top != 81; /* the newer sq calls the older one */
    return failures;
}

int gannet_selftest(void) {
    arena_init(&test_arena, scratch_memory, SCRATCH_LEN);
    int failures = 0;
    failures += huffman_tests();
    failures += codec_tests();
    failures += stacklang_tests();
    /* adler32("Wikipedia") = 0x11E60398 */
    failures += adler32(1, (const u8 *)"Wikipedia", 9) != 0x11E60398u;
    return failures;
}
#endif
