//! Random 64-bit programs on three (four) VMs: Gannet's interpreter, Gannet's compiler and
//! PolkaVM 0.37 (its interpreter, and its recompiler where its Linux sandbox works).
//!
//! Each seed makes a program ([`Profile::wide`]: every instruction of the set, edge values,
//! branches backwards and forwards, dynamic jumps to valid, odd, zero, out-of-table, mid-block
//! and return-to-host addresses, accesses at the edges of every region and of the address
//! space, read-only data, host calls, small gas limits). Every VM runs it from pc 0 with the
//! same registers and gas; a host call resumes after `a0 = mix(a0 ^ n)`, `a1 = stop index`;
//! running out of gas resumes twice with 200 more. The runs must agree on every stop's exit,
//! pc, gas and 13 registers and on the final contents of every accessible page.
//!
//! * Gannet's compiler must match its interpreter exactly, page-fault addresses included, with
//!   either kind of gas metering (`Sync`, and `Async`, whose out-of-gas exits are traps).
//!   So must the compiler run in linked mode (`common::linked`): through
//!   `Instance::resume_call` with host functions that make the same host update, served from
//!   inside the generated code, each host call recorded as the host function sees it.
//! * PolkaVM without dynamic paging reports an inaccessible access as a trap, where Gannet
//!   reports a page fault (resumable after mapping the page) or, below `0x10000` and for writes
//!   to read-only pages, a panic: against PolkaVM a page fault counts as a trap. Everything
//!   else must match exactly.
//!
//! Instruction sets: PolkaVM 0.37 reads blob version 2 (`Latest64`) in its new bitmask-less
//! encoding, which Gannet neither reads nor writes, so the three-way runs use `ReviveV1`
//! (version 0) and `JamV1` (version 3). Gannet's `Latest64` (the ≤ 0.35 bitmask encoding) is
//! the only 64-bit set with `sbrk` and `memset`; those programs run on Gannet's two backends.
//!
//! This test found that `load_imm_and_jump r, imm, target` with a static target that is not
//! a block start writes `r` in PolkaVM before trapping at the instruction; Gannet's backends
//! trapped with `r` unchanged, and now write it too.
//!
//! Seeds cycle through `ReviveV1`, `JamV1`, `ReviveV1`, `Latest64`; the interpreter's dispatch
//! (the reference run) alternates every four seeds. Gannet's compiler is skipped, with a
//! message, where `vm::jit::is_supported()` is false, and PolkaVM's recompiler where its
//! sandbox cannot start. A run of 1000 seeds or more must have used every instruction of
//! each set. `GANNET_JIT_ORACLE_CASES` sets the number of seeds (default 2000),
//! `GANNET_JIT_ORACLE_SEED` runs one seed and prints its program and every VM's stops.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::differential::{self, Exit, Outcome, Policy};
use common::linked;
use common::random::Profile;
use isa::InstructionSet;
use vm::{Backend, Dispatch};

/// How the programs run: host calls and refuels resumed, memory recorded.
const POLICY: Policy = Policy { max_stops: 10, host_update: true, refuels: 2, memory: true };

/// The compiler run through `Instance::resume_call`, host calls served inside the code.
const LINKED: &str = "gannet-compiler (linked)";

/// The compiler with `GasMetering::Async` (block charges that trap when they cannot be paid).
const ASYNC: &str = "gannet-compiler (async gas)";

/// Instruction sets, by `seed % 4`.
const SETS: [InstructionSet; 4] =
    [InstructionSet::ReviveV1, InstructionSet::JamV1, InstructionSet::ReviveV1, InstructionSet::Latest64];

/// The generator for `seed` (its instruction set).
fn profile(seed: u64) -> Profile {
    Profile::wide(SETS[(seed % 4) as usize])
}

/// Whether PolkaVM 0.37 can run blobs of `set` (see the module note).
fn polkavm_reads(set: InstructionSet) -> bool {
    set != InstructionSet::Latest64
}

