//! The run-time side of merged charges (`emit::merge`, `emit::fall`): a block whose charge
//! also pays for the block it jumps to or falls into. Wherever the code stops or starts inside
//! such a block, the gas is put where the interpreter has it:
//!
//! * out of gas at its charge, with gas for the block alone: the interpreter runs the block
//!   with that gas alone (it stops there, or at the next block's start, whose charge the code
//!   then makes with all the gas, as the interpreter would have);
//! * a fault inside it gives the successor's cost back, and the retry charges it again;
//! * a fresh start inside it charges the block and the successor.
//!
//! The same fallback serves a fresh start where the code has registers stale (`emit::extend`):
//! their high halves there are assumed to be the sign extensions of their low halves, which
//! registers set from outside need not be. The interpreter runs the rest of the block (and
//! stops at a host call in it, from which the code then goes on).
//!
//! The interpreter's form of the module is made the first time it is needed.

use isa::Opcode;

use super::Compiled;
use crate::backend::{self, Entry};
use crate::instance::Parts;
use crate::interp::exec::memset;
use crate::interp::{Cpu, Stop};
use crate::memory::Memory;
use crate::module::ModuleInner;

/// Starts at `native` after charging `cost` and the block's `prepaid` successor cost, or, when
/// the gas cannot pay for both, runs the interpreter from `entry` instead (whose stop is then
/// the `Err`, with the instance's entry set for the next run). The caller has checked that
/// the gas pays for `cost`.
pub(super) fn charge(
    inner: &ModuleInner,
    compiled: &Compiled,
    parts: Parts<'_>,
    prepaid: u32,
    cost: i64,
    native: usize,
    entry: Entry,
) -> Result<usize, Stop> {
    let total = cost + i64::from(prepaid);
    if prepaid != 0 && parts.cpu.gas < total {
        return match interpret(inner, compiled, parts.cpu, parts.memory, entry, cost) {
            Ok(native) => Ok(native),
            Err((stop, next)) => {
                *parts.entry = next;
                Err(stop)
            }
        };
    }
    parts.cpu.gas -= total;
    Ok(native)
}

/// A fresh start at `entry` where the code has registers stale, whose block costs `cost`
/// (which the gas pays): the interpreter runs to the end of the block, and the code goes on at
/// the next block's charge (`Ok`); or its stop, with the instance's entry set for the next run.
#[cold]
pub(super) fn interpreted(
    inner: &ModuleInner,
    compiled: &Compiled,
    parts: Parts<'_>,
    entry: Entry,
    cost: i64,
) -> Result<usize, Stop> {
    interpret(inner, compiled, parts.cpu, parts.memory, entry, cost).map_err(|(stop, next)| {
        *parts.entry = next;
        stop
    })
}

/// Block `index`'s failed charge (the code has left its gas as the charge made it): the stop,
/// and where the next run starts (that charge, which is made again); or, for a block that
/// pays for its successor and has gas for itself alone, the native address where the code
/// goes on after the interpreter ran the block (`Ok`).
#[cold]
pub(super) fn out_of_gas(
    inner: &ModuleInner,
    compiled: &Compiled,
    cpu: &mut Cpu,
    memory: &mut Memory,
    index: u32,
) -> Result<usize, (Stop, Entry)> {
    let block = compiled.blocks[index as usize];
    let prepaid = compiled.prepaid(index as usize);
    cpu.gas += i64::from(block.cost) + i64::from(prepaid);
    cpu.pc = block.pc;
    if prepaid != 0 && cpu.gas >= i64::from(block.cost) {
        return interpret(inner, compiled, cpu, memory, Entry::fresh(block.pc), i64::from(block.cost));
    }
    Err((Stop::OutOfGas, Entry::resume(compiled.code.start() + block.native as usize)))
}

