/*
 * textgen.c - a deterministic generator of compressible-but-not-trivial text.
 *
 * The output mixes several kinds of sections, each with its own statistics, so that the
 * compressor sees long repeats (recurring words and record layouts), short repeats, skewed
 * literal distributions and some incompressible noise:
 *   - prose: sentences built from a vocabulary of generated words with Zipf-like frequencies
 *   - records: "key=value" lines with numbers and identifiers
 *   - code: indented pseudo-code lines with a small keyword set
 *   - tables: right-aligned numeric columns
 *   - noise: random bytes in short runs
 */
#include "large.h"

#define VOCABULARY 160
#define MAX_WORD 12

static const char *const syllables[] = {
    "ka", "to", "ri", "ne", "sa", "mo", "lu", "vi", "da", "pe", "zo", "ha", "qui", "ster",
    "an", "el", "or", "un", "ith", "ell", "ban", "cor", "dre", "fal", "gin", "hol", "jor",
    "kin", "lor", "mar", "nor", "pal", "ros", "sel", "tar", "ven", "wil", "yar", "zen", "ash",
};

static const char *const keywords[] = {
    "let", "if", "else", "while", "return", "for", "in", "fn", "match", "loop", "break", "const",
};

static const char *const operators[] = {"+", "-", "*", "/", "==", "!=", "<", ">=", "&&", "||", "%"};

static const char *const record_keys[] = {
    "id", "name", "city", "score", "level", "owner", "status", "created", "size", "flags",
};

static const char *const statuses[] = {"active", "pending", "archived", "deleted", "locked"};

typedef struct {
    char text[MAX_WORD + 1];
    u32 len;
} word;

typedef struct {
    rng random;
    buffer out;
    word vocabulary[VOCABULARY];
    u32 cumulative[VOCABULARY]; /* Zipf-like cumulative weights */
    u32 total_weight;
} generator;

static void make_vocabulary(generator *g) {
    for (u32 i = 0; i < VOCABULARY; i++) {
        word *w = &g->vocabulary[i];
        w->len = 0;
        u32 parts = 1 + rng_below(&g->random, 3);
        for (u32 p = 0; p < parts; p++) {
            const char *s = syllables[rng_below(&g->random, ARRAY_LEN(syllables))];
            while (*s && w->len < MAX_WORD) {
                w->text[w->len++] = *s++;
            }
        }
        w->text[w->len] = 0;
    }
    /* weight(i) ~ 1 / (i + 1): common words are much more common. */
    u32 total = 0;
    for (u32 i = 0; i < VOCABULARY; i++) {
        total += 5040 / (i + 1);
        g->cumulative[i] = total;
    }
    g->total_weight = total;
}

