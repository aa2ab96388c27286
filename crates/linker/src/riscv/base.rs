//! Decoding of 32-bit (non-compressed) instructions.

use super::{
    AtomicOp, BranchKind, DecodeError, Inst, LoadKind, RegImmKind, RegRegKind, StoreKind, UnaryKind, Xlen,
};

/// Major opcodes (bits 6..0).
mod opcode {
    pub const LOAD: u32 = 0b000_0011;
    pub const CUSTOM_0: u32 = 0b000_1011;
    pub const MISC_MEM: u32 = 0b000_1111;
    pub const OP_IMM: u32 = 0b001_0011;
    pub const AUIPC: u32 = 0b001_0111;
    pub const OP_IMM_32: u32 = 0b001_1011;
    pub const STORE: u32 = 0b010_0011;
    pub const AMO: u32 = 0b010_1111;
    pub const OP: u32 = 0b011_0011;
    pub const LUI: u32 = 0b011_0111;
    pub const OP_32: u32 = 0b011_1011;
    pub const BRANCH: u32 = 0b110_0011;
    pub const JALR: u32 = 0b110_0111;
    pub const JAL: u32 = 0b110_1111;
    pub const SYSTEM: u32 = 0b111_0011;
}

/// The fixed fields of a 32-bit instruction word.
#[derive(Copy, Clone)]
struct Fields {
    word: u32,
    rd: u8,
    rs1: u8,
    rs2: u8,
    funct3: u32,
    funct7: u32,
}

impl Fields {
    fn new(word: u32) -> Self {
        Fields {
            word,
            rd: reg(word, 7),
            rs1: reg(word, 15),
            rs2: reg(word, 20),
            funct3: (word >> 12) & 0b111,
            funct7: word >> 25,
        }
    }

    fn unsupported<T>(self) -> Result<T, DecodeError> {
        Err(DecodeError::Unsupported(self.word))
    }

    fn reserved<T>(self) -> Result<T, DecodeError> {
        Err(DecodeError::Reserved(self.word))
    }

    /// The 12-bit immediate of an I-type instruction, unsigned (used for exact matches).
    fn imm12(self) -> u32 {
        self.word >> 20
    }

    fn reg_imm(self, kind: RegImmKind, imm: i32) -> Result<Inst, DecodeError> {
        Ok(Inst::RegImm { kind, rd: self.rd, rs1: self.rs1, imm })
    }

    fn reg_reg(self, kind: RegRegKind) -> Result<Inst, DecodeError> {
        Ok(Inst::RegReg { kind, rd: self.rd, rs1: self.rs1, rs2: self.rs2 })
    }

    fn unary(self, kind: UnaryKind) -> Result<Inst, DecodeError> {
        Ok(Inst::Unary { kind, rd: self.rd, rs1: self.rs1 })
    }
}

/// Extracts the 5-bit register field starting at bit `lo`.
fn reg(word: u32, lo: u32) -> u8 {
    ((word >> lo) & 0b1_1111) as u8
}

/// I-type immediate: bits 31..20, sign-extended.
fn imm_i(word: u32) -> i32 {
    (word as i32) >> 20
}

/// S-type immediate: bits 31..25 and 11..7, sign-extended.
fn imm_s(word: u32) -> i32 {
    (((word as i32) >> 25) << 5) | ((word >> 7) & 0b1_1111) as i32
}

/// B-type immediate: imm[12|10:5] in bits 31..25, imm[4:1|11] in bits 11..7.
fn imm_b(word: u32) -> i32 {
    let sign = ((word as i32) >> 31) << 12;
    let rest = (((word >> 7) & 1) << 11) | (((word >> 25) & 0b11_1111) << 5) | (((word >> 8) & 0b1111) << 1);
    sign | rest as i32
}

/// J-type immediate: imm[20|10:1|11|19:12] in bits 31..12.
fn imm_j(word: u32) -> i32 {
    let sign = ((word as i32) >> 31) << 20;
    let rest = (word & 0x000f_f000) | (((word >> 20) & 1) << 11) | (((word >> 21) & 0x3ff) << 1);
    sign | rest as i32
}

