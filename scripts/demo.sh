#!/usr/bin/env bash
# Builds Gannet and runs a sample program: assemble examples/hello.pvmasm into a .polkavm blob,
# inspect it, and call its `main` export on the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p gannet-cli
gannet=target/release/gannet
"$gannet" asm examples/hello.pvmasm -o target/hello.polkavm
"$gannet" inspect target/hello.polkavm
"$gannet" run target/hello.polkavm --export main --arg "${1:-10}" --time
