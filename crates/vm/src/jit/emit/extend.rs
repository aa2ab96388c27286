//! Sign extensions nothing reads, and sign extensions put off until something reads them.
//!
//! A 32-bit result is sign-extended to 64 bits (a `movsxd` after the 32-bit x86 operation,
//! which zero-extends). Two cases leave it out:
//!
//! * the next instruction overwrites the register reading only its low half, as clang's RV64
//!   code does in chains of `addw`/`subw` or before a mask (outside the walk: side entries);
//! * during the walk, any 32-bit result: its register is *stale* (its low half is the value's,
//!   its high half is not yet the sign extension) until an instruction that needs the whole
//!   register, where the `movsxd` is emitted ([`Compiler::settle`]). Instructions that read
//!   only low halves leave stale registers as they are, and bitwise operations (and moves) of
//!   stale registers only give a stale result: the low half of `a ^ b` is the `^` of the low
//!   halves, and the sign extension of the low half of `a ^ b` is the `^` of theirs. So the
//!   `Σ` functions of SHA-256 (three 32-bit rotations, two `xor`s) extend once, not three
//!   times. Anything that can fault, leave the code, end the block, be fused with what follows
//!   or read the destination extends every stale register first: whoever looks at the
//!   registers (a fault, a host call, the next block, a fresh start, which loads whole
//!   registers from the `Cpu` and for which whole registers are stale ones too) sees them
//!   whole.

use asm::{Size, Width};
use isa::decode::operands_from_chunk;
use isa::decode::Position;
use isa::{DecodedKind, Opcode, Operands as P, Reg, OPCODE_COUNT};

use super::{concat, Compiler, HOST};

/// The 32-bit operations both sign-extended in place when compiled and reading only the low
/// half of their register operands (and unable to fault).
const THIRTY_TWO_BIT: [Opcode; 13] = {
    use Opcode as O;
    [
        O::Add32,
        O::Sub32,
        O::Mul32,
        O::ShiftLogicalLeft32,
        O::ShiftLogicalRight32,
        O::ShiftArithmeticRight32,
        O::RotateLeft32,
        O::RotateRight32,
        O::AddImm32,
        O::MulImm32,
        O::ShiftLogicalLeftImm32,
        O::ShiftLogicalRightImm32,
        O::RotateRightImm32,
    ]
};

/// The instructions whose 32-bit result `Compiler::alu3` and `Compiler::alu_imm` sign-
/// extend in place, which they can leave out when the result's high half is dead.
const EXTENDED_IN_PLACE: [Opcode; 17] = concat(
    &THIRTY_TWO_BIT,
    &[
        Opcode::ShiftLogicalLeftImmAlt32,
        Opcode::ShiftLogicalRightImmAlt32,
        Opcode::ShiftArithmeticRightImmAlt32,
        Opcode::RotateRightImmAlt32,
    ],
);

/// Instructions that cannot fault and read only the low 32 bits of every register operand
/// (as compiled here too), and `and_imm` (whose non-negative masks read at most 31 bits).
const LOW_HALF_READERS: [Opcode; 15] =
    concat(&THIRTY_TWO_BIT, &[Opcode::ShiftArithmeticRightImm32, Opcode::AndImm]);

/// What an instruction needs of the stale registers it reads (see [`Compiler::settle`]).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Needs {
    /// Every stale register extended: the instruction can fault, leave the code, end the
    /// block or start a fused group, or reads its destination (or is not worth the look).
    All,
    /// Nothing: it reads only the low halves of its registers and cannot fault.
    Nothing,
    /// Nothing when all its register operands are stale (its result is stale too), else its
    /// stale ones extended: a bitwise operation or a move, which cannot fault.
    Bitwise,
    /// Its stale register operands extended: it reads them whole and cannot fault.
    Whole,
}

/// [`Needs`] by [`Opcode::index`].
static NEEDS: [Needs; OPCODE_COUNT] = {
    let mut table = [Needs::All; OPCODE_COUNT];
    let mut i = 0;
    while i < OPCODE_COUNT {
        table[i] = needs(Opcode::ALL[i]);
        i += 1;
    }
    table
};

