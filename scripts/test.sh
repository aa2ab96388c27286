#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, a `gannet bench` smoke run, a short fuzz run,
# then the whole test suite.
# Usage: scripts/test.sh        (FUZZ_SECONDS=N to change the per-target fuzz time; 0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install cargo-nextest --locked
fi

echo "== guest toolchain and guest programs"
if ! command -v clang-19 >/dev/null 2>&1 || ! command -v ld.lld-19 >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y --no-install-recommends clang-19 lld-19 llvm-19 \
            || { apt-get update && apt-get install -y --no-install-recommends clang-19 lld-19 llvm-19; }
    else
        echo "clang-19/ld.lld-19 missing and cannot install them (not root): guest tests will skip"
    fi
fi
if command -v clang-19 >/dev/null 2>&1; then
    bash guest/build.sh
fi

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy (with the peer VMs of the bench harness)"
cargo clippy --workspace --all-targets --all-features -- -D warnings
if command -v clang-19 >/dev/null 2>&1; then
    echo "== gannet bench smoke (every VM, small arguments, results checked; not a measurement)"
    cargo run -q -p gannet-cli --features peers -- bench --quick --no-write >/dev/null
fi
if [ "${FUZZ_SECONDS:-15}" != "0" ]; then
    echo "== fuzz smoke (${FUZZ_SECONDS:-15}s per target)"
    FUZZ_SECONDS="${FUZZ_SECONDS:-15}" scripts/fuzz-smoke.sh
fi
echo "== tests"
cargo nextest run --workspace --no-fail-fast
