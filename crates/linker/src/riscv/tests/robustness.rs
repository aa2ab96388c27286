//! Robustness: the decoder never panics, and its results are internally consistent, for every
//! 16-bit value and millions of pseudo-random 32-bit words.

use crate::riscv::{
    decode, DecodeError, Decoded, Inst, LoadKind, RegImmKind, RegRegKind, StoreKind, UnaryKind, Xlen,
};

/// A deterministic xorshift64* generator (no external dependency).
struct Rng(u64);

impl Rng {
    fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

/// The major opcodes the decoder handles (used to bias the random words).
const OPCODES: [u32; 15] =
    [0x03, 0x0b, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37, 0x3b, 0x63, 0x67, 0x6f, 0x73];

fn registers(inst: &Inst) -> Vec<u8> {
    match *inst {
        Inst::Lui { rd, .. } | Inst::Auipc { rd, .. } | Inst::Jal { rd, .. } => vec![rd],
        Inst::Jalr { rd, rs1, .. } | Inst::Unary { rd, rs1, .. } | Inst::RegImm { rd, rs1, .. } => {
            vec![rd, rs1]
        }
        Inst::Branch { rs1, rs2, .. } => vec![rs1, rs2],
        Inst::Load { rd, base, .. } => vec![rd, base],
        Inst::Store { base, src, .. } => vec![base, src],
        Inst::RegReg { rd, rs1, rs2, .. } | Inst::Custom0 { rd, rs1, rs2, .. } => vec![rd, rs1, rs2],
        Inst::Atomic { rd, addr, src, .. } => vec![rd, addr, src],
        Inst::Fence | Inst::Ecall | Inst::Ebreak | Inst::Unimp => vec![],
    }
}

/// Whether `inst` can only come from an RV64 encoding.
fn is_rv64_only(inst: &Inst) -> bool {
    use RegImmKind as I;
    use RegRegKind as R;
    match *inst {
        Inst::Load { kind, .. } => matches!(kind, LoadKind::U32 | LoadKind::U64),
        Inst::Store { kind, .. } => kind == StoreKind::U64,
        Inst::RegImm { kind, imm, .. } => {
            matches!(kind, I::AddW | I::SllW | I::SrlW | I::SraW | I::RorW)
                || (matches!(kind, I::Sll | I::Srl | I::Sra | I::Ror) && imm >= 32)
        }
        Inst::RegReg { kind, .. } => matches!(
            kind,
            R::AddW
                | R::SubW
                | R::SllW
                | R::SrlW
                | R::SraW
                | R::MulW
                | R::DivW
                | R::DivuW
                | R::RemW
                | R::RemuW
                | R::RolW
                | R::RorW
        ),
        Inst::Unary { kind, .. } => matches!(kind, UnaryKind::ClzW | UnaryKind::CtzW | UnaryKind::CpopW),
        Inst::Atomic { wide, .. } => wide,
        _ => false,
    }
}

/// Checks one decoding result of `bytes` for consistency with the input.
fn check(bytes: &[u8], xlen: Xlen, result: Result<Decoded, DecodeError>) {
    let compressed = bytes[0] & 0b11 != 0b11;
    match result {
        Ok(Decoded { inst, len }) => {
            assert_eq!(len, if compressed { 2 } else { 4 }, "{bytes:02x?} ({xlen:?}) -> {inst:?}");
            assert!(registers(&inst).iter().all(|&r| r < 32), "{bytes:02x?} -> {inst:?}");
            if xlen == Xlen::Rv32 {
                assert!(!is_rv64_only(&inst), "{bytes:02x?} decoded on RV32 as {inst:?}");
            }
            if let Inst::RegImm { kind, imm, .. } = inst {
                let limit = match kind {
                    RegImmKind::Sll | RegImmKind::Srl | RegImmKind::Sra | RegImmKind::Ror => 64,
                    RegImmKind::SllW | RegImmKind::SrlW | RegImmKind::SraW | RegImmKind::RorW => 32,
                    _ => 2048,
                };
                assert!((-2048..limit).contains(&imm), "{bytes:02x?} -> {inst:?}");
            }
            if compressed {
                assert!(!matches!(inst, Inst::Unary { .. } | Inst::Atomic { .. } | Inst::Custom0 { .. }));
            }
        }
        Err(DecodeError::Truncated) => panic!("{bytes:02x?} ({xlen:?}) reported as truncated"),
        Err(DecodeError::Unsupported(raw) | DecodeError::Reserved(raw)) => {
            let expected = if compressed {
                u32::from(u16::from_le_bytes([bytes[0], bytes[1]]))
            } else {
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
            };
            assert_eq!(raw, expected, "{bytes:02x?} ({xlen:?}): wrong raw bits in the error");
        }
    }
}

#[test]
fn truncated_input() {
    for xlen in [Xlen::Rv32, Xlen::Rv64] {
        assert_eq!(decode(&[], xlen), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x01], xlen), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x13], xlen), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x13, 0x05], xlen), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x13, 0x05, 0xb5], xlen), Err(DecodeError::Truncated));
        assert_eq!(decode(&[0x13, 0x05, 0xb5, 0x00], xlen).map(|d| d.len), Ok(4));
        assert_eq!(decode(&[0x01, 0x00], xlen).map(|d| d.len), Ok(2));
        assert_eq!(decode(&[0x00, 0x00], xlen), Ok(Decoded { inst: Inst::Unimp, len: 2 }));
    }
}

