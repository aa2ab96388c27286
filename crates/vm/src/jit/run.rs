//! Running compiled code: entering it, and turning its exits into the interpreter's stops.
//!
//! `sbrk` and `memset` exits are handled here and the code re-entered, so callers only see
//! the exits the interpreter reports. A fault is classified by recomputing the faulting
//! instruction's access against the memory map's permission table, which gives exactly the
//! interpreter's answer (panic, or page fault with the lowest inaccessible page).
#![allow(unsafe_code)]

use isa::{CodeView, DecodedKind, Instruction, Opcode, Operands};

use crate::image::ProgramImage;

use super::emit::mem::access_of;
use super::host::{dispatch, no_host, HostHandler, HostLink, HostStop};
use super::vmctx::{self, ExitCode, HostAnswer};
use super::{prepaid, Compiled};
use crate::backend::{Entry, Start};
use crate::instance::{Instance, Parts};
use crate::interp::exec::memset;
use crate::interp::ops::sbrk_size;
use crate::interp::{Cpu, Stop};
use crate::memory::{Fault, Memory};
use crate::module::ModuleInner;
use crate::sys::{gs, signals};

/// Sets up a fresh instance's reservation prefix: the module's native jump table, and the
/// code range the signal handler checks faults against.
pub(crate) fn install(compiled: &Compiled, memory: &mut Memory) {
    let entries = compiled.jump_table.len();
    let (ctx, table) = vmctx::split_prefix(memory.reservation().prefix_mut(), entries);
    for (slot, &address) in table.chunks_exact_mut(8).zip(&compiled.jump_table) {
        slot.copy_from_slice(&address.to_le_bytes());
    }
    let start = compiled.code.start() as u64;
    ctx.running = signals::Running {
        code_start: start,
        code_end: start + compiled.code.len() as u64,
        fault_exit: start + u64::from(compiled.layout.fault_exit),
        report: Default::default(),
    };
}

/// Runs a compiled instance from where it is until it stops; on return the instance holds
/// the registers, gas, the pc of the stopping instruction and where to resume. With a
/// `handler`, host calls are served from inside the code (see [`super::host`]) and only its
/// failures, panics and redirections end the run early (`Err`); without one they are stops.
///
/// From the moment it is taken apart into a raw pointer below, the instance is reached only
/// through that pointer, with references made for one step at a time and never alive across
/// the call into the code: the dispatcher makes its own `&mut Instance` in between.
pub(crate) fn run_instance<H: HostHandler>(
    instance: &mut Instance,
    handler: Option<&mut H>,
) -> Result<Stop, HostStop> {
    // With a handler, a clone keeps the code alive whatever the handler does with the
    // instance; without one, the instance keeps it alive (nothing else can touch the instance
    // during the run), and the clone's two atomic operations are saved.
    let _keep = handler.is_some().then(|| instance.module().clone());
    let inner: *const ModuleInner = &*instance.module().inner;
    // SAFETY: the module's inner data is alive for the whole run (see `_keep`), and nothing
    // writes it (modules are immutable once built).
    let inner = unsafe { &*inner };
    let compiled = inner.compiled.as_ref().expect("a compiled module");
    let this: *mut Instance = instance;
    // SAFETY: `this` comes from the `&mut Instance` this function was given and is its
    // only use from here on; these `Parts` are dropped before the code is entered.
    let parts = unsafe { (*this).parts() };
    let base = parts.memory.reservation().base_ptr() as usize;
    let mut resume = match start(inner, compiled, parts) {
        Ok(native) => native,
        Err(stop) => return Ok(stop),
    };
    let mut link = handler.map(|handler| HostLink { instance: this, handler, base, index: 0, stop: None });
    if link.is_some() {
        // SAFETY: as above.
        *unsafe { (*this).parts() }.entry = Entry::LINKED;
    }
    let dispatcher: extern "sysv64" fn(*mut HostLink<H>, u32) -> HostAnswer = dispatch::<H>;
    let no_handler: extern "sysv64" fn(*mut u8, u32) -> HostAnswer = no_host;
    loop {
        let host = match &mut link {
            Some(link) => [dispatcher as usize as u64, link as *mut HostLink<H> as u64],
            None => [no_handler as usize as u64, 0],
        };
        enter(compiled, this, resume, host);
        if let Some(stop) = link.as_mut().and_then(|link| link.stop.take()) {
            // (The entry stays `LINKED` unless the host function moved or replaced the
            // instance: the context's resumption address is just after the `ecalli`.)
            return Err(stop);
        }
        // SAFETY: as above; the code has returned, and these `Parts` are dropped before it
        // is entered again.
        let parts = unsafe { (*this).parts() };
        let (stop, next) = match after_exit(inner, compiled, parts.cpu, parts.memory) {
            Exited::Stop(stop, next) => (stop, next),
            Exited::Continue(next) => {
                resume = next;
                continue;
            }
        };
        *parts.entry = next;
        return Ok(stop);
    }
}

