//! The edge cases of wide (64-bit) random programs: 64-bit edge values, addresses at the
//! edges of every mapped region and of the address space, edge operands for the ALU,
//! division and branches, `sbrk`, `memset`, and dynamic jumps to valid, odd, zero,
//! out-of-table, mid-block and return-to-host addresses.

use isa::blob::PolkavmLayout;
use isa::text::CodeBuilder;
use isa::{Format, Instruction, Opcode, Operands, Reg};

use super::{inst, is_memory, is_store, Profile, Rng, Targets, WRITABLE};

/// Number of extra terminator kinds [`terminator`] adds.
pub const TERMINATORS: u64 = 5;

/// The address `jump_indirect` halts at.
const RETURN_TO_HOST: u32 = 0xFFFF_0000;

/// A 64-bit value, biased towards edge cases of signed, unsigned, 32- and 64-bit arithmetic.
pub fn value64(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => rng.pick(&[0, 1, 2, 31, 32, 33, 63, 64, 65, 0xFF, u64::MAX, u64::MAX - 1]),
        1 => rng.pick(&[1 << 63, (1 << 63) + 1, i64::MAX as u64, 1 << 32, (1 << 32) - 1, (1 << 32) + 1]),
        2 => rng.pick(&[0x8000_0000, 0xFFFF_FFFF_8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF_7FFF_FFFF]),
        // A 32-bit edge value, sign- or zero-extended.
        3 => i64::from(rng.value() as i32) as u64,
        4 => u64::from(rng.value()),
        5 => rng.below(512).wrapping_sub(256),
        _ => rng.next(),
    }
}

/// `n` random bytes.
pub fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next() as u8).collect()
}

/// An absolute address: mostly inside a mapped region (RO data, RW data, stack), often at an
/// edge (of a region, the heap, the low guard `0x10000`, or the address space, where accesses
/// wrap around), give or take a few bytes so that wide accesses straddle the edge.
pub fn address(rng: &mut Rng, layout: &PolkavmLayout) -> u32 {
    let page = layout.page_size;
    let rw_end = layout.rw_address + layout.rw_size;
    let inside = [
        (layout.ro_address, layout.ro_size),
        (layout.rw_address, layout.rw_size),
        (layout.stack_low, layout.stack_size),
    ];
    let edge = rng.pick(&[
        layout.ro_address,
        layout.ro_address + layout.ro_size,
        layout.rw_address,
        layout.rw_address + page,
        rw_end,
        layout.heap_base,
        rw_end + page,
        layout.stack_low,
        layout.stack_low + page,
        layout.stack_high,
        0x1_0000,
        0,
        RETURN_TO_HOST,
        0x8000_0000,
    ]);
    match rng.below(20) {
        0..=12 => {
            let (start, size) = rng.pick(&inside);
            start + rng.below(u64::from(size - 7)) as u32
        }
        13..=17 => edge.wrapping_add(rng.below(17) as u32).wrapping_sub(8),
        18 => edge.wrapping_add(rng.below(page.into()) as u32),
        _ => rng.value(),
    }
}

/// Base register and offset of an indirect access: mostly `sp` (which random code never
/// writes) with the offset that reaches an edge [`address`], sometimes any register.
pub fn indirect(rng: &mut Rng, layout: &PolkavmLayout) -> (Reg, u32) {
    if rng.chance(85) {
        (Reg::SP, address(rng, layout).wrapping_sub(layout.stack_high))
    } else {
        (rng.pick(&Reg::ALL), rng.value())
    }
}

/// A 64-bit register value `v` with `v + sext(offset) ≡ address (mod 2^32)`, with random bits
/// above bit 31 (guest addresses are the low 32 bits).
pub(super) fn base_for(rng: &mut Rng, address: u32, offset: u32) -> u64 {
    let low = u64::from(address.wrapping_sub(offset));
    let high = if rng.chance(50) { 0 } else { rng.next() << 32 };
    high | low
}

/// Appends `load_imm64 reg, imm`.
pub(super) fn load_imm64(b: &mut CodeBuilder, reg: Reg, imm: u64) {
    b.push(inst(Opcode::LoadImm64, Operands::RegImm64 { reg, imm }));
}

