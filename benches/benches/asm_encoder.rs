//! x86-64 encoder throughput: `gannet-asm` against `dynasmrt` on the same JIT-like instruction mix.
//!
//! A fixed pseudo-random "guest program" of 100k guest instructions is lowered the way a
//! single-pass recompiler would (guest registers in host registers, guest memory at `r15 + rcx`,
//! a gas charge and a label per basic block, branches forward and backward) by both encoders into
//! a buffer reused across iterations. Reported as bytes of emitted code per second and as x86
//! instructions per second.
//!
//! Two programs: `random`, where the kind of each guest instruction is random (the dispatch on it
//! mispredicts as in a real compiler, a cost both encoders share), and `periodic`, where the kinds
//! repeat with period 16, so that the measurement is closer to the encoders' own cost. Operands
//! are random in both.
#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::useless_conversion)] // dynasm! converts dynamic register operands with `.into()`

use asm::{Assembler, Cond, Label, Mem, Reg, Scale, Size, Width};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dynasmrt::{dynasm, x64::X64Relocation, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};

/// Guest instructions per iteration.
const GUEST_INSTRUCTIONS: usize = 100_000;
/// Guest instructions per basic block.
const BLOCK: usize = 5;
/// Host registers holding the 13 guest registers (rcx is the address temporary, r15 the memory
/// base, rsp the host stack).
const GUEST_REGS: [u8; 13] = [0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const TMP: u8 = 1; // rcx
const MEM: u8 = 15; // r15
/// Offset of the gas counter from the memory base.
const GAS: i32 = -0x100;

/// One guest instruction of the synthetic program.
#[derive(Clone, Copy)]
struct GuestOp {
    kind: u8,
    a: u8,
    b: u8,
    c: u8,
    imm: i32,
    /// Branch target block.
    target: u32,
}

/// A deterministic program: a mix of loads, stores, ALU operations, branches (to blocks up to 16
/// away, either direction) and constants; `periodic` makes the kinds repeat with period 16.
fn program(periodic: bool) -> Vec<GuestOp> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let blocks = GUEST_INSTRUCTIONS.div_ceil(BLOCK) as i64;
    (0..GUEST_INSTRUCTIONS)
        .map(|k| {
            let r = next();
            let imm = match r >> 60 {
                0..=9 => (r >> 32) as i8 as i32,
                _ => (r >> 32) as i32,
            };
            GuestOp {
                kind: if periodic { (k % 16) as u8 } else { (r % 16) as u8 },
                a: GUEST_REGS[(r >> 8) as usize % 13],
                b: GUEST_REGS[(r >> 16) as usize % 13],
                c: GUEST_REGS[(r >> 24) as usize % 13],
                imm,
                target: ((k / BLOCK) as i64 + (next() % 33) as i64 - 16).clamp(0, blocks - 1) as u32,
            }
        })
        .collect()
}

/// Lowers `ops` with gannet-asm; returns the number of x86 instructions.
fn emit_gannet(a: &mut Assembler, ops: &[GuestOp], labels: &mut Vec<Label>) -> usize {
    a.clear();
    labels.clear();
    let blocks = ops.len().div_ceil(BLOCK);
    labels.extend((0..blocks).map(|_| a.new_label()));
    let out_of_gas = a.new_label();
    let (tmp, mem) = (Reg::from_num(TMP), Reg::from_num(MEM));
    let mut count = 0;
    for (k, op) in ops.iter().enumerate() {
        if k % BLOCK == 0 {
            a.bind(labels[k / BLOCK]);
            a.sub_mi(Size::S64, Mem::base(mem, GAS), BLOCK as i32);
            a.jcc(Cond::S, out_of_gas);
            count += 2;
        }
        let (ra, rb, rc) = (Reg::from_num(op.a), Reg::from_num(op.b), Reg::from_num(op.c));
        let guest = Mem::index(mem, tmp, Scale::S1, 0);
        count += match op.kind {
            0..=2 => {
                a.lea(Size::S32, tmp, Mem::base(ra, op.imm));
                a.load(Width::W64, rb, guest);
                2
            }
            3..=4 => {
                a.lea(Size::S32, tmp, Mem::base(ra, op.imm));
                a.store(Width::W32, guest, rb);
                2
            }
            5 => {
                a.lea(Size::S32, tmp, Mem::index(ra, rb, Scale::S1, 0));
                a.load(Width::W8, rc, guest);
                2
            }
            6..=8 => {
                a.mov_rr(Size::S32, ra, rb);
                a.add_rr(Size::S32, ra, rc);
                2
            }
            9..=10 => {
                a.add_ri(Size::S64, ra, op.imm);
                1
            }
            11 => {
                a.sub_ri(Size::S64, ra, 8);
                a.shl_ri(Size::S64, rb, 3);
                2
            }
            12..=14 => {
                a.cmp_rr(Size::S64, ra, rb);
                a.jcc(Cond::L, labels[op.target as usize]);
                2
            }
            _ => {
                a.movabs(ra, (op.imm as u64) << 32 | 0x1234_5678);
                1
            }
        };
    }
    a.bind(out_of_gas);
    a.ret();
    a.finalize().expect("all labels bound");
    count + 1
}

