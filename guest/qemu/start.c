/*
 * start.c - process entry for running a guest program under QEMU user mode
 * (qemu-riscv64 / qemu-riscv32), as an oracle independent of any PVM tooling.
 *
 * Linked statically with the very same objects that go into the PVM ELF (see build.sh):
 *   <prog> [n]   runs bench(n) (n defaults to 1; decimal, or hex with 0x) and prints the
 *                result as 0x%016llx and a newline, like guest/native/driver.c
 *
 * Host functions are defined here as ordinary code; these strong definitions replace the weak
 * import stubs of gannet_guest.h at link time. This file deliberately does not include
 * gannet_guest.h (its weak stub would clash with the definitions below).
 *
 * System calls: QEMU takes the syscall number from t0 for RV-E executables (there is no a7);
 * arguments are in a0..a2 as usual.
 */
typedef unsigned long long u64;
typedef unsigned long word; /* register-sized */

u64 bench(u64 n);
u64 gannet_host_mix(u64 x);
void gannet_qemu_main(word *initial_sp);

#define SYS_WRITE 64
#define SYS_EXIT 93

u64 gannet_host_mix(u64 x) {
    return x * 0x9E3779B97F4A7C15ULL + 1;
}

static word syscall3(word number, word arg0, word arg1, word arg2) {
    register word t0 __asm__("t0") = number;
    register word a0 __asm__("a0") = arg0;
    register word a1 __asm__("a1") = arg1;
    register word a2 __asm__("a2") = arg2;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(t0), "r"(a1), "r"(a2) : "memory");
    return a0;
}

__attribute__((noreturn)) static void exit_with(int code) {
    for (;;) {
        syscall3(SYS_EXIT, (word)code, 0, 0);
    }
}

static void write_all(const char *s, word len) {
    while (len > 0) {
        long written = (long)syscall3(SYS_WRITE, 1, (word)s, len);
        if (written <= 0) {
            exit_with(3);
        }
        s += written;
        len -= (word)written;
    }
}

static u64 parse(const char *s) {
    u64 v = 0;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == 0) {
        exit_with(2);
    }
    for (; *s; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9') {
            digit = (unsigned)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            digit = (unsigned)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            digit = (unsigned)(*s - 'A' + 10);
        } else {
            exit_with(2);
        }
        v = v * base + digit;
    }
    return v;
}

/* The kernel's initial stack: argc, then argv[0..argc), then NULL, envp... */
__attribute__((used)) void gannet_qemu_main(word *initial_sp) {
    word argc = initial_sp[0];
    char **argv = (char **)(initial_sp + 1);
    u64 n = argc >= 2 ? parse(argv[1]) : 1;
    u64 result = bench(n);
    char text[19];
    static const char hex[] = "0123456789abcdef";
    text[0] = '0';
    text[1] = 'x';
    for (int i = 0; i < 16; i++) {
        text[2 + i] = hex[(result >> (60 - 4 * i)) & 15];
    }
    text[18] = '\n';
    write_all(text, sizeof text);
    exit_with(0);
}

__attribute__((naked, noreturn)) void _start(void) {
    __asm__ volatile("mv a0, sp\n"
                     "andi sp, sp, -16\n"
                     "call gannet_qemu_main\n"
                     "unimp\n");
}
