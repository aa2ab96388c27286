#!/usr/bin/env bash
# Builds every guest program in guest/programs/ for RV64E, RV32E, x86-64 and wasm32:
#
#   $OUT/rv64/<name>.elf     RV64E (lp64e) shared object, input for a PVM linker
#   $OUT/rv32/<name>.elf     RV32E (ilp32e) shared object
#   $OUT/native/<name>       x86-64 executable: program + guest/native/driver.c, with the
#                            program's self-test compiled in (`<name> --selftest`), built for
#                            this machine's CPU (NATIVE_MARCH, default -march=native) so that
#                            it is the strongest native baseline for the benchmarks
#   $OUT/native/lib<name>.a  the program alone, entry point renamed to gannet_bench_<name>,
#                            for in-process benchmarking (only if an `ar` is available)
#   $OUT/wasm/<name>.wasm    wasm32 module exporting `bench`, importing env.gannet_host_mix
#   $OUT/qemu/rv64/<name>    the objects of the RV64E / RV32E ELF, linked statically with
#   $OUT/qemu/rv32/<name>    guest/qemu/start.c into a Linux executable for qemu-riscv64 /
#                            qemu-riscv32 (`<name> [n]` prints bench(n))
#
# A program is either guest/programs/<name>.c or a directory guest/programs/<name>/ whose *.c
# files are compiled together.
#
# Usage: guest/build.sh [--force] [--jobs N]
#   OUT       output directory (default: <repo>/target/guest)
#   --force   rebuild everything (default: only outputs older than their inputs)
#   --jobs N  parallel compile jobs (default: number of CPUs)
#
# The RISC-V and wasm outputs are reproducible: the same sources give the same bytes, wherever
# the repository is. The native ones depend on the build machine's CPU (-march=native).
set -eu

GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$GUEST_DIR/.." && pwd)
OUT=${OUT:-$ROOT/target/guest}
CLANG=${CLANG:-clang-19}
LLD=${LLD:-ld.lld-19}

FORCE=0
JOBS=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
    case "$1" in
        --force) FORCE=1 ;;
        --jobs) shift; JOBS=$1 ;;
        -h|--help) sed -n '2,/^set -eu/{/^#/p}' "$0" | cut -c3-; exit 0 ;;
        *) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# ---------------------------------------------------------------------------------------------
# Toolchain
# ---------------------------------------------------------------------------------------------
have_toolchain() {
    command -v "$CLANG" >/dev/null 2>&1 && command -v "$LLD" >/dev/null 2>&1
}
if ! have_toolchain; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "build.sh: $CLANG/$LLD not found; installing clang-19 lld-19 with apt-get" >&2
        if ! apt-get install -y clang-19 lld-19 >&2; then
            apt-get update >&2
            apt-get install -y clang-19 lld-19 >&2
        fi
    fi
    if ! have_toolchain; then
        echo "build.sh: error: $CLANG and $LLD are required (Debian/Ubuntu: apt-get install -y clang-19 lld-19)" >&2
        exit 1
    fi
fi
WASM=1
if ! command -v wasm-ld-19 >/dev/null 2>&1 && ! command -v wasm-ld >/dev/null 2>&1; then
    echo "build.sh: warning: wasm-ld not found (package lld-19); skipping wasm32 outputs" >&2
    WASM=0
fi
AR=
for candidate in llvm-ar-19 llvm-ar ar; do
    if command -v "$candidate" >/dev/null 2>&1; then AR=$candidate; break; fi
done