/// Decodes a 32-bit instruction word (whose low two bits are `0b11`).
pub(super) fn decode32(word: u32, xlen: Xlen) -> Result<Inst, DecodeError> {
    let f = Fields::new(word);
    match word & 0x7f {
        opcode::LUI => Ok(Inst::Lui { rd: f.rd, imm: (word & 0xffff_f000) as i32 }),
        opcode::AUIPC => Ok(Inst::Auipc { rd: f.rd, imm: (word & 0xffff_f000) as i32 }),
        opcode::JAL => Ok(Inst::Jal { rd: f.rd, offset: imm_j(word) }),
        opcode::JALR if f.funct3 == 0 => Ok(Inst::Jalr { rd: f.rd, rs1: f.rs1, offset: imm_i(word) }),
        opcode::BRANCH => branch(f),
        opcode::LOAD => load(f, xlen),
        opcode::STORE => store(f, xlen),
        opcode::OP_IMM => op_imm(f, xlen),
        opcode::OP_IMM_32 if xlen == Xlen::Rv64 => op_imm_32(f),
        opcode::OP => op(f, xlen),
        opcode::OP_32 if xlen == Xlen::Rv64 => op_32(f),
        opcode::MISC_MEM => match f.funct3 {
            // fence (including fence.tso and pause) and fence.i (Zifencei).
            0 | 1 => Ok(Inst::Fence),
            _ => f.unsupported(),
        },
        opcode::SYSTEM => match word {
            0x0000_0073 => Ok(Inst::Ecall),
            0x0010_0073 => Ok(Inst::Ebreak),
            // `unimp`: csrrw x0, cycle, x0.
            0xc000_1073 => Ok(Inst::Unimp),
            _ => f.unsupported(),
        },
        opcode::AMO => atomic(f, xlen),
        opcode::CUSTOM_0 => custom0(f),
        _ => f.unsupported(),
    }
}

fn branch(f: Fields) -> Result<Inst, DecodeError> {
    let kind = match f.funct3 {
        0b000 => BranchKind::Eq,
        0b001 => BranchKind::Ne,
        0b100 => BranchKind::Lt,
        0b101 => BranchKind::Ge,
        0b110 => BranchKind::Ltu,
        0b111 => BranchKind::Geu,
        _ => return f.unsupported(),
    };
    Ok(Inst::Branch { kind, rs1: f.rs1, rs2: f.rs2, offset: imm_b(f.word) })
}

fn load(f: Fields, xlen: Xlen) -> Result<Inst, DecodeError> {
    let kind = match (f.funct3, xlen) {
        (0b000, _) => LoadKind::I8,
        (0b001, _) => LoadKind::I16,
        (0b010, _) => LoadKind::I32,
        (0b011, Xlen::Rv64) => LoadKind::U64,
        (0b100, _) => LoadKind::U8,
        (0b101, _) => LoadKind::U16,
        (0b110, Xlen::Rv64) => LoadKind::U32,
        _ => return f.unsupported(),
    };
    Ok(Inst::Load { kind, rd: f.rd, base: f.rs1, offset: imm_i(f.word) })
}

fn store(f: Fields, xlen: Xlen) -> Result<Inst, DecodeError> {
    let kind = match (f.funct3, xlen) {
        (0b000, _) => StoreKind::U8,
        (0b001, _) => StoreKind::U16,
        (0b010, _) => StoreKind::U32,
        (0b011, Xlen::Rv64) => StoreKind::U64,
        _ => return f.unsupported(),
    };
    Ok(Inst::Store { kind, base: f.rs1, src: f.rs2, offset: imm_s(f.word) })
}

