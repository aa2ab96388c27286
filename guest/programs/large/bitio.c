/*
 * bitio.c - LSB-first bit streams.
 *
 * The writer accumulates bits in a 64-bit register and flushes whole bytes; the reader refills
 * its 64-bit buffer a byte at a time to more than 56 bits whenever a request needs more than
 * it holds, so peeks of up to 32 bits are a mask. Past the end of the input the reader supplies
 * zero bytes and sets `overrun` once more bits have been consumed than the input holds;
 * callers check the flag per match or block instead of on every bit.
 */
#include "large.h"

void bw_init(bit_writer *w, u8 *out, u32 cap) {
    w->out = out;
    w->cap = cap;
    w->pos = 0;
    w->bits = 0;
    w->count = 0;
    w->overflow = 0;
}

static void bw_flush_bytes(bit_writer *w) {
    while (w->count >= 8) {
        if (w->pos < w->cap) {
            w->out[w->pos++] = (u8)w->bits;
        } else {
            w->overflow = 1;
        }
        w->bits >>= 8;
        w->count -= 8;
    }
}

void bw_put(bit_writer *w, u32 value, u32 nbits) {
    if (nbits == 0) {
        return;
    }
    if (nbits < 32) {
        value &= (1u << nbits) - 1;
    }
    w->bits |= (u64)value << w->count;
    w->count += nbits;
    if (w->count >= 32) {
        bw_flush_bytes(w);
    }
}

void bw_align(bit_writer *w) {
    if (w->count & 7) {
        w->count += 8 - (w->count & 7);
    }
    bw_flush_bytes(w);
}

u32 bw_finish(bit_writer *w) {
    bw_align(w);
    return w->pos;
}

u64 bw_bit_position(const bit_writer *w) {
    return (u64)w->pos * 8 + w->count;
}

void br_init(bit_reader *r, const u8 *in, u32 len) {
    r->in = in;
    r->len = len;
    r->pos = 0;
    r->bits = 0;
    r->count = 0;
    r->consumed = 0;
    r->overrun = 0;
}

/* Tops the buffer up to more than 56 bits; beyond the input, zero bytes are "read". */
static void br_refill(bit_reader *r) {
    while (r->count <= 56) {
        u64 byte = r->pos < r->len ? r->in[r->pos++] : 0;
        r->bits |= byte << r->count;
        r->count += 8;
    }
}

u32 br_peek(bit_reader *r, u32 nbits) {
    if (r->count < nbits) {
        br_refill(r);
    }
    u64 mask = nbits >= 32 ? 0xFFFFFFFFULL : ((1ULL << nbits) - 1);
    return (u32)(r->bits & mask);
}

void br_skip(bit_reader *r, u32 nbits) {
    if (r->count < nbits) {
        br_refill(r);
    }
    r->bits >>= nbits;
    r->count -= nbits;
    r->consumed += nbits;
    if (r->consumed > (u64)r->len * 8) {
        r->overrun = 1;
    }
}

u32 br_get(bit_reader *r, u32 nbits) {
    u32 v = br_peek(r, nbits);
    br_skip(r, nbits);
    return v;
}

void br_align(bit_reader *r) {
    br_skip(r, (u32)((8 - (r->consumed & 7)) & 7));
}

u32 br_byte_position(const bit_reader *r) {
    return (u32)((r->consumed + 7) / 8);
}
