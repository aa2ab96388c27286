/*
 * large.h - shared declarations of the `large` guest program.
 *
 * `large` is a bigger, more "application-like" workload than the other guests: it generates
 * structured text, compresses it with an LZ77 + canonical-Huffman codec of its own design
 * (format described in codec.c), decompresses and verifies it, and runs a set of programs
 * written in a small Forth-like stack language through a compiler and bytecode VM
 * (stacklang.c). Everything is deterministic and allocation goes through fixed arenas.
 *
 * Files:
 *   util.c       arena allocator, random numbers, checksums, formatting helpers
 *   textgen.c    deterministic text generator (prose, records, code-like lines, noise)
 *   bitio.c      LSB-first bit writer and reader
 *   huffman.c    length-limited canonical Huffman codes: construction, encoding, decoding
 *   lz.c         LZ77 match finder (hash chains, lazy matching)
 *   codec.c      the container format: blocks, symbol alphabets, compress/decompress
 *   stacklang.c  tokenizer, compiler and VM of the stack language
 *   scripts.c    the stack-language programs run by the benchmark
 *   main.c       bench() and the self-test
 */
#ifndef LARGE_H
#define LARGE_H

#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u16 u16;
typedef gannet_u8 u8;
typedef gannet_i64 i64;
typedef gannet_i32 i32;

#define ARRAY_LEN(a) ((u32)(sizeof(a) / sizeof((a)[0])))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* ------------------------------------------------------------------------------------------ */
/* util.c                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* A bump allocator over a caller-provided buffer. */
typedef struct {
    u8 *base;
    u32 size;
    u32 used;
    u32 high_water; /* largest `used` ever seen */
} arena;

void arena_init(arena *a, void *memory, u32 size);
/* Returns 8-byte aligned, zeroed memory, or NULL when the arena is exhausted. */
void *arena_alloc(arena *a, u32 size);
/* Marks and rewinds: everything allocated after `arena_mark` is released by `arena_release`. */
u32 arena_mark(const arena *a);
void arena_release(arena *a, u32 mark);

/* xorshift64* generator */
typedef struct {
    u64 state;
} rng;

void rng_seed(rng *r, u64 seed);
u64 rng_next(rng *r);
/* Uniform in [0, bound) for bound > 0 (Lemire-style multiply-shift, with rejection). */
u32 rng_below(rng *r, u32 bound);
/* True with probability percent/100. */
int rng_chance(rng *r, u32 percent);

u32 adler32(u32 adler, const u8 *data, u32 len);
u64 fnv1a64(u64 hash, const u8 *data, u32 len);
u64 mix64(u64 x);

/* A bounded byte buffer that silently truncates (and remembers that it did). */
typedef struct {
    u8 *data;
    u32 len;
    u32 cap;
    int overflow;
} buffer;

void buf_init(buffer *b, u8 *data, u32 cap);
void buf_put(buffer *b, u8 byte);
void buf_puts(buffer *b, const char *s);
void buf_put_bytes(buffer *b, const u8 *data, u32 len);
void buf_put_u64(buffer *b, u64 v);          /* decimal */
void buf_put_i64(buffer *b, i64 v);          /* decimal with sign */
void buf_put_hex(buffer *b, u64 v, u32 digits);
void buf_put_padded(buffer *b, u64 v, u32 width); /* right-aligned decimal */

int is_space(int c);
int is_digit(int c);
int is_alpha(int c);
int to_lower(int c);
int str_eq(const char *a, const char *b);
int str_eq_n(const char *a, u32 a_len, const char *b);

/* ------------------------------------------------------------------------------------------ */
/* textgen.c                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Fills out[0, cap) with generated text; returns the number of bytes written (== cap unless
 * cap is tiny). The same seed always gives the same text. */
u32 textgen(u8 *out, u32 cap, u64 seed);

/* ------------------------------------------------------------------------------------------ */
/* bitio.c                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    u8 *out;
    u32 cap;
    u32 pos;      /* bytes written */
    u64 bits;     /* pending bits, LSB first */
    u32 count;    /* number of pending bits */
    int overflow; /* set when output did not fit */
} bit_writer;

void bw_init(bit_writer *w, u8 *out, u32 cap);
void bw_put(bit_writer *w, u32 value, u32 nbits); /* nbits <= 32 */
void bw_align(bit_writer *w);                     /* pad to a byte boundary with zeros */
u32 bw_finish(bit_writer *w);                     /* flush; returns bytes written */
u64 bw_bit_position(const bit_writer *w);

typedef struct {
    const u8 *in;
    u32 len;
    u32 pos;      /* next byte to load */
    u64 bits;     /* buffered bits, LSB first */
    u32 count;    /* number of buffered bits */
    u64 consumed; /* bits consumed so far */
    int overrun;  /* set when more bits were consumed than the input holds */
} bit_reader;

void br_init(bit_reader *r, const u8 *in, u32 len);
u32 br_peek(bit_reader *r, u32 nbits); /* nbits <= 32; missing bits read as zero */
void br_skip(bit_reader *r, u32 nbits);
u32 br_get(bit_reader *r, u32 nbits);
void br_align(bit_reader *r);
u32 br_byte_position(const bit_reader *r); /* bytes consumed, counting a partial one */

