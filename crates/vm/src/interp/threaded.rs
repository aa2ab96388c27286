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

/// Continues with the op at `ip`. `last` is the value of the register most recently written in
/// this block (see [`super::program::Program::forward`]); handlers whose source register is
/// that one read `last` instead of the register file, which saves a store-to-load round trip
/// on every dependent instruction.
#[inline(always)]
fn next(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
    (op(ip).handler)(r, c, ip, budget, gas, last)
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
/// instruction.
#[inline(always)]
fn enter_cost(r: &mut Regs, c: &mut Ctx<'_>, target: Ip, cost: u32, budget: u32, gas: i64) {
    if budget == 0 {
        return out_of_budget(c, target, gas);
    }
    let budget = budget - 1;
    let cost = i64::from(cost);
    if gas < cost {
        return stop(c, target, target, Stop::OutOfGas, gas);
    }
    next(r, c, target.wrapping_add(1), budget, gas - cost, 0)
}

/// Charges the block whose `Gas` op is `target` and continues with its first instruction.
#[inline(always)]
fn enter(r: &mut Regs, c: &mut Ctx<'_>, target: Ip, budget: u32, gas: i64) {
    enter_cost(r, c, target, op(target).x, budget, gas)
}

#[inline(always)]
fn djump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, address: u32, budget: u32, gas: i64) {
    match dynamic_target(c.program, address) {
        Ok((target, cost)) => enter_cost(r, c, c.ops.wrapping_add(target), cost, budget, gas),
        Err(why) => stop(c, ip, ip, why, gas),
    }
}

macro_rules! handlers {
    (
        alu { $($alu:ident => |$ao:ident, $aa:ident, $ab:ident, $ac:ident| $ae:expr;)* }
        load { $($ld:ident => |$lo:ident, $la:ident, $lb:ident| ($ln:literal, $laddr:expr, $lconv:expr);)* }
        store { $($st:ident => |$so:ident, $sa:ident, $sb:ident| ($saddr:expr, $sval:expr);)* }
        branch { $($br:ident => |$bro:ident, $bra:ident, $brb:ident| $bcond:expr;)* }
    ) => {
        $(
            #[allow(non_snake_case, unused_variables)]
            fn $alu<const FA: bool, const FB: bool, const FC: bool>(
                r: &mut Regs,
                c: &mut Ctx<'_>,
                ip: Ip,
                budget: u32,
                gas: i64,
                last: u64,
            ) {
                let $ao = op(ip);
                let ($aa, $ab, $ac) = sources::<FA, FB, FC>(r, $ao, last);
                let value: u64 = $ae;
                r[$ao.a as usize] = value;
                next(r, c, ip.wrapping_add(1), budget, gas, value)
            }
        )*
        $(
            #[allow(non_snake_case, unused_variables)]
            fn $ld<const FA: bool, const FB: bool, const FC: bool>(
                r: &mut Regs,
                c: &mut Ctx<'_>,
                ip: Ip,
                budget: u32,
                gas: i64,
                last: u64,
            ) {
                let $lo = op(ip);
                let ($la, $lb, _) = sources::<FA, FB, FC>(r, $lo, last);
                let address: u32 = $laddr;
                match c.mem.try_load::<$ln>(address) {
                    Some(bytes) => {
                        let value = $lconv(bytes);
                        r[$lo.a as usize] = value;
                        next(r, c, ip.wrapping_add(1), budget, gas, value)
                    }
                    None => {
                        c.address = address;
                        load_slow::<$ln, _>(r, c, ip, budget, gas, $lconv)
                    }
                }
            }
        )*
        $(
            #[allow(non_snake_case, unused_variables)]
            fn $st<const FA: bool, const FB: bool, const FC: bool>(
                r: &mut Regs,
                c: &mut Ctx<'_>,
                ip: Ip,
                budget: u32,
                gas: i64,
                last: u64,
            ) {
                let $so = op(ip);
                let ($sa, $sb, _) = sources::<FA, FB, FC>(r, $so, last);
                store(r, c, ip, budget, gas, last, $saddr, $sval)
            }
        )*
        $(
            #[allow(non_snake_case, unused_variables)]
            fn $br<const FA: bool, const FB: bool, const FC: bool>(
                r: &mut Regs,
                c: &mut Ctx<'_>,
                ip: Ip,
                budget: u32,
                gas: i64,
                last: u64,
            ) {
                let $bro = op(ip);
                let ($bra, $brb, _) = sources::<FA, FB, FC>(r, $bro, last);
                if $bcond {
                    enter_cost(r, c, c.ops.wrapping_add($bro.y as usize), $bro.z, budget, gas)
                } else {
                    enter(r, c, ip.wrapping_add(1), budget, gas)
                }
            }
        )*

        /// The handler executing ops of `kind`; `forward` says which source fields (bits
        /// [`FWD_A`], [`FWD_B`], [`FWD_C`]) read the forwarded `last` value.
        pub(crate) fn handler_for(kind: Kind, forward: u8) -> Handler {
            macro_rules! variant {
                ($h:ident) => {
                    match forward & 7 {
                        0 => $h::<false, false, false>,
                        1 => $h::<true, false, false>,
                        2 => $h::<false, true, false>,
                        3 => $h::<true, true, false>,
                        4 => $h::<false, false, true>,
                        5 => $h::<true, false, true>,
                        6 => $h::<false, true, true>,
                        _ => $h::<true, true, true>,
                    }
                };
            }
            match kind {
                Kind::Gas => Gas,
                Kind::Checkpoint => Checkpoint,
                Kind::Trap => Trap,
                Kind::Fallthrough => Fallthrough,
                Kind::Unlikely => Unlikely,
                Kind::Ecalli => Ecalli,
                Kind::Memset => Memset,
                Kind::Jump => Jump,
                Kind::LoadImmAndJump => LoadImmAndJump,
                Kind::JumpIndirect => variant!(JumpIndirect),
                Kind::LoadImmAndJumpIndirect => variant!(LoadImmAndJumpIndirect),
                Kind::Sbrk => variant!(Sbrk),
                $(Kind::$alu => variant!($alu),)*
                $(Kind::$ld => variant!($ld),)*
                $(Kind::$st => variant!($st),)*
                $(Kind::$br => variant!($br),)*
            }
        }
    };
}

