/*
 * scripts.c - stack-language programs run by the `large` benchmark.
 *
 * Each script defines `main ( arg -- result )`. The argument depends on the benchmark round,
 * so every round compiles and runs the same programs on different inputs. A few scripts end
 * in an error on purpose (division by zero, unknown word, step limit) to keep the error paths
 * of the compiler and VM in the workload.
 */
#include "large.h"

static i64 arg_fib(u64 round) { return 12 + (i64)(round % 6); }
static i64 arg_sieve(u64 round) { return 1000 + (i64)(round * 389 % 3000); }
static i64 arg_gcd(u64 round) { return 20 + (i64)(round % 25); }
static i64 arg_collatz(u64 round) { return 100 + (i64)(round * 37 % 150); }
static i64 arg_round(u64 round) { return (i64)round; }
static i64 arg_table(u64 round) { return (i64)(round % 50); }
static i64 arg_ackermann(u64 round) { return 1 + (i64)(round % 4); }
static i64 arg_hanoi(u64 round) { return 6 + (i64)(round % 6); }
static i64 arg_primes(u64 round) { return 200 + (i64)(round * 53 % 300); }
static i64 arg_small(u64 round) { return 1 + (i64)(round % 20); }
static i64 arg_leave(u64 round) { return 30 + (i64)(round % 40); }

static const char fib_source[] =
    "\\ naive recursive Fibonacci\n"
    ": fib ( n -- f ) dup 2 < if exit then dup 1- recurse swap 2 - recurse + ;\n"
    ": main ( n -- f ) fib ;\n";

static const char sieve_source[] =
    "\\ count the primes below n (n <= 4096) with a sieve in memory\n"
    "4096 array flags\n"
    "variable top\n"
    ": clear ( -- ) top @ 0 do 1 flags i + ! loop ;\n"
    ": mark ( p -- ) dup dup * begin dup top @ < while 0 over flags + ! over + repeat 2drop ;\n"
    ": main ( n -- count ) top ! clear 0 top @ 2 do flags i + @ if i mark 1+ then loop ;\n";

static const char gcd_source[] =
    "\\ sum of gcd(a, b) over 1 <= b < a < n\n"
    ": gcd ( a b -- g ) begin ?dup while tuck mod repeat ;\n"
    ": main ( n -- sum ) 0 swap 1 do i 1 do i j gcd + loop loop ;\n";

static const char collatz_source[] =
    "\\ longest Collatz trajectory below n\n"
    ": steps ( n -- k ) 0 swap begin dup 1 > while\n"
    "    dup 1 and if 3 * 1+ else 2/ then swap 1+ swap repeat drop ;\n"
    ": main ( n -- best ) 0 swap 1 do i steps max loop ;\n";

static const char bubble_source[] =
    "\\ bubble sort of pseudo-random numbers, then a checksum\n"
    "64 constant size\n"
    "size array data\n"
    "variable seed\n"
    ": rand ( -- x ) seed @ 1103515245 * 12345 + $7fffffff and dup seed ! ;\n"
    ": fill ( -- ) size 0 do rand 1000 mod data i + ! loop ;\n"
    ": swap-if ( addr -- ) dup @ over 1+ @ 2dup > if rot tuck ! 1+ ! else 2drop drop then ;\n"
    ": pass ( n -- ) 0 do data i + swap-if loop ;\n"
    ": sort ( -- ) size 1 do size i - pass loop ;\n"
    ": sorted? ( -- f ) -1 size 1 do data i + 1- @ data i + @ > if drop 0 leave then loop ;\n"
    ": checksum ( -- x ) 0 size 0 do 31 * data i + @ + loop ;\n"
    ": main ( n -- x ) seed ! fill sort sorted? checksum xor ;\n";

static const char table_source[] =
    "\\ a multiplication table, printed\n"
    ": row ( n -- ) 11 1 do dup i * . loop drop cr ;\n"
    ": main ( n -- 42 ) dup 8 + swap do i row loop 42 ;\n";