/// Where a run starts: the native address of a resumption, or of a fresh start at a code
/// offset after charging its whole block (as PolkaVM does), or of a retry; or the stop that
/// prevents it (with the instance's entry updated when the interpreter ran instead).
fn start(inner: &ModuleInner, compiled: &Compiled, parts: Parts<'_>) -> Result<usize, Stop> {
    if *parts.entry == Entry::LINKED {
        // A host function runs this instance again (nested), or a host function failed or
        // panicked and the caller runs it on: from just after that `ecalli`.
        return Ok(context(parts.memory).resume as usize);
    }
    let entry = *parts.entry;
    let (pc, fresh) = match entry.get() {
        Start::Resume(native) => return Ok(native),
        Start::Fresh(pc) => {
            parts.cpu.pc = pc;
            (pc, true)
        }
        Start::Retry(pc) => (pc, false),
    };
    let (Some(native), Some((block, prepaid))) = (compiled.native_at(pc), compiled.block_and_prepaid(pc))
    else {
        return Err(Stop::Panic);
    };
    // A fresh start charges the whole block; a retry only what a merged block pays ahead.
    let cost = if fresh { i64::from(block.cost) } else { 0 };
    if fresh && parts.cpu.gas < cost {
        return Err(Stop::OutOfGas);
    }
    if fresh && compiled.starts_stale(pc) {
        return prepaid::interpreted(inner, compiled, parts, entry, cost);
    }
    prepaid::charge(inner, compiled, parts, prepaid, cost, native, entry)
}

/// What an exit from the code comes to.
enum Exited {
    /// A stop, and where the next run starts.
    Stop(Stop, Entry),
    /// Handled here (`sbrk`, `memset`): re-enter at this address.
    Continue(usize),
}

