//! Instructions encoded ahead of time. A [`MemTemplate`] holds every byte of `mov reg, [base +
//! disp]` (or a store, a load that extends, or `lea`) except the displacement, so emitting
//! one is a single 8-byte store plus the displacement, with the displacement size picked as
//! [`Assembler::load`] and the others pick it. A [`CodeTemplate`] holds a register move or
//! the start of an immediate load, emitted as one store (and the immediate).
//!
//! A code generator that sees the same few instructions over and over, with registers taken
//! from a small set, can build a table of templates once (the constructors are `const`) and
//! look the registers' encoding up instead of computing REX, ModRM and SIB for each
//! instruction.

use crate::alu::AluOp;
use crate::arith::ShiftOp;
use crate::buffer::Assembler;
use crate::inst::{fits_i8, Inst};
use crate::mem::{Addr, Mem};
use crate::mov::Form;
use crate::reg::{Reg, Size, Width};

/// A register-memory move with a `[base + disp]` operand, encoded but for the displacement.
///
/// The low seven bytes are the instruction up to its displacement, with ModRM's `mod` field
/// zero; the top byte holds how many of them there are (bits 0–2), which of them is ModRM
/// (bits 3–5) and whether the base needs a displacement even when it is zero (`rbp` and
/// `r13`, bit 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemTemplate(u64);

impl MemTemplate {
    /// [`Assembler::load`] of `width` into `dst` from `mem` (whose displacement is ignored).
    ///
    /// # Panics
    ///
    /// If `mem` is not a `[base + disp]` operand.
    pub const fn load(width: Width, dst: Reg, mem: Mem) -> MemTemplate {
        MemTemplate::new(Form::load(width), dst, mem)
    }

    /// [`Assembler::load_sx`] of `width` into `dst` (sign-extended to `size`) from `mem` (whose
    /// displacement is ignored).
    ///
    /// # Panics
    ///
    /// If `mem` is not a `[base + disp]` operand.
    pub const fn load_sx(size: Size, width: Width, dst: Reg, mem: Mem) -> MemTemplate {
        MemTemplate::new(Form::load_sx(size, width), dst, mem)
    }

    /// [`Assembler::lea`] of `mem` (whose displacement is ignored) into `dst`, truncated to
    /// `size`.
    ///
    /// # Panics
    ///
    /// If `mem` is not a `[base + disp]` operand.
    pub const fn lea(size: Size, dst: Reg, mem: Mem) -> MemTemplate {
        MemTemplate::new(Form::lea(size), dst, mem)
    }

    /// [`Assembler::store`] of the low `width` bytes of `src` to `mem` (whose displacement is
    /// ignored).
    ///
    /// # Panics
    ///
    /// If `mem` is not a `[base + disp]` operand.
    pub const fn store(width: Width, mem: Mem, src: Reg) -> MemTemplate {
        MemTemplate::new(Form::store(width, src), src, mem)
    }

    /// The bytes of `form` with `reg` in ModRM's reg field and `mem` as the operand, in the
    /// order `Inst::rm` writes them.
    const fn new(form: Form, reg: Reg, mem: Mem) -> MemTemplate {
        let Addr::Base(base) = mem.addr() else { panic!("a template's operand is [base + disp]") };
        let mut bytes = [0u8; 8];
        let mut n = 0;
        // Writes `$byte` at `n`, counting it if `$keep`.
        macro_rules! put {
            ($byte:expr, $keep:expr) => {{
                bytes[n] = $byte;
                n += $keep as usize;
            }};
        }
        put!(form.prefix, form.prefix != 0);
        put!(0x65, mem.is_gs());
        put!(0x67, mem.is_addr32());
        let rex = ((form.w as u8) << 3) | (reg.high() << 2) | base.high();
        put!(0x40 | rex, rex != 0 || form.force_rex);
        put!((form.op >> 8) as u8, form.op > 0xFF);
        put!(form.op as u8, true);
        let modrm = n;
        let sib = base.low() == 4;
        put!((reg.low() << 3) | if sib { 0b100 } else { base.low() }, true);
        put!(0b00_100_100, sib);
        assert!(n <= 7, "a template holds at most seven bytes");
        bytes[7] = n as u8 | ((modrm as u8) << 3) | (((base.low() == 5) as u8) << 6);
        MemTemplate(u64::from_le_bytes(bytes))
    }
}

