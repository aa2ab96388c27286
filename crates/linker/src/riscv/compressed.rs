//! Decoding and expansion of 16-bit compressed (RVC) instructions.

use super::{BranchKind, DecodeError, Inst, LoadKind, RegImmKind, RegRegKind, StoreKind, Xlen};

/// The stack pointer, `x2`.
const SP: u8 = 2;
/// The return-address register, `x1`.
const RA: u8 = 1;

/// A 16-bit instruction and its bit-field accessors.
#[derive(Copy, Clone)]
struct C(u16);

impl C {
    /// `len` bits starting at bit `lo`.
    fn bits(self, lo: u32, len: u32) -> u32 {
        (u32::from(self.0) >> lo) & ((1 << len) - 1)
    }

    /// Bits placed at `dest` in the resulting value: `bits(lo, len) << dest`.
    fn at(self, lo: u32, len: u32, dest: u32) -> u32 {
        self.bits(lo, len) << dest
    }

    /// The full 5-bit `rd`/`rs1` field (bits 11..7).
    fn rd(self) -> u8 {
        self.bits(7, 5) as u8
    }

    /// The full 5-bit `rs2` field (bits 6..2).
    fn rs2(self) -> u8 {
        self.bits(2, 5) as u8
    }

    /// The 3-bit `rs1'`/`rd'` field in bits 9..7, mapped to `x8..=x15`.
    fn rs1_prime(self) -> u8 {
        8 + self.bits(7, 3) as u8
    }

    /// The 3-bit `rs2'`/`rd'` field in bits 4..2, mapped to `x8..=x15`.
    fn rs2_prime(self) -> u8 {
        8 + self.bits(2, 3) as u8
    }

    /// The 6-bit signed immediate imm[5] = bit 12, imm[4:0] = bits 6..2.
    fn imm6(self) -> i32 {
        sign_extend(self.at(12, 1, 5) | self.bits(2, 5), 6)
    }

    /// The 6-bit shift amount shamt[5] = bit 12, shamt[4:0] = bits 6..2.
    fn shamt(self) -> u32 {
        self.at(12, 1, 5) | self.bits(2, 5)
    }

    /// The jump offset of `c.j`/`c.jal`: offset[11|4|9:8|10|6|7|3:1|5] in bits 12..2.
    fn jump_offset(self) -> i32 {
        let value = self.at(12, 1, 11)
            | self.at(11, 1, 4)
            | self.at(9, 2, 8)
            | self.at(8, 1, 10)
            | self.at(7, 1, 6)
            | self.at(6, 1, 7)
            | self.at(3, 3, 1)
            | self.at(2, 1, 5);
        sign_extend(value, 12)
    }

    /// The branch offset of `c.beqz`/`c.bnez`: offset[8|4:3] in bits 12..10,
    /// offset[7:6|2:1|5] in bits 6..2.
    fn branch_offset(self) -> i32 {
        let value =
            self.at(12, 1, 8) | self.at(10, 2, 3) | self.at(5, 2, 6) | self.at(3, 2, 1) | self.at(2, 1, 5);
        sign_extend(value, 9)
    }

    fn raw(self) -> u32 {
        u32::from(self.0)
    }
}

/// Sign-extends the low `bits` bits of `value`.
fn sign_extend(value: u32, bits: u32) -> i32 {
    let unused = 32 - bits;
    ((value << unused) as i32) >> unused
}

fn reg_imm(kind: RegImmKind, rd: u8, rs1: u8, imm: i32) -> Inst {
    Inst::RegImm { kind, rd, rs1, imm }
}

fn reg_reg(kind: RegRegKind, rd: u8, rs1: u8, rs2: u8) -> Inst {
    Inst::RegReg { kind, rd, rs1, rs2 }
}