# ---------------------------------------------------------------------------------------------
# Flags
# ---------------------------------------------------------------------------------------------
# Reproducibility: paths never reach the outputs (no debug info; relative source paths; prefix
# maps as a second line of defence).
REPRO="-ffile-prefix-map=$ROOT=. -fdebug-prefix-map=$ROOT=. -fmacro-prefix-map=$ROOT=."
COMMON="-O2 -std=c11 -Wall -Wextra -Werror -Iinclude $REPRO"
RISCV="-ffreestanding -fno-builtin -nostdlib -fPIC -fno-plt -fno-asynchronous-unwind-tables \
-fno-unwind-tables -ffunction-sections -fdata-sections"
# Misaligned loads and stores are fast (-mno-strict-align), as in PolkaVM's own guest target
# and as PVM memory allows: without it clang assembles every possibly misaligned 8-byte load
# from eight byte loads. (That target also enables T-Head's conditional moves, which the
# QEMU oracle of Debian 12, QEMU 7.2, cannot run, so they are left out.)
RV64="--target=riscv64-unknown-none-elf -march=rv64emac_zbb -mno-strict-align -mabi=lp64e $RISCV"
RV32="--target=riscv32-unknown-none-elf -march=rv32emac_zbb -mno-strict-align -mabi=ilp32e $RISCV"
LDFLAGS_PVM="-shared --emit-relocs --unique --apply-dynamic-relocs --no-allow-shlib-undefined \
-Bsymbolic -z norelro --gc-sections"
NATIVE="${NATIVE_MARCH--march=native}"
WASMFLAGS="--target=wasm32-unknown-unknown -ffreestanding -fno-builtin -nostdlib -Wl,--no-entry \
-Wl,--export=bench -Wl,--strip-all"

cd "$GUEST_DIR"
mkdir -p "$OUT"
# Concurrent invocations (e.g. test binaries run in parallel) must not interleave: hold a lock
# on the output directory for the whole build.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$OUT/.build.lock"
    flock 9
fi
mkdir -p "$OUT/rv64" "$OUT/rv32" "$OUT/native" "$OUT/wasm" "$OUT/qemu/rv64" "$OUT/qemu/rv32" \
    "$OUT/obj/rv64" "$OUT/obj/rv32" "$OUT/obj/native" "$OUT/obj/wasm"

# Inputs every output depends on.
COMMON_DEPS="build.sh $(ls include/*.h libc/*.c native/*.c qemu/*.c)"