#[test]
fn error_messages() {
    assert_eq!(DecodeError::Truncated.to_string(), "truncated RISC-V instruction");
    assert_eq!(DecodeError::Unsupported(0x53).to_string(), "unsupported RISC-V instruction 0x00000053");
    assert_eq!(DecodeError::Reserved(0x8002).to_string(), "reserved RISC-V instruction encoding 0x00008002");
    let _: &dyn std::error::Error = &DecodeError::Truncated;
}

#[test]
fn every_16_bit_value() {
    for xlen in [Xlen::Rv32, Xlen::Rv64] {
        let mut ok = 0;
        for half in 0..=u16::MAX {
            let bytes = half.to_le_bytes();
            let short = decode(&bytes, xlen);
            if half & 0b11 == 0b11 {
                assert_eq!(short, Err(DecodeError::Truncated));
                continue;
            }
            check(&bytes, xlen, short);
            // Trailing bytes never change the result of a compressed instruction.
            let long = [bytes[0], bytes[1], 0xff, 0xff];
            assert_eq!(decode(&long, xlen), short);
            ok += usize::from(short.is_ok());
        }
        // Most of the compressed space is in use; the exceptions are the F/D loads/stores (4
        // funct3 slots of 2048 encodings on RV64, 8 on RV32), Zcb and reserved encodings.
        let minimum = if xlen == Xlen::Rv64 { 38_000 } else { 28_000 };
        assert!(ok > minimum, "only {ok} compressed encodings decoded on {xlen:?}");
    }
}

#[test]
fn millions_of_random_words() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for xlen in [Xlen::Rv32, Xlen::Rv64] {
        let mut ok = 0;
        for i in 0..2_000_000_u32 {
            let mut word = rng.next_u32();
            if i % 2 == 0 {
                // Half of the words use a handled major opcode, so that the decoding goes deep.
                word = (word & !0x7f) | OPCODES[(word >> 7) as usize % OPCODES.len()];
            }
            let bytes = word.to_le_bytes();
            let result = decode(&bytes, xlen);
            check(&bytes, xlen, result);
            ok += usize::from(result.is_ok());
            // Every prefix shorter than the instruction is truncated.
            let needed = if bytes[0] & 0b11 == 0b11 { 4 } else { 2 };
            for cut in 0..needed {
                assert_eq!(decode(&bytes[..cut], xlen), Err(DecodeError::Truncated));
            }
        }
        assert!(ok > 500_000, "only {ok} random words decoded on {xlen:?}");
    }
}
