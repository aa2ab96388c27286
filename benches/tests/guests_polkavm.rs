//! The C guest suite (`guest/`) checked against independent oracles.
//!
//! 1. `guest/build.sh` builds every program (incrementally) for RV64E, RV32E, x86-64 and wasm32.
//! 2. The native build of each program must pass its self-test (hash test vectors, compressor
//!    round trips, ...) and reproduce the results recorded in `guest/programs/expected.txt`.
//! 3. Each RV64E ELF is linked by `polkavm-linker` 0.37 for ReviveV1 and each RV32E ELF for the
//!    32-bit `Latest` ISA (so both must link: no undefined symbols, no unsupported
//!    instructions); both blobs run `bench` on PolkaVM 0.37's interpreter, with
//!    `gannet_host_mix` defined in the PolkaVM `Linker`, and must match the native results.
//! 4. If installed: `qemu-riscv64`/`qemu-riscv32` run the same RV-E objects as static Linux
//!    executables, and Node.js runs the wasm32 modules; both must match too.
//!
//! Without clang-19 the test prints "skipped: clang-19 not found" and passes, unless
//! `GANNET_REQUIRE_TOOLCHAIN=1`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    build_guests, parse_hex, program_names, repo_root, tool_available, toolchain_or_skip, PolkaVmGuest,
};
use polkavm_linker::TargetInstructionSet;

/// The programs the suite must contain (a missing one is a failure, an extra one is tested too).
const REQUIRED: &[&str] = &[
    "alu",
    "bigint",
    "blake2b",
    "hostcalls",
    "indirect",
    "keccak",
    "large",
    "memloop",
    "muldiv",
    "recursion",
    "sha256",
    "sort",
];

/// Arguments every RV64 blob is run with on PolkaVM (small: the interpreter is slow, and
/// unoptimised in test builds). RV32 blobs run the middle one.
const PVM_ARGS: [u64; 3] = [0, 1, 2];

/// One line of `guest/programs/expected.txt`.
struct Expected {
    default_n: u64,
    default_result: u64,
    small_n: u64,
    small_result: u64,
}

fn read_expected(root: &Path) -> BTreeMap<String, Expected> {
    let path = root.join("guest").join("programs").join("expected.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let mut table = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 5, "malformed line in expected.txt: {line:?}");
        let number = |s: &str| s.parse::<u64>().unwrap_or_else(|e| panic!("bad argument {s:?}: {e}"));
        table.insert(
            fields[0].to_owned(),
            Expected {
                default_n: number(fields[1]),
                default_result: parse_hex(fields[2]),
                small_n: number(fields[3]),
                small_result: parse_hex(fields[4]),
            },
        );
    }
    table
}

/// Runs a command that prints one `0x...` result line.
fn run_for_result(program: &str, args: &[&str]) -> Result<u64, String> {
    let output = Command::new(program).args(args).output().map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} {args:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(parse_hex(&String::from_utf8_lossy(&output.stdout)))
}

fn run_selftest(exe: &Path) -> Result<(), String> {
    let output = Command::new(exe).arg("--selftest").output().map_err(|e| format!("{exe:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.success() && stdout.trim() == "ok" {
        Ok(())
    } else {
        Err(format!("self-test: {}{}", stdout.trim(), String::from_utf8_lossy(&output.stderr)))
    }
}

fn link(elf: &Path, isa: TargetInstructionSet) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("read {elf:?}: {e}"))?;
    polkavm_linker::program_from_elf(polkavm_linker::Config::default(), isa, &bytes)
        .map_err(|e| format!("polkavm-linker rejected {elf:?}: {e}"))
}

/// Compares one observed result with the reference, recording a failure on mismatch.
fn check(failures: &mut Vec<String>, what: String, got: Result<u64, String>, want: u64) {
    match got {
        Ok(got) if got == want => {}
        Ok(got) => failures.push(format!("{what}: got 0x{got:016x}, expected 0x{want:016x}")),
        Err(error) => failures.push(format!("{what}: {error}")),
    }
}