/// What `opcode` needs of stale registers, as compiled here.
const fn needs(opcode: Opcode) -> Needs {
    use Opcode as O;
    match opcode {
        O::Add32
        | O::Sub32
        | O::Mul32
        | O::ShiftLogicalLeft32
        | O::ShiftLogicalRight32
        | O::ShiftArithmeticRight32
        | O::RotateLeft32
        | O::RotateRight32
        | O::AddImm32
        | O::MulImm32
        | O::ShiftLogicalLeftImm32
        | O::ShiftLogicalRightImm32
        | O::ShiftArithmeticRightImm32
        | O::RotateRightImm32
        | O::ShiftLogicalLeftImmAlt32
        | O::ShiftLogicalRightImmAlt32
        | O::ShiftArithmeticRightImmAlt32
        | O::RotateRightImmAlt32
        | O::NegateAndAddImm32
        | O::CountSetBits32
        | O::CountLeadingZeroBits32
        | O::CountTrailingZeroBits32
        | O::SignExtend8
        | O::SignExtend16
        | O::ZeroExtend16 => Needs::Nothing,
        O::And | O::Or | O::Xor | O::AndInverted | O::OrInverted | O::Xnor => Needs::Bitwise,
        O::AndImm | O::OrImm | O::XorImm | O::MoveReg => Needs::Bitwise,
        // (Not `add_64`, `mul_64` and `shift_logical_left_imm_64`, which can start a fused
        // group; nor the conditional moves, which read their destination; nor division.)
        O::Sub64
        | O::ShiftLogicalLeft64
        | O::ShiftLogicalRight64
        | O::ShiftArithmeticRight64
        | O::RotateLeft64
        | O::RotateRight64
        | O::SetLessThanUnsigned
        | O::SetLessThanSigned
        | O::Maximum
        | O::Minimum
        | O::MaximumUnsigned
        | O::MinimumUnsigned
        | O::MulUpperSignedSigned
        | O::MulUpperUnsignedUnsigned
        | O::MulUpperSignedUnsigned
        | O::AddImm64
        | O::MulImm64
        | O::SetLessThanUnsignedImm
        | O::SetLessThanSignedImm
        | O::SetGreaterThanUnsignedImm
        | O::SetGreaterThanSignedImm
        | O::ShiftLogicalRightImm64
        | O::ShiftArithmeticRightImm64
        | O::ShiftLogicalLeftImmAlt64
        | O::ShiftLogicalRightImmAlt64
        | O::ShiftArithmeticRightImmAlt64
        | O::RotateRightImm64
        | O::RotateRightImmAlt64
        | O::NegateAndAddImm64
        | O::LoadImm
        | O::LoadImm64
        | O::CountSetBits64
        | O::CountLeadingZeroBits64
        | O::CountTrailingZeroBits64
        | O::ReverseBytes => Needs::Whole,
        _ => Needs::All,
    }
}

/// Whether `opcode` with immediate `imm` gives a whole register even when it leaves out its
/// extension (`sext.w` itself; a logical right shift by at least one clears bit 31).
pub(super) fn whole_anyway(opcode: Opcode, imm: u32) -> bool {
    match opcode {
        Opcode::AddImm32 => imm == 0,
        Opcode::ShiftLogicalRightImm32 => imm & 31 != 0,
        _ => false,
    }
}

/// The same for a three-register `opcode` writing `d` from `a` and `b`: computed in scratch
/// (`d` is neither operand, or `b` of a subtraction), its extension is the move into place.
pub(super) fn whole_anyway3(opcode: Opcode, d: Reg, a: Reg, b: Reg) -> bool {
    match opcode {
        Opcode::Add32 | Opcode::Mul32 => d != a && d != b,
        Opcode::Sub32 => d != a,
        _ => false,
    }
}

/// What a handler returns, instead of a number of fused instructions, when it leaves its
/// register stale: the walk then settles each instruction until none is.
pub(super) const STALE: u32 = 1 << 31;

