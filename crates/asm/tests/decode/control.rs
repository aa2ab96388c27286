//! Labels, branches, rip-relative operands, calls, stack operations, traps and padding.

use gannet_asm::{AluOp, AsmError, Assembler, Cond, Label, Mem, Reg, Size, Width};
use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind};

use crate::common::*;

/// Decodes all of `code`, returning each instruction by its offset.
pub fn decode_all(code: &[u8]) -> Vec<(usize, Instruction)> {
    decode_from(code, 0)
}

/// Decodes `code[start..]` at its real addresses, returning each instruction by its offset.
pub fn decode_from(code: &[u8], start: usize) -> Vec<(usize, Instruction)> {
    let mut decoder = Decoder::with_ip(64, &code[start..], start as u64, DecoderOptions::NONE);
    let mut out = Vec::new();
    while decoder.can_decode() {
        let at = start + decoder.position();
        let i = decoder.decode();
        assert!(!i.is_invalid(), "invalid instruction at {at}");
        out.push((at, i));
    }
    out
}

/// One branch emitted by [`branches`]: its offset, the label aimed at and whether it is a `jcc`.
struct Branch {
    at: usize,
    label: Label,
    mnemonic: Mnemonic,
    may_be_short: bool,
}

#[test]
fn branches_reach_their_labels() {
    let mut a = Assembler::new();
    let labels: Vec<Label> = (0..64).map(|_| a.new_label()).collect();
    let mut emitted = Vec::new();
    for (k, &here) in labels.iter().enumerate() {
        a.bind(here);
        // Padding of varying size puts backward targets on both sides of the rel8 limit.
        a.nop(k * 7 % 11);
        let targets =
            [labels[k], labels[k.saturating_sub(2)], labels[k / 2], labels[(k * 5 + 3) % 64], labels[63 - k]];
        for (j, &target) in targets.iter().enumerate() {
            let at = a.len();
            let backward = a.label_offset(target).is_some();
            let cond = Cond::ALL[(k + j) % 16];
            let mnemonic = match (k + j) % 5 {
                0 => {
                    a.jmp(target);
                    Mnemonic::Jmp
                }
                1 => {
                    a.jcc(cond, target);
                    cond_mnemonics(cond).0
                }
                2 => {
                    a.call(target);
                    Mnemonic::Call
                }
                3 => {
                    a.jmp_near(target);
                    Mnemonic::Jmp
                }
                _ => {
                    a.jcc_near(cond, target);
                    cond_mnemonics(cond).0
                }
            };
            let may_be_short = backward && (k + j) % 5 < 2;
            emitted.push(Branch { at, label: target, mnemonic, may_be_short });
        }
        a.add_ri(Size::S64, Reg::ALL[k % 16], k as i32 * 1000);
    }
    let code = a.finalize().expect("all labels bound").to_vec();
    let decoded = decode_all(&code);
    let mut shorts = 0;
    for b in &emitted {
        let (_, i) = decoded.iter().find(|(at, _)| *at == b.at).expect("branch on an instruction boundary");
        assert_eq!(i.mnemonic(), b.mnemonic);
        assert_eq!(i.op_kind(0), OpKind::NearBranch64);
        let target = a.label_offset(b.label).unwrap() as u64;
        assert_eq!(i.near_branch_target(), target, "branch at {}", b.at);
        let rel8_fits = (target as i64 - (b.at as i64 + 2)) as i8 as i64 == target as i64 - (b.at as i64 + 2);
        let is_short = i.len() == 2;
        assert_eq!(is_short, b.may_be_short && rel8_fits, "branch at {} len {}", b.at, i.len());
        shorts += is_short as usize;
    }
    assert!(shorts > 10, "too few short branches exercised: {shorts}");
    assert!(emitted.iter().filter(|b| !b.may_be_short).count() > 10);
}

#[test]
fn rip_relative_operands() {
    let mut a = Assembler::new();
    let back = a.new_label();
    a.bind(back);
    a.data_u64(0x1122_3344_5566_7788);
    let fwd = a.new_label();
    let mut checks = Vec::new();
    for (k, disp) in [0, 8, -4, 100_000, -1].into_iter().enumerate() {
        for label in [back, fwd] {
            let mem = Mem::label(label, disp);
            let dst = Reg::ALL[k * 3 % 16];
            let at = a.len();
            match k % 5 {
                0 => a.lea(Size::S64, dst, mem),
                1 => a.alu_mi(AluOp::Cmp, Size::S32, mem, 0x1234), // imm32 after the disp32
                2 => a.store_imm(Width::W16, mem, 7),              // imm16 after the disp32
                3 => a.load(Width::W8, dst, mem),
                _ => a.jmp_mem(mem),
            }
            checks.push((at, label, disp));
        }
    }
    a.int3();
    a.bind(fwd);
    a.data_u32(0xDEAD_BEEF);
    let code = a.finalize().unwrap().to_vec();
    let end = a.label_offset(fwd).unwrap() as usize;
    let decoded = decode_from(&code[..end], 8);
    for (at, label, disp) in checks {
        let (_, i) = decoded.iter().find(|(o, _)| *o == at).expect("instruction boundary");
        assert!(i.is_ip_rel_memory_operand(), "instruction at {at}");
        let target = i.ip_rel_memory_address();
        let want = (a.label_offset(label).unwrap() as i64 + disp as i64) as u64;
        assert_eq!(target, want, "instruction at {at}");
    }
}

