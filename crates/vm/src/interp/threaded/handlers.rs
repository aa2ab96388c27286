//! The handlers of the ALU, load, store and branch kinds, generated from one table, with
//! [`handler_for`] choosing among them and [`kinds`] exposing each kind's behaviour to fused
//! pairs.

use isa::ops::*;
use isa::sext;

use super::operands::{imm, indv, sources, store, widen};
use super::*;
use crate::interp::exec::{i16v, i32v, i8v, u16v, u32v, u64v, u8v};
use crate::interp::ops::bits32;

/// `sbrk` in a 32-bit program: the size is the register's low 32 bits (PolkaVM `Latest32`).
#[allow(non_snake_case)]
fn Sbrk32<const FA: bool, const FB: bool, const FC: bool>(
    r: &mut Regs,
    c: &mut Ctx<'_>,
    ip: Ip,
    budget: u32,
    gas: i64,
    last: u64,
) {
    sbrk_with::<FA, FB, FC>(r, c, ip, budget, gas, last, bits32::sbrk_size)
}

macro_rules! handlers {
    (
        alu { $($alu:ident => |$ao:ident, $aa:ident, $ab:ident, $ac:ident| $ae:expr;)* }
        load { $($ld:ident => |$lo:ident, $la:ident, $lb:ident| ($ln:literal, $laddr:expr, $lconv:expr);)* }
        store { $($st:ident => |$so:ident, $sa:ident, $sb:ident| ($sn:literal, $saddr:expr, $sval:expr);)* }
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
                    enter_cost(r, c, target(ip, $bro), $bro.z, budget, gas, last)
                } else {
                    enter(r, c, ip.wrapping_add(1), budget, gas, last)
                }
            }
        )*

        /// One zero-sized type per ALU, load and store kind: the op's behaviour as a
        /// [`Part`] of a fused pair.
        #[allow(non_camel_case_types, unused_variables, dead_code)]
        pub(crate) mod kinds {
            use super::*;
            $(
                pub(crate) struct $alu;
                impl Part for $alu {
                    #[inline(always)]
                    fn fast(r: &mut Regs, _: &mut Ctx<'_>, $ao: &Op, $aa: u64, $ab: u64, $ac: u64, _: u64) -> Option<u64> {
                        let value: u64 = $ae;
                        r[$ao.a as usize] = value;
                        Some(value)
                    }
                    #[inline(always)]
                    fn slow(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
                        super::$alu::<false, false, false>(r, c, ip, budget, gas, last)
                    }
                }
            )*
            $(
                pub(crate) struct $ld;
                impl Part for $ld {
                    #[inline(always)]
                    fn fast(r: &mut Regs, c: &mut Ctx<'_>, $lo: &Op, $la: u64, $lb: u64, _: u64, _: u64) -> Option<u64> {
                        let address: u32 = $laddr;
                        match c.mem.try_load::<$ln>(address) {
                            Some(bytes) => {
                                let value = $lconv(bytes);
                                r[$lo.a as usize] = value;
                                Some(value)
                            }
                            None => {
                                c.address = address;
                                None
                            }
                        }
                    }
                    #[inline(always)]
                    fn slow(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, _: u64) {
                        load_slow::<$ln, _>(r, c, ip, budget, gas, $lconv)
                    }
                }
            )*
            $(
                pub(crate) struct $st;
                impl Part for $st {
                    #[inline(always)]
                    fn fast(_: &mut Regs, c: &mut Ctx<'_>, $so: &Op, $sa: u64, $sb: u64, _: u64, last: u64) -> Option<u64> {
                        let (address, value) = ($saddr, $sval);
                        if c.mem.try_store(address, value) {
                            Some(last)
                        } else {
                            c.address = address;
                            c.value = widen(value);
                            None
                        }
                    }
                    #[inline(always)]
                    fn slow(r: &mut Regs, c: &mut Ctx<'_>, ip: Ip, budget: u32, gas: i64, last: u64) {
                        store_slow::<$sn>(r, c, ip, budget, gas, last)
                    }
                }
            )*
            $(
                pub(crate) struct $br;
                impl Cond for $br {
                    #[inline(always)]
                    fn cond($bro: &Op, $bra: u64, $brb: u64) -> bool {
                        $bcond
                    }
                }
            )*
        }

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
                Kind::LoadImmAndTrap => LoadImmAndTrap,
                Kind::Fallthrough => Fallthrough,
                Kind::Unlikely => Unlikely,
                Kind::Ecalli => Ecalli,
                Kind::Memset => Memset,
                Kind::Jump => Jump,
                Kind::LoadImmAndJump => LoadImmAndJump,
                Kind::JumpIndirect => variant!(JumpIndirect),
                Kind::LoadImmAndJumpIndirect => variant!(LoadImmAndJumpIndirect),
                Kind::Sbrk => variant!(Sbrk),
                Kind::Sbrk32 => variant!(Sbrk32),
                $(Kind::$alu => variant!($alu),)*
                $(Kind::$ld => variant!($ld),)*
                $(Kind::$st => variant!($st),)*
                $(Kind::$br => variant!($br),)*
            }
        }
    };
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
        MulUpperSignedSigned32 => |o, va, vb, vc| bits32::mulh_ss(vb, vc);
        MulUpperUnsignedUnsigned32 => |o, va, vb, vc| bits32::mulh_uu(vb, vc);
        MulUpperSignedUnsigned32 => |o, va, vb, vc| bits32::mulh_su(vb, vc);
        ReverseBytes32 => |o, va, vb, vc| bits32::reverse_bytes(vb);
        AndInverted32 => |o, va, vb, vc| bits32::and_inverted(vb, vc);
        OrInverted32 => |o, va, vb, vc| bits32::or_inverted(vb, vc);
        Xnor32 => |o, va, vb, vc| bits32::xnor(vb, vc);
        Maximum32 => |o, va, vb, vc| bits32::max_s(vb, vc);
        MaximumUnsigned32 => |o, va, vb, vc| bits32::max_u(vb, vc);
        Minimum32 => |o, va, vb, vc| bits32::min_s(vb, vc);
        MinimumUnsigned32 => |o, va, vb, vc| bits32::min_u(vb, vc);
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
        StoreImmU8 => |o, va, vb| (1, o.x, [o.y as u8]);
        StoreImmU16 => |o, va, vb| (2, o.x, (o.y as u16).to_le_bytes());
        StoreImmU32 => |o, va, vb| (4, o.x, o.y.to_le_bytes());
        StoreImmU64 => |o, va, vb| (8, o.x, sext(o.y).to_le_bytes());
        StoreU8 => |o, va, vb| (1, o.x, [va as u8]);
        StoreU16 => |o, va, vb| (2, o.x, (va as u16).to_le_bytes());
        StoreU32 => |o, va, vb| (4, o.x, (va as u32).to_le_bytes());
        StoreU64 => |o, va, vb| (8, o.x, va.to_le_bytes());
        StoreImmIndirectU8 => |o, va, vb| (1, indv(va, o), [o.y as u8]);
        StoreImmIndirectU16 => |o, va, vb| (2, indv(va, o), (o.y as u16).to_le_bytes());
        StoreImmIndirectU32 => |o, va, vb| (4, indv(va, o), o.y.to_le_bytes());
        StoreImmIndirectU64 => |o, va, vb| (8, indv(va, o), sext(o.y).to_le_bytes());
        StoreIndirectU8 => |o, va, vb| (1, indv(vb, o), [va as u8]);
        StoreIndirectU16 => |o, va, vb| (2, indv(vb, o), (va as u16).to_le_bytes());
        StoreIndirectU32 => |o, va, vb| (4, indv(vb, o), (va as u32).to_le_bytes());
        StoreIndirectU64 => |o, va, vb| (8, indv(vb, o), va.to_le_bytes());
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