static const word *pick_word(generator *g) {
    u32 target = rng_below(&g->random, g->total_weight);
    /* binary search for the first cumulative weight above target */
    u32 lo = 0, hi = VOCABULARY - 1;
    while (lo < hi) {
        u32 mid = (lo + hi) / 2;
        if (g->cumulative[mid] > target) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return &g->vocabulary[lo];
}

static void put_word(generator *g, const word *w, int capitalise) {
    for (u32 i = 0; i < w->len; i++) {
        char c = w->text[i];
        if (i == 0 && capitalise && c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        buf_put(&g->out, (u8)c);
    }
}

static void prose(generator *g) {
    u32 sentences = 2 + rng_below(&g->random, 5);
    for (u32 s = 0; s < sentences; s++) {
        u32 words = 4 + rng_below(&g->random, 12);
        for (u32 k = 0; k < words; k++) {
            put_word(g, pick_word(g), k == 0);
            if (k + 1 < words) {
                if (rng_chance(&g->random, 8)) {
                    buf_put(&g->out, ',');
                }
                buf_put(&g->out, ' ');
            }
            if (rng_chance(&g->random, 3)) {
                buf_put_u64(&g->out, rng_below(&g->random, 2000));
                buf_put(&g->out, ' ');
            }
        }
        static const char ends[] = ".!?;";
        buf_put(&g->out, (u8)ends[rng_chance(&g->random, 85) ? 0 : rng_below(&g->random, 4)]);
        buf_put(&g->out, ' ');
    }
    buf_put(&g->out, '\n');
    buf_put(&g->out, '\n');
}

static void records(generator *g) {
    u32 lines = 3 + rng_below(&g->random, 8);
    u32 base_id = rng_below(&g->random, 100000);
    for (u32 l = 0; l < lines; l++) {
        u32 fields = 3 + rng_below(&g->random, 5);
        for (u32 f = 0; f < fields; f++) {
            u32 key = f == 0 ? 0 : 1 + rng_below(&g->random, ARRAY_LEN(record_keys) - 1);
            buf_puts(&g->out, record_keys[key]);
            buf_put(&g->out, '=');
            switch (key) {
            case 0:
                buf_put_u64(&g->out, base_id + l);
                break;
            case 1:
            case 2:
            case 5:
                buf_put(&g->out, '"');
                put_word(g, pick_word(g), 1);
                buf_put(&g->out, ' ');
                put_word(g, pick_word(g), 1);
                buf_put(&g->out, '"');
                break;
            case 6:
                buf_puts(&g->out, statuses[rng_below(&g->random, ARRAY_LEN(statuses))]);
                break;
            case 7:
                buf_put_u64(&g->out, 2000 + rng_below(&g->random, 30));
                buf_put(&g->out, '-');
                buf_put_padded(&g->out, 1 + rng_below(&g->random, 12), 2);
                buf_put(&g->out, '-');
                buf_put_padded(&g->out, 1 + rng_below(&g->random, 28), 2);
                break;
            case 9:
                buf_puts(&g->out, "0x");
                buf_put_hex(&g->out, rng_next(&g->random) & 0xffff, 4);
                break;
            default:
                buf_put_u64(&g->out, rng_below(&g->random, 1000));
                break;
            }
            buf_puts(&g->out, f + 1 < fields ? ", " : "\n");
        }
    }
    buf_put(&g->out, '\n');
}

static void code(generator *g) {
    u32 lines = 4 + rng_below(&g->random, 10);
    u32 indent = 0;
    for (u32 l = 0; l < lines; l++) {
        for (u32 i = 0; i < indent; i++) {
            buf_puts(&g->out, "    ");
        }
        u32 kind = rng_below(&g->random, 6);
        const word *a = pick_word(g);
        const word *b = pick_word(g);
        switch (kind) {
        case 0:
            buf_puts(&g->out, "let ");
            put_word(g, a, 0);
            buf_puts(&g->out, " = ");
            put_word(g, b, 0);
            buf_put(&g->out, ' ');
            buf_puts(&g->out, operators[rng_below(&g->random, ARRAY_LEN(operators))]);
            buf_put(&g->out, ' ');
            buf_put_u64(&g->out, rng_below(&g->random, 256));
            buf_puts(&g->out, ";\n");
            break;
        case 1:
            if (indent < 4) {
                buf_puts(&g->out, keywords[1 + rng_below(&g->random, 3)]);
                buf_puts(&g->out, " (");
                put_word(g, a, 0);
                buf_puts(&g->out, " < ");
                put_word(g, b, 0);
                buf_puts(&g->out, ") {\n");
                indent++;
                break;
            }
            __attribute__((fallthrough));
        case 2:
            if (indent > 0) {
                buf_puts(&g->out, "}\n");
                indent--;
                break;
            }
            __attribute__((fallthrough));
        case 3:
            put_word(g, a, 0);
            buf_put(&g->out, '(');
            put_word(g, b, 0);
            buf_puts(&g->out, ", ");
            buf_put_u64(&g->out, rng_below(&g->random, 100));
            buf_puts(&g->out, ");\n");
            break;
        case 4:
            buf_puts(&g->out, keywords[rng_below(&g->random, ARRAY_LEN(keywords))]);
            buf_put(&g->out, ' ');
            put_word(g, a, 0);
            buf_puts(&g->out, ";\n");
            break;
        default:
            buf_puts(&g->out, "// ");
            put_word(g, a, 1);
            buf_put(&g->out, ' ');
            put_word(g, b, 0);
            buf_put(&g->out, '\n');
            break;
        }
    }
    while (indent > 0) {
        indent--;
        for (u32 i = 0; i < indent; i++) {
            buf_puts(&g->out, "    ");
        }
        buf_puts(&g->out, "}\n");
    }
    buf_put(&g->out, '\n');
}

static void table(generator *g) {
    u32 rows = 3 + rng_below(&g->random, 8);
    u32 cols = 2 + rng_below(&g->random, 5);
    u32 width = 6 + rng_below(&g->random, 4);
    for (u32 r = 0; r < rows; r++) {
        buf_put(&g->out, '|');
        for (u32 c = 0; c < cols; c++) {
            u32 magnitude = 1 + rng_below(&g->random, 6);
            u64 limit = 1;
            for (u32 m = 0; m < magnitude; m++) {
                limit *= 10;
            }
            buf_put_padded(&g->out, rng_next(&g->random) % limit, width);
            buf_puts(&g->out, " |");
        }
        buf_put(&g->out, '\n');
    }
    buf_put(&g->out, '\n');
}

static void noise(generator *g) {
    u32 len = 8 + rng_below(&g->random, 56);
    for (u32 i = 0; i < len; i++) {
        buf_put(&g->out, (u8)rng_next(&g->random));
    }
    buf_put(&g->out, '\n');
}

u32 textgen(u8 *out, u32 cap, u64 seed) {
    static generator g; /* large: keep it off the (small) guest stack */
    rng_seed(&g.random, seed);
    buf_init(&g.out, out, cap);
    make_vocabulary(&g);
    while (!g.out.overflow) {
        u32 kind = rng_below(&g.random, 100);
        if (kind < 40) {
            prose(&g);
        } else if (kind < 62) {
            records(&g);
        } else if (kind < 82) {
            code(&g);
        } else if (kind < 95) {
            table(&g);
        } else {
            noise(&g);
        }
    }
    return g.out.len;
}
