//! Lowering RISC-V arithmetic to PVM instructions, including the forms that read `x0`
//! (PVM has no zero register: they become immediate forms, moves or constants).

use isa::{Instruction, Opcode, Operands, Reg};

use crate::riscv::{RegImmKind, RegRegKind, UnaryKind};

/// `op d, s1, s2`.
pub fn rrr(opcode: Opcode, d: Reg, s1: Reg, s2: Reg) -> Instruction {
    Instruction { opcode, operands: Operands::RegRegReg { d, s1, s2 } }
}

/// `op a, b, imm` (`a` = destination or stored value, `b` = source or base).
pub fn rri(opcode: Opcode, a: Reg, b: Reg, imm: u64) -> Instruction {
    Instruction { opcode, operands: Operands::RegRegImm { a, b, imm: imm as u32 } }
}

/// `op d, s`.
pub fn rr(opcode: Opcode, d: Reg, s: Reg) -> Instruction {
    Instruction { opcode, operands: Operands::RegReg { d, s } }
}

/// `op reg, imm`.
pub fn ri(opcode: Opcode, reg: Reg, imm: u64) -> Instruction {
    Instruction { opcode, operands: Operands::RegImm { reg, imm: imm as u32 } }
}

/// The shortest instruction that sets `reg` to `value`.
pub fn load_imm(reg: Reg, value: u64) -> Instruction {
    if value as i64 == i64::from(value as i32) {
        ri(Opcode::LoadImm, reg, value)
    } else {
        Instruction { opcode: Opcode::LoadImm64, operands: Operands::RegImm64 { reg, imm: value } }
    }
}

/// `x` sign-extended from its low 32 bits.
pub(crate) fn sext32(x: u64) -> u64 {
    x as u32 as i32 as i64 as u64
}

/// The PVM opcode computing `kind` on two registers.
pub fn reg_reg_opcode(kind: RegRegKind) -> Opcode {
    use Opcode as O;
    use RegRegKind as K;
    match kind {
        K::Add => O::Add64,
        K::Sub => O::Sub64,
        K::Sll => O::ShiftLogicalLeft64,
        K::Slt => O::SetLessThanSigned,
        K::Sltu => O::SetLessThanUnsigned,
        K::Xor => O::Xor,
        K::Srl => O::ShiftLogicalRight64,
        K::Sra => O::ShiftArithmeticRight64,
        K::Or => O::Or,
        K::And => O::And,
        K::AddW => O::Add32,
        K::SubW => O::Sub32,
        K::SllW => O::ShiftLogicalLeft32,
        K::SrlW => O::ShiftLogicalRight32,
        K::SraW => O::ShiftArithmeticRight32,
        K::Mul => O::Mul64,
        K::Mulh => O::MulUpperSignedSigned,
        K::Mulhsu => O::MulUpperSignedUnsigned,
        K::Mulhu => O::MulUpperUnsignedUnsigned,
        K::Div => O::DivSigned64,
        K::Divu => O::DivUnsigned64,
        K::Rem => O::RemSigned64,
        K::Remu => O::RemUnsigned64,
        K::MulW => O::Mul32,
        K::DivW => O::DivSigned32,
        K::DivuW => O::DivUnsigned32,
        K::RemW => O::RemSigned32,
        K::RemuW => O::RemUnsigned32,
        K::AndN => O::AndInverted,
        K::OrN => O::OrInverted,
        K::Xnor => O::Xnor,
        K::Max => O::Maximum,
        K::MaxU => O::MaximumUnsigned,
        K::Min => O::Minimum,
        K::MinU => O::MinimumUnsigned,
        K::Rol => O::RotateLeft64,
        K::Ror => O::RotateRight64,
        K::RolW => O::RotateLeft32,
        K::RorW => O::RotateRight32,
        K::CmovEqz => O::CmovIfZero,
        K::CmovNez => O::CmovIfNotZero,
    }
}

