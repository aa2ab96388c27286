/*
 * huffman.c - length-limited canonical prefix codes.
 *
 * Construction: the used symbols are sorted by frequency and merged with the classic
 * two-queue method (leaves in one queue, merged nodes in a second one, both already in
 * increasing weight order), giving optimal code lengths. Lengths above the limit are clamped,
 * and the resulting over-full code is repaired by lengthening the cheapest symbols until the
 * Kraft sum fits; any slack left is then spent on shortening the most frequent symbols.
 *
 * Codes are canonical (shorter codes first, ties by symbol number), so only the lengths need
 * to be transmitted. Because the bit writer is LSB-first, codes are stored bit-reversed so
 * that the decoder sees their first (most significant) bit first.
 *
 * Decoding uses a 2^9-entry table for codes of up to 9 bits and falls back to bit-serial
 * canonical decoding for longer ones.
 */
#include "large.h"

typedef struct {
    u32 weight;
    u16 symbol; /* leaves: the symbol; merged nodes: unused */
} node;

/* Sorts leaves by (weight, symbol): insertion sort is fine for <= 288 entries, and mostly
 * sorted inputs (typical for block statistics) make it close to linear. */
static void sort_leaves(node *leaves, u32 n) {
    for (u32 i = 1; i < n; i++) {
        node v = leaves[i];
        u32 j = i;
        while (j > 0 && (leaves[j - 1].weight > v.weight ||
                         (leaves[j - 1].weight == v.weight && leaves[j - 1].symbol > v.symbol))) {
            leaves[j] = leaves[j - 1];
            j--;
        }
        leaves[j] = v;
    }
}

/* Kraft sum of the lengths, scaled by 2^max_bits. */
static u32 kraft_sum(const u8 *lengths, u32 count, u32 max_bits) {
    u32 sum = 0;
    for (u32 s = 0; s < count; s++) {
        if (lengths[s]) {
            sum += 1u << (max_bits - lengths[s]);
        }
    }
    return sum;
}

static void limit_lengths(const u32 *freq, u32 count, u32 max_bits, u8 *lengths) {
    int clamped = 0;
    for (u32 s = 0; s < count; s++) {
        if (lengths[s] > max_bits) {
            lengths[s] = (u8)max_bits;
            clamped = 1;
        }
    }
    if (!clamped) {
        return;
    }
    const u32 capacity = 1u << max_bits;
    u32 sum = kraft_sum(lengths, count, max_bits);
    /* Over-full: lengthen the symbol with the longest code below the limit (ties: lowest
     * frequency), which frees the least useful code space first. */
    while (sum > capacity) {
        u32 best = count;
        for (u32 s = 0; s < count; s++) {
            if (lengths[s] == 0 || lengths[s] >= max_bits) {
                continue;
            }
            if (best == count || lengths[s] > lengths[best] ||
                (lengths[s] == lengths[best] && freq[s] < freq[best])) {
                best = s;
            }
        }
        if (best == count) {
            break; /* cannot happen for count <= 2^max_bits symbols */
        }
        sum -= 1u << (max_bits - lengths[best] - 1);
        lengths[best]++;
    }
    /* Under-full: shorten frequent symbols while the code still fits. */
    for (int progress = 1; progress && sum < capacity;) {
        progress = 0;
        u32 best = count;
        for (u32 s = 0; s < count; s++) {
            if (lengths[s] <= 1) {
                continue;
            }
            u32 gain = 1u << (max_bits - lengths[s]); /* extra Kraft space shortening costs */
            if (sum + gain > capacity) {
                continue;
            }
            if (best == count || freq[s] > freq[best]) {
                best = s;
            }
        }
        if (best != count) {
            sum += 1u << (max_bits - lengths[best]);
            lengths[best]--;
            progress = 1;
        }
    }
}

void huff_build_lengths(const u32 *freq, u32 count, u32 max_bits, u8 *lengths) {
    static node leaves[HUFF_MAX_SYMBOLS];
    static u32 merged_weight[HUFF_MAX_SYMBOLS];
    static u16 parent[2 * HUFF_MAX_SYMBOLS];
    static u8 depth[2 * HUFF_MAX_SYMBOLS];

    u32 used = 0;
    for (u32 s = 0; s < count; s++) {
        lengths[s] = 0;
        if (freq[s]) {
            leaves[used].weight = freq[s];
            leaves[used].symbol = (u16)s;
            used++;
        }
    }
    if (used == 0) {
        return;
    }
    if (used == 1) {
        lengths[leaves[0].symbol] = 1;
        return;
    }
    sort_leaves(leaves, used);

    /* Node numbering: leaves 0..used-1 (sorted), merged nodes used..2*used-2 in creation
     * order, so a parent always has a larger number than its children. */
    u32 next_leaf = 0, next_merged = 0, merged_count = 0;
    for (u32 k = 0; k < used - 1; k++) {
        u32 pick[2];
        for (int side = 0; side < 2; side++) {
            int take_leaf;
            if (next_leaf >= used) {
                take_leaf = 0;
            } else if (next_merged >= merged_count) {
                take_leaf = 1;
            } else {
                take_leaf = leaves[next_leaf].weight <= merged_weight[next_merged];
            }
            pick[side] = take_leaf ? next_leaf++ : used + next_merged++;
        }
        u32 w0 = pick[0] < used ? leaves[pick[0]].weight : merged_weight[pick[0] - used];
        u32 w1 = pick[1] < used ? leaves[pick[1]].weight : merged_weight[pick[1] - used];
        u32 id = used + merged_count;
        merged_weight[merged_count++] = w0 + w1;
        parent[pick[0]] = (u16)id;
        parent[pick[1]] = (u16)id;
    }
    u32 root = used + merged_count - 1;
    depth[root] = 0;
    for (u32 id = root; id-- > 0;) {
        u32 d = depth[parent[id]] + 1u;
        depth[id] = (u8)(d > 255 ? 255 : d);
    }
    for (u32 i = 0; i < used; i++) {
        lengths[leaves[i].symbol] = depth[i];
    }
    limit_lengths(freq, count, max_bits, lengths);
}

