//! Random instruction streams: many emitters back to back, with labels, decoded as one buffer.
//! Every instruction must start where the assembler said it would and decode as what was asked.

use gannet_asm::{AluOp, Assembler, Cond, Label, Mem, Reg, Scale, ShiftOp, Size, Width};
use iced_x86::Mnemonic;
use proptest::prelude::*;

use crate::control::decode_all;

/// One random operation: a kind selector and raw operand material.
type Op = (u8, u8, u8, i32, i32, bool);

fn mem_of(base: u8, index: u8, disp: i32) -> Mem {
    let base = Reg::from_num(base);
    let index = Reg::from_num(index);
    if index == Reg::Rsp {
        Mem::base(base, disp)
    } else {
        Mem::index(base, index, Scale::ALL[(disp & 3) as usize], disp)
    }
}

/// Emits `op` and returns the mnemonic the decoder must report.
fn emit(a: &mut Assembler, labels: &[Label], (kind, r1, r2, imm, disp, wide): Op) -> Mnemonic {
    let size = if wide { Size::S64 } else { Size::S32 };
    let (x, y) = (Reg::from_num(r1), Reg::from_num(r2));
    let mem = mem_of(r1, r2, disp);
    let label = labels[(imm as u32 % labels.len() as u32) as usize];
    match kind % 16 {
        0 => {
            let op = AluOp::ALL[(imm & 7) as usize];
            a.alu_ri(op, size, x, disp);
            [
                Mnemonic::Add,
                Mnemonic::Or,
                Mnemonic::Adc,
                Mnemonic::Sbb,
                Mnemonic::And,
                Mnemonic::Sub,
                Mnemonic::Xor,
                Mnemonic::Cmp,
            ][(imm & 7) as usize]
        }
        1 => {
            a.sub_mi(Size::S64, mem, imm);
            Mnemonic::Sub
        }
        2 => {
            a.load(Width::ALL[(imm & 3) as usize], x, mem);
            if imm & 3 < 2 {
                Mnemonic::Movzx
            } else {
                Mnemonic::Mov
            }
        }
        3 => {
            a.store(Width::ALL[(imm & 3) as usize], mem, y);
            Mnemonic::Mov
        }
        4 => {
            a.lea(size, x, mem);
            Mnemonic::Lea
        }
        5 => {
            a.mov_imm64(x, (imm as u64) << (disp & 63));
            Mnemonic::Mov
        }
        6 => {
            a.jcc(Cond::ALL[r2 as usize % 16], label);
            crate::common::cond_mnemonics(Cond::ALL[r2 as usize % 16]).0
        }
        7 => {
            a.jmp(label);
            Mnemonic::Jmp
        }
        8 => {
            a.imul_rri(size, x, y, imm);
            Mnemonic::Imul
        }
        9 => {
            a.shift_ri(ShiftOp::ALL[(imm as u32 % 5) as usize], size, x, disp as u8);
            [Mnemonic::Rol, Mnemonic::Ror, Mnemonic::Shl, Mnemonic::Shr, Mnemonic::Sar]
                [(imm as u32 % 5) as usize]
        }
        10 => {
            a.shlx(size, x, y, Reg::from_num(imm as u8));
            Mnemonic::Shlx
        }
        11 => {
            a.setcc(Cond::ALL[r2 as usize % 16], x);
            crate::common::cond_mnemonics(Cond::ALL[r2 as usize % 16]).1
        }
        12 => {
            a.store_imm(Width::ALL[(disp & 3) as usize], mem, imm);
            Mnemonic::Mov
        }
        13 => {
            a.lea(Size::S64, x, Mem::label(label, disp >> 8));
            Mnemonic::Lea
        }
        14 => {
            a.cmov_rm(Cond::ALL[imm as usize & 15], size, x, mem);
            crate::common::cond_mnemonics(Cond::ALL[imm as usize & 15]).2
        }
        _ => {
            a.load_sx(size, Width::ALL[(imm & 3) as usize], x, mem);
            match (imm & 3, wide) {
                (0 | 1, _) => Mnemonic::Movsx,
                (2, true) => Mnemonic::Movsxd,
                _ => Mnemonic::Mov,
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_streams_decode_in_step(ops in prop::collection::vec(any::<Op>(), 1..120), nlabels in 1usize..8) {
        let mut a = Assembler::new();
        let labels: Vec<Label> = (0..nlabels).map(|_| a.new_label()).collect();
        let mut expected = Vec::new();
        for (k, op) in ops.iter().enumerate() {
            if k % (ops.len() / nlabels + 1) == 0 {
                if let Some(l) = labels.iter().find(|l| a.label_offset(**l).is_none()) {
                    a.bind(*l);
                }
            }
            let at = a.len();
            expected.push((at, emit(&mut a, &labels, *op)));
        }
        for l in &labels {
            if a.label_offset(*l).is_none() {
                a.bind(*l);
            }
        }
        let code = a.finalize().unwrap().to_vec();
        let decoded = decode_all(&code);
        prop_assert_eq!(decoded.len(), expected.len());
        for ((at, i), (want_at, mnemonic)) in decoded.iter().zip(&expected) {
            prop_assert_eq!(at, want_at);
            prop_assert_eq!(i.mnemonic(), *mnemonic);
            if i.is_ip_rel_memory_operand() || i.op_kind(0) == iced_x86::OpKind::NearBranch64 {
                let target = if i.is_ip_rel_memory_operand() { i.ip_rel_memory_address() } else { i.near_branch_target() };
                prop_assert!(target as usize <= code.len() + (1 << 24) || target > u64::MAX - (1 << 24));
            }
        }
    }
}
