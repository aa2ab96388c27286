//! The operation kinds carried by [`Inst`](super::Inst) variants.

/// Condition of a conditional branch.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BranchKind {
    /// `beq`: branch if `rs1 == rs2`.
    Eq,
    /// `bne`: branch if `rs1 != rs2`.
    Ne,
    /// `blt`: branch if `rs1 < rs2` (signed).
    Lt,
    /// `bge`: branch if `rs1 >= rs2` (signed).
    Ge,
    /// `bltu`: branch if `rs1 < rs2` (unsigned).
    Ltu,
    /// `bgeu`: branch if `rs1 >= rs2` (unsigned).
    Geu,
}

/// Width and extension of a memory load.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoadKind {
    /// `lb`: sign-extended byte.
    I8,
    /// `lbu`: zero-extended byte.
    U8,
    /// `lh`: sign-extended halfword.
    I16,
    /// `lhu`: zero-extended halfword.
    U16,
    /// `lw`: sign-extended word.
    I32,
    /// `lwu` (RV64 only): zero-extended word.
    U32,
    /// `ld` (RV64 only): doubleword.
    U64,
}

/// Width of a memory store.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// `sb`: byte.
    U8,
    /// `sh`: halfword.
    U16,
    /// `sw`: word.
    U32,
    /// `sd` (RV64 only): doubleword.
    U64,
}

/// Operation of a register-immediate instruction (`rd = rs1 op imm`).
///
/// For the shifts and rotates the immediate is the shift amount.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegImmKind {
    /// `addi`.
    Add,
    /// `slti`.
    Slt,
    /// `sltiu` (the immediate is sign-extended, then compared unsigned).
    Sltu,
    /// `xori`.
    Xor,
    /// `ori`.
    Or,
    /// `andi`.
    And,
    /// `slli`.
    Sll,
    /// `srli`.
    Srl,
    /// `srai`.
    Sra,
    /// `addiw` (RV64 only).
    AddW,
    /// `slliw` (RV64 only).
    SllW,
    /// `srliw` (RV64 only).
    SrlW,
    /// `sraiw` (RV64 only).
    SraW,
    /// `rori` (Zbb).
    Ror,
    /// `roriw` (Zbb, RV64 only).
    RorW,
}

/// Operation of a register-register instruction (`rd = rs1 op rs2`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RegRegKind {
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `sll`.
    Sll,
    /// `slt`.
    Slt,
    /// `sltu`.
    Sltu,
    /// `xor`.
    Xor,
    /// `srl`.
    Srl,
    /// `sra`.
    Sra,
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `addw` (RV64 only).
    AddW,
    /// `subw` (RV64 only).
    SubW,
    /// `sllw` (RV64 only).
    SllW,
    /// `srlw` (RV64 only).
    SrlW,
    /// `sraw` (RV64 only).
    SraW,
    /// `mul`.
    Mul,
    /// `mulh`.
    Mulh,
    /// `mulhsu`.
    Mulhsu,
    /// `mulhu`.
    Mulhu,
    /// `div`.
    Div,
    /// `divu`.
    Divu,
    /// `rem`.
    Rem,
    /// `remu`.
    Remu,
    /// `mulw` (RV64 only).
    MulW,
    /// `divw` (RV64 only).
    DivW,
    /// `divuw` (RV64 only).
    DivuW,
    /// `remw` (RV64 only).
    RemW,
    /// `remuw` (RV64 only).
    RemuW,
    /// `andn` (Zbb): `rs1 & !rs2`.
    AndN,
    /// `orn` (Zbb): `rs1 | !rs2`.
    OrN,
    /// `xnor` (Zbb): `!(rs1 ^ rs2)`.
    Xnor,
    /// `max` (Zbb, signed).
    Max,
    /// `maxu` (Zbb, unsigned).
    MaxU,
    /// `min` (Zbb, signed).
    Min,
    /// `minu` (Zbb, unsigned).
    MinU,
    /// `rol` (Zbb).
    Rol,
    /// `ror` (Zbb).
    Ror,
    /// `rolw` (Zbb, RV64 only).
    RolW,
    /// `rorw` (Zbb, RV64 only).
    RorW,
    /// `th.mveqz rd, rs1, rs2`: `if rs2 == 0 { rd = rs1 }`.
    CmovEqz,
    /// `th.mvnez rd, rs1, rs2`: `if rs2 != 0 { rd = rs1 }`.
    CmovNez,
}

/// Operation of a one-operand instruction (`rd = op(rs1)`), all from Zbb.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnaryKind {
    /// `clz`: count leading zeros.
    Clz,
    /// `clzw` (RV64 only): count leading zeros of the low word.
    ClzW,
    /// `ctz`: count trailing zeros.
    Ctz,
    /// `ctzw` (RV64 only): count trailing zeros of the low word.
    CtzW,
    /// `cpop`: population count.
    Cpop,
    /// `cpopw` (RV64 only): population count of the low word.
    CpopW,
    /// `sext.b`: sign-extend the low byte.
    SextB,
    /// `sext.h`: sign-extend the low halfword.
    SextH,
    /// `zext.h`: zero-extend the low halfword.
    ZextH,
    /// `orc.b`: OR-combine each byte.
    OrcB,
    /// `rev8`: reverse the byte order.
    Rev8,
}

/// Operation of an A-extension instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AtomicOp {
    /// `lr`: load-reserved.
    Lr,
    /// `sc`: store-conditional.
    Sc,
    /// `amoswap`.
    Swap,
    /// `amoadd`.
    Add,
    /// `amoxor`.
    Xor,
    /// `amoand`.
    And,
    /// `amoor`.
    Or,
    /// `amomin` (signed).
    Min,
    /// `amomax` (signed).
    Max,
    /// `amominu` (unsigned).
    MinU,
    /// `amomaxu` (unsigned).
    MaxU,
}