/// Where the retry of an access that faulted at `cpu.pc` starts; inside a block that paid for
/// its successor, the successor's cost goes back to the gas (the retry charges it again).
#[cold]
pub(super) fn after_fault(compiled: &Compiled, cpu: &mut Cpu) -> Entry {
    let (prepaid, entry) = going_on_at(compiled, cpu.pc);
    cpu.gas += i64::from(prepaid);
    entry
}

/// How a run goes on at the instruction at `pc` without charging its block: a retry in a
/// block that pays for its successor (and what it pays), else straight into the code.
fn going_on_at(compiled: &Compiled, pc: u32) -> (u32, Entry) {
    match compiled.block_and_prepaid(pc) {
        Some((_, prepaid)) if prepaid != 0 => (prepaid, Entry::retry(pc)),
        _ => (0, Entry::resume(compiled.native_at(pc).expect("stops name instruction starts"))),
    }
}

/// Runs the interpreter from `entry` in a block that pays for its successor, with gas for the
/// block but not for both, and with only the `charged` gas the interpreter takes for the
/// block at `entry` (all of it on a fresh start, none on a retry): every block costs at
/// least one gas where blocks merge, so the interpreter cannot go past the block's end. The
/// rest of the gas is put back after it. It stops inside the block (a fault: `Err` with the
/// stop and where compiled code goes on), or, out of the gas it was given, at the start of
/// the block the branch or the jump leads to (or the one it falls into): the code then goes
/// on at that block's charge (`Ok`), which stops there out of gas or pays for it, as the
/// interpreter would with all the gas. A `memset` in the block (a fresh start where registers
/// are stale; blocks that merge hold none) is given all the gas, as the interpreter gives it.
#[cold]
fn interpret(
    inner: &ModuleInner,
    compiled: &Compiled,
    cpu: &mut Cpu,
    memory: &mut Memory,
    entry: Entry,
    charged: i64,
) -> Result<usize, (Stop, Entry)> {
    let mut at = entry;
    let mut withheld = cpu.gas - charged;
    cpu.gas = charged;
    let mut stop = backend::run_interpreted(inner, cpu, memory, &mut at);
    // Out of gas at a `memset` inside a block (at a block's start, the stop is that block's
    // charge): it takes its gas by the byte, and goes on with all the gas, as in the
    // interpreter; the interpreter then runs the rest of the block (paid for) with none.
    let view = inner.image.code.view(inner.image.isa);
    while stop == Stop::OutOfGas && withheld > 0 {
        let here = view.position_at(cpu.pc);
        let block_start = compiled.block_and_prepaid(cpu.pc).is_none_or(|(block, _)| block.pc == cpu.pc);
        if here.opcode != Opcode::Memset || block_start {
            break;
        }
        cpu.gas += withheld;
        if let Some(memset_stop) = memset(&mut cpu.regs[..], memory, &mut cpu.gas) {
            withheld = 0;
            stop = memset_stop;
            break;
        }
        withheld = cpu.gas;
        cpu.gas = 0;
        at = Entry::retry(here.next_pc());
        stop = backend::run_interpreted(inner, cpu, memory, &mut at);
    }
    cpu.gas += withheld;
    let pc = cpu.pc;
    match compiled.block_and_prepaid(pc) {
        // Out of the gas it was given at a block's start: that block's charge.
        Some((block, _)) if stop == Stop::OutOfGas && block.pc == pc => {
            Ok(compiled.code.start() + block.native as usize)
        }
        // (Not in a block that pays for its successor.) The code goes on after the `ecalli`,
        // in the same block, without a charge.
        _ if matches!(stop, Stop::HostCall(_)) => Err((stop, Entry::retry(next_instruction(compiled, pc)))),
        _ => Err((stop, going_on_at(compiled, pc).1)),
    }
}

/// The code offset of the instruction after the one at `pc` (which is not a block's last).
fn next_instruction(compiled: &Compiled, pc: u32) -> u32 {
    let i = compiled.insts.partition_point(|&(_, at)| at <= pc);
    compiled.insts.get(i).map_or(pc, |&(_, next)| next)
}
