/*
 * gannet_guest.h - the Gannet guest SDK for C programs.
 *
 * A guest is a freestanding C program compiled for RV64E (lp64e) or RV32E (ilp32e), linked by
 * ld.lld into a shared object with --emit-relocs, and then turned into a `.polkavm` blob by a
 * PVM linker (polkavm-linker 0.37 or Gannet's own). The PVM linker finds the program's entry
 * points and host-function imports through three special ELF sections, which the macros below
 * emit:
 *
 *   .polkavm_metadata        "extern metadata" records, one per import and per export:
 *                              u8   version      = 1
 *                              u32  flags        = 0
 *                              u32  symbol_len   (bytes, no terminating NUL)
 *                              ptr  symbol       (absolute pointer to the name's bytes; the
 *                                                 linker reads the relocation, not the value)
 *                              u8   input_regs   (argument registers used, a0.., at most 6)
 *                              u8   output_regs  (result registers used, a0/a1, at most 2)
 *                            packed: no padding anywhere; `ptr` is 8 bytes on RV64, 4 on RV32.
 *
 *   .polkavm_exports         one record per export: u8 version = 1; ptr-slot -> metadata;
 *                            ptr-slot -> function. The section is allocated, read-only and
 *                            SHF_GNU_RETAIN ("R") so that --gc-sections keeps it, which also
 *                            keeps every exported function alive.
 *
 *   .polkavm_min_stack_size  any number of little-endian u32 words; the linker uses the maximum
 *                            of them (and of its own default, 8 KiB in polkavm-linker 0.37) as
 *                            the program's stack size, rounded up to the page size.
 *
 * An import is a tiny function whose body is the 4-byte word 0x0000000b (RISC-V custom-0 major
 * opcode, all other fields zero), immediately followed by a pointer-sized slot that refers to the
 * import's metadata record, followed by `ret`. The PVM linker replaces the marker and the slot
 * with one `ecalli <index>` instruction; the host sees the arguments in a0..a5 and writes the
 * results to a0 (and a1).
 *
 * "Pointer-sized slots" that live in code or in the read-only exports section cannot carry an
 * absolute relocation (in a shared object that would be a text relocation), so this header
 * encodes them as `auipc zero, %pcrel_hi(target)` - a harmless instruction whose only purpose is
 * to carry an R_RISCV_PCREL_HI20 relocation naming the target - padded with four zero bytes to
 * 8 bytes on RV64. polkavm-linker treats such a relocation in these two places as "this slot
 * points at target".
 *
 * On targets other than RISC-V (the native x86-64 driver build and the wasm32 build) every
 * macro here degrades to plain C: imports become ordinary extern declarations (resolved by the
 * native driver, or imported from the wasm module "env"), exports and the stack size become
 * no-ops.
 *
 * Calling convention reminders for guests:
 *   - RV64: a 64-bit argument or result occupies one register.
 *   - RV32: a 64-bit argument or result occupies a register pair (low word first), so an
 *     import or export taking one `unsigned long long` uses 2 input registers and 2 output
 *     registers. GANNET_U64_REGS is 1 or 2 accordingly.
 *   - At most 6 argument registers (a0..a5) exist in RV-E.
 */
#ifndef GANNET_GUEST_H
#define GANNET_GUEST_H

/* ------------------------------------------------------------------------------------------ */
/* Fixed-width types (also usable without <stdint.h>).                                         */
/* ------------------------------------------------------------------------------------------ */

typedef unsigned char gannet_u8;
typedef unsigned short gannet_u16;
typedef unsigned int gannet_u32;
typedef unsigned long long gannet_u64;
typedef signed char gannet_i8;
typedef short gannet_i16;
typedef int gannet_i32;
typedef long long gannet_i64;

_Static_assert(sizeof(gannet_u32) == 4, "u32 must be 4 bytes");
_Static_assert(sizeof(gannet_u64) == 8, "u64 must be 8 bytes");

/* Token pasting / stringification helpers. */
#define GANNET_STR_(x) #x
#define GANNET_STR(x) GANNET_STR_(x)

