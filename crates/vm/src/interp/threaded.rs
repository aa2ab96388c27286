//! Threaded dispatch: every op carries a pointer to its handler, and each handler ends by
//! calling the next op's handler in tail position, so the optimiser turns dispatch into one
//! indirect jump per op (no central loop, no return). A budget bounds the call depth where the
//! tail call is not optimised (debug builds): when it runs out the handler returns to
//! [`run`], which resumes. This is the default dispatch; `Dispatch::Switch` is the
//! alternative it was measured against (BENCHMARKS.md).

use isa::ops::*;
use isa::sext;

use super::exec::{dynamic_target, fault_to_stop, i16v, i32v, i8v, u16v, u32v, u64v, u8v, Cpu, Stop};
use super::ops::{Kind, Op};
use super::program::Program;
use crate::memory::{Fault, Memory};

/// Registers as handlers see them.
pub(crate) type Regs = [u64; 256];

/// Base pointer of a program's ops.
pub(crate) type Ops = *const Op;

/// Pointer to the op being executed (always inside the program's op array).
pub(crate) type Ip = *const Op;

/// An op handler.
pub(crate) type Handler = fn(&mut Regs, &mut Ctx<'_>, Ops, Ip, i64);

/// Block entries and checkpoints passed per handler chain before returning to [`run`]. With
/// a checkpoint at least every [`super::program::CHECKPOINT_INTERVAL`] ops, this bounds the
/// call depth where tail calls are not optimised (debug builds).
const BUDGET: u32 = if cfg!(debug_assertions) { 16 } else { 256 };

/// Everything handlers need besides registers and ops.
pub(crate) struct Ctx<'a> {
    mem: &'a mut Memory,
    program: &'a Program,
    /// Gas left when the handler chain returned (handlers carry it in a register).
    gas: i64,
    /// Op index to resume at after a stop.
    ip: usize,
    /// Code offset of the instruction that stopped.
    pc: u32,
    /// Block entries and checkpoints left before returning to [`run`].
    budget: u32,
    /// Address of a load or store taking the slow path.
    address: u32,
    /// Value of a store taking the slow path (low bytes).
    value: u64,
    /// Why the handler chain returned. Handlers return nothing (so every call to the next
    /// handler is a plain tail call) and leave the reason here.
    why: Stop,
}

