/*
 * stacklang.c - a small Forth-like language: tokenizer, one-pass compiler and bytecode VM.
 *
 * Language summary (case-insensitive, whitespace-separated tokens):
 *   ( comment )   \ comment to end of line
 *   123  -7  $ff                     number literals (decimal, or hex with '$')
 *   : name ... ;                      define a word; `recurse` calls the word being defined (its
 *                                     name refers to any older definition until the `;`)
 *   variable name                     one cell of memory; `name` pushes its address
 *   n array name                      n cells of memory
 *   n constant name                   `name` pushes n
 *   if ... [else ...] then            conditionals (0 is false)
 *   begin ... until | again | while ... repeat
 *   limit start do ... loop | +loop   counted loops; `i`, `j` loop indices; `leave`; the body
 *                                     is skipped when start == limit (like Forth's ?do)
 *   exit                              return from the current word (also from inside loops)
 *   ." text"                          print text
 * Primitives: + - * / mod negate abs min max and or xor invert lshift rshift = <> < > <= >=
 * 0= 0< 1+ 1- 2* 2/ dup drop swap over rot nip tuck 2dup 2drop pick ?dup depth @ ! +! . emit
 * cr >r r> r@.
 *
 * Numbers at the top level go to a compile-time stack consumed by `constant` and `array`.
 * Execution starts at the word `main` with the argument on the data stack. All arithmetic
 * wraps modulo 2^64; division by zero is an error; the VM enforces stack bounds, memory bounds
 * and a step limit, reporting errors through sl_result.status.
 *
 * Code is an array of 64-bit cells: an opcode cell, followed by an operand cell for the ops
 * that take one (literals, call/branch targets, string references).
 */
#include "large.h"

#define CODE_CELLS 4096
#define DICT_SIZE 256
#define HASH_SIZE 128
#define STACK_CELLS 256
#define RSTACK_CELLS 256
#define MEMORY_CELLS 8192
#define STRING_BYTES 2048
#define CONTROL_DEPTH 64
#define INTERP_DEPTH 16
#define MAX_TOKEN 31

enum opcode {
    OP_LIT, OP_CALL, OP_RET, OP_BRANCH, OP_ZBRANCH, OP_DO, OP_LOOP, OP_PLOOP, OP_LEAVE, OP_UNLOOP,
    OP_I, OP_J, OP_PRINTS,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NEGATE, OP_ABS, OP_MIN, OP_MAX,
    OP_AND, OP_OR, OP_XOR, OP_INVERT, OP_LSHIFT, OP_RSHIFT,
    OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_ZEQ, OP_ZLT,
    OP_INC, OP_DEC, OP_TWOSTAR, OP_TWOSLASH,
    OP_DUP, OP_DROP, OP_SWAP, OP_OVER, OP_ROT, OP_NIP, OP_TUCK, OP_TWODUP, OP_TWODROP, OP_PICK,
    OP_QDUP, OP_DEPTH,
    OP_FETCH, OP_STORE, OP_PLUSSTORE,
    OP_DOT, OP_EMIT, OP_CR,
    OP_TOR, OP_RFROM, OP_RFETCH,
    OP_COUNT
};

/* Words the compiler handles itself. */
enum immediate {
    IM_COLON, IM_SEMI, IM_VARIABLE, IM_CONSTANT, IM_ARRAY,
    IM_IF, IM_ELSE, IM_THEN, IM_BEGIN, IM_UNTIL, IM_AGAIN, IM_WHILE, IM_REPEAT,
    IM_DO, IM_LOOP, IM_PLOOP, IM_LEAVE, IM_EXIT, IM_RECURSE, IM_DOTQUOTE,
};

enum kind { K_PRIM, K_IMMEDIATE, K_WORD, K_VARIABLE, K_CONSTANT };

typedef struct {
    const char *name;
    u32 len;
    u8 kind;
    i64 value; /* opcode, immediate id, code address, memory address or constant */
    i32 next;  /* hash chain */
} entry;

typedef struct {
    const char *name;
    u8 kind;
    u8 value;
} builtin;

