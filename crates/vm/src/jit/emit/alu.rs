//! Register and immediate arithmetic, logic, shifts, comparisons and bit operations.
//!
//! 64-bit results go straight to the destination. 32-bit operations compute in a 32-bit
//! register and sign-extend (`movsxd`), which is the PVM's rule for `*_32` results, except
//! where the extension is free: a logical right shift by a non-zero amount leaves bit 31
//! clear (so the zero extension of every 32-bit x86 write is the sign extension), and an
//! arithmetic right shift commutes with it (extend, then shift 64 bits).

use asm::{AluOp, Assembler, Cond, Mem, Reg as H, ShiftOp, Size, Width};
use isa::Opcode;

use super::{Compiler, TMP};

/// `d = a op b` for a two-operand x86 instruction `op` (64-bit), whatever registers alias.
pub(super) fn binary(
    asm: &mut Assembler,
    d: H,
    a: H,
    b: H,
    commutative: bool,
    op: impl Fn(&mut Assembler, H, H),
) {
    if d == a {
        op(asm, d, b);
    } else if d == b && commutative {
        op(asm, d, a);
    } else if d == b {
        asm.mov_rr(Size::S64, TMP, a);
        op(asm, TMP, b);
        asm.mov_rr(Size::S64, d, TMP);
    } else {
        asm.mov_rr(Size::S64, d, a);
        op(asm, d, b);
    }
}

/// Sign-extends the low 32 bits of `src` into `d`.
fn sext32(asm: &mut Assembler, d: H, src: H) {
    asm.movsx(Size::S64, Width::W32, d, src);
}

/// `d = (a op b) as i32 as i64` for a 32-bit two-operand instruction `op`: in place when `d`
/// is `a` (or, for a commutative `op`, `b`), else through the scratch register.
fn binary32(
    asm: &mut Assembler,
    d: H,
    (a, b): (H, H),
    commutative: bool,
    extend: bool,
    op: impl Fn(&mut Assembler, H, H),
) {
    let (acc, other) = match () {
        () if d == a => (d, b),
        () if d == b && commutative => (d, a),
        () => {
            asm.mov_rr(Size::S32, TMP, a);
            (TMP, b)
        }
    };
    op(asm, acc, other);
    if extend || acc != d {
        sext32(asm, d, acc);
    }
}

/// `d = flag(compare)` as 0 or 1, where `compare` reads the registers `reads`.
fn set_cond(asm: &mut Assembler, d: H, reads: [H; 2], cond: Cond, compare: impl Fn(&mut Assembler)) {
    // The result register is cleared before the compare (clearing after would clobber the
    // flags), if the compare does not read it; otherwise the flag goes through `TMP`'s low
    // byte and is zero-extended into place.
    if reads.contains(&d) {
        compare(asm);
        asm.setcc(cond, TMP);
        asm.movzx(Width::W8, d, TMP);
        return;
    }
    asm.zero(d);
    compare(asm);
    asm.setcc(cond, d);
}

/// `d = cond(a, b) ? b : a` (signed or unsigned minimum and maximum).
fn select(asm: &mut Assembler, d: H, a: H, b: H, take_b: Cond) {
    if d == b && d != a {
        // `d` holds `b` already: it takes `a` when `b` is not to be taken.
        asm.cmp_rr(Size::S64, a, b);
        asm.cmov_rr(take_b.invert(), Size::S64, d, a);
        return;
    }
    if d != a {
        asm.mov_rr(Size::S64, d, a);
    }
    asm.cmp_rr(Size::S64, d, b);
    asm.cmov_rr(take_b, Size::S64, d, b);
}

/// `d = rotate(a, b)` with the count in `cl` (a 32-bit result sign-extended if `extend`).
fn rotate(asm: &mut Assembler, op: ShiftOp, size: Size, d: H, (a, b): (H, H), extend: bool) {
    asm.mov_rr(Size::S32, TMP, b);
    if d != a {
        asm.mov_rr(Size::S64, d, a);
    }
    asm.shift_rcl(op, size, d);
    if size == Size::S32 && extend {
        sext32(asm, d, d);
    }
}

