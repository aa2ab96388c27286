//! Memory operands without a base (`[disp32]`, `[index * scale + disp32]`), with a `gs`
//! override and with 32-bit address size, across the emitters that take memory operands.

use gannet_asm::{Addr, AluOp, Assembler, Mem, Reg, Scale, Size, Width};
use iced_x86::{Mnemonic, Register};

use crate::common::*;

/// Every shape the recompiler uses: `gs:[disp32]`, `gs:[index * 8 + disp32]`,
/// `gs:[reg32 + disp]` and `gs:[disp32]` with 32-bit addressing, plus the same without `gs`.
fn operands() -> Vec<Mem> {
    let mut out = Vec::new();
    for disp in DISPS {
        out.push(Mem::abs(disp));
        out.push(Mem::abs(disp).gs());
        out.push(Mem::abs(disp).gs().addr32());
        for (k, r) in Reg::ALL.into_iter().enumerate() {
            if r != Reg::Rsp {
                out.push(Mem::index_only(r, Scale::ALL[k % 4], disp).gs());
            }
            out.push(Mem::base(r, disp).gs().addr32());
            out.push(Mem::base(r, disp).addr32());
            let index = Reg::ALL[(k + 5) % 16];
            if index != Reg::Rsp {
                out.push(Mem::index(r, index, Scale::S1, disp).gs().addr32());
            }
        }
    }
    out
}

/// Checks the decoded memory operand against `mem`: segment, address size, base, index, scale
/// and displacement (always 32 bits without a base).
fn check(i: &iced_x86::Instruction, code: &[u8], mem: &Mem, bytes: usize) {
    let bits = if mem.is_addr32() { 32 } else { 64 };
    let segment = i.memory_segment();
    if mem.is_gs() {
        assert_eq!(segment, Register::GS, "{code:02x?}");
    } else {
        assert!(matches!(segment, Register::DS | Register::SS), "{code:02x?}"); // SS for rsp/rbp bases
    }
    let (base, index, scale) = match mem.addr() {
        Addr::Abs => (None, None, 1),
        Addr::Index(x, s) => (None, Some(x), s.factor()),
        Addr::Base(b) => (Some(b), None, 1),
        Addr::BaseIndex(b, x, s) => (Some(b), Some(x), s.factor()),
        Addr::Label(_) => unreachable!(),
    };
    assert_eq!(i.memory_base(), base.map_or(Register::None, |b| gpr(b, bits)), "base in {code:02x?}");
    assert_eq!(i.memory_index(), index.map_or(Register::None, |x| gpr(x, bits)), "index in {code:02x?}");
    if index.is_some() {
        assert_eq!(i.memory_index_scale(), scale, "{code:02x?}");
    }
    let disp = if bits == 32 { mem.disp() as u32 as u64 } else { mem.disp() as i64 as u64 };
    assert_eq!(i.memory_displacement64(), disp, "displacement in {code:02x?}");
    if base.is_none() {
        assert_eq!(i.memory_displ_size(), if bits == 32 { 4 } else { 8 }, "{code:02x?}");
    }
    assert_eq!(i.memory_size().size(), bytes, "access size in {code:02x?}");
}

#[test]
fn loads_and_stores() {
    for mem in operands() {
        for (k, width) in Width::ALL.into_iter().enumerate() {
            let r = Reg::ALL[(k * 3 + 1) % 16];
            let bytes = width.bytes() as usize;
            let (i, c) = one(|a| a.load(width, r, mem));
            check(&i, &c, &mem, bytes);
            let (i, c) = one(|a| a.store(width, mem, r));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check(&i, &c, &mem, bytes);
            let (i, c) = one(|a| a.store_imm(width, mem, -2));
            check_shape(&i, &c, Mnemonic::Mov, 2);
            check(&i, &c, &mem, bytes);
            if width != Width::W64 {
                let (i, c) = one(|a| a.load_sx(Size::S64, width, r, mem));
                check(&i, &c, &mem, bytes);
            }
        }
    }
}

#[test]
fn alu_multiply_and_jumps() {
    for mem in operands() {
        let (i, c) = one(|a| a.alu_mi(AluOp::Sub, Size::S64, mem, 1000));
        check_shape(&i, &c, Mnemonic::Sub, 2);
        check(&i, &c, &mem, 8);
        let (i, c) = one(|a| a.alu_rm(AluOp::Add, Size::S32, Reg::R11, mem));
        check_shape(&i, &c, Mnemonic::Add, 2);
        check(&i, &c, &mem, 4);
        let (i, c) = one(|a| a.jmp_mem(mem));
        check_shape(&i, &c, Mnemonic::Jmp, 1);
        check(&i, &c, &mem, 8);
        let (i, c) = one(|a| a.imul_rm(Size::S64, Reg::Rdx, mem));
        check_shape(&i, &c, Mnemonic::Imul, 2);
        check(&i, &c, &mem, 8);
    }
}

#[test]
fn gs_32_bit_address_wraps_as_the_cpu_computes() {
    // iced computes the effective address the way the CPU does; with 32-bit addressing
    // `reg + disp` wraps modulo 2^32 before the segment base is added.
    let mem = Mem::base(Reg::Rdx, -8).gs().addr32();
    let mut a = Assembler::new();
    a.load(Width::W64, Reg::Rax, mem);
    let code = a.finalize().expect("no labels").to_vec();
    let i = decode_at(&code, 0);
    let gs_base = 0x7000_0000_0000u64;
    let address = i.virtual_address(1, 0, |reg, _, _| match reg {
        Register::GS => Some(gs_base),
        Register::EDX => Some(4),
        Register::DS => Some(0),
        _ => None,
    });
    assert_eq!(address, Some(gs_base + 0xFFFF_FFFC));
}