/// Up to seven bytes of code fixed in advance, which a 32-bit immediate may follow (given
/// when the template is emitted): register moves and immediate loads, whose encoding a table
/// by register can hold.
///
/// The low seven bytes are the code; the top byte is their count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeTemplate(u64);

impl CodeTemplate {
    /// No code at all.
    pub const EMPTY: CodeTemplate = CodeTemplate(0);

    /// [`Assembler::mov_rr`].
    pub const fn mov_rr(size: Size, dst: Reg, src: Reg) -> CodeTemplate {
        let rex = ((size.w() as u8) << 3) | (src.high() << 2) | dst.high();
        CodeTemplate::of(rex, &[0x89, 0xC0 | (src.low() << 3) | dst.low()])
    }

    /// [`Assembler::alu_rr`].
    pub const fn alu_rr(op: AluOp, size: Size, dst: Reg, src: Reg) -> CodeTemplate {
        let rex = ((size.w() as u8) << 3) | (src.high() << 2) | dst.high();
        CodeTemplate::of(rex, &[((op as u8) << 3) | 1, 0xC0 | (src.low() << 3) | dst.low()])
    }

    /// [`Assembler::imul_rr`].
    pub const fn imul_rr(size: Size, dst: Reg, src: Reg) -> CodeTemplate {
        let rex = ((size.w() as u8) << 3) | (dst.high() << 2) | src.high();
        CodeTemplate::of(rex, &[0x0F, 0xAF, 0xC0 | (dst.low() << 3) | src.low()])
    }

    /// [`Assembler::shift_ri`] by one (`one`), or by any other count, which is to follow
    /// as a byte.
    pub const fn shift_ri(op: ShiftOp, size: Size, dst: Reg, one: bool) -> CodeTemplate {
        let rex = ((size.w() as u8) << 3) | dst.high();
        let opcode = if one { 0xD1 } else { 0xC1 };
        CodeTemplate::of(rex, &[opcode, 0xC0 | ((op as u8) << 3) | dst.low()])
    }

    /// [`Assembler::mov_ri`], the immediate to follow.
    pub const fn mov_ri(size: Size, dst: Reg) -> CodeTemplate {
        match size {
            Size::S32 => CodeTemplate::of(dst.high(), &[0xB8 | dst.low()]),
            Size::S64 => CodeTemplate::of(0b1000 | dst.high(), &[0xC7, 0xC0 | dst.low()]),
        }
    }

    /// A REX prefix with bits `rex` (none if they are all clear) followed by `code`.
    const fn of(rex: u8, code: &[u8]) -> CodeTemplate {
        let mut bytes = [0u8; 8];
        let mut n = 0;
        if rex != 0 {
            bytes[0] = 0x40 | rex;
            n = 1;
        }
        let mut i = 0;
        while i < code.len() {
            bytes[n] = code[i];
            n += 1;
            i += 1;
        }
        bytes[7] = n as u8;
        CodeTemplate(u64::from_le_bytes(bytes))
    }

    /// The number of code bytes.
    const fn len(self) -> usize {
        (self.0 >> 56) as usize
    }
}

impl Inst<'_> {
    /// Writes `template` with displacement `disp` (none, disp8 or disp32, as `Inst::mem`
    /// picks it).
    #[inline(always)]
    fn template(&mut self, template: MemTemplate, disp: i32) {
        let meta = (template.0 >> 56) as u32;
        let (len, modrm, needs_disp) = (meta & 7, (meta >> 3) & 7, (meta >> 6) & 1);
        let nonzero = (disp != 0) | (needs_disp != 0);
        let long = !fits_i8(disp);
        let md = ((nonzero as u64) << 6) << long as u32;
        // (The top byte lands past the instruction, in the window's scratch, or under the
        // displacement.)
        self.le64_keep(template.0 | (md << (modrm * 8)), len as usize);
        self.le32_keep(disp as u32, nonzero as usize * (1 + 3 * long as usize));
    }
}

