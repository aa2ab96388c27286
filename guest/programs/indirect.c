/*
 * indirect - indirect control flow: a small register-machine bytecode interpreter whose
 * dispatch is a dense `switch` (compiled to a jump table), plus calls through tables of
 * function pointers (binary operators and "native" helpers the bytecode can invoke).
 *
 * The bytecode programs are assembled at run time from the argument, so neither the switch
 * targets nor the called functions are known to the compiler.
 */
#include "gannet_guest.h"

typedef gannet_u64 u64;
typedef gannet_u32 u32;
typedef gannet_u8 u8;

/* ------------------------------------------------------------------------------------------ */
/* Function-pointer tables                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef u64 (*binop_fn)(u64, u64);

static u64 op_add(u64 a, u64 b) { return a + b; }
static u64 op_sub(u64 a, u64 b) { return a - b; }
static u64 op_mul(u64 a, u64 b) { return a * b; }
static u64 op_xor(u64 a, u64 b) { return a ^ b; }
static u64 op_and(u64 a, u64 b) { return a & b; }
static u64 op_or(u64 a, u64 b) { return a | b; }
static u64 op_shl(u64 a, u64 b) { return a << (b & 63); }
static u64 op_shr(u64 a, u64 b) { return a >> (b & 63); }
static u64 op_rotl(u64 a, u64 b) { return (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)); }
static u64 op_min(u64 a, u64 b) { return a < b ? a : b; }
static u64 op_max(u64 a, u64 b) { return a > b ? a : b; }
static u64 op_divu(u64 a, u64 b) { return b ? a / b : ~(u64)0; }
static u64 op_remu(u64 a, u64 b) { return b ? a % b : a; }
static u64 op_avg(u64 a, u64 b) { return (a & b) + ((a ^ b) >> 1); }
static u64 op_mix(u64 a, u64 b) { return (a ^ (b * 0x9E3779B97F4A7C15ULL)) + (a >> 31); }
static u64 op_cmp(u64 a, u64 b) { return (u64)(a < b) - (u64)(a > b); }

static binop_fn const binops[16] = {
    op_add, op_sub, op_mul, op_xor, op_and, op_or,   op_shl, op_shr,
    op_rotl, op_min, op_max, op_divu, op_remu, op_avg, op_mix, op_cmp,
};

/* "Native" helpers callable from bytecode: take the register file, return a value. */
typedef u64 (*native_fn)(const u64 *regs);