impl Compiler<'_> {
    /// Three-register operations (`d = a op b`); `false` if `opcode` is not one of them. A
    /// 32-bit result is sign-extended unless `extend` is false (its high half is dead, or put off: see
    /// `Compiler::extends`).
    #[inline(always)]
    pub(super) fn alu3(&mut self, opcode: Opcode, d: H, (a, b): (H, H), extend: bool) -> bool {
        let asm = &mut self.asm;
        use Opcode as O;
        let alu = |op: AluOp| move |asm: &mut Assembler, x: H, y: H| asm.alu_rr(op, Size::S64, x, y);
        let alu32 = |op: AluOp| move |asm: &mut Assembler, x: H, y: H| asm.alu_rr(op, Size::S32, x, y);
        match opcode {
            O::Add64 => {
                if d != a && d != b {
                    asm.lea(Size::S64, d, Mem::index(a, b, asm::Scale::S1, 0));
                } else {
                    binary(asm, d, a, b, true, alu(AluOp::Add));
                }
            }
            O::Sub64 if d == b && d != a => {
                // `d = a - d` as `-d + a`.
                asm.neg(Size::S64, d);
                asm.alu_rr(AluOp::Add, Size::S64, d, a);
            }
            O::Sub64 => binary(asm, d, a, b, false, alu(AluOp::Sub)),
            O::And => binary(asm, d, a, b, true, alu(AluOp::And)),
            O::Or => binary(asm, d, a, b, true, alu(AluOp::Or)),
            O::Xor => binary(asm, d, a, b, true, alu(AluOp::Xor)),
            O::Mul64 => binary(asm, d, a, b, true, |asm, x, y| asm.imul_rr(Size::S64, x, y)),
            O::Add32 => binary32(asm, d, (a, b), true, extend, alu32(AluOp::Add)),
            O::Sub32 => binary32(asm, d, (a, b), false, extend, alu32(AluOp::Sub)),
            O::Mul32 => binary32(asm, d, (a, b), true, extend, |asm, x, y| asm.imul_rr(Size::S32, x, y)),
            O::ShiftLogicalLeft64 => asm.shlx(Size::S64, d, a, b),
            O::ShiftLogicalRight64 => asm.shrx(Size::S64, d, a, b),
            O::ShiftArithmeticRight64 => asm.sarx(Size::S64, d, a, b),
            O::ShiftLogicalLeft32 | O::ShiftLogicalRight32 | O::ShiftArithmeticRight32 => {
                match opcode {
                    O::ShiftLogicalLeft32 => asm.shlx(Size::S32, d, a, b),
                    O::ShiftLogicalRight32 => asm.shrx(Size::S32, d, a, b),
                    _ => asm.sarx(Size::S32, d, a, b),
                }
                if extend {
                    sext32(asm, d, d);
                }
            }
            O::RotateLeft64 => rotate(asm, ShiftOp::Rol, Size::S64, d, (a, b), extend),
            O::RotateLeft32 => rotate(asm, ShiftOp::Rol, Size::S32, d, (a, b), extend),
            O::RotateRight64 => rotate(asm, ShiftOp::Ror, Size::S64, d, (a, b), extend),
            O::RotateRight32 => rotate(asm, ShiftOp::Ror, Size::S32, d, (a, b), extend),
            O::SetLessThanUnsigned => set_cond(asm, d, [a, b], Cond::B, |asm| asm.cmp_rr(Size::S64, a, b)),
            O::SetLessThanSigned => set_cond(asm, d, [a, b], Cond::L, |asm| asm.cmp_rr(Size::S64, a, b)),
            O::CmovIfZero | O::CmovIfNotZero => {
                // `d = b == 0 ? a : d` (here `a` is the value and `b` the condition).
                asm.test_rr(Size::S64, b, b);
                let cond = if opcode == O::CmovIfZero { Cond::E } else { Cond::Ne };
                asm.cmov_rr(cond, Size::S64, d, a);
            }
            O::Maximum => select(asm, d, a, b, Cond::L),
            O::Minimum => select(asm, d, a, b, Cond::G),
            O::MaximumUnsigned => select(asm, d, a, b, Cond::B),
            O::MinimumUnsigned => select(asm, d, a, b, Cond::A),
            O::AndInverted => asm.andn(Size::S64, d, b, a),
            O::OrInverted => {
                // `d = a | !b`: `not` in the destination unless that is `a` (which the `or`
                // still reads, even when it is also `b`).
                let out = if d == a { TMP } else { d };
                if out != b {
                    asm.mov_rr(Size::S64, out, b);
                }
                asm.not(Size::S64, out);
                asm.alu_rr(AluOp::Or, Size::S64, out, a);
                if out != d {
                    asm.mov_rr(Size::S64, d, out);
                }
            }
            O::Xnor => {
                // `d = x ^ !y`, negating the operand that is not the destination in scratch:
                // the other one (often an accumulator on the critical path) then passes
                // through a single `xor` instead of `xor` and `not`.
                let (x, y) = if d == b { (b, a) } else { (a, b) };
                asm.mov_rr(Size::S64, TMP, y);
                asm.not(Size::S64, TMP);
                if d != x {
                    asm.mov_rr(Size::S64, d, x);
                }
                asm.alu_rr(AluOp::Xor, Size::S64, d, TMP);
            }
            _ => return false,
        }
        true
    }

    /// Register-immediate operations (`d = b op imm`); `false` if `opcode` is not one of them.
    /// `extend` as for [`Self::alu3`].
    #[inline(always)]
    pub(super) fn alu_imm(&mut self, opcode: Opcode, d: H, (b, imm): (H, u32), extend: bool) -> bool {
        let asm = &mut self.asm;
        let simm = imm as i32;
        use Opcode as O;
        let logic = |asm: &mut Assembler, op: AluOp| {
            if d != b {
                asm.mov_rr(Size::S64, d, b);
            }
            asm.alu_ri(op, Size::S64, d, simm);
        };
        let shift = |asm: &mut Assembler, op: ShiftOp, size: Size| {
            // (A 32-bit result is sign-extended below, so `d`'s upper half does not matter.)
            if d != b {
                asm.mov_rr(size, d, b);
            }
            let mask = if size == Size::S64 { 63 } else { 31 };
            asm.shift_ri(op, size, d, (imm & mask) as u8);
            // Shifted right by at least one, a 32-bit result has a clear sign bit, so the
            // zero extension every 32-bit x86 write does is already its sign extension.
            if size == Size::S32 && extend && !(op == ShiftOp::Shr && imm & mask != 0) {
                sext32(asm, d, d);
            }
        };
        // `d = op(imm, b)` with the immediate as the shifted value.
        let shift_alt = |asm: &mut Assembler, size: Size, op: fn(&mut Assembler, Size, H, H, H)| {
            asm.mov_ri(Size::S64, TMP, simm);
            op(asm, size, d, TMP, b);
            if size == Size::S32 && extend {
                sext32(asm, d, d);
            }
        };
        match opcode {
            O::AddImm64 => asm.lea(Size::S64, d, Mem::base(b, simm)),
            // `addiw d, b, 0` is RISC-V's sign extension of a word (`sext.w`).
            O::AddImm32 if imm == 0 => sext32(asm, d, b),
            O::AddImm32 => {
                asm.lea(Size::S32, d, Mem::base(b, simm));
                if extend {
                    sext32(asm, d, d);
                }
            }
            // Masks of the low byte or half-word are zero extensions.
            O::AndImm if imm == 0xFF => asm.movzx(Width::W8, d, b),
            O::AndImm if imm == 0xFFFF => asm.movzx(Width::W16, d, b),
            O::AndImm => logic(asm, AluOp::And),
            O::OrImm => logic(asm, AluOp::Or),
            O::XorImm => logic(asm, AluOp::Xor),
            O::MulImm64 => asm.imul_rri(Size::S64, d, b, simm),
            O::MulImm32 => {
                asm.imul_rri(Size::S32, d, b, simm);
                if extend {
                    sext32(asm, d, d);
                }
            }
            O::SetLessThanUnsignedImm => {
                set_cond(asm, d, [b, b], Cond::B, |asm| asm.cmp_ri(Size::S64, b, simm))
            }
            O::SetLessThanSignedImm => {
                set_cond(asm, d, [b, b], Cond::L, |asm| asm.cmp_ri(Size::S64, b, simm))
            }
            O::SetGreaterThanUnsignedImm => {
                set_cond(asm, d, [b, b], Cond::A, |asm| asm.cmp_ri(Size::S64, b, simm))
            }
            O::SetGreaterThanSignedImm => {
                set_cond(asm, d, [b, b], Cond::G, |asm| asm.cmp_ri(Size::S64, b, simm))
            }
            O::ShiftLogicalLeftImm64 => shift(asm, ShiftOp::Shl, Size::S64),
            O::ShiftLogicalRightImm64 => shift(asm, ShiftOp::Shr, Size::S64),
            O::ShiftArithmeticRightImm64 => shift(asm, ShiftOp::Sar, Size::S64),
            O::ShiftLogicalLeftImm32 => shift(asm, ShiftOp::Shl, Size::S32),
            O::ShiftLogicalRightImm32 => shift(asm, ShiftOp::Shr, Size::S32),
            // An arithmetic shift commutes with sign extension: extend first, then shift all
            // 64 bits (two instructions whatever the registers, where shift-then-extend
            // needs a copy when `d` is not `b`).
            O::ShiftArithmeticRightImm32 => {
                sext32(asm, d, b);
                if imm & 31 != 0 {
                    asm.shift_ri(ShiftOp::Sar, Size::S64, d, (imm & 31) as u8);
                }
            }
            O::ShiftLogicalLeftImmAlt64 => shift_alt(asm, Size::S64, Assembler::shlx),
            O::ShiftLogicalRightImmAlt64 => shift_alt(asm, Size::S64, Assembler::shrx),
            O::ShiftArithmeticRightImmAlt64 => shift_alt(asm, Size::S64, Assembler::sarx),
            O::ShiftLogicalLeftImmAlt32 => shift_alt(asm, Size::S32, Assembler::shlx),
            O::ShiftLogicalRightImmAlt32 => shift_alt(asm, Size::S32, Assembler::shrx),
            O::ShiftArithmeticRightImmAlt32 => shift_alt(asm, Size::S32, Assembler::sarx),
            O::RotateRightImm64 => asm.rorx(Size::S64, d, b, (imm & 63) as u8),
            O::RotateRightImm32 => {
                asm.rorx(Size::S32, d, b, (imm & 31) as u8);
                if extend {
                    sext32(asm, d, d);
                }
            }
            O::RotateRightImmAlt64 | O::RotateRightImmAlt32 => {
                let size = if opcode == O::RotateRightImmAlt64 { Size::S64 } else { Size::S32 };
                asm.mov_rr(Size::S32, TMP, b);
                asm.mov_ri(Size::S64, d, simm);
                asm.shift_rcl(ShiftOp::Ror, size, d);
                if size == Size::S32 && extend {
                    sext32(asm, d, d);
                }
            }
            O::NegateAndAddImm64 => {
                if d == b {
                    asm.neg(Size::S64, d);
                    if imm != 0 {
                        asm.alu_ri(AluOp::Add, Size::S64, d, simm);
                    }
                } else {
                    asm.mov_ri(Size::S64, d, simm);
                    asm.alu_rr(AluOp::Sub, Size::S64, d, b);
                }
            }
            O::NegateAndAddImm32 => {
                asm.mov_ri(Size::S32, TMP, simm);
                asm.alu_rr(AluOp::Sub, Size::S32, TMP, b);
                sext32(asm, d, TMP);
            }
            O::CmovIfZeroImm | O::CmovIfNotZeroImm => {
                asm.mov_ri(Size::S64, TMP, simm);
                asm.test_rr(Size::S64, b, b);
                let cond = if opcode == O::CmovIfZeroImm { Cond::E } else { Cond::Ne };
                asm.cmov_rr(cond, Size::S64, d, TMP);
            }
            _ => return false,
        }
        true
    }

    /// Two-register operations (`d = op(s)`) and immediates loads; `false` otherwise.
    #[inline(always)]
    pub(super) fn alu2(&mut self, opcode: Opcode, d: H, s: H) -> bool {
        let asm = &mut self.asm;
        use Opcode as O;
        match opcode {
            O::MoveReg if d == s => {}
            O::MoveReg => asm.mov_rr(Size::S64, d, s),
            O::CountSetBits64 => asm.popcnt(Size::S64, d, s),
            O::CountSetBits32 => asm.popcnt(Size::S32, d, s),
            O::CountLeadingZeroBits64 => asm.lzcnt(Size::S64, d, s),
            O::CountLeadingZeroBits32 => asm.lzcnt(Size::S32, d, s),
            O::CountTrailingZeroBits64 => asm.tzcnt(Size::S64, d, s),
            O::CountTrailingZeroBits32 => asm.tzcnt(Size::S32, d, s),
            O::SignExtend8 => asm.movsx(Size::S64, Width::W8, d, s),
            O::SignExtend16 => asm.movsx(Size::S64, Width::W16, d, s),
            O::ZeroExtend16 => asm.movzx(Width::W16, d, s),
            O::ReverseBytes => {
                if d != s {
                    asm.mov_rr(Size::S64, d, s);
                }
                asm.bswap(Size::S64, d);
            }
            _ => return false,
        }
        true
    }
}