#[test]
fn data_labels_and_explicit_binding() {
    let mut a = Assembler::new();
    let table = a.new_label();
    let l1 = a.new_label();
    let l2 = a.new_label();
    a.bind(table);
    a.data_label(l1, 0);
    a.data_label(l2, 0);
    a.data_label(l2, 4);
    a.bind_at(l1, 0x40);
    assert_eq!(a.label_offset(l2), None);
    assert_eq!(a.resolve(), Err(AsmError::UnboundLabel(l2)));
    a.bind_at(l2, 0x1000);
    let code = a.finalize().unwrap();
    let words: Vec<u32> = code.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
    assert_eq!(words, [0x40, 0x1000, 0x1000 - 4]);
    assert_eq!(a.label_offset(l1), Some(0x40));
    assert_eq!(a.pending_fixups(), 0);
}

#[test]
fn unbound_label_is_an_error_until_bound() {
    let mut a = Assembler::new();
    let l = a.new_label();
    a.jcc(Cond::E, l);
    a.lea(Size::S64, Reg::Rax, Mem::label(l, 0));
    assert_eq!(a.clone().into_code(), Err(AsmError::UnboundLabel(l)));
    assert_eq!(a.resolve(), Err(AsmError::UnboundLabel(l)));
    assert_eq!(a.pending_fixups(), 2);
    a.bind(l);
    a.ret();
    let code = a.into_code().unwrap();
    let decoded = decode_all(&code);
    assert_eq!(decoded[0].1.near_branch_target(), 13);
    assert_eq!(decoded[1].1.ip_rel_memory_address(), 13);
}

#[test]
fn indirect_branches_and_stack() {
    for reg in Reg::ALL {
        for (mnemonic, emit) in [
            (Mnemonic::Jmp, Assembler::jmp_reg as fn(&mut Assembler, Reg)),
            (Mnemonic::Call, Assembler::call_reg),
            (Mnemonic::Push, Assembler::push),
            (Mnemonic::Pop, Assembler::pop),
        ] {
            let (i, c) = one(|a| emit(a, reg));
            check_shape(&i, &c, mnemonic, 1);
            check_reg(&i, &c, 0, reg, 64);
        }
    }
    for mem in few_mems() {
        for (mnemonic, emit) in [
            (Mnemonic::Jmp, Assembler::jmp_mem as fn(&mut Assembler, Mem)),
            (Mnemonic::Call, Assembler::call_mem),
        ] {
            let (i, c) = one(|a| emit(a, mem));
            check_shape(&i, &c, mnemonic, 1);
            check_mem(&i, &c, 0, &mem, 8);
        }
    }
    for imm in IMMS {
        let (i, c) = one(|a| a.push_imm(imm));
        check_shape(&i, &c, Mnemonic::Push, 1);
        check_imm(&i, &c, 0, imm as i64, 64);
    }
    for (mnemonic, emit) in [
        (Mnemonic::Ret, Assembler::ret as fn(&mut Assembler)),
        (Mnemonic::Ud2, Assembler::ud2),
        (Mnemonic::Int3, Assembler::int3),
    ] {
        let (i, c) = one(emit);
        check_shape(&i, &c, mnemonic, 0);
    }
}

#[test]
fn nop_padding_and_alignment() {
    for len in 0..40 {
        let mut a = Assembler::new();
        a.nop(len);
        assert_eq!(a.len(), len);
        let decoded = decode_all(a.code());
        assert!(decoded.iter().all(|(_, i)| i.mnemonic() == Mnemonic::Nop));
        assert!(decoded.len() <= len.div_ceil(9).max(1) || len == 0);
    }
    for start in 0..20 {
        for align in [1, 2, 4, 8, 16, 32, 64] {
            let mut a = Assembler::new();
            a.nop(start);
            a.align(align);
            assert_eq!(a.len() % align, 0);
            assert!(a.len() - start < align);
        }
    }
}

/// Evaluates `cond` for flags (CF, ZF, SF, OF, PF).
fn holds(cond: Cond, cf: bool, zf: bool, sf: bool, of: bool, pf: bool) -> bool {
    let base = match cond.num() >> 1 {
        0 => of,
        1 => cf,
        2 => zf,
        3 => cf || zf,
        4 => sf,
        5 => pf,
        6 => sf != of,
        _ => zf || sf != of,
    };
    base != (cond.num() & 1 == 1)
}