/// Turns the exit recorded in the context into the interpreter's stop.
fn after_exit(inner: &ModuleInner, compiled: &Compiled, cpu: &mut Cpu, memory: &mut Memory) -> Exited {
    let ctx = context(memory);
    // Every exit stub stores a valid code before leaving; anything else would be a code
    // generator bug, reported as a fault (which classifies to a panic).
    let code = ExitCode::from_u32(ctx.exit).unwrap_or(ExitCode::Fault);
    // (A host call stores its pc straight into the `Cpu`; every other exit in the context.)
    if code != ExitCode::HostCall {
        cpu.pc = ctx.pc;
    }
    let (stop, next) = match code {
        ExitCode::HostCall => (Stop::HostCall(ctx.arg), ctx.resume as usize),
        // Running a halted instance again repeats the return to the host (as interpreting does).
        ExitCode::Halt => (Stop::Halt, native_at(compiled, ctx.pc)),
        ExitCode::Panic => (Stop::Panic, native_at(compiled, ctx.pc)),
        ExitCode::OutOfGas => {
            // (The stub's return address names the block; anything else would be a code
            // generator bug, which ends the run with a panic.)
            let Some(block) = compiled.gas_stub_block(ctx.resume) else {
                return Exited::Stop(Stop::Panic, Entry::fresh(cpu.pc));
            };
            return match prepaid::out_of_gas(inner, compiled, cpu, memory, block) {
                Ok(native) => Exited::Continue(native),
                Err((stop, next)) => Exited::Stop(stop, next),
            };
        }
        ExitCode::Sbrk => {
            let (arg, next) = (ctx.arg, ctx.resume);
            return Exited::Continue(sbrk(cpu, memory, arg, next));
        }
        ExitCode::Memset => {
            let (pc, next) = (ctx.pc, ctx.resume as usize);
            match memset_exit(cpu, memory) {
                Some(stop) => (stop, native_at(compiled, pc)),
                None => return Exited::Continue(next),
            }
        }
        ExitCode::Fault => {
            let report = ctx.running.report;
            // An `Async` block charge that went negative traps on purpose (an invalid opcode).
            let (stop, next) = match compiled.gas_trap_block(&report) {
                Some(block) => match prepaid::out_of_gas(inner, compiled, cpu, memory, block) {
                    Ok(native) => return Exited::Continue(native),
                    Err(stop) => stop,
                },
                None => fault(compiled, &inner.image, cpu, memory, report.rip as usize),
            };
            return Exited::Stop(stop, next);
        }
    };
    Exited::Stop(stop, Entry::resume(next))
}

/// The instance's context (after a run, or between runs).
fn context(memory: &mut Memory) -> &mut vmctx::VmCtx {
    vmctx::context(memory.reservation())
}

/// Native address of the instruction at `pc` (an instruction that just exited).
fn native_at(compiled: &Compiled, pc: u32) -> usize {
    compiled.native_at(pc).expect("exits name instruction starts")
}

/// `sbrk` for the compiled code (registers in `arg`); returns where to continue.
#[cold]
fn sbrk(cpu: &mut Cpu, memory: &mut Memory, arg: u32, resume: u64) -> usize {
    let (d, s) = ((arg >> 8) as usize & 0xF, arg as usize & 0xF);
    let size = sbrk_size(cpu.regs[s]);
    cpu.regs[d] = isa::sext(memory.sbrk(size).unwrap_or(0));
    resume as usize
}

/// `memset` for the compiled code, with the interpreter's own loop.
#[cold]
fn memset_exit(cpu: &mut Cpu, memory: &mut Memory) -> Option<Stop> {
    let mut gas = cpu.gas;
    let stop = memset(&mut cpu.regs[..], memory, &mut gas);
    cpu.gas = gas;
    stop
}

/// The stop for a fault at native address `rip`, and where a retry starts.
#[cold]
fn fault(
    compiled: &Compiled,
    image: &ProgramImage,
    cpu: &mut Cpu,
    memory: &Memory,
    rip: usize,
) -> (Stop, Entry) {
    let Some((mut pc, in_side_entry)) = compiled.pc_at(rip) else {
        // Not inside any instruction's code: cannot happen; end the run.
        return (Stop::Panic, Entry::resume(rip));
    };
    let view = image.code.view(image.isa);
    if !in_side_entry {
        // In a fused group's code only one instruction, a load, can fault, before any other
        // instruction of the group wrote its result (those before it compute its address or
        // load a constant: `add_64`, `shl`, `load_imm`): perform them now, in order, as the
        // interpreter would have. A retry starts at the load's side entry.
        let mut at = view.decode(pc);
        while compiled.side_entry(at.next_pc()).is_some() && replay(at.inst, &mut cpu.regs) {
            pc = at.next_pc();
            at = view.decode(pc);
        }
    }
    cpu.pc = pc;
    let stop = classify_fault(view, pc, cpu, memory);
    (stop, prepaid::after_fault(compiled, cpu))
}