#if defined(__riscv)

#if !defined(__riscv_e) && !defined(__riscv_32e) && !defined(__riscv_64e)
#error "Gannet guests must be compiled for an RV-E base ISA (-march=rv64e... / rv32e...)"
#endif

#if __riscv_xlen == 64
/* Directive for one absolute pointer-sized datum. */
#define GANNET_ASM_PTR ".8byte"
/* Padding that completes an `auipc` (4 bytes) to a pointer-sized slot. */
#define GANNET_ASM_SLOT_PAD ".4byte 0\n"
/* Registers needed by one 64-bit value. */
#define GANNET_U64_REGS 1
#else
#define GANNET_ASM_PTR ".4byte"
#define GANNET_ASM_SLOT_PAD ""
#define GANNET_U64_REGS 2
#endif

/*
 * GANNET_ASM_METADATA(label, name, nin, nout)
 *   Assembler text that emits one extern-metadata record labelled `label` into
 *   .polkavm_metadata, describing the symbol `name` (a bare identifier) with `nin` input and
 *   `nout` output registers. The symbol's bytes are stored right after the record, in the same
 *   section. Internal building block of GANNET_IMPORT and GANNET_EXPORT.
 *   The section is writable ("aw") because the symbol pointer is an absolute relocation, which
 *   a shared object may only carry in writable data.
 */
#define GANNET_ASM_METADATA(label, name, nin, nout)                                           \
    ".pushsection .polkavm_metadata,\"aw\",@progbits\n"                                       \
    #label ":\n"                                                                              \
    ".byte 1\n"                   /* version */                                               \
    ".4byte 0\n"                  /* flags */                                                 \
    ".4byte 8712f - 8711f\n"      /* symbol length */                                         \
    GANNET_ASM_PTR " 8711f\n"     /* symbol pointer */                                        \
    ".byte " GANNET_STR(nin) "\n" /* input registers */                                       \
    ".byte " GANNET_STR(nout) "\n" /* output registers */                                     \
    "8711:\n"                                                                                 \
    ".ascii \"" #name "\"\n"                                                                  \
    "8712:\n"                                                                                 \
    ".popsection\n"

/*
 * GANNET_IMPORT(ret, name, nin, nout, params)
 *   Declares and defines the host function `name` for this translation unit.
 *     ret     C return type (use void for none)
 *     name    C identifier; also the import's symbol as the host sees it
 *     nin     number of argument registers the host reads (0..6)
 *     nout    number of result registers the host writes (0..2)
 *     params  the parenthesised C parameter list, e.g. (gannet_u64 x)
 *   The stub is a naked function with a weak, hidden definition in every translation unit
 *   that includes the declaration: the static linker keeps one copy (duplicates are allowed
 *   for weak symbols), calls stay direct (hidden symbols cannot be preempted), and --gc-sections
 *   drops the stub when nothing calls it. A strong definition of the same function elsewhere in
 *   the link replaces the stub; guest/qemu/start.c uses that to run guests under QEMU user
 *   mode, where the host function is ordinary code. Each copy has its own metadata record (a
 *   local symbol); the PVM linker merges imports whose metadata is identical.
 *   Example:  GANNET_IMPORT(gannet_u64, my_host_fn, 1, 1, (gannet_u64 x))
 */
#define GANNET_IMPORT(ret, name, nin, nout, params)                                           \
    __attribute__((naked, noinline, weak, visibility("hidden"))) ret name params {             \
        __asm__ volatile(GANNET_ASM_METADATA(gannet_import_meta.name, name, nin, nout)        \
                         ".4byte 0x0000000b\n"                                                \
                         "auipc zero, %pcrel_hi(gannet_import_meta." #name ")\n"              \
                         GANNET_ASM_SLOT_PAD                                                  \
                         "ret\n");                                                            \
    }

/*
 * GANNET_EXPORT(name, nin, nout)
 *   Exports the (non-static) C function `name`, defined elsewhere in the same translation
 *   unit, under its own name. `nin`/`nout`: argument/result register counts as for imports.
 *   Use at file scope, after the function's declaration.
 *   Example:  gannet_u64 bench(gannet_u64 n) { ... }  GANNET_EXPORT(bench, 1, 1)
 */
