//! RISC-V instruction decoding.
//!
//! A pure, allocation-free decoder for the RV64 and RV32 instructions that Debian `clang-19` emits
//! for `-march=rv64emac_zbb` / `-march=rv32emac_zbb`, plus:
//!
//! * the T-Head conditional moves `th.mveqz` / `th.mvnez` (XTheadCondMov), decoded as
//!   [`RegRegKind::CmovEqz`] / [`RegRegKind::CmovNez`];
//! * the PolkaVM "custom-0" instructions (major opcode `0b0001011`), decoded as [`Inst::Custom0`].
//!
//! Compressed (RVC) instructions are expanded into the equivalent 32-bit [`Inst`]; the original
//! length is reported in [`Decoded::len`].
//!
//! Registers are returned as raw numbers `0..=31`; the caller is responsible for enforcing the
//! RV-E limit (`x0..=x15`).
//!
//! Decoding policy:
//!
//! * HINT encodings (e.g. `c.nop 1`, `c.li x0, 5`, `slli x0, ...`, `c.srli rd, 0`) decode to their
//!   literal, architecturally harmless expansion.
//! * `fence`/`fence.i` decode to [`Inst::Fence`] whatever their `pred`/`succ`/`fm`/`rd`/`rs1`
//!   fields hold, as the ISA manual requires implementations to ignore those reserved fields.
//! * [`DecodeError::Reserved`] is returned for code points the ISA manual reserves: shift amounts
//!   with bit 5 set on RV32 (and for the `*w` shifts on RV64), `lr` with `rs2 != 0`, and the RVC
//!   reserved forms (`c.addi4spn` with a zero immediate, `c.addi16sp`/`c.lui` with a zero
//!   immediate, `c.addiw`/`c.lwsp`/`c.ldsp` with `rd = x0`, `c.jr x0`).
//! * Everything else outside the supported set (F/D, CSR access, privileged instructions, Zba,
//!   Zbs, Zcb, ..., RV64-only instructions on RV32) is [`DecodeError::Unsupported`].

mod base;
mod compressed;
mod kinds;

#[cfg(test)]
mod tests;

pub use kinds::{AtomicOp, BranchKind, LoadKind, RegImmKind, RegRegKind, StoreKind, UnaryKind};

/// Register width of the code being decoded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Xlen {
    /// 32-bit registers (RV32).
    Rv32,
    /// 64-bit registers (RV64).
    Rv64,
}

