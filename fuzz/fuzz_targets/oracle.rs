//! Random valid programs on four VMs: Gannet's interpreter, Gannet's compiler (with `Sync` and
//! with `Async` gas metering), and PolkaVM
//! 0.37's interpreter and recompiler (the pinned oracle; its recompiler only where its sandbox
//! starts); and on Gannet's two backends once more in linked mode (`linked.rs`: run through
//! `Instance::resume_call`, host calls served by host functions, inside the generated code on
//! the compiler). The program generator of the `jit_oracle` test (every instruction of the
//! set, branches and dynamic jumps of every kind, accesses at the edges of every region, host
//! calls, small gas limits) draws its randomness from the input bytes, so the fuzzer's
//! mutations change programs locally. Every run must agree with Gannet's interpreter, run stop
//! by stop, on every stop (exit, pc, gas, registers; in linked mode a host call's stop is the
//! state its host function sees) and on the final memory; against PolkaVM, which has no
//! dynamic paging, a page fault counts as a trap (see `differential::differences`).
//!
//! Input: byte 0 picks the instruction set (`ReviveV1` or `JamV1`, the 64-bit sets PolkaVM
//! 0.37 reads); the rest is the generator's tape.
//!
//! Needs the `oracle` feature (PolkaVM is a heavy build): `cargo +nightly fuzz run --features
//! oracle oracle`.
#![no_main]

use std::sync::OnceLock;

use isa::InstructionSet;
use libfuzzer_sys::fuzz_target;

#[path = "../../benches/tests/common/differential.rs"]
#[allow(dead_code)]
mod differential;
#[path = "../../benches/tests/common/linked.rs"]
#[allow(dead_code)]
mod linked;
#[path = "../../benches/tests/common/random.rs"]
#[allow(dead_code)]
mod random;

/// The host function the programs call (`gannet_benches::harness::gannet_host_mix`).
fn gannet_host_mix(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1)
}

use differential::Policy;
use random::{Profile, Rng};

/// As in `jit_oracle`: host calls and refuels resumed, memory recorded.
const POLICY: Policy = Policy { max_stops: 10, host_update: true, refuels: 2, memory: true };

/// The VMs, made once per process.
struct Vms {
    interpreter: vm::Engine,
    compiler: Option<vm::Engine>,
    /// The compiler with `Async` gas metering.
    compiler_async: Option<vm::Engine>,
    polkavm: Vec<(&'static str, polkavm::Engine)>,
}

fn vms() -> &'static Vms {
    static VMS: OnceLock<Vms> = OnceLock::new();
    VMS.get_or_init(|| {
        let gannet = |backend, metering| {
            let mut config = vm::Config::new();
            config.set_backend(backend).set_gas_metering(metering);
            vm::Engine::new(&config).expect("Gannet engine")
        };
        let interpreter = gannet(vm::Backend::Interpreter, vm::GasMetering::Sync);
        let compiler = vm::jit::is_supported().then(|| gannet(vm::Backend::Compiler, vm::GasMetering::Sync));
        let compiler_async =
            vm::jit::is_supported().then(|| gannet(vm::Backend::Compiler, vm::GasMetering::Async));
        let probe = Profile::wide(InstructionSet::ReviveV1).case(0);
        let polkavm = differential::polkavm_engines(&probe.blob, &probe.regs, probe.gas, POLICY);
        if compiler.is_none() {
            eprintln!("oracle: skipping Gannet's compiler (not supported on this machine)");
        }
        Vms { interpreter, compiler, compiler_async, polkavm }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, tape)) = data.split_first() else { return };
    let set = if selector & 1 == 0 { InstructionSet::ReviveV1 } else { InstructionSet::JamV1 };
    let case = Profile::wide(set).case_from(Rng::from_tape(tape));
    let vms = vms();
    let run_gannet = |engine: &vm::Engine| {
        let mut instance = differential::gannet(engine, &case.blob).expect("Gannet loads the generated blob");
        differential::run(&mut instance, &case.regs, case.gas, POLICY)
    };
    let run_linked = |engine: &vm::Engine| {
        let mut instance = linked::gannet(engine, &case.blob).expect("Gannet loads the generated blob");
        linked::run(&mut instance, &case.regs, case.gas, POLICY)
    };
    let reference = run_gannet(&vms.interpreter);
    let mut others = vec![("gannet-interpreter (linked)", run_linked(&vms.interpreter), false)];
    if let Some(engine) = &vms.compiler {
        others.push(("gannet-compiler", run_gannet(engine), false));
        others.push(("gannet-compiler (linked)", run_linked(engine), false));
    }
    if let Some(engine) = &vms.compiler_async {
        others.push(("gannet-compiler (async gas)", run_gannet(engine), false));
    }
    for (name, engine) in &vms.polkavm {
        let mut instance = differential::polkavm(engine, &case.blob)
            .unwrap_or_else(|e| panic!("{name} rejects the generated blob: {e}"));
        others.push((name, differential::run(&mut instance, &case.regs, case.gas, POLICY), true));
    }
    for (name, outcome, coarse) in others {
        let differences = differential::differences(&reference, &outcome, coarse);
        assert!(
            differences.is_empty(),
            "gannet-interpreter vs {name}: {differences:#?}\ninterpreter stops {:x?}\n{name} stops {:x?}\n{}",
            reference.stops,
            outcome.stops,
            differential::disassemble(&case.blob)
        );
    }
});
