/*
 * codec.c - the `large` program's compressed container format ("GLZ1").
 *
 * Layout (all multi-byte header fields little-endian, the body an LSB-first bit stream):
 *
 *   "GLZ1"                      magic, 4 bytes
 *   u32 original length
 *   blocks...                   each: 1 bit `final`, 2 bits `type`
 *     type 0, stored:           align to a byte; u16 length; `length` raw bytes
 *     type 1, coded:            5 bits HLIT (lit/len lengths sent - 257)
 *                               5 bits HDIST (distance lengths sent - 1)
 *                               5 bits HCLEN (code-length-code lengths sent, natural order)
 *                               HCLEN x 3 bits: lengths of the code-length code
 *                               the lit/len and distance lengths, as one sequence coded with
 *                               the code-length code (see below)
 *                               symbols, ending with END_OF_BLOCK
 *   align to a byte; u32 Adler-32 of the original data
 *
 * Symbol alphabets (this is not DEFLATE: the slot layout is computed, not tabulated):
 *   lit/len:  0..255 literal bytes, 256 end of block, 257 + s for length slot s (0..17)
 *   distance: slot 0..29
 *   A value v (length - 3, or distance - 1) maps to a slot with `small` direct slots
 *   (8 for lengths, 4 for distances): v < small -> slot v, no extra bits; otherwise with
 *   k = floor(log2 v): slot = small + 2 * (k - log2 small) + bit k-1 of v, followed by the low
 *   k - 1 bits of v as extra bits.
 *
 * Code-length code alphabet: 0..15 a length; 16 repeat the previous length 3..10 times
 * (3 extra bits); 17 a run of 3..18 zeros (4 extra bits); 18 a run of 19..146 zeros (7 extra
 * bits). Its own lengths are at most 7 bits.
 */
#include "large.h"

#define BLOCK_INPUT 8192 /* input bytes per block (the parse spans blocks) */
#define END_OF_BLOCK 256
#define LENGTH_SLOTS 18
#define DISTANCE_SLOTS 30
#define LITLEN_SYMBOLS (257 + LENGTH_SLOTS)
#define CL_SYMBOLS 19
#define CL_MAX_BITS 7

/* ------------------------------------------------------------------------------------------ */
/* Slots                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static u32 floor_log2(u32 v) {
    return 31 - (u32)__builtin_clz(v | 1);
}

/* value -> slot, extra-bit count and extra-bit value; `small_log2` = log2 of the direct slots */
static u32 slot_of(u32 v, u32 small_log2, u32 *extra_bits, u32 *extra_value) {
    u32 small = 1u << small_log2;
    if (v < small) {
        *extra_bits = 0;
        *extra_value = 0;
        return v;
    }
    u32 k = floor_log2(v);
    *extra_bits = k - 1;
    *extra_value = v & ((1u << (k - 1)) - 1);
    return small + 2 * (k - small_log2) + ((v >> (k - 1)) & 1);
}

/* slot -> base value and extra-bit count (inverse of slot_of) */
static u32 slot_base(u32 slot, u32 small_log2, u32 *extra_bits) {
    u32 small = 1u << small_log2;
    if (slot < small) {
        *extra_bits = 0;
        return slot;
    }
    u32 k = small_log2 + (slot - small) / 2;
    u32 half = (slot - small) & 1;
    *extra_bits = k - 1;
    return (1u << k) | (half << (k - 1));
}