/// OP-IMM: `addi`..`andi`, the immediate shifts, and the Zbb immediate/unary forms.
fn op_imm(f: Fields, xlen: Xlen) -> Result<Inst, DecodeError> {
    let imm = imm_i(f.word);
    let kind = match f.funct3 {
        0b000 => RegImmKind::Add,
        0b010 => RegImmKind::Slt,
        0b011 => RegImmKind::Sltu,
        0b100 => RegImmKind::Xor,
        0b110 => RegImmKind::Or,
        0b111 => RegImmKind::And,
        0b001 => {
            return match f.imm12() {
                0x600 => f.unary(UnaryKind::Clz),
                0x601 => f.unary(UnaryKind::Ctz),
                0x602 => f.unary(UnaryKind::Cpop),
                0x604 => f.unary(UnaryKind::SextB),
                0x605 => f.unary(UnaryKind::SextH),
                imm12 if imm12 >> 6 == 0 => shift(f, RegImmKind::Sll, xlen),
                _ => f.unsupported(),
            };
        }
        _ => {
            return match (f.imm12(), xlen) {
                (0x287, _) => f.unary(UnaryKind::OrcB),
                (0x6b8, Xlen::Rv64) | (0x698, Xlen::Rv32) => f.unary(UnaryKind::Rev8),
                (imm12, _) => match imm12 >> 6 {
                    0b00_0000 => shift(f, RegImmKind::Srl, xlen),
                    0b01_0000 => shift(f, RegImmKind::Sra, xlen),
                    0b01_1000 => shift(f, RegImmKind::Ror, xlen),
                    _ => f.unsupported(),
                },
            };
        }
    };
    f.reg_imm(kind, imm)
}

/// An XLEN-wide immediate shift or rotate; the shift amount is imm[5:0] (imm[4:0] on RV32).
fn shift(f: Fields, kind: RegImmKind, xlen: Xlen) -> Result<Inst, DecodeError> {
    let shamt = f.imm12() & 0b11_1111;
    if xlen == Xlen::Rv32 && shamt & 0b10_0000 != 0 {
        return f.reserved();
    }
    f.reg_imm(kind, shamt as i32)
}

/// OP-IMM-32 (RV64 only): `addiw`, the word shifts and the Zbb word forms.
fn op_imm_32(f: Fields) -> Result<Inst, DecodeError> {
    let shamt = i32::from(f.rs2);
    match (f.funct3, f.funct7) {
        (0b000, _) => f.reg_imm(RegImmKind::AddW, imm_i(f.word)),
        (0b001, 0b000_0000) => f.reg_imm(RegImmKind::SllW, shamt),
        (0b001, 0b011_0000) => match f.rs2 {
            0 => f.unary(UnaryKind::ClzW),
            1 => f.unary(UnaryKind::CtzW),
            2 => f.unary(UnaryKind::CpopW),
            _ => f.unsupported(),
        },
        (0b101, 0b000_0000) => f.reg_imm(RegImmKind::SrlW, shamt),
        (0b101, 0b010_0000) => f.reg_imm(RegImmKind::SraW, shamt),
        (0b101, 0b011_0000) => f.reg_imm(RegImmKind::RorW, shamt),
        // A word shift with shamt[5] set.
        (0b001, 0b000_0001) | (0b101, 0b000_0001 | 0b010_0001 | 0b011_0001) => f.reserved(),
        _ => f.unsupported(),
    }
}

/// OP: base, M and Zbb register-register instructions.
fn op(f: Fields, xlen: Xlen) -> Result<Inst, DecodeError> {
    use RegRegKind as K;
    let kind = match (f.funct7, f.funct3) {
        (0b000_0000, 0b000) => K::Add,
        (0b000_0000, 0b001) => K::Sll,
        (0b000_0000, 0b010) => K::Slt,
        (0b000_0000, 0b011) => K::Sltu,
        (0b000_0000, 0b100) => K::Xor,
        (0b000_0000, 0b101) => K::Srl,
        (0b000_0000, 0b110) => K::Or,
        (0b000_0000, 0b111) => K::And,
        (0b010_0000, 0b000) => K::Sub,
        (0b010_0000, 0b100) => K::Xnor,
        (0b010_0000, 0b101) => K::Sra,
        (0b010_0000, 0b110) => K::OrN,
        (0b010_0000, 0b111) => K::AndN,
        (0b000_0001, 0b000) => K::Mul,
        (0b000_0001, 0b001) => K::Mulh,
        (0b000_0001, 0b010) => K::Mulhsu,
        (0b000_0001, 0b011) => K::Mulhu,
        (0b000_0001, 0b100) => K::Div,
        (0b000_0001, 0b101) => K::Divu,
        (0b000_0001, 0b110) => K::Rem,
        (0b000_0001, 0b111) => K::Remu,
        (0b000_0101, 0b100) => K::Min,
        (0b000_0101, 0b101) => K::MinU,
        (0b000_0101, 0b110) => K::Max,
        (0b000_0101, 0b111) => K::MaxU,
        (0b011_0000, 0b001) => K::Rol,
        (0b011_0000, 0b101) => K::Ror,
        // zext.h on RV32 shares the encoding of `pack rd, rs1, x0`.
        (0b000_0100, 0b100) if xlen == Xlen::Rv32 && f.rs2 == 0 => return f.unary(UnaryKind::ZextH),
        _ => return f.unsupported(),
    };
    f.reg_reg(kind)
}