/// `rd = kind(rs1, rs2)` where `None` is `x0`. `rd` is not `x0`. Returns the instructions, or
/// an error for the rare forms that would need a scratch register.
pub fn reg_reg(
    kind: RegRegKind,
    rd: Reg,
    rs1: Option<Reg>,
    rs2: Option<Reg>,
) -> Result<Vec<Instruction>, String> {
    use Opcode as O;
    use RegRegKind as K;
    let mv = |s: Reg| if s == rd { vec![] } else { vec![rr(O::MoveReg, rd, s)] };
    let constant = |v: u64| vec![load_imm(rd, v)];
    Ok(match (rs1, rs2) {
        (Some(a), Some(b)) => vec![rrr(reg_reg_opcode(kind), rd, a, b)],
        (Some(a), None) => match kind {
            K::Add
            | K::Sub
            | K::Or
            | K::Xor
            | K::Sll
            | K::Srl
            | K::Sra
            | K::AndN
            | K::Rol
            | K::Ror
            | K::Rem
            | K::Remu => mv(a),
            K::And | K::Mul | K::Mulh | K::Mulhsu | K::Mulhu | K::Sltu | K::MulW => constant(0),
            K::Div | K::Divu | K::DivW | K::DivuW | K::OrN => constant(u64::MAX),
            K::Slt => vec![rri(O::SetLessThanSignedImm, rd, a, 0)],
            K::AddW | K::SubW | K::SllW | K::SrlW | K::SraW | K::RemW | K::RemuW | K::RolW | K::RorW => {
                vec![rri(O::AddImm32, rd, a, 0)]
            }
            K::Xnor => vec![rri(O::XorImm, rd, a, u64::MAX)],
            K::CmovEqz => mv(a),
            K::CmovNez => vec![],
            K::Max | K::Min | K::MaxU | K::MinU => with_zero(kind, rd, a, false)?,
        },
        (None, Some(b)) => match kind {
            K::Add | K::Or | K::Xor => mv(b),
            K::Sub => vec![rri(O::NegateAndAddImm64, rd, b, 0)],
            K::SubW => vec![rri(O::NegateAndAddImm32, rd, b, 0)],
            K::AddW => vec![rri(O::AddImm32, rd, b, 0)],
            K::And
            | K::AndN
            | K::Mul
            | K::Mulh
            | K::Mulhsu
            | K::Mulhu
            | K::MulW
            | K::Sll
            | K::Srl
            | K::Sra => constant(0),
            K::SllW | K::SrlW | K::SraW | K::Rol | K::Ror | K::RolW | K::RorW => constant(0),
            K::Slt => vec![rri(O::SetGreaterThanSignedImm, rd, b, 0)],
            K::Sltu => vec![rri(O::SetGreaterThanUnsignedImm, rd, b, 0)],
            K::OrN | K::Xnor => vec![rri(O::XorImm, rd, b, u64::MAX)],
            K::CmovEqz => vec![rri(O::CmovIfZeroImm, rd, b, 0)],
            K::CmovNez => vec![rri(O::CmovIfNotZeroImm, rd, b, 0)],
            K::Div
            | K::Divu
            | K::Rem
            | K::Remu
            | K::DivW
            | K::DivuW
            | K::RemW
            | K::RemuW
            | K::Max
            | K::Min
            | K::MaxU
            | K::MinU => with_zero(kind, rd, b, true)?,
        },
        (None, None) => match kind {
            K::Div | K::Divu | K::DivW | K::DivuW | K::OrN | K::Xnor => constant(u64::MAX),
            K::CmovEqz => constant(0),
            K::CmovNez => vec![],
            _ => constant(0),
        },
    })
}

/// `rd = kind(0, other)` (or `kind(other, 0)`) through `rd` as the zero register.
fn with_zero(kind: RegRegKind, rd: Reg, other: Reg, zero_first: bool) -> Result<Vec<Instruction>, String> {
    if rd == other {
        return Err(format!("{kind:?} of a register with x0 into the same register is not supported"));
    }
    let op = reg_reg_opcode(kind);
    let inst = if zero_first { rrr(op, rd, rd, other) } else { rrr(op, rd, other, rd) };
    Ok(vec![load_imm(rd, 0), inst])
}