# Program names and their source files.
programs() {
    for entry in programs/*; do
        if [ -d "$entry" ]; then
            basename "$entry"
        elif [ "${entry%.c}" != "$entry" ]; then
            basename "$entry" .c
        fi
    done
}
sources_of() {
    if [ -d "programs/$1" ]; then
        ls "programs/$1"/*.c
    else
        echo "programs/$1.c"
    fi
}
# Extra dependencies of a program (its headers, for directory programs).
deps_of() {
    sources_of "$1"
    if [ -d "programs/$1" ]; then
        ls "programs/$1"/*.h 2>/dev/null || true
    fi
}

# stale OUTPUT DEP... : true if OUTPUT must be rebuilt.
stale() {
    out=$1
    shift
    [ "$FORCE" = 1 ] && return 0
    [ -e "$out" ] || return 0
    for dep in "$@"; do
        [ "$dep" -nt "$out" ] && return 0
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# Build steps (each writes to a temporary name and renames, so a failed or interrupted build
# never leaves a fresh-looking broken output).
# ---------------------------------------------------------------------------------------------
build_pvm() { # arch name
    arch=$1
    name=$2
    if [ "$arch" = rv64 ]; then flags=$RV64; else flags=$RV32; fi
    out="$OUT/$arch/$name.elf"
    qemu_out="$OUT/qemu/$arch/$name"
    deps="$COMMON_DEPS $(deps_of "$name")"
    # shellcheck disable=SC2086
    if ! stale "$out" $deps && ! stale "$qemu_out" $deps; then
        return 0
    fi
    objdir="$OUT/obj/$arch/$name"
    mkdir -p "$objdir"
    objs=""
    for src in $(sources_of "$name"); do
        obj="$objdir/$(basename "$src" .c).o"
        # shellcheck disable=SC2086
        "$CLANG" $flags $COMMON -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    # shellcheck disable=SC2086
    "$LLD" $LDFLAGS_PVM $objs "$OUT/obj/$arch/gannet_libc.o" -o "$out.tmp"
    mv "$out.tmp" "$out"
    # The same objects as a static Linux executable, for QEMU user mode.
    # shellcheck disable=SC2086
    "$LLD" -static -e _start --gc-sections $objs "$OUT/obj/$arch/gannet_libc.o" \
        "$OUT/obj/$arch/qemu_start.o" -o "$qemu_out.tmp"
    mv "$qemu_out.tmp" "$qemu_out"
}

build_libc() { # arch
    arch=$1
    case "$arch" in
        rv64) flags=$RV64 ;;
        rv32) flags=$RV32 ;;
        wasm) flags="--target=wasm32-unknown-unknown -ffreestanding -fno-builtin" ;;
    esac
    out="$OUT/obj/$arch/gannet_libc.o"
    # shellcheck disable=SC2086
    stale "$out" $COMMON_DEPS || return 0
    # shellcheck disable=SC2086
    "$CLANG" $flags $COMMON -c libc/gannet_libc.c -o "$out.tmp"
    mv "$out.tmp" "$out"
}

build_qemu_start() { # arch
    arch=$1
    if [ "$arch" = rv64 ]; then flags=$RV64; else flags=$RV32; fi
    out="$OUT/obj/$arch/qemu_start.o"
    # shellcheck disable=SC2086
    stale "$out" $COMMON_DEPS qemu/start.c || return 0
    # shellcheck disable=SC2086
    "$CLANG" $flags $COMMON -c qemu/start.c -o "$out.tmp"
    mv "$out.tmp" "$out"
}

build_native() { # name
    name=$1
    out="$OUT/native/$name"
    # shellcheck disable=SC2046
    if stale "$out" $COMMON_DEPS $(deps_of "$name"); then
        # shellcheck disable=SC2046,SC2086
        "$CLANG" $COMMON $NATIVE -DGANNET_SELFTEST $(sources_of "$name") native/driver.c -o "$out.tmp"
        mv "$out.tmp" "$out"
    fi
    [ -n "$AR" ] || return 0
    lib="$OUT/native/lib$name.a"
    # shellcheck disable=SC2046
    stale "$lib" $COMMON_DEPS $(deps_of "$name") || return 0
    objdir="$OUT/obj/native/$name"
    mkdir -p "$objdir"
    rm -f "$lib.tmp"
    objs=""
    for src in $(sources_of "$name"); do
        obj="$objdir/$(basename "$src" .c).o"
        # shellcheck disable=SC2086
        "$CLANG" $COMMON $NATIVE -fPIC "-Dbench=gannet_bench_$name" -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    # shellcheck disable=SC2086
    "$AR" rcD "$lib.tmp" $objs
    mv "$lib.tmp" "$lib"
}

build_wasm() { # name
    name=$1
    out="$OUT/wasm/$name.wasm"
    # shellcheck disable=SC2046
    stale "$out" $COMMON_DEPS $(deps_of "$name") || return 0
    # shellcheck disable=SC2046,SC2086
    "$CLANG" $WASMFLAGS $COMMON $(sources_of "$name") "$OUT/obj/wasm/gannet_libc.o" -o "$out.tmp"
    mv "$out.tmp" "$out"
}

# ---------------------------------------------------------------------------------------------
# Parallel driver
# ---------------------------------------------------------------------------------------------
LOGDIR="$OUT/logs"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
start() { # step args...
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n || true # each job records its own exit status (below)
    done
    tag=$(echo "$*" | tr ' ' '-')
    (
        set +e
        (set -e; "$@") >"$LOGDIR/$tag.log" 2>&1
        echo $? >"$LOGDIR/$tag.status"
    ) &
}

START_NS=$(date +%s%N)
NAMES=$(programs)
# Phase 1: the runtime library, once per target.
start build_libc rv64
start build_libc rv32
start build_qemu_start rv64
start build_qemu_start rv32
if [ "$WASM" = 1 ]; then start build_libc wasm; fi
wait
# Phase 2: the programs.
for name in $NAMES; do
    start build_pvm rv64 "$name"
    start build_pvm rv32 "$name"
    start build_native "$name"
    if [ "$WASM" = 1 ]; then start build_wasm "$name"; fi
done
wait

FAILED=""
for status in "$LOGDIR"/*.status; do
    tag=$(basename "$status" .status)
    if [ -s "$LOGDIR/$tag.log" ]; then
        echo "== $tag" >&2
        cat "$LOGDIR/$tag.log" >&2
    fi
    if [ "$(cat "$status")" != 0 ]; then
        FAILED="$FAILED $tag"
    fi
done
if [ -n "$FAILED" ]; then
    echo "build.sh: FAILED:$FAILED" >&2
    exit 1
fi
END_NS=$(date +%s%N)
COUNT=$(echo "$NAMES" | wc -w)
ELAPSED_MS=$(((END_NS - START_NS) / 1000000))
printf 'build.sh: %s programs up to date in %s (%d.%03d s)\n' "$COUNT" "$OUT" \
    $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