/// A short sequence that sets up an edge case and runs it.
pub fn special(b: &mut CodeBuilder, rng: &mut Rng, profile: &Profile, layout: &PolkavmLayout) {
    let dst = |rng: &mut Rng| rng.pick(&WRITABLE);
    match rng.below(8) {
        // An ALU instruction on edge operands; now and then a second one that overwrites the
        // first's result, mostly reading it (the recompiler leaves out the sign extension of
        // a 32-bit result that only a 32-bit reader sees).
        0 | 1 => {
            let alu = |op: Opcode| {
                matches!(op.format(), Format::RegReg | Format::RegRegReg | Format::RegRegImm)
                    && !is_memory(op)
                    && op != Opcode::Sbrk
            };
            let op = profile.of(rng, alu);
            let (s1, s2) = (dst(rng), dst(rng));
            load_imm64(b, s1, value64(rng));
            load_imm64(b, s2, value64(rng));
            let d = dst(rng);
            let operands = match op.format() {
                Format::RegReg => Operands::RegReg { d, s: s1 },
                Format::RegRegReg => Operands::RegRegReg { d, s1, s2 },
                _ => Operands::RegRegImm { a: d, b: s1, imm: rng.value() },
            };
            b.push(inst(op, operands));
            if rng.chance(35) {
                let next = profile.of(rng, alu);
                let read = if rng.chance(80) { d } else { dst(rng) };
                let operands = match next.format() {
                    Format::RegReg => Operands::RegReg { d, s: read },
                    Format::RegRegReg => Operands::RegRegReg { d, s1: read, s2 },
                    _ => Operands::RegRegImm { a: d, b: read, imm: rng.value() },
                };
                b.push(inst(next, operands));
            }
        }
        // Division and remainder by zero and -1, of MIN and others.
        2 => {
            let op = profile
                .of(rng, |op| format!("{op:?}").starts_with("Div") || format!("{op:?}").starts_with("Rem"));
            let (s1, s2) = (dst(rng), dst(rng));
            let dividend = [1 << 63, 0xFFFF_FFFF_8000_0000, 0x8000_0000, u64::MAX, 7];
            load_imm64(b, s1, if rng.chance(70) { rng.pick(&dividend) } else { value64(rng) });
            load_imm64(b, s2, rng.pick(&[0, u64::MAX, 0xFFFF_FFFF, 1 << 32, 1]));
            b.push(inst(op, Operands::RegRegReg { d: dst(rng), s1, s2 }));
        }
        // A memory access through a register loaded with an edge address.
        3 => {
            let op = profile
                .of(rng, |op| is_memory(op) && matches!(op.format(), Format::RegRegImm | Format::RegImmImm));
            let (base, offset) = (dst(rng), rng.value());
            let target = address(rng, layout);
            load_imm64(b, base, base_for(rng, target, offset));
            let operands = if op.format() == Format::RegImmImm {
                Operands::RegImmImm { reg: base, imm1: offset, imm2: rng.value() }
            } else {
                let value = if is_store(op) { rng.pick(&Reg::ALL) } else { dst(rng) };
                Operands::RegRegImm { a: value, b: base, imm: offset }
            };
            b.push(inst(op, operands));
        }
        // Heap growth by edge sizes (then accesses at `heap_base` reach the new pages).
        4 if profile.has(Opcode::Sbrk) => {
            // The huge sizes fail (past the heap limit), which keeps the heap small to compare.
            let size = rng.pick(&[0, 1, 8, 4095, 4096, 4097, 3 * 4096, u32::MAX, u32::MAX - 4095]);
            let (d, s) = (dst(rng), dst(rng));
            b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: s, imm: size }));
            b.push(inst(Opcode::Sbrk, Operands::RegReg { d, s }));
        }
        // memset anywhere near an edge, of edge lengths.
        5 if profile.has(Opcode::Memset) => {
            let count =
                if rng.chance(70) { rng.below(80) } else { rng.pick(&[4095, 4096, 4097, 8200, 70_000]) };
            let target = address(rng, layout);
            load_imm64(b, Reg::A0, base_for(rng, target, 0));
            load_imm64(b, Reg::A1, value64(rng));
            load_imm64(b, Reg::A2, count);
            b.push(inst(Opcode::Memset, Operands::Argless));
        }
        6 => super::fused::fusable_pair(b, rng, layout),
        7 => select(b, rng, profile),
        _ => {
            let imm = if rng.chance(50) { rng.below(4) as u32 } else { rng.value() };
            b.push(inst(Opcode::Ecalli, Operands::Imm { imm }));
        }
    }
}