#[inline(always)]
fn op<'o>(ip: Ip) -> &'o Op {
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

#[inline(always)]
fn next(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    (op(ip).handler)(r, c, ops, ip, gas)
}

/// Returns to [`run`] when the budget is spent (`ip` is where it resumes).
#[cold]
#[inline(never)]
fn out_of_budget(c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    c.ip = index(ops, ip);
    c.gas = gas;
    c.why = Stop::Budget;
}

#[cold]
#[inline(never)]
fn stop(c: &mut Ctx<'_>, ops: Ops, at: Ip, resume: Ip, why: Stop, gas: i64) {
    c.gas = gas;
    c.pc = c.program.pcs[index(ops, at)];
    c.ip = index(ops, resume);
    c.why = why;
}

#[cold]
#[inline(never)]
fn fault(c: &mut Ctx<'_>, ops: Ops, ip: Ip, f: Fault, gas: i64) {
    stop(c, ops, ip, ip, fault_to_stop(f), gas)
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
    ops: Ops,
    ip: Ip,
    gas: i64,
    conv: F,
) {
    match c.mem.load::<N>(c.address) {
        Ok(bytes) => {
            r[op(ip).a as usize] = conv(bytes);
            next(r, c, ops, ip.wrapping_add(1), gas)
        }
        Err(f) => fault(c, ops, ip, f, gas),
    }
}

/// A store that left the fast path; see [`load_slow`].
/// The address and value are passed in [`Ctx::address`] and [`Ctx::value`]; the array
/// argument only carries the width.
#[cold]
#[inline(never)]
fn store_slow<const N: usize>(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64, _: [u8; N]) {
    let mut value = [0u8; N];
    value.copy_from_slice(&c.value.to_le_bytes()[..N]);
    match c.mem.store(c.address, value) {
        Ok(()) => next(r, c, ops, ip.wrapping_add(1), gas),
        Err(f) => fault(c, ops, ip, f, gas),
    }
}

/// Charges `cost` for the block whose `Gas` op is `target` and continues with its first
/// instruction.
#[inline(always)]
fn enter_cost(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, target: Ip, cost: u32, gas: i64) {
    if c.budget == 0 {
        return out_of_budget(c, ops, target, gas);
    }
    c.budget -= 1;
    let cost = i64::from(cost);
    if gas < cost {
        return stop(c, ops, target, target, Stop::OutOfGas, gas);
    }
    next(r, c, ops, target.wrapping_add(1), gas - cost)
}

/// Charges the block whose `Gas` op is `target` and continues with its first instruction.
#[inline(always)]
fn enter(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, target: Ip, gas: i64) {
    enter_cost(r, c, ops, target, op(target).x, gas)
}

#[inline(always)]
fn djump(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, address: u32, gas: i64) {
    match dynamic_target(c.program, address) {
        Ok((target, cost)) => enter_cost(r, c, ops, ops.wrapping_add(target), cost, gas),
        Err(why) => stop(c, ops, ip, ip, why, gas),
    }
}

macro_rules! handlers {
    (
        alu { $($alu:ident => |$ar:ident, $ao:ident| $ae:expr;)* }
        load { $($ld:ident => |$lr:ident, $lo:ident| ($ln:literal, $laddr:expr, $lconv:expr);)* }
        store { $($st:ident => |$sr:ident, $so:ident| ($saddr:expr, $sval:expr);)* }
        branch { $($br:ident => |$brr:ident, $bro:ident| $bcond:expr;)* }
    ) => {
        $(
            #[allow(non_snake_case)]
            fn $alu(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
                let $ao = op(ip);
                {
                    let $ar = &mut *r;
                    $ae;
                }
                next(r, c, ops, ip.wrapping_add(1), gas)
            }
        )*
        $(
            #[allow(non_snake_case)]
            fn $ld(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
                let $lo = op(ip);
                let address: u32 = {
                    #[allow(unused_variables)]
                    let $lr = &*r;
                    $laddr
                };
                match c.mem.try_load::<$ln>(address) {
                    Some(bytes) => {
                        r[$lo.a as usize] = $lconv(bytes);
                        next(r, c, ops, ip.wrapping_add(1), gas)
                    }
                    None => {
                        c.address = address;
                        load_slow::<$ln, _>(r, c, ops, ip, gas, $lconv)
                    }
                }
            }
        )*
        $(
            #[allow(non_snake_case)]
            fn $st(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
                let $so = op(ip);
                let (address, value) = {
                    #[allow(unused_variables)]
                    let $sr = &*r;
                    ($saddr, $sval)
                };
                if c.mem.try_store(address, value) {
                    next(r, c, ops, ip.wrapping_add(1), gas)
                } else {
                    c.address = address;
                    c.value = widen(value);
                    store_slow(r, c, ops, ip, gas, value)
                }
            }
        )*
        $(
            #[allow(non_snake_case)]
            fn $br(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
                let $bro = op(ip);
                let taken = {
                    let $brr = &*r;
                    $bcond
                };
                if taken {
                    enter_cost(r, c, ops, ops.wrapping_add($bro.y as usize), $bro.z, gas)
                } else {
                    enter(r, c, ops, ip.wrapping_add(1), gas)
                }
            }
        )*

        /// The handler executing ops of `kind`.
        pub(crate) fn handler_for(kind: Kind) -> Handler {
            match kind {
                Kind::Gas => Gas,
                Kind::Checkpoint => Checkpoint,
                Kind::Trap => Trap,
                Kind::Fallthrough => Fallthrough,
                Kind::Ecalli => Ecalli,
                Kind::Memset => Memset,
                Kind::Jump => Jump,
                Kind::JumpIndirect => JumpIndirect,
                Kind::LoadImmAndJump => LoadImmAndJump,
                Kind::LoadImmAndJumpIndirect => LoadImmAndJumpIndirect,
                Kind::Sbrk => Sbrk,
                $(Kind::$alu => $alu,)*
                $(Kind::$ld => $ld,)*
                $(Kind::$st => $st,)*
                $(Kind::$br => $br,)*
            }
        }
    };
}

/// Little-endian bytes of a store value, zero-extended to 64 bits.
#[inline(always)]
fn widen<const N: usize>(value: [u8; N]) -> u64 {
    let mut wide = [0u8; 8];
    wide[..N].copy_from_slice(&value);
    u64::from_le_bytes(wide)
}

#[inline(always)]
fn a(o: &Op) -> usize {
    o.a as usize
}
#[inline(always)]
fn b(o: &Op) -> usize {
    o.b as usize
}
#[inline(always)]
fn cc(o: &Op) -> usize {
    o.c as usize
}
#[inline(always)]
fn imm(o: &Op) -> u64 {
    sext(o.x)
}
#[inline(always)]
fn ind(r: &Regs, base: usize, o: &Op) -> u32 {
    (r[base] as u32).wrapping_add(o.x)
}

handlers! {
    alu {
        Unlikely => |r, o| { let _ = (r, o); };
        LoadImm64 => |r, o| r[a(o)] = u64::from(o.x) | u64::from(o.y) << 32;
        LoadImm => |r, o| r[a(o)] = imm(o);
        MoveReg => |r, o| r[a(o)] = r[b(o)];
        CountSetBits64 => |r, o| r[a(o)] = u64::from(r[b(o)].count_ones());
        CountSetBits32 => |r, o| r[a(o)] = u64::from((r[b(o)] as u32).count_ones());
        CountLeadingZeroBits64 => |r, o| r[a(o)] = u64::from(r[b(o)].leading_zeros());
        CountLeadingZeroBits32 => |r, o| r[a(o)] = u64::from((r[b(o)] as u32).leading_zeros());
        CountTrailingZeroBits64 => |r, o| r[a(o)] = u64::from(r[b(o)].trailing_zeros());
        CountTrailingZeroBits32 => |r, o| r[a(o)] = u64::from((r[b(o)] as u32).trailing_zeros());
        SignExtend8 => |r, o| r[a(o)] = r[b(o)] as i8 as u64;
        SignExtend16 => |r, o| r[a(o)] = r[b(o)] as i16 as u64;
        ZeroExtend16 => |r, o| r[a(o)] = u64::from(r[b(o)] as u16);
        ReverseBytes => |r, o| r[a(o)] = r[b(o)].swap_bytes();
        AddImm32 => |r, o| r[a(o)] = add32(r[b(o)], imm(o));
        AndImm => |r, o| r[a(o)] = r[b(o)] & imm(o);
        XorImm => |r, o| r[a(o)] = r[b(o)] ^ imm(o);
        OrImm => |r, o| r[a(o)] = r[b(o)] | imm(o);
        MulImm32 => |r, o| r[a(o)] = mul32(r[b(o)], imm(o));
        SetLessThanUnsignedImm => |r, o| r[a(o)] = u64::from(r[b(o)] < imm(o));
        SetLessThanSignedImm => |r, o| r[a(o)] = u64::from((r[b(o)] as i64) < imm(o) as i64);
        ShiftLogicalLeftImm32 => |r, o| r[a(o)] = shl32(r[b(o)], imm(o));
        ShiftLogicalRightImm32 => |r, o| r[a(o)] = shr32(r[b(o)], imm(o));
        ShiftArithmeticRightImm32 => |r, o| r[a(o)] = sar32(r[b(o)], imm(o));
        NegateAndAddImm32 => |r, o| r[a(o)] = sub32(imm(o), r[b(o)]);
        SetGreaterThanUnsignedImm => |r, o| r[a(o)] = u64::from(r[b(o)] > imm(o));
        SetGreaterThanSignedImm => |r, o| r[a(o)] = u64::from((r[b(o)] as i64) > imm(o) as i64);
        ShiftLogicalLeftImmAlt32 => |r, o| r[a(o)] = shl32(imm(o), r[b(o)]);
        ShiftLogicalRightImmAlt32 => |r, o| r[a(o)] = shr32(imm(o), r[b(o)]);
        ShiftArithmeticRightImmAlt32 => |r, o| r[a(o)] = sar32(imm(o), r[b(o)]);
        CmovIfZeroImm => |r, o| if r[b(o)] == 0 { r[a(o)] = imm(o) };
        CmovIfNotZeroImm => |r, o| if r[b(o)] != 0 { r[a(o)] = imm(o) };
        AddImm64 => |r, o| r[a(o)] = r[b(o)].wrapping_add(imm(o));
        MulImm64 => |r, o| r[a(o)] = r[b(o)].wrapping_mul(imm(o));
        ShiftLogicalLeftImm64 => |r, o| r[a(o)] = r[b(o)] << (o.x & 63);
        ShiftLogicalRightImm64 => |r, o| r[a(o)] = r[b(o)] >> (o.x & 63);
        ShiftArithmeticRightImm64 => |r, o| r[a(o)] = ((r[b(o)] as i64) >> (o.x & 63)) as u64;
        NegateAndAddImm64 => |r, o| r[a(o)] = imm(o).wrapping_sub(r[b(o)]);
        ShiftLogicalLeftImmAlt64 => |r, o| r[a(o)] = imm(o) << (r[b(o)] & 63);
        ShiftLogicalRightImmAlt64 => |r, o| r[a(o)] = imm(o) >> (r[b(o)] & 63);
        ShiftArithmeticRightImmAlt64 => |r, o| r[a(o)] = ((imm(o) as i64) >> (r[b(o)] & 63)) as u64;
        RotateRightImm64 => |r, o| r[a(o)] = r[b(o)].rotate_right(o.x & 63);
        RotateRightImmAlt64 => |r, o| r[a(o)] = imm(o).rotate_right((r[b(o)] & 63) as u32);
        RotateRightImm32 => |r, o| r[a(o)] = rotr32(r[b(o)], imm(o));
        RotateRightImmAlt32 => |r, o| r[a(o)] = rotr32(imm(o), r[b(o)]);
        Add32 => |r, o| r[a(o)] = add32(r[b(o)], r[cc(o)]);
        Sub32 => |r, o| r[a(o)] = sub32(r[b(o)], r[cc(o)]);
        Mul32 => |r, o| r[a(o)] = mul32(r[b(o)], r[cc(o)]);
        DivUnsigned32 => |r, o| r[a(o)] = div_u32(r[b(o)], r[cc(o)]);
        DivSigned32 => |r, o| r[a(o)] = div_s32(r[b(o)], r[cc(o)]);
        RemUnsigned32 => |r, o| r[a(o)] = rem_u32(r[b(o)], r[cc(o)]);
        RemSigned32 => |r, o| r[a(o)] = rem_s32(r[b(o)], r[cc(o)]);
        ShiftLogicalLeft32 => |r, o| r[a(o)] = shl32(r[b(o)], r[cc(o)]);
        ShiftLogicalRight32 => |r, o| r[a(o)] = shr32(r[b(o)], r[cc(o)]);
        ShiftArithmeticRight32 => |r, o| r[a(o)] = sar32(r[b(o)], r[cc(o)]);
        Add64 => |r, o| r[a(o)] = r[b(o)].wrapping_add(r[cc(o)]);
        Sub64 => |r, o| r[a(o)] = r[b(o)].wrapping_sub(r[cc(o)]);
        Mul64 => |r, o| r[a(o)] = r[b(o)].wrapping_mul(r[cc(o)]);
        DivUnsigned64 => |r, o| r[a(o)] = div_u64(r[b(o)], r[cc(o)]);
        DivSigned64 => |r, o| r[a(o)] = div_s64(r[b(o)], r[cc(o)]);
        RemUnsigned64 => |r, o| r[a(o)] = rem_u64(r[b(o)], r[cc(o)]);
        RemSigned64 => |r, o| r[a(o)] = rem_s64(r[b(o)], r[cc(o)]);
        ShiftLogicalLeft64 => |r, o| r[a(o)] = r[b(o)] << (r[cc(o)] & 63);
        ShiftLogicalRight64 => |r, o| r[a(o)] = r[b(o)] >> (r[cc(o)] & 63);
        ShiftArithmeticRight64 => |r, o| r[a(o)] = ((r[b(o)] as i64) >> (r[cc(o)] & 63)) as u64;
        And => |r, o| r[a(o)] = r[b(o)] & r[cc(o)];
        Xor => |r, o| r[a(o)] = r[b(o)] ^ r[cc(o)];
        Or => |r, o| r[a(o)] = r[b(o)] | r[cc(o)];
        MulUpperSignedSigned => |r, o| r[a(o)] = mulh_ss(r[b(o)], r[cc(o)]);
        MulUpperUnsignedUnsigned => |r, o| r[a(o)] = mulh_uu(r[b(o)], r[cc(o)]);
        MulUpperSignedUnsigned => |r, o| r[a(o)] = mulh_su(r[b(o)], r[cc(o)]);
        SetLessThanUnsigned => |r, o| r[a(o)] = u64::from(r[b(o)] < r[cc(o)]);
        SetLessThanSigned => |r, o| r[a(o)] = u64::from((r[b(o)] as i64) < r[cc(o)] as i64);
        CmovIfZero => |r, o| if r[cc(o)] == 0 { r[a(o)] = r[b(o)] };
        CmovIfNotZero => |r, o| if r[cc(o)] != 0 { r[a(o)] = r[b(o)] };
        RotateLeft64 => |r, o| r[a(o)] = r[b(o)].rotate_left((r[cc(o)] & 63) as u32);
        RotateLeft32 => |r, o| r[a(o)] = rotl32(r[b(o)], r[cc(o)]);
        RotateRight64 => |r, o| r[a(o)] = r[b(o)].rotate_right((r[cc(o)] & 63) as u32);
        RotateRight32 => |r, o| r[a(o)] = rotr32(r[b(o)], r[cc(o)]);
        AndInverted => |r, o| r[a(o)] = r[b(o)] & !r[cc(o)];
        OrInverted => |r, o| r[a(o)] = r[b(o)] | !r[cc(o)];
        Xnor => |r, o| r[a(o)] = !(r[b(o)] ^ r[cc(o)]);
        Maximum => |r, o| r[a(o)] = (r[b(o)] as i64).max(r[cc(o)] as i64) as u64;
        MaximumUnsigned => |r, o| r[a(o)] = r[b(o)].max(r[cc(o)]);
        Minimum => |r, o| r[a(o)] = (r[b(o)] as i64).min(r[cc(o)] as i64) as u64;
        MinimumUnsigned => |r, o| r[a(o)] = r[b(o)].min(r[cc(o)]);
    }
    load {
        LoadU8 => |r, o| (1, o.x, u8v);
        LoadI8 => |r, o| (1, o.x, i8v);
        LoadU16 => |r, o| (2, o.x, u16v);
        LoadI16 => |r, o| (2, o.x, i16v);
        LoadU32 => |r, o| (4, o.x, u32v);
        LoadI32 => |r, o| (4, o.x, i32v);
        LoadU64 => |r, o| (8, o.x, u64v);
        LoadIndirectU8 => |r, o| (1, ind(r, b(o), o), u8v);
        LoadIndirectI8 => |r, o| (1, ind(r, b(o), o), i8v);
        LoadIndirectU16 => |r, o| (2, ind(r, b(o), o), u16v);
        LoadIndirectI16 => |r, o| (2, ind(r, b(o), o), i16v);
        LoadIndirectU32 => |r, o| (4, ind(r, b(o), o), u32v);
        LoadIndirectI32 => |r, o| (4, ind(r, b(o), o), i32v);
        LoadIndirectU64 => |r, o| (8, ind(r, b(o), o), u64v);
    }
    store {
        StoreImmU8 => |r, o| (o.x, [o.y as u8]);
        StoreImmU16 => |r, o| (o.x, (o.y as u16).to_le_bytes());
        StoreImmU32 => |r, o| (o.x, o.y.to_le_bytes());
        StoreImmU64 => |r, o| (o.x, sext(o.y).to_le_bytes());
        StoreU8 => |r, o| (o.x, [r[a(o)] as u8]);
        StoreU16 => |r, o| (o.x, (r[a(o)] as u16).to_le_bytes());
        StoreU32 => |r, o| (o.x, (r[a(o)] as u32).to_le_bytes());
        StoreU64 => |r, o| (o.x, r[a(o)].to_le_bytes());
        StoreImmIndirectU8 => |r, o| (ind(r, a(o), o), [o.y as u8]);
        StoreImmIndirectU16 => |r, o| (ind(r, a(o), o), (o.y as u16).to_le_bytes());
        StoreImmIndirectU32 => |r, o| (ind(r, a(o), o), o.y.to_le_bytes());
        StoreImmIndirectU64 => |r, o| (ind(r, a(o), o), sext(o.y).to_le_bytes());
        StoreIndirectU8 => |r, o| (ind(r, b(o), o), [r[a(o)] as u8]);
        StoreIndirectU16 => |r, o| (ind(r, b(o), o), (r[a(o)] as u16).to_le_bytes());
        StoreIndirectU32 => |r, o| (ind(r, b(o), o), (r[a(o)] as u32).to_le_bytes());
        StoreIndirectU64 => |r, o| (ind(r, b(o), o), r[a(o)].to_le_bytes());
    }
    branch {
        BranchEqImm => |r, o| r[a(o)] == imm(o);
        BranchNotEqImm => |r, o| r[a(o)] != imm(o);
        BranchLessUnsignedImm => |r, o| r[a(o)] < imm(o);
        BranchLessOrEqualUnsignedImm => |r, o| r[a(o)] <= imm(o);
        BranchGreaterOrEqualUnsignedImm => |r, o| r[a(o)] >= imm(o);
        BranchGreaterUnsignedImm => |r, o| r[a(o)] > imm(o);
        BranchLessSignedImm => |r, o| (r[a(o)] as i64) < imm(o) as i64;
        BranchLessOrEqualSignedImm => |r, o| (r[a(o)] as i64) <= imm(o) as i64;
        BranchGreaterOrEqualSignedImm => |r, o| (r[a(o)] as i64) >= imm(o) as i64;
        BranchGreaterSignedImm => |r, o| (r[a(o)] as i64) > imm(o) as i64;
        BranchEq => |r, o| r[a(o)] == r[b(o)];
        BranchNotEq => |r, o| r[a(o)] != r[b(o)];
        BranchLessUnsigned => |r, o| r[a(o)] < r[b(o)];
        BranchLessSigned => |r, o| (r[a(o)] as i64) < r[b(o)] as i64;
        BranchGreaterOrEqualUnsigned => |r, o| r[a(o)] >= r[b(o)];
        BranchGreaterOrEqualSigned => |r, o| (r[a(o)] as i64) >= r[b(o)] as i64;
    }
}

#[allow(non_snake_case)]
fn Gas(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    enter(r, c, ops, ip, gas)
}

/// Inside long blocks: spends budget so straight-line code cannot recurse without bound.
#[allow(non_snake_case)]
fn Checkpoint(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    if c.budget == 0 {
        return out_of_budget(c, ops, ip.wrapping_add(1), gas);
    }
    c.budget -= 1;
    next(r, c, ops, ip.wrapping_add(1), gas)
}

#[allow(non_snake_case)]
fn Trap(_: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    stop(c, ops, ip, ip, Stop::Panic, gas)
}

#[allow(non_snake_case)]
fn Fallthrough(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    enter(r, c, ops, ip.wrapping_add(1), gas)
}

#[allow(non_snake_case)]
fn Ecalli(_: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    stop(c, ops, ip, ip.wrapping_add(1), Stop::HostCall(op(ip).x), gas)
}

#[allow(non_snake_case)]
fn Jump(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    let o = op(ip);
    enter_cost(r, c, ops, ops.wrapping_add(o.y as usize), o.z, gas)
}

#[allow(non_snake_case)]
fn LoadImmAndJump(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    let o = op(ip);
    r[a(o)] = imm(o);
    enter_cost(r, c, ops, ops.wrapping_add(o.y as usize), o.z, gas)
}

#[allow(non_snake_case)]
fn JumpIndirect(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    let address = ind(r, a(op(ip)), op(ip));
    djump(r, c, ops, ip, address, gas)
}

#[allow(non_snake_case)]
fn LoadImmAndJumpIndirect(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    let o = op(ip);
    let address = (r[b(o)] as u32).wrapping_add(o.z);
    r[a(o)] = imm(o);
    djump(r, c, ops, ip, address, gas)
}

#[allow(non_snake_case)]
fn Sbrk(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, gas: i64) {
    let o = op(ip);
    let size = u32::try_from(r[b(o)] as i64).unwrap_or(0);
    r[a(o)] = sext(c.mem.sbrk(size).unwrap_or(0));
    next(r, c, ops, ip.wrapping_add(1), gas)
}

/// `memset`: `a2` bytes of `a1` at `a0`, one gas per byte; progress is kept in `a0`/`a2`, so
/// an out-of-gas or fault stop resumes where it left off.
#[allow(non_snake_case)]
fn Memset(r: &mut Regs, c: &mut Ctx<'_>, ops: Ops, ip: Ip, mut gas: i64) {
    let value = r[8] as u8;
    let mut dst = r[7] as u32;
    let mut count = r[9] as u32;
    let mut result = None;
    while count > 0 {
        if gas == 0 {
            result = Some(Stop::OutOfGas);
            break;
        }
        if let Err(f) = c.mem.store(dst, [value]) {
            result = Some(fault_to_stop(f));
            break;
        }
        gas -= 1;
        dst = dst.wrapping_add(1);
        count -= 1;
    }
    r[7] = u64::from(dst);
    r[9] = u64::from(count);
    match result {
        Some(why) => stop(c, ops, ip, ip, why, gas),
        None => next(r, c, ops, ip.wrapping_add(1), gas),
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
        gas: cpu.gas,
        ip: cpu.ip,
        pc: cpu.pc,
        address: 0,
        value: 0,
        budget: 0,
        why: Stop::Budget,
    };
    let regs = &mut cpu.regs;
    let why = loop {
        let (ip, gas) = (ops.wrapping_add(c.ip), c.gas);
        c.why = Stop::Budget;
        c.budget = BUDGET;
        (op(ip).handler)(regs, &mut c, ops, ip, gas);
        if c.why != Stop::Budget {
            break c.why;
        }
    };
    cpu.gas = c.gas;
    cpu.ip = c.ip;
    cpu.pc = c.pc;
    why
}