/* ------------------------------------------------------------------------------------------ */
/* Compression                                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    u8 symbol;
    u8 extra;
} cl_item;

typedef struct {
    u32 litlen_freq[LITLEN_SYMBOLS];
    u32 dist_freq[DISTANCE_SLOTS];
    u8 litlen_len[LITLEN_SYMBOLS];
    u8 dist_len[DISTANCE_SLOTS];
    u16 litlen_code[LITLEN_SYMBOLS];
    u16 dist_code[DISTANCE_SLOTS];
    u32 hlit, hdist;
    cl_item cl_items[LITLEN_SYMBOLS + DISTANCE_SLOTS];
    u32 cl_count;
    u32 cl_freq[CL_SYMBOLS];
    u8 cl_len[CL_SYMBOLS];
    u16 cl_code[CL_SYMBOLS];
    u32 hclen;
} block_plan;

static void count_symbols(block_plan *p, const lz_token *tokens, u32 n) {
    memset(p->litlen_freq, 0, sizeof p->litlen_freq);
    memset(p->dist_freq, 0, sizeof p->dist_freq);
    for (u32 i = 0; i < n; i++) {
        const lz_token *t = &tokens[i];
        u32 eb, ev;
        if (t->length == 0) {
            p->litlen_freq[t->literal]++;
        } else {
            p->litlen_freq[257 + slot_of(t->length - LZ_MIN_MATCH, 3, &eb, &ev)]++;
            p->dist_freq[slot_of(t->distance, 2, &eb, &ev)]++;
        }
    }
    p->litlen_freq[END_OF_BLOCK] = 1;
}

/* Run-length codes the concatenated lit/len + distance lengths with the CL alphabet. */
static void plan_lengths(block_plan *p) {
    u8 seq[LITLEN_SYMBOLS + DISTANCE_SLOTS];
    u32 n = 0;
    for (u32 i = 0; i < p->hlit; i++) {
        seq[n++] = p->litlen_len[i];
    }
    for (u32 i = 0; i < p->hdist; i++) {
        seq[n++] = p->dist_len[i];
    }
    p->cl_count = 0;
    memset(p->cl_freq, 0, sizeof p->cl_freq);
#define CL_EMIT(sym, ex)                              \
    do {                                              \
        p->cl_items[p->cl_count].symbol = (u8)(sym);  \
        p->cl_items[p->cl_count].extra = (u8)(ex);    \
        p->cl_count++;                                \
        p->cl_freq[sym]++;                            \
    } while (0)
    u32 i = 0;
    while (i < n) {
        u8 len = seq[i];
        u32 run = 1;
        while (i + run < n && seq[i + run] == len) {
            run++;
        }
        i += run;
        if (len == 0) {
            while (run >= 19) {
                u32 r = MIN(run, 146u);
                CL_EMIT(18, r - 19);
                run -= r;
            }
            if (run >= 3) {
                CL_EMIT(17, run - 3);
                run = 0;
            }
            while (run > 0) {
                CL_EMIT(0, 0);
                run--;
            }
        } else {
            CL_EMIT(len, 0);
            run--;
            while (run >= 3) {
                u32 r = MIN(run, 10u);
                CL_EMIT(16, r - 3);
                run -= r;
            }
            while (run > 0) {
                CL_EMIT(len, 0);
                run--;
            }
        }
    }
#undef CL_EMIT
    huff_build_lengths(p->cl_freq, CL_SYMBOLS, CL_MAX_BITS, p->cl_len);
    huff_assign_codes(p->cl_len, CL_SYMBOLS, p->cl_code);
    p->hclen = CL_SYMBOLS;
    while (p->hclen > 0 && p->cl_len[p->hclen - 1] == 0) {
        p->hclen--;
    }
}

static u32 cl_extra_bits(u32 symbol) {
    return symbol == 16 ? 3 : symbol == 17 ? 4 : symbol == 18 ? 7 : 0;
}

/* Builds all codes for a block; returns its coded size in bits (header included). */
static u64 plan_block(block_plan *p, const lz_token *tokens, u32 n) {
    count_symbols(p, tokens, n);
    u32 any_distance = 0;
    for (u32 s = 0; s < DISTANCE_SLOTS; s++) {
        any_distance |= p->dist_freq[s];
    }
    if (!any_distance) {
        p->dist_freq[0] = 1; /* the decoder needs at least one distance code */
    }
    huff_build_lengths(p->litlen_freq, LITLEN_SYMBOLS, HUFF_MAX_BITS, p->litlen_len);
    huff_build_lengths(p->dist_freq, DISTANCE_SLOTS, HUFF_MAX_BITS, p->dist_len);
    huff_assign_codes(p->litlen_len, LITLEN_SYMBOLS, p->litlen_code);
    huff_assign_codes(p->dist_len, DISTANCE_SLOTS, p->dist_code);
    p->hlit = LITLEN_SYMBOLS;
    while (p->hlit > 257 && p->litlen_len[p->hlit - 1] == 0) {
        p->hlit--;
    }
    p->hdist = DISTANCE_SLOTS;
    while (p->hdist > 1 && p->dist_len[p->hdist - 1] == 0) {
        p->hdist--;
    }
    plan_lengths(p);

    u64 bits = 3 + 15 + 3 * (u64)p->hclen;
    for (u32 i = 0; i < p->cl_count; i++) {
        bits += p->cl_len[p->cl_items[i].symbol] + cl_extra_bits(p->cl_items[i].symbol);
    }
    bits += huff_cost(p->litlen_freq, p->litlen_len, LITLEN_SYMBOLS);
    bits += huff_cost(p->dist_freq, p->dist_len, DISTANCE_SLOTS);
    for (u32 i = 0; i < n; i++) {
        if (tokens[i].length) {
            u32 eb, ev;
            slot_of(tokens[i].length - LZ_MIN_MATCH, 3, &eb, &ev);
            bits += eb;
            slot_of(tokens[i].distance, 2, &eb, &ev);
            bits += eb;
        }
    }
    return bits;
}

