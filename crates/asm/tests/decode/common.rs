//! Shared helpers: emit one instruction, decode it with iced-x86, and compare each operand with
//! what was asked for. Operand generators cover every register and memory special case.

use gannet_asm::{Addr, Assembler, Mem, Reg, Scale, Size, Width};
use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register};

const R64: [Register; 16] = {
    use Register::*;
    [RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15]
};
const R32: [Register; 16] = {
    use Register::*;
    [EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, R8D, R9D, R10D, R11D, R12D, R13D, R14D, R15D]
};
const R16: [Register; 16] = {
    use Register::*;
    [AX, CX, DX, BX, SP, BP, SI, DI, R8W, R9W, R10W, R11W, R12W, R13W, R14W, R15W]
};
const R8: [Register; 16] = {
    use Register::*;
    [AL, CL, DL, BL, SPL, BPL, SIL, DIL, R8L, R9L, R10L, R11L, R12L, R13L, R14L, R15L]
};

/// The iced register for `reg` at `bits` (8-bit registers 4..7 are `spl`..`dil`, never `ah`..`bh`).
pub fn gpr(reg: Reg, bits: u32) -> Register {
    let i = reg.num() as usize;
    match bits {
        8 => R8[i],
        16 => R16[i],
        32 => R32[i],
        64 => R64[i],
        _ => panic!("no {bits}-bit register"),
    }
}

/// Bits of a [`Size`].
pub fn sbits(size: Size) -> u32 {
    size.bits()
}

/// Bits of a [`Width`].
pub fn wbits(width: Width) -> u32 {
    width.bytes() * 8
}

/// Displacements around every encoding boundary.
pub const DISPS: [i32; 9] = [0, 1, -1, 127, -128, 128, -129, i32::MAX, i32::MIN];

/// Immediates around the imm8/imm32 boundaries.
pub const IMMS: [i32; 10] = [0, 1, -1, 127, -128, 128, -129, 0x1234_5678, i32::MAX, i32::MIN];

/// Every base, with no index and with every legal index (scales rotating), at every displacement
/// in [`DISPS`].
pub fn mems() -> Vec<Mem> {
    let mut out = Vec::new();
    let mut k = 0usize;
    for base in Reg::ALL {
        for disp in DISPS {
            out.push(Mem::base(base, disp));
            for index in Reg::ALL.into_iter().filter(|&r| r != Reg::Rsp) {
                k += 1;
                out.push(Mem::index(base, index, Scale::ALL[k % 4], disp));
            }
        }
    }
    out
}

/// A smaller memory set for emitters tested across many other parameters: every base at every
/// displacement, with no index and with indexes `r12`, `rbp`, `r13` and one other.
pub fn few_mems() -> Vec<Mem> {
    let mut out = Vec::new();
    for (k, base) in Reg::ALL.into_iter().enumerate() {
        for disp in DISPS {
            out.push(Mem::base(base, disp));
            for index in [Reg::R12, Reg::Rbp, Reg::R13, Reg::ALL[(k + 3) % 16]] {
                if index != Reg::Rsp {
                    out.push(Mem::index(base, index, Scale::ALL[k % 4], disp));
                }
            }
        }
    }
    out
}

/// Decodes `code` (at address `ip`) as exactly one valid instruction that uses every byte.
pub fn decode_at(code: &[u8], ip: u64) -> Instruction {
    let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
    let instr = decoder.decode();
    assert!(!instr.is_invalid(), "invalid encoding {code:02x?}");
    assert_eq!(instr.len(), code.len(), "decoder consumed {} of {code:02x?}", instr.len());
    instr
}

/// Emits one instruction with `f` into a fresh assembler and decodes it.
pub fn one(f: impl FnOnce(&mut Assembler)) -> (Instruction, Vec<u8>) {
    let mut asm = Assembler::new();
    f(&mut asm);
    assert_eq!(asm.pending_fixups(), 0, "unexpected pending fixup");
    let code = asm.code().to_vec();
    assert!(code.len() <= gannet_asm::MAX_INST_LEN);
    (decode_at(&code, 0), code)
}

