//! RV32E as a second target, checked against PolkaVM 0.37.
//!
//! 1. Every RV32E guest program (`target/guest/rv32/*.elf`), linked by `polkavm-linker` 0.37
//!    for the 32-bit `Latest` ISA (`Latest32`, blob version 1), runs on Gannet (both
//!    dispatchers) and on PolkaVM's interpreter: results equal the native ones
//!    (`guest/programs/expected.txt`) and the gas used equals PolkaVM's.
//! 2. `gannet-linker` links the same ELF files into `Latest32` blobs too: those run on Gannet
//!    and on PolkaVM with the native results; their sizes are printed beside
//!    `polkavm-linker`'s.
//! 3. Random straight-line and branching `Latest32` programs ([`Profile::latest32`]) run on
//!    Gannet (both dispatchers) and on PolkaVM's interpreter with the same registers, exit, pc
//!    and gas.

mod common;

use common::differential::{self, Exit, Policy};
use common::random::Profile;
use common::{
    build_guests, expected_results, repo_root, run_gannet_metered, run_polkavm_metered, toolchain_or_skip,
};
use polkavm::BackendKind;
use polkavm_linker::TargetInstructionSet;
use vm::Dispatch;

/// Names of the built RV32 programs, sorted.
fn rv32_names(out: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join("rv32"))
        .expect("read rv32 output directory")
        .filter_map(|entry| {
            entry.ok()?.file_name().into_string().ok()?.strip_suffix(".elf").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// Runs `blob` with `n` on Gannet (both dispatchers) and, if `polkavm`, on PolkaVM; records
/// a failure unless all return `want` and use the same gas.
fn check_blob(failures: &mut Vec<String>, what: &str, blob: &[u8], n: u64, want: u64, polkavm: bool) {
    let threaded = run_gannet_metered(blob, n, Dispatch::Threaded);
    let switch = run_gannet_metered(blob, n, Dispatch::Switch);
    let theirs = if polkavm { Some(run_polkavm_metered(blob, n)) } else { None };
    let ok = |r: &Result<(u64, i64), String>| matches!(r, Ok((v, _)) if *v == want);
    let gas = |r: &Result<(u64, i64), String>| r.as_ref().map(|&(_, g)| g).ok();
    let mut wrong = !ok(&threaded) || !ok(&switch) || gas(&threaded) != gas(&switch);
    if let Some(theirs) = &theirs {
        wrong |= !ok(theirs) || gas(theirs) != gas(&threaded);
    }
    if wrong {
        failures.push(format!(
            "{what}({n}): want {want:#x}; gannet threaded {threaded:x?}, switch {switch:x?}, polkavm {theirs:x?}"
        ));
    }
}

/// A guest program's name, blob and expected results.
type Guest = (String, Vec<u8>, (u64, u64, u64, u64));

/// Each RV32E guest program linked by `polkavm-linker` 0.37 for `Latest32`, with its expected
/// results `(default_n, bench(default_n), small_n, bench(small_n))`; `None` without the guest
/// toolchain.
fn polkavm_linked_guests() -> Option<Vec<Guest>> {
    if !toolchain_or_skip() {
        return None;
    }
    let out = build_guests();
    let expected = expected_results(&repo_root());
    let names = rv32_names(&out);
    assert!(names.len() >= 12, "expected the whole guest suite, found {names:?}");
    let guests = names
        .into_iter()
        .map(|name| {
            let want = *expected.get(&name).unwrap_or_else(|| panic!("{name}: no line in expected.txt"));
            let elf = std::fs::read(out.join("rv32").join(format!("{name}.elf"))).expect("read ELF");
            let blob = polkavm_linker::program_from_elf(
                polkavm_linker::Config::default(),
                TargetInstructionSet::Latest,
                &elf,
            )
            .unwrap_or_else(|e| panic!("polkavm-linker rejected {name}: {e}"));
            assert_eq!(blob[4], 1, "{name}: polkavm-linker did not make a Latest32 blob");
            (name, blob, want)
        })
        .collect();
    Some(guests)
}

#[test]
fn rv32_guests_linked_by_polkavm_linker_agree_small_n() {
    let Some(guests) = polkavm_linked_guests() else { return };
    let mut failures = Vec::new();
    for (name, blob, (_, _, small_n, small_result)) in &guests {
        check_blob(&mut failures, &format!("{name} polkavm-linker"), blob, *small_n, *small_result, true);
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The default arguments run for minutes in an unoptimised build: `cargo nextest run --release`.
#[test]
#[cfg_attr(debug_assertions, ignore = "slow without optimisation; run with --release")]
fn rv32_guests_linked_by_polkavm_linker_agree_default_n() {
    let Some(guests) = polkavm_linked_guests() else { return };
    let mut failures = Vec::new();
    for (name, blob, (default_n, default_result, _, _)) in &guests {
        check_blob(
            &mut failures,
            &format!("{name} polkavm-linker"),
            blob,
            *default_n,
            *default_result,
            false,
        );
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn rv32_guests_linked_by_gannet_linker_agree() {
    let Some(guests) = polkavm_linked_guests() else { return };
    let out = repo_root().join("target").join("guest");
    let mut failures = Vec::new();
    println!("\n{:<10} {:>12} {:>14} {:>7}", "program", "gannet-linker", "polkavm-linker", "ratio");
    let (mut ours_total, mut theirs_total) = (0, 0);
    for (name, theirs, (_, _, small_n, small_result)) in &guests {
        let elf = std::fs::read(out.join("rv32").join(format!("{name}.elf"))).expect("read ELF");
        let ours = match linker::link(&elf, &linker::LinkOptions::default()).and_then(|l| l.to_bytes()) {
            Ok(bytes) => bytes,
            Err(e) => {
                failures.push(format!("{name}: gannet-linker failed:\n{e}"));
                continue;
            }
        };
        assert_eq!(ours[4], 1, "{name}: gannet-linker did not make a Latest32 blob");
        let ratio = ours.len() as f64 / theirs.len() as f64;
        println!("{name:<10} {:>12} {:>14} {ratio:>7.3}", ours.len(), theirs.len());
        (ours_total, theirs_total) = (ours_total + ours.len(), theirs_total + theirs.len());
        check_blob(&mut failures, &format!("{name} gannet-linker"), &ours, *small_n, *small_result, true);
        let native = common::native_result(&out, name, 1);
        check_blob(&mut failures, &format!("{name} gannet-linker"), &ours, 1, native, true);
    }
    println!("{:<10} {ours_total:>12} {theirs_total:>14}", "total");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// How the random programs run: up to six host calls resumed as they are, no memory record.
const POLICY: Policy = Policy { max_stops: 7, host_update: false, refuels: 0, memory: false };

/// Number of random programs (override with `GANNET_RV32_CASES`).
fn cases() -> u64 {
    std::env::var("GANNET_RV32_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

#[test]
fn random_latest32_programs_agree_with_polkavm() {
    let mut engine_config = polkavm::Config::new();
    engine_config.set_backend(Some(BackendKind::Interpreter));
    let engine = polkavm::Engine::new(&engine_config).expect("engine");
    let gannet_engines = [Dispatch::Threaded, Dispatch::Switch].map(|dispatch| {
        let mut config = vm::Config::new();
        config.set_dispatch(dispatch);
        (dispatch, vm::Engine::new(&config).expect("engine"))
    });
    let profile = Profile::latest32();
    let mut exits = std::collections::BTreeMap::<Exit, usize>::new();
    for seed in 0..cases() {
        let case = profile.case(seed);
        let mut instance = differential::polkavm(&engine, &case.blob).expect("PolkaVM loads the blob");
        let theirs = differential::run(&mut instance, &case.regs, case.gas, POLICY);
        for (dispatch, gannet_engine) in &gannet_engines {
            let mut instance =
                differential::gannet(gannet_engine, &case.blob).expect("Gannet loads the blob");
            let ours = differential::run(&mut instance, &case.regs, case.gas, POLICY);
            let wrong = differential::differences(&ours, &theirs, true);
            assert!(
                wrong.is_empty(),
                "seed {seed}, {dispatch:?}: Gannet and PolkaVM disagree: {wrong:#?}\nGannet: {:x?}\nPolkaVM: {:x?}\n{}",
                ours.stops,
                theirs.stops,
                differential::disassemble(&case.blob)
            );
        }
        let last = theirs.stops.last().expect("a final stop");
        *exits.entry(last.exit).or_default() += 1;
    }
    println!("final exits: {exits:?}");
}
