//! Interpretation of `llvm-objdump -M no-aliases --no-print-imm-hex` output as an [`Inst`].
//!
//! This is written independently of the decoder: it only maps mnemonics and printed operands to
//! instructions, and expands each `c.*` mnemonic as the ISA manual's RVC chapter specifies.

use super::register_number;
use crate::riscv::{
    AtomicOp as A, BranchKind as B, Inst, LoadKind as L, RegImmKind as I, RegRegKind as R, StoreKind as S,
    UnaryKind as U, Xlen,
};

/// What `llvm-objdump` made of an encoding.
#[derive(Debug)]
pub(super) enum Seen {
    /// An instruction in the decoder's scope.
    Known(Inst),
    /// `<unknown>`.
    Unknown,
    /// A valid instruction outside the decoder's scope (CSR access, privileged, ...).
    Other(String),
}

/// Instructions LLVM knows that the decoder deliberately does not support.
const OUT_OF_SCOPE: &[&str] =
    &["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "wfi", "mret", "sret", "dret", "sfence.vma"];

struct Operands<'a>(Vec<&'a str>);

impl Operands<'_> {
    fn get(&self, index: usize) -> Result<&str, String> {
        self.0.get(index).copied().ok_or_else(|| format!("missing operand {index}"))
    }

    fn reg(&self, index: usize) -> Result<u8, String> {
        let name = self.get(index)?;
        register_number(name).ok_or_else(|| format!("bad register `{name}`"))
    }

    fn imm(&self, index: usize) -> Result<i32, String> {
        let text = self.get(index)?;
        text.parse().map_err(|_| format!("bad immediate `{text}`"))
    }

    /// An `offset(base)` memory operand (the offset may be omitted, as in `(a0)`).
    fn mem(&self, index: usize) -> Result<(i32, u8), String> {
        let text = self.get(index)?;
        let (offset, base) =
            text.strip_suffix(')').and_then(|t| t.split_once('(')).ok_or("bad memory operand")?;
        let offset = if offset.is_empty() { 0 } else { offset.parse().map_err(|_| "bad offset")? };
        Ok((offset, register_number(base).ok_or("bad base register")?))
    }

    /// A branch target printed as an absolute address, converted back to an offset.
    fn target(&self, index: usize, address: u64, xlen: Xlen) -> Result<i32, String> {
        let text = self.get(index)?;
        let hex = text.split_whitespace().next().and_then(|t| t.strip_prefix("0x")).ok_or("bad target")?;
        let target = u64::from_str_radix(hex, 16).map_err(|_| "bad target")?;
        Ok(match xlen {
            Xlen::Rv64 => target.wrapping_sub(address) as i64 as i32,
            Xlen::Rv32 => (target as u32).wrapping_sub(address as u32) as i32,
        })
    }
}

fn upper(value: i32) -> i32 {
    ((value as u32) << 12) as i32
}