static const builtin builtins[] = {
    {"+", K_PRIM, OP_ADD}, {"-", K_PRIM, OP_SUB}, {"*", K_PRIM, OP_MUL}, {"/", K_PRIM, OP_DIV},
    {"mod", K_PRIM, OP_MOD}, {"negate", K_PRIM, OP_NEGATE}, {"abs", K_PRIM, OP_ABS},
    {"min", K_PRIM, OP_MIN}, {"max", K_PRIM, OP_MAX}, {"and", K_PRIM, OP_AND}, {"or", K_PRIM, OP_OR},
    {"xor", K_PRIM, OP_XOR}, {"invert", K_PRIM, OP_INVERT}, {"lshift", K_PRIM, OP_LSHIFT},
    {"rshift", K_PRIM, OP_RSHIFT}, {"=", K_PRIM, OP_EQ}, {"<>", K_PRIM, OP_NE}, {"<", K_PRIM, OP_LT},
    {">", K_PRIM, OP_GT}, {"<=", K_PRIM, OP_LE}, {">=", K_PRIM, OP_GE}, {"0=", K_PRIM, OP_ZEQ},
    {"0<", K_PRIM, OP_ZLT}, {"1+", K_PRIM, OP_INC}, {"1-", K_PRIM, OP_DEC}, {"2*", K_PRIM, OP_TWOSTAR},
    {"2/", K_PRIM, OP_TWOSLASH}, {"dup", K_PRIM, OP_DUP}, {"drop", K_PRIM, OP_DROP},
    {"swap", K_PRIM, OP_SWAP}, {"over", K_PRIM, OP_OVER}, {"rot", K_PRIM, OP_ROT},
    {"nip", K_PRIM, OP_NIP}, {"tuck", K_PRIM, OP_TUCK}, {"2dup", K_PRIM, OP_TWODUP},
    {"2drop", K_PRIM, OP_TWODROP}, {"pick", K_PRIM, OP_PICK}, {"?dup", K_PRIM, OP_QDUP},
    {"depth", K_PRIM, OP_DEPTH}, {"@", K_PRIM, OP_FETCH}, {"!", K_PRIM, OP_STORE},
    {"+!", K_PRIM, OP_PLUSSTORE}, {".", K_PRIM, OP_DOT}, {"emit", K_PRIM, OP_EMIT},
    {"cr", K_PRIM, OP_CR}, {">r", K_PRIM, OP_TOR}, {"r>", K_PRIM, OP_RFROM}, {"r@", K_PRIM, OP_RFETCH},
    {"i", K_PRIM, OP_I}, {"j", K_PRIM, OP_J},
    {":", K_IMMEDIATE, IM_COLON}, {";", K_IMMEDIATE, IM_SEMI}, {"variable", K_IMMEDIATE, IM_VARIABLE},
    {"constant", K_IMMEDIATE, IM_CONSTANT}, {"array", K_IMMEDIATE, IM_ARRAY},
    {"if", K_IMMEDIATE, IM_IF}, {"else", K_IMMEDIATE, IM_ELSE}, {"then", K_IMMEDIATE, IM_THEN},
    {"begin", K_IMMEDIATE, IM_BEGIN}, {"until", K_IMMEDIATE, IM_UNTIL}, {"again", K_IMMEDIATE, IM_AGAIN},
    {"while", K_IMMEDIATE, IM_WHILE}, {"repeat", K_IMMEDIATE, IM_REPEAT}, {"do", K_IMMEDIATE, IM_DO},
    {"loop", K_IMMEDIATE, IM_LOOP}, {"+loop", K_IMMEDIATE, IM_PLOOP}, {"leave", K_IMMEDIATE, IM_LEAVE},
    {"exit", K_IMMEDIATE, IM_EXIT}, {"recurse", K_IMMEDIATE, IM_RECURSE},
    {".\"", K_IMMEDIATE, IM_DOTQUOTE},
};

/* Control-flow stack entries of the compiler. */
enum control { CTL_IF, CTL_BEGIN, CTL_WHILE, CTL_DO };

typedef struct {
    u8 kind;
    u32 address;     /* operand cell to patch (if/while) or loop start (begin/do) */
    u32 skip;        /* do: the DO operand cell, patched to the loop's exit */
    i32 leave_chain; /* do: last LEAVE operand cell, chained through the operands; -1 none */
} control_entry;

