//! High multiplication and division, which x86 ties to `rax`/`rdx` (both guest registers
//! here): they are saved on the native stack around the instruction (a division's destination
//! among them is not: it takes the result before the other is restored), the other operand
//! goes through `rcx`. The unsigned and signed × unsigned high products use BMI2 `mulx`
//! instead (see [`super::fuse`]), which needs only `rdx`. Division never faults: division by
//! zero and the signed overflow case (`MIN / -1`) are tested first and produce the PVM's
//! results (all ones or the dividend for `/ 0`, the wrapped quotient and a zero remainder for
//! `MIN / -1`).

use asm::{AluOp, Cond, Reg as H, Size, Width};
use isa::Opcode;

use super::{Compiler, TMP};

impl Compiler<'_> {
    /// `mul_upper_*` (64-bit programs); `false` if `opcode` is not one of them.
    #[inline(always)]
    pub(super) fn mul_upper(&mut self, opcode: Opcode, d: H, a: H, b: H) -> bool {
        match opcode {
            Opcode::MulUpperSignedSigned => {}
            Opcode::MulUpperUnsignedUnsigned => {
                super::fuse::mul_wide(&mut self.asm, d, d, a, b);
                return true;
            }
            Opcode::MulUpperSignedUnsigned => {
                mul_upper_signed_unsigned(&mut self.asm, d, a, b);
                return true;
            }
            _ => return false,
        }
        let asm = &mut self.asm;
        asm.mov_rr(Size::S64, TMP, b);
        asm.push(H::Rax);
        asm.push(H::Rdx);
        asm.mov_rr(Size::S64, H::Rax, a);
        asm.imul1(Size::S64, TMP);
        asm.mov_rr(Size::S64, TMP, H::Rdx);
        asm.pop(H::Rdx);
        asm.pop(H::Rax);
        asm.mov_rr(Size::S64, d, TMP);
        true
    }

    /// `div_*`/`rem_*`, 32- and 64-bit; `false` if `opcode` is not one of them.
    #[inline(always)]
    pub(super) fn div_rem(&mut self, opcode: Opcode, d: H, a: H, b: H) -> bool {
        use Opcode as O;
        let (size, signed, rem) = match opcode {
            O::DivUnsigned64 => (Size::S64, false, false),
            O::DivSigned64 => (Size::S64, true, false),
            O::RemUnsigned64 => (Size::S64, false, true),
            O::RemSigned64 => (Size::S64, true, true),
            O::DivUnsigned32 => (Size::S32, false, false),
            O::DivSigned32 => (Size::S32, true, false),
            O::RemUnsigned32 => (Size::S32, false, true),
            O::RemSigned32 => (Size::S32, true, true),
            _ => return false,
        };
        let asm = &mut self.asm;
        // Writes `src` (a `size` value) to `d`, sign-extending 32-bit results.
        let result = |asm: &mut asm::Assembler, src: H| {
            if size == Size::S32 {
                asm.movsx(Size::S64, Width::W32, d, src);
            } else {
                asm.mov_rr(Size::S64, d, src);
            }
        };
        let (zero, done) = (asm.new_label(), asm.new_label());
        let minus_one = signed.then(|| asm.new_label());
        asm.mov_rr(size, TMP, b);
        asm.test_rr(size, TMP, TMP);
        asm.jcc(Cond::E, zero);
        if let Some(minus_one) = minus_one {
            asm.cmp_ri(size, TMP, -1);
            asm.jcc(Cond::E, minus_one);
        }
        // `rax` and `rdx` are saved around the division, except the one that is `d`: it gets
        // the result before the other is restored.
        let in_place = d == H::Rax || d == H::Rdx;
        if d != H::Rax {
            asm.push(H::Rax);
        }
        if d != H::Rdx {
            asm.push(H::Rdx);
        }
        asm.mov_rr(size, H::Rax, a);
        match (signed, size) {
            (false, _) => asm.zero(H::Rdx),
            (true, Size::S64) => asm.cqo(),
            (true, Size::S32) => asm.cdq(),
        }
        if signed {
            asm.idiv(size, TMP);
        } else {
            asm.div(size, TMP);
        }
        let src = if rem { H::Rdx } else { H::Rax };
        if in_place {
            if d != src || size == Size::S32 {
                result(asm, src);
            }
            asm.pop(if d == H::Rax { H::Rdx } else { H::Rax });
        } else {
            asm.mov_rr(Size::S64, TMP, src);
            asm.pop(H::Rdx);
            asm.pop(H::Rax);
            result(asm, TMP);
        }
        asm.jmp(done);

        asm.bind(zero);
        if rem {
            result(asm, a);
        } else {
            asm.mov_ri(Size::S64, d, -1);
        }
        if let Some(minus_one) = minus_one {
            asm.jmp(done);
            asm.bind(minus_one);
            if rem {
                asm.zero(d);
            } else {
                asm.mov_rr(size, TMP, a);
                asm.neg(size, TMP);
                result(asm, TMP);
            }
        }
        asm.bind(done);
        true
    }
}

/// `d = mul_upper_signed_unsigned(a, b)`: the unsigned high half (BMI2 `mulx`, whose implicit
/// factor is `rdx`), minus `b` when `a` is negative. The correction, `(a >> 63) & b`, is taken
/// without a branch (the sign of a product's factor is as unpredictable as the data) and
/// before the product, which may overwrite `a` or `b`.
fn mul_upper_signed_unsigned(asm: &mut asm::Assembler, d: H, a: H, b: H) {
    asm.mov_rr(Size::S64, TMP, a);
    asm.sar_ri(Size::S64, TMP, 63);
    asm.alu_rr(AluOp::And, Size::S64, TMP, b);
    if a == H::Rdx {
        asm.mulx(Size::S64, d, d, b);
    } else if b == H::Rdx {
        asm.mulx(Size::S64, d, d, a);
    } else if d == H::Rdx {
        asm.mov_rr(Size::S64, H::Rdx, a);
        asm.mulx(Size::S64, d, d, b);
    } else {
        asm.push(H::Rdx);
        asm.mov_rr(Size::S64, H::Rdx, a);
        asm.mulx(Size::S64, d, d, b);
        asm.pop(H::Rdx);
    }
    asm.alu_rr(AluOp::Sub, Size::S64, d, TMP);
}
