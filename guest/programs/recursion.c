/*
 * recursion - deep and branchy recursion: naive Fibonacci, the Ackermann function A(2, m) and
 * A(3, m), integer partitions counted by recursive enumeration, Hofstadter's mutually
 * recursive Female/Male sequences, and a recursive merge sort with an explicit depth check.
 *
 * Exercises call/return, prologue/epilogue register saves and stack-pointer arithmetic.
 * The deepest recursion (A(3, 6): 511 frames) needs well under 64 KiB of stack.
 */
#include "gannet_guest.h"

GANNET_MIN_STACK_SIZE(65536)

typedef gannet_u64 u64;
typedef gannet_u32 u32;

/* noinline keeps each of these a real recursive function rather than a loop the optimiser
 * rebuilt; the arithmetic still has to happen in every frame. */
__attribute__((noinline)) static u64 fib(u32 k) {
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

__attribute__((noinline)) static u64 ackermann(u64 m, u64 n) {
    if (m == 0) {
        return n + 1;
    }
    if (n == 0) {
        return ackermann(m - 1, 1);
    }
    return ackermann(m - 1, ackermann(m, n - 1));
}

/* Number of partitions of n into parts of size at most `largest`. */
__attribute__((noinline)) static u64 partitions(u32 n, u32 largest) {
    if (n == 0) {
        return 1;
    }
    u64 count = 0;
    for (u32 part = largest < n ? largest : n; part >= 1; part--) {
        count += partitions(n - part, part);
    }
    return count;
}

static u64 hofstadter_male(u32 n);

__attribute__((noinline)) static u64 hofstadter_female(u32 n) {
    return n == 0 ? 1 : n - hofstadter_male((u32)hofstadter_female(n - 1));
}

__attribute__((noinline)) static u64 hofstadter_male(u32 n) {
    return n == 0 ? 0 : n - hofstadter_female((u32)hofstadter_male(n - 1));
}

#define SORT_LEN 1024
static u32 sort_data[SORT_LEN];
static u32 sort_tmp[SORT_LEN];

/* Top-down merge sort of data[lo, hi); returns the maximum recursion depth reached. */
__attribute__((noinline)) static u32 merge_sort(u32 *data, u32 lo, u32 hi, u32 depth) {
    if (hi - lo < 2) {
        return depth;
    }
    u32 mid = lo + (hi - lo) / 2;
    u32 d1 = merge_sort(data, lo, mid, depth + 1);
    u32 d2 = merge_sort(data, mid, hi, depth + 1);
    u32 i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        sort_tmp[k++] = data[j] < data[i] ? data[j++] : data[i++];
    }
    while (i < mid) {
        sort_tmp[k++] = data[i++];
    }
    while (j < hi) {
        sort_tmp[k++] = data[j++];
    }
    for (k = lo; k < hi; k++) {
        data[k] = sort_tmp[k];
    }
    return d1 > d2 ? d1 : d2;
}

static u64 sort_round(u64 seed) {
    u32 x = (u32)seed | 1;
    for (u32 i = 0; i < SORT_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        sort_data[i] = x;
    }
    u64 depth = merge_sort(sort_data, 0, SORT_LEN, 0);
    u64 h = depth;
    for (u32 i = 0; i < SORT_LEN; i += 7) {
        h = h * 0x100000001B3ULL + sort_data[i];
    }
    return h;
}

gannet_u64 bench(gannet_u64 n) {
    u64 acc = 0;
    for (u64 i = 0; i < n; i++) {
        u32 r = (u32)i;
        acc += fib(18 + r % 5);
        acc = acc * 31 + ackermann(2, 50 + r % 64);
        acc ^= ackermann(3, 3 + r % 3) << 20;
        acc += partitions(30 + r % 8, 30 + r % 8);
        acc ^= hofstadter_female(40 + r % 16) * 0x9E3779B97F4A7C15ULL;
        acc += hofstadter_male(41 + r % 13);
        acc ^= sort_round(acc);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    failures += fib(20) != 6765;
    failures += fib(30) != 832040;
    failures += ackermann(2, 3) != 9;
    failures += ackermann(3, 3) != 61;
    failures += ackermann(3, 6) != 509;
    failures += partitions(10, 10) != 42;
    failures += partitions(30, 30) != 5604;
    /* OEIS A005378 / A005379 */
    failures += hofstadter_female(10) != 6 || hofstadter_male(10) != 6;
    failures += hofstadter_female(20) != 13 || hofstadter_male(20) != 12;
    sort_round(42);
    for (u32 i = 1; i < SORT_LEN; i++) {
        failures += sort_data[i - 1] > sort_data[i];
    }
    return failures;
}
#endif
