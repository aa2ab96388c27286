//! Threaded dispatch: every op carries a pointer to its handler, and each handler ends by
//! calling the next op's handler in tail position, so the optimiser turns dispatch into one
//! indirect jump per op (no central loop, no return). A budget bounds the call depth where the
//! tail call is not optimised (debug builds): when it runs out the handler returns to
//! [`run`], which resumes. This is the default dispatch; `Dispatch::Switch` is the
//! alternative it was measured against (BENCHMARKS.md).

mod handlers;
mod operands;

use isa::sext;

pub(crate) use handlers::{handler_for, kinds};
use operands::{a, imm, indv, sources};

use super::exec::{fault_to_stop, jump_table_target, memset, Cpu, Stop};
use super::ops::{Kind, Op};
use super::program::{Program, NO_FORWARD};
use crate::memory::{Fault, Memory};

/// Registers as handlers see them.
pub(crate) type Regs = [u64; 256];

/// Base pointer of a program's ops.
pub(crate) type Ops = *const Op;

/// Pointer to the op being executed (always inside the program's op array).
pub(crate) type Ip = *const Op;

/// An op handler.
pub(crate) type Handler = fn(&mut Regs, &mut Ctx<'_>, Ip, u32, i64, u64);

/// A conditional branch's condition, for fused pairs ending in a branch.
pub(crate) trait Cond {
    /// Whether the branch `o` is taken, given the values of its registers `a` and `b`.
    fn cond(o: &Op, va: u64, vb: u64) -> bool;
}

/// An op's behaviour as half of a fused pair ([`super::fused`]).
pub(crate) trait Part {
    /// The op's fast path with its sources already read: writes its result and returns the
    /// value to pass on as `last`, or returns `None` (leaving the slow path's operands in the
    /// context) when the op must take its slow path.
    fn fast(r: &mut Regs, c: &mut Ctx<'_>, o: &Op, va: u64, vb: u64, vc: u64, last: u64) -> Option<u64>;
    /// After `fast` returned `None` for the op at `ip`: its slow path, continuing with the op
    /// after it.
    fn slow(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64);
}

/// Block entries and checkpoints passed per handler chain before returning to [`run`]. With
/// a checkpoint at least every [`super::program::CHECKPOINT_INTERVAL`] ops, this bounds the
/// call depth where tail calls are not optimised (debug builds).
const BUDGET: u32 = if cfg!(debug_assertions) { 16 } else { 256 };

/// Everything handlers need besides registers and ops.
pub(crate) struct Ctx<'a> {
    mem: &'a mut Memory,
    program: &'a Program,
    /// The program's jump table (kept here to save a dependent load per dynamic jump).
    jump_table: &'a [(u32, u32)],
    /// Gas left when the handler chain returned (handlers carry it in a register).
    gas: i64,
    /// Op index to resume at after a stop.
    ip: usize,
    /// Code offset of the instruction that stopped.
    pc: u32,
    /// Base of the program's ops (branch targets are op indices).
    ops: Ops,
    /// Address of a load or store taking the slow path.
    address: u32,
    /// Value of a store taking the slow path (low bytes).
    value: u64,
    /// Why the handler chain returned. Handlers return nothing (so every call to the next
    /// handler is a plain tail call) and leave the reason here.
    why: Stop,
}

#[inline(always)]
pub(super) fn op<'o>(ip: Ip) -> &'o Op {
    // SAFETY: op pointers always point into the program's op array, which outlives the run:
    // they start at `Instance::run`'s validated entry index and move by `Program::compile`'s
    // invariants (every op that continues to the next one has a successor; every target is a
    // `Gas` op followed by an instruction op).
    #[allow(unsafe_code)]
    unsafe {
        &*ip
    }
}

/// Index of `ip` in the op array starting at `ops`.
#[inline(always)]
fn index(ops: Ops, ip: Ip) -> usize {
    (ip as usize - ops as usize) / core::mem::size_of::<Op>()
}

/// Continues with the op at `ip`. `last` is the value of the register most recently written in
/// this block (see [`super::program::Program::forward`]); handlers whose source register is
/// that one read `last` instead of the register file, which saves a store-to-load round trip
/// on every dependent instruction.
#[inline(always)]
pub(super) fn next(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    (op(ip).handler)(r, c, ip, budget, gas, last)
}

/// The target (`Gas` op) of the static jump or branch `o` at `at` (see [`Op::target`]).
#[inline(always)]
pub(super) fn target(at: Ip, o: &Op) -> Ip {
    at.wrapping_byte_offset(o.y as i32 as isize)
}

/// Returns to [`run`] when the budget is spent (`ip` is where it resumes).
#[cold]
#[inline(never)]
fn out_of_budget(c: &mut Ctx<'_>, ip: Ip, gas: i64) {
    c.ip = index(c.ops, ip);
    c.gas = gas;
    c.why = Stop::Budget;
}

#[cold]
#[inline(never)]
fn stop(c: &mut Ctx<'_>, at: Ip, resume: Ip, why: Stop, gas: i64) {
    c.gas = gas;
    c.pc = c.program.pcs[index(c.ops, at)];
    c.ip = index(c.ops, resume);
    c.why = why;
}

#[cold]
#[inline(never)]
fn fault(c: &mut Ctx<'_>, ip: Ip, f: Fault, gas: i64) {
    stop(c, ip, ip, fault_to_stop(f), gas)
}

/// A load that left the fast path (page-crossing or faulting). Called in tail position so the
/// fast path needs no saved registers.
/// The address is passed in [`Ctx::address`] (and the conversion as a zero-sized function
/// item) to keep every argument in a register.
#[cold]
#[inline(never)]
fn load_slow<const N: usize, F: Fn([u8; N]) -> u64>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    conv: F,
) {
    match c.mem.load::<N>(c.address) {
        Ok(bytes) => {
            let value = conv(bytes);
            r[op(ip).a as usize] = value;
            next(r, c, ip.wrapping_add(1), budget, gas, value)
        }
        Err(f) => fault(c, ip, f, gas),
    }
}