static void write_coded_block(bit_writer *w, const block_plan *p, const lz_token *tokens, u32 n) {
    bw_put(w, p->hlit - 257, 5);
    bw_put(w, p->hdist - 1, 5);
    bw_put(w, p->hclen, 5);
    for (u32 i = 0; i < p->hclen; i++) {
        bw_put(w, p->cl_len[i], 3);
    }
    for (u32 i = 0; i < p->cl_count; i++) {
        u32 s = p->cl_items[i].symbol;
        bw_put(w, p->cl_code[s], p->cl_len[s]);
        bw_put(w, p->cl_items[i].extra, cl_extra_bits(s));
    }
    for (u32 i = 0; i < n; i++) {
        const lz_token *t = &tokens[i];
        if (t->length == 0) {
            bw_put(w, p->litlen_code[t->literal], p->litlen_len[t->literal]);
            continue;
        }
        u32 eb, ev;
        u32 slot = slot_of(t->length - LZ_MIN_MATCH, 3, &eb, &ev);
        bw_put(w, p->litlen_code[257 + slot], p->litlen_len[257 + slot]);
        bw_put(w, ev, eb);
        slot = slot_of(t->distance, 2, &eb, &ev);
        bw_put(w, p->dist_code[slot], p->dist_len[slot]);
        bw_put(w, ev, eb);
    }
    bw_put(w, p->litlen_code[END_OF_BLOCK], p->litlen_len[END_OF_BLOCK]);
}

static void write_stored_block(bit_writer *w, const u8 *data, u32 len) {
    bw_align(w);
    bw_put(w, len, 16);
    for (u32 i = 0; i < len; i++) {
        bw_put(w, data[i], 8);
    }
}

u32 codec_compress(const u8 *in, u32 len, u8 *out, u32 cap, const lz_params *params, arena *scratch,
                   codec_stats *stats) {
    memset(stats, 0, sizeof *stats);
    u32 mark = arena_mark(scratch);
    lz_token *tokens = arena_alloc(scratch, (len + 1) * (u32)sizeof(lz_token));
    block_plan *plan = arena_alloc(scratch, sizeof(block_plan));
    if (!tokens || !plan) {
        arena_release(scratch, mark);
        return 0;
    }
    u32 ntokens = lz_parse(in, len, tokens, len + 1, params, scratch);
    if (len > 0 && ntokens == 0) {
        arena_release(scratch, mark);
        return 0;
    }
    stats->tokens = ntokens;

    bit_writer w;
    bw_init(&w, out, cap);
    bw_put(&w, 'G' | 'L' << 8 | 'Z' << 16 | (u32)'1' << 24, 32);
    bw_put(&w, len, 32);

    u32 t = 0, in_pos = 0;
    do {
        /* Take tokens until the block covers BLOCK_INPUT input bytes. */
        u32 first = t, block_start = in_pos;
        while (t < ntokens && in_pos - block_start < BLOCK_INPUT) {
            u32 covered = tokens[t].length ? tokens[t].length : 1;
            if (tokens[t].length) {
                stats->matches++;
                stats->match_bytes += covered;
            }
            in_pos += covered;
            t++;
        }
        u32 final = t == ntokens;
        u32 block_len = in_pos - block_start;
        u64 coded_bits = plan_block(plan, tokens + first, t - first);
        u64 stored_bits = 3 + 7 + 16 + 8 * (u64)block_len;
        stats->blocks++;
        if (stored_bits < coded_bits && block_len <= 0xffff) {
            stats->stored_blocks++;
            bw_put(&w, final | 0u << 1, 3);
            write_stored_block(&w, in + block_start, block_len);
        } else {
            bw_put(&w, final | 1u << 1, 3);
            write_coded_block(&w, plan, tokens + first, t - first);
        }
    } while (t < ntokens);

    bw_align(&w);
    bw_put(&w, adler32(1, in, len), 32);
    u32 size = bw_finish(&w);
    arena_release(scratch, mark);
    return w.overflow ? 0 : size;
}

