//! Running compiled code: entering it, and turning its exits into the interpreter's stops.
//!
//! `sbrk` and `memset` exits are handled here and the code re-entered, so callers only see
//! the exits the interpreter reports. A fault is classified by recomputing the faulting
//! instruction's access against the memory map's permission table, which gives exactly the
//! interpreter's answer (panic, or page fault with the lowest inaccessible page).
#![allow(unsafe_code)]

use isa::{CodeView, DecodedKind};

use super::emit::mem::access_of;
use super::vmctx::{self, ExitCode};
use super::Compiled;
use crate::interp::exec::memset;
use crate::interp::ops::sbrk_size;
use crate::interp::{Cpu, Stop};
use crate::memory::{Fault, Memory};
use crate::sys::signals;

/// Copies the module's native jump table into a fresh instance's reservation prefix.
pub(crate) fn install_jump_table(compiled: &Compiled, memory: &mut Memory) {
    let entries = compiled.jump_table.len();
    let (_, table) = vmctx::split_prefix(memory.reservation().prefix_mut(), entries);
    for (slot, &address) in table.chunks_exact_mut(8).zip(&compiled.jump_table) {
        slot.copy_from_slice(&address.to_le_bytes());
    }
}

/// The fields of an exit, copied out of the context.
struct Exit {
    code: Option<ExitCode>,
    pc: u32,
    arg: u32,
    resume: u64,
    fault_rip: u64,
}

/// Runs compiled code from native address `resume` until it stops. On return `cpu` holds the
/// registers, gas and the pc of the stopping instruction, and the result's second field is
/// the native address to resume at.
pub(crate) fn run(
    compiled: &Compiled,
    view: CodeView<'_>,
    cpu: &mut Cpu,
    memory: &mut Memory,
    mut resume: usize,
) -> (Stop, usize) {
    signals::install();
    loop {
        let exit = enter(compiled, cpu, memory, resume);
        cpu.pc = exit.pc;
        let native_at = |pc: u32| compiled.native_at(pc).expect("exits name instruction starts");
        match exit.code {
            Some(ExitCode::Halt) => return (Stop::Halt, resume),
            Some(ExitCode::Panic) => return (Stop::Panic, native_at(exit.pc)),
            Some(ExitCode::OutOfGas) => {
                let block = compiled.blocks[exit.arg as usize];
                cpu.gas += i64::from(block.cost);
                cpu.pc = block.pc;
                return (Stop::OutOfGas, compiled.code.start() + block.native as usize);
            }
            Some(ExitCode::HostCall) => return (Stop::HostCall(exit.arg), exit.resume as usize),
            Some(ExitCode::Sbrk) => {
                let (d, s) = ((exit.arg >> 8) as usize & 0xF, exit.arg as usize & 0xF);
                let size = sbrk_size(cpu.regs[s]);
                cpu.regs[d] = isa::sext(memory.sbrk(size).unwrap_or(0));
                resume = exit.resume as usize;
            }
            Some(ExitCode::Memset) => {
                let mut gas = cpu.gas;
                let stop = memset(&mut cpu.regs[..], memory, &mut gas);
                cpu.gas = gas;
                if let Some(stop) = stop {
                    return (stop, native_at(exit.pc));
                }
                resume = exit.resume as usize;
            }
            Some(ExitCode::Fault) | None => {
                let rip = exit.fault_rip as usize;
                let Some(pc) = compiled.pc_at(rip) else {
                    // Not inside any instruction's code: cannot happen; end the run.
                    return (Stop::Panic, resume);
                };
                cpu.pc = pc;
                return (classify_fault(view, pc, cpu, memory), native_at(pc));
            }
        }
    }
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

/// Enters the code once and copies the exit out.
fn enter(compiled: &Compiled, cpu: &mut Cpu, memory: &mut Memory, resume: usize) -> Exit {
    let entries = compiled.jump_table.len();
    let reservation = memory.reservation();
    let base = reservation.base_ptr();
    let (ctx, _) = vmctx::split_prefix(reservation.prefix_mut(), entries);
    ctx.gas = cpu.gas;
    ctx.regs = cpu.regs.as_mut_ptr();
    ctx.resume = resume as u64;
    ctx.exit = u32::MAX;
    ctx.fault = Default::default();
    let running = signals::Running {
        code_start: compiled.code.start(),
        code_end: compiled.code.start() + compiled.code.len(),
        fault_exit: compiled.code.start() + compiled.layout.fault_exit as usize,
        report: &mut ctx.fault,
    };
    let _guard = signals::enter(running);
    let entry = compiled.code.start() + compiled.layout.entry as usize;
    // SAFETY: `entry` is the entry trampoline of this module's code (see `emit::stubs`),
    // which follows the System V ABI: it saves and restores every callee-saved register and
    // the stack pointer, and returns normally on every exit (faults included: the signal
    // handler resumes the thread at the code's fault exit). It reads and writes only the
    // context and jump table in this instance's reservation prefix, the 13 registers at
    // `cpu.regs` (alive and exclusively borrowed for the call), and guest memory, all of
    // whose accessible pages it may legitimately change; every guest access is confined to
    // `[base, base + 4 GiB + 8)` by construction.
    unsafe {
        let f: extern "sysv64" fn(*mut u8) = core::mem::transmute(entry);
        f(base);
    }
    let (ctx, _) = vmctx::split_prefix(memory.reservation().prefix_mut(), entries);
    cpu.gas = ctx.gas;
    Exit {
        code: ExitCode::from_u32(ctx.exit),
        pc: ctx.pc,
        arg: ctx.arg,
        resume: ctx.resume,
        fault_rip: ctx.fault.rip,
    }
}
