//! The linked mode of the differential harness: a Gannet instance runs through
//! [`vm::Instance::resume_call`] with an [`Imports`] table, the way an embedder runs it, so
//! that host calls are served where that API serves them (inside the generated code on the
//! compiler backend, by `resume_call`'s own loop on the interpreter) instead of ending the
//! run as in [`differential::run`].
//!
//! The host function of `ecalli n` does what [`differential::run`] does at a host-call stop:
//! it records the stop as it sees the instance (exit `HostCall(n)`, the `ecalli`'s pc, gas
//! and registers) and applies [`differential::host_update`]; at the stop limit it records
//! the stop and fails instead, which ends the call (the stepping run ends there too). Out of
//! gas, page faults, traps and halts come back as [`CallOutcome`]s and are recorded (gas,
//! `a0` and `a1` as the outcome reports them) and refuelled as by [`differential::run`]. The [`Outcome`] of a linked run is thus the one a
//! stepping run records, with every host call at its place in the list of stops, and
//! [`differential::differences`] compares the two in full:
//!
//! * the exits, pcs, gas and registers of the final stop and of every out-of-gas stop, and the
//!   final memory: the same program with the same host behaviour must end the same way;
//! * every host call's pc, gas and registers as the host function sees them: the state
//!   handed to a host function must be the state a stepping run stops with (the compiler
//!   saves it on its own path, without leaving the code);
//! * the number and order of stops, which also reach the registers (`a1 = stop index`).
//!
//! What legitimately differs is how the stops come about: a host call is no exit of
//! `resume_call`, so its stop is recorded from inside the host function rather than after a
//! run, and the stop limit ends the run through a host error rather than a loop condition.
//! At the limit a stepping run still applies the host update (or refuel) after recording the
//! last stop and a linked run does not; nothing records registers or gas after that stop
//! (and neither touches memory), so the outcomes agree. Only `ecalli 0..LINKED` have host
//! functions (the generator draws about half of the indices below 4, the others from all of
//! `u32`, too many to name): any other index fails the call with
//! [`Error::MissingImport`], and the driver records that stop and serves it outside, as a
//! stepping run would, then resumes; that exercises resuming after a failed host call.

use vm::{CallOutcome, Caller, Error, ExitReason, HostError, Imports, Instance, Reg};

use super::differential::{self, Exit, Gannet, Machine, Outcome, Policy, Stop, REFUEL, REGS};

/// Host calls `ecalli 0..LINKED` have host functions in linked runs.
pub const LINKED: u32 = 4;

/// The import names of a linked instance's `ecalli 0..LINKED`.
pub fn import_names() -> Vec<String> {
    (0..LINKED).map(|n| format!("host{n}")).collect()
}

/// A Gannet instance of `blob` on `engine` for [`run`], about to call pc 0.
pub fn gannet(engine: &vm::Engine, blob: &[u8]) -> Result<Gannet, String> {
    differential::gannet_importing(engine, blob, import_names())
}

/// What the host functions and the driver share: the policy and the stops so far.
struct Record {
    /// How to continue after a stop.
    policy: Policy,
    /// Every stop so far, host calls included.
    stops: Vec<Stop>,
}

impl Record {
    /// Whether the stop limit is reached.
    fn full(&self) -> bool {
        self.stops.len() >= self.policy.max_stops
    }
}

/// The host functions of `ecalli 0..LINKED`.
fn imports() -> Imports<Record> {
    let mut imports = Imports::new();
    for (n, name) in (0..LINKED).zip(import_names()) {
        let host = move |caller: &mut Caller<'_, Record>| host_call(caller.data, caller.instance, n);
        imports.func(&name, host);
    }
    imports
}

/// `ecalli n` as [`differential::run`] handles it: the stop, then the host update, or a
/// failure that ends the call at the stop limit.
fn host_call(record: &mut Record, instance: &mut Instance, n: u32) -> Result<(), HostError> {
    record.stops.push(stop(instance, Exit::HostCall(n)));
    if record.full() {
        return Err(HostError("stop limit".to_owned()));
    }
    update(record, instance, n);
    Ok(())
}

/// The host update of [`Policy::host_update`] after `ecalli n`, the latest stop.
fn update(record: &Record, instance: &mut Instance, n: u32) {
    if record.policy.host_update {
        let (a0, a1) = differential::host_update(instance.reg(Reg::A0), n, record.stops.len());
        instance.set_reg(Reg::A0, a0);
        instance.set_reg(Reg::A1, a1);
    }
}

/// The stop `instance` is at, as [`differential::run`] records it.
fn stop(instance: &Instance, exit: Exit) -> Stop {
    let pc = (exit != Exit::Halt).then(|| instance.pc());
    let regs = std::array::from_fn(|i| instance.reg(REGS[i].0));
    Stop { exit, pc, gas: instance.gas(), regs }
}

/// The stop `resume_call` ended with: gas, `a0` and `a1` as its [`CallOutcome`] reports them
/// (the programs are 64-bit: `a0` is the register), the rest as the instance holds it.
fn reported(instance: &Instance, outcome: &CallOutcome) -> Stop {
    let mut stop = stop(instance, exit_of(outcome.exit));
    stop.gas = outcome.gas;
    stop.regs[7] = outcome.a0;
    stop.regs[8] = outcome.a1;
    stop
}

/// The harness's name for a `resume_call` exit (never a host call: those are served).
fn exit_of(exit: ExitReason) -> Exit {
    match exit {
        ExitReason::Halt => Exit::Halt,
        ExitReason::Panic => Exit::Trap,
        ExitReason::PageFault(page) => Exit::PageFault(page),
        ExitReason::OutOfGas => Exit::OutOfGas,
        ExitReason::HostCall(_) | ExitReason::Step => unreachable!("resume_call returned {exit:?}"),
    }
}

/// Sets registers 2.. to `regs` and the gas, then runs `machine` (made by [`gannet`])
/// through `resume_call` under `policy`, recording what [`differential::run`] records.
pub fn run(machine: &mut Gannet, regs: &[u64; 13], gas: i64, policy: Policy) -> Outcome {
    for (index, &value) in regs.iter().enumerate().skip(2) {
        machine.set_reg(index, value);
    }
    machine.set_gas(gas);
    let imports = imports();
    let mut record = Record { policy, stops: Vec::new() };
    let mut refuels = 0;
    while !record.full() {
        let instance = machine.instance();
        let next = match instance.resume_call(&imports, &mut record) {
            Ok(outcome) => reported(instance, &outcome),
            // The host function recorded the last stop.
            Err(Error::Host { .. }) if record.full() => break,
            Err(Error::MissingImport { index, .. }) => stop(instance, Exit::HostCall(index)),
            Err(error) => panic!("linked run failed: {error}"),
        };
        let exit = next.exit;
        record.stops.push(next);
        match exit {
            Exit::HostCall(n) => update(&record, instance, n),
            Exit::OutOfGas if refuels < policy.refuels => {
                refuels += 1;
                instance.set_gas(instance.gas() + REFUEL);
            }
            _ => break,
        }
    }
    let pages = if policy.memory { machine.pages() } else { Vec::new() };
    Outcome { stops: record.stops, pages }
}