#define GANNET_EXPORT(name, nin, nout)                                                        \
    __asm__(GANNET_ASM_METADATA(gannet_export_meta.name, name, nin, nout)                     \
            ".pushsection .polkavm_exports,\"aR\",@note\n"                                    \
            ".byte 1\n"                                                                       \
            "auipc zero, %pcrel_hi(gannet_export_meta." #name ")\n"                           \
            GANNET_ASM_SLOT_PAD                                                               \
            "auipc zero, %pcrel_hi(" #name ")\n"                                              \
            GANNET_ASM_SLOT_PAD                                                               \
            ".popsection\n");

/*
 * GANNET_MIN_STACK_SIZE(bytes)
 *   Requests a stack of at least `bytes` bytes (an integer literal or a simple constant
 *   expression the assembler can evaluate). May appear several times; the maximum wins.
 *   Without it the linker's default applies (8 KiB for polkavm-linker 0.37).
 */
#define GANNET_MIN_STACK_SIZE(bytes)                                                          \
    __asm__(".pushsection .polkavm_min_stack_size,\"R\",@note\n"                              \
            ".4byte " GANNET_STR(bytes) "\n"                                                  \
            ".popsection\n");

#else /* not RISC-V: native driver builds and wasm32 */

#define GANNET_U64_REGS 1

#if defined(__wasm__)
/* Imports come from the wasm module "env" under their C name. */
#define GANNET_IMPORT(ret, name, nin, nout, params)                                           \
    __attribute__((import_module("env"), import_name(#name))) extern ret name params;
#else
/* Native: imports are ordinary functions, supplied by guest/native/driver.c. */
#define GANNET_IMPORT(ret, name, nin, nout, params) extern ret name params;
#endif

/* Exports are selected by the linker command line (wasm: --export=...; native: symbol). */
#define GANNET_EXPORT(name, nin, nout)
#define GANNET_MIN_STACK_SIZE(bytes)

#endif /* __riscv */

/* ------------------------------------------------------------------------------------------ */
/* The benchmark entry point every program in guest/programs/ defines and exports.            */
/* ------------------------------------------------------------------------------------------ */

/*
 * gannet_u64 bench(gannet_u64 n)
 *   Runs the workload with size parameter `n` and returns a checksum that depends on every
 *   step of the computation. Deterministic; identical on every target.
 *   Declare it exported with GANNET_EXPORT_BENCH() after its definition.
 */
gannet_u64 bench(gannet_u64 n);
#define GANNET_EXPORT_BENCH() GANNET_EXPORT(bench, GANNET_U64_REGS, GANNET_U64_REGS)

#if defined(GANNET_SELFTEST)
/*
 * int gannet_selftest(void)
 *   Only in native self-test builds (-DGANNET_SELFTEST): checks the program's building blocks
 *   against known answers (test vectors, invariants). Returns the number of failed checks.
 */
int gannet_selftest(void);
#endif

/* ------------------------------------------------------------------------------------------ */
/* Host functions used by the guest suite. Hosts must implement exactly these semantics.      */
/* ------------------------------------------------------------------------------------------ */

/*
 * gannet_u64 gannet_host_mix(gannet_u64 x)
 *   Import symbol: "gannet_host_mix"; RV64: 1 input register (a0), 1 output register (a0);
 *   RV32: input in a0 (low) / a1 (high), output likewise.
 *   Returns x * 0x9E3779B97F4A7C15 + 1, computed modulo 2^64 (wrapping). Pure: no side effects,
 *   no access to guest memory. A host must write the full 64-bit result (RV32: both halves).
 *   wasm32: imported as ("env", "gannet_host_mix") with type (i64) -> i64.
 */
GANNET_IMPORT(gannet_u64, gannet_host_mix, GANNET_U64_REGS, GANNET_U64_REGS, (gannet_u64 x))

#endif /* GANNET_GUEST_H */