impl Assembler {
    /// Emits `template` (with no immediate after it).
    #[inline]
    pub fn code_template(&mut self, template: CodeTemplate) {
        emit!(self, |i| i.le64_keep(template.0, template.len()));
    }

    /// Emits `first`, then `second` (one capacity check for both).
    #[inline]
    pub fn code_templates(&mut self, first: CodeTemplate, second: CodeTemplate) {
        emit!(self, |i| {
            i.le64_keep(first.0, first.len());
            i.le64_keep(second.0, second.len());
        });
    }

    /// Emits `first`, then `second`, then `byte` if `keep` (one capacity check for all).
    #[inline]
    pub fn code_templates_byte(&mut self, first: CodeTemplate, second: CodeTemplate, byte: u8, keep: bool) {
        emit!(self, |i| {
            i.le64_keep(first.0, first.len());
            i.le64_keep(second.0, second.len());
            i.byte_if(byte, keep);
        });
    }

    /// Emits `template` followed by the 32-bit immediate `imm`.
    #[inline]
    pub fn code_template_imm32(&mut self, template: CodeTemplate, imm: i32) {
        emit!(self, |i| {
            i.le64_keep(template.0, template.len());
            i.imm32(imm as u32);
        });
    }

    /// Emits `template` with displacement `disp`: the same bytes as the emitter the template
    /// stands for, given the operand with that displacement.
    #[inline]
    pub fn mem_template(&mut self, template: MemTemplate, disp: i32) {
        emit!(self, |i| i.template(template, disp));
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;

    const DISPS: [i32; 10] = [0, 1, -1, 127, -128, 128, -129, 0x1234_5678, i32::MIN, i32::MAX];

    /// Every way the templates' operands are addressed: plain, `gs`, `gs` with 32-bit
    /// addresses.
    fn operands(base: Reg, disp: i32) -> [Mem; 3] {
        let mem = Mem::base(base, disp);
        [mem, mem.gs(), mem.gs().addr32()]
    }

    /// Checks `template` against `emit` for `base` at every displacement, in each addressing.
    fn check(
        template: impl Fn(Mem) -> MemTemplate,
        emit: impl Fn(&mut Assembler, Mem),
        base: Reg,
        what: &str,
    ) {
        for disp in DISPS {
            for (blank, mem) in operands(base, 0).into_iter().zip(operands(base, disp)) {
                let (mut want, mut got) = (Assembler::new(), Assembler::new());
                emit(&mut want, mem);
                got.mem_template(template(blank), disp);
                assert_eq!(got.code(), want.code(), "{what} with {mem:?}");
            }
        }
    }

    #[test]
    fn loads_and_lea_match_the_emitters_for_every_register_pair() {
        for reg in Reg::ALL {
            for base in Reg::ALL {
                for width in Width::ALL {
                    let what = format!("load {width:?} {reg:?}");
                    check(|m| MemTemplate::load(width, reg, m), |a, m| a.load(width, reg, m), base, &what);
                }
                for size in Size::ALL {
                    let what = format!("lea {size:?} {reg:?}");
                    check(|m| MemTemplate::lea(size, reg, m), |a, m| a.lea(size, reg, m), base, &what);
                }
                for width in Width::ALL {
                    for size in Size::ALL {
                        check(
                            |m| MemTemplate::load_sx(size, width, reg, m),
                            |a, m| a.load_sx(size, width, reg, m),
                            base,
                            &format!("load_sx {size:?} {width:?} {reg:?}"),
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn stores_match_the_emitters_for_every_register_pair() {
        for src in Reg::ALL {
            for base in Reg::ALL {
                for width in Width::ALL {
                    let what = format!("store {width:?} {src:?}");
                    check(|m| MemTemplate::store(width, m, src), |a, m| a.store(width, m, src), base, &what);
                }
            }
        }
    }

    #[test]
    fn moves_match_the_emitters_for_every_register_pair() {
        for dst in Reg::ALL {
            for size in Size::ALL {
                for imm in DISPS {
                    let (mut want, mut got) = (Assembler::new(), Assembler::new());
                    want.mov_ri(size, dst, imm);
                    got.code_template_imm32(CodeTemplate::mov_ri(size, dst), imm);
                    assert_eq!(got.code(), want.code(), "mov_ri {size:?} {dst:?}, {imm:#x}");
                }
                for src in Reg::ALL {
                    let (mut want, mut got) = (Assembler::new(), Assembler::new());
                    want.mov_rr(size, dst, src);
                    got.code_template(CodeTemplate::mov_rr(size, dst, src));
                    assert_eq!(got.code(), want.code(), "mov_rr {size:?} {dst:?}, {src:?}");
                }
            }
        }
        let mut asm = Assembler::new();
        asm.code_template(CodeTemplate::EMPTY);
        assert!(asm.is_empty());
    }

    #[test]
    fn operations_and_shifts_match_the_emitters_for_every_register_pair() {
        for dst in Reg::ALL {
            for size in Size::ALL {
                for src in Reg::ALL {
                    for op in AluOp::ALL {
                        let (mut want, mut got) = (Assembler::new(), Assembler::new());
                        want.alu_rr(op, size, dst, src);
                        got.code_template(CodeTemplate::alu_rr(op, size, dst, src));
                        assert_eq!(got.code(), want.code(), "{op:?} {size:?} {dst:?}, {src:?}");
                    }
                    let (mut want, mut got) = (Assembler::new(), Assembler::new());
                    want.imul_rr(size, dst, src);
                    got.code_template(CodeTemplate::imul_rr(size, dst, src));
                    assert_eq!(got.code(), want.code(), "imul {size:?} {dst:?}, {src:?}");
                }
                for op in ShiftOp::ALL {
                    for count in [0u8, 1, 2, 31, 63] {
                        let (mut want, mut got) = (Assembler::new(), Assembler::new());
                        want.shift_ri(op, size, dst, count);
                        let shift = CodeTemplate::shift_ri(op, size, dst, count == 1);
                        got.code_templates_byte(CodeTemplate::EMPTY, shift, count, count != 1);
                        assert_eq!(got.code(), want.code(), "{op:?} {size:?} {dst:?}, {count}");
                    }
                }
            }
        }
    }

    #[test]
    fn two_templates_are_the_two_one_after_the_other() {
        let (first, second) =
            (CodeTemplate::mov_rr(Size::S64, Reg::R9, Reg::Rbx), CodeTemplate::mov_ri(Size::S32, Reg::Rax));
        let (mut want, mut got) = (Assembler::new(), Assembler::new());
        want.code_template(first);
        want.code_template(second);
        got.code_templates(first, second);
        assert_eq!(got.code(), want.code());
        want.data_u8(0x7F);
        got.code_templates_byte(CodeTemplate::EMPTY, CodeTemplate::EMPTY, 0x7F, true);
        got.code_templates_byte(first, second, 0x55, false);
        want.code_template(first);
        want.code_template(second);
        assert_eq!(got.code(), want.code(), "a byte kept, then one dropped");
    }

    #[test]
    fn templates_are_built_at_compile_time() {
        const T: MemTemplate = MemTemplate::load(Width::W64, Reg::Rax, Mem::base(Reg::R13, 0));
        let mut asm = Assembler::new();
        asm.mem_template(T, 0);
        // mov rax, [r13 + 0]: REX.W.B, 8B, ModRM mod=01 reg=000 rm=101, disp8 0.
        assert_eq!(asm.code(), [0x49, 0x8B, 0x45, 0x00]);
    }
}