/// Checks mnemonic and operand count.
pub fn check_shape(i: &Instruction, code: &[u8], mnemonic: Mnemonic, ops: u32) {
    assert_eq!(i.mnemonic(), mnemonic, "{code:02x?}");
    assert_eq!(i.op_count(), ops, "operand count of {mnemonic:?} {code:02x?}");
}

/// Checks operand `op` is register `reg` at `bits`.
pub fn check_reg(i: &Instruction, code: &[u8], op: u32, reg: Reg, bits: u32) {
    assert_eq!(i.op_kind(op), OpKind::Register, "operand {op} of {code:02x?}");
    assert_eq!(i.op_register(op), gpr(reg, bits), "operand {op} of {code:02x?}");
}

/// Checks operand `op` is an immediate equal to `value` in its low `bits`.
pub fn check_imm(i: &Instruction, code: &[u8], op: u32, value: i64, bits: u32) {
    let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    assert_eq!(i.immediate(op) & mask, value as u64 & mask, "immediate {op} of {code:02x?}");
}

/// Checks operand `op` is the register-based memory operand `mem` accessing `bytes` bytes, with
/// the shortest displacement encoding.
pub fn check_mem(i: &Instruction, code: &[u8], op: u32, mem: &Mem, bytes: usize) {
    assert_eq!(i.op_kind(op), OpKind::Memory, "operand {op} of {code:02x?}");
    let (base, index, scale) = match mem.addr() {
        Addr::Base(b) => (b, None, 1),
        Addr::BaseIndex(b, x, s) => (b, Some(x), s.factor()),
        Addr::Label(_) | Addr::Abs | Addr::Index(..) => panic!("check_mem takes register-based operands"),
    };
    assert_eq!(i.memory_base(), gpr(base, 64), "base of {mem:?} in {code:02x?}");
    assert_eq!(i.memory_index(), index.map_or(Register::None, |x| gpr(x, 64)), "{mem:?} {code:02x?}");
    if index.is_some() {
        assert_eq!(i.memory_index_scale(), scale, "scale of {mem:?} in {code:02x?}");
    }
    assert_eq!(i.memory_displacement64(), mem.disp() as i64 as u64, "disp of {mem:?} in {code:02x?}");
    let short = match mem.disp() {
        0 if !matches!(base, Reg::Rbp | Reg::R13) => 0,
        d if d as i8 as i32 == d => 1,
        _ => 8, // iced reports a 64-bit-mode disp32 as its sign-extended size
    };
    assert_eq!(i.memory_displ_size(), short, "displacement size of {mem:?} in {code:02x?}");
    if bytes != 0 {
        assert_eq!(i.memory_size().size(), bytes, "access size of {mem:?} in {code:02x?}");
    }
}

/// `(jcc, setcc, cmovcc)` mnemonics of a condition.
pub fn cond_mnemonics(cond: gannet_asm::Cond) -> (Mnemonic, Mnemonic, Mnemonic) {
    use Mnemonic::*;
    const TABLE: [(Mnemonic, Mnemonic, Mnemonic); 16] = [
        (Jo, Seto, Cmovo),
        (Jno, Setno, Cmovno),
        (Jb, Setb, Cmovb),
        (Jae, Setae, Cmovae),
        (Je, Sete, Cmove),
        (Jne, Setne, Cmovne),
        (Jbe, Setbe, Cmovbe),
        (Ja, Seta, Cmova),
        (Js, Sets, Cmovs),
        (Jns, Setns, Cmovns),
        (Jp, Setp, Cmovp),
        (Jnp, Setnp, Cmovnp),
        (Jl, Setl, Cmovl),
        (Jge, Setge, Cmovge),
        (Jle, Setle, Cmovle),
        (Jg, Setg, Cmovg),
    ];
    TABLE[cond.num() as usize]
}

/// An emitter with all operands fixed.
pub type Emit = fn(&mut gannet_asm::Assembler);
