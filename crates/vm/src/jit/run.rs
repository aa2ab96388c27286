//! Running compiled code: entering it, and turning its exits into the interpreter's stops.
//!
//! `sbrk` and `memset` exits are handled here and the code re-entered, so callers only see
//! the exits the interpreter reports. A fault is classified by recomputing the faulting
//! instruction's access against the memory map's permission table, which gives exactly the
//! interpreter's answer (panic, or page fault with the lowest inaccessible page).
#![allow(unsafe_code)]

use isa::{CodeView, DecodedKind};

use crate::image::ProgramImage;

use super::emit::mem::access_of;
use super::vmctx::{self, ExitCode};
use super::Compiled;
use crate::interp::exec::memset;
use crate::interp::ops::sbrk_size;
use crate::interp::{Cpu, Stop};
use crate::memory::{Fault, Memory};
use crate::sys::signals;

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

/// Runs compiled code from native address `resume` until it stops. On return `cpu` holds the
/// registers, gas and the pc of the stopping instruction, and the result's second field is
/// the native address to resume at. (The signal handler is installed when the module is
/// compiled.)
#[inline]
pub(crate) fn run(
    compiled: &Compiled,
    image: &ProgramImage,
    cpu: &mut Cpu,
    memory: &mut Memory,
    mut resume: usize,
) -> (Stop, usize) {
    loop {
        let code = enter(compiled, cpu, memory, resume);
        let ctx = context(memory);
        cpu.gas = ctx.gas;
        cpu.pc = ctx.pc;
        match code {
            ExitCode::HostCall => return (Stop::HostCall(ctx.arg), ctx.resume as usize),
            ExitCode::Halt => return (Stop::Halt, resume),
            ExitCode::Panic => return (Stop::Panic, native_at(compiled, ctx.pc)),
            ExitCode::OutOfGas => return out_of_gas(compiled, cpu, ctx.arg),
            ExitCode::Sbrk => {
                let (arg, next) = (ctx.arg, ctx.resume);
                resume = sbrk(cpu, memory, arg, next);
            }
            ExitCode::Memset => {
                let (pc, next) = (ctx.pc, ctx.resume as usize);
                match memset_exit(cpu, memory) {
                    Some(stop) => return (stop, native_at(compiled, pc)),
                    None => resume = next,
                }
            }
            ExitCode::Fault => {
                let rip = ctx.running.report.rip as usize;
                return fault(compiled, image, cpu, memory, rip);
            }
        }
    }
}

/// The instance's context (after a run, or between runs).
fn context(memory: &mut Memory) -> &mut vmctx::VmCtx {
    vmctx::context(memory.reservation())
}

/// Native address of the instruction at `pc` (an instruction that just exited).
fn native_at(compiled: &Compiled, pc: u32) -> usize {
    compiled.native_at(pc).expect("exits name instruction starts")
}

#[cold]
fn out_of_gas(compiled: &Compiled, cpu: &mut Cpu, block: u32) -> (Stop, usize) {
    let block = compiled.blocks[block as usize];
    cpu.gas += i64::from(block.cost);
    cpu.pc = block.pc;
    (Stop::OutOfGas, compiled.code.start() + block.native as usize)
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

/// The stop for a fault at native address `rip`, and where a retry resumes.
#[cold]
fn fault(
    compiled: &Compiled,
    image: &ProgramImage,
    cpu: &mut Cpu,
    memory: &Memory,
    rip: usize,
) -> (Stop, usize) {
    let Some(pc) = compiled.pc_at(rip) else {
        // Not inside any instruction's code: cannot happen; end the run.
        return (Stop::Panic, rip);
    };
    cpu.pc = pc;
    let view = image.code.view(image.isa);
    (classify_fault(view, pc, cpu, memory), native_at(compiled, pc))
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

/// Enters the code once; returns how it exited (the rest is in the context).
#[inline(always)]
fn enter(compiled: &Compiled, cpu: &mut Cpu, memory: &mut Memory, resume: usize) -> ExitCode {
    let base = memory.reservation().base_ptr();
    crate::sys::gs::set_gs_base(base as u64);
    let ctx = context(memory);
    ctx.gas = cpu.gas;
    ctx.regs = cpu.regs.as_mut_ptr();
    ctx.resume = resume as u64;
    let _guard = signals::enter(&mut ctx.running);
    let entry = compiled.code.start() + compiled.layout.entry as usize;
    // SAFETY: `entry` is the entry trampoline of this module's code (see `emit::stubs`),
    // which follows the System V ABI: it saves and restores every callee-saved register and
    // the stack pointer, and returns normally on every exit (faults included: the signal
    // handler resumes the thread at the code's fault exit). The `gs` base is this instance's
    // guest base (set just above). It reads and writes only the
    // context and jump table in this instance's reservation prefix, the 13 registers at
    // `cpu.regs` (alive and exclusively borrowed for the call), and guest memory, all of
    // whose accessible pages it may legitimately change; every guest access is confined to
    // `[base, base + 4 GiB + 8)` by construction.
    unsafe {
        let f: extern "sysv64" fn() = core::mem::transmute(entry);
        f();
    }
    let ctx = context(memory);
    // Every exit stub stores a valid code before leaving; anything else would be a code
    // generator bug, reported as a fault (which classifies to a panic).
    ExitCode::from_u32(ctx.exit).unwrap_or(ExitCode::Fault)
}
