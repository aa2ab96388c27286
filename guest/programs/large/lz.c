/*
 * lz.c - LZ77 parsing with hash chains.
 *
 * Every position whose next three bytes are available is inserted into a hash table of chain
 * heads keyed by those three bytes; `prev` links each position to the previous one with the
 * same hash. Positions are stored plus one so that zero means "none". The window is 32 KiB and
 * `prev` is indexed modulo the window, which is safe because a chain is abandoned as soon as it
 * leaves the window (an entry is only overwritten by a position exactly one window later).
 *
 * Lazy matching: after finding a match at p, the parser also looks at p + 1 and emits a
 * literal instead if the match there is longer.
 */
#include "large.h"

#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define WINDOW_MASK (LZ_WINDOW - 1)
/* A 3-byte match further away than this is not worth a distance code. */
#define FAR_SHORT_MATCH 4096

typedef struct {
    const u8 *in;
    u32 len;
    u32 *head;
    u32 *prev;
    u32 inserted; /* positions [0, inserted) are in the chains */
    const lz_params *params;
} matcher;

static inline u32 hash3(const u8 *p) {
    u32 v = (u32)p[0] << 16 | (u32)p[1] << 8 | (u32)p[2];
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Inserts every position below `upto` that is not in the chains yet. */
static void insert_upto(matcher *m, u32 upto) {
    u32 last = m->len >= LZ_MIN_MATCH ? m->len - LZ_MIN_MATCH + 1 : 0;
    if (upto > last) {
        upto = last;
    }
    while (m->inserted < upto) {
        u32 pos = m->inserted++;
        u32 h = hash3(m->in + pos);
        m->prev[pos & WINDOW_MASK] = m->head[h];
        m->head[h] = pos + 1;
    }
}

static u32 match_length(const u8 *a, const u8 *b, u32 limit) {
    u32 n = 0;
    while (n < limit && a[n] == b[n]) {
        n++;
    }
    return n;
}

/* Longest match for the bytes at `pos` among earlier positions; returns its length (0 if
 * shorter than LZ_MIN_MATCH) and stores the distance. */
static u32 find_match(matcher *m, u32 pos, u32 *distance) {
    u32 limit = MIN((u32)LZ_MAX_MATCH, m->len - pos);
    if (limit < LZ_MIN_MATCH) {
        return 0;
    }
    insert_upto(m, pos);
    u32 best = LZ_MIN_MATCH - 1;
    u32 best_distance = 0;
    u32 chain = m->params->max_chain;
    u32 candidate = m->head[hash3(m->in + pos)];
    const u8 *here = m->in + pos;
    while (candidate != 0 && chain-- > 0) {
        u32 c = candidate - 1;
        if (pos - c > LZ_WINDOW) {
            break;
        }
        const u8 *there = m->in + c;
        /* Cheap rejection: the byte that would extend the best match must match first. */
        if (there[best] == here[best] && there[0] == here[0]) {
            u32 n = match_length(there, here, limit);
            if (n > best) {
                best = n;
                best_distance = pos - c;
                if (n >= m->params->good_length || n == limit) {
                    break;
                }
            }
        }
        candidate = m->prev[c & WINDOW_MASK];
    }
    if (best < LZ_MIN_MATCH || (best == LZ_MIN_MATCH && best_distance > FAR_SHORT_MATCH)) {
        return 0;
    }
    *distance = best_distance;
    return best;
}

static void put_literal(lz_token *t, u8 byte) {
    t->length = 0;
    t->distance = 0;
    t->literal = byte;
}

static void put_match(lz_token *t, u32 length, u32 distance) {
    t->length = (u16)length;
    t->distance = (u16)(distance - 1);
    t->literal = 0;
}

u32 lz_parse(const u8 *in, u32 len, lz_token *tokens, u32 cap, const lz_params *params, arena *scratch) {
    if (cap < len) {
        return 0;
    }
    u32 mark = arena_mark(scratch);
    matcher m;
    m.in = in;
    m.len = len;
    m.head = arena_alloc(scratch, HASH_SIZE * sizeof(u32));
    m.prev = arena_alloc(scratch, LZ_WINDOW * sizeof(u32));
    m.inserted = 0;
    m.params = params;
    if (!m.head || !m.prev) {
        arena_release(scratch, mark);
        return 0;
    }

    u32 count = 0;
    u32 pos = 0;
    u32 pending_length = 0, pending_distance = 0; /* a match found one step ahead */
    while (pos < len) {
        u32 distance = 0;
        u32 length;
        if (pending_length) {
            length = pending_length;
            distance = pending_distance;
            pending_length = 0;
        } else {
            length = find_match(&m, pos, &distance);
        }
        if (length == 0) {
            put_literal(&tokens[count++], in[pos]);
            pos++;
            continue;
        }
        if (params->lazy && length < params->good_length && pos + 1 < len) {
            u32 next_distance = 0;
            u32 next_length = find_match(&m, pos + 1, &next_distance);
            if (next_length > length) {
                /* Defer: a literal now, the longer match at the next position. */
                put_literal(&tokens[count++], in[pos]);
                pos++;
                pending_length = next_length;
                pending_distance = next_distance;
                continue;
            }
        }
        put_match(&tokens[count++], length, distance);
        pos += length;
    }
    arena_release(scratch, mark);
    return count;
}
