/*
 * sort - sorting generated data: introspective quicksort (median-of-three, insertion sort for
 * short ranges, heapsort fallback) on 64-bit keys, plain heapsort on a copy, a bottom-up merge
 * sort and an LSD radix sort on 32-bit keys. Results are cross-checked against each other and
 * folded into a position-weighted checksum.
 *
 * Data-dependent branches, compare-and-swap loops and index arithmetic dominate.
 */
#include "gannet_guest.h"
#include "gannet_libc.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;

#define N64 4096
#define N32 4096

static u64 keys[N64];
static u64 copy[N64];
static u32 small[N32];
static u32 small_tmp[N32];
static u32 small_copy[N32];

static inline void swap64(u64 *a, u64 *b) {
    u64 t = *a;
    *a = *b;
    *b = t;
}

static void insertion_sort(u64 *a, u32 n) {
    for (u32 i = 1; i < n; i++) {
        u64 v = a[i];
        u32 j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void sift_down(u64 *a, u32 root, u32 n) {
    for (;;) {
        u32 child = 2 * root + 1;
        if (child >= n) {
            return;
        }
        if (child + 1 < n && a[child + 1] > a[child]) {
            child++;
        }
        if (a[root] >= a[child]) {
            return;
        }
        swap64(&a[root], &a[child]);
        root = child;
    }
}

static void heap_sort(u64 *a, u32 n) {
    for (u32 i = n / 2; i-- > 0;) {
        sift_down(a, i, n);
    }
    for (u32 end = n; end-- > 1;) {
        swap64(&a[0], &a[end]);
        sift_down(a, 0, end);
    }
}

static void intro_sort(u64 *a, u32 n, u32 depth_limit) {
    while (n > 16) {
        if (depth_limit == 0) {
            heap_sort(a, n);
            return;
        }
        depth_limit--;
        /* median of three to a[0] */
        u32 mid = n / 2;
        if (a[mid] < a[0]) {
            swap64(&a[mid], &a[0]);
        }
        if (a[n - 1] < a[0]) {
            swap64(&a[n - 1], &a[0]);
        }
        if (a[n - 1] < a[mid]) {
            swap64(&a[n - 1], &a[mid]);
        }
        swap64(&a[0], &a[mid]);
        u64 pivot = a[0];
        /* Hoare partition */
        u32 i = 0, j = n;
        for (;;) {
            do {
                i++;
            } while (i < n && a[i] < pivot);
            do {
                j--;
            } while (a[j] > pivot);
            if (i >= j) {
                break;
            }
            swap64(&a[i], &a[j]);
        }
        swap64(&a[0], &a[j]);
        /* recurse into the smaller side, loop on the larger */
        if (j < n - j - 1) {
            intro_sort(a, j, depth_limit);
            a += j + 1;
            n -= j + 1;
        } else {
            intro_sort(a + j + 1, n - j - 1, depth_limit);
            n = j;
        }
    }
    insertion_sort(a, n);
}

static void merge_sort_u32(u32 *a, u32 *tmp, u32 n) {
    for (u32 width = 1; width < n; width *= 2) {
        for (u32 lo = 0; lo < n; lo += 2 * width) {
            u32 mid = lo + width < n ? lo + width : n;
            u32 hi = lo + 2 * width < n ? lo + 2 * width : n;
            u32 i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
            }
            while (i < mid) {
                tmp[k++] = a[i++];
            }
            while (j < hi) {
                tmp[k++] = a[j++];
            }
        }
        memcpy(a, tmp, n * sizeof(u32));
    }
}

static void radix_sort_u32(u32 *a, u32 *tmp, u32 n) {
    for (u32 shift = 0; shift < 32; shift += 8) {
        u32 count[257];
        memset(count, 0, sizeof count);
        for (u32 i = 0; i < n; i++) {
            count[((a[i] >> shift) & 255) + 1]++;
        }
        for (u32 b = 0; b < 256; b++) {
            count[b + 1] += count[b];
        }
        for (u32 i = 0; i < n; i++) {
            tmp[count[(a[i] >> shift) & 255]++] = a[i];
        }
        memcpy(a, tmp, n * sizeof(u32));
    }
}

static u64 rng;

static u64 next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static u32 log2_floor(u32 x) {
    return 31 - (u32)__builtin_clz(x | 1);
}

gannet_u64 bench(gannet_u64 n) {
    rng = 0x2545F4914F6CDD1DULL + n * 2;
    u64 acc = 0;
    for (u64 round = 0; round < n; round++) {
        /* Shapes: random, many duplicates, ascending with noise, descending. */
        u32 shape = (u32)(round % 4);
        for (u32 i = 0; i < N64; i++) {
            u64 r = next();
            switch (shape) {
            case 0: keys[i] = r; break;
            case 1: keys[i] = r % 37; break;
            case 2: keys[i] = (u64)i * 1000 + (r % 5000); break;
            default: keys[i] = (u64)(N64 - i) << 20 | (r & 0xff); break;
            }
        }
        memcpy(copy, keys, sizeof keys);
        intro_sort(keys, N64, 2 * log2_floor(N64));
        heap_sort(copy, N64);
        u64 mismatch = (u64)memcmp(keys, copy, sizeof keys) != 0;
        u64 h = mismatch;
        for (u32 i = 0; i < N64; i++) {
            h = (h + keys[i]) * 0x100000001B3ULL + i;
        }

        for (u32 i = 0; i < N32; i++) {
            small[i] = (u32)(next() >> 17);
        }
        memcpy(small_copy, small, sizeof small);
        merge_sort_u32(small, small_tmp, N32);
        radix_sort_u32(small_copy, small_tmp, N32);
        mismatch = (u64)memcmp(small, small_copy, sizeof small) != 0;
        h ^= mismatch << 63;
        for (u32 i = 0; i < N32; i += 3) {
            h = (h ^ small[i]) * 31;
        }
        acc = (acc ^ h) + (acc << 7);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    rng = 99;
    for (u32 shape = 0; shape < 4; shape++) {
        for (u32 i = 0; i < N64; i++) {
            u64 r = next();
            keys[i] = shape == 0 ? r : shape == 1 ? r % 3 : shape == 2 ? i : N64 - i;
        }
        u64 sum = 0;
        for (u32 i = 0; i < N64; i++) {
            sum += keys[i];
        }
        memcpy(copy, keys, sizeof keys);
        intro_sort(keys, N64, 2 * log2_floor(N64));
        heap_sort(copy, N64);
        for (u32 i = 1; i < N64; i++) {
            failures += keys[i - 1] > keys[i];
            sum -= keys[i];
        }
        sum -= keys[0];
        failures += sum != 0;
        failures += memcmp(keys, copy, sizeof keys) != 0;
    }
    /* A depth limit of 0 sends intro_sort straight to its heapsort fallback. */
    for (u32 i = 0; i < N64; i++) {
        keys[i] = next();
    }
    intro_sort(keys, N64, 0);
    for (u32 i = 1; i < N64; i++) {
        failures += keys[i - 1] > keys[i];
    }
    for (u32 i = 0; i < N32; i++) {
        small[i] = (u32)next();
    }
    memcpy(small_copy, small, sizeof small);
    merge_sort_u32(small, small_tmp, N32);
    radix_sort_u32(small_copy, small_tmp, N32);
    for (u32 i = 1; i < N32; i++) {
        failures += small[i - 1] > small[i];
    }
    failures += memcmp(small, small_copy, sizeof small) != 0;
    return failures;
}
#endif
