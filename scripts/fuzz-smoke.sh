#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target in fuzz/, seeds the corpora, replays the
# committed regression inputs and fuzzes each target for a short time. Exits non-zero if any
# target crashes (the input is left in fuzz/artifacts/<target>/).
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 20)
#   FUZZ_TARGETS    space-separated targets (default: every target in fuzz/Cargo.toml except
#                   `oracle`, which builds PolkaVM 0.37 and runs only when named here)
#   FUZZ_TOOLCHAIN  rustup toolchain with -Z flags (default nightly)
#   FUZZ_SANITIZER  address (default) or none
#   GANNET_CORPORA  shared corpora for seeds (default <repo>/../shared/corpora; optional)
#
# Safe to rerun: cargo-fuzz is only installed when missing, seeds are named by content hash,
# and the corpora under fuzz/corpus (gitignored) keep growing between runs.
#
# Memory: an interpreter instance reserves 4 GiB of address space (mmap, MAP_NORESERVE) and
# touches only the pages a program uses. libFuzzer's -rss_limit_mb counts resident memory,
# not reservations, and AddressSanitizer's mmap interceptor only clears shadow for the range
# (it is released with madvise, not written), so -rss_limit_mb=4096 with ASan works: peak RSS
# stays well under 1 GiB. Set FUZZ_SANITIZER=none to fuzz faster without ASan.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
SANITIZER="${FUZZ_SANITIZER:-address}"
CORPORA="${GANNET_CORPORA:-$ROOT/../shared/corpora}"
LIBFUZZER_FLAGS=(-timeout=10 -rss_limit_mb=4096 -print_final_stats=1)

log() { printf '==> %s\n' "$*" >&2; }

# 1. Tools: a nightly toolchain (cargo-fuzz needs -Z flags) and cargo-fuzz itself.
# Only package registries are reachable on CI, so a missing nightly cannot be downloaded: fall
# back to the pinned stable toolchain with RUSTC_BOOTSTRAP=1, which accepts the -Z flags
# cargo-fuzz passes (the sanitizer runtimes ship with the standard library component).
if command -v rustup >/dev/null 2>&1 && ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    if rustup toolchain install "$TOOLCHAIN" --profile minimal >/dev/null 2>&1; then
        log "installed the $TOOLCHAIN toolchain"
    else
        log "no $TOOLCHAIN toolchain available: using the pinned toolchain with RUSTC_BOOTSTRAP=1"
        TOOLCHAIN="$(rustup show active-toolchain | cut -d' ' -f1)"
        export RUSTC_BOOTSTRAP=1
    fi
fi
if ! cargo "+$TOOLCHAIN" fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo "+$TOOLCHAIN" install cargo-fuzz --locked
fi

FUZZ=(cargo "+$TOOLCHAIN" fuzz)
BUILD_OPTS=(-O --debug-assertions --sanitizer "$SANITIZER")

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    read -r -a TARGETS <<<"$FUZZ_TARGETS"
else
    mapfile -t TARGETS < <("${FUZZ[@]}" list | grep -vx oracle)
fi

# The options for one target: `oracle` needs its feature (the PolkaVM dependency).
opts_for() {
    if [[ "$1" == oracle ]]; then
        echo "${BUILD_OPTS[@]}" --features oracle
    else
        echo "${BUILD_OPTS[@]}"
    fi
}
[[ ${#TARGETS[@]} -gt 0 ]] || { log "no fuzz targets found"; exit 1; }

# 2. Build every target (release, debug assertions on).
log "building fuzz targets: ${TARGETS[*]}"
for target in "${TARGETS[@]}"; do
    read -r -a opts <<<"$(opts_for "$target")"
    "${FUZZ[@]}" build "${opts[@]}" "$target"
done

# 3. Seeds from the shared corpora (JSON vectors' `program` and blob files) into fuzz/corpus.
log "generating seeds from $CORPORA"
cargo "+$TOOLCHAIN" run --quiet --release --manifest-path fuzz/Cargo.toml -p gannet-fuzz-seedgen -- \
    "$CORPORA" "$ROOT/fuzz/corpus"

# Guest ELF files seed the linker target when they have been built (guest/build.sh).
if [[ -d "$ROOT/target/guest/rv64" ]]; then
    mkdir -p "$ROOT/fuzz/corpus/linker"
    cp -f "$ROOT"/target/guest/rv64/*.elf "$ROOT/fuzz/corpus/linker/" 2>/dev/null || true
fi
# Plus two with DWARF (-g), as a shared object and as a relocatable object, for the debug-info
# reader.
if command -v clang-19 >/dev/null 2>&1 && command -v ld.lld-19 >/dev/null 2>&1; then
    seed_dir=$(mktemp -d)
    rv64=(--target=riscv64-unknown-none-elf -march=rv64emac_zbb -mno-strict-align -mabi=lp64e -O2 -g -ffreestanding
        -fno-builtin -nostdlib -fPIC -fno-plt -I"$ROOT/guest/include")
    if clang-19 "${rv64[@]}" -c "$ROOT/guest/programs/sort.c" -o "$seed_dir/sort.o" \
        && clang-19 "${rv64[@]}" -c "$ROOT/guest/libc/gannet_libc.c" -o "$seed_dir/libc.o" \
        && ld.lld-19 -shared --emit-relocs --unique --apply-dynamic-relocs -Bsymbolic -z norelro \
            --gc-sections "$seed_dir/sort.o" "$seed_dir/libc.o" -o "$seed_dir/sort.elf"; then
        mkdir -p "$ROOT/fuzz/corpus/linker"
        cp -f "$seed_dir/sort.elf" "$ROOT/fuzz/corpus/linker/debug-sort.elf"
        cp -f "$seed_dir/sort.o" "$ROOT/fuzz/corpus/linker/debug-sort.o"
    fi
    rm -rf "$seed_dir"
fi

failed=()

# 4. Replay the committed regression inputs (each must run cleanly).
for target in "${TARGETS[@]}"; do
    dir="$ROOT/fuzz/regressions/$target"
    [[ -d "$dir" ]] || continue
    mapfile -t inputs < <(find "$dir" -type f ! -name '*.md' ! -name '.*' | sort)
    [[ ${#inputs[@]} -gt 0 ]] || continue
    log "replaying ${#inputs[@]} regression input(s) for $target"
    read -r -a opts <<<"$(opts_for "$target")"
    if ! "${FUZZ[@]}" run "${opts[@]}" "$target" "${inputs[@]}" -- "${LIBFUZZER_FLAGS[@]}"; then
        failed+=("$target (regressions)")
    fi
done

# 5. Fuzz each target for a while, one at a time (fits a 2-core CI machine).
for target in "${TARGETS[@]}"; do
    mkdir -p "$ROOT/fuzz/corpus/$target"
    log "fuzzing $target for ${SECONDS_PER_TARGET}s"
    read -r -a opts <<<"$(opts_for "$target")"
    if ! "${FUZZ[@]}" run "${opts[@]}" "$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" "${LIBFUZZER_FLAGS[@]}"; then
        failed+=("$target")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    log "FAILED: ${failed[*]}"
    log "crash inputs are in fuzz/artifacts/<target>/; reproduce with:"
    log "  cargo +$TOOLCHAIN fuzz run ${BUILD_OPTS[*]} <target> fuzz/artifacts/<target>/<file>"
    exit 1
fi
log "all fuzz targets ran cleanly: ${TARGETS[*]}"