/// A store that left the fast path; see [`load_slow`].
/// The address and value are passed in [`Ctx::address`] and [`Ctx::value`]; `last` passes
/// through (a store writes no register).
#[cold]
#[inline(never)]
fn store_slow<const N: usize>(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    let mut value = [0u8; N];
    value.copy_from_slice(&c.value.to_le_bytes()[..N]);
    match c.mem.store(c.address, value) {
        Ok(()) => next(r, c, ip.wrapping_add(1), budget, gas, last),
        Err(f) => fault(c, ip, f, gas),
    }
}

/// Charges `cost` for the block whose `Gas` op is `target` and continues with its first
/// instruction. `stale` is passed on as `last` unchanged: no op at a block start reads `last`
/// (forwarding never crosses a block boundary), so any value in a register will do, and
/// reusing one saves zeroing a register per block entry.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn enter_cost(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    target: Ip,
    cost: u32,
    budget: u32,
    gas: i64,
    stale: u64,
) {
    if budget == 0 {
        return out_of_budget(c, target, gas);
    }
    let budget = budget - 1;
    let cost = i64::from(cost);
    if gas < cost {
        return stop(c, target, target, Stop::OutOfGas, gas);
    }
    next(r, c, target.wrapping_add(1), budget, gas - cost, stale)
}

/// Charges the block whose `Gas` op is `target` and continues with its first instruction
/// (`stale` as in [`enter_cost`]).
#[inline(always)]
pub(super) fn enter(r: &mut Regs, c: &mut Ctx<'_>, target: Ip, budget: u32, gas: i64, stale: u64) {
    enter_cost(r, c, target, op(target).x, budget, gas, stale)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn djump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, address: u32, budget: u32, gas: i64, stale: u64) {
    // As `exec::jump_table_target`, with the miss out of line so that the hit path keeps few
    // values live. Op byte offsets are below 2^31 (see `OP_SIZE`), so the sign bit tells
    // `NONE` apart.
    let entry = address.wrapping_sub(2).rotate_right(1);
    if let Some(&(offset, cost)) = c.jump_table.get(entry as usize) {
        if (offset as i32) >= 0 {
            return enter_cost(r, c, c.ops.wrapping_byte_add(offset as usize), cost, budget, gas, stale);
        }
    }
    djump_miss(c, ip, entry, gas)
}

/// A dynamic jump with no valid jump-table entry (`entry` as computed by [`djump`], from which
/// the address follows).
#[cold]
#[inline(never)]
fn djump_miss(c: &mut Ctx<'_>, ip: Ip, entry: u32, gas: i64) {
    let address = entry.rotate_left(1).wrapping_add(2);
    let why = match jump_table_target(c.jump_table, address) {
        Err(why) => why,
        Ok(_) => unreachable!("the fast path takes every valid entry"),
    };
    stop(c, ip, ip, why, gas)
}

/// Forwarding flag: the `a` field's register is read from `last`.
pub(crate) const FWD_A: u8 = 1;
/// Forwarding flag: the `b` field's register is read from `last`.
pub(crate) const FWD_B: u8 = 2;
/// Forwarding flag: the `c` field's register is read from `last`.
pub(crate) const FWD_C: u8 = 4;

#[allow(non_snake_case)]
fn Gas(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    enter(r, c, ip, budget, gas, last)
}

/// Inside long blocks: spends budget so straight-line code cannot recurse without bound.
#[allow(non_snake_case)]
fn Checkpoint(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    if budget == 0 {
        return out_of_budget(c, ip.wrapping_add(1), gas);
    }
    next(r, c, ip.wrapping_add(1), budget - 1, gas, last)
}