typedef struct {
    /* program */
    i64 code[CODE_CELLS];
    u32 here;
    entry dict[DICT_SIZE];
    u32 ndict;
    u32 builtin_count;
    i32 buckets[HASH_SIZE];
    char strings[STRING_BYTES];
    u32 strings_used;
    /* compiler */
    const char *src;
    u32 pos;
    control_entry control[CONTROL_DEPTH];
    u32 csp;
    i32 defining; /* dictionary index of the word being compiled, -1 at top level */
    i64 interp[INTERP_DEPTH];
    u32 isp;
    /* machine */
    i64 memory[MEMORY_CELLS];
    u32 memory_used;
    i64 stack[STACK_CELLS];
    u32 sp;
    i64 rstack[RSTACK_CELLS];
    u32 rp;
    /* output */
    buffer *out;
    u64 out_hash;
    u32 out_len;
    u32 status;
} machine;

/* ------------------------------------------------------------------------------------------ */
/* Dictionary                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static u32 name_hash(const char *name, u32 len) {
    u32 h = 2166136261u;
    for (u32 i = 0; i < len; i++) {
        h = (h ^ (u32)to_lower(name[i])) * 16777619u;
    }
    return h % HASH_SIZE;
}

/* Makes a dictionary entry findable (newest first in its hash chain). */
static void dict_link(machine *m, i32 index) {
    entry *e = &m->dict[index];
    u32 h = name_hash(e->name, e->len);
    e->next = m->buckets[h];
    m->buckets[h] = index;
}

/* Adds an entry; `visible` = 0 defers dict_link (a word is hidden while being defined). */
static i32 dict_add(machine *m, const char *name, u32 len, u8 kind, i64 value, int visible) {
    if (m->ndict >= DICT_SIZE) {
        m->status = SL_ERR_DICT_FULL;
        return -1;
    }
    u32 index = m->ndict++;
    entry *e = &m->dict[index];
    e->name = name;
    e->len = len;
    e->kind = kind;
    e->value = value;
    e->next = -1;
    if (visible) {
        dict_link(m, (i32)index);
    }
    return (i32)index;
}

