//! The run-time side of merged charges (`emit::merge`): a block whose charge also pays for the
//! block it jumps to. Wherever the code stops or starts inside such a block, the gas is put
//! where the interpreter has it:
//!
//! * out of gas at its charge, with gas for the block alone: the interpreter runs the block
//!   (it stops there, or at the successor's start out of gas, as it would have);
//! * a fault inside it gives the successor's cost back, and the retry charges it again;
//! * a fresh start inside it charges the block and the successor.
//!
//! The interpreter's form of the module is made the first time it is needed.

use super::Compiled;
use crate::backend::{self, Entry};
use crate::instance::Parts;
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
        let (stop, next) = interpret(inner, compiled, parts.cpu, parts.memory, entry);
        *parts.entry = next;
        return Err(stop);
    }
    parts.cpu.gas -= total;
    Ok(native)
}

/// The stop for block `index`'s failed charge (the code has left its gas as the charge made
/// it), and where the next run starts: that charge, which is made again.
#[cold]
pub(super) fn out_of_gas(
    inner: &ModuleInner,
    compiled: &Compiled,
    cpu: &mut Cpu,
    memory: &mut Memory,
    index: u32,
) -> (Stop, Entry) {
    let block = compiled.blocks[index as usize];
    let prepaid = compiled.prepaid(index as usize);
    cpu.gas += i64::from(block.cost) + i64::from(prepaid);
    cpu.pc = block.pc;
    if prepaid != 0 && cpu.gas >= i64::from(block.cost) {
        return interpret(inner, compiled, cpu, memory, Entry::fresh(block.pc));
    }
    (Stop::OutOfGas, Entry::resume(compiled.code.start() + block.native as usize))
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
/// block but not for both. It stops inside the block (a fault) or out of gas at the
/// successor's start: nothing in the block leaves for the host, and the successor's charge
/// cannot be paid. Returns the stop and where compiled code goes on from there.
#[cold]
fn interpret(
    inner: &ModuleInner,
    compiled: &Compiled,
    cpu: &mut Cpu,
    memory: &mut Memory,
    entry: Entry,
) -> (Stop, Entry) {
    let mut at = entry;
    let stop = backend::run_interpreted(inner, cpu, memory, &mut at);
    debug_assert!(matches!(stop, Stop::OutOfGas | Stop::PageFault(_) | Stop::Panic), "{stop:?}");
    let pc = cpu.pc;
    let next = match compiled.block_and_prepaid(pc) {
        // Out of gas at a block's start: its charge, made again.
        Some((block, _)) if stop == Stop::OutOfGas && block.pc == pc => {
            Entry::resume(compiled.code.start() + block.native as usize)
        }
        _ => going_on_at(compiled, pc).1,
    };
    (stop, next)
}
