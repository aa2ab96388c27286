#!/usr/bin/env bash
# Builds the Rust guest programs in guest/rust/programs/ for RV64E:
#
#   $OUT/<name>.elf   RV64E (lp64e) shared object, input for a PVM linker (`gannet link`,
#                     polkavm-linker 0.37)
#   $OUT/cargo/       cargo's target directory (core/alloc built from rust-src, the SDK, ...)
#
# A program is a cargo package guest/rust/programs/<name>/ (crate-type cdylib, a member of
# the guest/rust workspace) whose package name is <name>.
#
# Needs the repository's pinned Rust toolchain with the `rust-src` component: there is no
# prebuilt `core` for RV64E, so core and alloc are compiled from source (`-Zbuild-std`, enabled
# on a stable toolchain with RUSTC_BOOTSTRAP=1). Without cargo/rustc or without rust-src the
# script prints a line starting with "skipped:" and exits with status 0, so that callers
# (tests, CI without access to the rustup server) can carry on.
#
# Usage: guest/rust/build.sh [--force]
#   OUT       output directory (default: <repo>/target/guest-rust)
#   --force   rebuild even when the outputs are newer than every input
set -eu

RUST_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$RUST_DIR/../.." && pwd)
OUT=${OUT:-$ROOT/target/guest-rust}
TARGET_JSON=riscv64emac-gannet.json
TARGET_NAME=${TARGET_JSON%.json}

FORCE=0
while [ $# -gt 0 ]; do
    case "$1" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,/^set -eu/{/^#/p}' "$0" | cut -c3-; exit 0 ;;
        *) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# Run from the guest workspace, so that the repository's rust-toolchain.toml selects the
# toolchain exactly as it does for the rest of the repository.
cd "$RUST_DIR"

# ---------------------------------------------------------------------------------------------
# Toolchain checks: skip (status 0) rather than fail when something is missing.
# ---------------------------------------------------------------------------------------------
skip() {
    echo "skipped: $*"
    exit 0
}
command -v cargo >/dev/null 2>&1 || skip "cargo not found (install Rust with rustup)"
command -v rustc >/dev/null 2>&1 || skip "rustc not found (install Rust with rustup)"
SYSROOT=$(rustc --print sysroot 2>/dev/null) || skip "rustc --print sysroot failed (is the pinned toolchain installed?)"
if [ ! -d "$SYSROOT/lib/rustlib/src/rust/library/core" ]; then
    TOOLCHAIN=$(rustc --version 2>/dev/null || echo "the active toolchain")
    skip "rust-src is not installed for $TOOLCHAIN ($SYSROOT/lib/rustlib/src/rust/library/core" \
        "is missing); install it with: rustup component add rust-src"
fi

# ---------------------------------------------------------------------------------------------
# What to build, and whether anything changed.
# ---------------------------------------------------------------------------------------------
PROGRAMS=""
for manifest in programs/*/Cargo.toml; do
    [ -e "$manifest" ] || continue
    PROGRAMS="$PROGRAMS $(basename "$(dirname "$manifest")")"
done
[ -n "$PROGRAMS" ] || skip "no programs in $RUST_DIR/programs"

mkdir -p "$OUT"
# Concurrent invocations (test binaries run in parallel) must not interleave.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$OUT/.build.lock"
    flock 9
fi

# Every input of every output: the workspace's sources and manifests, the target description,
# this script, and the toolchain (a toolchain update changes `rustc -vV`).
STAMP="$OUT/.toolchain"
VERSION=$(rustc -vV)
if [ ! -e "$STAMP" ] || [ "$(cat "$STAMP")" != "$VERSION" ]; then
    printf '%s\n' "$VERSION" >"$STAMP"
fi
inputs() {
    find . -path ./target -prune -o -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.json' \
        -o -name Cargo.lock -o -name build.sh \) -print
    echo "$STAMP"
}
up_to_date() {
    [ "$FORCE" = 0 ] || return 1
    for name in $PROGRAMS; do
        out="$OUT/$name.elf"
        [ -e "$out" ] || return 1
        # Any input newer than the output?
        for input in $(inputs); do
            [ "$input" -nt "$out" ] && return 1
        done
    done
    return 0
}
if up_to_date; then
    echo "build.sh: Rust guests up to date in $OUT:$PROGRAMS"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Build. Flags from the environment of an outer cargo (a test run) must not leak into the guest
# build: they are meant for the host, and -D warnings etc. would also apply to `core`.
# ---------------------------------------------------------------------------------------------
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_BUILD_TARGET RUSTC_WORKSPACE_WRAPPER
export CARGO_TARGET_DIR="$OUT/cargo"
export RUSTC_BOOTSTRAP=1

PACKAGES=""
for name in $PROGRAMS; do
    PACKAGES="$PACKAGES -p $name"
done
# shellcheck disable=SC2086
cargo build --release --locked \
    -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem -Zjson-target-spec \
    --target "./$TARGET_JSON" $PACKAGES

for name in $PROGRAMS; do
    built="$CARGO_TARGET_DIR/$TARGET_NAME/release/$name.elf"
    [ -e "$built" ] || { echo "build.sh: error: cargo did not produce $built" >&2; exit 1; }
    cp "$built" "$OUT/$name.elf.tmp"
    mv "$OUT/$name.elf.tmp" "$OUT/$name.elf"
done
echo "build.sh: built Rust guests in $OUT:$PROGRAMS"