/// A decoded instruction. Compressed instructions are expanded to their 32-bit equivalent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Inst {
    /// `lui`: `rd = imm`; `imm` is already shifted left by 12 (sign-extended as `i32`).
    Lui {
        /// Destination register.
        rd: u8,
        /// The value written (a multiple of 4096).
        imm: i32,
    },
    /// `auipc`: `rd = pc + imm`; `imm` is already shifted left by 12.
    Auipc {
        /// Destination register.
        rd: u8,
        /// The offset added to `pc` (a multiple of 4096).
        imm: i32,
    },
    /// `jal`: `rd = pc + len; pc += offset`.
    Jal {
        /// Link register (`x0` for a plain jump).
        rd: u8,
        /// Byte offset from this instruction.
        offset: i32,
    },
    /// `jalr`: `rd = pc + len; pc = (rs1 + offset) & !1`.
    Jalr {
        /// Link register (`x0` for a plain jump).
        rd: u8,
        /// Base register.
        rs1: u8,
        /// Byte offset added to `rs1`.
        offset: i32,
    },
    /// Conditional branch: `if rs1 <kind> rs2 { pc += offset }`.
    Branch {
        /// The comparison.
        kind: BranchKind,
        /// Left operand.
        rs1: u8,
        /// Right operand.
        rs2: u8,
        /// Byte offset from this instruction.
        offset: i32,
    },
    /// Memory load: `rd = mem[base + offset]`.
    Load {
        /// Width and extension.
        kind: LoadKind,
        /// Destination register.
        rd: u8,
        /// Base address register.
        base: u8,
        /// Byte offset added to `base`.
        offset: i32,
    },
    /// Memory store: `mem[base + offset] = src`.
    Store {
        /// Width.
        kind: StoreKind,
        /// Base address register.
        base: u8,
        /// Register holding the value to store.
        src: u8,
        /// Byte offset added to `base`.
        offset: i32,
    },
    /// Register-immediate operation: `rd = rs1 <kind> imm`.
    RegImm {
        /// The operation.
        kind: RegImmKind,
        /// Destination register.
        rd: u8,
        /// Source register.
        rs1: u8,
        /// Sign-extended immediate, or the shift amount for shifts and rotates.
        imm: i32,
    },
    /// Register-register operation: `rd = rs1 <kind> rs2`.
    RegReg {
        /// The operation.
        kind: RegRegKind,
        /// Destination register.
        rd: u8,
        /// First source register.
        rs1: u8,
        /// Second source register.
        rs2: u8,
    },
    /// One-operand operation: `rd = <kind>(rs1)`.
    Unary {
        /// The operation.
        kind: UnaryKind,
        /// Destination register.
        rd: u8,
        /// Source register.
        rs1: u8,
    },
    /// A-extension instruction (the `aq`/`rl` bits are ignored).
    Atomic {
        /// The operation.
        op: AtomicOp,
        /// `true` for the `.d` (64-bit) form, `false` for `.w`.
        wide: bool,
        /// Destination register.
        rd: u8,
        /// Address register (`rs1`).
        addr: u8,
        /// Source register (`rs2`; always 0 for `lr`).
        src: u8,
    },
    /// `fence`, `fence.i`, `fence.tso` or `pause`.
    Fence,
    /// `ecall`.
    Ecall,
    /// `ebreak` or `c.ebreak`.
    Ebreak,
    /// The all-zero 16-bit word (`c.unimp`) or `unimp` (`csrrw x0, cycle, x0`).
    Unimp,
    /// PolkaVM custom-0 instruction (opcode `0b0001011`, R-type layout).
    ///
    /// `funct3`: 0 = host-call marker (only the exact word `0x0000000b`), 1 = `sbrk`
    /// (`rd` = destination, `rs1` = size), 2 = `memset`, 3 = `heap_base` (`rd`). `funct7` must be
    /// zero; other `funct3`/`funct7` values are unsupported (except the T-Head conditional moves,
    /// `funct3 = 1` with `funct7 = 0b0100000`/`0b0100001`, which decode as [`Inst::RegReg`]).
    Custom0 {
        /// The `funct3` field (0..=3).
        funct3: u8,
        /// The `rd` field.
        rd: u8,
        /// The `rs1` field.
        rs1: u8,
        /// The `rs2` field.
        rs2: u8,
    },
}

/// A decoded instruction together with its encoded length.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The (expanded) instruction.
    pub inst: Inst,
    /// Encoded length in bytes: 2 (compressed) or 4.
    pub len: u8,
}

/// Why [`decode`] could not decode an instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ends in the middle of an instruction.
    #[error("truncated RISC-V instruction")]
    Truncated,
    /// A valid or unknown encoding outside the supported instruction set (raw bits; 16-bit
    /// instructions are zero-extended).
    #[error("unsupported RISC-V instruction 0x{0:08x}")]
    Unsupported(u32),
    /// An encoding the ISA manual marks as reserved (raw bits; 16-bit instructions are
    /// zero-extended).
    #[error("reserved RISC-V instruction encoding 0x{0:08x}")]
    Reserved(u32),
}

/// Decodes the instruction at the start of `bytes` (little-endian).
///
/// Only the first 2 or 4 bytes are looked at; trailing bytes are ignored. Instructions longer
/// than 32 bits are reported as [`DecodeError::Unsupported`].
pub fn decode(bytes: &[u8], xlen: Xlen) -> Result<Decoded, DecodeError> {
    let (&[b0, b1], rest) = bytes.split_first_chunk::<2>().ok_or(DecodeError::Truncated)?;
    let low = u16::from_le_bytes([b0, b1]);
    if low & 0b11 != 0b11 {
        let inst = compressed::decode16(low, xlen)?;
        return Ok(Decoded { inst, len: 2 });
    }
    let &[b2, b3] = rest.first_chunk::<2>().ok_or(DecodeError::Truncated)?;
    let word = u32::from_le_bytes([b0, b1, b2, b3]);
    if word & 0b11100 == 0b11100 {
        // 48-bit or longer encoding.
        return Err(DecodeError::Unsupported(word));
    }
    let inst = base::decode32(word, xlen)?;
    Ok(Decoded { inst, len: 4 })
}