/// Interprets one line of disassembly at `address`.
pub(super) fn interpret(mnemonic: &str, operands: &str, address: u64, xlen: Xlen) -> Result<Seen, String> {
    if mnemonic == "<unknown>" {
        return Ok(Seen::Unknown);
    }
    if OUT_OF_SCOPE.contains(&mnemonic) {
        return Ok(Seen::Other(mnemonic.to_owned()));
    }
    let ops = Operands(if operands.is_empty() { Vec::new() } else { operands.split(", ").collect() });
    let (rd, rs1, rs2) = (|| ops.reg(0), || ops.reg(1), || ops.reg(2));
    let reg_imm = |kind| -> Result<Inst, String> {
        Ok(Inst::RegImm { kind, rd: rd()?, rs1: rs1()?, imm: ops.imm(2)? })
    };
    let reg_reg =
        |kind| -> Result<Inst, String> { Ok(Inst::RegReg { kind, rd: rd()?, rs1: rs1()?, rs2: rs2()? }) };
    let unary = |kind| -> Result<Inst, String> { Ok(Inst::Unary { kind, rd: rd()?, rs1: rs1()? }) };
    let load = |kind| -> Result<Inst, String> {
        let (offset, base) = ops.mem(1)?;
        Ok(Inst::Load { kind, rd: rd()?, base, offset })
    };
    let store = |kind| -> Result<Inst, String> {
        let (offset, base) = ops.mem(1)?;
        Ok(Inst::Store { kind, base, src: rd()?, offset })
    };
    let branch = |kind| -> Result<Inst, String> {
        Ok(Inst::Branch { kind, rs1: rd()?, rs2: rs1()?, offset: ops.target(2, address, xlen)? })
    };
    // Compressed forms that operate on `rd` in place: `c.op rd, x` = `op rd, rd, x`.
    let c_imm =
        |kind| -> Result<Inst, String> { Ok(Inst::RegImm { kind, rd: rd()?, rs1: rd()?, imm: ops.imm(1)? }) };
    let c_reg =
        |kind| -> Result<Inst, String> { Ok(Inst::RegReg { kind, rd: rd()?, rs1: rd()?, rs2: rs1()? }) };
    let c_shift64 =
        |kind| -> Result<Inst, String> { Ok(Inst::RegImm { kind, rd: rd()?, rs1: rd()?, imm: 0 }) };

    if let Some(atomic) = interpret_atomic(mnemonic, &ops)? {
        return Ok(Seen::Known(atomic));
    }
    let inst = match mnemonic {
        "lui" | "c.lui" => Inst::Lui { rd: rd()?, imm: upper(ops.imm(1)?) },
        "auipc" => Inst::Auipc { rd: rd()?, imm: upper(ops.imm(1)?) },
        "jal" => Inst::Jal { rd: rd()?, offset: ops.target(1, address, xlen)? },
        "jalr" => {
            let (offset, rs1) = ops.mem(1)?;
            Inst::Jalr { rd: rd()?, rs1, offset }
        }
        "beq" => branch(B::Eq)?,
        "bne" => branch(B::Ne)?,
        "blt" => branch(B::Lt)?,
        "bge" => branch(B::Ge)?,
        "bltu" => branch(B::Ltu)?,
        "bgeu" => branch(B::Geu)?,
        "lb" => load(L::I8)?,
        "lbu" => load(L::U8)?,
        "lh" => load(L::I16)?,
        "lhu" => load(L::U16)?,
        "lw" | "c.lw" | "c.lwsp" => load(L::I32)?,
        "lwu" => load(L::U32)?,
        "ld" | "c.ld" | "c.ldsp" => load(L::U64)?,
        "sb" => store(S::U8)?,
        "sh" => store(S::U16)?,
        "sw" | "c.sw" | "c.swsp" => store(S::U32)?,
        "sd" | "c.sd" | "c.sdsp" => store(S::U64)?,
        "addi" | "c.addi4spn" => reg_imm(I::Add)?,
        "slti" => reg_imm(I::Slt)?,
        "sltiu" => reg_imm(I::Sltu)?,
        "xori" => reg_imm(I::Xor)?,
        "ori" => reg_imm(I::Or)?,
        "andi" => reg_imm(I::And)?,
        "slli" => reg_imm(I::Sll)?,
        "srli" => reg_imm(I::Srl)?,
        "srai" => reg_imm(I::Sra)?,
        "rori" => reg_imm(I::Ror)?,
        "addiw" => reg_imm(I::AddW)?,
        "slliw" => reg_imm(I::SllW)?,
        "srliw" => reg_imm(I::SrlW)?,
        "sraiw" => reg_imm(I::SraW)?,
        "roriw" => reg_imm(I::RorW)?,
        "add" => reg_reg(R::Add)?,
        "sub" => reg_reg(R::Sub)?,
        "sll" => reg_reg(R::Sll)?,
        "slt" => reg_reg(R::Slt)?,
        "sltu" => reg_reg(R::Sltu)?,
        "xor" => reg_reg(R::Xor)?,
        "srl" => reg_reg(R::Srl)?,
        "sra" => reg_reg(R::Sra)?,
        "or" => reg_reg(R::Or)?,
        "and" => reg_reg(R::And)?,
        "addw" => reg_reg(R::AddW)?,
        "subw" => reg_reg(R::SubW)?,
        "sllw" => reg_reg(R::SllW)?,
        "srlw" => reg_reg(R::SrlW)?,
        "sraw" => reg_reg(R::SraW)?,
        "mul" => reg_reg(R::Mul)?,
        "mulh" => reg_reg(R::Mulh)?,
        "mulhsu" => reg_reg(R::Mulhsu)?,
        "mulhu" => reg_reg(R::Mulhu)?,
        "div" => reg_reg(R::Div)?,
        "divu" => reg_reg(R::Divu)?,
        "rem" => reg_reg(R::Rem)?,
        "remu" => reg_reg(R::Remu)?,
        "mulw" => reg_reg(R::MulW)?,
        "divw" => reg_reg(R::DivW)?,
        "divuw" => reg_reg(R::DivuW)?,
        "remw" => reg_reg(R::RemW)?,
        "remuw" => reg_reg(R::RemuW)?,
        "andn" => reg_reg(R::AndN)?,
        "orn" => reg_reg(R::OrN)?,
        "xnor" => reg_reg(R::Xnor)?,
        "max" => reg_reg(R::Max)?,
        "maxu" => reg_reg(R::MaxU)?,
        "min" => reg_reg(R::Min)?,
        "minu" => reg_reg(R::MinU)?,
        "rol" => reg_reg(R::Rol)?,
        "ror" => reg_reg(R::Ror)?,
        "rolw" => reg_reg(R::RolW)?,
        "rorw" => reg_reg(R::RorW)?,
        "th.mveqz" => reg_reg(R::CmovEqz)?,
        "th.mvnez" => reg_reg(R::CmovNez)?,
        "clz" => unary(U::Clz)?,
        "clzw" => unary(U::ClzW)?,
        "ctz" => unary(U::Ctz)?,
        "ctzw" => unary(U::CtzW)?,
        "cpop" => unary(U::Cpop)?,
        "cpopw" => unary(U::CpopW)?,
        "sext.b" => unary(U::SextB)?,
        "sext.h" => unary(U::SextH)?,
        "zext.h" => unary(U::ZextH)?,
        "orc.b" => unary(U::OrcB)?,
        "rev8" => unary(U::Rev8)?,
        "fence" | "fence.tso" | "fence.i" | "pause" => Inst::Fence,
        "ecall" => Inst::Ecall,
        "ebreak" | "c.ebreak" => Inst::Ebreak,
        "unimp" | "c.unimp" => Inst::Unimp,
        // ---- RVC expansions ----
        "c.nop" => {
            Inst::RegImm { kind: I::Add, rd: 0, rs1: 0, imm: if ops.0.is_empty() { 0 } else { ops.imm(0)? } }
        }
        "c.addi" | "c.addi16sp" => c_imm(I::Add)?,
        "c.addiw" => c_imm(I::AddW)?,
        "c.li" => Inst::RegImm { kind: I::Add, rd: rd()?, rs1: 0, imm: ops.imm(1)? },
        "c.andi" => c_imm(I::And)?,
        "c.slli" => c_imm(I::Sll)?,
        "c.srli" => c_imm(I::Srl)?,
        "c.srai" => c_imm(I::Sra)?,
        "c.slli64" => c_shift64(I::Sll)?,
        "c.srli64" => c_shift64(I::Srl)?,
        "c.srai64" => c_shift64(I::Sra)?,
        "c.sub" => c_reg(R::Sub)?,
        "c.xor" => c_reg(R::Xor)?,
        "c.or" => c_reg(R::Or)?,
        "c.and" => c_reg(R::And)?,
        "c.subw" => c_reg(R::SubW)?,
        "c.addw" => c_reg(R::AddW)?,
        "c.add" => c_reg(R::Add)?,
        "c.mv" => Inst::RegReg { kind: R::Add, rd: rd()?, rs1: 0, rs2: rs1()? },
        "c.j" => Inst::Jal { rd: 0, offset: ops.target(0, address, xlen)? },
        "c.jal" => Inst::Jal { rd: 1, offset: ops.target(0, address, xlen)? },
        "c.jr" => Inst::Jalr { rd: 0, rs1: rd()?, offset: 0 },
        "c.jalr" => Inst::Jalr { rd: 1, rs1: rd()?, offset: 0 },
        "c.beqz" => Inst::Branch { kind: B::Eq, rs1: rd()?, rs2: 0, offset: ops.target(1, address, xlen)? },
        "c.bnez" => Inst::Branch { kind: B::Ne, rs1: rd()?, rs2: 0, offset: ops.target(1, address, xlen)? },
        _ => return Err(format!("unexpected mnemonic `{mnemonic}`")),
    };
    Ok(Seen::Known(inst))
}