/// The engines, one per VM; the optional ones are `None` where they do not work.
struct Vms {
    interpreters: [vm::Engine; 2],
    compiler: Option<vm::Engine>,
    /// The compiler with `Async` gas metering (where the compiler is supported).
    compiler_async: Option<vm::Engine>,
    polkavm: Vec<(&'static str, polkavm::Engine)>,
}

impl Vms {
    fn new() -> Vms {
        let gannet = |configure: &dyn Fn(&mut vm::Config)| {
            let mut config = vm::Config::new();
            configure(&mut config);
            vm::Engine::new(&config).expect("Gannet engine")
        };
        let interpreters = [Dispatch::Threaded, Dispatch::Switch].map(|d| gannet(&|c| _ = c.set_dispatch(d)));
        let compiler = vm::jit::is_supported().then(|| gannet(&|c| _ = c.set_backend(Backend::Compiler)));
        let compiler_async = vm::jit::is_supported().then(|| {
            gannet(&|c| _ = c.set_backend(Backend::Compiler).set_gas_metering(vm::GasMetering::Async))
        });
        if compiler.is_none() {
            println!("skipping Gannet's compiler: vm::jit::is_supported() is false on this machine");
        }
        let probe = Profile::wide(InstructionSet::ReviveV1).case(0);
        let polkavm = differential::polkavm_engines(&probe.blob, &probe.regs, probe.gas, POLICY);
        Vms { interpreters, compiler, compiler_async, polkavm }
    }
}

/// Tallies over all seeds, printed at the end.
#[derive(Default)]
struct Tally {
    programs: BTreeMap<String, usize>,
    runs: BTreeMap<&'static str, (usize, std::time::Duration)>,
    final_exits: BTreeMap<String, usize>,
    stops: usize,
    /// Host calls with a host function in linked runs (served inside the code), and without.
    host_calls: (usize, usize),
    opcodes: BTreeMap<String, std::collections::BTreeSet<isa::Opcode>>,
}

/// One disagreement: the seed, the two VMs and what differs.
struct Failure {
    seed: u64,
    isa: InstructionSet,
    vms: (&'static str, &'static str),
    differences: Vec<String>,
    outcomes: (Outcome, Outcome),
}

/// Runs `seed` on every VM; disagreements go to `failures`.
fn check(seed: u64, vms: &Vms, tally: &mut Tally, failures: &mut Vec<Failure>, verbose: bool) {
    let isa = SETS[(seed % 4) as usize];
    let started = Instant::now();
    let case = profile(seed).case(seed);
    let entry = tally.runs.entry("generate").or_default();
    *entry = (entry.0 + 1, entry.1 + started.elapsed());
    let name = format!("{isa:?}");
    *tally.programs.entry(name.clone()).or_default() += 1;
    let parsed = isa::blob::ProgramBlob::parse(&case.blob).expect("random blob parses");
    let used = tally.opcodes.entry(name).or_default();
    used.extend(parsed.code_view().instructions().map(|d| d.inst.opcode));

    let (dispatch, interpreter) = if (seed / 4).is_multiple_of(2) {
        ("gannet-interpreter (threaded)", &vms.interpreters[0])
    } else {
        ("gannet-interpreter (switch)", &vms.interpreters[1])
    };
    let mut timed = |name: &'static str, run: &mut dyn FnMut() -> Outcome| {
        let started = Instant::now();
        let outcome = run();
        let entry = tally.runs.entry(name).or_default();
        *entry = (entry.0 + 1, entry.1 + started.elapsed());
        outcome
    };
    let run_gannet = |engine: &vm::Engine| {
        let mut instance = differential::gannet(engine, &case.blob).expect("Gannet loads the random blob");
        differential::run(&mut instance, &case.regs, case.gas, POLICY)
    };
    let reference = timed(dispatch, &mut || run_gannet(interpreter));
    let mut others: Vec<(&'static str, Outcome, bool)> = Vec::new();
    if let Some(engine) = &vms.compiler {
        others.push(("gannet-compiler", timed("gannet-compiler", &mut || run_gannet(engine)), false));
        let linked = timed(LINKED, &mut || {
            let mut instance = linked::gannet(engine, &case.blob).expect("Gannet loads the random blob");
            linked::run(&mut instance, &case.regs, case.gas, POLICY)
        });
        others.push((LINKED, linked, false));
    }
    if let Some(engine) = &vms.compiler_async {
        others.push((ASYNC, timed(ASYNC, &mut || run_gannet(engine)), false));
    }
    for (name, engine) in vms.polkavm.iter().filter(|_| polkavm_reads(isa)) {
        let outcome = timed(name, &mut || {
            let mut instance = differential::polkavm(engine, &case.blob)
                .unwrap_or_else(|e| panic!("seed {seed}: {name} rejects the blob: {e}"));
            differential::run(&mut instance, &case.regs, case.gas, POLICY)
        });
        others.push((name, outcome, true));
    }
    if verbose {
        println!(
            "seed {seed} ({isa:?}), gas {}, regs {:x?}\n{}",
            case.gas,
            case.regs,
            differential::disassemble(&case.blob)
        );
        println!("{dispatch}: {:x?}", reference.stops);
    }
    for (name, outcome, coarse) in others {
        if verbose {
            println!("{name}: {:x?}", outcome.stops);
        }
        let differences = differential::differences(&reference, &outcome, coarse);
        if !differences.is_empty() {
            let outcomes = (reference.clone(), outcome);
            failures.push(Failure { seed, isa, vms: (dispatch, name), differences, outcomes });
        }
    }
    tally.stops += reference.stops.len();
    for stop in &reference.stops {
        match stop.exit {
            Exit::HostCall(n) if n < linked::LINKED => tally.host_calls.0 += 1,
            Exit::HostCall(_) => tally.host_calls.1 += 1,
            _ => {}
        }
    }
    let last = reference.stops.last().expect("a final stop").exit;
    let last = match last {
        Exit::PageFault(_) => "page fault".to_owned(),
        Exit::HostCall(_) => "host call (stop limit)".to_owned(),
        exit => format!("{exit:?}"),
    };
    *tally.final_exits.entry(last).or_default() += 1;
}

/// Runs `seeds`, prints a summary and fails with reproducers on any disagreement.
fn check_seeds(seeds: impl Iterator<Item = u64>) {
    let started = Instant::now();
    let vms = Vms::new();
    let (mut tally, mut failures) = (Tally::default(), Vec::new());
    let single = std::env::var("GANNET_JIT_ORACLE_SEED").ok().and_then(|v| v.parse::<u64>().ok());
    let seeds: Vec<u64> = match single {
        Some(seed) => vec![seed],
        None => seeds.collect(),
    };
    for &seed in &seeds {
        check(seed, &vms, &mut tally, &mut failures, single.is_some());
    }
    println!(
        "{} programs {:?} in {:.1?}: runs {:?}, {} stops (host calls linked/unlinked {:?}), final exits {:?}",
        seeds.len(),
        tally.programs,
        started.elapsed(),
        tally.runs,
        tally.stops,
        tally.host_calls,
        tally.final_exits
    );
    if single.is_none() {
        for (set, used) in &tally.opcodes {
            let set = SETS.into_iter().find(|s| format!("{s:?}") == *set).expect("a set");
            let missing: Vec<isa::Opcode> = isa::Opcode::ALL
                .iter()
                .copied()
                .filter(|&op| set.byte(op).is_some() && !used.contains(&op))
                .collect();
            assert!(seeds.len() < 1000 || missing.is_empty(), "{set:?}: no program used {missing:?}");
        }
    }
    report(&failures);
}

/// Fails with every disagreement (the first few with their programs and stops).
fn report(failures: &[Failure]) {
    if failures.is_empty() {
        return;
    }
    let mut text = String::new();
    for (n, f) in failures.iter().enumerate().take(20) {
        let (a, b) = f.vms;
        text += &format!("\nseed {} ({:?}): {a} vs {b}: {:#?}\n", f.seed, f.isa, f.differences);
        if n < 3 {
            let case = profile(f.seed).case(f.seed);
            text += &format!("{a}: {:x?}\n{b}: {:x?}\n", f.outcomes.0.stops, f.outcomes.1.stops);
            text += &format!(
                "gas {}, regs {:x?}\n{}\n",
                case.gas,
                case.regs,
                differential::disassemble(&case.blob)
            );
        }
    }
    let seeds: std::collections::BTreeSet<u64> = failures.iter().map(|f| f.seed).collect();
    panic!(
        "{} disagreement(s) in {} program(s) {seeds:?}; rerun one with GANNET_JIT_ORACLE_SEED=<seed>:{text}",
        failures.len(),
        seeds.len()
    );
}

/// Number of seeds of the default run (override with `GANNET_JIT_ORACLE_CASES`).
fn cases() -> u64 {
    std::env::var("GANNET_JIT_ORACLE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

#[test]
fn random_64bit_programs_agree_across_vms() {
    check_seeds(0..cases());
}

/// Many more seeds, for a long run: `cargo nextest run --release --run-ignored all`.
#[test]
#[ignore = "long; run with --run-ignored"]
fn random_64bit_programs_agree_across_vms_many() {
    check_seeds(100_000..150_000);
}