/* ------------------------------------------------------------------------------------------ */
/* Decompression                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    huff_decoder litlen;
    huff_decoder dist;
    huff_decoder cl;
} block_decoders;

static i32 read_tables(bit_reader *r, block_decoders *d) {
    u32 hlit = br_get(r, 5) + 257;
    u32 hdist = br_get(r, 5) + 1;
    u32 hclen = br_get(r, 5);
    if (hlit > LITLEN_SYMBOLS || hdist > DISTANCE_SLOTS || hclen > CL_SYMBOLS) {
        return -2;
    }
    u8 cl_len[CL_SYMBOLS];
    memset(cl_len, 0, sizeof cl_len);
    for (u32 i = 0; i < hclen; i++) {
        cl_len[i] = (u8)br_get(r, 3);
    }
    if (!huff_decoder_init(&d->cl, cl_len, CL_SYMBOLS)) {
        return -3;
    }
    u8 lengths[LITLEN_SYMBOLS + DISTANCE_SLOTS];
    u32 total = hlit + hdist, n = 0;
    while (n < total) {
        i32 sym = huff_decode(&d->cl, r);
        if (sym < 0 || r->overrun) {
            return -3;
        }
        if (sym < 16) {
            lengths[n++] = (u8)sym;
            continue;
        }
        u32 repeat;
        u8 value = 0;
        if (sym == 16) {
            if (n == 0) {
                return -3;
            }
            value = lengths[n - 1];
            repeat = 3 + br_get(r, 3);
        } else if (sym == 17) {
            repeat = 3 + br_get(r, 4);
        } else {
            repeat = 19 + br_get(r, 7);
        }
        if (n + repeat > total) {
            return -3;
        }
        while (repeat--) {
            lengths[n++] = value;
        }
    }
    u8 litlen_len[LITLEN_SYMBOLS];
    memset(litlen_len, 0, sizeof litlen_len);
    memcpy(litlen_len, lengths, hlit);
    if (litlen_len[END_OF_BLOCK] == 0) {
        return -3;
    }
    if (!huff_decoder_init(&d->litlen, litlen_len, LITLEN_SYMBOLS) ||
        !huff_decoder_init(&d->dist, lengths + hlit, hdist)) {
        return -3;
    }
    return 0;
}

i32 codec_decompress(const u8 *in, u32 len, u8 *out, u32 cap, arena *scratch) {
    if (len < 12) {
        return -1;
    }
    u32 mark = arena_mark(scratch);
    block_decoders *d = arena_alloc(scratch, sizeof(block_decoders));
    if (!d) {
        return -6;
    }
    i32 status = 0;
    bit_reader r;
    br_init(&r, in, len);
    u32 magic = br_get(&r, 32);
    u32 expected = br_get(&r, 32);
    if (magic != ('G' | 'L' << 8 | 'Z' << 16 | (u32)'1' << 24)) {
        status = -2;
        goto done;
    }
    if (expected > cap) {
        status = -6;
        goto done;
    }
    u32 produced = 0;
    for (;;) {
        u32 header = br_get(&r, 3);
        u32 final = header & 1, type = header >> 1;
        if (type == 0) {
            br_align(&r);
            u32 n = br_get(&r, 16);
            if (produced + n > expected) {
                status = -6;
                goto done;
            }
            for (u32 i = 0; i < n; i++) {
                out[produced++] = (u8)br_get(&r, 8);
            }
        } else if (type == 1) {
            status = read_tables(&r, d);
            if (status) {
                goto done;
            }
            for (;;) {
                i32 sym = huff_decode(&d->litlen, &r);
                if (sym < 0) {
                    status = -4;
                    goto done;
                }
                if (sym < 256) {
                    if (produced >= expected) {
                        status = -6;
                        goto done;
                    }
                    out[produced++] = (u8)sym;
                    continue;
                }
                if (sym == END_OF_BLOCK) {
                    break;
                }
                u32 eb;
                u32 length = slot_base((u32)sym - 257, 3, &eb);
                length += br_get(&r, eb) + LZ_MIN_MATCH;
                i32 dsym = huff_decode(&d->dist, &r);
                if (dsym < 0) {
                    status = -4;
                    goto done;
                }
                u32 distance = slot_base((u32)dsym, 2, &eb);
                distance += br_get(&r, eb) + 1;
                if (distance > produced || distance > LZ_WINDOW) {
                    status = -5;
                    goto done;
                }
                if (length > expected - produced) {
                    status = -6;
                    goto done;
                }
                /* Byte by byte: the source may overlap the bytes being written. */
                const u8 *src = out + produced - distance;
                for (u32 i = 0; i < length; i++) {
                    out[produced + i] = src[i];
                }
                produced += length;
                if (r.overrun) {
                    status = -1;
                    goto done;
                }
            }
        } else {
            status = -2;
            goto done;
        }
        if (r.overrun) {
            status = -1;
            goto done;
        }
        if (final) {
            break;
        }
    }
    br_align(&r);
    u32 checksum = br_get(&r, 32);
    if (r.overrun) {
        status = -1;
    } else if (produced != expected) {
        status = -2;
    } else if (checksum != adler32(1, out, produced)) {
        status = -7;
    } else {
        status = (i32)produced;
    }
done:
    arena_release(scratch, mark);
    return status;
}