/// `lr.*`, `sc.*` and `amo*.*`, with any `.aq`/`.rl`/`.aqrl` suffix.
fn interpret_atomic(mnemonic: &str, ops: &Operands<'_>) -> Result<Option<Inst>, String> {
    let base =
        [".aqrl", ".aq", ".rl"].iter().find_map(|suffix| mnemonic.strip_suffix(suffix)).unwrap_or(mnemonic);
    let Some((name, width)) = base.rsplit_once('.') else { return Ok(None) };
    let wide = match width {
        "w" => false,
        "d" => true,
        _ => return Ok(None),
    };
    let op = match name {
        "lr" => A::Lr,
        "sc" => A::Sc,
        "amoswap" => A::Swap,
        "amoadd" => A::Add,
        "amoxor" => A::Xor,
        "amoand" => A::And,
        "amoor" => A::Or,
        "amomin" => A::Min,
        "amomax" => A::Max,
        "amominu" => A::MinU,
        "amomaxu" => A::MaxU,
        _ => return Ok(None),
    };
    let rd = ops.reg(0)?;
    let (src, address_operand) = if op == A::Lr { (0, 1) } else { (ops.reg(1)?, 2) };
    let (offset, addr) = ops.mem(address_operand)?;
    if offset != 0 {
        return Err(format!("atomic with an offset: {offset}"));
    }
    Ok(Some(Inst::Atomic { op, wide, rd, addr, src }))
}