static u64 native_sum(const u64 *r) { return r[0] + r[1] + r[2] + r[3]; }
static u64 native_popcnt(const u64 *r) { return (u64)__builtin_popcountll(r[1] ^ r[2]); }
static u64 native_hash(const u64 *r) {
    u64 h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 8; i++) {
        h = (h ^ r[i]) * 0x100000001b3ULL;
    }
    return h;
}
static u64 native_gcd(const u64 *r) {
    u64 a = r[4] | 1, b = r[5] | 1;
    while (b) {
        u64 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static native_fn const natives[4] = {native_sum, native_popcnt, native_hash, native_gcd};

/* ------------------------------------------------------------------------------------------ */
/* The bytecode machine: 8 registers, 4-byte instructions [op, a, b, c].                      */
/* ------------------------------------------------------------------------------------------ */

enum {
    OP_HALT,   /* stop; result r[a] */
    OP_LOADI,  /* r[a] = b | c << 8 */
    OP_MOV,    /* r[a] = r[b] */
    OP_ADD,    /* r[a] = r[b] + r[c] */
    OP_SUB,    /* r[a] = r[b] - r[c] */
    OP_MUL,    /* r[a] = r[b] * r[c] */
    OP_XOR,    /* r[a] = r[b] ^ r[c] */
    OP_SHLI,   /* r[a] = r[b] << c */
    OP_SHRI,   /* r[a] = r[b] >> c */
    OP_ADDI,   /* r[a] = r[b] + c */
    OP_BINOP,  /* r[a] = binops[c & 15](r[a], r[b]) */
    OP_BINOPR, /* r[a] = binops[r[c] & 15](r[a], r[b]) */
    OP_NATIVE, /* r[a] = natives[b & 3](r) */
    OP_JMP,    /* pc = a */
    OP_JNZ,    /* if r[a] != 0: pc = b */
    OP_JLT,    /* if r[a] < r[b]: pc = c */
    OP_DEC,    /* r[a] -= 1 */
    OP_SWAP,   /* swap r[a], r[b] */
    OP_NOT,    /* r[a] = ~r[b] */
    OP_ROL,    /* r[a] = rotl(r[b], r[c]) */
    OP_SELECT, /* r[a] = r[a] ? r[b] : r[c] */
    OP_COUNT
};

#define CODE_MAX 64

typedef struct {
    u8 op, a, b, c;
} insn;

static u64 run(const insn *code, u64 *regs, u64 fuel) {
    u32 pc = 0;
    while (fuel--) {
        insn i = code[pc++];
        switch (i.op) {
        case OP_HALT:
            return regs[i.a & 7];
        case OP_LOADI:
            regs[i.a & 7] = (u64)i.b | (u64)i.c << 8;
            break;
        case OP_MOV:
            regs[i.a & 7] = regs[i.b & 7];
            break;
        case OP_ADD:
            regs[i.a & 7] = regs[i.b & 7] + regs[i.c & 7];
            break;
        case OP_SUB:
            regs[i.a & 7] = regs[i.b & 7] - regs[i.c & 7];
            break;
        case OP_MUL:
            regs[i.a & 7] = regs[i.b & 7] * regs[i.c & 7];
            break;
        case OP_XOR:
            regs[i.a & 7] = regs[i.b & 7] ^ regs[i.c & 7];
            break;
        case OP_SHLI:
            regs[i.a & 7] = regs[i.b & 7] << (i.c & 63);
            break;
        case OP_SHRI:
            regs[i.a & 7] = regs[i.b & 7] >> (i.c & 63);
            break;
        case OP_ADDI:
            regs[i.a & 7] = regs[i.b & 7] + i.c;
            break;
        case OP_BINOP:
            regs[i.a & 7] = binops[i.c & 15](regs[i.a & 7], regs[i.b & 7]);
            break;
        case OP_BINOPR:
            regs[i.a & 7] = binops[regs[i.c & 7] & 15](regs[i.a & 7], regs[i.b & 7]);
            break;
        case OP_NATIVE:
            regs[i.a & 7] = natives[i.b & 3](regs);
            break;
        case OP_JMP:
            pc = i.a % CODE_MAX;
            break;
        case OP_JNZ:
            if (regs[i.a & 7] != 0) {
                pc = i.b % CODE_MAX;
            }
            break;
        case OP_JLT:
            if (regs[i.a & 7] < regs[i.b & 7]) {
                pc = i.c % CODE_MAX;
            }
            break;
        case OP_DEC:
            regs[i.a & 7] -= 1;
            break;
        case OP_SWAP: {
            u64 t = regs[i.a & 7];
            regs[i.a & 7] = regs[i.b & 7];
            regs[i.b & 7] = t;
            break;
        }
        case OP_NOT:
            regs[i.a & 7] = ~regs[i.b & 7];
            break;
        case OP_ROL:
            regs[i.a & 7] = op_rotl(regs[i.b & 7], regs[i.c & 7]);
            break;
        case OP_SELECT:
            regs[i.a & 7] = regs[i.a & 7] ? regs[i.b & 7] : regs[i.c & 7];
            break;
        default:
            /* Unknown opcode: fold it in and carry on. */
            regs[0] ^= i.op;
            break;
        }
    }
    return regs[0] ^ 0xF0E1D2C3B4A59687ULL; /* out of fuel */
}

/* ------------------------------------------------------------------------------------------ */
/* Programs                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static insn code[CODE_MAX];
static u32 code_len;

static void emit(u8 op, u8 a, u8 b, u8 c) {
    code[code_len].op = op;
    code[code_len].a = a;
    code[code_len].b = b;
    code[code_len].c = c;
    code_len++;
}

/*
 * Builds a loop of `iterations` (< 65536) steps whose body is a sequence of operations chosen
 * by `variant`. r7 is the loop counter, r6 the operator selector for OP_BINOPR.
 */
static void assemble(u64 variant, u32 iterations) {
    code_len = 0;
    emit(OP_LOADI, 7, (u8)iterations, (u8)(iterations >> 8));
    emit(OP_LOADI, 0, (u8)variant, 1);
    emit(OP_LOADI, 1, (u8)(variant >> 8), 2);
    emit(OP_LOADI, 2, 77, 3);
    emit(OP_LOADI, 6, 0, 0);
    u32 loop = code_len;
    for (u32 k = 0; k < 14; k++) {
        u64 v = variant >> (k * 4);
        u8 a = (u8)(k % 6), b = (u8)((k + 1 + (v & 1)) % 6), c = (u8)(v & 15);
        switch ((v + k) % 12) {
        case 0: emit(OP_ADD, a, b, (u8)((k + 2) % 6)); break;
        case 1: emit(OP_MUL, a, b, a); break;
        case 2: emit(OP_BINOP, a, b, c); break;
        case 3: emit(OP_BINOPR, a, b, 6); break;
        case 4: emit(OP_NATIVE, a, (u8)(v & 3), 0); break;
        case 5: emit(OP_XOR, a, b, 7); break;
        case 6: emit(OP_ROL, a, b, 7); break;
        case 7: emit(OP_SHRI, a, b, (u8)(c + 1)); break;
        case 8: emit(OP_SELECT, a, b, 7); break;
        case 9: emit(OP_ADDI, a, a, c); break;
        case 10: emit(OP_NOT, a, b, 0); break;
        default: emit(OP_SUB, a, b, 7); break;
        }
    }
    emit(OP_ADDI, 6, 6, 1);
    emit(OP_SWAP, 0, 3, 0);
    emit(OP_DEC, 7, 0, 0);
    emit(OP_JNZ, 7, (u8)loop, 0);
    emit(OP_NATIVE, 0, 2, 0);
    emit(OP_HALT, 0, 0, 0);
}

gannet_u64 bench(gannet_u64 n) {
    u64 acc = 0;
    u64 variant = 0x0123456789ABCDEFULL ^ n;
    for (u64 round = 0; round < n; round++) {
        variant = variant * 6364136223846793005ULL + 1442695040888963407ULL;
        assemble(variant, 1000);
        u64 regs[8] = {0};
        u64 result = run(code, regs, 1000000);
        acc = (acc ^ result) * 0x100000001B3ULL + regs[5];
        acc += binops[round & 15](acc, result);
    }
    return acc;
}
GANNET_EXPORT_BENCH()

#if defined(GANNET_SELFTEST)
int gannet_selftest(void) {
    int failures = 0;
    /* sum of 1..100 by a hand-written loop: r0 = acc, r1 = i */
    code_len = 0;
    emit(OP_LOADI, 1, 100, 0);
    emit(OP_LOADI, 0, 0, 0);
    emit(OP_ADD, 0, 0, 1);  /* 2: loop */
    emit(OP_DEC, 1, 0, 0);
    emit(OP_JNZ, 1, 2, 0);
    emit(OP_HALT, 0, 0, 0);
    u64 regs[8] = {0};
    failures += run(code, regs, 10000) != 5050;
    /* running out of fuel */
    u64 regs2[8] = {0};
    failures += run(code, regs2, 5) != (100 ^ 0xF0E1D2C3B4A59687ULL);
    u64 r[8] = {0, 0, 0, 0, 20, 34, 0, 0};
    failures += natives[3](r) != 7; /* gcd(21, 35) */
    failures += binops[15](1, 2) != 1 || binops[15](2, 1) != ~(u64)0 || binops[15](3, 3) != 0;
    failures += binops[13](~(u64)0, ~(u64)0) != ~(u64)0;
    return failures;
}
#endif