/// The instructions the recompiler can compile with a `cmov` when a branch skips a block of
/// one of them and a `fallthrough`, or one of them and a `jump` back to the branch's target
/// (a "select").
const SELECTABLE: [Opcode; 15] = [
    Opcode::MoveReg,
    Opcode::LoadImm,
    Opcode::LoadImm64,
    Opcode::Add64,
    Opcode::Add32,
    Opcode::AddImm64,
    Opcode::AddImm32,
    Opcode::Sub64,
    Opcode::And,
    Opcode::Or,
    Opcode::Xor,
    Opcode::AndImm,
    Opcode::OrImm,
    Opcode::XorImm,
    Opcode::NegateAndAddImm64,
];

/// A branch over a block of one instruction: forward, over the block and its `fallthrough`,
/// or, in a loop, back to the loop's head, the block ending with a `jump` there (the loop ends
/// after a few turns, or when the gas does). Mostly one the recompiler compiles as a select,
/// sometimes another ALU instruction (which it does not). Operands and destination are drawn
/// from a few registers, so that the instruction often reads or writes the branch's operands.
fn select(b: &mut CodeBuilder, rng: &mut Rng, profile: &Profile) {
    let regs = [rng.pick(&WRITABLE), rng.pick(&WRITABLE), rng.pick(&WRITABLE)];
    let pick = |rng: &mut Rng| rng.pick(&regs);
    let branch = profile.of(rng, |op| op.is_branch());
    let operands = match branch.format() {
        Format::RegRegOffset => Operands::RegRegOffset { a: pick(rng), b: pick(rng), target: 0 },
        _ => {
            let imm = if rng.chance(50) { rng.below(3) as u32 } else { rng.value() };
            Operands::RegImmOffset { reg: pick(rng), imm, target: 0 }
        }
    };
    let end = b.label();
    let back = rng.chance(40).then(|| {
        // A counter the block does not write.
        let free: Vec<Reg> = WRITABLE.iter().copied().filter(|r| !regs.contains(r)).collect();
        let (head, counter) = (b.label(), rng.pick(&free));
        b.push(inst(Opcode::LoadImm, Operands::RegImm { reg: counter, imm: 0 }));
        b.push(inst(Opcode::Fallthrough, Operands::Argless));
        b.bind(head);
        b.push(inst(Opcode::AddImm64, Operands::RegRegImm { a: counter, b: counter, imm: 1 }));
        let turns = 1 + rng.below(4) as u32;
        b.push_to(
            inst(Opcode::BranchEqImm, Operands::RegImmOffset { reg: counter, imm: turns, target: 0 }),
            end,
        );
        head
    });
    b.push_to(inst(branch, operands), back.unwrap_or(end));
    let op = if rng.chance(80) {
        profile.of(rng, |op| SELECTABLE.contains(&op))
    } else {
        profile.of(rng, |op| {
            matches!(op.format(), Format::RegReg | Format::RegRegReg | Format::RegRegImm)
                && !is_memory(op)
                && op != Opcode::Sbrk
        })
    };
    let operands = match op.format() {
        Format::RegReg => Operands::RegReg { d: pick(rng), s: pick(rng) },
        Format::RegRegReg => Operands::RegRegReg { d: pick(rng), s1: pick(rng), s2: pick(rng) },
        Format::RegImm => Operands::RegImm { reg: pick(rng), imm: rng.value() },
        Format::RegImm64 => Operands::RegImm64 { reg: pick(rng), imm: value64(rng) },
        _ => Operands::RegRegImm { a: pick(rng), b: pick(rng), imm: rng.value() },
    };
    b.push(inst(op, operands));
    match back {
        Some(head) => b.push_to(inst(Opcode::Jump, Operands::Offset { target: 0 }), head),
        None => b.push(inst(Opcode::Fallthrough, Operands::Argless)),
    }
    b.bind(end);
}