static u16 reverse_bits(u32 code, u32 len) {
    u32 r = 0;
    for (u32 i = 0; i < len; i++) {
        r = (r << 1) | ((code >> i) & 1);
    }
    return (u16)r;
}

int huff_assign_codes(const u8 *lengths, u32 count, u16 *codes) {
    u32 bl_count[HUFF_MAX_BITS + 1];
    u32 next_code[HUFF_MAX_BITS + 2];
    memset(bl_count, 0, sizeof bl_count);
    for (u32 s = 0; s < count; s++) {
        if (lengths[s] > HUFF_MAX_BITS) {
            return 0;
        }
        bl_count[lengths[s]]++;
    }
    bl_count[0] = 0;
    u32 code = 0;
    i32 left = 1;
    for (u32 len = 1; len <= HUFF_MAX_BITS; len++) {
        left = left * 2 - (i32)bl_count[len];
        if (left < 0) {
            return 0;
        }
        code = (code + bl_count[len - 1]) << 1;
        next_code[len] = code;
    }
    for (u32 s = 0; s < count; s++) {
        u32 len = lengths[s];
        codes[s] = len ? reverse_bits(next_code[len]++, len) : 0;
    }
    return 1;
}

u64 huff_cost(const u32 *freq, const u8 *lengths, u32 count) {
    u64 bits = 0;
    for (u32 s = 0; s < count; s++) {
        bits += (u64)freq[s] * lengths[s];
    }
    return bits;
}

int huff_decoder_init(huff_decoder *d, const u8 *lengths, u32 count) {
    u16 offsets[HUFF_MAX_BITS + 2];
    memset(d->count, 0, sizeof d->count);
    for (u32 s = 0; s < count; s++) {
        if (lengths[s] > HUFF_MAX_BITS) {
            return 0;
        }
        d->count[lengths[s]]++;
    }
    d->count[0] = 0;
    i32 left = 1;
    u32 total = 0;
    for (u32 len = 1; len <= HUFF_MAX_BITS; len++) {
        left = left * 2 - d->count[len];
        if (left < 0) {
            return 0;
        }
        total += d->count[len];
    }
    if (total == 0) {
        return 0;
    }
    d->nsymbols = total;
    offsets[1] = 0;
    for (u32 len = 1; len <= HUFF_MAX_BITS; len++) {
        offsets[len + 1] = (u16)(offsets[len] + d->count[len]);
    }
    for (u32 s = 0; s < count; s++) {
        if (lengths[s]) {
            d->symbols[offsets[lengths[s]]++] = (u16)s;
        }
    }
    /* Fast table from the canonical codes. */
    memset(d->fast, 0, sizeof d->fast);
    u32 code = 0, index = 0;
    for (u32 len = 1; len <= HUFF_TABLE_BITS; len++) {
        for (u32 k = 0; k < d->count[len]; k++, index++, code++) {
            u32 reversed = reverse_bits(code, len);
            u16 entry = (u16)(d->symbols[index] << 4 | len);
            for (u32 slot = reversed; slot < (1u << HUFF_TABLE_BITS); slot += 1u << len) {
                d->fast[slot] = entry;
            }
        }
        code <<= 1;
    }
    return 1;
}

i32 huff_decode(huff_decoder *d, bit_reader *r) {
    u32 peek = br_peek(r, HUFF_MAX_BITS);
    u16 entry = d->fast[peek & ((1u << HUFF_TABLE_BITS) - 1)];
    if (entry) {
        br_skip(r, entry & 15);
        return entry >> 4;
    }
    /* Canonical decoding, one bit at a time: `first` is the first code of the current length,
     * `index` the position of its symbol in `symbols`. */
    i32 code = 0, first = 0, index = 0;
    for (u32 len = 1; len <= HUFF_MAX_BITS; len++) {
        code |= (i32)((peek >> (len - 1)) & 1);
        i32 n = d->count[len];
        if (code - first < n) {
            br_skip(r, len);
            return d->symbols[index + code - first];
        }
        index += n;
        first = (first + n) << 1;
        code <<= 1;
    }
    return -1;
}