#[test]
fn inverted_conditions_are_complements() {
    for cond in Cond::ALL {
        for flags in 0..32u8 {
            let f = |b: u8| flags >> b & 1 == 1;
            assert_ne!(
                holds(cond, f(0), f(1), f(2), f(3), f(4)),
                holds(cond.invert(), f(0), f(1), f(2), f(3), f(4))
            );
        }
        // The decoder agrees on what the inverted condition is called.
        let (j, _, _) = cond_mnemonics(cond.invert());
        let mut a = Assembler::new();
        let l = a.new_label();
        a.bind(l);
        a.jcc(cond.invert(), l);
        assert_eq!(decode_all(a.code())[0].1.mnemonic(), j);
    }
}

#[test]
fn forward_jcc_patched_later() {
    let mut a = Assembler::new();
    let mut fields = Vec::new();
    for (k, cond) in Cond::ALL.into_iter().enumerate() {
        let at = a.len();
        fields.push((at, a.jcc_forward(cond), cond));
        a.nop(k % 4);
    }
    // Before patching, each branch goes to the next instruction.
    let decoded = decode_all(a.finalize().expect("no labels"));
    for &(at, _, cond) in &fields {
        let (_, i) = decoded.iter().find(|(start, _)| *start == at).expect("a branch");
        assert_eq!(i.mnemonic(), cond_mnemonics(cond).0);
        assert_eq!(i.near_branch_target(), at as u64 + 6);
    }
    // Aim them forward (past a long stretch) and backward.
    a.nop(300);
    let far = a.len() as u32;
    a.ret();
    for (n, &(_, field, _)) in fields.iter().enumerate() {
        a.patch_rel32(field, if n % 2 == 0 { far } else { 0 });
    }
    let decoded = decode_all(a.finalize().expect("no labels"));
    for (n, &(at, field, cond)) in fields.iter().enumerate() {
        assert_eq!(field as usize, at + 2);
        let (_, i) = decoded.iter().find(|(start, _)| *start == at).expect("a branch");
        assert_eq!(i.mnemonic(), cond_mnemonics(cond).0);
        assert_eq!(i.len(), 6);
        assert_eq!(i.near_branch_target(), if n % 2 == 0 { u64::from(far) } else { 0 });
    }
}

#[test]
fn code_overwritten_by_a_jump() {
    let mut a = Assembler::new();
    // Two compare-and-branch sequences and a plain forward jump, as a compiler emits them.
    let mut starts = Vec::new();
    for reg in [Reg::Rax, Reg::R12] {
        starts.push(a.len() as u32);
        a.test_rr(Size::S64, reg, reg);
        a.jcc_forward(Cond::E);
    }
    let l = a.new_label();
    starts.push(a.len() as u32);
    a.jmp(l);
    a.bind(l);
    let end = a.len();
    a.nop(200);
    let stubs = [a.len() as u32, 0, a.len() as u32 + 1];
    a.ret();
    a.ret();
    // After `resolve`, which would otherwise write the jump's old displacement over the new.
    a.resolve().expect("all bound");
    for (&at, &target) in starts.iter().zip(&stubs) {
        a.patch_jmp(at, target);
    }
    let code = a.finalize().expect("all bound");
    assert_eq!(code.len(), end + 200 + 2);
    for (&at, &target) in starts.iter().zip(&stubs) {
        let (_, i) = decode_from(&code[..at as usize + 5], at as usize)[0];
        assert_eq!(i.mnemonic(), Mnemonic::Jmp);
        assert_eq!(i.len(), 5);
        assert_eq!(i.near_branch_target(), u64::from(target));
    }
}

#[test]
fn branches_to_code_offsets() {
    let mut a = Assembler::new();
    let mut emitted = Vec::new();
    for k in 0..40usize {
        // Padding of varying size puts the targets on both sides of the rel8 limit.
        a.nop(k * 13 % 97);
        let here = a.len();
        let target = (here * (k % 5) / 4) as u32;
        if k % 2 == 0 {
            a.jmp_to(target);
            emitted.push((here, target, Mnemonic::Jmp));
        } else {
            let cond = Cond::ALL[k % 16];
            a.jcc_to(cond, target);
            emitted.push((here, target, cond_mnemonics(cond).0));
        }
    }
    let forward_at = a.len();
    let field = a.jmp_forward();
    a.nop(150);
    let end = a.len() as u32;
    a.ret();
    a.patch_rel32(field, end);
    let decoded = decode_all(a.finalize().expect("no labels"));
    for (at, target, mnemonic) in emitted {
        let (_, i) = decoded.iter().find(|(start, _)| *start == at).expect("a branch");
        assert_eq!(i.mnemonic(), mnemonic);
        assert_eq!(i.near_branch_target(), u64::from(target));
        // rel8 exactly when it reaches.
        let rel8 = i64::from(target) - (at as i64 + 2);
        assert_eq!(i.len() == 2, (-128..=127).contains(&rel8), "branch at {at} to {target}");
    }
    let (_, i) = decoded.iter().find(|(start, _)| *start == forward_at).expect("the forward jump");
    assert_eq!((i.mnemonic(), i.len(), i.near_branch_target()), (Mnemonic::Jmp, 5, u64::from(end)));
    assert_eq!(field as usize, forward_at + 1);
}