/// `unlikely`: a hint with no effect.
#[allow(non_snake_case)]
fn Unlikely(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    next(r, c, ip.wrapping_add(1), budget, gas, last)
}

#[allow(non_snake_case)]
fn Trap(_: &mut Regs, c: &mut Ctx<'_>, ip: Ip, _: u32, gas: i64, _: u64) {
    stop(c, ip, ip, Stop::Panic, gas)
}

#[allow(non_snake_case)]
fn LoadImmAndTrap(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, _: u32, gas: i64, _: u64) {
    let o = op(ip);
    r[a(o)] = imm(o);
    stop(c, ip, ip, Stop::Panic, gas)
}

#[allow(non_snake_case)]
fn Fallthrough(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    enter(r, c, ip.wrapping_add(1), budget, gas, last)
}

#[allow(non_snake_case)]
fn Ecalli(_: &mut Regs, c: &mut Ctx<'_>, ip: Ip, _: u32, gas: i64, _: u64) {
    stop(c, ip, ip.wrapping_add(1), Stop::HostCall(op(ip).x), gas)
}

#[allow(non_snake_case)]
fn Jump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    let o = op(ip);
    enter_cost(r, c, target(ip, o), o.z, budget, gas, last)
}

#[allow(non_snake_case)]
fn LoadImmAndJump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    let o = op(ip);
    r[a(o)] = imm(o);
    enter_cost(r, c, target(ip, o), o.z, budget, gas, last)
}

#[allow(non_snake_case)]
fn JumpIndirect<const FA: bool, const FB: bool, const FC: bool>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    let o = op(ip);
    let (base, _, _) = sources::<FA, FB, FC>(r, o, last);
    djump(r, c, ip, indv(base, o), budget, gas, last)
}

#[allow(non_snake_case)]
fn LoadImmAndJumpIndirect<const FA: bool, const FB: bool, const FC: bool>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    let o = op(ip);
    let (_, base, _) = sources::<FA, FB, FC>(r, o, last);
    let address = (base as u32).wrapping_add(o.z);
    r[a(o)] = imm(o);
    djump(r, c, ip, address, budget, gas, last)
}

#[allow(non_snake_case)]
fn Sbrk<const FA: bool, const FB: bool, const FC: bool>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    sbrk_with::<FA, FB, FC>(r, c, ip, budget, gas, last, super::ops::sbrk_size)
}

/// `sbrk` with the program width's reading of the size register (`Sbrk`, `Sbrk32`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn sbrk_with<const FA: bool, const FB: bool, const FC: bool>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
    size_of: fn(u64) -> u32,
) {
    let o = op(ip);
    let (_, size, _) = sources::<FA, FB, FC>(r, o, last);
    let value = sext(c.mem.sbrk(size_of(size)).unwrap_or(0));
    r[a(o)] = value;
    next(r, c, ip.wrapping_add(1), budget, gas, value)
}

/// `memset`: `a2` bytes of `a1` at `a0`, one gas per byte; progress is kept in `a0`/`a2`, so
/// an out-of-gas or fault stop resumes where it left off. It writes two registers, so nothing is
/// forwarded past it.
#[allow(non_snake_case)]
fn Memset(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, mut gas: i64, _: u64) {
    match memset(&mut r[..], c.mem, &mut gas) {
        Some(why) => stop(c, ip, ip, why, gas),
        None => next(r, c, ip.wrapping_add(1), budget, gas, 0),
    }
}

/// Runs from `cpu.ip` until something stops execution. Step mode is delegated to the switch
/// dispatcher, which stops before every instruction (both dispatchers have the same semantics,
/// which the conformance suite checks).
pub(crate) fn run<const STEP: bool>(cpu: &mut Cpu, program: &Program, mem: &mut Memory) -> Stop {
    if STEP {
        return super::switch::run::<true>(cpu, program, mem);
    }
    let ops: Ops = program.ops.as_ptr();
    let mut c = Ctx {
        mem,
        program,
        jump_table: &program.jump_table,
        gas: cpu.gas,
        ip: cpu.ip,
        pc: cpu.pc,
        address: 0,
        value: 0,
        ops,
        why: Stop::Budget,
    };
    let regs = &mut cpu.regs;
    let why = loop {
        let (ip, gas) = (ops.wrapping_add(c.ip), c.gas);
        c.why = Stop::Budget;
        let last = match program.forward[c.ip] {
            NO_FORWARD => 0,
            reg => regs[reg as usize],
        };
        (op(ip).handler)(regs, &mut c, ip, BUDGET, gas, last);
        if c.why != Stop::Budget {
            break c.why;
        }
    };
    cpu.gas = c.gas;
    cpu.ip = c.ip;
    cpu.pc = c.pc;
    why
}