/// Decodes a 16-bit instruction (whose low two bits are not `0b11`) into its 32-bit expansion.
pub(super) fn decode16(half: u16, xlen: Xlen) -> Result<Inst, DecodeError> {
    let c = C(half);
    let rv64 = xlen == Xlen::Rv64;
    let unsupported = Err(DecodeError::Unsupported(c.raw()));
    let reserved = Err(DecodeError::Reserved(c.raw()));
    let funct3 = c.bits(13, 3);
    match (c.bits(0, 2), funct3) {
        // ---- Quadrant 0 ----
        (0b00, 0b000) => {
            if half == 0 {
                return Ok(Inst::Unimp);
            }
            // c.addi4spn: nzuimm[5:4|9:6|2|3] in bits 12..5.
            let imm = c.at(11, 2, 4) | c.at(7, 4, 6) | c.at(6, 1, 2) | c.at(5, 1, 3);
            if imm == 0 {
                return reserved;
            }
            Ok(reg_imm(RegImmKind::Add, c.rs2_prime(), SP, imm as i32))
        }
        (0b00, 0b010 | 0b110) => {
            // c.lw / c.sw: uimm[5:3] in bits 12..10, uimm[2] in bit 6, uimm[6] in bit 5.
            let offset = (c.at(10, 3, 3) | c.at(6, 1, 2) | c.at(5, 1, 6)) as i32;
            let base = c.rs1_prime();
            Ok(if funct3 == 0b010 {
                Inst::Load { kind: LoadKind::I32, rd: c.rs2_prime(), base, offset }
            } else {
                Inst::Store { kind: StoreKind::U32, base, src: c.rs2_prime(), offset }
            })
        }
        (0b00, 0b011 | 0b111) if rv64 => {
            // c.ld / c.sd: uimm[5:3] in bits 12..10, uimm[7:6] in bits 6..5.
            let offset = (c.at(10, 3, 3) | c.at(5, 2, 6)) as i32;
            let base = c.rs1_prime();
            Ok(if funct3 == 0b011 {
                Inst::Load { kind: LoadKind::U64, rd: c.rs2_prime(), base, offset }
            } else {
                Inst::Store { kind: StoreKind::U64, base, src: c.rs2_prime(), offset }
            })
        }
        // c.fld, c.fsd, and on RV32 c.flw, c.fsw; 0b100 is reserved (used by Zcb).
        (0b00, _) => unsupported,

        // ---- Quadrant 1 ----
        // c.addi (c.nop when rd = x0; imm = 0 or rd = x0 are HINTs).
        (0b01, 0b000) => Ok(reg_imm(RegImmKind::Add, c.rd(), c.rd(), c.imm6())),
        (0b01, 0b001) if rv64 => {
            // c.addiw
            if c.rd() == 0 {
                return reserved;
            }
            Ok(reg_imm(RegImmKind::AddW, c.rd(), c.rd(), c.imm6()))
        }
        // c.jal (RV32 only)
        (0b01, 0b001) => Ok(Inst::Jal { rd: RA, offset: c.jump_offset() }),
        // c.li
        (0b01, 0b010) => Ok(reg_imm(RegImmKind::Add, c.rd(), 0, c.imm6())),
        (0b01, 0b011) if c.rd() == SP => {
            // c.addi16sp: nzimm[9] in bit 12, nzimm[4|6|8:7|5] in bits 6..2.
            let value = c.at(12, 1, 9) | c.at(6, 1, 4) | c.at(5, 1, 6) | c.at(3, 2, 7) | c.at(2, 1, 5);
            if value == 0 {
                return reserved;
            }
            Ok(reg_imm(RegImmKind::Add, SP, SP, sign_extend(value, 10)))
        }
        (0b01, 0b011) => {
            // c.lui: nzimm[17] in bit 12, nzimm[16:12] in bits 6..2.
            let value = c.at(12, 1, 17) | c.at(2, 5, 12);
            if value == 0 {
                return reserved;
            }
            Ok(Inst::Lui { rd: c.rd(), imm: sign_extend(value, 18) })
        }
        (0b01, 0b100) => misc_alu(c, xlen),
        // c.j
        (0b01, 0b101) => Ok(Inst::Jal { rd: 0, offset: c.jump_offset() }),
        // c.beqz / c.bnez
        (0b01, 0b110 | 0b111) => Ok(Inst::Branch {
            kind: if funct3 == 0b110 { BranchKind::Eq } else { BranchKind::Ne },
            rs1: c.rs1_prime(),
            rs2: 0,
            offset: c.branch_offset(),
        }),

        // ---- Quadrant 2 ----
        (0b10, 0b000) => {
            // c.slli (rd = x0 or shamt = 0 are HINTs).
            let shamt = c.shamt();
            if !rv64 && shamt & 0b10_0000 != 0 {
                return reserved;
            }
            Ok(reg_imm(RegImmKind::Sll, c.rd(), c.rd(), shamt as i32))
        }
        (0b10, 0b010) => {
            // c.lwsp: uimm[5] in bit 12, uimm[4:2] in bits 6..4, uimm[7:6] in bits 3..2.
            if c.rd() == 0 {
                return reserved;
            }
            let offset = (c.at(12, 1, 5) | c.at(4, 3, 2) | c.at(2, 2, 6)) as i32;
            Ok(Inst::Load { kind: LoadKind::I32, rd: c.rd(), base: SP, offset })
        }
        (0b10, 0b011) if rv64 => {
            // c.ldsp: uimm[5] in bit 12, uimm[4:3] in bits 6..5, uimm[8:6] in bits 4..2.
            if c.rd() == 0 {
                return reserved;
            }
            let offset = (c.at(12, 1, 5) | c.at(5, 2, 3) | c.at(2, 3, 6)) as i32;
            Ok(Inst::Load { kind: LoadKind::U64, rd: c.rd(), base: SP, offset })
        }
        (0b10, 0b100) => jump_move_add(c),
        (0b10, 0b110) => {
            // c.swsp: uimm[5:2] in bits 12..9, uimm[7:6] in bits 8..7.
            let offset = (c.at(9, 4, 2) | c.at(7, 2, 6)) as i32;
            Ok(Inst::Store { kind: StoreKind::U32, base: SP, src: c.rs2(), offset })
        }
        (0b10, 0b111) if rv64 => {
            // c.sdsp: uimm[5:3] in bits 12..10, uimm[8:6] in bits 9..7.
            let offset = (c.at(10, 3, 3) | c.at(7, 3, 6)) as i32;
            Ok(Inst::Store { kind: StoreKind::U64, base: SP, src: c.rs2(), offset })
        }
        // c.fldsp, c.fsdsp, and on RV32 c.flwsp, c.fswsp.
        _ => unsupported,
    }
}