/* Newest definition wins (it is first in its chain). */
static const entry *dict_find(const machine *m, const char *name, u32 len) {
    for (i32 i = m->buckets[name_hash(name, len)]; i >= 0; i = m->dict[i].next) {
        const entry *e = &m->dict[i];
        if (e->len == len) {
            u32 k = 0;
            while (k < len && to_lower(e->name[k]) == to_lower(name[k])) {
                k++;
            }
            if (k == len) {
                return e;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Tokenizer                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Skips blanks and comments; returns the next token's start and length (length 0 at end). */
static const char *next_token(machine *m, u32 *len) {
    for (;;) {
        while (m->src[m->pos] && is_space(m->src[m->pos])) {
            m->pos++;
        }
        const char *p = m->src + m->pos;
        if (p[0] == '(' && (p[1] == 0 || is_space(p[1]))) {
            while (m->src[m->pos] && m->src[m->pos] != ')') {
                m->pos++;
            }
            if (m->src[m->pos]) {
                m->pos++;
            }
            continue;
        }
        if (p[0] == '\\' && (p[1] == 0 || is_space(p[1]))) {
            while (m->src[m->pos] && m->src[m->pos] != '\n') {
                m->pos++;
            }
            continue;
        }
        u32 n = 0;
        while (p[n] && !is_space(p[n])) {
            n++;
        }
        m->pos += n;
        *len = n;
        return p;
    }
}

static int parse_number(const char *t, u32 len, i64 *value) {
    u32 i = 0;
    int negative = 0;
    u32 base = 10;
    if (i < len && t[i] == '-') {
        negative = 1;
        i++;
    }
    if (i < len && t[i] == '$') {
        base = 16;
        i++;
    }
    if (i == len) {
        return 0;
    }
    u64 v = 0;
    for (; i < len; i++) {
        int c = to_lower(t[i]);
        u32 digit;
        if (is_digit(c)) {
            digit = (u32)(c - '0');
        } else if (base == 16 && c >= 'a' && c <= 'f') {
            digit = (u32)(c - 'a' + 10);
        } else {
            return 0;
        }
        v = v * base + digit;
    }
    *value = (i64)(negative ? 0 - v : v);
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Compiler                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void emit(machine *m, i64 cell) {
    if (m->here >= CODE_CELLS) {
        m->status = SL_ERR_CODE_FULL;
        return;
    }
    m->code[m->here++] = cell;
}

static void emit_op(machine *m, u32 op, i64 operand) {
    emit(m, op);
    emit(m, operand);
}

static control_entry *control_push(machine *m, u8 kind, u32 address) {
    if (m->csp >= CONTROL_DEPTH) {
        m->status = SL_ERR_SYNTAX;
        return 0;
    }
    control_entry *c = &m->control[m->csp++];
    c->kind = kind;
    c->address = address;
    c->skip = 0;
    c->leave_chain = -1;
    return c;
}

static int control_pop(machine *m, u8 kind, control_entry *out) {
    if (m->csp == 0 || m->control[m->csp - 1].kind != kind) {
        m->status = SL_ERR_SYNTAX;
        return 0;
    }
    *out = m->control[--m->csp];
    return 1;
}

static void patch(machine *m, u32 operand_cell, u32 target) {
    if (operand_cell < CODE_CELLS) {
        m->code[operand_cell] = target;
    }
}

static void compile_immediate(machine *m, u32 id) {
    control_entry c;
    u32 len;
    const char *name;
    if (m->defining < 0 && id != IM_COLON && id != IM_VARIABLE && id != IM_CONSTANT && id != IM_ARRAY) {
        m->status = SL_ERR_SYNTAX; /* control words only inside definitions */
        return;
    }
    switch (id) {
    case IM_COLON:
        if (m->defining >= 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        name = next_token(m, &len);
        if (len == 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        m->defining = dict_add(m, name, len, K_WORD, m->here, 0);
        break;
    case IM_SEMI:
        if (m->csp != 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        emit(m, OP_RET);
        dict_link(m, m->defining);
        m->defining = -1;
        break;
    case IM_VARIABLE:
    case IM_CONSTANT:
    case IM_ARRAY: {
        if (m->defining >= 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        name = next_token(m, &len);
        if (len == 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        if (id == IM_CONSTANT) {
            if (m->isp == 0) {
                m->status = SL_ERR_STACK_UNDERFLOW;
                return;
            }
            dict_add(m, name, len, K_CONSTANT, m->interp[--m->isp], 1);
            return;
        }
        i64 cells = 1;
        if (id == IM_ARRAY) {
            if (m->isp == 0) {
                m->status = SL_ERR_STACK_UNDERFLOW;
                return;
            }
            cells = m->interp[--m->isp];
        }
        if (cells < 0 || (u64)cells > MEMORY_CELLS - m->memory_used) {
            m->status = SL_ERR_MEMORY;
            return;
        }
        dict_add(m, name, len, K_VARIABLE, m->memory_used, 1);
        m->memory_used += (u32)cells;
        break;
    }
    case IM_IF:
        emit_op(m, OP_ZBRANCH, 0);
        control_push(m, CTL_IF, m->here - 1);
        break;
    case IM_ELSE:
        if (control_pop(m, CTL_IF, &c)) {
            emit_op(m, OP_BRANCH, 0);
            control_push(m, CTL_IF, m->here - 1);
            patch(m, c.address, m->here);
        }
        break;
    case IM_THEN:
        if (control_pop(m, CTL_IF, &c)) {
            patch(m, c.address, m->here);
        }
        break;
    case IM_BEGIN:
        control_push(m, CTL_BEGIN, m->here);
        break;
    case IM_UNTIL:
        if (control_pop(m, CTL_BEGIN, &c)) {
            emit_op(m, OP_ZBRANCH, c.address);
        }
        break;
    case IM_AGAIN:
        if (control_pop(m, CTL_BEGIN, &c)) {
            emit_op(m, OP_BRANCH, c.address);
        }
        break;
    case IM_WHILE:
        if (m->csp == 0 || m->control[m->csp - 1].kind != CTL_BEGIN) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        emit_op(m, OP_ZBRANCH, 0);
        control_push(m, CTL_WHILE, m->here - 1);
        break;
    case IM_REPEAT: {
        control_entry w;
        if (control_pop(m, CTL_WHILE, &w) && control_pop(m, CTL_BEGIN, &c)) {
            emit_op(m, OP_BRANCH, c.address);
            patch(m, w.address, m->here);
        }
        break;
    }
    case IM_DO: {
        emit_op(m, OP_DO, 0);
        control_entry *loop = control_push(m, CTL_DO, m->here);
        if (loop) {
            loop->skip = m->here - 1;
        }
        break;
    }
    case IM_LOOP:
    case IM_PLOOP:
        if (control_pop(m, CTL_DO, &c)) {
            emit_op(m, id == IM_LOOP ? OP_LOOP : OP_PLOOP, c.address);
            patch(m, c.skip, m->here);
            /* Resolve every `leave` of this loop to just after it. */
            for (i32 cell = c.leave_chain; cell >= 0;) {
                i32 next = (i32)m->code[cell];
                m->code[cell] = m->here;
                cell = next;
            }
        }
        break;
    case IM_LEAVE: {
        i32 k = (i32)m->csp - 1;
        while (k >= 0 && m->control[k].kind != CTL_DO) {
            k--;
        }
        if (k < 0) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        emit_op(m, OP_LEAVE, m->control[k].leave_chain);
        m->control[k].leave_chain = (i32)m->here - 1;
        break;
    }
    case IM_EXIT:
        /* Drop the loop parameters of every enclosing loop first. */
        for (u32 k = 0; k < m->csp; k++) {
            if (m->control[k].kind == CTL_DO) {
                emit(m, OP_UNLOOP);
            }
        }
        emit(m, OP_RET);
        break;
    case IM_RECURSE:
        emit_op(m, OP_CALL, m->dict[m->defining].value);
        break;
    case IM_DOTQUOTE: {
        /* The string runs from after the single separating blank to the next '"'. */
        u32 start = m->pos + (m->src[m->pos] ? 1 : 0);
        u32 end = start;
        while (m->src[end] && m->src[end] != '"') {
            end++;
        }
        if (!m->src[end] || end - start > STRING_BYTES - m->strings_used) {
            m->status = SL_ERR_SYNTAX;
            return;
        }
        u32 offset = m->strings_used;
        memcpy(m->strings + offset, m->src + start, end - start);
        m->strings_used += end - start;
        emit_op(m, OP_PRINTS, (i64)offset << 16 | (end - start));
        m->pos = end + 1;
        break;
    }
    default:
        m->status = SL_ERR_SYNTAX;
        break;
    }
}

static void compile(machine *m) {
    while (m->status == SL_OK) {
        u32 len;
        const char *t = next_token(m, &len);
        if (len == 0) {
            break;
        }
        if (len > MAX_TOKEN) {
            m->status = SL_ERR_SYNTAX;
            break;
        }
        const entry *e = dict_find(m, t, len);
        i64 number;
        if (e && e->kind == K_IMMEDIATE) {
            compile_immediate(m, (u32)e->value);
        } else if (m->defining < 0) {
            /* Top level: only numbers and constants (for constant/array) are allowed. */
            if (e && e->kind == K_CONSTANT) {
                number = e->value;
            } else if (!parse_number(t, len, &number)) {
                m->status = e ? SL_ERR_SYNTAX : SL_ERR_UNKNOWN_WORD;
                break;
            }
            if (m->isp >= INTERP_DEPTH) {
                m->status = SL_ERR_STACK_OVERFLOW;
            } else {
                m->interp[m->isp++] = number;
            }
        } else if (e) {
            switch (e->kind) {
            case K_PRIM:
                emit(m, e->value);
                break;
            case K_WORD:
                emit_op(m, OP_CALL, e->value);
                break;
            default: /* variables and constants push a value */
                emit_op(m, OP_LIT, e->value);
                break;
            }
        } else if (parse_number(t, len, &number)) {
            emit_op(m, OP_LIT, number);
        } else {
            m->status = SL_ERR_UNKNOWN_WORD;
        }
    }
    if (m->status == SL_OK && m->defining >= 0) {
        m->status = SL_ERR_SYNTAX; /* unterminated definition */
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Virtual machine                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void output_byte(machine *m, u8 byte) {
    m->out_hash = (m->out_hash ^ byte) * 0x100000001B3ULL;
    m->out_len++;
    if (m->out) {
        buf_put(m->out, byte);
    }
}

static void output_number(machine *m, i64 v) {
    char digits[24];
    u32 n = 0;
    u64 magnitude = v < 0 ? 0 - (u64)v : (u64)v;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (v < 0) {
        output_byte(m, '-');
    }
    while (n) {
        output_byte(m, (u8)digits[--n]);
    }
    output_byte(m, ' ');
}

#define FAIL(code)            \
    do {                      \
        m->status = (code);   \
        goto stop;            \
    } while (0)
#define NEED(k)                                 \
    do {                                        \
        if (sp < (k)) FAIL(SL_ERR_STACK_UNDERFLOW); \
    } while (0)
#define ROOM(k)                                             \
    do {                                                    \
        if (sp + (k) > STACK_CELLS) FAIL(SL_ERR_STACK_OVERFLOW); \
    } while (0)
#define RNEED(k)                        \
    do {                                \
        if (rp < (k)) FAIL(SL_ERR_RSTACK); \
    } while (0)
#define RROOM(k)                                       \
    do {                                               \
        if (rp + (k) > RSTACK_CELLS) FAIL(SL_ERR_RSTACK); \
    } while (0)
#define TOP s[sp - 1]
#define SECOND s[sp - 2]
#define BINARY(expr)        \
    do {                    \
        NEED(2);            \
        i64 b_ = s[--sp];   \
        i64 a_ = TOP;       \
        TOP = (expr);       \
        (void)a_;           \
        (void)b_;           \
    } while (0)
#define FLAG(cond) ((cond) ? (i64)-1 : (i64)0)

static i64 wrap_add(i64 a, i64 b) { return (i64)((u64)a + (u64)b); }
static i64 wrap_sub(i64 a, i64 b) { return (i64)((u64)a - (u64)b); }
static i64 wrap_mul(i64 a, i64 b) { return (i64)((u64)a * (u64)b); }

/* Runs from `start` until the outermost word returns. */
static u64 execute(machine *m, u32 start, u64 max_steps) {
    i64 *s = m->stack;
    i64 *r = m->rstack;
    u32 sp = m->sp, rp = m->rp;
    u32 pc = start;
    u64 steps = 0;
    RROOM(1);
    r[rp++] = -1; /* return address that ends execution */
    for (;;) {
        if (++steps > max_steps) {
            FAIL(SL_ERR_STEPS);
        }
        if (pc >= m->here) {
            FAIL(SL_ERR_SYNTAX);
        }
        u32 op = (u32)m->code[pc++];
        switch (op) {
        case OP_LIT:
            ROOM(1);
            s[sp++] = m->code[pc++];
            break;
        case OP_CALL:
            RROOM(1);
            r[rp++] = pc + 1;
            pc = (u32)m->code[pc];
            break;
        case OP_RET: {
            RNEED(1);
            i64 target = r[--rp];
            if (target < 0) {
                goto stop;
            }
            pc = (u32)target;
            break;
        }
        case OP_BRANCH:
            pc = (u32)m->code[pc];
            break;
        case OP_ZBRANCH:
            NEED(1);
            pc = s[--sp] == 0 ? (u32)m->code[pc] : pc + 1;
            break;
        case OP_DO:
            NEED(2);
            sp -= 2;
            if (s[sp] == s[sp + 1]) {
                pc = (u32)m->code[pc]; /* empty range: skip the loop */
            } else {
                RROOM(2);
                r[rp++] = s[sp];     /* limit */
                r[rp++] = s[sp + 1]; /* index */
                pc++;
            }
            break;
        case OP_LOOP:
            RNEED(2);
            if (++r[rp - 1] != r[rp - 2]) {
                pc = (u32)m->code[pc];
            } else {
                rp -= 2;
                pc++;
            }
            break;
        case OP_PLOOP: {
            NEED(1);
            RNEED(2);
            i64 step = s[--sp];
            i64 before = wrap_sub(r[rp - 1], r[rp - 2]);
            i64 after = wrap_add(before, step);
            r[rp - 1] = wrap_add(r[rp - 1], step);
            int crossed = step >= 0 ? (before < 0 && after >= 0) : (before >= 0 && after < 0);
            if (!crossed) {
                pc = (u32)m->code[pc];
            } else {
                rp -= 2;
                pc++;
            }
            break;
        }
        case OP_LEAVE:
            RNEED(2);
            rp -= 2;
            pc = (u32)m->code[pc];
            break;
        case OP_UNLOOP:
            RNEED(2);
            rp -= 2;
            break;
        case OP_I:
            RNEED(2);
            ROOM(1);
            s[sp++] = r[rp - 1];
            break;
        case OP_J:
            RNEED(4);
            ROOM(1);
            s[sp++] = r[rp - 3];
            break;
        case OP_PRINTS: {
            i64 ref = m->code[pc++];
            u32 offset = (u32)(ref >> 16), len = (u32)(ref & 0xffff);
            for (u32 k = 0; k < len; k++) {
                output_byte(m, (u8)m->strings[offset + k]);
            }
            break;
        }
        case OP_ADD: BINARY(wrap_add(a_, b_)); break;
        case OP_SUB: BINARY(wrap_sub(a_, b_)); break;
        case OP_MUL: BINARY(wrap_mul(a_, b_)); break;
        case OP_DIV:
        case OP_MOD: {
            NEED(2);
            i64 b = s[--sp];
            i64 a = TOP;
            if (b == 0) {
                FAIL(SL_ERR_DIV_ZERO);
            }
            if (b == -1) {
                TOP = op == OP_DIV ? wrap_sub(0, a) : 0; /* avoids INT64_MIN / -1 */
            } else {
                TOP = op == OP_DIV ? a / b : a % b;
            }
            break;
        }
        case OP_NEGATE: NEED(1); TOP = wrap_sub(0, TOP); break;
        case OP_ABS: NEED(1); TOP = TOP < 0 ? wrap_sub(0, TOP) : TOP; break;
        case OP_MIN: BINARY(a_ < b_ ? a_ : b_); break;
        case OP_MAX: BINARY(a_ > b_ ? a_ : b_); break;
        case OP_AND: BINARY(a_ & b_); break;
        case OP_OR: BINARY(a_ | b_); break;
        case OP_XOR: BINARY(a_ ^ b_); break;
        case OP_INVERT: NEED(1); TOP = ~TOP; break;
        case OP_LSHIFT: BINARY((i64)((u64)a_ << (b_ & 63))); break;
        case OP_RSHIFT: BINARY((i64)((u64)a_ >> (b_ & 63))); break;
        case OP_EQ: BINARY(FLAG(a_ == b_)); break;
        case OP_NE: BINARY(FLAG(a_ != b_)); break;
        case OP_LT: BINARY(FLAG(a_ < b_)); break;
        case OP_GT: BINARY(FLAG(a_ > b_)); break;
        case OP_LE: BINARY(FLAG(a_ <= b_)); break;
        case OP_GE: BINARY(FLAG(a_ >= b_)); break;
        case OP_ZEQ: NEED(1); TOP = FLAG(TOP == 0); break;
        case OP_ZLT: NEED(1); TOP = FLAG(TOP < 0); break;
        case OP_INC: NEED(1); TOP = wrap_add(TOP, 1); break;
        case OP_DEC: NEED(1); TOP = wrap_sub(TOP, 1); break;
        case OP_TWOSTAR: NEED(1); TOP = (i64)((u64)TOP << 1); break;
        case OP_TWOSLASH: NEED(1); TOP = TOP >> 1; break;
        case OP_DUP: NEED(1); ROOM(1); s[sp] = s[sp - 1]; sp++; break;
        case OP_DROP: NEED(1); sp--; break;
        case OP_SWAP: {
            NEED(2);
            i64 t = TOP;
            TOP = SECOND;
            SECOND = t;
            break;
        }
        case OP_OVER: NEED(2); ROOM(1); s[sp] = s[sp - 2]; sp++; break;
        case OP_ROT: {
            NEED(3);
            i64 a = s[sp - 3];
            s[sp - 3] = s[sp - 2];
            s[sp - 2] = s[sp - 1];
            s[sp - 1] = a;
            break;
        }
        case OP_NIP: NEED(2); SECOND = TOP; sp--; break;
        case OP_TUCK: {
            NEED(2);
            ROOM(1);
            i64 t = TOP;
            TOP = SECOND;
            SECOND = t;
            s[sp++] = t;
            break;
        }
        case OP_TWODUP: NEED(2); ROOM(2); s[sp] = s[sp - 2]; s[sp + 1] = s[sp - 1]; sp += 2; break;
        case OP_TWODROP: NEED(2); sp -= 2; break;
        case OP_PICK: {
            NEED(1);
            i64 k = TOP;
            if (k < 0 || (u64)k + 1 >= sp) {
                FAIL(SL_ERR_STACK_UNDERFLOW);
            }
            TOP = s[sp - 2 - (u32)k];
            break;
        }
        case OP_QDUP:
            NEED(1);
            if (TOP != 0) {
                ROOM(1);
                s[sp] = s[sp - 1];
                sp++;
            }
            break;
        case OP_DEPTH: ROOM(1); s[sp] = sp; sp++; break;
        case OP_FETCH:
            NEED(1);
            if (TOP < 0 || TOP >= (i64)m->memory_used) {
                FAIL(SL_ERR_MEMORY);
            }
            TOP = m->memory[TOP];
            break;
        case OP_STORE:
        case OP_PLUSSTORE: {
            NEED(2);
            i64 address = s[--sp];
            i64 value = s[--sp];
            if (address < 0 || address >= (i64)m->memory_used) {
                FAIL(SL_ERR_MEMORY);
            }
            m->memory[address] = op == OP_STORE ? value : wrap_add(m->memory[address], value);
            break;
        }
        case OP_DOT: NEED(1); output_number(m, s[--sp]); break;
        case OP_EMIT: NEED(1); output_byte(m, (u8)s[--sp]); break;
        case OP_CR: output_byte(m, '\n'); break;
        case OP_TOR: NEED(1); RROOM(1); r[rp++] = s[--sp]; break;
        case OP_RFROM: RNEED(1); ROOM(1); s[sp++] = r[--rp]; break;
        case OP_RFETCH: RNEED(1); ROOM(1); s[sp++] = r[rp - 1]; break;
        default:
            FAIL(SL_ERR_SYNTAX);
        }
    }
stop:
    m->sp = sp;
    m->rp = rp;
    return steps;
}

/* ------------------------------------------------------------------------------------------ */

void sl_run(const char *source, i64 arg, u64 max_steps, arena *mem, buffer *out, sl_result *result) {
    memset(result, 0, sizeof *result);
    u32 mark = arena_mark(mem);
    machine *m = arena_alloc(mem, sizeof(machine));
    if (!m) {
        result->status = SL_ERR_MEMORY;
        return;
    }
    for (u32 i = 0; i < HASH_SIZE; i++) {
        m->buckets[i] = -1;
    }
    m->defining = -1;
    m->out = out;
    m->out_hash = 0xcbf29ce484222325ULL;
    m->src = source;
    for (u32 i = 0; i < ARRAY_LEN(builtins); i++) {
        dict_add(m, builtins[i].name, (u32)strlen(builtins[i].name), builtins[i].kind, builtins[i].value, 1);
    }
    m->builtin_count = m->ndict;

    compile(m);
    result->code_size = m->here;
    result->words = m->ndict - m->builtin_count;
    if (m->status == SL_OK) {
        const entry *main_word = dict_find(m, "main", 4);
        if (!main_word || main_word->kind != K_WORD) {
            m->status = SL_ERR_NO_MAIN;
        } else {
            m->stack[m->sp++] = arg;
            result->steps = execute(m, (u32)main_word->value, max_steps);
        }
    }
    result->status = m->status;
    result->depth = m->sp;
    result->top = m->sp ? m->stack[m->sp - 1] : 0;
    result->output_hash = m->out_hash;
    result->output_len = m->out_len;
    arena_release(mem, mark);
}
