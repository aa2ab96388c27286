//! The code buffer: growth, reuse after `clear`, raw data, patching and label bookkeeping.

use gannet_asm::{AsmError, Assembler, Cond, Label, Mem, Reg, Size, Width};
use iced_x86::Mnemonic;

use crate::control::decode_all;

/// Emits a loop body of `n` iterations' worth of code; returns the instruction count.
fn body(a: &mut Assembler, n: usize) -> usize {
    let top = a.new_label();
    let exit = a.new_label();
    a.bind(top);
    for k in 0..n {
        let r = Reg::from_num(k as u8);
        a.add_ri(Size::S64, r, k as i32);
        a.store(Width::W32, Mem::base(Reg::R15, k as i32 * 4), r);
        a.jcc(Cond::ALL[k % 16], if k % 2 == 0 { top } else { exit });
    }
    a.bind(exit);
    a.ret();
    3 * n + 1
}

#[test]
fn growth_keeps_every_instruction() {
    let mut a = Assembler::new();
    assert!(a.is_empty());
    let count = body(&mut a, 20_000);
    let code = a.finalize().unwrap().to_vec();
    assert_eq!(code.len(), a.len());
    let decoded = decode_all(&code);
    assert_eq!(decoded.len(), count);
    assert_eq!(decoded.last().unwrap().1.mnemonic(), Mnemonic::Ret);
}

#[test]
fn clear_reuses_the_buffer_and_forgets_labels() {
    let mut a = Assembler::with_capacity(1 << 16);
    body(&mut a, 500);
    let first = a.finalize().unwrap().to_vec();
    let capacity = a.capacity();
    assert!(capacity >= 1 << 16);
    a.clear();
    assert_eq!((a.len(), a.label_count(), a.pending_fixups()), (0, 0, 0));
    body(&mut a, 500);
    assert_eq!(a.finalize().unwrap(), &first[..]);
    assert_eq!(a.capacity(), capacity, "the buffer is reused, not reallocated");
    let mut b = Assembler::new();
    b.reserve(10);
    body(&mut b, 500);
    assert_eq!(b.into_code().unwrap(), first);
}

#[test]
fn raw_data_and_patching() {
    let mut a = Assembler::new();
    a.bytes(&[1, 2, 3]);
    a.data_u8(4);
    a.data_u16(0x0605);
    a.data_u32(0x0A09_0807);
    a.data_u64(0x1211_100F_0E0D_0C0B);
    let expected: Vec<u8> = (1..=0x12).collect();
    assert_eq!(a.code(), &expected[..]);
    a.patch_u32(1, 0xDDCC_BBAA);
    assert_eq!(&a.code()[..6], &[1, 0xAA, 0xBB, 0xCC, 0xDD, 6]);
    a.bytes(&[0x90; 100]);
    assert_eq!(a.len(), 0x12 + 100);
}

#[test]
fn labels_by_index() {
    let mut a = Assembler::new();
    let labels: Vec<Label> = (0..10).map(|_| a.new_label()).collect();
    for (k, l) in labels.iter().enumerate() {
        assert_eq!(l.index() as usize, k);
        assert_eq!(Label::from_index(l.index()), *l);
    }
    a.jmp(labels[3]);
    a.bind_at(Label::from_index(3), 0);
    assert_eq!(a.label_offset(labels[3]), Some(0));
    assert_eq!(a.resolve(), Ok(()));
    assert_eq!(decode_all(a.code())[0].1.near_branch_target(), 0);
    a.jmp(labels[4]);
    assert_eq!(a.finalize(), Err(AsmError::UnboundLabel(labels[4])));
}