/// Lowers `ops` with dynasmrt; returns the number of x86 instructions.
fn emit_dynasm(
    d: &mut VecAssembler<X64Relocation>,
    ops: &[GuestOp],
    labels: &mut Vec<DynamicLabel>,
) -> usize {
    labels.clear();
    let blocks = ops.len().div_ceil(BLOCK);
    labels.extend((0..blocks).map(|_| d.new_dynamic_label()));
    let out_of_gas = d.new_dynamic_label();
    let mut count = 0;
    for (k, op) in ops.iter().enumerate() {
        if k % BLOCK == 0 {
            let here = labels[k / BLOCK];
            dynasm!(d
                ; .arch x64
                ; =>here
                ; sub QWORD [r15 + GAS], BLOCK as i32
                ; js =>out_of_gas
            );
            count += 2;
        }
        let (ra, rb, rc, imm) = (op.a, op.b, op.c, op.imm);
        count += match op.kind {
            0..=2 => {
                dynasm!(d ; .arch x64 ; lea ecx, [Rq(ra) + imm] ; mov Rq(rb), QWORD [r15 + rcx]);
                2
            }
            3..=4 => {
                dynasm!(d ; .arch x64 ; lea ecx, [Rq(ra) + imm] ; mov DWORD [r15 + rcx], Rd(rb));
                2
            }
            5 => {
                dynasm!(d ; .arch x64 ; lea ecx, [Rq(ra) + Rq(rb)] ; movzx Rd(rc), BYTE [r15 + rcx]);
                2
            }
            6..=8 => {
                dynasm!(d ; .arch x64 ; mov Rd(ra), Rd(rb) ; add Rd(ra), Rd(rc));
                2
            }
            9..=10 => {
                dynasm!(d ; .arch x64 ; add Rq(ra), imm);
                1
            }
            11 => {
                dynasm!(d ; .arch x64 ; sub Rq(ra), 8 ; shl Rq(rb), 3);
                2
            }
            12..=14 => {
                let target = labels[op.target as usize];
                dynasm!(d ; .arch x64 ; cmp Rq(ra), Rq(rb) ; jl =>target);
                2
            }
            _ => {
                let value = ((imm as u64) << 32 | 0x1234_5678) as i64;
                dynasm!(d ; .arch x64 ; mov Rq(ra), QWORD value);
                1
            }
        };
    }
    dynasm!(d ; .arch x64 ; =>out_of_gas ; ret);
    d.commit().expect("all labels bound");
    count + 1
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("asm_encoder");
    group.sample_size(30);
    let mut ours = Assembler::new();
    let mut our_labels = Vec::new();
    let mut theirs = VecAssembler::<X64Relocation>::new(0);
    let mut their_labels = Vec::new();
    for (name, periodic) in [("random", false), ("periodic", true)] {
        let ops = program(periodic);
        let instructions = emit_gannet(&mut ours, &ops, &mut our_labels);
        let our_bytes = ours.len();
        assert_eq!(emit_dynasm(&mut theirs, &ops, &mut their_labels), instructions);
        let their_bytes = theirs.drain().expect("committed").count();
        // The same instruction sequence; the lengths differ only by encoding choices (gannet-asm
        // picks imm8/disp8/rel8 forms for runtime values, dynasm their 32-bit forms).
        let ratio = our_bytes as f64 / their_bytes as f64;
        assert!((0.75..=1.0).contains(&ratio), "gannet {our_bytes} B vs dynasm {their_bytes} B");
        eprintln!(
            "asm_encoder/{name}: {GUEST_INSTRUCTIONS} guest instructions -> {instructions} x86 \
             instructions; gannet-asm {our_bytes} B, dynasmrt {their_bytes} B"
        );

        group.throughput(Throughput::Bytes(our_bytes as u64));
        group.bench_function(format!("{name}/bytes/gannet-asm"), |b| {
            b.iter(|| emit_gannet(&mut ours, &ops, &mut our_labels))
        });
        group.throughput(Throughput::Bytes(their_bytes as u64));
        group.bench_function(format!("{name}/bytes/dynasmrt"), |b| {
            b.iter(|| {
                let n = emit_dynasm(&mut theirs, &ops, &mut their_labels);
                drop(theirs.drain().expect("committed"));
                n
            })
        });
        group.throughput(Throughput::Elements(instructions as u64));
        group.bench_function(format!("{name}/instructions/gannet-asm"), |b| {
            b.iter(|| emit_gannet(&mut ours, &ops, &mut our_labels))
        });
        group.bench_function(format!("{name}/instructions/dynasmrt"), |b| {
            b.iter(|| {
                let n = emit_dynasm(&mut theirs, &ops, &mut their_labels);
                drop(theirs.drain().expect("committed"));
                n
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