/// A dynamic-jump address: a valid jump-table entry, `0`, odd, past the table, the
/// return-to-host address or next to it, or anything.
fn dynamic_address(rng: &mut Rng, table: u32) -> u32 {
    match rng.below(10) {
        0..=3 => 2 * (1 + rng.below(table.into()) as u32),
        4 => rng.pick(&[0, 1, 2 * table + 1, u32::MAX, 0x8000_0000]),
        5 => 2 * (table + 1 + rng.below(4) as u32),
        6 => 2 * rng.below(u64::from(table) + 2) as u32 + 1,
        7 | 8 => RETURN_TO_HOST.wrapping_add(rng.pick(&[0, 0, 0, 1, 2, u32::MAX - 1])),
        _ => rng.value(),
    }
}

/// One of the [`TERMINATORS`] extra block ends (`arm` selects it).
pub fn terminator(
    b: &mut CodeBuilder,
    rng: &mut Rng,
    profile: &Profile,
    targets: &Targets,
    arm: u64,
    last: bool,
) {
    let dst = |rng: &mut Rng| rng.pick(&WRITABLE);
    match arm {
        // jump_indirect through a register loaded with a dynamic address.
        0 => {
            let (reg, offset) = (dst(rng), if rng.chance(50) { 0 } else { rng.value() });
            let address = dynamic_address(rng, targets.table);
            load_imm64(b, reg, base_for(rng, address, offset));
            b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg, imm: offset }));
        }
        // load_imm_and_jump_indirect, sometimes writing its own base register.
        1 => {
            let (base, offset) = (dst(rng), if rng.chance(50) { 0 } else { rng.value() });
            let address = dynamic_address(rng, targets.table);
            load_imm64(b, base, base_for(rng, address, offset));
            let d = if rng.chance(25) { base } else { dst(rng) };
            let operands = Operands::RegRegImmImm { a: d, b: base, imm1: rng.value(), imm2: offset };
            b.push(inst(Opcode::LoadImmAndJumpIndirect, operands));
        }
        // A static jump or branch into the middle of a block (which traps), or anywhere.
        2 => {
            let index = rng.below(targets.labels.len() as u64) as usize;
            let mid = rng.chance(70);
            let label = if mid { targets.mid[index] } else { targets.labels[index] };
            if last || rng.chance(40) {
                b.push_to(inst(Opcode::Jump, Operands::Offset { target: 0 }), label);
            } else {
                let op = profile.of(rng, |op| op.is_branch() || op == Opcode::LoadImmAndJump);
                let operands = match op.format() {
                    Format::RegRegOffset => Operands::RegRegOffset { a: dst(rng), b: dst(rng), target: 0 },
                    _ => Operands::RegImmOffset { reg: dst(rng), imm: rng.value(), target: 0 },
                };
                b.push_to(inst(op, operands), label);
            }
        }
        // jump_indirect through any register with any offset (usually a wild address).
        3 => {
            let wild = rng.value();
            let imm = rng.pick(&[0, 0, 2, (-2i32) as u32, wild]);
            b.push(inst(Opcode::JumpIndirect, Operands::RegImm { reg: rng.pick(&Reg::ALL), imm }));
        }
        // A branch on edge operands, backwards or forwards.
        _ if !last => {
            let op = profile.of(rng, |op| op.is_branch());
            let (r1, r2) = (dst(rng), dst(rng));
            load_imm64(b, r1, value64(rng));
            load_imm64(b, r2, value64(rng));
            let operands = match op.format() {
                Format::RegRegOffset => Operands::RegRegOffset { a: r1, b: r2, target: 0 },
                _ => Operands::RegImmOffset { reg: r1, imm: rng.value(), target: 0 },
            };
            let target = targets.labels[rng.below(targets.labels.len() as u64) as usize];
            b.push_to(inst(op, operands), target);
        }
        _ => b.push(Instruction::TRAP),
    }
}