/// Performs `inst` on `regs` if it is one of the instructions that come before a load in a
/// fused group; `false` (nothing done) for any other.
fn replay(inst: Instruction, regs: &mut [u64]) -> bool {
    match (inst.opcode, inst.operands) {
        (Opcode::Add64, Operands::RegRegReg { d, s1, s2 }) => {
            regs[d.index()] = regs[s1.index()].wrapping_add(regs[s2.index()]);
        }
        (Opcode::ShiftLogicalLeftImm64, Operands::RegRegImm { a: d, b: s, imm }) => {
            regs[d.index()] = regs[s.index()] << (imm & 63);
        }
        (Opcode::LoadImm, Operands::RegImm { reg, imm }) => regs[reg.index()] = isa::sext(imm),
        _ => return false,
    }
    true
}

/// The interpreter's stop for the faulting access of the instruction at `pc`.
fn classify_fault(view: CodeView<'_>, pc: u32, cpu: &Cpu, memory: &Memory) -> Stop {
    let decoded = view.decode(pc);
    if decoded.kind != DecodedKind::Valid {
        return Stop::Panic;
    }
    let Some((address, len, write)) = access_of(decoded.inst, |r| cpu.regs[r.index()]) else {
        // A fault outside a memory access (a division, say) cannot happen; be safe.
        return Stop::Panic;
    };
    match memory.fault(address, len, write) {
        Fault::Panic => Stop::Panic,
        Fault::PageFault(page) => Stop::PageFault(page),
    }
}

/// Enters the code once at native address `resume` (for the instance at `this`, reached as
/// in [`run_instance`]), with the host-call dispatcher and its
/// data `host`; the exit is then in the context (or in the dispatcher's link).
fn enter(compiled: &Compiled, this: *mut Instance, resume: usize, host: [u64; 2]) {
    // The `gs` base of the code this run is nested in (a host function's run), if any.
    let outer_base = gs::current();
    let (running, outer) = {
        // SAFETY: as in `run_instance`; `parts` is dropped before the call into the code.
        let parts = unsafe { (*this).parts() };
        let base = parts.memory.reservation().base_ptr();
        gs::set_gs_base(base as u64);
        let ctx = context(parts.memory);
        // What a run of this instance further up the stack (a host function running it
        // again) needs back when this one ends.
        let outer = (ctx.native_sp, ctx.host_fn, ctx.host_data);
        ctx.cpu = parts.cpu;
        ctx.resume = resume as u64;
        [ctx.host_fn, ctx.host_data] = host;
        (&mut ctx.running as *mut signals::Running, outer)
    };
    let guard = signals::enter(running);
    let entry = compiled.code.start() + compiled.layout.entry as usize;
    // SAFETY: `entry` is the entry trampoline of this module's code (see `emit::stubs`),
    // which follows the System V ABI: it saves and restores every callee-saved register and
    // the stack pointer, and returns normally on every exit (faults included: the signal
    // handler resumes the thread at the code's fault exit). The `gs` base is this instance's
    // guest base (set just above). It reads and writes only the context and jump table in
    // this instance's reservation prefix, the registers and gas of the `Cpu` the context
    // points to (the instance's own, reached by nothing else meanwhile: see `run_instance`), and guest
    // memory, all of whose accessible pages it may legitimately change; every guest access
    // is confined to `[base, base + 4 GiB + 8)` by construction. The only other code it runs
    // is the host-call dispatcher in `host`, a `dispatch::<H>` for the `HostLink` given.
    unsafe {
        let f: extern "sysv64" fn() = core::mem::transmute(entry);
        f();
    }
    // Code further up this thread's stack (whose host function started this run) carries
    // on with the `gs` base it had: its dispatcher does not set it again.
    if guard.nested() {
        gs::set_gs_base(outer_base);
    }
    drop(guard);
    // SAFETY: as above; if a host function replaced the instance, this writes the (unused)
    // context of its replacement, a valid protected reservation or none at all.
    let memory = unsafe { (*this).parts() }.memory;
    if memory.reservation().is_protected() {
        let ctx = context(memory);
        (ctx.native_sp, ctx.host_fn, ctx.host_data) = outer;
    }
}