#[test]
fn guests_agree_on_every_target() {
    if !toolchain_or_skip() {
        return;
    }
    let root = repo_root();
    let out = build_guests();
    let expected = read_expected(&root);
    let names = program_names(&out);
    for required in REQUIRED {
        assert!(names.iter().any(|n| n == required), "guest program {required} was not built");
    }
    let qemu = tool_available("qemu-riscv64") && tool_available("qemu-riscv32");
    let node = tool_available("node");
    if !qemu {
        println!("note: qemu-riscv64/qemu-riscv32 not found, QEMU oracle skipped");
    }
    if !node {
        println!("note: node not found, wasm oracle skipped");
    }

    let mut failures = Vec::new();
    let mut table = Vec::new();
    for name in &names {
        let Some(exp) = expected.get(name) else {
            failures.push(format!("{name}: no line in guest/programs/expected.txt"));
            continue;
        };
        let native = out.join("native").join(name);
        let native_str = native.to_str().expect("utf-8 path");
        let native_run = |n: u64| run_for_result(native_str, &[&n.to_string()]);

        // Native: self-test and the recorded results.
        if let Err(error) = run_selftest(&native) {
            failures.push(format!("{name}: {error}"));
        }
        check(
            &mut failures,
            format!("{name} native({})", exp.default_n),
            native_run(exp.default_n),
            exp.default_result,
        );
        check(
            &mut failures,
            format!("{name} native({})", exp.small_n),
            native_run(exp.small_n),
            exp.small_result,
        );

        // PolkaVM: RV64 (ReviveV1) and RV32 (Latest32) blobs.
        let elf64 = out.join("rv64").join(format!("{name}.elf"));
        let elf32 = out.join("rv32").join(format!("{name}.elf"));
        let (blob64, blob32) = match (
            link(&elf64, TargetInstructionSet::ReviveV1),
            link(&elf32, TargetInstructionSet::Latest),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                failures.extend(a.err().into_iter().chain(b.err()).map(|e| format!("{name}: {e}")));
                continue;
            }
        };
        let sizes = (blob64.len(), blob32.len());
        let guest64 = PolkaVmGuest::new(blob64, &format!("{name} (rv64)"));
        let guest32 = PolkaVmGuest::new(blob32, &format!("{name} (rv32)"));
        let mut pvm_time = Duration::ZERO;
        for n in PVM_ARGS {
            let want = if n == exp.small_n { Ok(exp.small_result) } else { native_run(n) };
            let want = match want {
                Ok(want) => want,
                Err(error) => {
                    failures.push(format!("{name} native({n}): {error}"));
                    continue;
                }
            };
            let start = Instant::now();
            let got = guest64.run(n);
            pvm_time = start.elapsed();
            check(&mut failures, format!("{name} polkavm rv64({n})"), Ok(got), want);
            if n == PVM_ARGS[1] {
                check(&mut failures, format!("{name} polkavm rv32({n})"), Ok(guest32.run(n)), want);
            }
        }

        // QEMU user mode on the same RV-E objects: RV64 with the default argument, RV32 small.
        if qemu {
            let exe64 = out.join("qemu").join("rv64").join(name);
            let exe32 = out.join("qemu").join("rv32").join(name);
            let default_arg = exp.default_n.to_string();
            let small_arg = exp.small_n.to_string();
            let got = run_for_result("qemu-riscv64", &[exe64.to_str().expect("utf-8 path"), &default_arg]);
            check(&mut failures, format!("{name} qemu rv64({default_arg})"), got, exp.default_result);
            let got = run_for_result("qemu-riscv32", &[exe32.to_str().expect("utf-8 path"), &small_arg]);
            check(&mut failures, format!("{name} qemu rv32({small_arg})"), got, exp.small_result);
        }

        // wasm32 under Node.js.
        if node {
            let module = out.join("wasm").join(format!("{name}.wasm"));
            let runner = root.join("guest").join("wasm").join("run.js");
            let small_arg = exp.small_n.to_string();
            let got = run_for_result(
                "node",
                &[runner.to_str().expect("utf-8 path"), module.to_str().expect("utf-8 path"), &small_arg],
            );
            check(&mut failures, format!("{name} wasm({small_arg})"), got, exp.small_result);
        }

        table.push(format!(
            "{name:<10} {:>9} {:>9} {:>9} 0x{:016x} {:>9} 0x{:016x} {:>9.1}",
            sizes.0,
            sizes.1,
            exp.small_n,
            exp.small_result,
            exp.default_n,
            exp.default_result,
            pvm_time.as_secs_f64() * 1e3,
        ));
    }

    println!();
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>18} {:>9} {:>18} {:>9}",
        "program",
        "rv64 blob",
        "rv32 blob",
        "small n",
        "bench(small n)",
        "default",
        "bench(default)",
        "pvm ms"
    );
    for line in &table {
        println!("{line}");
    }
    println!("(pvm ms: PolkaVM interpreter, rv64, bench({}) in this test build)", PVM_ARGS[2]);
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}