/// OP-32 (RV64 only): word-sized base, M and Zbb register-register instructions.
fn op_32(f: Fields) -> Result<Inst, DecodeError> {
    use RegRegKind as K;
    let kind = match (f.funct7, f.funct3) {
        (0b000_0000, 0b000) => K::AddW,
        (0b000_0000, 0b001) => K::SllW,
        (0b000_0000, 0b101) => K::SrlW,
        (0b010_0000, 0b000) => K::SubW,
        (0b010_0000, 0b101) => K::SraW,
        (0b000_0001, 0b000) => K::MulW,
        (0b000_0001, 0b100) => K::DivW,
        (0b000_0001, 0b101) => K::DivuW,
        (0b000_0001, 0b110) => K::RemW,
        (0b000_0001, 0b111) => K::RemuW,
        (0b011_0000, 0b001) => K::RolW,
        (0b011_0000, 0b101) => K::RorW,
        // zext.h on RV64 shares the encoding of `packw rd, rs1, x0`.
        (0b000_0100, 0b100) if f.rs2 == 0 => return f.unary(UnaryKind::ZextH),
        _ => return f.unsupported(),
    };
    f.reg_reg(kind)
}

/// AMO: `lr`, `sc` and the `amo*` instructions (`aq`/`rl` ignored).
fn atomic(f: Fields, xlen: Xlen) -> Result<Inst, DecodeError> {
    let wide = match (f.funct3, xlen) {
        (0b010, _) => false,
        (0b011, Xlen::Rv64) => true,
        _ => return f.unsupported(),
    };
    let op = match f.funct7 >> 2 {
        0b00010 if f.rs2 != 0 => return f.reserved(),
        0b00010 => AtomicOp::Lr,
        0b00011 => AtomicOp::Sc,
        0b00001 => AtomicOp::Swap,
        0b00000 => AtomicOp::Add,
        0b00100 => AtomicOp::Xor,
        0b01100 => AtomicOp::And,
        0b01000 => AtomicOp::Or,
        0b10000 => AtomicOp::Min,
        0b10100 => AtomicOp::Max,
        0b11000 => AtomicOp::MinU,
        0b11100 => AtomicOp::MaxU,
        _ => return f.unsupported(),
    };
    Ok(Inst::Atomic { op, wide, rd: f.rd, addr: f.rs1, src: f.rs2 })
}

/// custom-0: the T-Head conditional moves and the PolkaVM custom instructions.
fn custom0(f: Fields) -> Result<Inst, DecodeError> {
    match (f.funct3, f.funct7) {
        (0b001, 0b010_0000) => f.reg_reg(RegRegKind::CmovEqz),
        (0b001, 0b010_0001) => f.reg_reg(RegRegKind::CmovNez),
        // The host-call marker is exactly one word; anything else with funct3 = 0 is unknown.
        (0b000, _) if f.word != opcode::CUSTOM_0 => f.unsupported(),
        (0b000..=0b011, 0) => Ok(Inst::Custom0 { funct3: f.funct3 as u8, rd: f.rd, rs1: f.rs1, rs2: f.rs2 }),
        _ => f.unsupported(),
    }
}