/// Quadrant 1, funct3 = 0b100: `c.srli`, `c.srai`, `c.andi` and the register-register ALU ops.
fn misc_alu(c: C, xlen: Xlen) -> Result<Inst, DecodeError> {
    let rd = c.rs1_prime();
    let shift = |kind| {
        let shamt = c.shamt();
        if xlen == Xlen::Rv32 && shamt & 0b10_0000 != 0 {
            return Err(DecodeError::Reserved(c.raw()));
        }
        // shamt = 0 is a HINT on RV32/RV64; it expands to a shift by zero.
        Ok(reg_imm(kind, rd, rd, shamt as i32))
    };
    match c.bits(10, 2) {
        0b00 => shift(RegImmKind::Srl),
        0b01 => shift(RegImmKind::Sra),
        0b10 => Ok(reg_imm(RegImmKind::And, rd, rd, c.imm6())),
        _ => {
            let kind = match (c.bits(12, 1), c.bits(5, 2), xlen) {
                (0, 0b00, _) => RegRegKind::Sub,
                (0, 0b01, _) => RegRegKind::Xor,
                (0, 0b10, _) => RegRegKind::Or,
                (0, 0b11, _) => RegRegKind::And,
                (1, 0b00, Xlen::Rv64) => RegRegKind::SubW,
                (1, 0b01, Xlen::Rv64) => RegRegKind::AddW,
                // RV32 c.subw/c.addw slots, and the Zcb c.mul/c.not/c.zext.* space.
                _ => return Err(DecodeError::Unsupported(c.raw())),
            };
            Ok(reg_reg(kind, rd, rd, c.rs2_prime()))
        }
    }
}

/// Quadrant 2, funct3 = 0b100: `c.jr`, `c.mv`, `c.ebreak`, `c.jalr` and `c.add`.
fn jump_move_add(c: C) -> Result<Inst, DecodeError> {
    let (rd, rs2) = (c.rd(), c.rs2());
    match (c.bits(12, 1), rd, rs2) {
        (0, 0, 0) => Err(DecodeError::Reserved(c.raw())),
        // c.jr
        (0, _, 0) => Ok(Inst::Jalr { rd: 0, rs1: rd, offset: 0 }),
        // c.mv (rd = x0 is a HINT)
        (0, _, _) => Ok(reg_reg(RegRegKind::Add, rd, 0, rs2)),
        (_, 0, 0) => Ok(Inst::Ebreak),
        // c.jalr
        (_, _, 0) => Ok(Inst::Jalr { rd: RA, rs1: rd, offset: 0 }),
        // c.add (rd = x0 is a HINT)
        _ => Ok(reg_reg(RegRegKind::Add, rd, rd, rs2)),
    }
}