static const char ackermann_source[] =
    "\\ Ackermann's function A(3, n)\n"
    ": ack ( m n -- r )\n"
    "    over 0= if nip 1+ exit then\n"
    "    dup 0= if drop 1- 1 recurse exit then\n"
    "    over swap 1- recurse swap 1- swap recurse ;\n"
    ": main ( n -- r ) 3 swap ack ;\n";

static const char hanoi_source[] =
    "\\ moves needed for the towers of Hanoi, by recursion\n"
    ": hanoi ( n -- moves ) dup 0= if exit then 1- dup recurse swap recurse + 1+ ;\n"
    ": main ( n -- moves ) hanoi ;\n";

static const char primes_source[] =
    "\\ sum of the primes below n by trial division\n"
    ": prime? ( n -- f ) dup 2 < if drop 0 exit then\n"
    "    2 begin 2dup dup * >= while 2dup mod 0= if 2drop 0 exit then 1+ repeat 2drop -1 ;\n"
    ": main ( n -- sum ) 0 swap 2 do i prime? if i + then loop ;\n";

static const char matrix_source[] =
    "\\ powers of a 4x4 matrix modulo a prime\n"
    "16 array a 16 array b 16 array c\n"
    "variable row variable col\n"
    "1000003 constant p\n"
    ": idx ( r c -- i ) swap 4 * + ;\n"
    ": init ( seed -- ) 16 0 do dup i * 7 + 13 mod a i + ! loop drop ;\n"
    ": mul ( -- ) 4 0 do i row ! 4 0 do i col !\n"
    "    0 4 0 do a row @ i idx + @ b i col @ idx + @ * + loop\n"
    "    c row @ col @ idx + ! loop loop ;\n"
    ": copy ( -- ) 16 0 do c i + @ p mod b i + ! loop ;\n"
    ": trace ( -- t ) 0 4 0 do b i i idx + @ + loop ;\n"
    ": main ( n -- t ) init 16 0 do a i + @ b i + ! loop 6 0 do mul copy loop trace ;\n";

static const char strings_source[] =
    "\\ text output\n"
    ": stars ( n -- ) 0 do .\" *\" loop ;\n"
    ": main ( n -- n ) .\" hello, world\" cr dup stars cr dup 65 + emit cr ;\n";

static const char leave_source[] =
    "\\ leave, +loop with positive and negative steps, the return stack\n"
    ": up ( n -- count ) 0 swap 0 do i 7 * 100 mod 93 > if leave then 1+ 3 +loop ;\n"
    ": down ( n -- sum ) 0 swap 0 swap do i + -1 +loop ;\n"
    ": main ( n -- x ) dup >r up r@ down r> 1000 * + + ;\n";

static const char division_source[] =
    "\\ fails with a division by zero whenever n is a multiple of 5\n"
    ": main ( n -- q ) 1000 swap 5 mod / ;\n";

static const char unknown_source[] =
    "\\ does not compile: unknown word\n"
    ": helper 1 2 + ;\n"
    ": main ( n -- ) helper frobnicate ;\n";

static const char runaway_source[] =
    "\\ never terminates: stopped by the step limit\n"
    ": main ( n -- ) begin 1+ dup 1 and drop again ;\n";

const sl_script sl_scripts[] = {
    {"fib", fib_source, arg_fib, 200000},
    {"sieve", sieve_source, arg_sieve, 400000},
    {"gcd", gcd_source, arg_gcd, 400000},
    {"collatz", collatz_source, arg_collatz, 400000},
    {"bubble", bubble_source, arg_round, 400000},
    {"table", table_source, arg_table, 100000},
    {"ackermann", ackermann_source, arg_ackermann, 400000},
    {"hanoi", hanoi_source, arg_hanoi, 100000},
    {"primes", primes_source, arg_primes, 400000},
    {"matrix", matrix_source, arg_round, 100000},
    {"strings", strings_source, arg_small, 10000},
    {"leave", leave_source, arg_leave, 100000},
    {"division", division_source, arg_round, 1000},
    {"unknown", unknown_source, arg_round, 1000},
    {"runaway", runaway_source, arg_round, 5000},
};

const u32 sl_script_count = ARRAY_LEN(sl_scripts);