/// Forwarding flag: the `a` field's register is read from `last`.
pub(crate) const FWD_A: u8 = 1;
/// Forwarding flag: the `b` field's register is read from `last`.
pub(crate) const FWD_B: u8 = 2;
/// Forwarding flag: the `c` field's register is read from `last`.
pub(crate) const FWD_C: u8 = 4;

/// The values of the registers named by `a`, `b` and `c`, each taken from `last` when its
/// forwarding flag is set. Unused ones cost nothing (the loads are dead).
#[inline(always)]
fn sources<const FA: bool, const FB: bool, const FC: bool>(r: &Regs, o: &Op, last: u64) -> (u64, u64, u64) {
    (
        if FA { last } else { r[o.a as usize] },
        if FB { last } else { r[o.b as usize] },
        if FC { last } else { r[o.c as usize] },
    )
}

/// A store: the fast path inline, the slow path by tail call.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn store<const N: usize>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
    address: u32,
    value: [u8; N],
) {
    if c.mem.try_store(address, value) {
        next(r, c, ip.wrapping_add(1), budget, gas, last)
    } else {
        c.address = address;
        c.value = widen(value);
        store_slow::<N>(r, c, ip, budget, gas, last)
    }
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
fn imm(o: &Op) -> u64 {
    sext(o.x)
}
/// `(base + imm) mod 2^32`.
#[inline(always)]
fn indv(base: u64, o: &Op) -> u32 {
    (base as u32).wrapping_add(o.x)
}

handlers! {
    alu {
        LoadImm64 => |o, va, vb, vc| u64::from(o.x) | u64::from(o.y) << 32;
        LoadImm => |o, va, vb, vc| imm(o);
        MoveReg => |o, va, vb, vc| vb;
        CountSetBits64 => |o, va, vb, vc| u64::from(vb.count_ones());
        CountSetBits32 => |o, va, vb, vc| u64::from((vb as u32).count_ones());
        CountLeadingZeroBits64 => |o, va, vb, vc| u64::from(vb.leading_zeros());
        CountLeadingZeroBits32 => |o, va, vb, vc| u64::from((vb as u32).leading_zeros());
        CountTrailingZeroBits64 => |o, va, vb, vc| u64::from(vb.trailing_zeros());
        CountTrailingZeroBits32 => |o, va, vb, vc| u64::from((vb as u32).trailing_zeros());
        SignExtend8 => |o, va, vb, vc| vb as i8 as u64;
        SignExtend16 => |o, va, vb, vc| vb as i16 as u64;
        ZeroExtend16 => |o, va, vb, vc| u64::from(vb as u16);
        ReverseBytes => |o, va, vb, vc| vb.swap_bytes();
        AddImm32 => |o, va, vb, vc| add32(vb, imm(o));
        AndImm => |o, va, vb, vc| vb & imm(o);
        XorImm => |o, va, vb, vc| vb ^ imm(o);
        OrImm => |o, va, vb, vc| vb | imm(o);
        MulImm32 => |o, va, vb, vc| mul32(vb, imm(o));
        SetLessThanUnsignedImm => |o, va, vb, vc| u64::from(vb < imm(o));
        SetLessThanSignedImm => |o, va, vb, vc| u64::from((vb as i64) < imm(o) as i64);
        ShiftLogicalLeftImm32 => |o, va, vb, vc| shl32(vb, imm(o));
        ShiftLogicalRightImm32 => |o, va, vb, vc| shr32(vb, imm(o));
        ShiftArithmeticRightImm32 => |o, va, vb, vc| sar32(vb, imm(o));
        NegateAndAddImm32 => |o, va, vb, vc| sub32(imm(o), vb);
        SetGreaterThanUnsignedImm => |o, va, vb, vc| u64::from(vb > imm(o));
        SetGreaterThanSignedImm => |o, va, vb, vc| u64::from((vb as i64) > imm(o) as i64);
        ShiftLogicalLeftImmAlt32 => |o, va, vb, vc| shl32(imm(o), vb);
        ShiftLogicalRightImmAlt32 => |o, va, vb, vc| shr32(imm(o), vb);
        ShiftArithmeticRightImmAlt32 => |o, va, vb, vc| sar32(imm(o), vb);
        CmovIfZeroImm => |o, va, vb, vc| if vb == 0 { imm(o) } else { va };
        CmovIfNotZeroImm => |o, va, vb, vc| if vb != 0 { imm(o) } else { va };
        AddImm64 => |o, va, vb, vc| vb.wrapping_add(imm(o));
        MulImm64 => |o, va, vb, vc| vb.wrapping_mul(imm(o));
        ShiftLogicalLeftImm64 => |o, va, vb, vc| vb << (o.x & 63);
        ShiftLogicalRightImm64 => |o, va, vb, vc| vb >> (o.x & 63);
        ShiftArithmeticRightImm64 => |o, va, vb, vc| ((vb as i64) >> (o.x & 63)) as u64;
        NegateAndAddImm64 => |o, va, vb, vc| imm(o).wrapping_sub(vb);
        ShiftLogicalLeftImmAlt64 => |o, va, vb, vc| imm(o) << (vb & 63);
        ShiftLogicalRightImmAlt64 => |o, va, vb, vc| imm(o) >> (vb & 63);
        ShiftArithmeticRightImmAlt64 => |o, va, vb, vc| ((imm(o) as i64) >> (vb & 63)) as u64;
        RotateRightImm64 => |o, va, vb, vc| vb.rotate_right(o.x & 63);
        RotateRightImmAlt64 => |o, va, vb, vc| imm(o).rotate_right((vb & 63) as u32);
        RotateRightImm32 => |o, va, vb, vc| rotr32(vb, imm(o));
        RotateRightImmAlt32 => |o, va, vb, vc| rotr32(imm(o), vb);
        Add32 => |o, va, vb, vc| add32(vb, vc);
        Sub32 => |o, va, vb, vc| sub32(vb, vc);
        Mul32 => |o, va, vb, vc| mul32(vb, vc);
        DivUnsigned32 => |o, va, vb, vc| div_u32(vb, vc);
        DivSigned32 => |o, va, vb, vc| div_s32(vb, vc);
        RemUnsigned32 => |o, va, vb, vc| rem_u32(vb, vc);
        RemSigned32 => |o, va, vb, vc| rem_s32(vb, vc);
        ShiftLogicalLeft32 => |o, va, vb, vc| shl32(vb, vc);
        ShiftLogicalRight32 => |o, va, vb, vc| shr32(vb, vc);
        ShiftArithmeticRight32 => |o, va, vb, vc| sar32(vb, vc);
        Add64 => |o, va, vb, vc| vb.wrapping_add(vc);
        Sub64 => |o, va, vb, vc| vb.wrapping_sub(vc);
        Mul64 => |o, va, vb, vc| vb.wrapping_mul(vc);
        DivUnsigned64 => |o, va, vb, vc| div_u64(vb, vc);
        DivSigned64 => |o, va, vb, vc| div_s64(vb, vc);
        RemUnsigned64 => |o, va, vb, vc| rem_u64(vb, vc);
        RemSigned64 => |o, va, vb, vc| rem_s64(vb, vc);
        ShiftLogicalLeft64 => |o, va, vb, vc| vb << (vc & 63);
        ShiftLogicalRight64 => |o, va, vb, vc| vb >> (vc & 63);
        ShiftArithmeticRight64 => |o, va, vb, vc| ((vb as i64) >> (vc & 63)) as u64;
        And => |o, va, vb, vc| vb & vc;
        Xor => |o, va, vb, vc| vb ^ vc;
        Or => |o, va, vb, vc| vb | vc;
        MulUpperSignedSigned => |o, va, vb, vc| mulh_ss(vb, vc);
        MulUpperUnsignedUnsigned => |o, va, vb, vc| mulh_uu(vb, vc);
        MulUpperSignedUnsigned => |o, va, vb, vc| mulh_su(vb, vc);
        SetLessThanUnsigned => |o, va, vb, vc| u64::from(vb < vc);
        SetLessThanSigned => |o, va, vb, vc| u64::from((vb as i64) < vc as i64);
        CmovIfZero => |o, va, vb, vc| if vc == 0 { vb } else { va };
        CmovIfNotZero => |o, va, vb, vc| if vc != 0 { vb } else { va };
        RotateLeft64 => |o, va, vb, vc| vb.rotate_left((vc & 63) as u32);
        RotateLeft32 => |o, va, vb, vc| rotl32(vb, vc);
        RotateRight64 => |o, va, vb, vc| vb.rotate_right((vc & 63) as u32);
        RotateRight32 => |o, va, vb, vc| rotr32(vb, vc);
        AndInverted => |o, va, vb, vc| vb & !vc;
        OrInverted => |o, va, vb, vc| vb | !vc;
        Xnor => |o, va, vb, vc| !(vb ^ vc);
        Maximum => |o, va, vb, vc| (vb as i64).max(vc as i64) as u64;
        MaximumUnsigned => |o, va, vb, vc| vb.max(vc);
        Minimum => |o, va, vb, vc| (vb as i64).min(vc as i64) as u64;
        MinimumUnsigned => |o, va, vb, vc| vb.min(vc);
    }
    load {
        LoadU8 => |o, va, vb| (1, o.x, u8v);
        LoadI8 => |o, va, vb| (1, o.x, i8v);
        LoadU16 => |o, va, vb| (2, o.x, u16v);
        LoadI16 => |o, va, vb| (2, o.x, i16v);
        LoadU32 => |o, va, vb| (4, o.x, u32v);
        LoadI32 => |o, va, vb| (4, o.x, i32v);
        LoadU64 => |o, va, vb| (8, o.x, u64v);
        LoadIndirectU8 => |o, va, vb| (1, indv(vb, o), u8v);
        LoadIndirectI8 => |o, va, vb| (1, indv(vb, o), i8v);
        LoadIndirectU16 => |o, va, vb| (2, indv(vb, o), u16v);
        LoadIndirectI16 => |o, va, vb| (2, indv(vb, o), i16v);
        LoadIndirectU32 => |o, va, vb| (4, indv(vb, o), u32v);
        LoadIndirectI32 => |o, va, vb| (4, indv(vb, o), i32v);
        LoadIndirectU64 => |o, va, vb| (8, indv(vb, o), u64v);
    }
    store {
        StoreImmU8 => |o, va, vb| (o.x, [o.y as u8]);
        StoreImmU16 => |o, va, vb| (o.x, (o.y as u16).to_le_bytes());
        StoreImmU32 => |o, va, vb| (o.x, o.y.to_le_bytes());
        StoreImmU64 => |o, va, vb| (o.x, sext(o.y).to_le_bytes());
        StoreU8 => |o, va, vb| (o.x, [va as u8]);
        StoreU16 => |o, va, vb| (o.x, (va as u16).to_le_bytes());
        StoreU32 => |o, va, vb| (o.x, (va as u32).to_le_bytes());
        StoreU64 => |o, va, vb| (o.x, va.to_le_bytes());
        StoreImmIndirectU8 => |o, va, vb| (indv(va, o), [o.y as u8]);
        StoreImmIndirectU16 => |o, va, vb| (indv(va, o), (o.y as u16).to_le_bytes());
        StoreImmIndirectU32 => |o, va, vb| (indv(va, o), o.y.to_le_bytes());
        StoreImmIndirectU64 => |o, va, vb| (indv(va, o), sext(o.y).to_le_bytes());
        StoreIndirectU8 => |o, va, vb| (indv(vb, o), [va as u8]);
        StoreIndirectU16 => |o, va, vb| (indv(vb, o), (va as u16).to_le_bytes());
        StoreIndirectU32 => |o, va, vb| (indv(vb, o), (va as u32).to_le_bytes());
        StoreIndirectU64 => |o, va, vb| (indv(vb, o), va.to_le_bytes());
    }
    branch {
        BranchEqImm => |o, va, vb| va == imm(o);
        BranchNotEqImm => |o, va, vb| va != imm(o);
        BranchLessUnsignedImm => |o, va, vb| va < imm(o);
        BranchLessOrEqualUnsignedImm => |o, va, vb| va <= imm(o);
        BranchGreaterOrEqualUnsignedImm => |o, va, vb| va >= imm(o);
        BranchGreaterUnsignedImm => |o, va, vb| va > imm(o);
        BranchLessSignedImm => |o, va, vb| (va as i64) < imm(o) as i64;
        BranchLessOrEqualSignedImm => |o, va, vb| (va as i64) <= imm(o) as i64;
        BranchGreaterOrEqualSignedImm => |o, va, vb| (va as i64) >= imm(o) as i64;
        BranchGreaterSignedImm => |o, va, vb| (va as i64) > imm(o) as i64;
        BranchEq => |o, va, vb| va == vb;
        BranchNotEq => |o, va, vb| va != vb;
        BranchLessUnsigned => |o, va, vb| va < vb;
        BranchLessSigned => |o, va, vb| (va as i64) < vb as i64;
        BranchGreaterOrEqualUnsigned => |o, va, vb| va >= vb;
        BranchGreaterOrEqualSigned => |o, va, vb| (va as i64) >= vb as i64;
    }
}

#[allow(non_snake_case)]
fn Gas(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, _: u64) {
    enter(r, c, ip, budget, gas)
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
fn Fallthrough(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, _: u64) {
    enter(r, c, ip.wrapping_add(1), budget, gas)
}

#[allow(non_snake_case)]
fn Ecalli(_: &mut Regs, c: &mut Ctx<'_>, ip: Ip, _: u32, gas: i64, _: u64) {
    stop(c, ip, ip.wrapping_add(1), Stop::HostCall(op(ip).x), gas)
}

#[allow(non_snake_case)]
fn Jump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, _: u64) {
    let o = op(ip);
    enter_cost(r, c, c.ops.wrapping_add(o.y as usize), o.z, budget, gas)
}

#[allow(non_snake_case)]
fn LoadImmAndJump(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, _: u64) {
    let o = op(ip);
    r[a(o)] = imm(o);
    enter_cost(r, c, c.ops.wrapping_add(o.y as usize), o.z, budget, gas)
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
    djump(r, c, ip, indv(base, o), budget, gas)
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
    djump(r, c, ip, address, budget, gas)
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
    let o = op(ip);
    let (_, size, _) = sources::<FA, FB, FC>(r, o, last);
    let size = u32::try_from(size as i64).unwrap_or(0);
    let value = sext(c.mem.sbrk(size).unwrap_or(0));
    r[a(o)] = value;
    next(r, c, ip.wrapping_add(1), budget, gas, value)
}

/// `memset`: `a2` bytes of `a1` at `a0`, one gas per byte; progress is kept in `a0`/`a2`, so
/// an out-of-gas or fault stop resumes where it left off. It writes two registers, so nothing is
/// forwarded past it.
#[allow(non_snake_case)]
fn Memset(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, mut gas: i64, _: u64) {
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
