//! The VEX vector forms: 64-bit moves between XMM registers, general-purpose registers and
//! memory, `vpsubq` with a memory operand (register-based and rip-relative) and `vmovmskpd`.

use gannet_asm::{Addr, Assembler, Mem, Reg, Xmm};
use iced_x86::{Mnemonic, OpKind, Register};

use crate::common::*;

/// The iced register for `xmm`.
fn xmm(x: Xmm) -> Register {
    Register::XMM0 + x.num() as u32
}

fn check_xmm(i: &iced_x86::Instruction, code: &[u8], op: u32, x: Xmm) {
    assert_eq!(i.op_kind(op), OpKind::Register, "operand {op} of {code:02x?}");
    assert_eq!(i.op_register(op), xmm(x), "operand {op} of {code:02x?}");
}

#[test]
fn xmm_numbers_round_trip() {
    for (n, x) in Xmm::ALL.into_iter().enumerate() {
        assert_eq!(x.num() as usize, n);
        assert_eq!(Xmm::new(n as u8 + 16), x);
    }
}

#[test]
fn vmovq_between_xmm_and_memory() {
    for x in Xmm::ALL {
        for mem in few_mems() {
            let (i, c) = one(|a| a.vmovq_load(x, mem));
            check_shape(&i, &c, Mnemonic::Vmovq, 2);
            check_xmm(&i, &c, 0, x);
            check_mem(&i, &c, 1, &mem, 8);
            let (i, c) = one(|a| a.vmovq_store(mem, x));
            check_shape(&i, &c, Mnemonic::Vmovq, 2);
            check_mem(&i, &c, 0, &mem, 8);
            check_xmm(&i, &c, 1, x);
        }
    }
}

#[test]
fn vmovq_and_vmovmskpd_between_xmm_and_gprs() {
    for x in Xmm::ALL {
        for r in Reg::ALL {
            let (i, c) = one(|a| a.vmovq_from_gpr(x, r));
            check_shape(&i, &c, Mnemonic::Vmovq, 2);
            check_xmm(&i, &c, 0, x);
            check_reg(&i, &c, 1, r, 64);
            let (i, c) = one(|a| a.vmovq_to_gpr(r, x));
            check_shape(&i, &c, Mnemonic::Vmovq, 2);
            check_reg(&i, &c, 0, r, 64);
            check_xmm(&i, &c, 1, x);
            let (i, c) = one(|a| a.vmovmskpd(r, x));
            check_shape(&i, &c, Mnemonic::Vmovmskpd, 2);
            check_reg(&i, &c, 0, r, 32);
            check_xmm(&i, &c, 1, x);
        }
    }
}

#[test]
fn vpsubq_with_register_memory() {
    for (k, dst) in Xmm::ALL.into_iter().enumerate() {
        for a in [Xmm::new(k as u8), Xmm::new(15 - k as u8), Xmm::new(k as u8 + 7)] {
            for mem in few_mems() {
                let (i, c) = one(|asm| asm.vpsubq_load(dst, a, mem));
                check_shape(&i, &c, Mnemonic::Vpsubq, 3);
                check_xmm(&i, &c, 0, dst);
                check_xmm(&i, &c, 1, a);
                check_mem(&i, &c, 2, &mem, 16);
                // The two-byte VEX form whenever it can be used.
                let short = match mem.addr() {
                    Addr::Base(b) => b.num() < 8,
                    Addr::BaseIndex(b, x, _) => b.num() < 8 && x.num() < 8,
                    Addr::Label(_) | Addr::Abs => true,
                    Addr::Index(x, _) => x.num() < 8,
                };
                assert_eq!(c[0], if short { 0xC5 } else { 0xC4 }, "{c:02x?}");
            }
        }
    }
}

#[test]
fn vpsubq_rip_relative_reaches_its_label() {
    let mut a = Assembler::new();
    let data = a.new_label();
    for x in Xmm::ALL {
        a.vpsubq_load(x, x, Mem::label(data, 8));
    }
    a.align(16);
    let at = a.len() as u64;
    a.bind(data);
    a.data_u64(1);
    let code = a.finalize().expect("resolves").to_vec();
    let mut decoder = iced_x86::Decoder::with_ip(64, &code[..at as usize], 0, iced_x86::DecoderOptions::NONE);
    for x in Xmm::ALL {
        let i = decoder.decode();
        assert_eq!(i.mnemonic(), Mnemonic::Vpsubq);
        check_xmm(&i, &code, 0, x);
        assert!(i.is_ip_rel_memory_operand());
        assert_eq!(i.ip_rel_memory_address(), at + 8);
    }
}

#[test]
fn vectors_mix_with_general_code() {
    let mut a = Assembler::new();
    a.vmovq_load(Xmm::new(15), Mem::base(Reg::R15, -128));
    a.add_ri(gannet_asm::Size::S64, Reg::Rax, 1);
    a.vmovq_to_gpr(Reg::Rcx, Xmm::new(15));
    a.vmovq_store(Mem::base(Reg::R15, -128), Xmm::new(15));
    let code = a.finalize().expect("no labels").to_vec();
    let mnemonics: Vec<Mnemonic> = iced_x86::Decoder::with_ip(64, &code, 0, iced_x86::DecoderOptions::NONE)
        .into_iter()
        .map(|i| i.mnemonic())
        .collect();
    assert_eq!(mnemonics, [Mnemonic::Vmovq, Mnemonic::Add, Mnemonic::Vmovq, Mnemonic::Vmovq]);
}