/// The bit of `reg` in a set of registers.
const fn bit(reg: Reg) -> u16 {
    1 << reg.index()
}

impl Compiler<'_> {
    /// Whether the 32-bit result of `opcode`, written to guest register `d`, is to be
    /// sign-extended now. During the walk it never is (`d` becomes stale: [`Self::settle`]);
    /// elsewhere (side entries), not when the instruction at `next` (in the same block:
    /// `opcode` does not end one) overwrites `d` reading only its low half, which makes the
    /// extension dead. Nothing can stop the code between the two (neither can fault, and gas
    /// is charged per block), and a start at `next` loads the registers from the `Cpu`.
    #[inline(always)]
    pub(super) fn extends(&mut self, opcode: Opcode, next: u32, d: Reg) -> bool {
        if !EXTENDED_IN_PLACE.contains(&opcode) {
            return true;
        }
        if !self.deferring {
            return !self.overwrites_reading_low_half(next, d);
        }
        self.stale |= bit(d);
        false
    }

    /// Before the instruction at `p` (not inside a fused group) while some registers are
    /// stale: extends those it needs whole ([`Needs`]), records which are stale after it (its
    /// destination is, when a bitwise operation of stale registers only; the handler of a
    /// 32-bit operation marks its own), then records the instruction's start: after the
    /// extensions, where retries and fresh starts come in with whole registers (and, if some
    /// registers stay stale there, as a stale start).
    #[inline(never)]
    pub(super) fn settle(&mut self, p: Position) {
        self.settle_before(p);
        self.insts.push((self.asm.offset(), p.pc));
        if self.stale != 0 {
            self.stale_starts.push(p.pc);
        }
    }

    /// [`Self::settle`]'s extensions and bookkeeping.
    #[inline(always)]
    fn settle_before(&mut self, p: Position) {
        let opcode = p.opcode;
        let needs = NEEDS[opcode.index()];
        if p.kind != DecodedKind::Valid || needs == Needs::All {
            return self.extend_stale(self.stale);
        }
        let chunk = self.view.operand_chunk(p.pc);
        // (The operands of a `Needs` other than `All` are one of these.)
        let (d, sources, low_mask) = match operands_from_chunk(opcode, p.pc, chunk, p.len - 1) {
            P::RegRegReg { d, s1, s2 } => (d, bit(s1) | bit(s2), false),
            // A non-negative mask reads at most 31 bits and clears the high half.
            P::RegRegImm { a, b, imm } => (a, bit(b), opcode == Opcode::AndImm && imm as i32 >= 0),
            P::RegReg { d, s } => (d, bit(s), false),
            P::RegImm { reg, .. } | P::RegImm64 { reg, .. } => (reg, 0, false),
            _ => return self.extend_stale(self.stale),
        };
        let stale = sources & self.stale;
        match needs {
            Needs::Bitwise if low_mask => {}
            Needs::Bitwise if stale == sources => {
                self.stale |= bit(d);
                return;
            }
            Needs::Nothing => {}
            _ => self.extend_stale(stale),
        }
        self.stale &= !bit(d);
    }

    /// Sign-extends the registers of `set` (stale ones) in place.
    pub(super) fn extend_stale(&mut self, set: u16) {
        let mut left = set;
        while left != 0 {
            let host = HOST[left.trailing_zeros() as usize];
            self.asm.movsx(Size::S64, Width::W32, host, host);
            left &= left - 1;
        }
        self.stale &= !set;
    }

    /// Whether the instruction at `next` is one of [`LOW_HALF_READERS`] writing `d` (with a
    /// non-negative mask, if an `and_imm`).
    #[inline(never)]
    fn overwrites_reading_low_half(&self, next: u32, d: Reg) -> bool {
        let Some(reader) = self.partner_at(next, &LOW_HALF_READERS) else { return false };
        match reader.operands {
            P::RegRegReg { d: written, .. } => written == d,
            P::RegRegImm { a: written, imm, .. } => {
                written == d && (reader.opcode != Opcode::AndImm || (imm as i32) >= 0)
            }
            _ => false,
        }
    }
}