/* ------------------------------------------------------------------------------------------ */
/* huffman.c                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define HUFF_MAX_BITS 15
#define HUFF_MAX_SYMBOLS 288
#define HUFF_TABLE_BITS 9

/* Computes code lengths (<= max_bits) for `count` symbols with the given frequencies; unused
 * symbols get length 0. If fewer than two symbols are used, used ones get length 1. */
void huff_build_lengths(const u32 *freq, u32 count, u32 max_bits, u8 *lengths);
/* Assigns canonical codes (bit-reversed, ready for an LSB-first writer) from lengths. Returns 0
 * when the lengths over-subscribe the code space. */
int huff_assign_codes(const u8 *lengths, u32 count, u16 *codes);
/* Cost in bits of coding `freq` with `lengths`. */
u64 huff_cost(const u32 *freq, const u8 *lengths, u32 count);

typedef struct {
    /* Fast path: indexed by the next HUFF_TABLE_BITS input bits; entry = symbol << 4 | length,
     * or 0 when the code is longer than the table (then the slow path decodes). */
    u16 fast[1 << HUFF_TABLE_BITS];
    /* Slow path, canonical decoding: codes per length and symbols ordered by code. */
    u16 count[HUFF_MAX_BITS + 1];
    u16 symbols[HUFF_MAX_SYMBOLS];
    u32 nsymbols;
} huff_decoder;

/* Returns 0 if the lengths are over-subscribed or describe no symbol at all. */
int huff_decoder_init(huff_decoder *d, const u8 *lengths, u32 count);
/* Returns the decoded symbol, or -1 on an invalid code. */
i32 huff_decode(huff_decoder *d, bit_reader *r);

/* ------------------------------------------------------------------------------------------ */
/* lz.c                                                                                       */
/* ------------------------------------------------------------------------------------------ */

#define LZ_MIN_MATCH 3
#define LZ_MAX_MATCH 258
#define LZ_WINDOW 32768

/* A token is a literal (length == 0, value = byte) or a match (length >= LZ_MIN_MATCH,
 * distance in 1..LZ_WINDOW). */
typedef struct {
    u16 length;
    u16 distance; /* stored minus one for matches */
    u8 literal;
} lz_token;

typedef struct {
    u32 max_chain;   /* candidates examined per position */
    u32 good_length; /* stop searching once a match this long is found */
    int lazy;        /* try one position ahead before committing to a match */
} lz_params;

/* Tokenises in[0, len). Returns the number of tokens written to `tokens` (capacity `cap`,
 * which must be >= len), or 0 if the scratch arena is too small. */
u32 lz_parse(const u8 *in, u32 len, lz_token *tokens, u32 cap, const lz_params *params, arena *scratch);

/* ------------------------------------------------------------------------------------------ */
/* codec.c                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    u32 blocks;
    u32 stored_blocks;
    u32 tokens;
    u32 matches;
    u64 match_bytes;
} codec_stats;

/* Compresses in[0, len) into out; returns the compressed size, or 0 if it does not fit. */
u32 codec_compress(const u8 *in, u32 len, u8 *out, u32 cap, const lz_params *params, arena *scratch,
                   codec_stats *stats);
/* Decompresses; returns the decoded size, or a negative error code:
 *   -1 truncated input, -2 bad header, -3 bad code lengths, -4 bad symbol, -5 bad distance,
 *   -6 output too small, -7 checksum mismatch */
i32 codec_decompress(const u8 *in, u32 len, u8 *out, u32 cap, arena *scratch);

/* ------------------------------------------------------------------------------------------ */
/* stacklang.c                                                                                */
/* ------------------------------------------------------------------------------------------ */

enum {
    SL_OK = 0,
    SL_ERR_UNKNOWN_WORD,
    SL_ERR_SYNTAX,
    SL_ERR_CODE_FULL,
    SL_ERR_DICT_FULL,
    SL_ERR_STACK_UNDERFLOW,
    SL_ERR_STACK_OVERFLOW,
    SL_ERR_RSTACK,
    SL_ERR_DIV_ZERO,
    SL_ERR_MEMORY,
    SL_ERR_STEPS,
    SL_ERR_NO_MAIN,
};

typedef struct {
    u32 status;      /* SL_OK or an error */
    i64 top;         /* top of the data stack at exit (0 if empty) */
    u32 depth;       /* data-stack depth at exit */
    u64 steps;       /* VM instructions executed */
    u64 output_hash; /* FNV-1a over everything printed */
    u32 output_len;
    u32 code_size;   /* compiled cells */
    u32 words;       /* dictionary entries defined by the program */
} sl_result;

/* Compiles `source`, pushes `arg`, and runs the word `main`. At most `max_steps` instructions.
 * Printed output goes to `out` (may be NULL). */
void sl_run(const char *source, i64 arg, u64 max_steps, arena *mem, buffer *out, sl_result *result);

/* ------------------------------------------------------------------------------------------ */
/* scripts.c                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *source;
    i64 (*argument)(u64 round); /* argument for a benchmark round */
    u64 max_steps;              /* step limit (some scripts are meant to hit it) */
} sl_script;

extern const sl_script sl_scripts[];
extern const u32 sl_script_count;

#endif /* LARGE_H */
