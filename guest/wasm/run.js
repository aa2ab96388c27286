// run.js - runs a guest's wasm32 build under Node.js (an oracle for guest/build.sh's wasm
// output): node guest/wasm/run.js <name>.wasm [n]
// Prints bench(n) as 0x%016x, like guest/native/driver.c. The module imports the host
// function env.gannet_host_mix (i64) -> i64, implemented here with BigInt arithmetic.
"use strict";

const fs = require("fs");

const MASK64 = (1n << 64n) - 1n;

function gannetHostMix(x) {
  const unsigned = BigInt.asUintN(64, x);
  return BigInt.asIntN(64, (unsigned * 0x9e3779b97f4a7c15n + 1n) & MASK64);
}

async function main() {
  const [file, arg = "1"] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node run.js <module.wasm> [n]");
    process.exit(2);
  }
  const bytes = fs.readFileSync(file);
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { gannet_host_mix: gannetHostMix },
  });
  const result = BigInt.asUintN(64, instance.exports.bench(BigInt(arg)));
  console.log("0x" + result.toString(16).padStart(16, "0"));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