/// `rd = kind(rs1, imm)` where `None` is `x0`; `rd` is not `x0`.
pub fn reg_imm(kind: RegImmKind, rd: Reg, rs1: Option<Reg>, imm: i32) -> Vec<Instruction> {
    use Opcode as O;
    use RegImmKind as K;
    let v = imm as i64 as u64;
    let Some(s) = rs1 else {
        let value = match kind {
            K::Add | K::Xor | K::Or => v,
            K::AddW => sext32(v),
            K::Slt => u64::from(0 < imm),
            K::Sltu => u64::from(0 < v),
            K::And | K::Sll | K::Srl | K::Sra | K::SllW | K::SrlW | K::SraW | K::Ror | K::RorW => 0,
        };
        return vec![load_imm(rd, value)];
    };
    if imm == 0 && matches!(kind, K::Add | K::Xor | K::Or | K::Sll | K::Srl | K::Sra | K::Ror) {
        return if s == rd { vec![] } else { vec![rr(O::MoveReg, rd, s)] };
    }
    let op = match kind {
        K::Add => O::AddImm64,
        K::Slt => O::SetLessThanSignedImm,
        K::Sltu => O::SetLessThanUnsignedImm,
        K::Xor => O::XorImm,
        K::Or => O::OrImm,
        K::And => O::AndImm,
        K::Sll => O::ShiftLogicalLeftImm64,
        K::Srl => O::ShiftLogicalRightImm64,
        K::Sra => O::ShiftArithmeticRightImm64,
        K::AddW => O::AddImm32,
        K::SllW => O::ShiftLogicalLeftImm32,
        K::SrlW => O::ShiftLogicalRightImm32,
        K::SraW => O::ShiftArithmeticRightImm32,
        K::Ror => O::RotateRightImm64,
        K::RorW => O::RotateRightImm32,
    };
    vec![rri(op, rd, s, v)]
}

/// `rd = kind(rs1)` where `None` is `x0`; `rd` is not `x0`.
pub fn unary(kind: UnaryKind, rd: Reg, rs1: Option<Reg>) -> Result<Vec<Instruction>, String> {
    use Opcode as O;
    use UnaryKind as K;
    let Some(s) = rs1 else {
        let value = match kind {
            K::Clz | K::Ctz => 64,
            K::ClzW | K::CtzW => 32,
            _ => 0,
        };
        return Ok(vec![load_imm(rd, value)]);
    };
    let op = match kind {
        K::Clz => O::CountLeadingZeroBits64,
        K::ClzW => O::CountLeadingZeroBits32,
        K::Ctz => O::CountTrailingZeroBits64,
        K::CtzW => O::CountTrailingZeroBits32,
        K::Cpop => O::CountSetBits64,
        K::CpopW => O::CountSetBits32,
        K::SextB => O::SignExtend8,
        K::SextH => O::SignExtend16,
        K::ZextH => O::ZeroExtend16,
        K::Rev8 => O::ReverseBytes,
        K::OrcB => return Ok(orc_b(rd, s)),
    };
    Ok(vec![rr(op, rd, s)])
}

/// `orc.b` (each byte becomes 0xff if it is non-zero, else 0x00), which PVM lacks. Per byte
/// `b`: `((b & 0x7f) + 0x7f) | b` has its top bit set exactly when `b != 0`, and no carry leaves
/// the byte; keeping only the top bits, shifting them to the bottom and multiplying by 255
/// fills each byte. The two constants need registers: two that the instruction does not name
/// are borrowed and saved just below the stack pointer, as for AMOs.
fn orc_b(rd: Reg, s: Reg) -> Vec<Instruction> {
    use Opcode as O;
    let busy = |r: Reg| r == rd || r == s || r == Reg::SP;
    let mut free = Reg::ALL.iter().copied().filter(|&r| !busy(r));
    // At most three registers are busy out of thirteen.
    let (low7, t) = (free.next().unwrap_or(Reg::T0), free.next().unwrap_or(Reg::T1));
    vec![
        rri(O::StoreIndirectU64, low7, Reg::SP, (-8i64) as u64),
        rri(O::StoreIndirectU64, t, Reg::SP, (-16i64) as u64),
        load_imm(low7, 0x7f7f_7f7f_7f7f_7f7f),
        rrr(O::And, t, s, low7),
        rrr(O::Add64, t, t, low7),
        rrr(O::Or, t, t, s),
        rrr(O::AndInverted, t, t, low7),
        rri(O::ShiftLogicalRightImm64, t, t, 7),
        rri(O::MulImm64, rd, t, 255),
        rri(O::LoadIndirectU64, low7, Reg::SP, (-8i64) as u64),
        rri(O::LoadIndirectU64, t, Reg::SP, (-16i64) as u64),
    ]
}
